#!/usr/bin/env bash
# Bundling the same inputs twice gives byte-identical .tar.zst, .tar.gz and .sh outputs; the archive lists every
# directory before its contents with owner root and one mtime (SOURCE_DATE_EPOCH), and manifest.json's sha256
# of every file matches sha256sum of the files GNU tar extracts; the extracted bundle runs.
source "$(dirname "$0")/../common.sh"
need_cmd zstd
probe=$FIX/bundle/probe
export SOURCE_DATE_EPOCH=1700000000
for ext in tar.zst tar.gz sh; do
  "$FERRY" bundle "$probe" --add "$FIX/bundle/lib/libprobeplugin.so=lib/libprobeplugin.so" -o "$T/a.$ext" >/dev/null
  "$FERRY" bundle "$probe" --add "$FIX/bundle/lib/libprobeplugin.so=lib/libprobeplugin.so" -o "$T/b.$ext" >/dev/null
  cmp "$T/a.$ext" "$T/b.$ext" || fail "$ext differs between two runs"
done
# A different SOURCE_DATE_EPOCH changes the bytes (the mtime is really written), and only that.
SOURCE_DATE_EPOCH=1700000001 "$FERRY" bundle "$probe" -o "$T/c.tar.zst" >/dev/null
! cmp -s "$T/a.tar.zst" "$T/c.tar.zst" || fail "SOURCE_DATE_EPOCH is not honoured"

listing=$(tar --zstd -tvf "$T/a.tar.zst")
sed -n 1,5p <<<"$listing"
owners=$(echo "$listing" | awk '{print $2}' | sort -u)
expect_eq "owners" "root/root" "$owners"
expect_eq "mtimes" "$(TZ=UTC date -d @1700000000 '+%Y-%m-%d %H:%M')" "$(TZ=UTC tar --zstd -tvf "$T/a.tar.zst" | awk '{print $4" "$5}' | sort -u)"
names=$(tar --zstd -tf "$T/a.tar.zst")
expect_eq "sorted entries" "$(echo "$names" | LC_ALL=C sort)" "$names"
grep -qx 'bin/probe' <<<"$names" || fail "no bin/probe launcher"
grep -q '^hrwxr-xr-x.* bin/probe link to .ferry/ferry-launcher' <<<"$listing" || fail "launcher is not a hard link"

mkdir "$T/x"
tar --zstd -xf "$T/a.tar.zst" -C "$T/x"
python3 - "$T/x" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
m = json.load(open(os.path.join(root, "manifest.json")))
assert m["schema"] == "ferry.bundle-manifest/1", m["schema"]
listed = {f["path"] for f in m["files"]}
on_disk = set()
for d, _, files in os.walk(root):
    for f in files:
        on_disk.add(os.path.relpath(os.path.join(d, f), root))
on_disk.discard("manifest.json")
assert listed == on_disk, (sorted(listed ^ on_disk))[:10]
for f in m["files"]:
    h = hashlib.sha256(open(os.path.join(root, f["path"]), "rb").read()).hexdigest()
    assert h == f["sha256"], (f["path"], h, f["sha256"])
    if "origin" in f and "edits" not in f and f["role"] not in ("launcher",):
        assert f["origin_sha256"] == f["sha256"], f["path"]
roles = {f["path"]: f["role"] for f in m["files"]}
assert roles["libexec/probe"] == "program" and roles["lib/libprobedep.so"] == "library", roles
assert roles["ld/ld-linux-x86-64.so.2"] == "loader"
print("manifest ok:", len(listed), "files")
PY
out=$("$T/x/bin/probe" dep dlopen libprobeplugin.so)
expect_eq "extracted bundle runs" "dep=42
dlopen=ok libprobeplugin.so 7" "$out"
echo PASS
