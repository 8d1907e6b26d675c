#!/usr/bin/env bash
# `ferry inspect --json` on the PE fixtures (MinGW x86_64 and i386, generated delay-load images) and on MSVC-built
# launchers from the pyenv trees when present reports machine, EXE/DLL, PE32/PE32+, subsystem, OS versions,
# imported and delay-loaded DLLs with function counts, and exports as llvm-readobj decodes them.
source "$(dirname "$0")/../common.sh"
L=/usr/lib/llvm-14/bin
[ -x $L/llvm-readobj ] || skip "llvm-readobj 14 is not installed"
files=("$FIX"/pe/delay64.exe "$FIX"/pe/delay32.exe)
for f in "$FIX"/pe/x64/*.exe "$FIX"/pe/x64/*.dll "$FIX"/pe/x86/*.exe "$FIX"/pe/x86/*.dll "$FIX"/pe/msvc/*.exe; do
  [ -f "$f" ] && files+=("$f")
done
if [ -d /root/.pyenv ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find /root/.pyenv -name '*.exe' -type f 2>/dev/null | sort | head -8)
fi
[ "${#files[@]}" -ge 5 ] || fail "PE fixtures missing: ${files[*]}"
for f in "${files[@]}"; do
  "$FERRY" inspect --json "$f" >"$T/out.json"
  $L/llvm-readobj --file-headers --coff-imports --coff-exports "$f" >"$T/readobj.txt"
  python3 - "$T/out.json" "$T/readobj.txt" <<'PY' || fail "$f: ferry differs from llvm-readobj"
import json, re, sys
p = json.load(open(sys.argv[1]))["files"][0]
text = open(sys.argv[2]).read()
def field(name):
    return re.search(r"^\s*" + name + r": (.*)$", text, re.M).group(1)
def hexnum(s):
    m = re.search(r"\(0x([0-9A-Fa-f]+)\)", s)
    return int(m.group(1), 16) if m else int(s, 0)
# Import blocks at top level and DelayImport blocks with their Symbol lines.
imports, delay, cur = [], [], None
for line in text.splitlines():
    s = line.strip()
    if line.startswith("Import {"):
        cur = {"dll": None, "n": 0}; imports.append(cur)
    elif line.startswith("DelayImport {"):
        cur = {"dll": None, "n": 0}; delay.append(cur)
    elif line.startswith("Export {") or line.startswith("}") and not line.startswith("  "):
        pass
    if cur is not None and s.startswith("Name: ") and cur["dll"] is None:
        cur["dll"] = s[6:]
    if cur is not None and s.startswith("Symbol: "):
        cur["n"] += 1
exports = re.findall(r"^Export \{\n(?:\s+.*\n)*?\s+Name: (.*)$", text, re.M)
errors = []
def check(what, ours, theirs):
    if ours != theirs:
        errors.append(f"{what}: ferry {ours!r}, llvm-readobj {theirs!r}")
check("coff_machine", p["coff_machine"], hexnum(field("Machine")))
check("pe_type", p["pe_type"], "PE32+" if field("Magic") == "0x20B" else "PE32")
chars = hexnum(re.search(r"Characteristics \[ \((0x[0-9A-Fa-f]+)\)", text).group(0).split("[ ")[1])
check("type", p["type"], "dll" if chars & 0x2000 else "exe")
check("subsystem code", {"windows_gui": 2, "windows_cui": 3}.get(p["subsystem"]), hexnum(field("Subsystem")))
check("os_version", p["os_version"], field("MajorOperatingSystemVersion") + "." + field("MinorOperatingSystemVersion"))
check("subsystem_version", p["subsystem_version"], field("MajorSubsystemVersion") + "." + field("MinorSubsystemVersion"))
check("imports", [(d["dll"], d["function_count"]) for d in p["imports"]], [(d["dll"], d["n"]) for d in imports])
check("delay_imports", [(d["dll"], d["function_count"]) for d in p["delay_imports"]], [(d["dll"], d["n"]) for d in delay])
check("exports", sorted(p["exports"]), sorted(exports))
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY
done
# The generated images are the only ones with delay-loaded DLLs; make sure they were compared.
"$FERRY" inspect --json "$FIX/pe/delay64.exe" | python3 -c '
import json, sys
p = json.load(sys.stdin)["files"][0]
assert [d["dll"] for d in p["delay_imports"]] == ["USER32.dll", "SHELL32.dll"], p["delay_imports"]
assert p["delay_imports"][1]["functions"] == ["#680", "ShellExecuteA"], p["delay_imports"][1]'
echo "compared ${#files[@]} PE files"
