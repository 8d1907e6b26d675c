#!/usr/bin/env bash
# Pins down: `CIBW_REPAIR_WHEEL_COMMAND_LINUX="ferry repair -w {dest_dir} {wheel}"`, and cibuildwheel's default
# `auditwheel repair -w {dest_dir} {wheel}` with ferry installed under the name auditwheel, work as cibuildwheel runs
# them: placeholders replaced by absolute paths (unquoted), the command run by `sh -c`, then exactly one *.whl
# must be in the fresh {dest_dir}. A repair that cannot succeed exits non-zero with a message naming the cause
# and leaves {dest_dir} empty. Oracles: auditwheel show --json on the output, importing it without
# LD_LIBRARY_PATH, the directory listing.
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures chain-1.0-cp311-cp311-linux_x86_64.whl
need_cmd unzip
need_oracles

# ferry and an `auditwheel` symlink to it, first on PATH, as `pip install ferry` would put them.
mkdir -p "$T/bin"
ln -s "$FERRY" "$T/bin/ferry"
ln -s "$FERRY" "$T/bin/auditwheel"

# cibw_repair TEMPLATE WHEEL [VAR=VALUE...]: cibuildwheel's repair step (platforms/linux.py): a fresh
# built_wheel and repaired_wheel directory, {wheel} and {dest_dir} replaced by their absolute paths as plain text,
# `sh -c` on the result. Sets RC, DEST and ERR (stderr).
cibw_repair() {
  local template=$1 wheel=$2 cmd
  shift 2
  rm -rf "$T/cibw"
  mkdir -p "$T/cibw/built_wheel" "$T/cibw/repaired_wheel"
  cp "$wheel" "$T/cibw/built_wheel/"
  DEST=$T/cibw/repaired_wheel
  cmd=$(python3 -c 'import sys; print(sys.argv[1].replace("{wheel}", sys.argv[2]).replace("{dest_dir}", sys.argv[3]))' \
    "$template" "$T/cibw/built_wheel/$(basename "$wheel")" "$DEST")
  ERR=$T/cibw/stderr
  set +e
  (cd "$T/cibw" && env "$@" PATH="$T/bin:$PATH" sh -c "$cmd" >"$T/cibw/stdout" 2>"$ERR")
  RC=$?
  set -e
}

# cibuildwheel's check after the command: a glob of *.whl in {dest_dir} (pathlib: dot files match too).
wheels_in() { python3 -c 'import pathlib, sys; print(len(list(pathlib.Path(sys.argv[1]).glob("*.whl"))))' "$1"; }

for template in "ferry repair -w {dest_dir} {wheel}" "auditwheel repair -w {dest_dir} {wheel}"; do
  cibw_repair "$template" "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" LD_LIBRARY_PATH="$W/lib"
  [ "$RC" = 0 ] || fail "[$template] exit $RC: $(cat "$ERR")"
  expect_eq "[$template] wheels in {dest_dir}" 1 "$(wheels_in "$DEST")"
  expect_eq "[$template] entries in {dest_dir} (no scratch left)" 1 "$(ls -A "$DEST" | wc -l)"
  out=$(ls "$DEST"/*.whl)
  # auditwheel agrees that the repaired wheel carries a tag it satisfies and needs nothing outside it.
  "$ORACLES/auditwheel" show --json "$out" >"$T/show.json" 2>/dev/null || fail "auditwheel show $out failed"
  python3 - "$T/show.json" "$(basename "$out")" <<'PY' || fail "[$template] auditwheel disagrees with $(basename "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
plats = sys.argv[2][:-4].split("-")[-1].split(".")
assert d["overall_tag"] in plats, (d["overall_tag"], plats)
PY
  rm -rf "$T/x" && mkdir "$T/x" && (cd "$T/x" && unzip -q "$out")
  (cd "$T/x" && env -u LD_LIBRARY_PATH python3 -c 'import chain; assert chain.value() > 0') ||
    fail "[$template] the repaired wheel does not import without LD_LIBRARY_PATH"
done

# A target the wheel cannot meet (getrandom@GLIBC_2.25 for manylinux2014): non-zero, the cause named, no wheel.
cibw_repair "ferry repair --plat manylinux2014_x86_64 -w {dest_dir} {wheel}" "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl"
expect_eq "unmet target: exit" 1 "$RC"
grep -q "getrandom@GLIBC_2.25" "$ERR" || fail "unmet target: the message does not name the symbol: $(cat "$ERR")"
expect_eq "unmet target: entries in {dest_dir}" 0 "$(ls -A "$DEST" | wc -l)"

# A library that cannot be found (no LD_LIBRARY_PATH to the build tree), through the auditwheel name.
cibw_repair "auditwheel repair -w {dest_dir} {wheel}" "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" -u LD_LIBRARY_PATH
expect_eq "missing library: exit" 1 "$RC"
grep -q 'required library "libfb.so.1"' "$ERR" || fail "missing library: message: $(cat "$ERR")"
expect_eq "missing library: entries in {dest_dir}" 0 "$(ls -A "$DEST" | wc -l)"

# The auditwheel name answers auditwheel's -V and accepts its --patcher and -v; `show` exits 0 like auditwheel's
# even when the wheel is not manylinux as it is (ferry's own show exits 1 then).
"$T/bin/auditwheel" -V | grep -q "^auditwheel" || fail "auditwheel -V"
"$FERRY" auditwheel -V | grep -q "^auditwheel" || fail "ferry auditwheel -V"
expect_rc 0 "$FERRY" auditwheel show "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" --plat manylinux2014_x86_64 >/dev/null
expect_rc 0 "$T/bin/auditwheel" -v show "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" --plat manylinux2014_x86_64 >/dev/null
expect_rc 1 "$FERRY" show "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" --plat manylinux2014_x86_64 >/dev/null
LD_LIBRARY_PATH=$W/lib "$T/bin/auditwheel" repair --patcher patchelf -w "$T/p" "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" >/dev/null
[ "$(wheels_in "$T/p")" = 1 ] || fail "--patcher: no wheel"
echo ok
