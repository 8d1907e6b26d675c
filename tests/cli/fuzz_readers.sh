#!/usr/bin/env bash
# Every reader survives a bounded libFuzzer run seeded with the fixtures: no crash, no hang, no leak.
# Each tests/fuzz/NAME_fuzz.cpp declares in its header comments:
#   // sources: lib/support/*.cpp lib/elf/*.cpp      (globs relative to the source root)
#   // libs: -lfoo                                   (extra link flags)
#   // seeds: elf                                    (fixture sub-folders whose files seed the corpus)
#   // seed-files: /etc/ld.so.cache                  (this machine's files, as seeds when present; globs allowed)
#   // cflags: -D_GLIBCXX_ASSERTIONS                 (extra compile flags; this one makes vector[] past size() abort,
#                                                      which ASan misses when a vector shrank within its capacity)
#   // runs: 20000                                   (inputs tried; default 100000: about 20 s on the CI machines
#                                                      for the slowest harnesses, which declare fewer)
# plus tests/fuzz/seeds/NAME/* when present, and tests/fuzz/regressions/NAME/* (replayed every run).
# timeout: 1500
source "$(dirname "$0")/../common.sh"
need_cmd clang++
# By default each harness tries a fixed number of inputs from a fixed seed, so how far a run gets does not depend
# on the machine's speed: with a time limit alone, the tar harness reached a crash within 20 s on the CI machine
# and not in the runs here (stop 25). The time limit below only bounds a slow machine, which then tries a prefix
# of those inputs. FERRY_FUZZ_SECONDS=N explores instead: N seconds per harness, no run limit (with
# FERRY_FUZZ_SEED=0, a new seed each time).
secs=${FERRY_FUZZ_SECONDS:-}
shopt -s nullglob
ran=0
for harness in "$SRC"/tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$harness" .cpp)
  sources=$(sed -n 's|^// sources: ||p' "$harness")
  libs=$(sed -n 's|^// libs: *||p' "$harness")
  seeds=$(sed -n 's|^// seeds: *||p' "$harness")
  seed_files=$(sed -n 's|^// seed-files: ||p' "$harness")
  cflags=$(sed -n 's|^// cflags: *||p' "$harness")
  runs=$(sed -n 's|^// runs: *||p' "$harness")
  runs=${runs:-100000}
  files=()
  # Split without globbing here (an unquoted $sources would glob against the current directory first).
  read -r -a globs <<<"$sources"
  for g in "${globs[@]}"; do for f in "$SRC"/$g; do files+=("$f"); done; done
  [ ${#files[@]} -gt 0 ] || fail "$name: its // sources: line matches no file"
  bin="$BUILD/fuzz/$name"
  mkdir -p "$BUILD/fuzz" "$T/$name.corpus"
  echo "== $name: building"
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $cflags \
    -DFERRY_VERSION='"fuzz"' -I"$SRC/lib" "$harness" "${files[@]}" $libs -lpthread -lcrypto -o "$bin"
  for s in $seeds; do
    [ -d "$FIX/$s" ] || continue
    # Seeds are named by content hash: fixtures with the same base name in different folders all count.
    find "$FIX/$s" -type f -size -2M -print0 | while IFS= read -r -d '' f; do
      cp "$f" "$T/$name.corpus/$(sha1sum <"$f" | cut -c1-16)"
    done
  done
  # Tiny checked-in seeds for readers no fixture feeds (text formats).
  if [ -d "$SRC/tests/fuzz/seeds/$name" ]; then cp "$SRC/tests/fuzz/seeds/$name"/* "$T/$name.corpus/"; fi
  for f in $seed_files; do
    if [ -f "$f" ] && [ -r "$f" ]; then cp "$f" "$T/$name.corpus/$(sha1sum <"$f" | cut -c1-16)"; fi
  done
  # Inputs that once crashed a harness (and small hand-written seeds) are replayed first, every run.
  if [ -d "$SRC/tests/fuzz/regressions/$name" ]; then cp "$SRC/tests/fuzz/regressions/$name"/* "$T/$name.corpus/"; fi
  if [ -n "$secs" ]; then bound=(-max_total_time="$secs"); what="${secs}s"; else bound=(-runs="$runs" -max_total_time=120); what="$runs inputs"; fi
  echo "== $name: $(ls "$T/$name.corpus" | wc -l) seeds, $what"
  # A fixed seed keeps CI runs repeatable; FERRY_FUZZ_SEED=0 explores anew (libFuzzer picks a seed).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$bin" -seed="${FERRY_FUZZ_SEED:-1}" "${bound[@]}" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz/" "$T/$name.corpus" >"$T/$name.log" 2>&1 || { tail -40 "$T/$name.log"; fail "$name found a crash"; }
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' "$T/$name.log" || true
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || fail "no fuzz harness found"
echo "fuzzed $ran readers"
