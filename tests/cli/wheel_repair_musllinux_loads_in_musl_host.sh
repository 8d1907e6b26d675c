#!/usr/bin/env bash
# A musl wheel end to end. An abi3 extension and the library it needs are built with musl-gcc and named the way
# Alpine's toolchain (the musllinux images) names musl's libc in DT_NEEDED (libc.musl-x86_64.so.1). `ferry show`
# tags the wheel as `auditwheel show --json` does (musllinux_1_x); `ferry repair` grafts the library under a
# hashed name with RPATH $ORIGIN/../mx.libs; a musl program then dlopen()s the repaired extension and calls it
# with the original library moved away. Also the libc inferred from CPython's extension suffix alone (no
# DT_NEEDED on any libc): *-linux-musl.so is musl, *-linux-gnu.so (CPython >= 3.11) glibc, as auditwheel infers;
# and the documented deviation: DT_NEEDED libc.so (Debian's musl-gcc) is musl too.
# Oracles: auditwheel 6.8.2 show --json, readelf -d, musl's loader running the host program. A few seconds (the
# three auditwheel runs, mostly Python start-up, go in parallel; 8 s measured on a loaded 2-core machine).
source "$(dirname "$0")/../common.sh"
command -v musl-gcc >/dev/null || skip "musl-gcc is not installed (Debian's musl-tools)"
[ -x /lib/ld-musl-x86_64.so.1 ] || skip "no musl loader /lib/ld-musl-x86_64.so.1"
need_cmd readelf
need_cmd patchelf
need_oracles
MAKE_WHEEL=$SRC/fixtures/wheel/make_wheel.py

# The library (it really uses libc: snprintf, strlen) and the extension needing it.
mkdir -p "$T/lib" "$T/mx" "$T/src"
cat >"$T/src/mlib.c" <<'C'
#include <stdio.h>
#include <string.h>
int mlib_value(const char* s) { char buf[32]; snprintf(buf, sizeof buf, "<%s>", s); return (int)strlen(buf); }
C
cat >"$T/src/mx.c" <<'C'
int mlib_value(const char* s);
int mx_value(void) { return 40 + mlib_value("x"); }
void* PyInit__mx(void) { return 0; }
C
musl-gcc -O1 -shared -fPIC -Wl,-soname,libmlib.so.1 -o "$T/lib/libmlib.so.1" "$T/src/mlib.c"
musl-gcc -O1 -shared -fPIC -o "$T/mx/_mx.abi3.so" "$T/src/mx.c" -L"$T/lib" -l:libmlib.so.1
# Debian's musl-gcc links "libc.so"; Alpine's toolchain names it libc.musl-x86_64.so.1 (musl's loader maps any
# libc.* name to itself). Debian's patchelf gives the Alpine spelling, checked with readelf.
for f in "$T/lib/libmlib.so.1" "$T/mx/_mx.abi3.so"; do
  patchelf --replace-needed libc.so libc.musl-x86_64.so.1 "$f"
  readelf -d "$f" | grep -q 'NEEDED.*\[libc.musl-x86_64.so.1\]' || fail "$f: DT_NEEDED libc.musl-x86_64.so.1 missing"
done
echo 'from ._mx import *' >"$T/mx/__init__.py"
python3 "$MAKE_WHEEL" "$T/mx-1.0-cp312-abi3-linux_x86_64.whl" mx 1.0 cp312-abi3-linux_x86_64 \
  mx/__init__.py="$T/mx/__init__.py" mx/_mx.abi3.so="$T/mx/_mx.abi3.so"
in=$T/mx-1.0-cp312-abi3-linux_x86_64.whl

# The suffix alone: an extension with no DT_NEEDED at all, named with CPython's EXT_SUFFIX (musl, then glibc).
echo 'int PyInit__sx(void) { return 0; }' >"$T/src/sx.c"
gcc -O1 -shared -fPIC -nostdlib -o "$T/sx.so" "$T/src/sx.c"
[ -z "$(readelf -d "$T/sx.so" | grep NEEDED)" ] || fail "the suffix-only extension has a DT_NEEDED"
suffixes=(cpython-312-x86_64-linux-musl cpython-312-x86_64-linux-gnu)
for suffix in "${suffixes[@]}"; do
  mkdir -p "$T/$suffix"
  python3 "$MAKE_WHEEL" "$T/$suffix/sx-1.0-cp312-cp312-linux_x86_64.whl" sx 1.0 cp312-cp312-linux_x86_64 \
    "sx/_sx.$suffix.so=$T/sx.so"
done

# The oracle's verdicts, computed in parallel (each auditwheel run is a second or two of Python start-up).
LD_LIBRARY_PATH=$T/lib "$ORACLES/auditwheel" show --json "$in" >"$T/aw.json" 2>/dev/null &
for suffix in "${suffixes[@]}"; do
  "$ORACLES/auditwheel" show --json "$T/$suffix/sx-1.0-cp312-cp312-linux_x86_64.whl" >"$T/$suffix/aw.json" 2>/dev/null &
done

