#!/usr/bin/env bash
# Pins down: repair refuses, with exit 1 and a message naming the cause, what auditwheel refuses (too-new symbol
# versions, blacklisted symbols, a pure wheel, a library that cannot be found), and never grafts driver libraries.
# Oracles: exit codes, the message text, readelf -d of the result.
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures newsym-1.0-cp311-cp311-linux_x86_64.whl
need_cmd readelf

# getrandom needs GLIBC_2.25: manylinux2014 (glibc 2.17) is refused, naming the symbol; auto picks manylinux_2_26,
# the first policy whose GLIBC set includes 2.25 (there is no manylinux_2_25 policy).
set +e
"$FERRY" repair "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh" --plat manylinux2014_x86_64 2>"$T/err"
rc=$?
set -e
expect_eq "too-new symbols exit" 1 "$rc"
grep -q "too-recent versioned symbols" "$T/err" || fail "message: $(cat "$T/err")"
grep -q "getrandom@GLIBC_2.25" "$T/err" || fail "the symbol is not named: $(cat "$T/err")"
[ -z "$(ls "$T/wh" 2>/dev/null)" ] || fail "a wheel was written although the repair was refused"
"$FERRY" repair "$W/newsym-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh" >/dev/null
[ -f "$T/wh/newsym-1.0-cp311-cp311-manylinux_2_26_x86_64.whl" ] || fail "auto: $(ls "$T/wh")"

# A blacklisted symbol (_tr_init from libz.so.1) is refused for every manylinux policy.
set +e
"$FERRY" repair "$W/blacklisted-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh2" 2>"$T/err"
rc=$?
set -e
expect_eq "blacklist exit" 1 "$rc"
grep -q "black-listed symbols" "$T/err" && grep -q "_tr_init" "$T/err" || fail "message: $(cat "$T/err")"

# A pure wheel is not a platform wheel (auditwheel's wording), unless --allow-pure-python-wheel.
set +e
"$FERRY" repair "$W/pure-1.0-py3-none-any.whl" -w "$T/wh3" 2>"$T/err"
rc=$?
set -e
expect_eq "pure wheel exit" 1 "$rc"
grep -q "does not look like a platform wheel" "$T/err" || fail "message: $(cat "$T/err")"
"$FERRY" repair "$W/pure-1.0-py3-none-any.whl" -w "$T/wh3" --allow-pure-python-wheel >/dev/null
cmp "$W/pure-1.0-py3-none-any.whl" "$T/wh3/pure-1.0-py3-none-any.whl" || fail "pure wheel not copied as it is"

# A library that cannot be found (no LD_LIBRARY_PATH to the build tree) is named.
set +e
env -u LD_LIBRARY_PATH "$FERRY" repair "$W/simple-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh4" 2>"$T/err"
rc=$?
set -e
expect_eq "missing library exit" 1 "$rc"
grep -q 'required library "libfb.so.1"' "$T/err" || fail "message: $(cat "$T/err")"

# Driver libraries (libcuda.so.1) stay external and the user is told; other libraries are still grafted.
LD_LIBRARY_PATH=$W/lib:$W/lib/fakecuda "$FERRY" repair "$W/driver-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh5" >"$T/out"
grep -q "libcuda.so.1: driver" "$T/out" || fail "no driver note: $(cat "$T/out")"
mkdir "$T/x" && (cd "$T/x" && unzip -q "$T"/wh5/driver-*.whl)
ls "$T/x/driver.libs" | grep -q '^libfb-' || fail "libfb not grafted"
if ls "$T/x/driver.libs" | grep -q cuda; then fail "libcuda was grafted"; fi
readelf -d "$T"/x/driver/_drv*.so | grep -q "NEEDED.*\[libcuda.so.1\]" || fail "libcuda.so.1 DT_NEEDED lost"

# --exclude (auditwheel's option): a matching library stays external, its dependents are still grafted; the JSON
# report (ferry.repair/2) carries each library's disposition and the per-ELF before/after summary.
LD_LIBRARY_PATH=$W/lib "$FERRY" repair "$W/chain-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh6" --exclude 'libfb*' \
  --json >"$T/json"
python3 - "$T/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ferry.repair/2", d
w = d["wheels"][0]
disp = {l["name"]: l["disposition"] for l in w["libraries"]}
assert disp == {"libfa.so.1": "graft", "libfb.so.1": "excluded"}, disp
ext = [c for c in w["elf_changes"] if c["file"].startswith("chain/_chain")][0]
assert ext["before"]["needed"] == ["libfa.so.1"] and ext["after"]["needed"][0].startswith("libfa-"), ext
assert ext["before"]["rpath"] == "" and ext["after"]["rpath"] == "$ORIGIN/../chain.libs", ext
PY
echo ok
