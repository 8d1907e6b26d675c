#!/usr/bin/env bash
# Pins down: the ferry wheel installs with `pip install --no-index` into a fresh venv; `ferry` is then on the
# venv's PATH as the static binary itself (no Python launcher in between), `python -m ferry` runs the same
# binary, `ferry.binary()` names it, and arguments, output and exit codes pass through unchanged (a check that
# fails exits 1, a usage error 2, as the host ferry does on the same input).
# Oracles: the host-built ferry's output and exit codes on the same files; pip's own view of the installed files.
# timeout: 900
source "$(dirname "$0")/../common.sh"
source "$SRC/tests/lib/ship_wheel.sh"
need_ferry_wheel
venv=$SHIP_DIR/venv.installs
install_ferry_wheel "$venv"
version=$("$FERRY" --version | awk '{print $2}')

expect_eq "PATH lookup" "$venv/bin/ferry" "$(PATH="$venv/bin:$PATH" command -v ferry)"
head -c 4 "$venv/bin/ferry" | grep -q ELF || fail "bin/ferry is not the ELF binary"
cmp "$venv/bin/ferry" <(unzip -p "$WHEEL" "ferry-$version.data/scripts/ferry") || fail "bin/ferry is not the wheel's binary"
expect_eq "ferry --version" "ferry $version" "$(PATH="$venv/bin:$PATH" ferry --version)"
expect_eq "python -m ferry --version" "ferry $version" "$("$venv/bin/python" -m ferry --version)"
expect_eq "ferry.binary()" "$venv/bin/ferry" "$("$venv/bin/python" -c 'import ferry; print(ferry.binary())')"
files=$("$venv/bin/pip" show -f ferry)
grep -q '^ *\(\.\./\)*bin/ferry$' <<<"$files" || fail "pip does not list bin/ferry as installed by the wheel"

# Exit codes and reports pass through: a failing check (1), bad usage (2), a passing inspect (0).
cp /bin/ls "$T/ls"
for args in "check -t manylinux2014 $T/ls" "check --no-such-option" "inspect $T/ls" "check -t manylinux2014 --json $T/ls"; do
  set +e
  want=$("$FERRY" $args 2>&1); want_rc=$?
  got=$("$venv/bin/python" -m ferry $args 2>&1); got_rc=$?
  got2=$("$venv/bin/ferry" $args 2>&1); got2_rc=$?
  set -e
  expect_eq "exit of python -m ferry $args" "$want_rc" "$got_rc"
  expect_eq "exit of ferry $args" "$want_rc" "$got2_rc"
  expect_eq "output of python -m ferry $args" "$want" "$got"
  expect_eq "output of ferry $args" "$want" "$got2"
done
echo ok
