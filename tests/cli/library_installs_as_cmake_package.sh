#!/usr/bin/env bash
# libferry is usable as a C++ library: `cmake --install` gives a package that find_package(ferry) finds, and a
# program linked against ferry::ferry reads an ELF file's DT_NEEDED like readelf does.
# timeout: 600
source "$(dirname "$0")/../common.sh"
need_cmd cmake
cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { tail "$T/install.log"; fail "cmake --install failed"; }
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
echo "ok: $(wc -l <"$T/mine") needed entries read through the installed library"
