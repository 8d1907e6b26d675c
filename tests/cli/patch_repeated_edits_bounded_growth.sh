#!/usr/bin/env bash
# 200 successive edits (alternating SONAME and RUNPATH values, growing names) add at most one PT_LOAD in total
# and grow the file by at most a page plus the strings written; the library still loads afterwards.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc
build_set "$T/b"
f=$T/b/libfoo.so.1; cp "$f" "$T/orig"
loads_before=$(readelf -lW "$f" | grep -c ' LOAD ')
strings=0
for i in $(seq 1 200); do
  if [ $((i % 2)) = 0 ]; then s="libfoo.so.$i"; "$FERRY" patch --set-soname "$s" "$f" >/dev/null
  else s="/opt/repeat/$i"; "$FERRY" patch --set-rpath "$s" "$f" >/dev/null; fi
  strings=$((strings + ${#s} + 1))
done
loads_after=$(readelf -lW "$f" | grep -c ' LOAD ')
[ $((loads_after - loads_before)) -le 1 ] || fail "PT_LOADs went from $loads_before to $loads_after"
grow=$(( $(stat -c %s "$f") - $(stat -c %s "$T/orig") ))
echo "growth after 200 edits: $grow bytes (strings: $strings)"
[ "$grow" -le $((4096 + strings)) ] || fail "grew by $grow bytes"
expect_eq "soname" "libfoo.so.200" "$(dyn "$f" SONAME)"
expect_eq "runpath" "/opt/repeat/199" "$(dyn "$f" RUNPATH)"
expect_eq "loads" "ctor=1 tls=4 foo=42 name=foo" "$(run_bound "$T/b/prog")"
echo ok
