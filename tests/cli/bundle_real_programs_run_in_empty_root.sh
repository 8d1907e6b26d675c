#!/usr/bin/env bash
# Real programs of this machine, bundled, run in an empty root through the launcher and after the install
# step: python3 running a script that imports stdlib C extensions (bundled with --detect), git --version and a
# git builtin (hash-object, checked against the host git), and clang-tidy-14 --version (LLVM, RUNPATH $ORIGIN).
# timeout: 240
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/bundle/roots.sh"
need_root_tools
root=$T/root
empty_root "$root"
ran=0

check_both_modes() {  # NAME EXPECTED CMD...: same output through the launcher and installed
  local name=$1 expected=$2; shift 2
  local got
  got=$(in_root "$root" "$@" 2>&1) || fail "$name failed in the empty root: $got"
  expect_eq "$name (launcher)" "$expected" "$got"
}

if [ -x /usr/bin/git ]; then
  "$FERRY" bundle /usr/bin/git -o "$root/git" >/dev/null
  want_hash=$(echo ferry | git hash-object --stdin)
  check_both_modes "git --version" "$(git --version)" /git/bin/git --version
  got=$(echo ferry | in_root "$root" /git/bin/git hash-object --stdin)
  expect_eq "git hash-object" "$want_hash" "$got"
  in_root "$root" /git/.ferry/ferry-launcher --install >/dev/null
  got=$(echo ferry | in_root "$root" /git/bin/git hash-object --stdin)
  expect_eq "git hash-object (installed)" "$want_hash" "$got"
  ran=$((ran + 1))
fi

if [ -x /usr/bin/python3 ]; then
  cat > "$root/tmp/probe.py" <<'PY'
import sys, os, hashlib, zlib, math, _ctypes, select, struct, json
print(sys.prefix, hashlib.sha256(b"ferry").hexdigest()[:12], zlib.crc32(b"ferry"), math.sqrt(16.0))
print(os.readlink("/proc/self/exe"))
PY
  cp "$root/tmp/probe.py" "$T/probe.py"
  # Python finds its prefix through the landmark lib/python3.X/os.py, which it never opens (os is frozen).
  pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  (cd "$T" && "$FERRY" bundle -o "$root/py" --add "/usr/lib/python$pyver/os.py" \
      --detect -- /usr/bin/python3 "$T/probe.py" >/dev/null)
  want="/py $(/usr/bin/python3 -c "import hashlib; print(hashlib.sha256(b'ferry').hexdigest()[:12])") $(/usr/bin/python3 -c 'import zlib; print(zlib.crc32(b"ferry"))') 4.0"
  got=$(in_root "$root" /py/bin/python3 /tmp/probe.py) || fail "python3 failed: $got"
  expect_eq "python3 (launcher)" "$want
/py/ld/ld-linux-x86-64.so.2" "$got"
  in_root "$root" /py/.ferry/ferry-launcher --install >/dev/null
  got=$(in_root "$root" /py/bin/python3 /tmp/probe.py) || fail "python3 failed: $got"
  expect_eq "python3 (installed)" "$want
/py/libexec/python3" "$got"
  ran=$((ran + 1))
fi

if command -v clang-tidy-14 >/dev/null; then
  "$FERRY" bundle "$(command -v clang-tidy-14)" -o "$root/ct" >/dev/null
  want=$(clang-tidy-14 --version)
  check_both_modes "clang-tidy-14 --version" "$want" /ct/bin/clang-tidy-14 --version
  in_root "$root" /ct/.ferry/ferry-launcher --install >/dev/null
  check_both_modes "clang-tidy-14 --version (installed)" "$want" /ct/bin/clang-tidy-14 --version
  ran=$((ran + 1))
fi
[ "$ran" -gt 0 ] || skip "none of git, python3, clang-tidy-14 is installed"
echo "PASS ($ran programs)"
