// Internal: the compact rows the built-in targets are made from (generated manylinux/musllinux rows and the
// hand-written distro rows). builtin_targets.cpp turns them into policy::Target values once.
#pragma once

#include <vector>

namespace ferry::policy::tables {

struct ArchVersions {
  const char* arch;
  const char* spec;  // "NS=v v v|NS=..." exact allowed version suffixes
};

struct PolicyRow {  // one manylinux / musllinux policy (auditwheel's data)
  const char* name;
  const char* aliases;    // space-separated
  int priority;
  const char* whitelist;  // space-separated sonames
  const char* blacklist;  // "lib:sym sym;lib:sym"
  std::vector<ArchVersions> archs;
};
const std::vector<PolicyRow>& manylinux_rows();

struct DistroRow {  // one distribution release: numeric ceilings per namespace
  const char* name;
  const char* aliases;
  const char* description;
  const char* archs;     // space-separated
  const char* glibc;
  const char* glibcxx;   // libstdc++'s highest GLIBCXX_
  const char* cxxabi;    // highest CXXABI_
  const char* gcc;       // libgcc_s: GCC_ versions up to this are present
  const char* kernel;    // the release's kernel
  const char* special;   // allowed non-numeric versions: "CXXABI_TM_1 GLIBC_ABI_DT_RELR"
  unsigned x86_isa_level;
};
const std::vector<DistroRow>& distro_rows();

struct VfxRow {  // one VFX Reference Platform calendar year
  const char* name;     // vfx2018
  const char* aliases;  // cy2018
  const char* base;     // the distro row whose glibc / libstdc++ / libgcc_s / kernel are the ceilings
  const char* gcc;      // the year's compiler (devtoolset / gcc-toolset), for the description
  const char* cxx;      // the year's C++ standard, for the description
  const char* python;   // the year's Python minor version
  bool old_cxx_abi;     // _GLIBCXX_USE_CXX11_ABI=0 required
};
const std::vector<VfxRow>& vfx_rows();

}  // namespace ferry::policy::tables
