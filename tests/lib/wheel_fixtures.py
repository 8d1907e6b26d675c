"""The wheel fixtures as the tests/cli/wheel_* scripts see them, and wheels crafted from them at test time with
Python's zipfile (the independent writer): extra or renamed members, chosen modes, a RECORD that says what the
test wants."""
import base64
import hashlib
import os
import subprocess
import sys
import warnings
import zipfile

warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests write on purpose

FERRY = os.environ.get("FERRY")
W = os.path.join(os.environ.get("FERRY_FIXTURES", ""), "wheel")
SIMPLE = os.path.join(W, "simple-1.0-cp311-cp311-linux_x86_64.whl")
SIMPLE_NAME = os.path.basename(SIMPLE)
EXT = "simple/_simple.cpython-311-x86_64-linux-gnu.so"
ENV = dict(os.environ, LD_LIBRARY_PATH=os.path.join(W, "lib"))


def require_fixtures(wheel=SIMPLE):
    """Exits unless run through ctest with the wheel fixtures built (77 = skipped: fixtures.build did not run)."""
    if not FERRY:
        sys.exit("run through ctest (FERRY is not set)")
    if not os.path.exists(wheel):
        print("SKIP: wheel fixtures were not built")
        sys.exit(77)


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def record_lines(members):
    """RECORD's true lines for [(name, bytes, mode)] (RECORD's own line left out)."""
    return [f"{n},{record_hash(d)},{len(d)}" for n, d, _ in members]


def lying_record(lines, name, size, claimed=b"other"):
    """RECORD `lines` with `name`'s hash replaced by the hash of `claimed`; its size stays `size`."""
    lie = f"{name},{record_hash(claimed)},{size}"
    return [lie if l.startswith(name + ",") else l for l in lines]


def wheel_with_lying_data_member(size=2 << 20):
    """The fixture wheel's members plus a `size`-byte random simple/data.bin (big enough to be streamed), with its
    true RECORD lines and the same lines lying about that member: (blob, members, true_record, lying_record)."""
    blob = os.urandom(size)
    members = simple_members() + [("simple/data.bin", blob, 0o100644)]
    true_record = record_lines(members)
    return blob, members, true_record, lying_record(true_record, "simple/data.bin", len(blob))


def simple_members():
    """[(name, bytes, unix mode)] of the fixture wheel, RECORD left out."""
    with zipfile.ZipFile(SIMPLE) as z:
        return [(i.filename, z.read(i), i.external_attr >> 16) for i in z.infolist()
                if not i.filename.endswith("/RECORD")]


def write_wheel(path, members, lines=None):
    """Writes `members` [(name, bytes, mode)] and a RECORD (given lines, or the true hashes of every member)."""
    if lines is None:
        lines = record_lines(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d, mode in members:
            zi = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            zi.create_system = 3
            zi.external_attr = (mode or 0o100644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)
        z.writestr("simple-1.0.dist-info/RECORD", "\n".join(lines + ["simple-1.0.dist-info/RECORD,,"]) + "\n")


def ferry(*args, timeout=120):
    return subprocess.run([FERRY, *args], env=ENV, capture_output=True, text=True, timeout=timeout)


def expect_one_line_error(r, rc, *needles, what=""):
    if r.returncode != rc:
        fail(f"{what}: exit {r.returncode}, expected {rc}: {r.stderr.strip()}")
    if len(r.stderr.strip().splitlines()) != 1:
        fail(f"{what}: expected a one-line error, got: {r.stderr}")
    for n in needles:
        if n not in r.stderr:
            fail(f"{what}: the message does not say '{n}': {r.stderr.strip()}")


def expect_record_corrected(r, out, name, data, what=""):
    """`r`: `ferry repair -w out` of a wheel whose RECORD is wrong about member `name` (whose bytes are `data`).
    Expects exit 0, one warning on stdout naming the member and its true hash, and a repaired wheel whose RECORD
    gives the member's true hash and size (hashlib's), not the wrong line. Returns the repaired wheel's path."""
    if r.returncode != 0:
        fail(f"{what}: exit {r.returncode}, expected 0 with a warning: {r.stderr.strip()}")
    warned = [l for l in r.stdout.splitlines() if "warning: RECORD is wrong about '" + name + "'" in l]
    if len(warned) != 1:
        fail(f"{what}: expected one warning about {name}'s RECORD line on stdout: {r.stdout}")
    if "(the repaired wheel's RECORD has the real one)" not in warned[0]:
        fail(f"{what}: the warning does not say the repaired wheel's RECORD is right: {warned[0]}")
    if "," in warned[0] and "hashes to" in warned[0] and record_hash(data) not in warned[0]:
        fail(f"{what}: the warning gives another hash than the content's ({record_hash(data)}): {warned[0]}")
    wheels = [n for n in os.listdir(out) if n.endswith(".whl")]
    if len(wheels) != 1:
        fail(f"{what}: expected one repaired wheel in {out}: {wheels}")
    path = os.path.join(out, wheels[0])
    with zipfile.ZipFile(path) as z:
        rec = z.read([n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]).decode().splitlines()
        line = [l for l in rec if l.startswith(name + ",")]
        want = f"{name},{record_hash(data)},{len(data)}"
        if line != [want] or z.read(name) != data:
            fail(f"{what}: the repaired wheel's RECORD line of {name} is {line}, expected {want}")
    return path
