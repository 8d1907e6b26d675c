#!/usr/bin/env bash
# Property: on programs and libraries linked with random layouts (page size 4K/16K/2M, separate-code, relro/now,
# hash styles, build-id, DT_RELR, CET notes, PIE or not; all with TLS and constructors), random sequences of
# edits (renaming dynamic symbols away and back among them) keep the program printing what it printed before
# (LD_BIND_NOW=1), add nothing to eu-elflint --gnu-ld's report, and leave files that strip can still process into
# a working program.
# timeout: 240
# disk: 2000  (its scratch peaked at 1490 MB)
source "$(dirname "$0")/../common.sh"
has() { grep "$@" >/dev/null; }  # reads all input: no SIGPIPE for the writer under pipefail
need_cmd gcc; need_cmd eu-elflint; need_cmd strip
fx=$SRC/fixtures/patch
seed=${FERRY_PATCH_SEED:-$RANDOM}
budget=${FERRY_PATCH_SECONDS:-120}
echo "seed $seed, ${budget}s"
RANDOM=$seed
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }
ld_has() { echo 'int main(){return 0;}' | gcc -x c - -o "$T/probe" "$@" 2>/dev/null; }
relr=""; ld_has -Wl,-z,pack-relative-relocs && relr="-Wl,-z,pack-relative-relocs"
lint() { { eu-elflint --gnu-ld "$1" 2>&1 || true; } | sed "s|$1|FILE|g" | sort -u; }
start=$(date +%s); cases=0; edits=0
ldso=$(readelf -l /bin/true | sed -n 's/.*interpreter: \(.*\)]/\1/p')
mkdir -p "$T/interp/a/very/long/directory/name/for/the/interpreter/to/outgrow/its/slot"
ln -s "$ldso" "$T/interp/a/very/long/directory/name/for/the/interpreter/to/outgrow/its/slot/ld.so"
longinterp="$T/interp/a/very/long/directory/name/for/the/interpreter/to/outgrow/its/slot/ld.so"
while [ $(( $(date +%s) - start )) -lt "$budget" ]; do
  cases=$((cases + 1))
  d="$T/c$cases"; mkdir -p "$d"
  flags="$(pick 4096 16384 2097152)"; flags="-Wl,-z,max-page-size=$flags -Wl,-z,common-page-size=4096"
  flags="$flags $(pick -Wl,-z,separate-code -Wl,-z,noseparate-code)"
  flags="$flags $(pick -Wl,-z,norelro -Wl,-z,relro '-Wl,-z,relro -Wl,-z,now')"
  flags="$flags $(pick -Wl,--hash-style=sysv -Wl,--hash-style=gnu -Wl,--hash-style=both)"
  flags="$flags $(pick -Wl,--build-id=none -Wl,--build-id=sha1)"
  flags="$flags $(pick "" "$relr") $(pick "" -fcf-protection=full)"
  pie=$(pick -pie -no-pie)
  gcc -O1 -shared -fPIC $flags -o "$d/libfoo.so.1" "$fx/libfoo.c" -Wl,-soname,libfoo.so.1 -Wl,--version-script="$fx/libfoo.map"
  gcc -O1 -shared -fPIC $flags -o "$d/libextra.so" "$fx/libextra.c"
  cp "$d/libfoo.so.1" "$d/libfoo-renamed.so.1"
  gcc -O1 $pie $flags -o "$d/prog" "$fx/prog.c" -L"$d" -l:libfoo.so.1
  run() { LD_LIBRARY_PATH="$d" LD_BIND_NOW=1 "$@" 2>&1; }
  base=$(run "$d/prog") || fail "case $cases ($flags $pie): the unpatched program fails: $base"
  for target in prog libfoo.so.1; do
    f="$d/$target"; cp "$f" "$f.orig"
    lint_before=$(lint "$f.orig")
    expected=$base
    n=$((1 + RANDOM % 4))
    for ((k = 0; k < n; k++)); do
      if [ $target = prog ]; then
        op=$(pick set-rpath-short set-rpath-long add-rpath force-rpath remove-rpath interp-long interp-same \
                  add-needed replace-needed set-soname rename-there-and-back)
      else
        op=$(pick set-rpath-short set-rpath-long add-rpath force-rpath remove-rpath set-soname-long add-needed-lib no-default-lib \
                  add-debug-tag rename-there-and-back)
      fi
      case $op in
        set-rpath-short) args=(--set-rpath /x) ;;
        set-rpath-long) args=(--set-rpath "/opt/ferry/$cases/$k/lib:/usr/local/lib/very/long/path/number/$RANDOM") ;;
        add-rpath) args=(--add-rpath "/opt/added/$RANDOM") ;;
        force-rpath) args=(--force-rpath --set-rpath "/forced/$RANDOM:\$ORIGIN") ;;
        remove-rpath) args=(--remove-rpath) ;;
        interp-long) args=(--set-interpreter "$longinterp") ;;
        interp-same) args=(--set-interpreter "$ldso") ;;
        add-needed) args=(--add-needed libextra.so); case $expected in "libextra loaded"*) ;; *) expected="libextra loaded
