#!/usr/bin/env bash
# defer_lief_init.sh LIBLIEF.a OUT.o CXX AR NM OBJCOPY: writes to OUT.o the member of LIEF's static archive that
# holds the PE ordinal tables (the utils.cpp.o defining LIEF::PE::get_imphash), its .init_array renamed to the
# section ferry_deferred_init. Linked ahead of -lLIEF, it stands for that member, and its constructors (19
# std::map built from 5,000 entries: 5 million instructions, 1 MB of heap, as much again to free them at exit)
# run when ferry first calls LIEF (lib/support/deferred_init.hpp), not at every start of the static ferry.
# When the member is not found as expected (another LIEF, a tool that cannot read the target's objects), OUT.o
# is an empty object and the archive's member links as it is: slower to start, nothing else changes.
set -euo pipefail
archive=$1 out=$2 cxx=$3 ar=$4 nm=$5 objcopy=$6
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

deferred() {
  cd "$tmp"
  local n i sections
  n=$("$ar" t "$archive" | grep -cx utils.cpp.o) || return 1
  for i in $(seq 1 "$n"); do
    "$ar" xN "$i" "$archive" utils.cpp.o || return 1
    if "$nm" --defined-only utils.cpp.o | grep ' T _ZN4LIEF2PE11get_imphash' >/dev/null; then
      # One plain .init_array and its relocations (no priorities, no .ctors): anything else is not the object
      # this was written for.
      sections=$(readelf -SW utils.cpp.o) || return 1
      [ "$(grep -cE '\.(init_array|ctors|preinit_array)' <<< "$sections")" = 2 ] || return 1
      grep ' \.init_array ' <<< "$sections" >/dev/null || return 1
      "$objcopy" --rename-section .init_array=ferry_deferred_init utils.cpp.o "$out"
      return
    fi
    rm -f utils.cpp.o
  done
  return 1
}

if ! (deferred); then
  echo "defer_lief_init.sh: LIEF's PE utils object not found as expected in $archive; its constructors stay at start-up" >&2
  "$cxx" -c -x c++ /dev/null -o "$out"
fi
