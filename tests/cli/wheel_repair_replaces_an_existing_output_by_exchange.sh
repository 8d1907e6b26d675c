#!/usr/bin/env bash
# Pins down: a repair whose output wheel already exists (a second run into the same wheelhouse) puts the new
# wheel in place atomically by exchanging names (renameat2 RENAME_EXCHANGE, so the replaced wheel is freed before
# the new one's write-back starts; docs/elf-rewriting.md "Durability"), leaves no scratch, and gives the same
# bytes as the first run; where names cannot be exchanged (EINVAL injected) it renames.
# Oracles: strace's record of the renames (and its fault injection), cmp against the first output, unzip -t.
source "$(dirname "$0")/../common.sh"
need_cmd strace
need_cmd unzip
whl="$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl"
[ -f "$whl" ] || skip "wheel fixtures were not built"
strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
export LD_LIBRARY_PATH="$FIX/wheel/lib"
# Member times from a fixed epoch: without it, runs a DOS time step (2 s) apart write different bytes.
export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$T/out"
expect_rc 0 "$FERRY" repair "$whl" -w "$T/out" >/dev/null
out=$(ls "$T"/out/*.whl)
cp "$out" "$T/first.whl"
first_inode=$(stat -c %i "$out")

# renames CMD...: the renames CMD makes into the wheelhouse, one per line, "call to-path [flags]" (the scratch
# path they come from varies; the patches of the scratch copies are not counted).
renames() {
  strace -f -qq -e trace=rename,renameat,renameat2 ${INJECT:+-e inject=$INJECT} -o "$T/strace" "$@" >/dev/null
  sed -E -e 's/^[0-9]+ +//' -e 's/^renameat2\(AT_FDCWD, "[^"]*", AT_FDCWD, ("[^"]*"), ([A-Z_]+)\).*/renameat2 \1 \2/' \
    -e 's/^rename\("[^"]*", ("[^"]*")\).*/rename \1/' "$T/strace" | grep -E "^rename[a-z0-9]* \"$T/out/" || true
}
expect_eq "a second run exchanges the new wheel with the old" "renameat2 \"$out\" RENAME_EXCHANGE" \
  "$(renames "$FERRY" repair "$whl" -w "$T/out")"
[ "$(stat -c %i "$out")" != "$first_inode" ] || fail "the output was not replaced (same inode)"
cmp -s "$T/first.whl" "$out" || fail "the second run's wheel differs from the first's"
unzip -tq "$out" >/dev/null || fail "the replaced wheel is not a valid zip"
expect_eq "files in the wheelhouse after the exchange" "$(basename "$out")" "$(ls -A "$T/out")"

INJECT=renameat2:error=EINVAL
expect_eq "the fallback when names cannot be exchanged" "renameat2 \"$out\" RENAME_EXCHANGE
rename \"$out\"" "$(renames "$FERRY" repair "$whl" -w "$T/out")"
cmp -s "$T/first.whl" "$out" || fail "the fallback's wheel differs from the first's"
expect_eq "files in the wheelhouse after the fallback" "$(basename "$out")" "$(ls -A "$T/out")"
echo ok
