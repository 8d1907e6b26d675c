// Decoded PE/COFF files. OWNED BY THE MACH-O/PE ENGINEER: fill in.
#pragma once

#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::pe {

struct PeInfo {
  std::string path;
  // To be completed: machine, EXE or DLL, subsystem and OS versions, imports with function counts,
  // delay imports, exported DLL name.
};

Result<PeInfo> read_pe(ByteView image, const std::string& path);

}  // namespace ferry::pe
