# Shared by the CLI behaviour scripts: `source "$(dirname "$0")/../common.sh"`.
# Gives: $FERRY (the binary), $FIX (built fixtures), $SRC, $BUILD, a scratch dir $T removed on exit,
# skip "reason" (exit 77, reported as skipped by ctest), fail "reason", and need_cmd NAME.
set -euo pipefail
FERRY=${FERRY:?run through ctest (FERRY is not set)}
FIX=${FERRY_FIXTURES:?}
SRC=${FERRY_SRC:?}
BUILD=${FERRY_BUILD:?}
ROOTS=${FERRY_ROOTS:-$BUILD/roots}
export NO_COLOR=1
T=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
# expect_rc CODE CMD...: runs CMD, fails unless it exits with CODE
expect_rc() { local want=$1; shift; set +e; "$@"; local rc=$?; set -e; [ "$rc" = "$want" ] || fail "exit $rc, expected $want: $*"; }
