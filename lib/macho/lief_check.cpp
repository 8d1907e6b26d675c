// LIEF's view of a Mach-O slice, used for the header fields (CPU type and subtype, file type, flags, command
// count), which LIEF 0.9 decodes correctly. Its load-command model is not used: LIEF 0.9 lists LC_ID_DYLIB among
// the libraries and does not know LC_BUILD_VERSION, so those come from the checked reader (read_macho.cpp).
// Big-endian slices are not given to LIEF 0.9, which reads their headers unswapped.
// LIEF throws on bad input and logs to stderr; both are contained here. Input reaches LIEF only after the checked
// reader accepted every load command and file range.
#include <LIEF/MachO.hpp>

#include <exception>

#include "macho/lief_check.hpp"
#include "support/lief_start_internal.hpp"

namespace ferry::macho::detail {

namespace {

template <class T>
void take(Slice& s, const char* field, T& ours, T lief_value) {
  if (ours != lief_value)
    s.warnings.push_back(std::string("LIEF reads ") + field + " " + hex(lief_value) + ", the checked reader " +
                         hex(ours));
  ours = lief_value;
}
}  // namespace

void cross_check_with_lief(ByteView bytes, Slice& s) {
  // LIEF 0.9 does not byte-swap big-endian (PowerPC) Mach-O headers: it would read cputype 18 as 0x12000000.
  if (s.endian == Endian::big) return;
  start_lief_quietly();
  try {
    std::vector<uint8_t> data(bytes.data(), bytes.data() + bytes.size());
    auto fat = LIEF::MachO::Parser::parse(data, "", LIEF::MachO::ParserConfig::quick());
    if (!fat || fat->size() == 0) {
      s.warnings.push_back("LIEF could not parse the slice");
      return;
    }
    const LIEF::MachO::Header& h = fat->at(0).header();
    take(s, "cpu type", s.cpu_type, static_cast<uint32_t>(h.cpu_type()));
    take(s, "cpu subtype", s.cpu_subtype, h.cpu_subtype());
    take(s, "file type", s.file_type, static_cast<uint32_t>(h.file_type()));
    take(s, "flags", s.flags, h.flags());
    take(s, "ncmds", s.ncmds, h.nb_cmds());
    s.arch = arch_name(s.cpu_type, s.cpu_subtype);
    s.file_type_name = file_type_name(s.file_type);
  } catch (const std::exception& e) {
    s.warnings.push_back(std::string("LIEF could not parse the slice: ") + e.what());
  } catch (...) {
    s.warnings.push_back("LIEF could not parse the slice");
  }
}

}  // namespace ferry::macho::detail
