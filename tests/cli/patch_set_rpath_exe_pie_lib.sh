#!/usr/bin/env bash
# --set-rpath on a non-PIE executable, a PIE and a shared library: short (in place) and long (new segment)
# values read back exactly, the program still finds its library through the new path and runs the same.
source "$(dirname "$0")/../common.sh"
source "$SRC/fixtures/patch/testlib.sh"
need_cmd gcc; need_cmd eu-elflint
for kind in pie nopie; do
  d=$T/$kind; flag=-pie; [ $kind = nopie ] && flag=-no-pie
  build_set "$d" $flag
  base=$(run_bound "$d/prog")
  mkdir -p "$d/libs" && mv "$d/libfoo.so.1" "$d/libs/"
  cp "$d/prog" "$d/prog.orig"
  # Short: fits where $ORIGIN was.
  "$FERRY" patch --set-rpath "$d/libs" "$d/prog" >/dev/null
  expect_eq "$kind runpath" "$d/libs" "$(dyn "$d/prog" RUNPATH)"
  expect_eq "$kind output" "$base" "$(run_bound "$d/prog")"
  check_clean "$d/prog.orig" "$d/prog"
  # Long: needs a new .dynstr.
  long="/nonexistent/$(printf 'x%.0s' {1..300}):$d/libs"
  "$FERRY" patch --set-rpath "$long" "$d/prog" >/dev/null
  expect_eq "$kind long runpath" "$long" "$(dyn "$d/prog" RUNPATH)"
  expect_eq "$kind output after long rpath" "$base" "$(run_bound "$d/prog")"
  check_clean "$d/prog.orig" "$d/prog"
  # The stripped copy still runs.
  cp "$d/prog" "$d/prog.s" && strip "$d/prog.s"
  expect_eq "$kind stripped output" "$base" "$(run_bound "$d/prog.s")"
done
# A library: its RUNPATH is where its own dependencies are looked up.
d=$T/lib; build_set "$d"
gcc -shared -fPIC -o "$d/libouter.so" -x c - -L"$d" -l:libfoo.so.1 <<<'int foo_value(int); int outer(void){return foo_value(1);}'
mkdir -p "$d/deep/dir" && mv "$d/libfoo.so.1" "$d/deep/dir/"
cp "$d/libouter.so" "$d/libouter.orig"
"$FERRY" patch --set-rpath "$d/deep/dir:/also/a/rather/long/directory/that/will/not/fit/in/place" "$d/libouter.so" >/dev/null
expect_eq "library runpath" "$d/deep/dir:/also/a/rather/long/directory/that/will/not/fit/in/place" "$(dyn "$d/libouter.so" RUNPATH)"
check_clean "$d/libouter.orig" "$d/libouter.so"
python3 -c "import ctypes,sys; l=ctypes.CDLL(sys.argv[1]); sys.exit(0 if l.outer()==4 else 1)" "$d/libouter.so" ||
  fail "the patched library does not load its dependency through the new RUNPATH"
echo ok
