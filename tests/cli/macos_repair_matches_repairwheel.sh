#!/usr/bin/env bash
# Pins down: on the macOS fixture wheels ferry and repairwheel 0.8.0 (pure-Python delocate, PyPI venv from
# scripts/oracles.sh) agree: fixpkg — same output name (tag), same grafted set, same references and ids in every
# slice (llvm-otool -L), both outputs pass the independent signature checker; newpkg — same raised tag
# (ferry --raise-tag; repairwheel raises by default); tightpkg — both refuse, and ferry's missing byte count is
# repairwheel's "new size - max size".
# timeout: 600
source "$(dirname "$0")/../common.sh"
W=$FIX/macos_wheel
[ -f "$W/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl" ] || skip "macOS wheel fixtures were not built"
[ -x /usr/lib/llvm-14/bin/llvm-otool ] || skip "llvm-otool-14 is not installed"
need_oracles
unset MACOSX_DEPLOYMENT_TARGET
check=$SRC/tests/lib/macho_signature_check.py
refs() {  # refs DIR: every Mach-O's references, per arch, as llvm-otool prints them
  (cd "$1" && find . -name '*.so' -o -name '*.dylib' | sort | while read -r f; do
    /usr/lib/llvm-14/bin/llvm-otool -L -arch all "$f"; done)
}
for w in fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl newpkg-1.0-cp311-cp311-macosx_11_0_arm64.whl; do
  "$FERRY" repair --raise-tag --lib-path "$W/deps" -w "$T/ferry" "$W/$w" >/dev/null
  "$ORACLES/repairwheel" -o "$T/rw" -l "$W/deps" "$W/$w" >/dev/null 2>&1 || fail "repairwheel failed on $w"
done
expect_eq "output names (tags)" "$(ls "$T/rw")" "$(ls "$T/ferry")"
for f in "$T"/rw/*.whl; do
  n=$(basename "$f")
  rm -rf "$T/a" "$T/b" && mkdir "$T/a" "$T/b"
  (cd "$T/a" && python3 -m zipfile -e "$f" .) && (cd "$T/b" && python3 -m zipfile -e "$T/ferry/$n" .)
  expect_eq "$n: grafted set" "$(cd "$T/a" && find . -path '*/.dylibs/*' | sort)" "$(cd "$T/b" && find . -path '*/.dylibs/*' | sort)"
  diff <(refs "$T/a") <(refs "$T/b") || fail "$n: references or ids differ from repairwheel's"
  (cd "$T/b" && find . -name '*.so' -o -name '*.dylib' | xargs python3 "$check" --no-linker-signed --require-signature) >/dev/null \
    || fail "$n: ferry's signatures"
  (cd "$T/a" && find . -name '*.so' -o -name '*.dylib' | xargs python3 "$check" --require-signature) >/dev/null \
    || fail "$n: the checker rejects repairwheel's signatures (checker or oracle broken)"
done
tight=$W/tightpkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl
set +e
rwmsg=$("$ORACLES/repairwheel" -o "$T/rw2" -l "$W/deps" "$tight" 2>&1)
rc=$?
fmsg=$("$FERRY" repair --lib-path "$W/deps" -w "$T/f2" "$tight" 2>&1)
set -e
[ "$rc" != 0 ] || fail "repairwheel repaired the wheel without header room"
want=$(sed -nE 's/.*new size=([0-9]+), max size=([0-9]+).*/\1 \2/p' <<<"$rwmsg" | awk '{print $1 - $2}')
got=$(sed -nE 's/.* ([0-9]+) more bytes are needed.*/\1/p' <<<"$fmsg")
expect_eq "missing header bytes" "$want" "$got"
echo ok
