// Format dispatch: the magic decides which reader runs; everything else is the readers' business.
#include "binary/binary.hpp"

#include "support/file.hpp"

namespace ferry {

Result<Binary> read_binary(ByteView image, const std::string& path) {
  switch (sniff(image)) {
    case FileKind::elf: {
      FERRY_TRY(e, elf::read_elf(image, path));
      return Binary(std::move(e));
    }
    case FileKind::macho:
    case FileKind::macho_fat: {
      FERRY_TRY(m, macho::read_macho(image, path));
      return Binary(std::move(m));
    }
    case FileKind::pe: {
      FERRY_TRY(p, pe::read_pe(image, path));
      return Binary(std::move(p));
    }
    default: {
      Error e = make_error(ErrorCode::unsupported, image.empty() ? "empty file" : "not an ELF, Mach-O or PE file");
      e.path = path;
      return e;
    }
  }
}

Result<Binary> read_binary_file(const std::string& path) {
  FERRY_TRY(m, MappedFile::open(path));
  return read_binary(m.view(), path);
}

const std::string& binary_path(const Binary& b) {
  return std::visit([](const auto& x) -> const std::string& { return x.path; }, b);
}

const char* binary_format(const Binary& b) {
  switch (b.index()) {
    case 0: return "elf";
    case 1: return "macho";
    default: return "pe";
  }
}

}  // namespace ferry
