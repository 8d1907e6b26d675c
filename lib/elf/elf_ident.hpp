// The ELF identification (e_ident, System V gABI "ELF Identification") checked once for every reader: the full
// reader (read_elf.cpp) and the resolver's header-only reader (read_headers.cpp) give the
// same verdict and the same words for a file that is not a usable ELF file; the writer (lib/patch) gives the same
// verdict in its own words.
#pragma once

#include <elf.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/bytes.hpp"

namespace ferry::elf {

struct Ident {
  int bits = 0;  // 32 or 64
  Endian endian = Endian::little;
  uint8_t osabi = 0, abi_version = 0, version = 0;
};

// Which check failed, so a reader with its own words (the writer, lib/patch/elf_file.cpp) maps it in one place.
enum class IdentFault { empty, short_ident, bad_magic, bad_class, bad_data, short_header };

struct IdentProblem {
  IdentFault fault;
  std::string message;
  std::optional<uint64_t> offset;
};

// `id` holds the first min(size, EI_NIDENT) bytes of a file of `size` bytes. Fails for an empty or short file,
// a wrong magic, an unknown class or byte order, or a file shorter than its class's ELF header.
inline std::optional<IdentProblem> decode_ident(const uint8_t* id, uint64_t size, Ident& out) {
  if (size == 0) return IdentProblem{IdentFault::empty, "empty file", std::nullopt};
  if (size < EI_NIDENT) return IdentProblem{IdentFault::short_ident, "file too small for an ELF identification (" + hex(size) + " bytes)", std::nullopt};
  if (id[EI_MAG0] != ELFMAG0 || id[EI_MAG1] != ELFMAG1 || id[EI_MAG2] != ELFMAG2 || id[EI_MAG3] != ELFMAG3)
    return IdentProblem{IdentFault::bad_magic, "not an ELF file", std::nullopt};
  if (id[EI_CLASS] == ELFCLASS32)
    out.bits = 32;
  else if (id[EI_CLASS] == ELFCLASS64)
    out.bits = 64;
  else
    return IdentProblem{IdentFault::bad_class, "e_ident[EI_CLASS]: invalid class " + std::to_string(id[EI_CLASS]), EI_CLASS};
  if (id[EI_DATA] == ELFDATA2LSB)
    out.endian = Endian::little;
  else if (id[EI_DATA] == ELFDATA2MSB)
    out.endian = Endian::big;
  else
    return IdentProblem{IdentFault::bad_data, "e_ident[EI_DATA]: invalid byte order " + std::to_string(id[EI_DATA]), EI_DATA};
  uint64_t ehsize = out.bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  if (size < ehsize) return IdentProblem{IdentFault::short_header, "truncated ELF header (" + hex(size) + " of " + hex(ehsize) + " bytes)", std::nullopt};
  out.osabi = id[EI_OSABI];
  out.abi_version = id[EI_ABIVERSION];
  out.version = id[EI_VERSION];
  return std::nullopt;
}

}  // namespace ferry::elf
