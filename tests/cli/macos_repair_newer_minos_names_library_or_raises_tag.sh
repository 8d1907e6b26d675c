#!/usr/bin/env bash
# Pins down the minos rule: newpkg (tag macosx_11_0_arm64) needs libnew.dylib built for macOS 13.0. Repair
# fails (exit 1, no output) naming libnew, the version it needs and what to set; MACOSX_DEPLOYMENT_TARGET=13.0
# or --raise-tag retags to macosx_13_0_arm64 (minor 0 from 11 on); MACOSX_DEPLOYMENT_TARGET=12.3 fails again.
# `show` reports the same minos and the tag repair would reach.
# Oracle: llvm-objdump --macho --private-headers gives libnew's minos (LC_BUILD_VERSION) independently.
source "$(dirname "$0")/../common.sh"
need_macos_wheel newpkg-1.0-cp311-cp311-macosx_11_0_arm64.whl
[ -x /usr/lib/llvm-14/bin/llvm-objdump ] || skip "llvm-objdump-14 is not installed"
minos=$(/usr/lib/llvm-14/bin/llvm-objdump --macho --private-headers "$W/deps/libnew.dylib" | awk '/LC_BUILD_VERSION/{f=1} f&&/minos/{print $2; exit}')
expect_eq "oracle minos of libnew" 13.0 "$minos"
unset MACOSX_DEPLOYMENT_TARGET
set +e
"$FERRY" repair -w "$T/wh" "$whl" >"$T/out" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
expect_eq "exit code" 1 "$rc"
grep -q "libnew.dylib (arm64) needs macOS $minos" "$T/err" || fail "the library and its version are not named"
grep -q "MACOSX_DEPLOYMENT_TARGET=$minos" "$T/err" || fail "what to set is not said"
[ ! -e "$T/wh" ] || [ -z "$(ls -A "$T/wh")" ] || fail "an output was written"
"$FERRY" repair --raise-tag -w "$T/wh" "$whl" >/dev/null
[ -f "$T/wh/newpkg-1.0-cp311-cp311-macosx_13_0_arm64.whl" ] || fail "--raise-tag: $(ls "$T/wh")"
python3 - "$T/wh/newpkg-1.0-cp311-cp311-macosx_13_0_arm64.whl" <<'PY' || fail "WHEEL Tag not rewritten"
import sys, zipfile
w = zipfile.ZipFile(sys.argv[1]).read("newpkg-1.0.dist-info/WHEEL").decode()
assert "Tag: cp311-cp311-macosx_13_0_arm64" in w and "macosx_11_0" not in w, w
PY
MACOSX_DEPLOYMENT_TARGET=13.0 "$FERRY" repair -w "$T/wh2" "$whl" >/dev/null
[ -f "$T/wh2/newpkg-1.0-cp311-cp311-macosx_13_0_arm64.whl" ] || fail "MACOSX_DEPLOYMENT_TARGET=13.0: $(ls "$T/wh2")"
MACOSX_DEPLOYMENT_TARGET=12.3 expect_rc 1 "$FERRY" repair -w "$T/wh3" "$whl" 2>/dev/null
"$FERRY" show --json "$whl" >"$T/show.json" || true
python3 - "$T/show.json" <<'PY' || fail "show does not report the minos"
import json, sys
w = json.load(open(sys.argv[1]))["wheels"][0]
assert {"arch": "arm64", "version": "13.0"} == {k: w["minos"][0][k] for k in ("arch", "version")}, w["minos"]
assert w["repair_tag"] == "" and "libnew.dylib" in w["repair_problem"], w
PY
echo ok
