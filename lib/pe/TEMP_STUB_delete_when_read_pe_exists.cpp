// TEMPORARY link stub from the lead so the shared tree links while read_pe is written.
// macho-pe engineer: DELETE THIS FILE as soon as your real read_pe exists (duplicate symbol otherwise).
#include "pe/pe_info.hpp"
namespace ferry::pe {
Result<PeInfo> read_pe(ByteView, const std::string& path) {
  Error e = make_error(ErrorCode::unsupported, "PE reading is not implemented yet");
  e.path = path;
  return e;
}
}  // namespace ferry::pe