$expected" ;; esac ;;
        add-needed-lib) args=(--add-needed libextra.so); case $expected in "libextra loaded"*) ;; *) expected="libextra loaded
$expected" ;; esac ;;
        replace-needed) args=(--replace-needed libfoo.so.1 libfoo-renamed.so.1) ;;
        set-soname) args=(--set-soname "libprog.so.$RANDOM") ;;
        set-soname-long) args=(--set-soname "libfoo-with-a-much-longer-soname-than-before.so.$RANDOM") ;;
        no-default-lib) args=(--no-default-lib) ;;
        add-debug-tag) args=(--add-debug-tag) ;;
        # Renamed away and back in one call each: the hash tables are rebuilt twice (symbols possibly reordered)
        # and the program must still bind every symbol.
        rename-there-and-back)
          printf 'foo_value foo_value_elsewhere_%s\nfoo_name fn%s\n' $k $k >"$d/map"
          printf 'foo_value_elsewhere_%s foo_value\nfn%s foo_name\n' $k $k >"$d/rmap"
          "$FERRY" patch --rename-dynamic-symbols "$d/map" "$f" >/dev/null || fail "case $cases $target: rename failed"
          args=(--rename-dynamic-symbols "$d/rmap") ;;
      esac
      edits=$((edits + 1))
      what="case $cases ($flags $pie) $target edit $k: ${args[*]}"
      "$FERRY" patch "${args[@]}" "$f" >/dev/null || fail "$what: ferry patch failed"
      got=$(run "$d/prog") || fail "$what: the program no longer runs: $got"
      [ "$got" = "$expected" ] || fail "$what: output [$got], expected [$expected]"
      lint_after=$(lint "$f")
      new=$(comm -13 <(echo "$lint_before") <(echo "$lint_after"))
      [ -z "$new" ] || fail "$what: eu-elflint reports new problems: $new"
      cp "$f" "$f.stripped"; strip "$f.stripped" 2>"$d/strip.err" || fail "$what: strip failed: $(cat "$d/strip.err")"
      if [ $target = prog ]; then got=$(run "$f.stripped") || fail "$what: stripped program fails: $got"
      else mkdir -p "$d/s"; cp "$f.stripped" "$d/s/libfoo.so.1"; cp "$d/libextra.so" "$d/libfoo-renamed.so.1" "$d/s/" 2>/dev/null || true
           got=$(LD_LIBRARY_PATH="$d/s:$d" LD_BIND_NOW=1 "$d/prog" 2>&1) || fail "$what: program with stripped library fails: $got"; fi
      [ "$got" = "$expected" ] || fail "$what: after strip, output [$got], expected [$expected]"
    done
    cp "$f.orig" "$f"
  done
done
echo "ok: $cases layouts, $edits edits (seed $seed)"
