"""Every ELF fixture (64/32-bit, big-endian, AArch64, RPATH/RUNPATH, pinned .symver, no section headers, ...):
needed, rpath, runpath, soname, interpreter, required versions per library and the symbols that use each
version equal what readelf reports."""
import json, os, subprocess, sys
sys.path.insert(0, os.path.join(os.environ["FERRY_SRC"], "tests", "lib"))
import readelf_oracle

fix = os.path.join(os.environ["FERRY_FIXTURES"], "elf")
out = subprocess.run([os.environ["FERRY"], "inspect", "--json", fix], capture_output=True, text=True, check=True)
doc = json.loads(out.stdout)
assert doc["schema"] == "ferry.inspect/1", doc["schema"]
files = [f for f in doc["files"] if f.get("format") == "elf"]
names = {os.path.basename(f["path"]) for f in files}
for must in ["app_runpath", "app_rpath", "app_noshdr", "libver.so.1", "plain_relr"]:
    assert must in names, f"{must} missing from ferry's output: {sorted(names)}"
compared, bad = readelf_oracle.compare(files, dyn_syms=True)
# IRELATIVE relocations (IFUNCs without a symbol, e.g. in static programs) counted like `readelf -r`.
for f in files:
    relocs = subprocess.run(["readelf", "-rW", f["path"]], capture_output=True, text=True).stdout
    want = sum(1 for line in relocs.splitlines() if "_IRELATIV" in line)
    if f["symbols"]["irelative_relocs"] != want:
        bad.append((f["path"], "irelative_relocs", f["symbols"]["irelative_relocs"], want))
assert any(f["symbols"]["irelative_relocs"] > 0 for f in files if f["path"].endswith("plain_static")), \
    "the static fixture should have IRELATIVE relocations"
for m in bad:
    print("MISMATCH", *m)
print(f"compared {compared} fixture files with readelf: {compared - len({m[0] for m in bad})} agree")
sys.exit(1 if bad else 0)
