#!/usr/bin/env bash
# Pins down: scripts/build-wheel.sh --arch aarch64 cross-builds ferry-VERSION-py3-none-manylinux_2_17_aarch64
# .manylinux2014_aarch64.whl whose ferry is a static aarch64 executable (no dynamic section, no interpreter), its
# metadata and RECORD are right, and under qemu-aarch64 it answers --version, inspect, deps, check, show, repair as
# this machine's ferry does on the same inputs (aarch64 programs, libraries and a linux_aarch64 wheel built here).
# Oracles: readelf on the binary; Python's zipfile/hashlib/email on the wheel; the host ferry's JSON and repaired
# wheel (itself tested against readelf and auditwheel elsewhere); the repaired extension loaded under qemu-aarch64.
# Needs the opt-in cross packages (scripts/install-deps.sh --cross-aarch64): skips naming what is missing. The
# cross build of the static ferry takes ~10 min cold on 2 cores (reused when built: seconds).
# timeout: 1500
source "$(dirname "$0")/../common.sh"
need_cmd python3; need_cmd readelf
missing=()
for c in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ aarch64-linux-gnu-strip qemu-aarch64; do
  command -v "$c" >/dev/null || missing+=("$c")
done
if command -v aarch64-linux-gnu-g++ >/dev/null; then
  for a in LIEF mbedx509 mbedcrypto archive nettle acl lzma zstd lz4 bz2 elf crypto deflate z stdc++ c; do
    f=$(aarch64-linux-gnu-g++ -print-file-name="lib$a.a")
    [ "$f" != "lib$a.a" ] && [ -f "$f" ] || missing+=("lib$a.a:arm64")
  done
