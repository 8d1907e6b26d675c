#!/usr/bin/env python3
"""Over every Linux wheel of the real-wheel corpus (fixtures/wheels/manifest.tsv): `ferry show --json` gives the
same best platform tag, the same external libraries (names and where they resolve) and the same versioned symbols
per library as `auditwheel show --json` (6.8.2: overall_tag, external_libs, versioned_symbols). auditwheel's
verdict is cached per wheel sha256 under BUILD/corpus/, so only the first run pays for it (~20 s a wheel).
Deliberate deviations (README, "Where ferry differs from auditwheel") are checked as such, never skipped:
- musl wheels on a glibc host: auditwheel only judges the newest musllinux policy it knows (it cannot read the
  host's musl version), ferry judges each; the wheel must then satisfy musllinux_1_2 with ferry too, and its
  best tag is the older one the wheel really meets (musllinux_1_1)."""
# timeout: 3000
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("FERRY_SRC", ""), "tests", "lib"))
import corpus

rows = corpus.wheels("linux")
bindir = corpus.oracles()
env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}


def ferry_show(row, *args):
    p = subprocess.run([corpus.FERRY, "show", "--json", *args, row["path"]], capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        return {"error": f"ferry show exited {p.returncode}: {p.stderr.strip()}"}
    return json.loads(p.stdout)["wheels"][0]


def musl_tag_ok(row, aw_tag, mine):
    """The documented musl deviation: auditwheel says musllinux_1_2, ferry an older musllinux tag, and ferry also
    accepts the wheel for musllinux_1_2."""
    if not (aw_tag.startswith("musllinux_1_2_") and mine.startswith("musllinux_")):
        return False
    return ferry_show(row, "--plat", aw_tag).get("satisfies") is True


def compare(row):
    aw = corpus.auditwheel_show(bindir, row)
    mine = ferry_show(row)
    if "error" in aw or "error" in mine:
        return row, [("error", mine.get("error"), aw.get("error"))], False
    diffs = []
    deviation = False
    if mine["best_tag"] != aw["overall_tag"]:
        if musl_tag_ok(row, aw["overall_tag"], mine["best_tag"]):
            deviation = True
        else:
            diffs.append(("best tag", mine["best_tag"], aw["overall_tag"]))
    ext = {l["name"]: l["path"] for l in mine["external_libraries"]}
    if ext != aw["external_libs"]:
        diffs.append(("external libraries", ext, aw["external_libs"]))
    if mine["versioned_symbols"] != aw["versioned_symbols"]:
        diffs.append(("versioned symbols", mine["versioned_symbols"], aw["versioned_symbols"]))
    return row, diffs, deviation


results = corpus.parallel(compare, rows)
bad = [(r, d) for r, d, _ in results if d]
for row, diffs in bad:
    for what, mine, theirs in diffs:
        print(f"DIFF {row['file']}: {what}: ferry {json.dumps(mine)} auditwheel {json.dumps(theirs)}")
deviations = sum(1 for _, d, dev in results if dev and not d)
print(f"{len(rows)} Linux wheels: {len(rows) - len(bad)} agree with auditwheel show "
      f"({deviations} through the documented musl deviation), {len(bad)} differ")
sys.exit(1 if bad or len(rows) < 60 else 0)
