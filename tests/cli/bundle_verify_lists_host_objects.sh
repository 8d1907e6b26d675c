#!/usr/bin/env bash
# `ferry bundle --verify` runs each program with LD_DEBUG and lists objects loaded from outside the bundle:
# a sealed bundle passes (exit 0); a program that dlopen()s a host library by absolute path is reported
# (exit 1, the path named); --allow-host NAME lets that library come from the host, through the bundle's search
# path, and --verify reports it as allowed.
source "$(dirname "$0")/../common.sh"
probe=$FIX/bundle/probe
zlib=$(ls /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | sed -n 1p || true)
[ -n "$zlib" ] || skip "no host libz.so.1"
"$FERRY" bundle "$probe" -o "$T/b" >/dev/null

out=$("$FERRY" bundle --verify "$T/b" --verify-arg dep)
echo "$out"
grep -q '^sealed: nothing was loaded from the host$' <<<"$out" || fail "sealed bundle not reported sealed"

set +e
out=$("$FERRY" bundle --verify "$T/b" --verify-arg dlopen --verify-arg "$zlib")
rc=$?
set -e
echo "$out"
expect_eq "exit code of a leaking run" 1 "$rc"
grep -q "outside: $(readlink -f "$zlib")" <<<"$out" || fail "host object not listed"

json=$("$FERRY" bundle --verify "$T/b" --verify-arg dep --json)
echo "$json" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["schema"]=="ferry.bundle-verify/1" and j["sealed"] and j["runs"][0]["outside"]==[], j'

# --allow-host: libz is not bundled; its host directory is searched after the bundle's.
"$FERRY" bundle "$probe" --allow-host libz.so.1 -o "$T/h" >/dev/null
out=$("$T/h/bin/probe" dlopen libz.so.1)
grep -q '^dlopen=ok libz.so.1' <<<"$out" || fail "--allow-host library did not load: $out"
out=$("$FERRY" bundle --verify "$T/h" --verify-arg dlopen --verify-arg libz.so.1)
echo "$out"
grep -q "allowed host: $(readlink -f "$zlib")" <<<"$out" || fail "allowed host library not reported"
# Archives and installers are verified too (extracted, or run, into a temporary directory).
for ext in tar.zst sh; do
  "$FERRY" bundle "$probe" -o "$T/v.$ext" >/dev/null
  out=$("$FERRY" bundle --verify "$T/v.$ext" --verify-arg dep)
  grep -q '^probe: exit 0, .* 0 from outside the bundle$' <<<"$out" || fail "verify of .$ext: $out"
done
echo PASS
