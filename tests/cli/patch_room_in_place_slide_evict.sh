#!/usr/bin/env bash
# Where the room for a longer .dynstr and one more program header comes from, each case pinned by its plan line
# and checked by running the output and its stripped copy (binutils' strip needs the header table right after
# the ELF header):
#  1. gcc's default -z separate-code layout: the sections after .dynstr slide into the padding at the end of
#     the first PT_LOAD; the file keeps its size.
#  2. -z noseparate-code (no padding): the sections after the table move into a new PT_LOAD, then the fewest
#     sections after .dynstr are evicted to its end instead of copying .dynstr; growth is under a page + strings.
#  3. a library with no notes and a .gnu.hash larger than a page right after the table, no padding (the case
#     that used to move the table into the new segment, which strip then broke): the table stays at 64.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd strip; need_cmd eu-elflint
long="/opt/room/$(printf 'r%.0s' {1..90})"
phoff() { readelf -hW "$1" | awk '/Start of program headers/{print $5}'; }
size() { stat -c %s "$1"; }
# works DIR WHAT: the program (RUNPATH $ORIGIN) runs with DIR's libfoo.so.1 and with a stripped copy of it.
works() {
  expect_eq "$2: runs" "$base" "$(LD_LIBRARY_PATH="$1" run_bound "$1/prog")"
  mkdir -p "$1/s"; cp "$1/libfoo.so.1" "$1/s/"; strip "$1/s/libfoo.so.1"
  expect_eq "$2: stripped library" "$base" "$(LD_LIBRARY_PATH="$1/s" run_bound "$1/prog")"
  [ "$(phoff "$1/s/libfoo.so.1")" = 64 ] || fail "$2: strip moved the program header table"
}

# 1. slide
d=$T/slide; build_set "$d"; base=$(run_bound "$d/prog"); cp "$d/libfoo.so.1" "$d/orig.so"
plan=$("$FERRY" patch --set-rpath "$long" "$d/libfoo.so.1" --dry-run)
grep -qE "slid .* forward by [0-9]+ bytes into the padding" <<<"$plan" || fail "case 1: no slide: $plan"
"$FERRY" patch --set-rpath "$long" "$d/libfoo.so.1" >/dev/null
expect_eq "case 1: size" "$(size "$d/orig.so")" "$(size "$d/libfoo.so.1")"
expect_eq "case 1: runpath" "$long" "$(dyn "$d/libfoo.so.1" RUNPATH)"
check_clean "$d/orig.so" "$d/libfoo.so.1"; works "$d" "case 1"
echo "ok: slide"

# big_set DIR [flags]: libfoo.so.1 with 700 more exported functions (a .dynstr of ~25 KB, a .gnu.hash larger
# than a page) and prog linked against it.
big_set() {
  local d=$1; shift; mkdir -p "$d"
  { for i in $(seq 1 700); do echo "int exported_function_number_$i(int x) { return x + $i; }"; done
    cat "$PFX/libfoo.c"; } > "$d/big.c"
  gcc -O1 -shared -fPIC "$@" -o "$d/libfoo.so.1" "$d/big.c" -Wl,-soname,libfoo.so.1
  gcc -O1 -shared -fPIC -o "$d/libextra.so" "$PFX/libextra.c" -Wl,-soname,libextra.so
  gcc -O1 -o "$d/prog" "$PFX/prog.c" -L"$d" -l:libfoo.so.1 -Wl,-rpath,'$ORIGIN'
  base=$(run_bound "$d/prog"); cp "$d/libfoo.so.1" "$d/orig.so"
}

# 2. no padding: new PT_LOAD for the table's room, eviction for .dynstr
d=$T/evict; big_set "$d" -Wl,-z,noseparate-code
plan=$("$FERRY" patch --set-rpath "$long" "$d/libfoo.so.1" --dry-run)
grep -q "table kept at 0x40" <<<"$plan" || fail "case 2: table not kept: $plan"
grep -qE "moved [^(]* \([0-9]+ bytes\) to the end of the last PT_LOAD .* freeing room for \.dynstr" <<<"$plan" || fail "case 2: no eviction: $plan"
"$FERRY" patch --set-rpath "$long" "$d/libfoo.so.1" >/dev/null
grow=$(( $(size "$d/libfoo.so.1") - $(size "$d/orig.so") ))
# The sections moved for the table's room, plus at most a page: .dynstr itself (about 16 KB here) did not move.
table_block=$(sed -n 's/.*grown by one entry; moved [^(]*(\([0-9]*\) bytes).*/\1/p' <<<"$plan")
strsz=$(readelf -dW "$d/orig.so" | awk '/STRSZ/{print $3}')
[ "$strsz" -gt 8192 ] || fail "case 2: the fixture's .dynstr is only $strsz bytes"
[ "$grow" -le $((table_block + 4096)) ] || fail "case 2: grew by $grow bytes (table block $table_block)"
check_clean "$d/orig.so" "$d/libfoo.so.1"; mkdir -p "$d/s"; cp "$d/libextra.so" "$d/s/"
works "$d" "case 2"
echo "ok: evict (grew by $grow bytes)"

# 3. no notes, a large .gnu.hash after the table, no padding
d=$T/big; big_set "$d" -fcf-protection=none -Wl,--build-id=none -Wl,-z,noseparate-code
first=$(readelf -SW "$d/orig.so" | sed -n 's/^ *\[ *1\] \([^ ]*\) .*/\1/p')
[ "$first" = .gnu.hash ] || skip "case 3: the toolchain put $first after the program headers"
"$FERRY" patch --set-rpath "$long" "$d/libfoo.so.1" >/dev/null
expect_eq "case 3: table offset" 64 "$(phoff "$d/libfoo.so.1")"
check_clean "$d/orig.so" "$d/libfoo.so.1"; works "$d" "case 3"
echo "ok: large block after the table"
echo ok
