# Shared by the wheel_repair_sdist_* scripts (source after tests/common.sh): builds a pinned sdist from
# fixtures/sdist/requirements.txt into a linux_x86_64 wheel once (cached under $BUILD/sdist/wheels/NAME-VERSION),
# repairs it with ferry and with auditwheel side by side, and imports the results with the build machine's copies
# of the grafted libraries hidden by bind mounts in a private mount namespace.

SDIST_REQ=$SRC/fixtures/sdist/requirements.txt
SDIST_DIR=$BUILD/sdist
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1

# sdist_python_venv DIR: a venv of the Debian Python (never the system site-packages, never another python3).
sdist_python_venv() {
  [ -f "$1/.ferry-ready" ] && return 0
  rm -rf "$1"
  /usr/bin/python3 -m venv "$1" >/dev/null || fail "cannot make a venv with /usr/bin/python3 -m venv"
  touch "$1/.ferry-ready"
}

# sdist_wheel NAME: sets WHEEL to the cached wheel built from the pinned sdist, and BUILD_TIME to the wall and CPU
# time its cold build took (recorded when it was built). Skips when PyPI cannot be reached and nothing is cached.
sdist_wheel() {
  local name=$1 line ver dir log rc=0
  line=$(grep -i "^$name==" "$SDIST_REQ") || fail "no pin for $name in fixtures/sdist/requirements.txt"
  ver=${line#*==}
  ver=${ver%% *}
  dir=$SDIST_DIR/wheels/$name-$ver
  mkdir -p "$SDIST_DIR/wheels"
  exec 8>"$SDIST_DIR/.lock-$name"
  flock 8
  if ! ls "$dir"/*.whl >/dev/null 2>&1; then
    ( flock 9; sdist_python_venv "$SDIST_DIR/venv" ) 9>"$SDIST_DIR/.lock-venv"
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    printf '%s\n' "$line" >"$dir.tmp/requirement.txt"
    log=$dir.tmp/build.log
    # PATH: the venv first and only system directories after it. A python3.X earlier on PATH (pyenv shims, say)
    # is what pybind11's FindPythonInterp picks for OTIO, and it is not the interpreter the wheel is built for.
    # No pip cache: nothing is written outside the build directory, and a rebuild really compiles. The build
    # dependencies are pinned by PIP_CONSTRAINT (pip's isolated build environment honours it).
    /usr/bin/time -f 'wall %es, cpu %Us+%Ss' -o "$dir.tmp/build-time" \
      env PATH="$SDIST_DIR/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin" PIP_NO_CACHE_DIR=1 \
      PIP_CONSTRAINT="$SRC/fixtures/sdist/build-constraints.txt" \
      CMAKE_BUILD_PARALLEL_LEVEL=2 MAKEFLAGS=-j2 \
      "$SDIST_DIR/venv/bin/pip" wheel -v --no-deps --no-binary "$name" --require-hashes \
      -r "$dir.tmp/requirement.txt" -w "$dir.tmp" >"$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
      if grep -qE "NewConnectionError|Temporary failure in name resolution|Network is unreachable|ProxyError" "$log"; then
        skip "$name==$ver cannot be downloaded (no PyPI)"
      fi
      tail -40 "$log" >&2
      fail "pip wheel $name==$ver failed (log: $log)"
    fi
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  flock -u 8
  WHEEL=$(ls "$dir"/*.whl)
  BUILD_TIME=$(tail -1 "$dir/build-time")
  case $WHEEL in *-linux_x86_64.whl) ;; *) fail "pip built $WHEEL, expected a linux_x86_64 wheel" ;; esac
}

# repair_both WHEEL: ferry repair -> $T/ferry, auditwheel repair -> $T/auditwheel; sets FERRY_WHEEL, AW_WHEEL,
# FERRY_TIME, AW_TIME ("wall Ns, cpu Ns" from /usr/bin/time: on a loaded machine the CPU time is the fair figure)
# and FERRY_JSON (ferry's --json report).
repair_both() {
  local fmt='wall %es, cpu %Us+%Ss'
  rm -rf "$T/ferry" "$T/auditwheel"
  /usr/bin/time -f "$fmt" -o "$T/ferry.time" "$FERRY" repair --json -w "$T/ferry" "$1" >"$T/ferry.json" ||
    fail "ferry repair $1 failed"
  PATH="$ORACLES:$PATH" /usr/bin/time -f "$fmt" -o "$T/auditwheel.time" \
    "$ORACLES/auditwheel" repair -w "$T/auditwheel" "$1" >"$T/auditwheel.log" 2>&1 ||
    { cat "$T/auditwheel.log" >&2; fail "auditwheel repair $1 failed"; }
  FERRY_TIME=$(tail -1 "$T/ferry.time")
  AW_TIME=$(tail -1 "$T/auditwheel.time")
  FERRY_JSON=$T/ferry.json
  FERRY_WHEEL=$(ls "$T"/ferry/*.whl)
  AW_WHEEL=$(ls "$T"/auditwheel/*.whl)
}

# grafted WHEEL: the files under a top-level *.libs/ directory, one per line, sorted.
grafted() { unzip -Z1 "$1" | { grep -E '^[^/]+\.libs/[^/]+$' || true; } | sed 's|^[^/]*/||' | sort; }

# expect_same_repair: same output file name and the same grafted file names (name-<sha256[:8]>.rest) as auditwheel.
expect_same_repair() {
  expect_eq "output file name (ferry vs auditwheel)" "$(basename "$AW_WHEEL")" "$(basename "$FERRY_WHEEL")"
  grafted "$AW_WHEEL" >"$T/grafts.auditwheel"
  grafted "$FERRY_WHEEL" >"$T/grafts.ferry"
  diff -u "$T/grafts.auditwheel" "$T/grafts.ferry" >&2 || fail "grafted libraries differ (- auditwheel, + ferry)"
}

# expect_same_members: both wheels hold the same files apart from directory entries, ferry's
# .dist-info/ferry-provenance.json and the SBOMs: ferry writes sboms/ferry.cdx.json exactly when auditwheel writes
# sboms/auditwheel.cdx.json, naming the same distribution-package purls. Every file that is not ELF, not
# RECORD and not an SBOM is byte-identical (WHEEL included). ELF files differ by design: ferry's ELF writer and
# patchelf lay out their edits differently.
expect_same_members() {
  python3 - "$AW_WHEEL" "$FERRY_WHEEL" <<'PYEOF' || fail "the members of the two repaired wheels differ"
import sys, zipfile
def members(path):
    z = zipfile.ZipFile(path)
    return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
aw, fe = members(sys.argv[1]), members(sys.argv[2])
import json
prov = [n for n in fe if n.endswith(".dist-info/ferry-provenance.json")]
sbom = [n for n in aw if n.endswith(".dist-info/sboms/auditwheel.cdx.json")]
fsbom = [n for n in fe if n.endswith(".dist-info/sboms/ferry.cdx.json")]
if len(prov) != 1:
    sys.exit(f"ferry's wheel has no single ferry-provenance.json: {prov}")
if len(fsbom) != len(sbom):
    sys.exit(f"SBOMs: auditwheel wrote {sbom}, ferry {fsbom} (both write one exactly when a package was found)")
purls = lambda b: sorted({c["purl"] for c in json.loads(b)["components"][1:] if "purl" in c})
fp = purls(fe[fsbom[0]]) if fsbom else []
ap = purls(aw[sbom[0]]) if sbom else []
if fp != ap:
    sys.exit(f"SBOM package purls differ:\n auditwheel {ap}\n ferry      {fp}")
print(f"SBOM: both name {len(fp)} distribution packages: {fp}")
for n in prov + fsbom:
    del fe[n]
for n in sbom:
    del aw[n]
if set(aw) != set(fe):
    sys.exit(f"only auditwheel: {sorted(set(aw) - set(fe))}; only ferry: {sorted(set(fe) - set(aw))}")
for n in sorted(aw):
    if n.endswith(".dist-info/RECORD") or aw[n][:4] == b"\x7fELF":
        continue
    if aw[n] != fe[n]:
        sys.exit(f"{n} differs:\n auditwheel {aw[n][:300]!r}\n ferry {fe[n][:300]!r}")
PYEOF
}

# expect_default_deflate WHEEL: the grafted members are deflated (never stored) at ferry's default, libdeflate level
# 4, which the bench chose because it compresses these libraries as well as zlib's default level 6 (what
# auditwheel's Python zipfile writes) in a quarter of the time. Oracle: Python's zlib at level 6 on the same
# bytes; the grafts together may be at most 2% larger than that (issue 13's bound on output size), each at most 5%.
expect_default_deflate() {
  python3 - "$1" <<'PYEOF' || fail "$(basename "$1"): grafted members are not deflated as well as zlib's level 6"
import re, sys, zipfile, zlib
z = zipfile.ZipFile(sys.argv[1])
mine = theirs = 0
for i in z.infolist():
    if not re.match(r"[^/]+\.libs/[^/]+$", i.filename):
        continue
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 8)
    want = len(c.compress(z.read(i)) + c.flush())
    if i.compress_type != zipfile.ZIP_DEFLATED or i.compress_size > want * 1.05:
        sys.exit(f"{i.filename}: method {i.compress_type}, {i.compress_size} bytes; zlib level 6 gives {want}")
    mine, theirs = mine + i.compress_size, theirs + want
if mine > theirs * 1.02:
    sys.exit(f"grafts: {mine} bytes deflated, zlib level 6 gives {theirs} (more than 2% smaller)")
print(f"grafts deflated to {mine} bytes; zlib level 6 gives {theirs} ({mine / max(theirs, 1):.3f}x)")
PYEOF
}

# hidden_libraries: the real paths, on this machine, of the libraries ferry grafted (from its --json report).
hidden_libraries() {
  python3 - "$FERRY_JSON" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
reports = doc.get("wheels", [doc]) if isinstance(doc, dict) else doc
paths = set()
for r in reports:
    for lib in r.get("libraries", []):
        if lib.get("disposition") == "graft" and lib.get("path"):
            paths.add(os.path.realpath(lib["path"]))
print("\n".join(sorted(paths)))
EOF
}

# install_venv DIR WHEEL: a fresh venv with WHEEL installed by pip from the file alone.
install_venv() {
  rm -rf "$1"
  /usr/bin/python3 -m venv --without-pip "$1" || fail "cannot make a venv in $1"
  # The pip venv may be missing when every wheel came from the cache (nothing was built this run).
  ( flock 9; sdist_python_venv "$SDIST_DIR/venv" ) 9>"$SDIST_DIR/.lock-venv"
  "$SDIST_DIR/venv/bin/pip" --python "$1/bin/python" install -q --no-index --no-deps "$2" ||
    fail "pip install $2 failed"
}

# need_private_mounts: skips unless this process may bind-mount in a private mount namespace.
need_private_mounts() {
  need_cmd unshare
  touch "$T/.probe"
  unshare --mount --fork mount --bind /dev/null "$T/.probe" 2>/dev/null ||
    skip "cannot bind-mount in a private mount namespace (unshare --mount needs CAP_SYS_ADMIN)"
}

# run_hidden PYTHON CODE LIB...: runs PYTHON -c CODE, from an empty directory, where every LIB reads as an empty
# file (a bind mount of /dev/null in a private mount namespace): the loader cannot use the build machine's copy.
run_hidden() {
  local py=$1 code=$2
  shift 2
  mkdir -p "$T/empty"
  (cd "$T/empty" && unshare --mount --fork sh -c '
    py=$1; code=$2; shift 2
    for f in "$@"; do mount --bind /dev/null "$f" || exit 99; done
    exec env -u LD_LIBRARY_PATH -u PYTHONPATH "$py" -c "$code"' sh "$py" "$code" "$@")
}

# expect_record_matches WHEEL: every member but RECORD is listed in RECORD with its sha256 and size (zipfile +
# hashlib as the oracle), and nothing else is.
expect_record_matches() {
  python3 - "$1" <<'PYEOF' || fail "RECORD of $(basename "$1") does not match its members"
import base64, csv, hashlib, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [n for n in z.namelist() if not n.endswith("/")]
record = next(n for n in names if n.endswith(".dist-info/RECORD"))
rows = {r[0]: r for r in csv.reader(io.StringIO(z.read(record).decode()))}
for n in names:
    if n == record:
        continue
    data = z.read(n)
    h = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if rows.get(n, [None, None, None])[1:] != [h, str(len(data))]:
        sys.exit(f"{n}: RECORD has {rows.get(n)}, the member is {h},{len(data)}")
extra = set(rows) - set(names)
if extra:
    sys.exit(f"RECORD lists files that are not in the wheel: {sorted(extra)}")
PYEOF
}

# wheel_tags WHEEL: the Tag lines of its WHEEL file.
wheel_tags() {
  local wheel_member
  wheel_member=$(unzip -Z1 "$1" | grep -E '^[^/]+\.dist-info/WHEEL$')
  unzip -p "$1" "$wheel_member" | grep '^Tag:'
}

# sdist_repair_case NAME MODULE CODE: the whole check for one sdist. Builds (or reuses) its wheel; ferry and
# auditwheel repair it to the same file name, WHEEL tags and grafted files; ferry's RECORD is exact; the unrepaired
# wheel fails to import MODULE where the grafted libraries are hidden (so the check can fail) and imports where
# they are not; both repaired wheels, each in a fresh venv, run CODE (which prints a line starting with "ok")
# with the libraries hidden. MUST_GRAFT (optional): libraries (file name before the first dot) that must be among
# the grafts. Prints the figures.
sdist_repair_case() {
  local name=$1 module=$2 code=$3 hidden n_grafts n_hidden out tool w lib
  need_cmd unzip
  [ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
  need_oracles
  sdist_wheel "$name"
  repair_both "$WHEEL"
  expect_same_repair
  expect_eq "WHEEL tags (ferry vs auditwheel)" "$(wheel_tags "$AW_WHEEL")" "$(wheel_tags "$FERRY_WHEEL")"
  expect_same_members
  expect_record_matches "$FERRY_WHEEL"
  expect_default_deflate "$FERRY_WHEEL"
  for lib in ${MUST_GRAFT:-}; do  # proves the build linked the shared system library
    grep -q "^$lib-[0-9a-f]\{8\}\." "$T/grafts.ferry" || fail "$lib was not grafted: $(tr '\n' ' ' <"$T/grafts.ferry")"
  done
  hidden=$(hidden_libraries)
  n_grafts=$(grep -c . "$T/grafts.ferry" || true)
  n_hidden=$(printf '%s' "$hidden" | grep -c . || true)
  expect_eq "grafted libraries with a source to hide" "$n_grafts" "$n_hidden"
  echo "$name: $(basename "$FERRY_WHEEL"), $n_grafts grafted: $(tr '\n' ' ' <"$T/grafts.ferry")"

  need_private_mounts
  install_venv "$T/venv-raw" "$WHEEL"
  run_hidden "$T/venv-raw/bin/python" "import $module" || fail "the unrepaired wheel does not import at all"
  if [ "$n_grafts" -gt 0 ]; then
    # shellcheck disable=SC2086
    if run_hidden "$T/venv-raw/bin/python" "import $module" $hidden 2>/dev/null; then
      fail "the unrepaired wheel imports with the libraries hidden: hiding proves nothing"
    fi
  fi
  for tool in ferry auditwheel; do
    [ "$tool" = ferry ] && w=$FERRY_WHEEL || w=$AW_WHEEL
    install_venv "$T/venv-$tool" "$w"
    # shellcheck disable=SC2086
    out=$(run_hidden "$T/venv-$tool/bin/python" "$code" $hidden) || fail "$tool's wheel: the API calls failed: $out"
    case $out in ok*) ;; *) fail "$tool's wheel: expected a line starting with ok, got [$out]" ;; esac
    echo "$name ($tool's repair, $n_hidden system libraries hidden): $out"
  done
  echo "figures: $name cold build ${BUILD_TIME} (cached under $SDIST_DIR/wheels);" \
    "repair: ferry ${FERRY_TIME}, auditwheel ${AW_TIME};" \
    "size: input $(stat -c %s "$WHEEL"), ferry $(stat -c %s "$FERRY_WHEEL"), auditwheel $(stat -c %s "$AW_WHEEL") bytes"
}
