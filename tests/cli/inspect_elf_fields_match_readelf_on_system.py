"""Over every ELF file in /usr/bin and /usr/lib/x86_64-linux-gnu of the test machine: needed, rpath, runpath,
soname, interpreter and required versions per library agree with readelf on every file."""
# timeout: 900
import json, os, subprocess, sys
sys.path.insert(0, os.path.join(os.environ["FERRY_SRC"], "tests", "lib"))
import readelf_oracle

dirs = [d for d in ["/usr/bin", "/usr/lib/x86_64-linux-gnu"] if os.path.isdir(d)]
out = subprocess.run([os.environ["FERRY"], "inspect", "--json", *dirs], capture_output=True, text=True)
doc = json.loads(out.stdout)
files = [f for f in doc["files"] if f.get("format") == "elf"]
errors = [f for f in doc["files"] if "error" in f]
for e in errors:
    print("ERROR", e["path"], e["error"])
assert len(files) > 100, f"only {len(files)} ELF files found"
compared, bad = readelf_oracle.compare(files)
for m in bad[:50]:
    print("MISMATCH", *m)
print(f"compared {compared} system ELF files with readelf: {compared - len({m[0] for m in bad})} agree, "
      f"{len({m[0] for m in bad})} differ, {len(errors)} unreadable")
sys.exit(1 if bad or errors else 0)
