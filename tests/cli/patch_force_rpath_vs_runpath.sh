#!/usr/bin/env bash
# --set-rpath writes DT_RUNPATH (converting a DT_RPATH, like patchelf); with --force-rpath it writes DT_RPATH
# (converting a DT_RUNPATH). Exactly one of the two remains, and the loader honours it (DT_RPATH applies to
# the library's dependencies too, found through the program's path).
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b" -Wl,--disable-new-dtags
expect_eq "input has DT_RPATH" '$ORIGIN' "$(dyn "$T/b/prog" RPATH)"
"$FERRY" patch --set-rpath '$ORIGIN/../b' "$T/b/prog" >/dev/null
expect_eq "converted to RUNPATH" '$ORIGIN/../b' "$(dyn "$T/b/prog" RUNPATH)"
expect_eq "no RPATH left" "" "$(dyn "$T/b/prog" RPATH)"
"$FERRY" patch --force-rpath --set-rpath '$ORIGIN' "$T/b/prog" >/dev/null
expect_eq "forced RPATH" '$ORIGIN' "$(dyn "$T/b/prog" RPATH)"
expect_eq "no RUNPATH left" "" "$(dyn "$T/b/prog" RUNPATH)"
expect_eq "runs" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
"$FERRY" patch --remove-rpath "$T/b/prog" >/dev/null
expect_eq "removed" "" "$(dyn "$T/b/prog" RPATH)$(dyn "$T/b/prog" RUNPATH)"
out=$(run_bound "$T/b/prog" || true)
grep -q "cannot open shared object" <<<"$out" || fail "the program still finds libfoo without a path"
echo ok
