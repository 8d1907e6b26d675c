// Names for ELF values that ferry prints (EI_OSABI, DT_FLAGS, DT_FLAGS_1, p_flags), so that renderers outside
// lib/elf need not include <elf.h>.
#include <elf.h>

#include "elf/elf_info.hpp"

namespace ferry::elf {

const char* osabi_name(uint8_t o) {
  switch (o) {
    case ELFOSABI_SYSV: return "SYSV";
    case ELFOSABI_GNU: return "GNU/Linux";
    case ELFOSABI_FREEBSD: return "FreeBSD";
    case ELFOSABI_NETBSD: return "NetBSD";
    case ELFOSABI_SOLARIS: return "Solaris";
    case ELFOSABI_OPENBSD: return "OpenBSD";
    case ELFOSABI_ARM: return "ARM";
    case ELFOSABI_STANDALONE: return "standalone";
    default: return "unknown";
  }
}

std::vector<std::string> dt_flags_1_names(uint64_t f) {
  static const std::pair<uint64_t, const char*> names[] = {
      {DF_1_NOW, "NOW"},         {DF_1_GLOBAL, "GLOBAL"},       {DF_1_GROUP, "GROUP"},
      {DF_1_NODELETE, "NODELETE"}, {DF_1_LOADFLTR, "LOADFLTR"}, {DF_1_INITFIRST, "INITFIRST"},
      {DF_1_NOOPEN, "NOOPEN"},   {DF_1_ORIGIN, "ORIGIN"},       {DF_1_DIRECT, "DIRECT"},
      {DF_1_INTERPOSE, "INTERPOSE"}, {DF_1_NODEFLIB, "NODEFLIB"}, {DF_1_NODUMP, "NODUMP"},
      {DF_1_CONFALT, "CONFALT"}, {DF_1_ENDFILTEE, "ENDFILTEE"}, {DF_1_DISPRELDNE, "DISPRELDNE"},
      {DF_1_DISPRELPND, "DISPRELPND"}, {DF_1_NODIRECT, "NODIRECT"}, {DF_1_IGNMULDEF, "IGNMULDEF"},
      {DF_1_NOKSYMS, "NOKSYMS"}, {DF_1_NOHDR, "NOHDR"},         {DF_1_EDITED, "EDITED"},
      {DF_1_NORELOC, "NORELOC"}, {DF_1_SYMINTPOSE, "SYMINTPOSE"}, {DF_1_GLOBAUDIT, "GLOBAUDIT"},
      {DF_1_SINGLETON, "SINGLETON"}, {DF_1_STUB, "STUB"},       {DF_1_PIE, "PIE"}};
  std::vector<std::string> out;
  for (auto [bit, name] : names)
    if (f & bit) out.emplace_back(name);
  return out;
}

std::vector<std::string> dt_flags_names(uint64_t f) {
  static const std::pair<uint64_t, const char*> names[] = {{DF_ORIGIN, "ORIGIN"},
                                                           {DF_SYMBOLIC, "SYMBOLIC"},
                                                           {DF_TEXTREL, "TEXTREL"},
                                                           {DF_BIND_NOW, "BIND_NOW"},
                                                           {DF_STATIC_TLS, "STATIC_TLS"}};
  std::vector<std::string> out;
  for (auto [bit, name] : names)
    if (f & bit) out.emplace_back(name);
  return out;
}

std::string segment_flags(uint32_t f) {
  std::string s = "---";
  if (f & PF_R) s[0] = 'R';
  if (f & PF_W) s[1] = 'W';
  if (f & PF_X) s[2] = 'E';
  return s;
}

}  // namespace ferry::elf