# The musl host program: dlopen()s the extension and prints mx_value().
cat >"$T/src/host.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  int (*f)(void) = (int (*)(void))dlsym(h, "mx_value");
  if (!f) { printf("no mx_value\n"); return 1; }
  printf("mx_value=%d\n", f());
  return 0;
}
C
musl-gcc -O1 -o "$T/host" "$T/src/host.c"
[ "$(readelf -l "$T/host" | sed -n 's/.*interpreter: \(.*\)]/\1/p')" = /lib/ld-musl-x86_64.so.1 ] || fail "host is not a musl program"
# Control: with the library reachable the original extension works, and without it it does not.
expect_eq "unrepaired extension, library on LD_LIBRARY_PATH" "mx_value=43" "$(LD_LIBRARY_PATH=$T/lib "$T/host" "$T/mx/_mx.abi3.so")"
if "$T/host" "$T/mx/_mx.abi3.so" >/dev/null 2>&1; then fail "the unrepaired extension loads without the library: the check proves nothing"; fi

# show: the tags auditwheel gives. The library is external, so the wheel as it is gets linux_x86_64 and
# sym_tag names the musllinux policy a repair reaches.
wait
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
aw_tag=$(field "$T/aw.json" sym_tag)
[[ "$aw_tag" == musllinux_1_*_x86_64 ]] || fail "auditwheel show tags the musl wheel $aw_tag"
LD_LIBRARY_PATH=$T/lib "$FERRY" show --json "$in" >"$T/show.json" || true
wfield() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wheels"][0][sys.argv[2]])' "$@"; }
expect_eq "ferry show best tag (auditwheel's overall_tag)" "$(field "$T/aw.json" overall_tag)" "$(wfield "$T/show.json" best_tag)"
expect_eq "ferry show repairable tag (auditwheel's sym_tag)" "$aw_tag" "$(wfield "$T/show.json" repairable_tag)"

# repair: the output is named after that tag, libmlib is grafted, the extension points at it.
LD_LIBRARY_PATH=$T/lib "$FERRY" repair "$in" -w "$T/out" >"$T/repair.log" || { cat "$T/repair.log"; fail "ferry repair failed"; }
out=$T/out/mx-1.0-cp312-abi3-$aw_tag.whl
[ -f "$out" ] || fail "expected $out, got: $(ls "$T/out")"
mkdir "$T/site" && (cd "$T/site" && python3 -m zipfile -e "$out" .)
h=$(sha256sum "$T/lib/libmlib.so.1" | cut -c1-8)
grafted=$T/site/mx.libs/libmlib-$h.so.1
[ -f "$grafted" ] || fail "libmlib not grafted as mx.libs/libmlib-$h.so.1: $(ls -R "$T/site")"
expect_eq "grafted libraries" "libmlib-$h.so.1" "$(ls "$T/site/mx.libs")"
ext=$T/site/mx/_mx.abi3.so
readelf -d "$ext" | grep -q "NEEDED.*\[libmlib-$h.so.1\]" || fail "extension DT_NEEDED not rewritten"
readelf -d "$ext" | grep -q 'NEEDED.*\[libc.musl-x86_64.so.1\]' || fail "extension lost its DT_NEEDED on musl's libc"
readelf -d "$ext" | grep -q "(RPATH).*\[\$ORIGIN/../mx.libs\]" || fail "extension has no RPATH \$ORIGIN/../mx.libs"
readelf -d "$grafted" | grep -q "SONAME.*\[libmlib-$h.so.1\]" || fail "grafted SONAME not set"
# The repaired extension works in a musl process with the original library moved away.
mv "$T/lib" "$T/lib.hidden"
expect_eq "repaired extension dlopen'ed by the musl host" "mx_value=43" "$("$T/host" "$ext" 2>&1)"
mv "$T/lib.hidden" "$T/lib"

for suffix in "${suffixes[@]}"; do
  "$FERRY" show --json "$T/$suffix/sx-1.0-cp312-cp312-linux_x86_64.whl" >"$T/$suffix/ferry.json" || true
  want=$(field "$T/$suffix/aw.json" overall_tag) got=$(wfield "$T/$suffix/ferry.json" best_tag)
  expect_eq "ferry show of _sx.$suffix.so (auditwheel: $want)" "$want" "$got"
  echo "_sx.$suffix.so: $got (auditwheel: $want)"
done
[[ "$got" == manylinux* ]] || fail "-linux-gnu.so of CPython 3.12 should be glibc, auditwheel says $got"

# Deliberate deviation (docs/wheel-contract.md): Debian's musl-gcc output needs "libc.so"; ferry takes that as
# musl (auditwheel would fall back to glibc without a musl suffix, and graft musl's libc.so).
echo 'int dx_len(const char* s); int PyInit__dx(void) { return 0; }' >"$T/src/dx.c"
echo '#include <string.h>
int dx_len(const char* s) { return (int)strlen(s); }' >>"$T/src/dx.c"
musl-gcc -O1 -shared -fPIC -o "$T/_dx.abi3.so" "$T/src/dx.c"
readelf -d "$T/_dx.abi3.so" | grep -q 'NEEDED.*\[libc.so\]' || fail "musl-gcc did not link libc.so"
python3 "$MAKE_WHEEL" "$T/dx-1.0-cp312-abi3-linux_x86_64.whl" dx 1.0 cp312-abi3-linux_x86_64 "dx/_dx.abi3.so=$T/_dx.abi3.so"
"$FERRY" show --json "$T/dx-1.0-cp312-abi3-linux_x86_64.whl" >"$T/dx.json" || true
expect_eq "ferry show of a musl-gcc extension needing libc.so" "$aw_tag" "$(wfield "$T/dx.json" best_tag)"
echo "ok: musl wheel tagged $aw_tag like auditwheel, repaired, and loaded by a musl program without the original library"