fi
[ ${#missing[@]} = 0 ] ||
  skip "the aarch64 cross build needs what scripts/install-deps.sh --cross-aarch64 installs; missing: ${missing[*]}"

dir=$BUILD/ship-aarch64
mkdir -p "$dir"
(
  flock 8
  bash "$SRC/scripts/build-wheel.sh" --arch aarch64 --build-dir "$BUILD/aarch64" --dist "$dir/dist" --no-deps \
    >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
) 8>"$dir/.lock" || fail "scripts/build-wheel.sh --arch aarch64 failed (log above)"
found=("$dir"/dist/ferry-*-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl)
[ ${#found[@]} = 1 ] && [ -f "${found[0]}" ] || fail "expected one aarch64 ferry wheel in $dir/dist: ${found[*]}"
WHEEL=${found[0]}
version=$("$FERRY" --version | awk '{print $2}')
expect_eq "wheel name" "ferry-$version-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl" "$(basename "$WHEEL")"

python3 "$SRC/tests/lib/ferry_wheel_complete.py" "$WHEEL" "$version" aarch64 "$T/ferry"
chmod +x "$T/ferry"
A=$T/ferry
readelf -h "$A" | grep -q 'Machine: *AArch64' || fail "the wheel's ferry is not an AArch64 ELF"
if readelf -d "$A" 2>&1 | grep -q NEEDED; then fail "the wheel's ferry has DT_NEEDED entries"; fi
readelf -l "$A" | grep -q INTERP && fail "the wheel's ferry asks for a program interpreter"
expect_eq "qemu-aarch64 ferry --version" "ferry $version" "$(qemu-aarch64 "$A" --version)"
expect_rc 0 "$FERRY" check -t manylinux2014 "$A"
expect_rc 0 "$FERRY" check -t manylinux2014 "$WHEEL"

# Inputs cross-built here: a program needing a library by RUNPATH, and the library (GLIBC_2.17 is aarch64's floor).
mkdir -p "$T/in/lib" "$T/w/demo"
printf 'int foo(void){return 42;}\n' >"$T/foo.c"
printf 'int foo(void);\nint main(void){return foo()==42?0:1;}\n' >"$T/prog.c"
aarch64-linux-gnu-gcc -O1 -shared -fPIC -Wl,-soname,libfoo.so.1 -o "$T/in/lib/libfoo.so.1" "$T/foo.c"
aarch64-linux-gnu-gcc -O1 -o "$T/in/prog" "$T/prog.c" "$T/in/lib/libfoo.so.1" -Wl,-rpath,'$ORIGIN/lib'
same_json() {  # WHAT ARGS...: the host ferry and the aarch64 ferry under qemu print the same JSON and exit code
  local what=$1 hrc=0 arc=0; shift
  "$FERRY" "$@" >"$T/host.json" 2>"$T/host.err" || hrc=$?
  qemu-aarch64 "$A" "$@" >"$T/arm.json" 2>"$T/arm.err" || arc=$?
  expect_eq "$what: exit code (host, aarch64)" "$hrc" "$arc"
  python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a!=b)' \
    "$T/host.json" "$T/arm.json" ||
    { diff "$T/host.json" "$T/arm.json" | head -20; fail "$what: the aarch64 ferry's JSON differs from the host's"; }
  echo "ok: $what (exit $hrc, $(wc -c <"$T/host.json") bytes of JSON)"
}
same_json "inspect" inspect --json "$T/in/prog" "$T/in/lib/libfoo.so.1"
same_json "deps" deps --json "$T/in/prog"
same_json "check manylinux2014" check -t manylinux2014 --json "$T/in/prog" "$T/in/lib/libfoo.so.1"
for f in app_aarch64 libver_aarch64.so; do
  [ -f "$FIX/elf/$f" ] && same_json "inspect fixture $f" inspect --json "$FIX/elf/$f"
done

# repair: a linux_aarch64 wheel whose extension needs libfoo.so.1, grafted from --ldpaths by both ferries.
printf 'int foo(void);\nint demo_value(void){return foo();}\n' >"$T/mod.c"
aarch64-linux-gnu-gcc -O1 -shared -fPIC -o "$T/w/demo/_mod.so" "$T/mod.c" -L"$T/in/lib" -l:libfoo.so.1
python3 - "$T/w" "$T/demo-1.0-cp311-cp311-linux_aarch64.whl" <<'PY'
import base64, hashlib, os, sys, zipfile
src, out = sys.argv[1:3]
files = {"demo/__init__.py": b"", "demo/_mod.so": open(os.path.join(src, "demo/_mod.so"), "rb").read(),
         "demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
         "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                                     b"Tag: cp311-cp311-linux_aarch64\n"}
h = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
files["demo-1.0.dist-info/RECORD"] = ("".join(f"{n},{h(b)},{len(b)}\n" for n, b in files.items())
                                      + "demo-1.0.dist-info/RECORD,,\n").encode()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, b in files.items():
        z.writestr(n, b)
PY
"$FERRY" repair --ldpaths "$T/in/lib" -w "$T/out-host" "$T/demo-1.0-cp311-cp311-linux_aarch64.whl" >"$T/rh.txt" 2>&1 ||
  { cat "$T/rh.txt"; fail "the host ferry cannot repair the aarch64 wheel"; }
qemu-aarch64 "$A" repair --ldpaths "$T/in/lib" -w "$T/out-arm" "$T/demo-1.0-cp311-cp311-linux_aarch64.whl" \
  >"$T/ra.txt" 2>&1 || { cat "$T/ra.txt"; fail "the aarch64 ferry cannot repair the aarch64 wheel under qemu"; }
expect_eq "repaired wheel names" "$(ls "$T/out-host")" "$(ls "$T/out-arm")"
python3 - "$T/out-host"/*.whl "$T/out-arm"/*.whl <<'PY'
import hashlib, sys, zipfile
def members(p):
    z = zipfile.ZipFile(p)
    return {i.filename: (hashlib.sha256(z.read(i)).hexdigest(), i.external_attr) for i in z.infolist()}
a, b = members(sys.argv[1]), members(sys.argv[2])
assert a == b, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
assert any("libfoo" in n for n in a), f"libfoo was not grafted: {sorted(a)}"
print("ok: repaired wheels hold the same members:", sorted(a))
PY
same_json "check the repaired wheel" check -t manylinux2014 --json "$T/out-host"/*.whl
same_json "show the repaired wheel" show --json "$T/out-host"/*.whl
# The repaired extension loads under qemu-aarch64 with no library path: libfoo comes from the wheel's own .libs.
mkdir -p "$T/site" && (cd "$T/site" && python3 -m zipfile -e "$T/out-arm"/*.whl .)
printf '%s\n' '#include <dlfcn.h>' '#include <stdio.h>' 'int main(int c, char** v) {' \
  '  void* h = dlopen(v[1], RTLD_NOW); if (!h) { puts(dlerror()); return 1; }' \
  '  int (*f)(void) = (int (*)(void))dlsym(h, "demo_value"); printf("%d\n", f ? f() : -1); return 0; }' >"$T/load.c"
aarch64-linux-gnu-gcc -O1 -o "$T/load" "$T/load.c" -ldl
sysroot=$(realpath -m "$(aarch64-linux-gnu-gcc -print-file-name=libc.so.6)/../..")  # /usr/aarch64-linux-gnu
expect_eq "the repaired extension under qemu-aarch64" 42 \
  "$(env -u LD_LIBRARY_PATH qemu-aarch64 -L "$sysroot" "$T/load" "$T/site/demo/_mod.so" 2>&1)"
echo "ok: $(basename "$WHEEL") ($(stat -c %s "$WHEEL") bytes)"
