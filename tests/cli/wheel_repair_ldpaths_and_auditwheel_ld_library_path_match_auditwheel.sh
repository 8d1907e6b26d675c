#!/usr/bin/env bash
# Pins down: where repair looks for libraries to graft follows auditwheel 6.8: AUDITWHEEL_LD_LIBRARY_PATH is
# searched (before LD_LIBRARY_PATH); --ldpaths replaces the system list and switches LD_LIBRARY_PATH off, while
# AUDITWHEEL_LD_LIBRARY_PATH still adds to it. Oracle: auditwheel repair 6.8.2 on the same wheel and environment
# (success or failure, output name, grafted files).
source "$(dirname "$0")/../common.sh"
need_wheel_fixtures simple-1.0-cp311-cp311-linux_x86_64.whl
need_cmd unzip
need_oracles
WHL=$W/simple-1.0-cp311-cp311-linux_x86_64.whl
SYS=$(dirname "$(cc -print-file-name=libc.so.6)")

# same_as_auditwheel NAME ENV... -- ARGS...: both tools repair WHL with ENV and ARGS; exit statuses agree (0 or
# not), and on success the file names and the grafted files' names agree.
same_as_auditwheel() {
  local name=$1 envs=() frc=0 arc=0
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  rm -rf "$T/f" "$T/a"
  env -u LD_LIBRARY_PATH -u AUDITWHEEL_LD_LIBRARY_PATH "${envs[@]}" "$FERRY" repair -w "$T/f" "$@" "$WHL" \
    >/dev/null 2>"$T/ferr" || frc=$?
  env -u LD_LIBRARY_PATH -u AUDITWHEEL_LD_LIBRARY_PATH "${envs[@]}" PATH="$ORACLES:$PATH" "$ORACLES/auditwheel" \
    repair -w "$T/a" "$@" "$WHL" >/dev/null 2>"$T/aerr" || arc=$?
  [ $((frc == 0)) = $((arc == 0)) ] || fail "$name: ferry exit $frc, auditwheel exit $arc ($(tail -1 "$T/ferr") | $(tail -1 "$T/aerr"))"
  if [ "$frc" = 0 ]; then
    expect_eq "$name: output" "$(ls "$T/a")" "$(ls "$T/f")"
    expect_eq "$name: grafts" "$(unzip -Z1 "$T"/a/*.whl | grep '\.libs/.' | sort)" \
      "$(unzip -Z1 "$T"/f/*.whl | grep '\.libs/.' | sort)"
  fi
  echo "$name: both $([ "$frc" = 0 ] && echo repaired || echo refused)"
}

same_as_auditwheel "nothing set" -- 
same_as_auditwheel "AUDITWHEEL_LD_LIBRARY_PATH" AUDITWHEEL_LD_LIBRARY_PATH="$W/lib" --
same_as_auditwheel "LD_LIBRARY_PATH" LD_LIBRARY_PATH="$W/lib" --
same_as_auditwheel "--ldpaths switches LD_LIBRARY_PATH off" LD_LIBRARY_PATH="$W/lib" -- --ldpaths "$SYS"
same_as_auditwheel "--ldpaths with the library" -- --ldpaths "$W/lib:$SYS"
same_as_auditwheel "--ldpaths plus AUDITWHEEL_LD_LIBRARY_PATH" AUDITWHEEL_LD_LIBRARY_PATH="$W/lib" -- --ldpaths "$SYS"
# The refusals must be refusals (not a pass of both by accident): ferry names the library.
env -u LD_LIBRARY_PATH "$FERRY" repair -w "$T/f2" --ldpaths "$SYS" "$WHL" 2>"$T/err" >/dev/null && fail "no refusal"
grep -q 'required library "libfb.so.1"' "$T/err" || fail "message: $(cat "$T/err")"
echo ok
