#!/usr/bin/env bash
# needs: bullseye
# timeout: 60
# A CPython extension module built here (stable ABI; threads and stat64 need glibc 2.34/2.33) fails to import
# in bullseye's own python3 (glibc 2.31); lowered to debian11 it imports there and returns what it returns
# here, and still imports here.
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-lower-py
chroot "$R" python3 -c pass 2>/dev/null || skip "the bullseye root has no python3 (made before tests/roots/bullseye.sh included it)"
X=$FIX/lower/ferrydemo.abi3.so
[ -f "$X" ] || skip "the extension module fixture was not built (no Python headers)"
mkdir -p "$run_dir/orig" "$run_dir/low" "$T/low"
cp "$X" "$run_dir/orig/"
"$FERRY" lower -t debian11 "$X" -o "$T/low/ferrydemo.abi3.so" >/dev/null
cp "$T/low/ferrydemo.abi3.so" "$run_dir/low/"
import='import sys; sys.path.insert(0, sys.argv[1]); import ferrydemo; print(ferrydemo.probe())'
want=$(python3 -c "$import" "$(dirname "$X")")
expect_eq "the original here" "extension: stat=0 dir=1 thread=1" "$want"
set +e; chroot "$R" python3 -c "$import" "$inside/orig" >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" != 0 ] || fail "the unlowered module imported in bullseye"
grep -q "GLIBC_2.3[2-9]' not found" "$T/err" || fail "unexpected import failure: $(cat "$T/err")"
expect_eq "lowered, in bullseye" "$want" "$(chroot "$R" python3 -c "$import" "$inside/low")"
expect_eq "lowered, in bullseye with LD_BIND_NOW=1" "$want" "$(chroot "$R" env LD_BIND_NOW=1 python3 -c "$import" "$inside/low")"
expect_eq "lowered, here" "$want" "$(python3 -c "$import" "$T/low")"
echo ok
