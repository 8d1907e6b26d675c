#!/usr/bin/env bash
# --namespace-pkg and --analyze-existing as delvewheel 1.13.2 does them, on wheels made from the fixture DLLs:
# - a namespace package nsroot (no __init__.py) holding a module and a regular subpackage with the extension:
#   nsroot/__init__.py is not created, nsroot/mod.py and nsroot/sub/__init__.py get the patch (the same files as
#   delvewheel patches), and the patched files still parse;
# - a DLL shipped in the package (libextra.dll, importing libleaf.dll): only with --analyze-existing are its
#   imports rewritten to the vendored, mangled libleaf; both tools give the same members either way.
source "$(dirname "$0")/../common.sh"
need_oracles
d=$FIX/winwheel/x64
[ -d "$d" ] || skip "no MinGW-built Windows wheel fixtures"
(cd "$T" && unzip -q "$d/winpkg-1.0-cp312-cp312-win_amd64.whl" winpkg/_core.pyd)
printf 'X = 1\n' >"$T/mod.py"
printf '"""sub"""\n' >"$T/sub_init.py"
mk="$SRC/fixtures/wheel/make_wheel.py"
mkdir -p "$T/in"
python3 "$mk" "$T/in/nspkg-1.0-cp312-cp312-win_amd64.whl" nspkg 1.0 cp312-cp312-win_amd64 \
  "nsroot/mod.py=$T/mod.py" "nsroot/sub/__init__.py=$T/sub_init.py" "nsroot/sub/_core.pyd=$T/winpkg/_core.pyd"
python3 "$mk" "$T/in/extpkg-1.0-cp312-cp312-win_amd64.whl" extpkg 1.0 cp312-cp312-win_amd64 \
  "extpkg/__init__.py=$T/mod.py" "extpkg/_core.pyd=$T/winpkg/_core.pyd" "extpkg/libextra.dll=$d/deps/libmid.dll"
compare() {  # NAME WHEEL OPTIONS...
  local name=$1 w=$2; shift 2
  rm -rf "$T/dw" "$T/fe" "$T/xd" "$T/xf"
  "$ORACLES/delvewheel" repair -w "$T/dw" --add-path "$d/deps" "$@" "$w" >"$T/dw.log" 2>&1 ||
    fail "$name: delvewheel failed: $(tail -3 "$T/dw.log")"
  "$FERRY" repair -w "$T/fe" --add-path "$d/deps" "$@" "$w" >/dev/null || fail "$name: ferry repair failed"
  mkdir -p "$T/xd" "$T/xf"
  (cd "$T/xd" && unzip -q "$T/dw/$(basename "$w")") && (cd "$T/xf" && unzip -q "$T/fe/$(basename "$w")")
  diff <(cd "$T/xd" && find . -type f | sort) <(cd "$T/xf" && find . -type f | sort) || fail "$name: members differ"
  diff <(cd "$T/xd" && grep -rl add_dll_directory --include='*.py' . | sort) \
       <(cd "$T/xf" && grep -rl add_dll_directory --include='*.py' . | sort) || fail "$name: patched files differ"
  for f in $(cd "$T/xf" && find . -name '*.py'); do python3 -m py_compile "$T/xf/$f" || fail "$name: $f does not parse"; done
  echo "ok: $name"
}
compare "--namespace-pkg nsroot" "$T/in/nspkg-1.0-cp312-cp312-win_amd64.whl" --namespace-pkg nsroot
[ ! -e "$T/xf/nsroot/__init__.py" ] || fail "--namespace-pkg: nsroot/__init__.py was created"
grep -q "os.pardir, os.pardir, 'nspkg.libs'" "$T/xf/nsroot/sub/__init__.py" || fail "nsroot/sub: wrong libs path depth"
need_cmd llvm-readobj
compare "without --analyze-existing" "$T/in/extpkg-1.0-cp312-cp312-win_amd64.whl"
{ llvm-readobj --coff-imports "$T/xf/extpkg/libextra.dll" || true; } | grep -q "Name: libleaf.dll$" ||
  fail "without --analyze-existing: libextra.dll was rewritten"
compare "--analyze-existing" "$T/in/extpkg-1.0-cp312-cp312-win_amd64.whl" --analyze-existing
{ llvm-readobj --coff-imports "$T/xf/extpkg/libextra.dll" || true; } | grep -q "Name: libleaf-[0-9a-f]\{32\}\.dll$" ||
  fail "--analyze-existing: libextra.dll does not import the mangled libleaf"
