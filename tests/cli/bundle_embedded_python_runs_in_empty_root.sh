#!/usr/bin/env bash
# Programs linked to libpython run Python in an empty root (only the bundle, /proc, /dev/null): gdb's `python`
# command and a plain Py_Initialize embedder (fixture embedpy, which finds its home only through the launcher's
# FERRYPHOME) import os and json from lib/python3.X (gdb also ssl, sqlite3, ctypes... from lib-dynload with their
# libraries), bundled without --add and without --detect; gdb also as `ferry bundle gdb --detect -- gdb ARGS`
# (named before -- and traced: bundled once), through the launcher and after the install step. Oracle: the same
# code under the host's gdb and Python (os.py's path, /usr -> bundle).
# The variable the bundled libpython reads is not PYTHONHOME: a host Python the bundled gdb starts keeps its own.
# timeout: 120
# disk: 400  (its scratch peaked at 256 MB)
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_root_tools
[ -x /usr/bin/gdb ] || skip "no /usr/bin/gdb (Debian package gdb)"
readelf -d /usr/bin/gdb | grep -q 'NEEDED.*libpython3' || skip "this gdb is not linked to libpython3"
root=$T/root
empty_root "$root"
code='import os, json; print(json.dumps({"sum": 1 + 1, "sep": os.sep, "path": os.path.join("a", "b")}), os.__file__)'
host=$(gdb -nx --batch -ex 'python print(1+1)' -ex "python $code")
echo "host gdb: $host"
grep -q '^/usr/' <<<"${host##* }" || skip "the host's os.py is not under /usr: ${host##* }"
# expected DIR: the host's output with the stdlib under /DIR instead of /usr.
expected() { sed "s| /usr/| /$1/|" <<<"$host"; }

# Without --detect: the stdlib comes from libpython's location (lib/python3.X/os.py, its landmark).
"$FERRY" bundle /usr/bin/gdb -o "$root/g" >/dev/null
ls "$root"/g/lib/python3.*/os.py "$root"/g/lib/python3.*/lib-dynload/_json*.so >/dev/null ||
  fail "no stdlib or lib-dynload in the bundle"
ls -d "$root"/g/lib/python3.*/__pycache__ 2>/dev/null && fail "stale byte-code caches were bundled"
out=$(in_root "$root" /g/bin/gdb -nx --batch -ex 'python print(1+1)' -ex "python $code" 2>"$T/err") || {
  cat "$T/err"; fail "bundled gdb failed"; }
expect_eq "gdb python in an empty root" "$(expected g)" "$out"
# Extension modules from lib-dynload with the libraries they need (libssl, libsqlite3, libffi, liblzma, ...).
ext='import ssl, sqlite3, ctypes, hashlib, lzma, bz2, decimal; print(sqlite3.sqlite_version, ssl.OPENSSL_VERSION, hashlib.sha256(b"ferry").hexdigest()[:12], ctypes.sizeof(ctypes.c_long), decimal.Decimal(1) / 8)'
expect_eq "gdb python extension modules in an empty root" "$(gdb -nx --batch -ex "python $ext")" \
  "$(in_root "$root" /g/bin/gdb -nx --batch -ex "python $ext")"

# The program named before `--detect --` and traced: accepted, bundled once.
"$FERRY" bundle /usr/bin/gdb -o "$root/d" --detect -- gdb -nx --batch -ex 'python print(1+1)' >/dev/null
expect_eq "programs in the bundle" "gdb" "$(ls "$root/d/bin")"
out=$(in_root "$root" /d/bin/gdb -nx --batch -ex 'python print(1+1)' -ex "python $code")
expect_eq "gdb python (--detect) in an empty root" "$(expected d)" "$out"
in_root "$root" /d/.ferry/ferry-launcher --install >/dev/null
out=$(in_root "$root" /d/bin/gdb -nx --batch -ex 'python print(1+1)' -ex "python $code")
expect_eq "gdb python (installed) in an empty root" "$(expected d)" "$out"

# On the host: a Python started by the bundled gdb is the host's own, with no PYTHONHOME.
out=$("$root/d/bin/gdb" -nx --batch -ex 'shell /usr/bin/python3 -c "import os, sys; print(sys.prefix, os.environ.get(\"PYTHONHOME\"))"')
expect_eq "host python started by the bundled gdb" "$(/usr/bin/python3 -c 'import sys; print(sys.prefix)') None" "$out"

# A plain embedder: no program name, no home; only FERRYPHOME (renamed PYTHONHOME) leads it to the bundle.
if [ -x "$FIX/bundle/embedpy" ]; then
  want=$(/usr/bin/python3 -c "$code" | sed 's| /usr/| /e/|')
  "$FERRY" bundle "$FIX/bundle/embedpy" -o "$root/e" >/dev/null
  out=$(in_root "$root" /e/bin/embedpy "$code")
  expect_eq "embedpy in an empty root" "$want" "$out"
else
  echo "no embedpy fixture (no libpython development files): plain embedder not checked"
fi
echo PASS
