#!/usr/bin/env bash
# needs: bullseye
# timeout: 120
# Property: a sample of this machine's programs (/usr/bin) and libraries (/usr/lib/x86_64-linux-gnu/*.so*) that
# `check -t debian11` fails, once `ferry lower -t debian11` accepts them, load in the Debian 11 root with every
# binding resolved: bullseye's own loader in `ldd -r` mode (LD_TRACE_LOADED_OBJECTS, LD_WARN, LD_BIND_NOW)
# reports no missing glibc version and no undefined glibc symbol. Files whose libraries the root lacks are not
# judged; refusals (exit 1) and unsupported layouts (exit 2) are counted; a verification failure (3) or a crash
# fails. The oracle is checked too: an unlowered file fails it. Runs in about 30 s.
source "$(dirname "$0")/../common.sh"
need_bullseye ferry-lower-prop
[ "$(uname -m)" = x86_64 ] || skip "x86-64 host only"
LDSO=/lib64/ld-linux-x86-64.so.2
chroot "$R" test -e "$LDSO" || skip "the root has no x86-64 loader"

# ldd -r in the root: prints the loader's complaints about FILE's glibc bindings (empty when they all bind).
# Other libraries of the same soname but another release (libapt-pkg) may lack symbols: not lowering's business.
loads() {
  chroot "$R" env LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes "$LDSO" "$inside/$1" 2>&1 |
    grep -E "version .* not found|undefined symbol|symbol lookup error" | grep "GLIBC_" || true
}
missing_libs() { chroot "$R" env LD_TRACE_LOADED_OBJECTS=1 "$LDSO" "$inside/$1" 2>&1 | grep -c "=> not found" || true; }

# A deterministic sample: every 17th program and every 13th library that fails the debian11 check.
{ ls /usr/bin/* | awk 'NR % 17 == 0'; ls /usr/lib/x86_64-linux-gnu/*.so* | awk 'NR % 13 == 0'; } >"$T/candidates"
n=0 lowered=0 refused=0 unjudged=0 oracle_seen=0
while read -r f; do
  [ -f "$f" ] && head -c4 "$f" 2>/dev/null | grep -q ELF || continue
  readelf -h "$f" 2>/dev/null | grep -q "X86-64" || continue
  "$FERRY" check --no-hints -t debian11 "$f" >/dev/null 2>&1 && continue
  n=$((n + 1)); name=$(basename "$f")
  set +e; "$FERRY" lower -t debian11 "$f" -o "$run_dir/$name" >/dev/null 2>"$T/err"; rc=$?; set -e
  case $rc in
    0) ;;
    1) refused=$((refused + 1)); continue ;;
    2) echo "not lowered (unsupported): $(cat "$T/err")"; refused=$((refused + 1)); continue ;;
    *) fail "$f: exit $rc: $(cat "$T/err")" ;;
  esac
  if [ "$(missing_libs "$name")" != 0 ]; then unjudged=$((unjudged + 1)); continue; fi
  lowered=$((lowered + 1))
  problems=$(loads "$name")
  [ -z "$problems" ] || fail "$f lowered but does not load in bullseye: $problems"
  # The oracle sees what lowering fixed: the original fails the same load.
  if [ "$oracle_seen" = 0 ]; then
    cp "$f" "$run_dir/orig-$name"
    [ -n "$(loads "orig-$name")" ] && oracle_seen=1
  fi
  rm -f "$run_dir/$name" "$run_dir/orig-$name"
done <"$T/candidates"
echo "sampled $n files failing debian11: $lowered lowered and load with LD_BIND_NOW, $refused refused, $unjudged need libraries bullseye lacks"
[ "$lowered" -ge 5 ] || skip "fewer than 5 lowerable files in the sample on this machine"
[ "$oracle_seen" = 1 ] || fail "no unlowered file failed the bullseye load: the oracle proves nothing"
echo ok
