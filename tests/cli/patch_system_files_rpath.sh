#!/usr/bin/env bash
# On this machine's own files: a long RPATH added (--add-rpath, so the files' own search paths still work) on 300 shared objects from /usr/lib/x86_64-linux-gnu (each must
# still dlopen in a child process) and on 50 executables from /usr/bin (each must print its --version or
# --help output exactly as before). Prints pass counts and total growth, next to patchelf's on the same files.
# timeout: 300
# disk: 1700  (its scratch peaked at 1245 MB)
source "$(dirname "$0")/../common.sh"
has() { grep "$@" >/dev/null; }  # reads all input: no SIGPIPE for the writer under pipefail
need_cmd gcc
libdir=/usr/lib/x86_64-linux-gnu
[ -d $libdir ] || skip "no $libdir"
want_libs=${FERRY_PATCH_SYSTEM_LIBS:-300}; want_bins=${FERRY_PATCH_SYSTEM_BINS:-50}
rpath='/opt/ferry/system-test/a/long/rpath/entry/that/cannot/fit/in/place:/opt/ferry/system-test/second/entry'
cat > "$T/dlopen_each.c" <<'C'
/* Prints "ok PATH" or "fail PATH: error" for each argument, dlopen'ing each in its own child process. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      void* h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
      if (!h) { printf("fail %s: %s\n", argv[i], dlerror()); fflush(stdout); _exit(1); }
      _exit(0);
    }
    int st = 0; waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) printf("ok %s\n", argv[i]);
    else if (!WIFEXITED(st)) printf("fail %s: signal %d\n", argv[i], WTERMSIG(st));
  }
  return 0;
}
C
gcc -O1 -o "$T/dlopen_each" "$T/dlopen_each.c" -ldl
mkdir -p "$T/orig" "$T/ferry" "$T/patchelf"
# Candidates: regular ELF shared objects (not the loader, not libc itself) that load unpatched.
cands=()
while IFS= read -r f; do
  case $(basename "$f") in ld-linux*|libc.so.6|libpthread*|libdl.so*|librt.so*|libm.so*) continue ;; esac
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  readelf -h "$f" 2>/dev/null | has 'DYN' || continue
  readelf -d "$f" 2>/dev/null | has NEEDED || continue
  cands+=("$f")
done < <(find $libdir -maxdepth 1 -type f -name 'lib*.so*' | sort | head -n 700)
timeout 120 "$T/dlopen_each" "${cands[@]}" 2>/dev/null | sed -n 's/^ok //p' | head -n "$want_libs" > "$T/libs.txt" || true
nlibs=$(wc -l < "$T/libs.txt")
[ "$nlibs" -ge 50 ] || skip "only $nlibs loadable libraries"
while IFS= read -r f; do cp "$f" "$T/orig/"; cp "$f" "$T/ferry/"; cp "$f" "$T/patchelf/"; done < "$T/libs.txt"
names=(); while IFS= read -r f; do names+=("$(basename "$f")"); done < "$T/libs.txt"
s=$(date +%s.%N)
"$FERRY" patch --add-rpath "$rpath" "${names[@]/#/$T/ferry/}" > "$T/ferry.log" 2>&1 || { tail "$T/ferry.log"; fail "ferry patch failed on system libraries"; }
e=$(date +%s.%N)
echo "ferry: $nlibs libraries patched in $(echo "$e - $s" | bc) s (one call)"
pe=""; command -v patchelf >/dev/null && pe=1
if [ -n "$pe" ]; then
  s=$(date +%s.%N)
  for n in "${names[@]}"; do patchelf --add-rpath "$rpath" "$T/patchelf/$n" 2>/dev/null || echo "$n" >> "$T/patchelf.failed"; done
  e=$(date +%s.%N)
  echo "patchelf: $nlibs libraries patched in $(echo "$e - $s" | bc) s (one call per file)"
fi
growth() { local tot=0 n; for n in "${names[@]}"; do tot=$((tot + $(stat -c %s "$1/$n") - $(stat -c %s "$T/orig/$n"))); done; echo $tot; }
count_ok() { "$T/dlopen_each" "${names[@]/#/$1/}" 2>/dev/null | grep -c '^ok ' || true; }
fok=$(count_ok "$T/ferry"); fgrow=$(growth "$T/ferry")
for n in "${names[@]}"; do
  old=$(readelf -dW "$T/orig/$n" | sed -n 's/.*R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
  got=$(readelf -dW "$T/ferry/$n" | sed -n 's/.*R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
  [ "$got" = "${old:+$old:}$rpath" ] || fail "$n: rpath reads back as [$got], expected [${old:+$old:}$rpath]"
done
median() { for n in "${names[@]}"; do echo $(( $(stat -c %s "$1/$n") - $(stat -c %s "$T/orig/$n") )); done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "libraries: ferry $fok/$nlibs load, growth $fgrow bytes ($((fgrow / nlibs)) per file on average, median $(median "$T/ferry"))"
if [ -n "$pe" ]; then
  pok=$(count_ok "$T/patchelf"); pgrow=$(growth "$T/patchelf")
  echo "libraries: patchelf $pok/$nlibs load, growth $pgrow bytes ($((pgrow / nlibs)) per file on average, median $(median "$T/patchelf"))"
fi
[ "$fok" = "$nlibs" ] || { "$T/dlopen_each" "${names[@]/#/$T/ferry/}" | grep -v '^ok' | head; fail "ferry broke $((nlibs - fok)) libraries"; }

# Executables: same --version/--help output before and after.
mkdir -p "$T/bo" "$T/bf" "$T/bp"
probe() { (cd "$T" && timeout 5 "$1" "$2" </dev/null 2>&1; echo "rc=$?") | sed "s|$(dirname "$1")|DIR|g"; }
bins=()
for f in $(find /usr/bin -maxdepth 1 -type f | sort); do
  [ ${#bins[@]} -ge "$want_bins" ] && break
  readelf -lW "$f" 2>/dev/null | has 'Requesting program interpreter' || continue
  n=$(basename "$f")
  case $n in *reboot*|*shutdown*|*halt*|*poweroff*|*kill*|*sudo*|*su|*passwd*|*login*|*init*|python*|perl*|qemu*|*ferry*) continue ;; esac
  cp "$f" "$T/bo/$n"
  for arg in --version --help; do
    a=$(probe "$T/bo/$n" $arg); b=$(probe "$T/bo/$n" $arg)
    if [ "$a" = "$b" ] && [ "$(wc -l <<<"$a")" -gt 1 ] && grep -q 'rc=0' <<<"$a"; then bins+=("$n:$arg"); break; fi
  done
done
nb=${#bins[@]}
[ "$nb" -ge 10 ] || skip "only $nb usable executables"
for b in "${bins[@]}"; do n=${b%%:*}; cp "$T/bo/$n" "$T/bf/$n"; cp "$T/bo/$n" "$T/bp/$n"; done
"$FERRY" patch --add-rpath "$rpath" $(for b in "${bins[@]}"; do echo "$T/bf/${b%%:*}"; done) >/dev/null
[ -n "$pe" ] && for b in "${bins[@]}"; do patchelf --add-rpath "$rpath" "$T/bp/${b%%:*}" 2>/dev/null || true; done
fb=0; pb=0; fg=0; pg=0
for b in "${bins[@]}"; do
  n=${b%%:*}; arg=${b#*:}
  want=$(probe "$T/bo/$n" "$arg")
  if [ "$(probe "$T/bf/$n" "$arg")" = "$want" ]; then fb=$((fb + 1)); else echo "ferry broke $n $arg"; fi
  fg=$((fg + $(stat -c %s "$T/bf/$n") - $(stat -c %s "$T/bo/$n")))
  if [ -n "$pe" ]; then
    [ "$(probe "$T/bp/$n" "$arg")" = "$want" ] && pb=$((pb + 1))
    pg=$((pg + $(stat -c %s "$T/bp/$n") - $(stat -c %s "$T/bo/$n")))
  fi
done
echo "executables: ferry $fb/$nb same output, growth $fg bytes"
[ -n "$pe" ] && echo "executables: patchelf $pb/$nb same output, growth $pg bytes"
[ "$fb" = "$nb" ] || fail "ferry broke $((nb - fb)) executables"
echo ok
