#!/usr/bin/env bash
# Measure: the share of this machine's /usr/bin programs that `ferry lower -t debian11` makes start in a Debian 11
# root (glibc 2.31): each program is lowered (or already passes `check -t debian11`), copied into the root and
# run there as `PROGRAM --version` (5 s limit, stdin empty). Programs whose libraries bullseye lacks are counted
# apart (no lowering helps them); the original's own `--version` here is the reference for "same behaviour".
# Prints one line per program to $out/results.tsv and the totals.
# usage: bench/lower.sh ROOT [path/to/ferry] [dir]   (needs root for chroot)
set -uo pipefail
root=${1:?usage: bench/lower.sh ROOT [ferry] [dir]}
ferry=${2:-build/bin/ferry}
dir=${3:-/usr/bin}
out=$(mktemp -d)
stage=$(mktemp -d "$root/ferry-bench.XXXXXX")
trap 'rm -rf "$stage" "$out"' EXIT
inside=/${stage#"$root"/}
: >"$out/results.tsv"
for p in "$dir"/*; do
  [ -f "$p" ] && [ ! -L "$p" ] || continue
  head -c4 "$p" | grep -q ELF || continue
  readelf -lW "$p" 2>/dev/null | grep -q "Requesting program interpreter" || continue
  name=$(basename "$p")
  if "$ferry" check --no-hints -t debian11 "$p" >/dev/null 2>&1; then how=already; cp "$p" "$stage/$name"
  elif "$ferry" lower -t debian11 "$p" -o "$stage/$name" >/dev/null 2>"$out/err"; then how=lowered
  else
    if grep -q "cannot lower" "$out/err"; then how=refused; else how=error; fi
    printf '%s\t%s\t-\t%s\n' "$name" "$how" "$(head -c 200 "$out/err" | tr '\n\t' '  ')" >>"$out/results.tsv"
    continue
  fi
  missing=$(chroot "$root" env LD_TRACE_LOADED_OBJECTS=1 "$inside/$name" 2>&1 | grep -c "not found")
  if [ "$missing" != 0 ]; then
    printf '%s\t%s\tmissing-libraries\t\n' "$name" "$how" >>"$out/results.tsv"; continue
  fi
  timeout 5 chroot "$root" "$inside/$name" --version </dev/null >"$out/run" 2>&1
  rc=$?
  # The original here, for comparison: same exit status and same first line (paths aside) counts as "same".
  timeout 5 "$p" --version </dev/null >"$out/here" 2>&1
  here_rc=$?
  same=no
  [ "$rc" = "$here_rc" ] && [ "$(head -n1 "$out/run" | sed "s|$inside/||g")" = "$(head -n1 "$out/here" | sed "s|$dir/||g")" ] && same=yes
  if [ "$rc" = 0 ]; then ran=ok
  elif grep -qE "symbol lookup error|version .* not found|Segmentation fault|Illegal instruction" "$out/run"; then ran=loader-or-crash
  else ran="exit-$rc"; fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$how" "$ran" "$(head -c 120 "$out/run" | tr '\n\t' '  ')" "$same" >>"$out/results.tsv"
done
r=$out/results.tsv
total=$(wc -l <"$r")
count() { awk -F'\t' "$1" "$r" | wc -l; }
echo "programs (ELF with PT_INTERP) in $dir: $total"
echo "  already pass debian11: $(count '$2=="already"')   lowered: $(count '$2=="lowered"')   refused: $(count '$2=="refused"')   errors: $(count '$2=="error"')"
echo "  libraries missing in the root (not counted below): $(count '$3=="missing-libraries"')"
loadable=$(count '$3!="missing-libraries" && $3!="-"')
echo "  run --version with exit 0 in the root: $(count '$3=="ok"') of $loadable loadable (lowered: $(count '$2=="lowered" && $3=="ok"') of $(count '$2=="lowered" && $3!="missing-libraries"'))"
echo "  loader errors or crashes: $(count '$3=="loader-or-crash"')   other exit codes: $(count '$3 ~ /^exit-/')"
echo "  same --version exit status and first line as the original here: $(count '$5=="yes"') of $loadable"
echo "  of all $total programs, lowered-or-already and --version ok: $(count '$3=="ok"')"
echo "details: $r"
