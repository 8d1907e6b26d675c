#!/usr/bin/env bash
# needs: bullseye
# timeout: 120
# `ferry repair --lower`: a wheel whose extension modules were built here (glibc 2.36: stat64@2.33,
# pthread_*@2.34, fcntl64@2.28, memcpy@2.14; one also needs a library of ours, which is grafted) cannot be repaired to
# manylinux2014 as it is (the error names the symbols); with --lower it is, auditwheel (the oracle) agrees on
# the tag, and both modules import in bullseye's own python3 (glibc 2.31) with the output they give here.
# `show --lower` names the tag lowering reaches and why not better (the graft's own memcpy@GLIBC_2.14: grafts
# are not lowered); a symbol with no older version is refused by name.
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-repair-lower
chroot "$R" python3 -c pass 2>/dev/null || skip "the bullseye root has no python3"
need_cmd gcc
inc=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null || true)
[ -n "$inc" ] && [ -f "$inc/Python.h" ] || skip "no Python headers (python3-dev)"
need_oracles

src=$SRC/fixtures/lower/wheelmod.c
mkdir -p "$T/pkg/ferrylow"
cc="gcc -O1 -g0 -D_FILE_OFFSET_BITS=64 -shared -fPIC -I$inc"
# The library to graft: memcpy@GLIBC_2.14 keeps it (and so the wheel) off manylinux_2_12.
mkdir -p "$T/aux"
printf '#include <string.h>\nint aux_value(void) { char b[8]; volatile size_t n = 7; memcpy(b, "auxlib", n); return b[0] == 0x61 ? 7 : 0; }\n' >"$T/aux.c"
gcc -O1 -shared -fPIC -Wl,-soname,libferryaux.so.1 -o "$T/aux/libferryaux.so.1" "$T/aux.c"
readelf -VW "$T/aux/libferryaux.so.1" | grep -q GLIBC_2.14 || skip "the compiler did not bind memcpy@GLIBC_2.14"
export LD_LIBRARY_PATH=$T/aux
$cc -DMODNAME=_zmod -DWITH_AUX -o "$T/pkg/ferrylow/_zmod.abi3.so" "$src" "$T/aux/libferryaux.so.1"
$cc -DMODNAME=_plain -o "$T/pkg/ferrylow/_plain.abi3.so" "$src"
: >"$T/pkg/ferrylow/__init__.py"
# make_wheel DIR NAME.whl: the tree as a wheel (dist-info and RECORD written here, by Python's zipfile).
make_wheel() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
di = "ferrylow-1.0.dist-info"
files = {di + "/METADATA": b"Metadata-Version: 2.1\nName: ferrylow\nVersion: 1.0\n",
         di + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: ferry-test\nRoot-Is-Purelib: false\nTag: cp36-abi3-linux_x86_64\n"}
for d, _, names in os.walk(root):
    for n in sorted(names):
        p = os.path.join(d, n)
        files[os.path.relpath(p, root)] = open(p, "rb").read()
h = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, b in files.items():
        z.writestr(zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0)), b)
    z.writestr(di + "/RECORD", "".join(f"{n},{h(b)},{len(b)}\n" for n, b in files.items()) + di + "/RECORD,,\n")
PY
}
W=$T/ferrylow-1.0-cp36-abi3-linux_x86_64.whl
make_wheel "$T/pkg" "$W"
probe='import sys; sys.path.insert(0, sys.argv[1]); import ferrylow._zmod as z, ferrylow._plain as p; print(z.probe()); print(p.probe())'
want=$(python3 -c "$probe" "$T/pkg")
expect_eq "the originals here" "_zmod: stat=0 dir=1 thread=1 memcpy-ok fcntl=1 aux=7
_plain: stat=0 dir=1 thread=1 memcpy-ok fcntl=1 aux=-1" "$want"

# Without --lower: refused, naming the symbols.
expect_rc 1 "$FERRY" repair --plat manylinux2014_x86_64 -w "$T/no" "$W" 2>"$T/err"
grep -q "pthread_create" "$T/err" && grep -q "GLIBC_2.34" "$T/err" || fail "the refusal does not name pthread_create@GLIBC_2.34: $(cat "$T/err")"

# show --lower: manylinux_2_17 is reached; 2_12 is not, because of the graft's GLIBC_2.14.
"$FERRY" show --lower "$W" >"$T/show" || true
grep -q "repair --lower\` can reach: manylinux_2_17_x86_64" "$T/show" || fail "show --lower: $(cat "$T/show")"
grep -q "libferryaux.so.1.*GLIBC_2.14.*a library to graft" "$T/show" || fail "show --lower does not say why not 2_12: $(cat "$T/show")"

