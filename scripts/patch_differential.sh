#!/usr/bin/env bash
# Differential sweep of the ELF writer: two ferry binaries (say main's, copied aside before a change, and yours)
# patch the same inputs with the same edit sets, and their outputs must be byte-identical (sha256), their
# refusals the same exit code and message, and their --dry-run plans the same text. For changes to lib/patch
# that must not change output (the planner, the writer's speed). Not run by CI: about 10 minutes on 2 cores.
# Edit sets: short and long --set-rpath, --add-needed, --replace-needed, a long --set-interpreter and
# --set-soname, an --add-rpath longer than a page (a new segment), --remove-needed and combinations; each file
# patched with the long --add-rpath is patched again with four more sets (evicts into the segment it gained).
# Usage: scripts/patch_differential.sh OLD_FERRY NEW_FERRY [N_LIBS] [N_PROGRAMS] [EXTRA_FILE...]
#   N_LIBS (300) shared libraries spread over the system library directory, N_PROGRAMS (50) programs of
#   /usr/bin, and any EXTRA_FILE (fixtures' outputs, libLLVM). JOBS=2 parallel inputs.
# Prints the counts (runs, identical outputs, identical refusals, room moves by method) and every difference;
# exits 1 when there is one.
set -euo pipefail
old=${1:?usage: $0 OLD_FERRY NEW_FERRY [N_LIBS] [N_PROGRAMS] [EXTRA_FILE...]}
new=${2:?usage: $0 OLD_FERRY NEW_FERRY [N_LIBS] [N_PROGRAMS] [EXTRA_FILE...]}
nlibs=${3:-300}
nprogs=${4:-50}
shift $(( $# < 4 ? $# : 4 ))
for b in "$old" "$new"; do [ -x "$b" ] || { echo "no ferry binary at $b"; exit 2; }; done
t=$(mktemp -d "${TMPDIR:-/tmp}/ferry-patch-diff.XXXXXX"); trap 'rm -rf "$t"' EXIT

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | tr -d '\0')" = $'\x7fELF' ]; }
spread() {  # spread N: N lines of stdin, evenly spaced
  awk -v n="$1" '{l[NR] = $0} END {s = NR / n; if (s < 1) s = 1; for (i = 1; i <= NR && c < n; i += s) {print l[int(i)]; c++}}'
}
libdir=/usr/lib/$(uname -m)-linux-gnu
[ -d "$libdir" ] || libdir=/usr/lib
{
  find "$libdir" -maxdepth 1 -type f -name '*.so*' | sort | while read -r f; do ! is_elf "$f" || echo "$f"; done | spread "$nlibs"
  find /usr/bin -maxdepth 1 -type f | sort | while read -r f; do ! is_elf "$f" || echo "$f"; done | spread "$nprogs"
  for f in "$@"; do ! is_elf "$f" || echo "$f"; done
} > "$t/inputs"

# One input, every edit set, with one binary: a line per run (input index, set, exit code, output hash, plan
# hash, room moves by method, the refusal with the output path replaced).
cat > "$t/one.sh" <<'EOF'
#!/usr/bin/env bash
bin=$1 out=$2 idx=$3 in=$4
mkdir -p "$out"
long200=$(printf '/opt/sweep/lib%.0s' $(seq 1 20))
long_page=$(printf '/opt/ferry-sweep-long-directory/lib%.0s' $(seq 1 200))
long_1k=$(printf '/opt/ferry-sweep-dir/lib%.0s' $(seq 1 40))
interp=/opt/a/very/long/interpreter/directory/that/does/not/exist/anywhere/on/this/machine/ld-linux-x86-64.so.2
soname=libferry-sweep-soname-that-is-rather-long-indeed-$(printf 'x%.0s' $(seq 1 80)).so.1
sets=(
  "--set-rpath \$ORIGIN"
  "--set-rpath $long200"
  "--add-needed libferry_sweep_added.so.1"
  "--replace-needed libc.so.6 libc-ferry-sweep-replacement-long-name.so.6"
  "--set-interpreter $interp"
  "--set-soname $soname"
  "--add-rpath $long_page"
  "--remove-needed libm.so.6"
  "--set-interpreter $interp --add-needed libx.so.1 --set-rpath $long200"
  "--add-needed liba.so.1 --add-needed libb.so.2 --add-needed libc3.so.3 --set-soname $soname --clear-execstack"
  "--set-rpath \$ORIGIN/../lib --set-execstack --add-debug-tag"
  "--add-rpath $long_1k --add-needed libm2.so.6"
)
again=("--add-needed libchain.so.1 --set-soname $soname" "--set-interpreter $interp" "--add-rpath $long_page"
       "--set-rpath $long200 --add-needed libq.so.9")
run() {  # run NAME INPUT EDITS...
  local name=$1 file=$2 o=$out/$idx.$1 rc sha plan
  shift 2
  rm -f "$o"
  rc=0; "$bin" patch --output "$o" "$@" "$file" >/dev/null 2>"$o.err" || rc=$?
  sha=-; [ -f "$o" ] && sha=$(sha256sum < "$o" | cut -c1-16)
  plan=$("$bin" patch --dry-run "$@" "$file" 2>&1 | sed "s#$out#OUT#g" || true)
  echo "$idx $name rc=$rc sha=$sha plan=$(sha256sum <<<"$plan" | cut -c1-16)" \
    "slide=$(grep -c 'slid ' <<<"$plan" || true) evict=$(grep -c 'to the end of the last PT_LOAD' <<<"$plan" || true)" \
    "newseg=$(grep -c 'into a new PT_LOAD' <<<"$plan" || true) err=$(sed "s#$out#OUT#g" "$o.err" | tr '\n' '|')"
}
for s in "${!sets[@]}"; do
  # shellcheck disable=SC2086  # each set is a list of words
  run "$s" "$in" ${sets[$s]}
  if [ "$s" = 6 ] && [ -f "$out/$idx.6" ]; then
    cp "$out/$idx.6" "$out/$idx.6.in"
    # shellcheck disable=SC2086
    for c in "${!again[@]}"; do run "6+$c" "$out/$idx.6.in" ${again[$c]}; done
  fi
  rm -f "$out/$idx".*
done
EOF
sweep() {  # sweep BIN TAG -> $t/TAG
  nl -ba -w1 -s' ' "$t/inputs" | xargs -P "${JOBS:-2}" -L1 bash -c 'bash "$0" "$1" "$2" "$3" "$4"' "$t/one.sh" "$1" "$t/work-$2" |
    sort -k1,1n -k2,2 > "$t/$2"
}
echo "$(wc -l < "$t/inputs") inputs; $old against $new"
sweep "$old" old
sweep "$new" new
runs=$(wc -l < "$t/old")
same_out=$(paste -d'\n' "$t/old" "$t/new" | paste - - | awk -F'\t' '$1 == $2 && $1 !~ / rc=[1-9]/' | wc -l)
same_refusal=$(paste -d'\n' "$t/old" "$t/new" | paste - - | awk -F'\t' '$1 == $2 && $1 ~ / rc=[1-9]/' | wc -l)
echo "runs: $runs; identical outputs and plans: $same_out; identical refusals: $same_refusal"
grep -o 'slide=[0-9]* evict=[0-9]* newseg=[0-9]*' "$t/old" |
  awk -F'[= ]' '{s += $2; e += $4; n += $6; if ($2 + $4 + $6 > 1) m++} END {print "room moves: " s " slides, " e " evicts, " n " new segments; " m + 0 " plans with two or more"}'
if ! diff "$t/old" "$t/new" > "$t/diff"; then
  echo "DIFFERENT (< old, > new):"
  cat "$t/diff"
  exit 1
fi
echo "no difference"
