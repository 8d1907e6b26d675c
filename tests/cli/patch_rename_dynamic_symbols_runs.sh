#!/usr/bin/env bash
# --rename-dynamic-symbols renames a library's exports and a program's references with one map; the program
# then runs with every symbol bound at start-up (LD_BIND_NOW=1), which proves the loader finds each renamed
# symbol through the rebuilt hash tables — for GNU hash, SysV hash and both. nm -D lists exactly the renamed
# names, relocations name the renamed symbols (readelf -r), the reverse map gives the original names back, a
# map matching nothing changes nothing, and patchelf 0.19.3 given the same map yields the same symbol names.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd nm
need_cmd readelf
need_cmd eu-elflint
n=150
{
  echo 'int ferry_counter = 7;'
  for i in $(seq 1 $n); do echo "int ferry_fn$i(int x) { return x + $i; }"; done
} >"$T/lib.c"
{
  echo 'extern int ferry_counter;'
  for i in $(seq 1 $n); do echo "int ferry_fn$i(int);"; done
  echo 'int main(void) { long s = ferry_counter;'
  for i in $(seq 1 $n); do echo "  s += ferry_fn$i(1);"; done
  echo "  return s == 7 + $n + $n * ($n + 1) / 2 ? 0 : 1; }"
} >"$T/main.c"
syms() { nm -D --defined-only "$1" | awk '{print $NF}' | grep ferry_ | sort; }
relnames() { readelf -rW "$1" | awk '{print $5}' | grep ferry_ | sort; }
optional_patchelf
for style in gnu sysv both; do
  d=$T/$style
  mkdir -p "$d"
  gcc -O1 -shared -fPIC -Wl,--hash-style=$style -o "$d/libren.so" "$T/lib.c"
  gcc -O1 -Wl,--hash-style=$style -o "$d/main" "$T/main.c" -L"$d" -lren
  LD_BIND_NOW=1 LD_LIBRARY_PATH=$d "$d/main" || fail "$style: the unpatched program fails"
  syms "$d/libren.so" | awk '{print $1, $1 "_renamed"}' >"$T/map"
  awk '{print $2, $1}' "$T/map" >"$T/rmap"
  cp "$d/libren.so" "$d/main" "$T/"
  "$FERRY" patchelf --rename-dynamic-symbols "$T/map" "$d/libren.so" "$d/main" || fail "$style: refused"
  LD_BIND_NOW=1 LD_LIBRARY_PATH=$d "$d/main" || fail "$style: the renamed program does not run"
  check_clean "$T/libren.so" "$d/libren.so"  # eu-elflint checks every symbol's hash chain
  check_clean "$T/main" "$d/main"
  expect_eq "$style: exports" "$(syms "$T/libren.so" | sed 's/$/_renamed/' | sort)" "$(syms "$d/libren.so")"
  expect_eq "$style: relocations" "$(relnames "$T/main" | sed 's/$/_renamed/' | sort)" "$(relnames "$d/main")"
  # A program still linked to the old names must now fail to bind: the old names are really gone.
  LD_BIND_NOW=1 LD_LIBRARY_PATH=$d "$T/main" >/dev/null 2>&1 && fail "$style: the old names still resolve"
  cp "$d/libren.so" "$d/again.so"
  "$FERRY" patchelf --rename-dynamic-symbols "$T/map" "$d/again.so"
  cmp -s "$d/libren.so" "$d/again.so" || fail "$style: renaming twice changed the bytes"
  "$FERRY" patchelf --rename-dynamic-symbols "$T/rmap" "$d/libren.so" "$d/main"
  expect_eq "$style: reverse map" "$(syms "$T/libren.so")" "$(syms "$d/libren.so")"
  LD_BIND_NOW=1 LD_LIBRARY_PATH=$d "$d/main" || fail "$style: the program renamed back does not run"
  if [ -n "$PE" ]; then
    cp "$T/libren.so" "$d/pe.so"
    "$PE" --rename-dynamic-symbols "$T/map" "$d/pe.so"
    cp "$T/libren.so" "$d/fe.so"
    "$FERRY" patchelf --rename-dynamic-symbols "$T/map" "$d/fe.so"
    expect_eq "$style: same names as patchelf" "$(syms "$d/pe.so")" "$(syms "$d/fe.so")"
  fi
done
echo "no_such_symbol other_name" >"$T/none"
cp "$T/both/libren.so" "$T/none.so"
"$FERRY" patchelf --rename-dynamic-symbols "$T/none" "$T/none.so"
cmp -s "$T/both/libren.so" "$T/none.so" || fail "a map matching nothing changed the file"
printf 'only_one_name\n' >"$T/bad"
expect_rc 1 "$FERRY" patchelf --rename-dynamic-symbols "$T/bad" "$T/none.so"
printf 'a@V1 b\n' >"$T/bad"
expect_rc 2 "$FERRY" patch --rename-dynamic-symbols "$T/bad" "$T/none.so"
echo ok
