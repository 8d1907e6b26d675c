#!/usr/bin/env bash
# `ferry repair --add-path DIR` on the fixture wheels (win_amd64 and win32 by MinGW, win_arm64 by clang: a .pyd importing a DLL chain
# found through --add-path, python312.dll through a dlltool import library, a delay-loaded DLL) vendors the same
# DLLs under the same mangled names as delvewheel 1.13.2 on the same wheel; the repaired import tables, read by
# llvm-readobj --coff-imports and by pefile, name the mangled DLLs (regular and delay-load), and pefile agrees
# with ferry's recomputed CheckSum. python312.dll, KERNEL32.dll and msvcrt.dll are left alone.
source "$(dirname "$0")/../common.sh"
need_cmd llvm-readobj
need_oracles
checked=0
for dir in x64 x86 arm64; do
  d=$FIX/winwheel/$dir
  [ -d "$d" ] || continue
  w=$(cd "$d" && ls winpkg-*.whl)
  "$ORACLES/delvewheel" repair -w "$T/dw-$dir" --add-path "$d/deps" "$d/$w" >"$T/dw.log" 2>&1 || fail "delvewheel: $(cat "$T/dw.log")"
  "$FERRY" repair -w "$T/fe-$dir" --add-path "$d/deps" "$d/$w" >"$T/fe.log" || fail "ferry repair failed"
  # Same files (delvewheel also writes directory entries), hence the same vendored set and mangled names.
  diff <(unzip -Z1 "$T/dw-$dir/$w" | grep -v '/$' | sort) <(unzip -Z1 "$T/fe-$dir/$w" | sort) ||
    fail "$dir: ferry's members differ from delvewheel's"
  { unzip -Z1 "$T/fe-$dir/$w" | grep -c '^winpkg.libs/lib[a-z]*-[0-9a-f]\{32\}\.dll$' || true; } | grep -qx 3 ||
    fail "$dir: expected libmid, libleaf, libdelay under mangled names"
  mkdir -p "$T/x-$dir" && (cd "$T/x-$dir" && unzip -q "$T/fe-$dir/$w")
  mid=$(cd "$T/x-$dir/winpkg.libs" && ls libmid-*.dll) leaf=$(cd "$T/x-$dir/winpkg.libs" && ls libleaf-*.dll)
  delay=$(cd "$T/x-$dir/winpkg.libs" && ls libdelay-*.dll)
  llvm-readobj --coff-imports "$T/x-$dir/winpkg/_core.pyd" >"$T/ro.txt"
  grep -q "^Import {" "$T/ro.txt" && { grep -A1 '^Import {' "$T/ro.txt" || true; } | grep -q "Name: $mid" || fail "$dir: _core.pyd does not import $mid"
  kind=DelayImport prefix=delay:
  [ "$dir" = arm64 ] && kind=Import prefix=   # the arm64 fixture imports libdelay.dll normally (build.sh)
  { grep -A1 "^$kind {" "$T/ro.txt" || true; } | grep -q "Name: $delay" || fail "$dir: _core.pyd does not $kind $delay"
  grep -q "Name: python312.dll" "$T/ro.txt" || fail "$dir: python312.dll import lost"
  { llvm-readobj --coff-imports "$T/x-$dir/winpkg.libs/$mid" || true; } | grep -q "Name: $leaf" || fail "$dir: $mid does not import $leaf"
  "$ORACLES/python" - "$T/x-$dir" "$mid" "$leaf" "$prefix$delay" <<'PY' || fail "$dir: pefile disagrees"
import os, sys, pefile
root, mid, leaf, delay = sys.argv[1:]
def imports(p):
    pe = pefile.PE(p)
    out = [e.dll.decode() for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    out += ["delay:" + e.dll.decode() for e in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]
    if pe.OPTIONAL_HEADER.CheckSum and pe.OPTIONAL_HEADER.CheckSum != pe.generate_checksum():
        sys.exit(f"{p}: CheckSum {pe.OPTIONAL_HEADER.CheckSum:#x} != pefile's {pe.generate_checksum():#x}")
    return out
core = imports(os.path.join(root, "winpkg/_core.pyd"))
assert mid in core and "python312.dll" in core and delay in core, core
assert leaf in imports(os.path.join(root, "winpkg.libs", mid))
PY
  # The runtime patch went into the package's __init__.py after the docstring and __future__ import.
  python3 - "$T/x-$dir/winpkg/__init__.py" <<'PY' || fail "$dir: __init__.py patch misplaced"
import ast, sys
src = open(sys.argv[1]).read()
tree = ast.parse(src)
assert ast.get_docstring(tree) == "winpkg: a fixture package.", "docstring lost"
assert isinstance(tree.body[1], ast.ImportFrom) and tree.body[1].module == "__future__"
assert "os.add_dll_directory(libs)" in src and "'winpkg.libs'" in src
PY
  grep -q '^Version: ferry ' "$T/x-$dir/winpkg-1.0.dist-info/DELVEWHEEL" || fail "$dir: no DELVEWHEEL record"
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || skip "no MinGW-built Windows wheel fixtures (gcc-mingw-w64 / lld missing)"
echo "ok: $checked architectures match delvewheel"
