#!/usr/bin/env bash
# A full disk (what failed stop 26's CI) is an error like any other: patch, repair (its wheel directory, and its
# scratch in TMPDIR) and bundle, each writing to a tmpfs too small for its output, exit 2 with one stderr line
# saying "No space left on device", leave the input byte-identical and leave nothing behind on the full file
# system (no temporary file, no partial output). The tmpfs mounts live in a private mount namespace.
# Oracles: sha256sum of the input, ls of each file system, the exit codes and stderr lines.
source "$(dirname "$0")/../common.sh"
need_cmd unshare
lib=$FIX/wheel/lib/libfb.so.1
whl=$FIX/wheel/simple-1.0-cp311-cp311-linux_x86_64.whl
[ -f "$lib" ] && [ -f "$whl" ] || skip "wheel fixtures were not built"
mkdir -p "$T/out/wheels"
cat >"$T/inner.sh" <<'INNER'
set -u
cd "$T"
mkdir -p p w s b
for m in "p 256k" "w 8k" "s 16k" "b 64k"; do
  set -- $m
  mount -t tmpfs -o size=$2 tmpfs "$1" || exit 125
done
fill() { local avail; avail=$(df -B1 --output=avail "$1" | tail -n1); head -c $((avail - $2)) /dev/zero >"$1/filler"; }
# patch: the library's file system has 8 KB left, and a copy of the 15 KB library (with a longer RPATH) is made
# beside it before it replaces the original.
cp "$lib" p/lib.so
fill p 8192
sha256sum <p/lib.so >out/patch.before
"$FERRY" patch --add-rpath "$(printf '/opt/full-disk%.0s' $(seq 100))" p/lib.so 2>out/patch.err
echo $? >out/patch.rc
sha256sum <p/lib.so >out/patch.after
ls -A p >out/patch.ls
# repair: the wheel directory has one page left; the repaired wheel needs two.
fill w 4096
LD_LIBRARY_PATH=$FIX/wheel/lib "$FERRY" repair "$whl" -w w >/dev/null 2>out/repair.err
echo $? >out/repair.rc
ls -A w >out/repair.ls
# repair: TMPDIR, where the wheel is unpacked and the library grafted, on a 16 KB file system.
LD_LIBRARY_PATH=$FIX/wheel/lib TMPDIR=$T/s "$FERRY" repair "$whl" -w out/wheels >/dev/null 2>out/scratch.err
echo $? >out/scratch.rc
ls -A s >out/scratch.ls
# bundle: a directory bundle of ls (its libraries and the launcher) into 64 KB.
"$FERRY" bundle /bin/ls -o b/ls >/dev/null 2>out/bundle.err
echo $? >out/bundle.rc
ls -A b >out/bundle.ls
INNER
rc=0
T=$T FERRY=$FERRY FIX=$FIX lib=$lib whl=$whl unshare --mount --propagation private bash "$T/inner.sh" || rc=$?
[ "$rc" != 125 ] || skip "cannot mount a tmpfs in a private mount namespace here"
[ "$rc" = 0 ] || fail "the inner script exited $rc"
for what in patch repair scratch bundle; do
  expect_eq "$what: exit code" 2 "$(cat "$T/out/$what.rc")"
  [ "$(wc -l <"$T/out/$what.err")" = 1 ] || { cat "$T/out/$what.err"; fail "$what: expected one stderr line"; }
  grep -q "^ferry: .*: No space left on device$" "$T/out/$what.err" || { cat "$T/out/$what.err"; fail "$what: no ENOSPC line"; }
  echo "$what: $(cat "$T/out/$what.err")"
done
expect_eq "patch: the library" "$(cat "$T/out/patch.before")" "$(cat "$T/out/patch.after")"
expect_eq "patch: what is left beside the library" "$(printf 'filler\nlib.so')" "$(cat "$T/out/patch.ls")"
expect_eq "repair: what is left in the wheel directory" "filler" "$(cat "$T/out/repair.ls")"
expect_eq "repair: what is left in TMPDIR" "" "$(cat "$T/out/scratch.ls")"
expect_eq "repair: wheels written with a full TMPDIR" "" "$(ls -A "$T/out/wheels")"
expect_eq "bundle: what is left in the output's directory" "" "$(cat "$T/out/bundle.ls")"
echo "ok"
