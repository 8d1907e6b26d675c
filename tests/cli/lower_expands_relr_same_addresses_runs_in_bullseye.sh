#!/usr/bin/env bash
# needs: bullseye
# timeout: 120
# DT_RELR (glibc >= 2.36) lowered to debian11 (glibc 2.31): a program and a shared library linked with
# -z pack-relative-relocs fail to load in a Debian 11 root (GLIBC_ABI_DT_RELR not found); lowered, readelf lists
# no RELR table, no DT_RELR tags and no GLIBC_ABI_DT_RELR need, the R_X86_64_RELATIVE entries relocate exactly
# the addresses readelf decodes from the original's RELR table, `check -t debian11` passes, and both run in the
# root (lazy and immediate binding) with the output they have here.
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-relr
L=$FIX/lower
[ -x "$L/relr" ] || skip "no DT_RELR fixtures (needs x86-64, glibc >= 2.34 and a linker with -z pack-relative-relocs)"
readelf -rW "$L/relr" | grep -q "^Relocation section '.relr.dyn'" || skip "this readelf does not list RELR tables"
mkdir -p "$T/orig" "$T/low" "$run_dir/orig" "$run_dir/low"
cp "$L/relr" "$T/orig/relr"
cp "$L/librelr.so" "$T/orig/libdemo.so"  # the name host.c dlopens

# Addresses relocated relative to the load base: readelf's decoding of .relr.dyn plus any RELATIVE entries.
relative_addresses() {
  readelf -rW "$1" | awk '
    /^Relocation section/ { relr = ($3 == "'"'"'.relr.dyn'"'"'") ; next }
    relr && $1 ~ /^[0-9a-f]+$/ && NF == 1 { print $1; next }
    $3 == "R_X86_64_RELATIVE" { print $1 }' | sed 's/^0*//' | sort
}

for f in relr libdemo.so; do
  expect_rc 1 "$FERRY" check --no-hints -t debian11 "$T/orig/$f"
  "$FERRY" lower -t debian11 --dry-run "$T/orig/$f" >"$T/dry.$f"
  grep -q "^  expand	DT_RELR: " "$T/dry.$f" || fail "$f: --dry-run does not list DT_RELR's method: $(cat "$T/dry.$f")"
  "$FERRY" lower -t debian11 "$T/orig/$f" -o "$T/low/$f" >"$T/lower.$f" || fail "$f: $(cat "$T/lower.$f")"
  expect_rc 0 "$FERRY" check --no-hints -t debian11 "$T/low/$f"
  ! readelf -dW "$T/low/$f" | grep -qE '\((RELR|RELRSZ|RELRENT)\)' || fail "$f: DT_RELR tags left"
  ! readelf -rW "$T/low/$f" | grep -q "^Relocation section '.relr.dyn'" || fail "$f: readelf still lists a RELR table"
  ! readelf -VW "$T/low/$f" | grep -q GLIBC_ABI_DT_RELR || fail "$f: GLIBC_ABI_DT_RELR is still required"
  relative_addresses "$T/orig/$f" >"$T/before.$f"
  relative_addresses "$T/low/$f" >"$T/after.$f"
  [ "$(wc -l <"$T/before.$f")" -gt 2 ] || fail "$f: readelf decoded no RELR addresses from the original"
  diff "$T/before.$f" "$T/after.$f" >/dev/null ||
    fail "$f: relocated addresses differ: $(diff "$T/before.$f" "$T/after.$f" | head -5 | tr '\n' ' ')"
done
# host itself is lowered in both runs: in bullseye only the library differs.
"$FERRY" lower -t debian11 "$L/host" -o "$T/low/host" >/dev/null
cp "$T/orig/"* "$T/low/host" "$run_dir/orig/" && cp "$T/low/"* "$run_dir/low/"
cp "$L/host" "$T/orig/host"

for p in relr host; do
  want=$(cd "$T/orig" && "./$p")
  [ -n "$want" ] || fail "$p printed nothing here"
  set +e; chroot "$R" sh -c "cd $inside/orig && ./$p" >"$T/out" 2>&1; rc=$?; set -e
  # host exits 1 printing dlerror() when the library does not load.
  grep -q "GLIBC_ABI_DT_RELR' not found" "$T/out" || fail "$p (not lowered): unexpected result in bullseye (rc $rc): $(cat "$T/out")"
  got=$(chroot "$R" sh -c "cd $inside/low && ./$p") || fail "$p (lowered) failed in bullseye"
  expect_eq "$p lowered, in bullseye" "$want" "$got"
  got=$(chroot "$R" env LD_BIND_NOW=1 sh -c "cd $inside/low && ./$p") || fail "$p (lowered, LD_BIND_NOW) failed in bullseye"
  expect_eq "$p lowered, in bullseye with LD_BIND_NOW=1" "$want" "$got"
  expect_eq "$p lowered, here" "$want" "$(cd "$T/low" && "./$p")"
done
echo ok
