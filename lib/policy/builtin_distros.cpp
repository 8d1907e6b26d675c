// Distribution targets: the glibc, libstdc++ (GLIBCXX/CXXABI), libgcc_s (GCC) and kernel each release ships.
// Facts from the releases' own packages: glibc and gcc package versions, the kernel of the release, and the
// version nodes those libraries define (libstdc++ 3.4.N follows gcc; CXXABI_TM_1 from gcc 4.7, CXXABI_FLOAT128
// from gcc 7 on x86; GLIBC_ABI_DT_RELR from glibc 2.36). RHEL 9 requires x86-64-v2 hardware.
#include "policy/builtin_tables.hpp"

namespace ferry::policy::tables {

const std::vector<DistroRow>& distro_rows() {
  static const std::vector<DistroRow> rows = {
      {"centos6", "el6 rhel6", "CentOS 6 (glibc 2.12, gcc 4.4.7)", "x86_64 i686", "2.12", "3.4.13", "1.3.3",
       "4.4.0", "2.6.32", "", 1},
      {"centos7", "el7 rhel7", "CentOS 7 (glibc 2.17, gcc 4.8.5)", "x86_64 i686 aarch64 ppc64le", "2.17",
       "3.4.19", "1.3.7", "4.8.0", "3.10", "CXXABI_TM_1", 1},
      {"rhel8", "el8 alma8 almalinux8 rocky8 centos8", "RHEL / AlmaLinux 8 (glibc 2.28, gcc 8.5)",
       "x86_64 aarch64 ppc64le s390x", "2.28", "3.4.25", "1.3.11", "8.0.0", "4.18", "CXXABI_TM_1 CXXABI_FLOAT128",
       1},
      {"rhel9", "el9 alma9 almalinux9 rocky9", "RHEL / AlmaLinux 9 (glibc 2.34, gcc 11.5)",
       "x86_64 aarch64 ppc64le s390x", "2.34", "3.4.29", "1.3.13", "11.0.0", "5.14", "CXXABI_TM_1 CXXABI_FLOAT128",
       2},
      {"debian10", "buster", "Debian 10 buster (glibc 2.28, gcc 8.3)", "x86_64 i686 aarch64 armv7l ppc64le s390x",
       "2.28", "3.4.25", "1.3.11", "8.0.0", "4.19", "CXXABI_TM_1 CXXABI_FLOAT128", 1},
      {"debian11", "bullseye", "Debian 11 bullseye (glibc 2.31, gcc 10.2)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.31", "3.4.28", "1.3.12", "10.0.0", "5.10",
       "CXXABI_TM_1 CXXABI_FLOAT128", 1},
      {"debian12", "bookworm", "Debian 12 bookworm (glibc 2.36, gcc 12.2)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.36", "3.4.30", "1.3.13", "12.0.0", "6.1",
       "CXXABI_TM_1 CXXABI_FLOAT128 GLIBC_ABI_DT_RELR", 1},
      {"ubuntu-18.04", "bionic", "Ubuntu 18.04 bionic (glibc 2.27, libstdc++ of gcc 8.4)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.27", "3.4.25", "1.3.11", "8.0.0", "4.15",
       "CXXABI_TM_1 CXXABI_FLOAT128", 1},
      {"ubuntu-20.04", "focal", "Ubuntu 20.04 focal (glibc 2.31, libstdc++ of gcc 10.5)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.31", "3.4.28", "1.3.12", "10.0.0", "5.4",
       "CXXABI_TM_1 CXXABI_FLOAT128", 1},
      {"ubuntu-22.04", "jammy", "Ubuntu 22.04 jammy (glibc 2.35, libstdc++ of gcc 12.3)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.35", "3.4.30", "1.3.13", "12.0.0", "5.15",
       "CXXABI_TM_1 CXXABI_FLOAT128", 1},
      {"ubuntu-24.04", "noble", "Ubuntu 24.04 noble (glibc 2.39, libstdc++ of gcc 14.2)",
       "x86_64 i686 aarch64 armv7l ppc64le s390x", "2.39", "3.4.33", "1.3.15", "14.0.0", "6.8",
       "CXXABI_TM_1 CXXABI_FLOAT128 GLIBC_ABI_DT_RELR", 1},
  };
  return rows;
}

}  // namespace ferry::policy::tables
