"""The real-wheel corpus (fixtures/wheels/manifest.tsv) for the corpus tests: downloads it through
scripts/corpus.sh, installs the reference tools through scripts/oracles.sh, and caches what is slow to redo under
BUILD/corpus/ keyed by each wheel's sha256 (auditwheel's verdict, the binaries extracted from each wheel), so a
rerun from a warm cache only runs ferry and the cheap oracles."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

SRC = os.environ.get("FERRY_SRC", "")
BUILD = os.environ.get("FERRY_BUILD", "")
FERRY = os.environ.get("FERRY", "")
JOBS = max(2, os.cpu_count() or 2)


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def fail(why):
    print("FAIL:", why, file=sys.stderr)
    sys.exit(1)


def _script(name, *args):
    p = subprocess.run(["bash", os.path.join(SRC, "scripts", name), BUILD, *args], capture_output=True, text=True)
    if p.returncode == 77:
        skip(f"{name}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else 'PyPI unreachable'}")
    if p.returncode != 0:
        fail(f"{name} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout.strip().splitlines()[-1]


def manifest():
    """The manifest's rows as dicts (project, version, file, platform, size, sha256, url)."""
    keys = ["project", "version", "file", "platform", "size", "sha256", "url"]
    rows = []
    with open(os.path.join(SRC, "fixtures", "wheels", "manifest.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(dict(zip(keys, line.rstrip("\n").split("\t"))))
    return rows


def wheels(kind=None):
    """Downloads (or checks) the corpus and returns its rows with `path` set; kind = linux / macos / windows."""
    if not (FERRY and SRC and BUILD):
        sys.exit("run through ctest (FERRY is not set)")
    cache = _script("corpus.sh")
    rows = manifest()
    for r in rows:
        r["path"] = os.path.join(cache, r["file"])
        r["kind"] = platform_kind(r["platform"])
    return [r for r in rows if kind is None or r["kind"] == kind]


def platform_kind(platform):
    if "linux" in platform:
        return "linux"
    if platform.startswith("macosx"):
        return "macos"
    if platform.startswith("win"):
        return "windows"
    return "other"


def oracles():
    """The bin directory of the pinned reference tools' venv."""
    return _script("oracles.sh")


def parallel(fn, items, jobs=JOBS):
    with ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(fn, items))


def _locked(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    f = open(path + ".lock", "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def auditwheel_show(bindir, row):
    """`auditwheel show --json` of one wheel, run once and cached by the wheel's sha256 (and auditwheel's
    version). Returns the parsed JSON, or {"error": ...} when auditwheel fails."""
    version = subprocess.run([os.path.join(bindir, "python"), "-c",
                              "import importlib.metadata as m; print(m.version('auditwheel'))"],
                             capture_output=True, text=True).stdout.strip()
    path = os.path.join(BUILD, "corpus", f"auditwheel-{version}", row["sha256"] + ".json")
    with _locked(path):
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
        p = subprocess.run([os.path.join(bindir, "auditwheel"), "show", "--json", row["path"]],
                           capture_output=True, text=True, env=env)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = {"error": f"auditwheel exited {p.returncode}: {p.stderr.strip()[-500:]}"}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.replace(tmp, path)
        return doc


def binary_format(head):
    """elf / macho / pe from a member's first bytes (PE needs the DOS stub's e_lfanew, checked by the caller)."""
    if head[:4] == b"\x7fELF":
        return "elf"
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                    b"\xca\xfe\xba\xbe"):
        return "macho"
    if head[:2] == b"MZ":
        return "pe"
    return None


def extract_binaries(row):
    """Extracts every ELF, Mach-O and PE member of a wheel once into BUILD/corpus/extracted/<sha256>/ and returns
    that directory and {member: format}."""
    root = os.path.join(BUILD, "corpus", "extracted", row["sha256"])
    index = os.path.join(root, ".members.json")
    with _locked(root):
        if os.path.exists(index):
            with open(index) as f:
                return root, json.load(f)
        shutil.rmtree(root, ignore_errors=True)
        found = {}
        with zipfile.ZipFile(row["path"]) as z:
            for info in z.infolist():
                if info.is_dir() or info.file_size < 64:
                    continue
                with z.open(info) as m:
                    head = m.read(4)
                    kind = binary_format(head)
                    if kind == "macho" and head == b"\xca\xfe\xba\xbe" and info.filename.endswith(".class"):
                        kind = None  # a Java class file shares the universal binary's magic
                if kind is None:
                    continue
                dest = os.path.join(root, info.filename)
                if not os.path.realpath(dest).startswith(os.path.realpath(root) + os.sep):
                    fail(f"{row['file']}: member {info.filename} escapes the extraction directory")
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with z.open(info) as m, open(dest, "wb") as out:
                    shutil.copyfileobj(m, out, 1 << 20)
                found[info.filename] = kind
        with open(index + ".tmp", "w") as f:
            json.dump(found, f)
        os.replace(index + ".tmp", index)
        return root, found


def ferry_inspect(paths):
    """`ferry inspect --json` over paths; returns {path: file object}."""
    p = subprocess.run([FERRY, "inspect", "--json", *paths], capture_output=True, text=True)
    if p.returncode not in (0,):
        fail(f"ferry inspect exited {p.returncode}: {p.stderr.strip()[:2000]}")
    return {f["path"]: f for f in json.loads(p.stdout)["files"]}


def inspected_members(kind, platform=None, require=True):
    """Extracts the corpus wheels of `platform` (all when None) and runs `ferry inspect` over their members of
    binary `kind` ("elf", "macho", "pe"). Returns (found, problems): found lists (row, member, path, inspect object)
    for each member ferry read as `kind`; problems names the members it did not and, when `require`, the wheels
    with no such member at all. Shared by the corpus_*_matches_* tests, which then compare with their oracle."""
    rows = wheels(platform)
    found, problems = [], []
    for row, (root, members) in zip(rows, parallel(extract_binaries, rows)):
        names = sorted(m for m, k in members.items() if k == kind)
        if not names:
            if require:
                problems.append(f"{row['file']}: no {kind} file inside")
            continue
        seen = ferry_inspect([os.path.join(root, m) for m in names])
        for m in names:
            path = os.path.join(root, m)
            f = seen.get(path)
            if f is None or f.get("format") != kind:
                problems.append(f"{row['file']}: {m}: ferry did not read it as {kind}: {f and f.get('error')}")
                continue
            found.append((row, m, path, f))
    return found, problems