# With --lower.
"$FERRY" repair --lower --plat manylinux2014_x86_64 -w "$T/wh" "$W" >"$T/log" || { cat "$T/log"; fail "repair --lower failed"; }
out=$(ls "$T"/wh/ferrylow-1.0-cp36-abi3-*.whl 2>/dev/null || true)
case $(basename "$out") in
  *manylinux2014_x86_64*manylinux_2_17_x86_64.whl | *manylinux_2_17_x86_64*manylinux2014_x86_64.whl) ;;
  *) fail "expected a manylinux_2_17 / manylinux2014 wheel: [$out] $(cat "$T/log")" ;;
esac
grep -q "ferrylow/_plain.abi3.so: lowered to manylinux_2_17_x86_64" "$T/log" || fail "no lowering note: $(cat "$T/log")"
"$ORACLES/auditwheel" show "$out" >"$T/aw" 2>&1 || { cat "$T/aw"; fail "auditwheel show failed"; }
tr -s ' \n' ' ' <"$T/aw" | grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' ||
  fail "auditwheel disagrees on the tag: $(cat "$T/aw")"

mkdir -p "$run_dir/orig" "$run_dir/low"
python3 -m zipfile -e "$W" "$run_dir/orig"
python3 -m zipfile -e "$out" "$run_dir/low"
chmod -R a+rX "$run_dir"
cp "$T/aux/libferryaux.so.1" "$run_dir/orig/"
set +e; chroot "$R" env LD_LIBRARY_PATH="$inside/orig" python3 -c "$probe" "$inside/orig" >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" != 0 ] || fail "the unrepaired modules imported in bullseye"
grep -q "GLIBC_2.3[2-9]' not found" "$T/err" || fail "unexpected import failure: $(cat "$T/err")"
[ -n "$(find "$run_dir/low/ferrylow.libs" -name 'libferryaux-*.so.1')" ] || fail "libferryaux was not grafted"
unset LD_LIBRARY_PATH  # the graft must be found through the wheel's own RPATH now
expect_eq "repaired --lower, in bullseye" "$want" "$(chroot "$R" python3 -c "$probe" "$inside/low")"
expect_eq "repaired --lower, in bullseye, LD_BIND_NOW=1" "$want" "$(chroot "$R" env LD_BIND_NOW=1 python3 -c "$probe" "$inside/low")"
expect_eq "repaired --lower, here" "$want" "$(python3 -c "$probe" "$run_dir/low")"

# Repaired again with --lower and no --plat: the library grafted by the first repair now ships in the wheel,
# so it is lowered too (memcpy@2.14), and the wheel reaches manylinux_2_5; a third run changes nothing.
"$FERRY" repair --lower -w "$T/wh2" "$out" >"$T/log2" || { cat "$T/log2"; fail "second repair --lower failed"; }
out2=$(ls "$T"/wh2/*.whl)
case $(basename "$out2") in *manylinux_2_5_x86_64*) ;; *) fail "second repair: $(cat "$T/log2")" ;; esac
"$ORACLES/auditwheel" show "$out2" >"$T/aw" 2>&1 || { cat "$T/aw"; fail "auditwheel show failed"; }
tr -s ' \n' ' ' <"$T/aw" | grep -q 'consistent with the following platform tag: "manylinux_2_5_x86_64"' ||
  fail "auditwheel disagrees on the second repair's tag: $(cat "$T/aw")"
mkdir -p "$run_dir/low2"
python3 -m zipfile -e "$out2" "$run_dir/low2"
chmod -R a+rX "$run_dir"
expect_eq "repaired twice, in bullseye" "$want" "$(chroot "$R" env LD_BIND_NOW=1 python3 -c "$probe" "$inside/low2")"
"$FERRY" repair --lower -w "$T/wh3" "$out2" | grep -q "copied unchanged" || fail "a third repair --lower changed the wheel"

# A symbol glibc has nothing older of: refused by name, nothing written.
printf '#define _GNU_SOURCE\n#include <unistd.h>\nint f(void) { return close_range(3, 3, 0); }\n' >"$T/cr.c"
mkdir -p "$T/pkg2/ferrylow"
gcc -shared -fPIC -o "$T/pkg2/ferrylow/_cr.abi3.so" "$T/cr.c"
make_wheel "$T/pkg2" "$T/cr/ferrylow-1.0-cp36-abi3-linux_x86_64.whl" 2>/dev/null || { mkdir -p "$T/cr"; make_wheel "$T/pkg2" "$T/cr/ferrylow-1.0-cp36-abi3-linux_x86_64.whl"; }
expect_rc 1 "$FERRY" repair --lower --plat manylinux2014_x86_64 -w "$T/crw" "$T/cr/ferrylow-1.0-cp36-abi3-linux_x86_64.whl" 2>"$T/err"
grep -q "ferrylow/_cr.abi3.so: close_range@GLIBC_2.34 (libc.so.6): glibc has no older version" "$T/err" ||
  fail "the refusal does not name close_range: $(cat "$T/err")"
[ -z "$(ls -A "$T/crw" 2>/dev/null)" ] || fail "a refused repair wrote a wheel"
echo ok
