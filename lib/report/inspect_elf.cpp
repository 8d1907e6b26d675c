// ELF rendering for `ferry inspect`: text for people, JSON ("ferry.inspect/1") for programs.
// Field names follow the ELF spec where they are spec things (DT_RPATH) and plain English where decoded.

#include <sstream>

#include "report/inspect_report.hpp"
#include "support/bytes.hpp"
#include "support/text.hpp"

namespace ferry::report {

namespace {

std::vector<std::string> isa_names(uint32_t bits) {
  std::vector<std::string> out;
  if (bits & 1) out.push_back("x86-64-baseline");
  if (bits & 2) out.push_back("x86-64-v2");
  if (bits & 4) out.push_back("x86-64-v3");
  if (bits & 8) out.push_back("x86-64-v4");
  return out;
}

std::vector<std::string> x86_feature_names(uint32_t bits) {
  std::vector<std::string> out;
  if (bits & 1) out.push_back("IBT");
  if (bits & 2) out.push_back("SHSTK");
  return out;
}

nlohmann::json path_json(const std::optional<std::string>& raw, const std::vector<std::string>& entries) {
  if (!raw) return nullptr;
  return {{"raw", *raw}, {"entries", entries}};
}

std::vector<std::string> hash_styles(const elf::ElfInfo& e) {
  std::vector<std::string> out;
  if (e.gnu_hash) out.push_back("gnu");
  if (e.sysv_hash) out.push_back("sysv");
  return out;
}

std::string kernel(const elf::AbiTag& t) {
  return std::to_string(t.major) + "." + std::to_string(t.minor) + "." + std::to_string(t.patch);
}

}  // namespace

nlohmann::json to_json(const elf::ElfInfo& e) {
  using nlohmann::json;
  json j;
  j["path"] = e.path;
  j["format"] = "elf";
  j["class"] = e.bits;
  j["endian"] = e.endian == Endian::little ? "little" : "big";
  j["machine"] = e.machine_name;
  j["e_machine"] = e.machine;
  j["osabi"] = elf::osabi_name(e.osabi);
  j["type"] = elf::to_string(e.kind);
  j["entry"] = e.entry;
  j["interpreter"] = e.interpreter ? json(*e.interpreter) : json(nullptr);
  j["soname"] = e.soname ? json(*e.soname) : json(nullptr);
  j["needed"] = e.needed;
  j["rpath"] = path_json(e.rpath, e.rpath_entries);
  j["runpath"] = path_json(e.runpath, e.runpath_entries);
  j["flags"] = elf::dt_flags_names(e.dt_flags);
  j["flags_1"] = elf::dt_flags_1_names(e.dt_flags_1);
  json needs = json::array();
  for (const auto& vn : e.version_needs) {
    json versions = json::array();
    for (const auto& v : vn.versions)
      versions.push_back({{"name", v.name}, {"index", v.index}, {"weak", (v.flags & elf::ver_flg::weak) != 0},
                          {"symbols", v.symbols}});
    needs.push_back({{"file", vn.file}, {"versions", versions}});
  }
  j["version_needs"] = needs;
  json defs = json::array();
  for (const auto& vd : e.version_defs)
    defs.push_back({{"name", vd.name}, {"index", vd.index}, {"base", (vd.flags & elf::ver_flg::base) != 0},
                    {"parents", vd.parents}});
  j["version_defs"] = defs;
  j["symbols"] = {{"imported", e.imported_symbols}, {"exported", e.exported_symbols},
                  {"ifunc", e.ifunc_symbols}, {"gnu_unique", e.unique_symbols},
                  {"irelative_relocs", e.irelative_relocs}};
  j["gnu_property"] = e.properties.present
                          ? json{{"x86_isa_needed", isa_names(e.properties.x86_isa_needed)},
                                 {"x86_features", x86_feature_names(e.properties.x86_features)},
                                 {"aarch64_features", e.properties.aarch64_features}}
                          : json(nullptr);
  j["abi_tag"] = e.abi_tag ? json{{"os", e.abi_tag->os == 0 ? "Linux" : std::to_string(e.abi_tag->os)},
                                  {"kernel", kernel(*e.abi_tag)}}
                           : json(nullptr);
  j["build_id"] = e.build_id ? json(*e.build_id) : json(nullptr);
  j["exec_stack"] = e.exec_stack ? json(*e.exec_stack) : json(nullptr);
  j["textrel"] = e.textrel;
  j["relr"] = e.relr;
  j["bind_now"] = e.bind_now;
  j["tls"] = e.has_tls;
  j["hash_styles"] = hash_styles(e);
  json loads = json::array();
  for (const auto& s : e.segments)
    if (s.type == elf::pt::load)
      loads.push_back({{"offset", s.offset}, {"vaddr", s.vaddr}, {"filesz", s.filesz}, {"memsz", s.memsz},
                       {"align", s.align}, {"flags", elf::segment_flags(s.flags)}});
  j["load_segments"] = loads;
  j["program_headers"] = e.segments.size();
  j["phdr_in_first_load"] = e.phdr_in_first_load;
  j["section_headers"] = e.has_section_headers;
  j["warnings"] = e.warnings;
  return j;
}

std::string to_text(const elf::ElfInfo& e, const TextStyle& st) {
  std::ostringstream o;
  o << bold(e.path, st) << ": ELF " << e.bits << "-bit " << (e.endian == Endian::little ? "LSB" : "MSB") << " "
    << elf::to_string(e.kind) << ", " << e.machine_name << ", " << elf::osabi_name(e.osabi) << "\n";
  if (e.interpreter) o << field("interpreter", *e.interpreter, st);
  if (e.soname) o << field("soname", *e.soname, st);
  if (!e.needed.empty()) o << field("needed", join(e.needed, ", "), st);
  if (e.rpath) o << field("rpath", *e.rpath + (e.runpath ? dim(" (ignored: RUNPATH present)", st) : ""), st);
  if (e.runpath) o << field("runpath", *e.runpath, st);
  auto f1 = elf::dt_flags_1_names(e.dt_flags_1);
  auto f = elf::dt_flags_names(e.dt_flags);
  f.insert(f.end(), f1.begin(), f1.end());
  if (!f.empty()) o << field("flags", join(f, " "), st);
  if (!e.version_needs.empty()) {
    o << field("versions needed", "", st);
    for (const auto& vn : e.version_needs) {
      o << "    " << vn.file << ":\n";
      for (const auto& v : vn.versions) {
        std::string syms;
        const size_t show = 6;
        for (size_t i = 0; i < v.symbols.size() && i < show; ++i) syms += (i ? ", " : "") + v.symbols[i];
        if (v.symbols.size() > show) syms += ", +" + std::to_string(v.symbols.size() - show) + " more";
        o << "      " << v.name << ((v.flags & elf::ver_flg::weak) ? " (weak)" : "") << (syms.empty() ? "" : ": ")
          << dim(syms, st) << "\n";
      }
    }
  }
  if (!e.version_defs.empty()) {
    std::vector<std::string> names;
    for (const auto& d : e.version_defs) names.push_back(d.name);
    o << field("versions defined", join(names, ", "), st);
  }
  if (e.has_dynamic)
    o << field("symbols", std::to_string(e.imported_symbols) + " imported, " + std::to_string(e.exported_symbols) +
                              " exported" + (e.ifunc_symbols ? ", " + std::to_string(e.ifunc_symbols) + " ifunc" : ""),
               st);
  auto hs = hash_styles(e);
  if (!hs.empty()) o << field("hash", join(hs, ", "), st);
  if (e.properties.present) {
    std::string p;
    auto isa = isa_names(e.properties.x86_isa_needed);
    auto feat = x86_feature_names(e.properties.x86_features);
    if (!isa.empty()) p += "ISA needed " + join(isa, " ");
    if (!feat.empty()) p += (p.empty() ? "" : "; ") + std::string("features ") + join(feat, " ");
    if (e.properties.aarch64_features) p += (p.empty() ? "" : "; ") + std::string("aarch64 features ") + hex(e.properties.aarch64_features);
    o << field("gnu property", p.empty() ? "present" : p, st);
  }
  if (e.abi_tag) o << field("ABI tag", std::string(e.abi_tag->os == 0 ? "Linux " : "OS ") + kernel(*e.abi_tag), st);
  if (e.build_id) o << field("build-id", *e.build_id, st);
  std::string feats;
  feats += std::string("stack ") + (!e.exec_stack ? "default" : *e.exec_stack ? "EXECUTABLE" : "non-exec");
  if (e.textrel) feats += ", TEXTREL";
  if (e.relr) feats += ", DT_RELR";
  if (e.bind_now) feats += ", BIND_NOW";
  if (e.has_tls) feats += ", TLS";
  if (!e.has_section_headers) feats += ", no section headers";
  if (!e.phdr_in_first_load) feats += ", program headers outside first PT_LOAD";
  o << field("features", feats, st);
  std::vector<std::string> loads;
  for (const auto& s : e.segments)
    if (s.type == elf::pt::load) loads.push_back(elf::segment_flags(s.flags) + "@" + hex(s.offset) + "/" + hex(s.align));
  if (!loads.empty()) o << field("PT_LOAD", join(loads, " "), st);
  for (const auto& w : e.warnings) o << field("warning", yellow(w, st), st);
  return o.str();
}

}  // namespace ferry::report
