"""readelf as the independent oracle for ferry's ELF reader: parses `readelf -d -V -l -W` (and --dyn-syms)
into the same shape as `ferry inspect --json` so the two can be compared field by field."""
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor


def readelf(path, dyn_syms=False):
    args = ["readelf", "-d", "-V", "-l", "-h", "-n", "-W"] + (["--dyn-syms"] if dyn_syms else []) + [path]
    p = subprocess.run(args, capture_output=True, text=True, errors="replace")
    return parse(p.stdout)


def parse(text):
    r = {"needed": [], "rpath": None, "runpath": None, "soname": None, "interpreter": None,
         "version_needs": {}, "symbols": {}, "type": None, "has_shdr": True,
         "flags_1": [], "hash_styles": [], "relr": False, "textrel": False, "build_id": None, "abi_kernel": None,
         "isa_needed": [], "exec_stack": None, "load_align": []}
    section = None
    cur_file = None
    for line in text.splitlines():
        m = re.search(r"\((NEEDED|RPATH|RUNPATH|SONAME)\)\s+\S.*?\[(.*)\]\s*$", line)
        if m:
            tag, val = m.groups()
            if tag == "NEEDED":
                r["needed"].append(val)
            else:
                r[tag.lower()] = val
            continue
        m = re.search(r"\(FLAGS_1\)\s+Flags: (.*)$", line)
        if m:
            r["flags_1"] = m.group(1).split()
        m = re.search(r"^\s*0x[0-9a-f]+ \((GNU_HASH|HASH|RELR|TEXTREL)\)", line)
        if m:
            tag = m.group(1)
            if tag == "GNU_HASH":
                r["hash_styles"].append("gnu")
            elif tag == "HASH":
                r["hash_styles"].append("sysv")
            else:
                r[tag.lower()] = True
        m = re.search(r"Build ID: ([0-9a-f]+)", line)
        if m:
            r["build_id"] = m.group(1)
        m = re.search(r"OS: Linux, ABI: ([0-9.]+)", line)
        if m:
            r["abi_kernel"] = m.group(1)
        m = re.search(r"x86 ISA needed: (.*)$", line)
        if m:
            r["isa_needed"] = [x.strip() for x in m.group(1).split(",")]
        parts = line.split()
        if parts and parts[0] in ("LOAD", "GNU_STACK") and len(parts) >= 8:
            if parts[0] == "LOAD":
                r["load_align"].append(int(parts[-1], 16))
            else:
                r["exec_stack"] = "E" in "".join(parts[6:-1])
        m = re.search(r"\[Requesting program interpreter: (.*)\]", line)
        if m:
            r["interpreter"] = m.group(1)
            continue
        m = re.match(r"\s+Number of section headers:\s+(\d+)", line)
        if m:
            r["has_shdr"] = int(m.group(1)) > 0
        if line.startswith("Version needs section"):
            section = "verneed"
            continue
        if line.startswith("Version definition section") or line.startswith("Version symbols section"):
            section = None
            continue
        if line.startswith("Symbol table '.dynsym'"):
            section = "dynsym"
            continue
        if section == "verneed":
            m = re.search(r"File: (\S+)\s+Cnt:", line)
            if m:
                cur_file = m.group(1)
                r["version_needs"].setdefault(cur_file, [])
                continue
            m = re.search(r"Name: (\S+)\s+Flags:", line)
            if m and cur_file:
                r["version_needs"][cur_file].append(m.group(1))
        if section == "dynsym":
            # "     3: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND memcpy@GLIBC_2.2.5 (3)"; PowerPC64 ELFv2
            # adds "[<localentry>: 8]" after the visibility.
            parts = re.sub(r"\[<localentry>: \d+\]", "", line).split()
            if len(parts) >= 8 and parts[0].endswith(":") and parts[6] == "UND":
                name = parts[7]
                if "@" in name:
                    sym, ver = name.split("@", 1)
                    r["symbols"].setdefault(ver.lstrip("@"), set()).add(sym)
    return r


def ferry_view(f):
    """The same fields from one file object of `ferry inspect --json`."""
    syms = {}
    for vn in f["version_needs"]:
        for v in vn["versions"]:
            if v["symbols"]:  # readelf lists a version only through the symbols that use it
                syms.setdefault(v["name"], set()).update(v["symbols"])
    return {
        "needed": f["needed"],
        "rpath": f["rpath"]["raw"] if f["rpath"] else None,
        "runpath": f["runpath"]["raw"] if f["runpath"] else None,
        "soname": f["soname"],
        "interpreter": f["interpreter"],
        "version_needs": {vn["file"]: [v["name"] for v in vn["versions"]] for vn in f["version_needs"]},
        "symbols": syms,
        "flags_1": f["flags_1"],
        "hash_styles": sorted(f["hash_styles"]),
        "relr": f["relr"],
        "textrel": f["textrel"],
        "build_id": f["build_id"],
        "abi_kernel": f["abi_tag"]["kernel"] if f["abi_tag"] else None,
        "isa_needed": (f["gnu_property"] or {}).get("x86_isa_needed", []),
        "exec_stack": f["exec_stack"],
        "load_align": [s["align"] for s in f["load_segments"]],
    }


def compare(files, dyn_syms=False, jobs=None):
    """Returns (compared, mismatches) where mismatches lists (path, field, ferry, readelf)."""
    jobs = jobs or max(2, os.cpu_count() or 2)
    with ThreadPoolExecutor(jobs) as ex:
        oracles = list(ex.map(lambda f: readelf(f["path"], dyn_syms), files))
    mismatches = []
    for f, o in zip(files, oracles):
        mine = ferry_view(f)
        o["hash_styles"] = sorted(o["hash_styles"])
        fields = ["needed", "rpath", "runpath", "soname", "interpreter", "flags_1", "hash_styles", "relr",
                  "textrel", "build_id", "abi_kernel", "isa_needed", "exec_stack", "load_align"]
        if o["has_shdr"]:  # readelf -V needs section headers
            fields.append("version_needs")
            if dyn_syms:
                fields.append("symbols")
        for k in fields:
            if mine[k] != o[k]:
                mismatches.append((f["path"], k, mine[k], o[k]))
    return len(files), mismatches
