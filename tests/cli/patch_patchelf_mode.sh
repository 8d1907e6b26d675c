#!/usr/bin/env bash
# ferry stands in for patchelf in scripts: through a symlink named patchelf and as `ferry patchelf`, with
# patchelf's option spellings, its --print-* output, --output, --debug ignored, exit status 1 on errors, and a
# --version line that auditwheel's parser accepts (patchelf >= 0.14). Outputs match real patchelf's reads.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
ln -s "$FERRY" "$T/patchelf"
expect_eq "version" "patchelf 0.18.0" "$("$T/patchelf" --version)"
python3 - "$T/patchelf" <<'P' || fail "auditwheel's version check rejects it"
import re, subprocess, sys
out = subprocess.check_output([sys.argv[1], "--version"]).decode()
m = re.match(r"patchelf\s+(\d+(.\d+)?)", out)
assert m and tuple(int(x) for x in m.group(1).split(".")) >= (0, 14), out
P
expect_eq "subcommand version" "patchelf 0.18.0" "$("$FERRY" patchelf --version)"
expect_eq "print-needed" "libfoo.so.1
libc.so.6" "$("$T/patchelf" --print-needed "$T/b/prog")"
expect_eq "print-rpath" '$ORIGIN' "$("$T/patchelf" --print-rpath "$T/b/prog")"
expect_eq "print-soname" "libfoo.so.1" "$("$T/patchelf" --print-soname "$T/b/libfoo.so.1")"
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
expect_eq "print-interpreter" "$ldso" "$("$T/patchelf" --print-interpreter "$T/b/prog")"
"$T/patchelf" --debug --set-rpath '$ORIGIN/lib:/opt/x' --output "$T/b/out" "$T/b/prog"
expect_eq "--output leaves the input" '$ORIGIN' "$("$T/patchelf" --print-rpath "$T/b/prog")"
expect_eq "--output written" '$ORIGIN/lib:/opt/x' "$("$T/patchelf" --print-rpath "$T/b/out")"
[ -x "$T/b/out" ] || fail "--output is not executable"
"$FERRY" patchelf --set-soname libfoo.so.9 --replace-needed libc.so.6 libc.so.6 "$T/b/libfoo.so.1" "$T/b/libbar.so.1"
expect_eq "several files" "libfoo.so.9 libfoo.so.9" "$(dyn "$T/b/libfoo.so.1" SONAME) $(dyn "$T/b/libbar.so.1" SONAME)"
expect_rc 1 "$T/patchelf" --no-such-option "$T/b/prog"
expect_rc 1 "$T/patchelf" --set-rpath /x "$T/does-not-exist"
if command -v patchelf >/dev/null; then  # agreement with the real tool's reading of our output
  expect_eq "patchelf reads our rpath" '$ORIGIN/lib:/opt/x' "$(patchelf --print-rpath "$T/b/out")"
  expect_eq "patchelf reads our soname" "libfoo.so.9" "$(patchelf --print-soname "$T/b/libfoo.so.1")"
fi
echo ok
