// Parallel, ordered, bounded-memory reading of many binaries.
#include "binary/inspect.hpp"

#include <filesystem>

#include "support/file.hpp"
#include "support/parallel.hpp"

namespace ferry {

static bool is_binary_kind(FileKind k) {
  return k == FileKind::elf || k == FileKind::macho || k == FileKind::macho_fat || k == FileKind::pe;
}

InspectSummary inspect_paths(const std::vector<std::string>& paths, const InspectOptions& opts,
                             const std::function<void(InspectItem&)>& consume) {
  InspectSummary sum;
  struct Input {
    std::string path;
    bool explicit_arg;
  };
  std::vector<Input> inputs;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      auto w = walk_paths({p});
      for (auto& f : w.files) inputs.push_back({std::move(f), false});
      for (auto& e : w.errors) {
        if (!opts.shard.first()) continue;
        InspectItem it{e.path, std::nullopt, e, {}};
        ++sum.errors;
        consume(it);
      }
    } else {
      inputs.push_back({p, true});
    }
  }
  if (!opts.shard.all()) {
    std::vector<Input> mine;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (opts.shard.takes(i)) mine.push_back(std::move(inputs[i]));
    inputs = std::move(mine);
  }
  elf::ReadOptions ro;
  ro.symbols = opts.symbols;
  for (size_t start = 0; start < inputs.size(); start += opts.window) {
    size_t n = std::min(opts.window, inputs.size() - start);
    std::vector<std::optional<InspectItem>> batch(n);
    parallel_for(
        n,
        [&](size_t i) {
          const Input& in = inputs[start + i];
          if (!in.explicit_arg && !is_binary_kind(sniff_file(in.path))) return;
          InspectItem item;
          item.path = in.path;
          auto m = MappedFile::open(in.path);
          if (!m) {
            item.error = m.error();
          } else {
            Result<Binary> b = Error{};
            if (sniff(m->view()) == FileKind::elf) {
              auto e = elf::read_elf(m->view(), in.path, ro);
              b = e ? Result<Binary>(Binary(std::move(e).value())) : Result<Binary>(e.error());
            } else {
              b = read_binary(m->view(), in.path);
            }
            if (b)
              item.binary = std::move(b).value();
            else
              item.error = b.error();
          }
          if (opts.render) {
            item.rendered = opts.render(item);
            item.binary.reset();
          }
          batch[i] = std::move(item);
        },
        opts.jobs);
    for (auto& it : batch) {
      if (!it) {
        ++sum.skipped;
        continue;
      }
      ++sum.files;
      if (it->error) ++sum.errors;
      consume(*it);
    }
  }
  return sum;
}

}  // namespace ferry
