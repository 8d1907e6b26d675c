#!/usr/bin/env bash
# Bundles made here of programs with an embedded interpreter run in a Debian bullseye root (glibc 2.31, no Python
# 3.11 or Tcl 8.6.13 there): gdb's python (bundled without --add, and as gdb --detect -- gdb ARGS), the plain
# libpython embedder fixture and tclsh8.6 import/require from their bundled trees. A shell the bundled gdb starts
# sees no PYTHONHOME. Oracle: the same code under the host's gdb, Python and tclsh (stdlib path /usr -> bundle).
# needs: bullseye
# timeout: 180
# disk: 400  (its scratch peaked at 272 MB)
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_bullseye_root
mkdir -p "$T/mnt"
export BIND="$T/mnt:/mnt"   # everything goes through /mnt; the shared root itself is never written
glibc=$(in_root "$bullseye" /usr/bin/ldd --version 2>/dev/null | sed -n 1p)
grep -q '2\.31' <<<"$glibc" || fail "not a glibc 2.31 root: $glibc"
ran=0

code='import os, json; print(json.dumps({"sum": 1 + 1, "sep": os.sep, "path": os.path.join("a", "b")}), os.__file__)'
if [ -x /usr/bin/gdb ] && readelf -d /usr/bin/gdb | grep -q 'NEEDED.*libpython3'; then
  host=$(gdb -nx --batch -ex 'python print(1+1)' -ex "python $code")
  "$FERRY" bundle /usr/bin/gdb -o "$T/mnt/g" >/dev/null
  out=$(in_root "$bullseye" /mnt/g/bin/gdb -nx --batch -ex 'python print(1+1)' -ex "python $code" 2>"$T/err") || {
    cat "$T/err"; fail "bundled gdb failed"; }
  expect_eq "gdb python in bullseye" "$(sed 's| /usr/| /mnt/g/|' <<<"$host")" "$out"
  ext='import ssl, sqlite3, ctypes, hashlib, lzma, bz2, decimal; print(sqlite3.sqlite_version, ssl.OPENSSL_VERSION, hashlib.sha256(b"ferry").hexdigest()[:12], ctypes.sizeof(ctypes.c_long), decimal.Decimal(1) / 8)'
  expect_eq "gdb python extension modules in bullseye" "$(gdb -nx --batch -ex "python $ext")" \
    "$(in_root "$bullseye" /mnt/g/bin/gdb -nx --batch -ex "python $ext")"
  "$FERRY" bundle /usr/bin/gdb -o "$T/mnt/d" --detect -- gdb -nx --batch -ex 'python print(1+1)' >/dev/null
  out=$(in_root "$bullseye" /mnt/d/bin/gdb -nx --batch -ex 'python print(1+1)' -ex "python $code" \
    -ex 'shell echo "child PYTHONHOME=${PYTHONHOME-unset}"')
  expect_eq "gdb python (--detect) in bullseye" "$(sed 's| /usr/| /mnt/d/|' <<<"$host")
child PYTHONHOME=unset" "$out"
  ran=$((ran + 1))
else
  echo "no /usr/bin/gdb linked to libpython: gdb not checked"
fi

if [ -x "$FIX/bundle/embedpy" ]; then
  "$FERRY" bundle "$FIX/bundle/embedpy" -o "$T/mnt/e" >/dev/null
  expect_eq "embedpy in bullseye" "$(/usr/bin/python3 -c "$code" | sed 's| /usr/| /mnt/e/|')" \
    "$(in_root "$bullseye" /mnt/e/bin/embedpy "$code")"
  ran=$((ran + 1))
fi

if [ -x /usr/bin/tclsh8.6 ]; then
  printf '%s\n' 'array set a {x 1}' 'parray a' \
    'puts [list [clock format 86400 -gmt 1 -format %Y-%m-%d] [package require msgcat] [info library]]' >"$T/mnt/t.tcl"
  want=$(/usr/bin/tclsh8.6 "$T/mnt/t.tcl" | sed '$s| [^ ]*$| /mnt/t/lib/tcl8.6|')
  "$FERRY" bundle /usr/bin/tclsh8.6 -o "$T/mnt/t" >/dev/null
  expect_eq "tclsh8.6 in bullseye" "$want" "$(in_root "$bullseye" /mnt/t/bin/tclsh8.6 /mnt/t.tcl)"
  ran=$((ran + 1))
fi
[ "$ran" -gt 0 ] || skip "none of gdb, the embedpy fixture, tclsh8.6 is here"
echo PASS
