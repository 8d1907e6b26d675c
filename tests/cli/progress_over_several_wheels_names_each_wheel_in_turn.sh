#!/usr/bin/env bash
# `show` and `repair` over several wheels start each progress line with the wheel and its place in the run
# ("[2/3] chain-1.0-...whl: checking: ..."), in the order given, so a long run reads as one count and not as one
# wheel's phases restarting at 0; a single wheel's lines carry no such prefix. On a terminal the line names each
# wheel as it starts, also a macOS wheel, whose reader reports no progress of its own. Oracle: the bytes that
# reach the pipe and the pty (util-linux `script`).
source "$(dirname "$0")/../common.sh"
W=$FIX/wheel
wheels=("$W/simple-1.0-cp311-cp311-linux_x86_64.whl" "$W/chain-1.0-cp311-cp311-linux_x86_64.whl"
        "$W/pyext-1.0-cp311-cp311-linux_x86_64.whl")
for w in "${wheels[@]}"; do [ -f "$w" ] || skip "wheel fixtures were not built"; done
need_cmd script
export LD_LIBRARY_PATH=$W/lib FERRY_PROGRESS_AFTER_MS=0

# Each wheel's checking lines, in the order given, nothing in between that lacks the prefix.
check_order() {  # $1: stderr file, $2: what ran
  python3 - "$1" "$2" "${wheels[@]}" <<'PY' || fail "$2: progress lines do not name each wheel in turn: $(cat -A "$1")"
import os, re, sys
lines = [l for l in open(sys.argv[1]).read().split("\n") if l]
names = [os.path.basename(w) for w in sys.argv[3:]]
seen = []
for l in lines:
    m = re.match(r"^\[(\d+)/(\d+)\] (\S+): (checking|writing): \d+/\d+ files, ", l)
    assert m, f"a line without the wheel: {l!r}"
    k, n, name = int(m.group(1)), int(m.group(2)), m.group(3)
    assert n == len(names) and names[k - 1] == name, f"{l!r}: not wheel {k} of {names}"
    if not seen or seen[-1] != k: seen.append(k)
assert seen == list(range(1, len(names) + 1)), f"wheels drawn in the order {seen}"
PY
}
"$FERRY" show --progress "${wheels[@]}" >/dev/null 2>"$T/show.err" || true
check_order "$T/show.err" show
"$FERRY" repair --progress -w "$T/out" "${wheels[@]}" >/dev/null 2>"$T/repair.err" || fail "repair failed: $(cat "$T/repair.err")"
check_order "$T/repair.err" repair
grep -q '^\[3/3\] pyext-1.0-cp311-cp311-linux_x86_64.whl: writing: ' "$T/repair.err" || fail "the last wheel's writing phase is not drawn"

# One wheel: the lines as they always were.
"$FERRY" show --progress "${wheels[0]}" >/dev/null 2>"$T/one.err" || true
grep -q '^checking: ' "$T/one.err" || fail "one wheel: no plain checking line: $(cat -A "$T/one.err")"
! grep -q '^\[' "$T/one.err" || fail "one wheel: a run prefix on its lines: $(cat -A "$T/one.err")"

# A terminal: each wheel is named as it starts (one draw per wheel, whatever the throttle), a macOS wheel
# between two Linux ones too.
mac=$FIX/macos_wheel/fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl
if [ -f "$mac" ]; then
  script -qec "'$FERRY' show '${wheels[0]}' '$mac' '${wheels[1]}' >/dev/null" /dev/null >"$T/tty" </dev/null || true
  grep -qa $'\r\[2/3\] fixpkg-1.0-cp311-cp311-macosx_10_13_universal2.whl: starting' "$T/tty" ||
    fail "the macOS wheel is not named on the terminal: $(cat -A "$T/tty")"
  grep -qa $'\r\[3/3\] chain-1.0-cp311-cp311-linux_x86_64.whl: starting' "$T/tty" ||
    fail "the wheel after the macOS one is not named on the terminal: $(cat -A "$T/tty")"
fi
echo ok
