// Header-only ELF reading, the resolver's fast path: what ld.so's open_verify and _dl_map_object_from_fd look at
// (the ELF identification, the program headers, PT_INTERP, PT_DYNAMIC and the DT_NEEDED / DT_SONAME / DT_RPATH /
// DT_RUNPATH strings of DT_STRTAB), read with two or three pread(2) calls instead of mapping and decoding the
// whole file. Spec: the System V gABI (ELF header, program header, dynamic section), glibc elf/dl-load.c.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "elf/elf_info.hpp"
#include "support/bytes.hpp"
#include "support/result.hpp"

namespace ferry::elf {

// Random access to the bytes of one file.
class ByteSource {
public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Copies bytes [off, off + len) into `out`; the reader only asks for ranges inside size(). False when the
  // bytes cannot be read (I/O error, or the file shrank since size() was taken).
  virtual bool read(uint64_t off, uint8_t* out, uint64_t len) const = 0;
};

// pread(2) on an open descriptor whose size the caller knows (from its stat).
class FdSource : public ByteSource {
public:
  FdSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t off, uint8_t* out, uint64_t len) const override;

private:
  int fd_;
  uint64_t size_;
};

// Bytes already in memory (tests, fuzzing).
class MemorySource : public ByteSource {
public:
  explicit MemorySource(ByteView bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read(uint64_t off, uint8_t* out, uint64_t len) const override;

private:
  ByteView bytes_;
};

// Decodes the loader-relevant part of an ELF file. The fields it fills are equal to read_elf's for the
// same file (both decode through Codec): path, file_size, bits, endian, osabi, abi_version, e_type, kind, machine, machine_name, entry,
// e_flags, phoff, phnum, segments, exec_stack, has_tls, phdr_in_first_load, interpreter, has_dynamic, needed,
// soname, rpath, runpath, rpath_entries, runpath_entries, dt_flags, dt_flags_1, textrel, relr, sysv_hash,
// gnu_hash, bind_now, has_init_array. Everything else (section headers, version tables, symbols, notes,
// warnings) is left empty; version tables are not read, so damage there is not seen.
// nullopt: a layout this reader leaves to read_elf (PN_XNUM program header counts, section-derived
// dynamic data, EI_VERSION other than EV_CURRENT, extended section counts); the caller reads the file in full.
// Errors name the file, the structure and its offset, as read_elf's do.
Result<std::optional<ElfInfo>> read_elf_headers(const ByteSource& src, const std::string& path);

}  // namespace ferry::elf
