#!/usr/bin/env bash
# Pins down: a new install name that does not fit in the header padding is an error naming the file and the
# missing bytes, never a moved section or a broken file, and nothing is written. tightpkg/a/b/c/d/_ext.so was
# linked with -headerpad 0 against /o/t.dylib (found through --lib-path); its new name
# @loader_path/../../../../.dylibs/t.dylib is longer.
# Oracle: llvm-objdump --macho --private-headers of the input: __text starts less than 16 bytes after the load
# commands (only its alignment), so the error is the only correct answer.
source "$(dirname "$0")/../common.sh"
need_macos_wheel tightpkg-1.0-cp311-cp311-macosx_10_13_x86_64.whl
hdr=$(/usr/lib/llvm-14/bin/llvm-objdump --macho --private-headers "$W/stage/tight_ext.so")
sizeofcmds=$(awk '/MH_MAGIC_64/{print $7; exit}' <<<"$hdr")
first=$(awk '/sectname __text/{f=1} f&&/ offset/{print $2; exit}' <<<"$hdr")
pad=$((first - sizeofcmds - 32))
[ "$pad" -ge 0 ] && [ "$pad" -lt 16 ] || fail "the fixture has $pad bytes of padding, expected only the 16-byte alignment of __text"
set +e
"$FERRY" repair --lib-path "$W/deps" -w "$T/wh" "$whl" >"$T/out" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
expect_eq "exit code" 1 "$rc"
[ "$(wc -l <"$T/err")" = 1 ] || fail "expected one line"
grep -q "tightpkg/a/b/c/d/_ext.so: x86_64 slice: no room in the header padding" "$T/err" || fail "file not named"
grep -Eq "[0-9]+ more bytes are needed" "$T/err" || fail "missing bytes not said"
[ -z "$(ls -A "$T/wh" 2>/dev/null)" ] || fail "an output was written"
# Without --lib-path, t.dylib is missing: named, and --ignore-missing-dependencies leaves the wheel as it is.
expect_rc 1 "$FERRY" repair -w "$T/wh" "$whl" 2>"$T/err2"
grep -q "/o/t.dylib (needed by tightpkg/a/b/c/d/_ext.so)" "$T/err2" || fail "missing library not named: $(cat "$T/err2")"
grep -q "copied unchanged" <<<"$("$FERRY" repair --ignore-missing-dependencies -w "$T/wh" "$whl")" || fail "--ignore-missing-dependencies"
echo ok
