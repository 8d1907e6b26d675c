#!/usr/bin/env bash
# libferry is usable as a C++ library: `cmake --install` gives a package that find_package(ferry) finds, every
# header it installs compiles on its own (no installed header includes one that is not installed), and a
# program linked against ferry::ferry reads an ELF file's DT_NEEDED like readelf does.
# timeout: 600
source "$(dirname "$0")/../common.sh"
need_cmd cmake
cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { tail "$T/install.log"; fail "cmake --install failed"; }
# Each installed header alone, as a consumer's first include (the compiler is the oracle).
inc="$T/prefix/include/ferry"
[ -d "$inc" ] || fail "no headers installed under include/ferry"
(cd "$inc" && find . -name '*.hpp' | sort) >"$T/headers"
[ -s "$T/headers" ] || fail "no headers installed"
: >"$T/header_errors"
while read -r h; do
  printf '#include "%s"\n' "${h#./}" | ${CXX:-c++} -std=c++20 -fsyntax-only -I"$inc" -x c++ - 2>>"$T/header_errors" ||
    echo "$h" >>"$T/bad_headers"
done <"$T/headers"
[ ! -s "$T/bad_headers" ] || { head -20 "$T/header_errors"; fail "installed headers that do not compile alone: $(tr '\n' ' ' <"$T/bad_headers")"; }
mkdir "$T/consumer"
cat >"$T/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(ferry REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE ferry::ferry)
CMAKE
cat >"$T/consumer/main.cpp" <<'CPP'
#include <cstdio>
#include "elf/elf_info.hpp"
int main(int argc, char** argv) {
  auto r = ferry::elf::read_elf_file(argv[1]);
  if (!r) { std::puts(r.error().describe().c_str()); return 1; }
  for (const auto& n : r->needed) std::puts(n.c_str());
  return 0;
}
CPP
cmake -S "$T/consumer" -B "$T/consumer/build" -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$T/configure.log" 2>&1 || { tail "$T/configure.log"; fail "find_package(ferry) failed"; }
cmake --build "$T/consumer/build" >"$T/build.log" 2>&1 || { tail "$T/build.log"; fail "linking against ferry::ferry failed"; }
"$T/consumer/build/consumer" "$FIX/elf/app_runpath" >"$T/mine"
readelf -dW "$FIX/elf/app_runpath" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$T/oracle"
diff "$T/oracle" "$T/mine" || fail "the library's DT_NEEDED differ from readelf's"
echo "ok: $(wc -l <"$T/headers") installed headers compile alone; $(wc -l <"$T/mine") needed entries read through the installed library"
