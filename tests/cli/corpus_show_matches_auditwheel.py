#!/usr/bin/env python3
"""Over every Linux wheel of the real-wheel corpus (fixtures/wheels/manifest.tsv): `ferry show --json` gives the
same best platform tag, the same external libraries (names and where they resolve), the same versioned symbols
per library, and for every better tag the same libraries to eliminate and blacklisted symbols as
`auditwheel show --json` (6.8.2: overall_tag, external_libs, versioned_symbols, policy_upgrades). auditwheel's
verdict is cached per wheel sha256 under BUILD/corpus/, so only the first run pays for it (~20 s a wheel).
Deliberate deviations (README, "Where ferry differs from auditwheel") are checked as such, never skipped:
- musl wheels judged against an older musllinux policy than auditwheel's (ferry would then also have to accept
  the wheel for auditwheel's musllinux_1_2 tag; today both judge the host's musl or musllinux_1_2).
Known differences are listed in KNOWN with their cause; each must still show up exactly as described (a fixed one
fails the test until it is taken off the list). auditwheel crashing on a host file it cannot parse is reported,
not counted as agreement."""
# timeout: 3000
# disk: 2000  (warm caches: 1 MB; cold, auditwheel unpacks whole wheels, triton 553 MB, two at a time, beside ferry's ELF scratch)
import json
import os
import re
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


# wheel file -> (the fields that differ, why)
KNOWN = {
    "orjson-3.10.12-cp311-cp311-musllinux_1_2_x86_64.whl": (
        {"best tag", "external libraries", "policy upgrades"},
        "deliberate (README): the extension needs libc.so, which musl's loader always resolves to itself (musl "
        "reserves the names libc.so, libm.so, libpthread.so, ...), so ferry whitelists it and tags musllinux_1_2; "
        "auditwheel looks for a file named libc.so, finds none and stays at linux_x86_64"),
}


def upgrades(mine):
    """ferry's refusals in auditwheel's policy_upgrades shape: per tag, libraries to eliminate and blacklisted
    symbols per library (from the reason lines `X: needs LIB ...` and `X: SYM (LIB) is blacklisted by T`)."""
    out = {}
    for f in mine["refused"]:
        libs, bl = set(), {}
        for line in f["reasons"]:
            m = re.search(r": needs (\S+)(?: \(.*\))?, which is not on the whitelist", line)
            if m:
                libs.add(m.group(1))
            m = re.search(r": (\S+) \((\S+)\) is blacklisted by ", line)
            if m:
                bl.setdefault(m.group(2), set()).add(m.group(1))
        entry = {}
        if libs:
            entry["libs_to_eliminate"] = sorted(libs)
        if bl:
            entry["blacklisted_symbols"] = {k: sorted(v) for k, v in sorted(bl.items())}
        if entry:
            out[f["tag"]] = entry
    return out


def oracle_crashed(aw):
    """auditwheel 6.8.2 aborts when a library search finds a file on the host that is not ELF (lddtree.find_lib
    opens every candidate with ELFFile): the machine's fault, not the wheel's."""
    return "error" in aw and "Magic number does not match" in aw["error"]


def compare(row):
    aw = corpus.auditwheel_show(bindir, row)
    mine = ferry_show(row)
    if oracle_crashed(aw) and "error" not in mine:
        return row, [], "oracle crashed"
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
    if upgrades(mine) != aw["policy_upgrades"]:
        diffs.append(("policy upgrades", upgrades(mine), aw["policy_upgrades"]))
    return row, diffs, deviation


results = corpus.parallel(compare, rows)
bad, known_seen = [], 0
for row, diffs, _ in results:
    known = KNOWN.get(row["file"])
    if known and {d[0] for d in diffs} == known[0]:
        for what, mine, theirs in diffs:
            print(f"KNOWN {row['file']}: {what}: ferry {json.dumps(mine)[:300]} auditwheel "
                  f"{json.dumps(theirs)[:300]}: {known[1]}")
        known_seen += 1
    elif known:
        bad.append((row, diffs or [("known difference gone, take it off KNOWN", None, sorted(known[0]))]))
    elif diffs:
        bad.append((row, diffs))
for row, _, note in results:
    if note == "oracle crashed":
        print(f"ORACLE {row['file']}: auditwheel crashed on a host file; ferry's verdict not compared")
for row, diffs in bad:
    for what, mine, theirs in diffs:
        print(f"DIFF {row['file']}: {what}: ferry {json.dumps(mine)} auditwheel {json.dumps(theirs)}")
deviations = sum(1 for _, d, dev in results if dev is True and not d)
crashed = sum(1 for _, _, dev in results if dev == "oracle crashed")
print(f"{len(rows)} Linux wheels: {len(rows) - len(bad) - known_seen - crashed} agree with auditwheel show "
      f"({deviations} through the documented musl deviation), {known_seen} known differences, "
      f"{crashed} not compared (auditwheel crashed), {len(bad)} differ")
sys.exit(1 if bad or len(rows) < 60 else 0)
