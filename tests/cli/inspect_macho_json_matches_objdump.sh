#!/usr/bin/env bash
# `ferry inspect --json` on every Mach-O fixture (thin and universal) reports, per slice, the dependencies with
# kind and versions (llvm-objdump --dylibs-used), the install name (--dylib-id), every LC_RPATH (--rpaths) and
# the minimum OS / SDK (llvm-readobj --macho-version-min).
source "$(dirname "$0")/../common.sh"
L=/usr/lib/llvm-14/bin
[ -x $L/llvm-objdump ] || skip "llvm-objdump 14 is not installed"
[ -f "$FIX/macho/main" ] || skip "Mach-O fixtures were not built (no ld64.lld)"
n=0
for f in main main_min main_arm64 main_kinds libfoo.dylib libbaz.dylib fat libfoo_fat.dylib; do
  path=$FIX/macho/$f
  "$FERRY" inspect --json "$path" >"$T/out.json"
  for arch in $(python3 -c 'import json,sys; print(" ".join(s["arch"] for s in json.load(open(sys.argv[1]))["files"][0]["slices"]))' "$T/out.json"); do
    # ferry's view of the slice, in the oracles' words.
    python3 - "$T/out.json" "$arch" >"$T/ferry.txt" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
assert f["format"] == "macho", f
s = [s for s in f["slices"] if s["arch"] == sys.argv[2]][0]
suffix = {"load": "", "weak": ", weak", "reexport": ", reexport", "upward": ", upward", "lazy": ", lazy"}
for d in s["dependencies"]:
    print(f'dep {d["name"]} (compatibility version {d["compatibility_version"]}, current version {d["current_version"]}{suffix[d["kind"]]})')
if s["install_name"]:
    print("id", s["install_name"]["name"])
for r in s["rpaths"]:
    print("rpath", r)
for m in s["min_os"]:
    print("min", m["command"], m["minos"], m["sdk"] or "n/a")
PY
    # The oracles' view of the same slice.
    {
      $L/llvm-objdump --macho --arch="$arch" --dylibs-used "$path" | sed -n 's/^\t\(.*\)$/dep \1/p'
      $L/llvm-objdump --macho --arch="$arch" --dylib-id "$path" | sed -n '2,$s/^\(.\+\)$/id \1/p'
      $L/llvm-objdump --macho --arch="$arch" --rpaths "$path" | sed -n '2,$s/^\(.\+\)$/rpath \1/p'
      # llvm-readobj prints every slice, naming arm64 "aarch64".
      $L/llvm-readobj --macho-version-min "$path" | awk -v want="$arch" '
        /^Arch:/ {a=$2; if (a=="aarch64") a="arm64"} /Cmd:/ {cmd=$2} /Version:/ {v=$2}
        /SDK:/ && a==want {print "min", cmd, v, $2}'
    } >"$T/oracle.txt"
    # llvm-objdump lists a dylib's own LC_ID_DYLIB among --dylibs-used; ferry keeps it out of dependencies.
    if grep -q '^id ' "$T/oracle.txt"; then
      id=$(sed -n 's/^id //p' "$T/oracle.txt")
      awk -v id="$id" 'BEGIN{done=0} /^dep / && !done && index($0, "dep " id " (")==1 {done=1; next} {print}' \
        "$T/oracle.txt" >"$T/oracle2.txt" && mv "$T/oracle2.txt" "$T/oracle.txt"
    fi
    sort "$T/ferry.txt" >"$T/a"; sort "$T/oracle.txt" >"$T/b"
    diff -u "$T/b" "$T/a" || fail "$f ($arch): ferry differs from llvm-objdump/llvm-readobj (- oracle, + ferry)"
    grep -q '^dep ' "$T/a" || fail "$f ($arch): no dependencies compared"
    n=$((n + 1))
  done
done
[ "$n" -ge 10 ] || fail "only $n slices compared"
echo "compared $n slices"
