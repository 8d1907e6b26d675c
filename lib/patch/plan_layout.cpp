// The planner: every decision about the output, taken before anything is written. plan() lays the edits out on
// the file as it is; when a structure does not fit, the cheapest room move is decided (slide.cpp, make_room.cpp)
// and planned again on a model of the layout it leaves: the parsed file with its headers and tables following
// the move, its bytes read from the input through the moves (layout_view.hpp), never copied or re-read. The
// result is data: the room moves in order, the layout after them, the strategy and the sizes; apply() carries
// it out.
#include <algorithm>
#include <memory>

#include "patch/layout_plan.hpp"
#include "patch/layout_view.hpp"

namespace ferry::patch {

namespace {

// What a plan could not fit where it is: the end of the structure that would otherwise move whole (or, for the
// program header table, move at all), by how many bytes it grows, and the ways to make room, cheapest first.
struct RoomWish {
  std::string what;
  uint64_t pos = 0, bytes = 0;
  uint64_t size = 0;  // its current size: moving other sections instead must cost less
  std::vector<RoomMethod> methods;
};
std::vector<RoomWish> room_wanted(const ElfFile& f, const LayoutPlan& lp) {
  std::vector<RoomWish> w;
  if (lp.dynstr_growth)
    w.push_back({".dynstr", f.dynstr_offset + f.dynstr_size, lp.dynstr_growth, f.dynstr_size,
                 {RoomMethod::slide, RoomMethod::evict}});
  if (lp.interp_growth && f.interp_phdr) {
    const Phdr& p = f.phdrs[*f.interp_phdr];
    w.push_back({"PT_INTERP", p.offset + p.filesz, lp.interp_growth, p.filesz, {RoomMethod::slide, RoomMethod::evict}});
  }
  if (lp.needs_room())
    w.push_back({"program headers", f.e_phoff + f.phdrs.size() * f.c.phent(),
                 std::max<uint64_t>(lp.table_growth, f.c.phent()), 0, {RoomMethod::slide, RoomMethod::new_segment}});
  return w;
}

Result<RoomMove> decide_room(const ElfFile& f, const RoomWish& w, RoomMethod m, uint64_t page, const LayoutPlan& lp) {
  switch (m) {
    case RoomMethod::slide: return decide_slide(f, w.pos, w.bytes);
    case RoomMethod::evict: return decide_evict(f, w.pos, w.bytes, w.what, w.size);
    case RoomMethod::new_segment: return decide_phdr_room(f, page, lp.table_extra);
  }
  return f.error("internal: unknown way to make room", std::nullopt, ErrorCode::verify);
}

using Tried = std::vector<std::pair<std::string, RoomMethod>>;

// The first (structure, method) not tried yet on this layout that can be done, or nothing when none can. A
// program whose header table cannot get room is an error (plan() has no other place for it).
Result<std::optional<RoomMove>> next_move(const ElfFile& f, const LayoutPlan& lp, Tried& tried, uint64_t page) {
  for (const auto& wish : room_wanted(f, lp)) {
    for (RoomMethod method : wish.methods) {
      if (std::find(tried.begin(), tried.end(), std::pair(wish.what, method)) != tried.end()) continue;
      tried.emplace_back(wish.what, method);
      auto move = decide_room(f, wish, method, page, lp);
      if (!move) {
        if (method == RoomMethod::new_segment && !f.shdrs.empty() && f.runs_as_program()) return move.error();
        continue;
      }
      move->what = wish.what;
      return std::optional<RoomMove>(std::move(*move));
    }
  }
  return std::optional<RoomMove>();
}

// The bytes one decided move leaves, as a layer of the model's view: the block copied, the range cleared, and
// every byte its fields, program header table and e_phnum write, in carry_out's order (a later write wins).
ModelLayer model_layer(const Codec& c, const RoomMove& m, uint64_t size_before) {
  ModelLayer l{m.block.start, m.new_offset, m.size(), m.clear_offset, m.clear_size,
               std::max(size_before, m.file_size), {}};
  uint8_t v[64];
  auto put = [&](uint64_t at, uint64_t n) {
    for (uint64_t k = 0; k < n; ++k) l.written[at + k] = v[k];
  };
  for (const auto& w : m.fields) {
    c.put(v, w.size, w.value);
    put(w.offset, static_cast<uint64_t>(w.size));
  }
  for (size_t i = 0; i < m.phdrs.size(); ++i) {
    encode_phdr(c, v, m.phdrs[i]);
    put(m.phoff + i * c.phent(), c.phent());
  }
  const elf::Field phnum = c.e_phnum();
  c.put(v, phnum.size, m.phdrs.size());
  put(phnum.at, static_cast<uint64_t>(phnum.size));
  return l;
}

// The model after `move`: `f` with one more layer over its bytes, and its parsed headers and tables following
// what the move wrote (follow_written_bytes). No byte is copied and nothing is written but `f`.
Status follow_move(ElfFile& f, const RoomMove& move) {
  const uint64_t size_before = f.file_size();
  FERRY_CHECK(move_fits(f.c, move, std::max(size_before, move.file_size)));
  std::vector<ModelLayer> layers;
  ByteView input = f.bytes;
  if (f.layout) {
    layers = f.layout->layers();
    input = f.layout->input();
  }
  layers.push_back(model_layer(f.c, move, size_before));
  auto view = std::make_shared<const LayoutView>(input, std::move(layers));
  const ModelLayer& top = view->layers().back();
  f.layout = view;
  f.bytes = ByteView();  // every read goes through the view now
  return follow_written_bytes(f, [&top](uint64_t off, uint64_t n) {
    auto w = top.written.lower_bound(off);
    return w != top.written.end() && w->first - off < n;
  });
}

// The strategy of the whole plan: room made by a new segment, or by growing the file, counts too.
Strategy overall_strategy(Strategy planned, const std::vector<RoomMove>& room, uint64_t modelled_size,
                          uint64_t input_size) {
  for (const auto& m : room)
    if (m.method == RoomMethod::new_segment) return Strategy::new_segment;
  if (modelled_size != input_size && planned != Strategy::new_segment) return Strategy::extend_last_segment;
  return planned;
}

}  // namespace

// Cheapest room first, each (structure, method) tried once per layout:
//  1. slide the sections after it into the padding at the end of its segment (slide.cpp): the file keeps its size;
//  2. .dynstr / PT_INTERP: move the fewest sections after it to the end of a PT_LOAD that ends the file
//     (make_room.cpp decide_evict), cheaper than copying a large .dynstr;
//  3. the program header table: move the sections after it into a new PT_LOAD (decide_phdr_room); the table
//     stays right after the ELF header, where kernels (AT_PHDR) and binutils' strip expect it.
// Whatever still does not fit is placed by plan() in the new area (copied whole). A method that could not be
// done may become possible after another move (evicting into the PT_LOAD the table's room created), so the
// tried list starts again after each move. It cannot become "each structure and method once" without changing
// decisions: a method refused on one layout is sometimes the one that succeeds on the next. Each move makes the
// room a structure asked for, so a structure that got its room does not ask again, and real files need at most
// three moves (system libraries and programs, after one patch and after two); but nothing proves a move cannot
// take away room an earlier one made, so the hard bound of 8 moves stays as the guarantee of termination.
Result<LayoutPlan> plan_layout(const ElfFile& input, const Edits& edits, const PatchOptions& opts, const Facts& facts) {
  const uint64_t page = opts.page_size ? opts.page_size : target_page_size(input.e_machine);
  FERRY_TRY(lp, plan(input, edits, opts, facts));
  std::optional<ElfFile> model;  // the input as the moves so far leave it; made at the first move
  const ElfFile* now = &input;
  std::vector<RoomMove> room;
  Tried tried;
  for (int round = 0; round < 8; ++round) {
    FERRY_TRY(move, next_move(*now, lp, tried, page));
    if (!move) break;
    if (!model) model.emplace(input);
    FERRY_CHECK(follow_move(*model, *move));
    now = &*model;
    room.push_back(std::move(*move));
    FERRY_TRY(replanned, plan(*now, edits, opts, facts));
    lp = std::move(replanned);
    tried.clear();
  }
  if (lp.needs_room()) {
    // A shared library whose table could not get room after it: the table moves into the new segment. The
    // loader finds it there, but binutils' strip cannot rewrite such a file (it assumes the table follows the
    // ELF header), so this is the last resort.
    FERRY_TRY(moved, plan(*now, edits, opts, facts, true));
    lp = std::move(moved);
  }
  const uint64_t modelled_size = now->file_size();
  std::vector<std::string> steps;
  for (const auto& m : room) steps.push_back(m.step);
  lp.steps.insert(lp.steps.begin(), steps.begin(), steps.end());
  lp.room = std::move(room);
  lp.old_size = input.file_size();
  lp.new_size = std::max<uint64_t>(lp.new_size, modelled_size);
  lp.strategy = overall_strategy(lp.strategy, lp.room, modelled_size, input.file_size());
  return lp;
}

}  // namespace ferry::patch
