#!/usr/bin/env bash
# Downloads the real-wheel corpus (fixtures/wheels/manifest.tsv) into BUILD/corpus/wheels/, each file from the
# exact PyPI URL pinned in the manifest, and checks its size and sha256 (a mismatch is an error; the bad download is
# removed). A wheel already cached is checked, not fetched again. No resolver, no index: only the pinned files.
# Usage: scripts/corpus.sh [BUILD_DIR] [FILTER]   (FILTER: an extended regex on the file name)
# Prints the cache directory on stdout. Exit 77 (the tests' "skipped") when a wheel is missing and PyPI cannot be
# reached or the disk has no room for them (with 1 GB to spare for the tests' own scratch); 1 on a sha256 or size
# mismatch.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${FERRY_BUILD:-$here/build}}
filter=${2:-}
manifest=$here/fixtures/wheels/manifest.tsv
cache=$build/corpus/wheels
mkdir -p "$cache"
# One downloader at a time: the corpus tests run in parallel and each asks for the corpus first.
exec 9>"$build/corpus/.lock"
flock 9

# verify FILE SIZE SHA256 -> 0 when the file is there and matches
verify() {
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$2" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$3" ]
}

# fetch URL FILE SIZE SHA256 -> 0 fetched and verified, 77 network failure, 1 mismatch
fetch() {
  local url=$1 dest=$2 size=$3 sha=$4 part=$2.part
  rm -f "$part"
  if ! curl -fsSL --retry 3 --connect-timeout 20 -o "$part" "$url"; then
    rm -f "$part"
    echo "corpus: cannot download $url" >&2
    return 77
  fi
  if ! verify "$part" "$size" "$sha"; then
    echo "corpus: $(basename "$dest"): size or sha256 differs from the manifest (got $(stat -c %s "$part") bytes," \
      "sha256 $(sha256sum "$part" | cut -d' ' -f1)); expected $size bytes, sha256 $sha" >&2
    rm -f "$part"
    return 1
  fi
  mv "$part" "$dest"
}

missing=()
while IFS=$'\t' read -r project version file platform size sha url; do
  case $project in ''|'#'*) continue ;; esac
  [ -z "$filter" ] || [[ $file =~ $filter ]] || continue
  if [ -f "$cache/$file" ]; then
    # A cached file is re-hashed only when its stamp (size and sha256 already checked) is missing or stale.
    if [ "$cache/$file.ok" -nt "$cache/$file" ] && [ "$(cat "$cache/$file.ok")" = "$sha" ]; then continue; fi
    if verify "$cache/$file" "$size" "$sha"; then echo "$sha" >"$cache/$file.ok"; continue; fi
    echo "corpus: cached $file does not match the manifest; downloading it again" >&2
    rm -f "$cache/$file" "$cache/$file.ok"
  fi
  missing+=("$url $file $size $sha")
done <"$manifest"

status=0
if [ ${#missing[@]} -gt 0 ]; then
  want=1024
  for entry in "${missing[@]}"; do read -r _ _ size _ <<<"$entry"; want=$((want + size / 1048576 + 1)); done
  free=$(df -Pm "$cache" | awk 'NR == 2 { print $4 }')
  if [ -n "$free" ] && [ "$free" -lt "$want" ]; then
    echo "corpus: ${#missing[@]} wheels to download need $want MB with room for the tests; $cache's filesystem has $free MB" >&2
    exit 77
  fi
  echo "corpus: downloading ${#missing[@]} wheels into $cache" >&2
  # Four downloads at a time; each result is collected so one failure does not hide another.
  pids=()
  for entry in "${missing[@]}"; do
    read -r url file size sha <<<"$entry"
    ( fetch "$url" "$cache/$file" "$size" "$sha" && echo "$sha" >"$cache/$file.ok" ) &
    pids+=($!)
    if [ ${#pids[@]} -ge 4 ]; then
      rc=0; wait "${pids[0]}" || rc=$?
      [ $rc = 0 ] || { [ $status = 1 ] || status=$rc; }
      pids=("${pids[@]:1}")
    fi
  done
  for pid in "${pids[@]}"; do
    rc=0; wait "$pid" || rc=$?
    [ $rc = 0 ] || { [ $status = 1 ] || status=$rc; }
  done
fi
[ $status = 0 ] || exit $status
echo "$cache"
