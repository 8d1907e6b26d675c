// Decoded Mach-O files (thin and fat/universal). OWNED BY THE MACH-O/PE ENGINEER: fill in.
#pragma once

#include <string>
#include <vector>

#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::macho {

struct MachOFile {
  std::string path;
  // To be completed: slices (CPU type, file type, install name, dependencies with kind and versions,
  // rpaths, minimum OS / SDK / platform).
};

Result<MachOFile> read_macho(ByteView image, const std::string& path);

}  // namespace ferry::macho
