#!/usr/bin/env bash
# --set-interpreter: a shorter path is written in place, a longer one moves PT_INTERP into a new segment; both
# read back exactly (ferry and readelf), the program runs through the new interpreter, PT_INTERP stays before
# every PT_LOAD and inside one; a library (no PT_INTERP) is refused with a clear error and left untouched.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
base=$(run_bound "$T/b/prog")
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
ln -s "$ldso" "$T/ld.so"
long="$T/$(printf 'd%.0s' {1..120})/ld-linux-x86-64.so.2"; mkdir -p "$(dirname "$long")"; ln -s "$ldso" "$long"
for interp in "$T/ld.so" "$long"; do
  cp "$T/b/prog" "$T/b/p"
  "$FERRY" patch --set-interpreter "$interp" "$T/b/p" >/dev/null
  expect_eq "print-interpreter" "$interp" "$("$FERRY" patch --print-interpreter "$T/b/p")"
  expect_eq "readelf interpreter" "$interp" "$(readelf -lW "$T/b/p" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
  expect_eq "output" "$base" "$(run_bound "$T/b/p")"
  first=$(readelf -lW "$T/b/p" | awk '/^  [A-Z]/{print $1}' | grep -n -m1 -E 'INTERP|LOAD' | cut -d: -f2)
  expect_eq "PT_INTERP precedes the PT_LOADs" "INTERP" "$first"
  check_clean "$T/b/prog" "$T/b/p"
done
# Growth for the long path stays within a page plus the string.
grow=$(( $(stat -c %s "$T/b/p") - $(stat -c %s "$T/b/prog") ))
[ "$grow" -le $((4096 + ${#long} + 1)) ] || fail "growth $grow bytes for a ${#long}-byte interpreter"
cp "$T/b/libfoo.so.1" "$T/lib.so"; sum=$(sha256sum < "$T/lib.so")
expect_rc 2 "$FERRY" patch --set-interpreter /lib/ld.so "$T/lib.so"
err=$("$FERRY" patch --set-interpreter /lib/ld.so "$T/lib.so" 2>&1 || true)
grep -q "lib.so: --set-interpreter: the file has no PT_INTERP" <<<"$err" || fail "unclear error for a library"
expect_eq "library untouched" "$sum" "$(sha256sum < "$T/lib.so")"
echo ok
