// VFX Reference Platform targets (vfxplatform.com, one per calendar year). A year's devtoolset / gcc-toolset
// compiler links the libstdc++ parts newer than the base system's statically, so the dynamic ceilings are those
// of the base system: CentOS 7 for CY2018-CY2022, RHEL / Rocky 8 for CY2023 on. Years before CY2023 also require
// the old libstdc++ ABI (_GLIBCXX_USE_CXX11_ABI=0); every year names one Python for extension modules.
#include "policy/builtin_tables.hpp"

namespace ferry::policy::tables {

const std::vector<VfxRow>& vfx_rows() {
  static const std::vector<VfxRow> rows = {
      {"vfx2018", "cy2018", "centos7", "6.3.1", "14", "2.7", true},
      {"vfx2019", "cy2019", "centos7", "6.3.1", "14", "2.7", true},
      {"vfx2020", "cy2020", "centos7", "6.3.1", "14", "3.7", true},
      {"vfx2021", "cy2021", "centos7", "9.3.1", "17", "3.7", true},
      {"vfx2022", "cy2022", "centos7", "9.3.1", "17", "3.9", true},
      {"vfx2023", "cy2023", "rhel8", "11.2.1", "17", "3.10", false},
      {"vfx2024", "cy2024", "rhel8", "11.2.1", "17", "3.11", false},
      {"vfx2025", "cy2025", "rhel8", "11.2.1", "17", "3.11", false},
      {"vfx2026", "cy2026", "rhel8", "14.2", "20", "3.13", false},
  };
  return rows;
}

}  // namespace ferry::policy::tables
