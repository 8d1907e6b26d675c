#!/usr/bin/env bash
# Wheels and tarballs (.tar, .gz, .xz, .zst) are checked without extracting: members are reported as
# archive!member, libraries shipped inside are not external, verdicts equal those of the extracted tree, and
# corrupt archives are one-line errors with exit 2.
source "$(dirname "$0")/../common.sh"
C=$FIX/check
[ -f "$C/pkg-1.0-cp311-cp311-linux_x86_64.whl" ] || skip "check fixtures were not built"
cp "$C/pkg-1.0-cp311-cp311-linux_x86_64.whl" "$C"/bundle.tar* "$T/"
cd "$T"
before=$(find "$T" | sort)
"$FERRY" check --json -t manylinux2014 pkg-1.0-cp311-cp311-linux_x86_64.whl bundle.tar bundle.tar.gz bundle.tar.xz bundle.tar.zst >out.json
after=$(find "$T" -not -name out.json | sort)
expect_eq "nothing extracted" "$before" "$after"
python3 - out.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "ferry.check/1"
paths = [f["path"] for f in d["files"]]
wheel = "pkg-1.0-cp311-cp311-linux_x86_64.whl"
assert paths[:2] == [wheel + "!pkg/_ext.so", wheel + "!pkg.libs/libshipped.so.1"], paths
for t in ["bundle.tar", "bundle.tar.gz", "bundle.tar.xz", "bundle.tar.zst"]:
    assert t + "!pkg/_ext.so" in paths, (t, paths)
assert len(paths) == 10, paths
kinds = {i["input"]: i["kind"] for i in d["inputs"]}
assert kinds[wheel] == "zip" and kinds["bundle.tar.zst"] == "tar", kinds
for i in d["inputs"]:
    # libshipped.so.1 ships inside, so it is not external: the best tag is the one auditwheel gives.
    assert i["best_manylinux"] == "manylinux_2_17_x86_64", i
for f in d["files"]:
    assert f["pass"], f
    for v in f["verdicts"]:
        assert not [x for x in v["issues"] if x["kind"] == "external-library"], v
PY
# The same extension checked alone (nothing shipped with it) needs libshipped.so.1 grafted.
python3 -c "import zipfile; zipfile.ZipFile('pkg-1.0-cp311-cp311-linux_x86_64.whl').extract('pkg/_ext.so', 'x')"
set +e; "$FERRY" check -t manylinux2014 x/pkg/_ext.so >alone.txt; rc=$?; set -e
expect_eq "extension alone" 1 "$rc"
grep -q "libshipped.so.1 is not on manylinux_2_17's library whitelist" alone.txt || fail "external lib not named: $(cat alone.txt)"
# Extracted tree and archive agree on the verdicts.
mkdir tree && tar -xf bundle.tar -C tree
"$FERRY" check --json -t manylinux2010 tree >tree.json || true
"$FERRY" check --json -t manylinux2010 bundle.tar.xz >tar.json || true
python3 - tree.json tar.json <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
strip = lambda d: [(f["path"].split("!")[-1].split("tree/")[-1], [(v["pass"], [i["message"] for i in v["issues"]]) for v in f["verdicts"]]) for f in d["files"]]
assert sorted(strip(a)) == sorted(strip(b)), (strip(a), strip(b))
assert any(not f["pass"] for f in a["files"])  # memcpy@GLIBC_2.14 fails manylinux2010
PY
# A member name escaping the archive root is reported (repair refuses such wheels; check only warns).
python3 - "$C/libplain.so" <<'PY'
import sys, zipfile
with zipfile.ZipFile("evil.whl", "w") as z:
    z.write(sys.argv[1], "../../evil.so")
PY
"$FERRY" check -t manylinux2014 evil.whl >evil.txt
grep -q "evil.whl!../../evil.so" evil.txt || fail "member not named: $(cat evil.txt)"
grep -q "archive member name escapes the archive root" evil.txt || fail "unsafe name not reported: $(cat evil.txt)"
"$FERRY" check --json -t manylinux2014 evil.whl | python3 -c 'import json,sys; assert json.load(sys.stdin)["files"][0]["unsafe_member_name"] is True'
# Corrupt archives: exit 2, one line naming the file.
head -c 2000 bundle.tar.gz >cut.tar.gz
head -c 300 pkg-1.0-cp311-cp311-linux_x86_64.whl >cut.whl
for f in cut.tar.gz cut.whl; do
  set +e; "$FERRY" check -t manylinux2014 "$f" >/dev/null 2>err; rc=$?; set -e
  expect_eq "exit for $f" 2 "$rc"
  grep -q "^ferry: $f" err || fail "error does not name $f: $(cat err)"
done
echo ok
