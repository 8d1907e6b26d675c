// libFuzzer harness for the resolver's header-only ELF reader, differential against elf::read_elf: any bytes
// give a result, nullopt or an error, never a crash or hang; when both readers accept a file they agree on
// every field the header reader fills; a file the header reader accepts is one read_elf accepts too (damage
// in version tables excepted: the header reader does not read them, by design).
// sources: lib/support/*.cpp lib/elf/*.cpp
// seeds: elf resolve
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "elf/elf_info.hpp"
#include "elf/read_headers.hpp"

namespace {

bool same(const ferry::elf::ElfInfo& a, const ferry::elf::ElfInfo& b) {
  if (a.segments.size() != b.segments.size()) return false;
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const auto &x = a.segments[i], &y = b.segments[i];
    if (x.type != y.type || x.flags != y.flags || x.offset != y.offset || x.vaddr != y.vaddr || x.paddr != y.paddr ||
        x.filesz != y.filesz || x.memsz != y.memsz || x.align != y.align)
      return false;
  }
  return a.file_size == b.file_size && a.bits == b.bits && a.endian == b.endian && a.osabi == b.osabi &&
         a.abi_version == b.abi_version && a.e_type == b.e_type && a.kind == b.kind && a.machine == b.machine &&
         a.machine_name == b.machine_name && a.entry == b.entry && a.e_flags == b.e_flags && a.phoff == b.phoff &&
         a.phnum == b.phnum && a.exec_stack == b.exec_stack && a.has_tls == b.has_tls &&
         a.phdr_in_first_load == b.phdr_in_first_load && a.interpreter == b.interpreter &&
         a.has_dynamic == b.has_dynamic && a.needed == b.needed && a.soname == b.soname && a.rpath == b.rpath &&
         a.runpath == b.runpath && a.rpath_entries == b.rpath_entries && a.runpath_entries == b.runpath_entries &&
         a.dt_flags == b.dt_flags && a.dt_flags_1 == b.dt_flags_1 && a.textrel == b.textrel && a.relr == b.relr &&
         a.sysv_hash == b.sysv_hash && a.gnu_hash == b.gnu_hash && a.bind_now == b.bind_now &&
         a.has_init_array == b.has_init_array;
}

bool about_versions(const std::string& m) {
  return m.rfind("Verneed", 0) == 0 || m.rfind("Verdef", 0) == 0 || m.rfind("DT_VERNEED", 0) == 0 ||
         m.rfind("DT_VERDEF", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::ByteView view(data, size);
  auto fast = ferry::elf::read_elf_headers(ferry::elf::MemorySource(view), "fuzz");
  auto full = ferry::elf::read_elf(view, "fuzz", ferry::elf::ReadOptions{.symbols = false});
  if (fast && fast->has_value()) {
    if (!full && !about_versions(full.error().message)) {
      std::fprintf(stderr, "header reader accepts what read_elf refuses: %s\n", full.error().describe().c_str());
      std::abort();
    }
    if (full && !same(**fast, *full)) {
      std::fprintf(stderr, "header reader and read_elf disagree\n");
      std::abort();
    }
  }
  if (!fast && (fast.error().message.empty() || fast.error().path != "fuzz")) {
    std::fprintf(stderr, "error without a message or file name\n");
    std::abort();
  }
  return 0;
}
