#!/usr/bin/env bash
# An empty search path and a 4 KiB one are both written and read back exactly; the program keeps running.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
build_set "$T/b"
cp "$T/b/prog" "$T/orig"
"$FERRY" patch --set-rpath "" "$T/b/prog" >/dev/null
expect_eq "empty" "" "$("$FERRY" patch --print-rpath "$T/b/prog")"
readelf -dW "$T/b/prog" | has 'RUNPATH.*\[\]' || fail "no empty DT_RUNPATH"
big="$T/b"; while [ ${#big} -lt 4096 ]; do big="$big:/opt/filler/$RANDOM"; done
"$FERRY" patch --set-rpath "$big" "$T/b/prog" >/dev/null
expect_eq "4 KiB" "$big" "$("$FERRY" patch --print-rpath "$T/b/prog")"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
check_clean "$T/orig" "$T/b/prog"
echo ok
