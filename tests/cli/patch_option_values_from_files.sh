#!/usr/bin/env bash
# patchelf's argument files: an option value "@FILE" is FILE's contents, every byte (patchelf does not trim a
# newline either). Shown with --add-rpath, --set-soname and --set-interpreter read back by readelf; a missing
# FILE is an error naming it ("getting info about", as patchelf words it) and leaves the input untouched.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
build_set "$T/b"
printf '%s' "/opt/from/a/file" >"$T/rpath"
printf '%s' "libfromfile.so.3" >"$T/soname"
printf '%s' "/lib/ld-from-file.so" >"$T/interp"
"$FERRY" patchelf --add-rpath @"$T/rpath" "$T/b/prog"
expect_eq "rpath from a file" '$ORIGIN:/opt/from/a/file' "$(dyn "$T/b/prog" RUNPATH)"
"$FERRY" patch --set-soname @"$T/soname" "$T/b/libfoo.so.1" >/dev/null
expect_eq "soname from a file" libfromfile.so.3 "$(dyn "$T/b/libfoo.so.1" SONAME)"
"$FERRY" patchelf --set-interpreter @"$T/interp" --output "$T/prog2" "$T/b/prog"
expect_eq "interpreter from a file" /lib/ld-from-file.so \
  "$(readelf -lW "$T/prog2" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
printf '/opt/with/newline\n' >"$T/nl"
"$FERRY" patchelf --set-rpath @"$T/nl" --output "$T/prog3" "$T/b/prog"
expect_eq "bytes kept as they are" "$(printf '/opt/with/newline\n' | od -c)" \
  "$("$FERRY" patchelf --print-rpath "$T/prog3" | head -c 18 | od -c)"
sum=$(sha256sum <"$T/b/prog")
set +e
err=$("$FERRY" patchelf --set-rpath @"$T/missing" "$T/b/prog" 2>&1)
rc=$?
set -e
expect_eq "missing file exit status" 1 "$rc"
grep -q "getting info about '$T/missing'" <<<"$err" || fail "error does not name the file: $err"
expect_eq "input untouched" "$sum" "$(sha256sum <"$T/b/prog")"
echo ok
