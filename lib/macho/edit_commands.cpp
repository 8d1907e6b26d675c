// edit_commands: rebuilds the load-command area of one slice from the old commands, replacing dylib and rpath
// commands that change; strings NUL-terminated and padded to the pointer size, cmdsize/ncmds/sizeofcmds
// recomputed; bytes freed at the end are zeroed so the padding stays clean for the next edit.
#include "macho/edit_commands.hpp"

#include "macho/slice_layout.hpp"

namespace ferry::macho {

namespace {

// A dylib_command (24 fixed bytes: cmd, cmdsize, name offset, timestamp, current, compat) with a new name.
std::vector<uint8_t> dylib_command(const std::vector<uint8_t>& b, const RawCommand& c, const std::string& name,
                                   uint32_t align) {
  uint32_t size = uint32_t(align_up(24 + name.size() + 1, align));
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data(), b.data() + c.offset, 24);
  put32(out, 4, size);
  put32(out, 8, 24);
  std::memcpy(out.data() + 24, name.data(), name.size());
  return out;
}

// The lc_str at +8 of a command, bounded by the command.
std::string command_string(const std::vector<uint8_t>& b, const RawCommand& c) {
  if (c.size < 12) return {};  // too small to hold an lc_str offset
  uint32_t off = get32(b, c.offset + 8);
  if (off >= c.size) return {};
  const char* p = reinterpret_cast<const char*>(b.data() + c.offset + off);
  return std::string(p, strnlen(p, c.size - off));
}

}  // namespace

Status check_header_room(uint64_t commands_end, uint64_t first_content, uint64_t new_end, const std::string& label) {
  (void)commands_end;
  if (new_end <= first_content) return {};
  return make_error(ErrorCode::policy,
                    label + ": no room in the header padding for the new load commands: " +
                        std::to_string(new_end - first_content) + " more bytes are needed (the first section starts at " +
                        hex(first_content) + " and sections never move; relink with -headerpad_max_install_names)");
}

Result<bool> edit_commands(std::vector<uint8_t>& b, const CommandEdits& e, const std::string& label) {
  FERRY_TRY(l, read_layout(ByteView(b.data(), b.size())));
  const uint32_t align = l.is_64 ? 8 : 4;
  std::vector<uint8_t> cmds;
  uint32_t ncmds = 0;
  bool changed = false;
  for (const auto& c : l.commands) {
    std::vector<uint8_t> one(b.begin() + long(c.offset), b.begin() + long(c.offset + c.size));
    if (c.cmd == lc::rpath && e.remove_rpaths.count(command_string(b, c))) {
      changed = true;
      continue;
    }
    if (c.size >= 24 && c.cmd == lc::id_dylib && e.id && command_string(b, c) != *e.id) {
      one = dylib_command(b, c, *e.id, align);
      changed = true;
    } else if (c.size >= 24 && lc::is_dependency(c.cmd)) {
      auto it = e.dependencies.find(command_string(b, c));
      if (it != e.dependencies.end() && it->first != it->second) {
        one = dylib_command(b, c, it->second, align);
        changed = true;
      }
    }
    cmds.insert(cmds.end(), one.begin(), one.end());
    ++ncmds;
  }
  if (!changed) return false;
  uint64_t new_end = l.header_size + cmds.size();
  FERRY_CHECK(check_header_room(l.commands_end, l.first_content, new_end, label));
  std::memcpy(b.data() + l.header_size, cmds.data(), cmds.size());
  if (new_end < l.commands_end) std::memset(b.data() + new_end, 0, l.commands_end - new_end);
  put32(b, 16, ncmds);
  put32(b, 20, uint32_t(cmds.size()));
  return true;
}

}  // namespace ferry::macho
