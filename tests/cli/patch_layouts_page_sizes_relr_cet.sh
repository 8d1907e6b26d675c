#!/usr/bin/env bash
# Layout variety, one deterministic case each: max-page-size 4K/16K/2M (growth stays within a page plus the new
# string: zero when sections slide into the first segment's padding, else an appended PT_LOAD aligned to the
# target page, not the input's 2 MiB p_align), separate-code off,
# DT_RELR (-z pack-relative-relocs), CET property notes (-fcf-protection: PT_GNU_PROPERTY still covers the note),
# TLS and constructors (in every fixture). Programs and libraries keep running, elflint and strip stay clean.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
relr=""; echo 'int main(){return 0;}' | gcc -x c - -o "$T/probe" -Wl,-z,pack-relative-relocs 2>/dev/null && relr="-Wl,-z,pack-relative-relocs"
cases=("-Wl,-z,max-page-size=0x1000" "-Wl,-z,max-page-size=0x4000" "-Wl,-z,max-page-size=0x200000"
       "-Wl,-z,max-page-size=0x200000 -Wl,-z,noseparate-code" "-Wl,-z,noseparate-code -no-pie"
       "-fcf-protection=full -Wl,-z,relro,-z,now" "${relr:--Wl,-z,relro} -Wl,--hash-style=both")
i=0; news=0; inplace=0
for flags in "${cases[@]}"; do
  i=$((i + 1)); d=$T/c$i
  build_set "$d" $flags
  base=$(run_bound "$d/prog")
  long="\$ORIGIN:/opt/layout/$i/$(printf 'p%.0s' {1..100})"
  for f in prog libfoo.so.1; do
    cp "$d/$f" "$d/$f.orig"
    "$FERRY" patch --set-rpath "$long" "$d/$f" >/dev/null
    expect_eq "[$flags] $f output" "$base" "$(run_bound "$d/prog")"
    check_clean "$d/$f.orig" "$d/$f"
    grow=$(( $(stat -c %s "$d/$f") - $(stat -c %s "$d/$f.orig") ))
    [ "$grow" -le $((4096 + ${#long} + 1)) ] || fail "[$flags] $f grew by $grow bytes (more than a page plus the string)"
    loads_before=$(readelf -lW "$d/$f.orig" | grep -c '^ *LOAD'); loads_after=$(readelf -lW "$d/$f" | grep -c '^ *LOAD')
    if [ "$loads_after" -gt "$loads_before" ]; then
      readelf -lW "$d/$f" | awk '$1 == "LOAD" {print $NF}' | tail -1 | grep -qx 0x1000 || fail "[$flags] $f: new PT_LOAD not page-aligned"
      news=$((news + 1))
    else
      [ "$grow" = 0 ] || fail "[$flags] $f grew by $grow bytes without a new PT_LOAD"
      inplace=$((inplace + 1))
    fi
    if readelf -lW "$d/$f.orig" | has GNU_PROPERTY; then
      prop=$(readelf -lW "$d/$f" | awk '$1 == "GNU_PROPERTY" {print $2}')
      note=$(readelf -SW "$d/$f" | awk '/.note.gnu.property/ {for (k = 1; k <= NF; k++) if ($k == "NOTE") print "0x"$(k+2)}')
      [ "$((prop))" = "$((note))" ] || fail "[$flags] $f: PT_GNU_PROPERTY $prop does not point at .note.gnu.property $note"
    fi
  done
  [ -n "$relr" ] && [[ $flags == *pack-relative* ]] && { readelf -dW "$d/libfoo.so.1" | has RELR || fail "DT_RELR lost"; }
  echo "ok: $flags"
done
# GNU ld's default -z separate-code layout leaves padding after the first segment: edits slide into it and the
# file does not grow; without separate-code there is none and a new page-aligned PT_LOAD is appended. Both ran.
[ "$inplace" -gt 0 ] && [ "$news" -gt 0 ] || fail "expected both in-place and new-segment layouts (in place: $inplace, new: $news)"
echo "in place: $inplace, new segment: $news"
echo ok
