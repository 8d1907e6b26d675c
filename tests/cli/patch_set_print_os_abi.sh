#!/usr/bin/env bash
# --set-os-abi writes e_ident[EI_OSABI] for every name patchelf knows (and its aliases, any case);
# --print-os-abi prints patchelf's name, readelf -h reads the same byte, patchelf 0.19.3 prints the same name;
# an unknown name is refused with the file untouched; setting the old ABI back leaves a program that runs.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
need_cmd readelf
build_set "$T/b"
optional_patchelf
cp "$T/b/prog" "$T/orig"
old=$("$FERRY" patchelf --print-os-abi "$T/b/prog")
[ -n "$old" ] || fail "--print-os-abi printed nothing"
declare -A byte=([System V]=0 [HP-UX]=1 [NetBSD]=2 [Linux]=3 [GNU Hurd]=4 [Solaris]=6 [AIX]=7 [IRIX]=8
                 [FreeBSD]=9 [Tru64]=10 [OpenBSD]=12 [OpenVMS]=13)
for abi in "System V" "HP-UX" "NetBSD" "Linux" "GNU Hurd" "Solaris" "AIX" "IRIX" "FreeBSD" "Tru64" "OpenBSD" "OpenVMS"; do
  "$FERRY" patchelf --set-os-abi "$abi" "$T/b/prog"
  expect_eq "print $abi" "$abi" "$("$FERRY" patchelf --print-os-abi "$T/b/prog")"
  expect_eq "EI_OSABI byte for $abi" "${byte[$abi]}" "$(od -An -tu1 -j7 -N1 "$T/b/prog" | tr -d ' ')"
  [ -z "$PE" ] || expect_eq "patchelf prints $abi" "$abi" "$("$PE" --print-os-abi "$T/b/prog")"
done
readelf -hW "$T/b/prog" | has "OS/ABI: *VMS - OpenVMS" || fail "readelf does not read OpenVMS"
"$FERRY" patchelf --set-os-abi FreeBSD "$T/b/prog"
readelf -hW "$T/b/prog" | has "OS/ABI: *UNIX - FreeBSD" || fail "readelf does not read FreeBSD"
for alias in sysv "gnu" "hurd" "  FreeBSD " "system-v"; do
  "$FERRY" patch --set-os-abi "$alias" "$T/b/prog" >/dev/null || fail "alias $alias refused"
done
expect_eq "last alias" "System V" "$("$FERRY" patch --print-os-abi "$T/b/prog")"
sum=$(sha256sum <"$T/b/prog")
expect_rc 1 "$FERRY" patchelf --set-os-abi "Plan 9" "$T/b/prog"
expect_eq "unknown name leaves the file" "$sum" "$(sha256sum <"$T/b/prog")"
"$FERRY" patchelf --set-os-abi "$old" "$T/b/prog"
cmp -s "$T/orig" "$T/b/prog" || fail "setting the old ABI back does not give the original bytes"
out=$(run_bound "$T/b/prog") || fail "the program does not run: $out"
echo ok
