#!/usr/bin/env python3
"""ferry check's machine formats are valid: SARIF 2.1.0 and JUnit XML parse (json / xml.etree) with the
structure their consumers read, --github prints ::error lines with escaped properties, --markdown has the
verdict table, --json carries the schema; -o writes the same report to a file."""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FERRY = os.environ["FERRY"]
C = os.path.join(os.environ["FERRY_FIXTURES"], "check")
if not os.path.exists(os.path.join(C, "memcpy_new")):
    print("SKIP: check fixtures were not built")
    sys.exit(77)
files = [os.path.join(C, f) for f in ("memcpy_new", "pinned_old", "libexecstack.so")]


def run(*args, rc=1):
    p = subprocess.run([FERRY, "check", "-t", "manylinux2010", "-t", "manylinux2014", *args, *files],
                       capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p.stdout


# SARIF 2.1.0: version, one run, tool.driver with rules, results with ruleId/level/message/locations.
sarif = json.loads(run("--sarif"))
assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
(r,) = sarif["runs"]
rules = {x["id"] for x in r["tool"]["driver"]["rules"]}
assert r["tool"]["driver"]["name"] == "ferry"
assert {"symbol-version", "external-library", "loader-feature"} <= rules
errors = [x for x in r["results"] if x["level"] == "error"]
assert len(errors) == 1, errors  # memcpy@GLIBC_2.14 on manylinux2010 only
e = errors[0]
assert e["ruleId"] == "symbol-version" and e["ruleId"] in rules
assert r["tool"]["driver"]["rules"][e["ruleIndex"]]["id"] == e["ruleId"]
assert "memcpy@GLIBC_2.14" in e["message"]["text"]
assert e["properties"]["symbol"] == "memcpy" and e["properties"]["library"] == "libc.so.6"
assert e["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("check/memcpy_new")
warnings = [x for x in r["results"] if x["level"] == "warning"]
assert warnings and all(w["ruleId"] == "loader-feature" for w in warnings)

# JUnit: testsuites > testsuite (one per target) > testcase (one per file); failure only where it fails.
root = ET.fromstring(run("--junit"))
assert root.tag == "testsuites"
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert set(suites) == {"manylinux_2_12_x86_64", "manylinux_2_17_x86_64"}, suites
for name, s in suites.items():
    cases = s.findall("testcase")
    assert len(cases) == 3 and int(s.get("tests")) == 3
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert int(s.get("failures")) == len(failed)
    if name == "manylinux_2_12_x86_64":
        assert failed == [files[0]], failed
        assert "memcpy@GLIBC_2.14" in cases[0].find("failure").text
    else:
        assert failed == []
assert int(root.get("tests")) == 6 and int(root.get("failures")) == 1

# GitHub annotations: ::error file=...,title=...::message, commas/colons in properties escaped.
gh = run("--github").splitlines()
errs = [l for l in gh if l.startswith("::error ")]
assert len(errs) == 1, gh
assert errs[0].startswith("::error file=" + files[0] + ",title=ferry check manylinux_2_12_x86_64::"), errs[0]
assert "memcpy@GLIBC_2.14" in errs[0]
assert all(l.startswith("::warning ") or l.startswith("::error ") for l in gh)

# Markdown job summary: a table row per file, a section for the failing one.
md = run("--markdown")
assert md.startswith("## ferry check")
assert "| file | oldest target | best manylinux | result |" in md
assert "**FAIL** manylinux_2_12_x86_64 (1)" in md
assert "### `" + files[0] + "`" in md

# JSON, and -o writes the same bytes atomically to a file.
js = json.loads(run("--json"))
assert js["schema"] == "ferry.check/1" and js["pass"] is False
assert js["targets"] == ["manylinux2010", "manylinux2014"]
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "report.sarif")
    assert run("--sarif", "-o", out) == ""
    assert json.load(open(out)) == sarif
# Formats are exclusive.
p = subprocess.run([FERRY, "check", "--json", "--sarif", files[0]], capture_output=True, text=True)
assert p.returncode == 2, p
print("ok")
