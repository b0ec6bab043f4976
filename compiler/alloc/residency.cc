#include "compiler/alloc/residency.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "compiler/schedule/schedule.h"

namespace ncc::alloc {
namespace {

using lower::Buffer;
using lower::ByteRange;
using lower::Dim;
using lower::ElemSize;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

bool IsDma(const TileInst& inst) { return inst.opcode == neff::Opcode::DMA_COPY; }

Space SpaceOf(const TileProgram& program, const Operand& op) {
  return program.buffers[op.buffer].space;
}

template <typename F>
void ForEachOperand(TileInst& inst, F&& f) {
  for (Operand* op : {&inst.dst, &inst.src0, &inst.src1, &inst.bias, &inst.src2, &inst.accum}) {
    if (op->valid()) f(*op);
  }
}

// One axis of a DMA's element walk, seen from both of its ends: `dram` is
// the stride on the DRAM side (elements), `chip` the stride on the on-chip
// side (elements, or partitions when `partition`).
struct Axis {
  int64_t size;
  int64_t dram;
  int64_t chip;
  bool partition;
};

struct SideAxis {
  int64_t size;
  int64_t stride;
  bool partition;
};

std::vector<SideAxis> AxesOf(const Operand& op, bool on_chip) {
  std::vector<SideAxis> axes;
  if (op.num_partitions > 1) {
    axes.push_back({op.num_partitions, on_chip ? 1 : op.partition_stride, on_chip});
  }
  for (const Dim& d : op.dims) {
    if (d.size > 1) axes.push_back({d.size, d.stride, false});
  }
  return axes;
}

// The common refinement of the two ends' axes (both walk the same number of
// elements in the same order), with neighbours merged where both ends are
// contiguous across them. Fails when the sizes do not nest.
std::optional<std::vector<Axis>> JointAxes(const Operand& dram, const Operand& chip) {
  std::vector<SideAxis> d = AxesOf(dram, false), c = AxesOf(chip, true);
  std::vector<Axis> out;
  size_t i = 0, j = 0;
  while (i < d.size() && j < c.size()) {
    SideAxis& a = d[i];
    SideAxis& b = c[j];
    if (a.size == b.size) {
      out.push_back({a.size, a.stride, b.stride, b.partition});
      ++i, ++j;
    } else if (a.size > b.size) {
      if (a.size % b.size != 0) return std::nullopt;
      const int64_t inner = a.size / b.size;
      out.push_back({b.size, a.stride * inner, b.stride, b.partition});
      a.size = inner;
      ++j;
    } else {
      if (b.size % a.size != 0) return std::nullopt;
      const int64_t inner = b.size / a.size;
      out.push_back({a.size, a.stride, b.stride * inner, b.partition});
      b.size = inner;
      ++i;
    }
  }
  if (i != d.size() || j != c.size()) return std::nullopt;
  std::vector<Axis> merged;
  for (const Axis& x : out) {
    if (!merged.empty()) {
      Axis& outer = merged.back();
      if (outer.partition == x.partition && outer.dram == x.dram * x.size &&
          outer.chip == x.chip * x.size) {
        outer = {outer.size * x.size, x.dram, x.chip, x.partition};
        continue;
      }
    }
    merged.push_back(x);
  }
  return merged;
}

// The byte ranges a DRAM operand touches, sorted, when it is a few runs:
// rows of one contiguous stretch each (a tile of a row-major matrix).
std::optional<std::vector<std::pair<int64_t, int64_t>>> DramRuns(const Operand& op) {
  const int64_t e = ElemSize(op.dtype);
  int64_t run = 1;
  std::vector<Dim> outer;
  for (size_t k = op.dims.size(); k-- > 0;) {
    const Dim& d = op.dims[k];
    if (d.size == 1) continue;
    if (outer.empty() && d.stride == run) {
      run *= d.size;
    } else {
      outer.insert(outer.begin(), d);
    }
  }
  if (!outer.empty() || op.partition_stride < run || op.num_partitions > 128) return std::nullopt;
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t p = 0; p < op.num_partitions; ++p) {
    const int64_t lo = op.offset + p * op.partition_stride * e;
    runs.emplace_back(lo, lo + run * e);
  }
  return runs;
}

// Whether two DRAM operands may touch a common byte: exact for row tiles,
// by their extents otherwise.
bool MayOverlap(const Operand& a, const Operand& b) {
  const auto ea = ByteRange(a), eb = ByteRange(b);
  if (ea.second <= eb.first || eb.second <= ea.first) return false;
  const auto ra = DramRuns(a), rb = DramRuns(b);
  if (!ra || !rb) return true;
  size_t i = 0, j = 0;
  while (i < ra->size() && j < rb->size()) {
    if ((*ra)[i].second <= (*rb)[j].first) {
      ++i;
    } else if ((*rb)[j].second <= (*ra)[i].first) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

// A store of an on-chip tile to a DRAM intermediate that later loads may be
// served from.
struct Store {
  int inst;
  int chip_buffer;
  neff::DType dtype;
  std::pair<int64_t, int64_t> extent;  // DRAM bytes
  int64_t dram_base;                   // elements
  int chip_partition;
  int64_t chip_base;       // elements
  std::vector<Axis> axes;  // DRAM stride descending, nested
};

std::optional<Store> StoreOf(const TileInst& inst, int index) {
  const Operand& dram = inst.dst;
  const Operand& chip = inst.src0;
  if (dram.dtype != chip.dtype) return std::nullopt;
  const int64_t e = ElemSize(dram.dtype);
  if (dram.offset % e != 0 || chip.offset % e != 0) return std::nullopt;
  auto axes = JointAxes(dram, chip);
  if (!axes) return std::nullopt;
  std::sort(axes->begin(), axes->end(),
            [](const Axis& a, const Axis& b) { return a.dram > b.dram; });
  // Every DRAM address must name one element: positive, nested strides.
  int64_t reach = 0;
  for (size_t k = axes->size(); k-- > 0;) {
    const Axis& a = (*axes)[k];
    if (a.dram <= reach) return std::nullopt;
    reach += (a.size - 1) * a.dram;
  }
  return Store{index,           chip.buffer,          dram.dtype,      ByteRange(dram),
               dram.offset / e, chip.start_partition, chip.offset / e, std::move(*axes)};
}

// The part of `store`'s on-chip tile that a load of `load_src` reads, as an
// operand walking the load's elements in order; nothing when the load reads
// anything the store did not write, or in an order the tile cannot express.
std::optional<Operand> ViewOfStore(const Store& store, const Operand& load_src,
                                   const Operand& load_dst) {
  if (load_src.dtype != store.dtype) return std::nullopt;
  const int64_t e = ElemSize(store.dtype);
  if (load_src.offset % e != 0) return std::nullopt;
  auto axes = JointAxes(load_src, load_dst);
  if (!axes) return std::nullopt;
  int64_t delta = load_src.offset / e - store.dram_base;
  if (delta < 0) return std::nullopt;
  std::vector<int64_t> digit(store.axes.size());
  for (size_t a = 0; a < store.axes.size(); ++a) {
    digit[a] = delta / store.axes[a].dram;
    delta -= digit[a] * store.axes[a].dram;
    if (digit[a] >= store.axes[a].size) return std::nullopt;
  }
  if (delta != 0) return std::nullopt;

  Operand view;
  view.buffer = store.chip_buffer;
  view.dtype = store.dtype;
  int64_t partition = store.chip_partition;
  int64_t element = store.chip_base;
  for (size_t a = 0; a < store.axes.size(); ++a) {
    (store.axes[a].partition ? partition : element) += digit[a] * store.axes[a].chip;
  }
  // Each load axis steps within one axis of the store (the widest whose
  // stride divides its own) and must not carry out of it.
  std::vector<int64_t> reach = digit;
  view.num_partitions = 1;
  bool first = true;
  for (const Axis& l : *axes) {
    size_t a = 0;
    while (a < store.axes.size() && store.axes[a].dram > l.dram) ++a;
    if (a == store.axes.size() || l.dram % store.axes[a].dram != 0) return std::nullopt;
    const Axis& s = store.axes[a];
    const int64_t step = l.dram / s.dram;
    reach[a] += (l.size - 1) * step;
    if (reach[a] >= s.size) return std::nullopt;
    if (s.partition) {
      // The tile's partitions must be the load's outermost axis, one apart.
      if (!first || step * s.chip != 1) return std::nullopt;
      view.num_partitions = static_cast<int>(l.size);
    } else {
      view.dims.push_back(Dim{step * s.chip, l.size});
    }
    first = false;
  }
  if (view.dims.size() > 3 || view.num_partitions != load_dst.num_partitions) {
    return std::nullopt;
  }
  if (view.dims.empty() && load_dst.free_size() > 1) return std::nullopt;
  view.start_partition = static_cast<int>(partition);
  view.offset = element * e;
  return view;
}

// A load's column block [lo, lo + len) served by one store.
struct Piece {
  int store_inst;
  Operand dst;   // the block of the load's destination
  Operand view;  // the store's tile there
};

// The elements per row of an operand whose rows are one contiguous run
// (dims of size 1 aside); 0 otherwise.
int64_t RowRun(const Operand& op) {
  // Innermost first: each dim must continue the run the inner ones made.
  int64_t run = 1;
  for (size_t k = op.dims.size(); k-- > 0;) {
    const Dim& d = op.dims[k];
    if (d.size == 1) continue;
    if (d.stride != run) return 0;
    run *= d.size;
  }
  return run;
}

// Splits a load of row blocks (rows `partition_stride` apart, one
// contiguous run each) into the column blocks that single stores of the
// same rows wrote; empty unless the blocks cover the load exactly.
std::vector<Piece> PiecesOfStores(const TileProgram& program, const std::vector<Store>& stores,
                                  const TileInst& load) {
  const Operand& src = load.src0;
  const Operand& dst = load.dst;
  const int64_t width = RowRun(src);
  const int64_t row = src.partition_stride;
  const int64_t e = ElemSize(src.dtype), de = ElemSize(dst.dtype);
  if (width == 0 || RowRun(dst) != width || row < width || src.offset % e != 0 ||
      src.num_partitions != dst.num_partitions) {
    return {};
  }
  // Rows and columns of the matrix whose rows are `row` elements apart.
  const int64_t load_row = src.offset / e / row, load_col = src.offset / e % row;
  if (load_col + width > row) return {};
  std::vector<std::pair<int64_t, const Store*>> blocks;  // first column, store
  for (const Store& s : stores) {
    const Operand& rec = program.insts[s.inst].dst;
    const int64_t rec_width = RowRun(rec);
    if (rec_width == 0 || rec.dtype != src.dtype || rec.offset % e != 0) continue;
    if (rec.num_partitions > 1 && rec.partition_stride != row) continue;
    const int64_t rec_row = rec.offset / e / row, rec_col = rec.offset / e % row;
    if (rec_col + rec_width > row || rec_row > load_row ||
        load_row + src.num_partitions > rec_row + rec.num_partitions) {
      continue;
    }
    const int64_t lo = std::max<int64_t>(0, rec_col - load_col);
    const int64_t hi = std::min(width, rec_col + rec_width - load_col);
    if (lo < hi) blocks.push_back({lo, &s});
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<Piece> pieces;
  int64_t next = 0;
  for (const auto& [lo, s] : blocks) {
    if (lo != next) return {};
    const Operand& rec = program.insts[s->inst].dst;
    const int64_t hi = std::min(width, rec.offset / e % row + RowRun(rec) - load_col);
    Operand piece_src = src, piece_dst = dst;
    piece_src.offset += lo * e;
    piece_src.dims = {Dim{1, hi - lo}};
    piece_dst.offset += lo * de;
    piece_dst.dims = {Dim{1, hi - lo}};
    std::optional<Operand> view = ViewOfStore(*s, piece_src, piece_dst);
    if (!view) return {};
    pieces.push_back({s->inst, piece_dst, *view});
    next = hi;
  }
  if (next != width || pieces.size() < 2) return {};
  return pieces;
}

// Live SBUF bytes per instruction: range add, range max.
class Pressure {
 public:
  explicit Pressure(int64_t n) : n_(std::max<int64_t>(n, 1)), max_(4 * n_, 0), add_(4 * n_, 0) {}
  void Add(int64_t lo, int64_t hi, int64_t v) { Add(1, 0, n_ - 1, lo, hi, v); }
  int64_t Max(int64_t lo, int64_t hi) { return Max(1, 0, n_ - 1, lo, hi); }

 private:
  void Add(int64_t node, int64_t l, int64_t r, int64_t lo, int64_t hi, int64_t v) {
    if (hi < l || r < lo || lo > hi) return;
    if (lo <= l && r <= hi) {
      max_[node] += v;
      add_[node] += v;
      return;
    }
    const int64_t m = (l + r) / 2;
    Add(2 * node, l, m, lo, hi, v);
    Add(2 * node + 1, m + 1, r, lo, hi, v);
    max_[node] = add_[node] + std::max(max_[2 * node], max_[2 * node + 1]);
  }
  int64_t Max(int64_t node, int64_t l, int64_t r, int64_t lo, int64_t hi) {
    if (hi < l || r < lo || lo > hi) return 0;
    if (lo <= l && r <= hi) return max_[node];
    const int64_t m = (l + r) / 2;
    return add_[node] + std::max(Max(2 * node, l, m, lo, hi), Max(2 * node + 1, m + 1, r, lo, hi));
  }

  int64_t n_;
  std::vector<int64_t> max_, add_;
};

int64_t AlignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

// Which engine takes an on-chip copy that replaces a load: the least busy
// of Vector, Scalar and GpSimd on the scheduler's cost model.
class CopyEngines {
 public:
  CopyEngines(const TileProgram& program, const target::CoreSpec& spec) : spec_(spec) {
    for (const TileInst& inst : program.insts) {
      if (const int k = Slot(inst.engine); k >= 0) {
        busy_[k] += schedule::InstructionCostNs(inst, spec_);
      }
    }
  }
  // Assigns `copy` (a TENSOR_COPY) to the engine where it finishes first.
  void Assign(TileInst& copy) {
    int best = -1;
    double best_end = 0;
    for (int k = 0; k < 3; ++k) {
      copy.engine = kEngines[k];
      const double end = busy_[k] + schedule::InstructionCostNs(copy, spec_);
      if (best < 0 || end < best_end) best = k, best_end = end;
    }
    copy.engine = kEngines[best];
    busy_[best] = best_end;
  }

 private:
  static constexpr target::Engine kEngines[3] = {target::Engine::kVector, target::Engine::kScalar,
                                                 target::Engine::kGpSimd};
  static int Slot(target::Engine engine) {
    for (int k = 0; k < 3; ++k) {
      if (kEngines[k] == engine) return k;
    }
    return -1;
  }

  const target::CoreSpec& spec_;
  double busy_[3] = {0, 0, 0};
};

// The pass's state over one program: liveness, pending stores, renames.
class Residency {
 public:
  Residency(TileProgram& program, const target::CoreSpec& spec, const ResidencyOptions& options,
            ResidencyStats* stats)
      : program_(program),
        n_(static_cast<int64_t>(program.insts.size())),
        first_(program.buffers.size(), -1),
        last_(program.buffers.size(), -1),
        writes_(program.buffers.size()),
        bytes_(program.buffers.size(), 0),
        pressure_(n_),
        budget_(static_cast<int64_t>(options.sbuf_budget * spec.sbuf_partition_bytes)),
        engines_(program, spec),
        stats_(stats),
        removed_(n_, false),
        extra_(n_),
        renamed_(program.buffers.size()),
        stores_(program.buffers.size()) {
    stats_->sbuf_budget = options.sbuf_budget;
    for (int64_t i = 0; i < n_; ++i) {
      TileInst& inst = program_.insts[i];
      ForEachOperand(inst, [&](const Operand& op) {
        if (first_[op.buffer] < 0) first_[op.buffer] = i;
        last_[op.buffer] = i;
      });
      if (inst.dst.valid()) writes_[inst.dst.buffer].push_back(i);
      if (inst.accum.valid() && inst.accum.buffer != inst.dst.buffer) {
        writes_[inst.accum.buffer].push_back(i);
      }
    }
    for (size_t b = 0; b < program_.buffers.size(); ++b) {
      if (program_.buffers[b].space != Space::SBUF || first_[b] < 0) continue;
      bytes_[b] = AlignUp(program_.buffers[b].bytes, 64);
      pressure_.Add(first_[b], last_[b], bytes_[b]);
    }
  }

  void Run() {
    for (int64_t i = 0; i < n_; ++i) {
      TileInst& inst = program_.insts[i];
      ApplyRenames(inst);
      if (IsDma(inst) && SpaceOf(program_, inst.src0) == Space::DRAM &&
          SpaceOf(program_, inst.dst) == Space::SBUF) {
        if (!ServeFromOneStore(i)) ServeFromColumnBlocks(i);
      }
      if (!removed_[i]) TrackStores(i);
    }
    DropDeadStores();
    std::vector<TileInst> kept;
    kept.reserve(n_);
    for (int64_t i = 0; i < n_; ++i) {
      if (!removed_[i]) kept.push_back(std::move(program_.insts[i]));
      for (TileInst& copy : extra_[i]) kept.push_back(std::move(copy));
    }
    program_.insts = std::move(kept);
  }

 private:
  // A loaded tile read in place: every operand on it moves to the store's
  // tile, shifted by the view's offsets.
  struct Rename {
    int to;
    int partition_shift;
    int64_t byte_shift;
  };

  void ApplyRenames(TileInst& inst) {
    ForEachOperand(inst, [&](Operand& op) {
      if (const auto& r = renamed_[op.buffer]) {
        op.buffer = r->to;
        op.start_partition += r->partition_shift;
        op.offset += r->byte_shift;
      }
    });
  }

  bool WrittenBetween(int buffer, int64_t after, int64_t until) const {
    const auto& w = writes_[buffer];
    auto it = std::upper_bound(w.begin(), w.end(), after);
    return it != w.end() && *it <= until;
  }

  // Whether tiles of `extra_bytes` may stay live over [from, until] (the
  // tiles' extended lifetimes); counts a spill of `load` when not.
  bool Fits(int64_t from, int64_t until, int64_t extra_bytes, const TileInst& load) {
    if (from > until || pressure_.Max(from, until) + extra_bytes <= budget_) return true;
    ++stats_->spilled_loads;
    stats_->spill_bytes += LoadBytes(load);
    return false;
  }

  // Keeps `tile` live until `until`.
  void Extend(int tile, int64_t until) {
    if (last_[tile] + 1 <= until) pressure_.Add(last_[tile] + 1, until, bytes_[tile]);
    last_[tile] = std::max(last_[tile], until);
  }

  static int64_t LoadBytes(const TileInst& load) {
    return load.dst.num_elements() * ElemSize(load.src0.dtype);
  }

  void CountServed(const TileInst& load) {
    ++stats_->loads_forwarded;
    stats_->bytes_forwarded += LoadBytes(load);
  }

  // Whether the load fills the whole of a tile that nothing else writes,
  // laid out as `view` of the producer's tile (so it can be read in place).
  bool InPlace(const TileInst& load, const Operand& view) const {
    const int b = load.dst.buffer;
    const Buffer& tile = program_.buffers[b];
    if (view.dtype != load.dst.dtype || writes_[b].size() != 1 || load.dst.start_partition != 0 ||
        load.dst.offset != 0 || load.dst.num_partitions != tile.partitions) {
      return false;
    }
    const int64_t e = ElemSize(load.dst.dtype);
    int64_t covered = e;
    size_t free_axis = 0;
    const std::optional<std::vector<Axis>> axes = JointAxes(load.src0, load.dst);
    if (!axes) return false;
    for (const Axis& x : *axes) {
      if (x.partition) continue;
      if (free_axis >= view.dims.size() || view.dims[free_axis].stride != x.chip) return false;
      covered += (x.size - 1) * x.chip * e;
      ++free_axis;
    }
    return free_axis == view.dims.size() && covered == tile.bytes &&
           load.dst.free_size() * e == tile.bytes;
  }

  // Serves load `i` from the latest store that wrote everything it reads.
  // Whether a store was found (then the load was served or spilled).
  bool ServeFromOneStore(int64_t i) {
    TileInst& inst = program_.insts[i];
    const int t = inst.src0.buffer;
    const auto extent = ByteRange(inst.src0);
    for (auto s = stores_[t].rbegin(); s != stores_[t].rend(); ++s) {
      if (extent.first < s->extent.first || extent.second > s->extent.second) continue;
      std::optional<Operand> view = ViewOfStore(*s, inst.src0, inst.dst);
      if (!view) continue;
      const int a = view->buffer;
      const int b = inst.dst.buffer;
      const bool in_place = InPlace(inst, *view);
      const int64_t end = in_place ? last_[b] : i;
      if (WrittenBetween(a, s->inst, end)) continue;
      if (!Fits(last_[a] + 1, end, bytes_[a], inst)) return true;
      Extend(a, end);
      CountServed(inst);
      if (in_place) {
        ++stats_->loads_in_place;
        pressure_.Add(first_[b], last_[b], -bytes_[b]);
        renamed_[b] = Rename{a, view->start_partition - inst.dst.start_partition,
                             view->offset - inst.dst.offset};
        removed_[i] = true;
      } else {
        inst.opcode = neff::Opcode::TENSOR_COPY;
        inst.src0 = *view;
        engines_.Assign(inst);
      }
      return true;
    }
    return false;
  }

  // Serves load `i` of whole rows from the column blocks that several
  // stores wrote (a matmul's output chunks): one on-chip copy per block.
  void ServeFromColumnBlocks(int64_t i) {
    TileInst& inst = program_.insts[i];
    std::vector<Piece> pieces = PiecesOfStores(program_, stores_[inst.src0.buffer], inst);
    if (pieces.empty()) return;
    int64_t from = n_, extra_bytes = 0;
    for (const Piece& piece : pieces) {
      const int a = piece.view.buffer;
      if (WrittenBetween(a, piece.store_inst, i)) return;
      from = std::min(from, last_[a] + 1);
      extra_bytes += bytes_[a];
    }
    if (!Fits(from, i, extra_bytes, inst)) return;
    CountServed(inst);
    std::vector<TileInst> copies;
    for (const Piece& piece : pieces) {
      Extend(piece.view.buffer, i);
      TileInst copy = inst;
      copy.opcode = neff::Opcode::TENSOR_COPY;
      copy.dst = piece.dst;
      copy.src0 = piece.view;
      engines_.Assign(copy);
      copies.push_back(std::move(copy));
    }
    inst = copies.front();
    extra_[i].assign(copies.begin() + 1, copies.end());
  }

  // A write to a DRAM tensor ends the stores it overlaps; a store of an
  // on-chip tile starts a new one.
  void TrackStores(int64_t i) {
    const TileInst& inst = program_.insts[i];
    if (!inst.dst.valid() || SpaceOf(program_, inst.dst) != Space::DRAM) return;
    auto& list = stores_[inst.dst.buffer];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Store& s) {
                                return MayOverlap(program_.insts[s.inst].dst, inst.dst);
                              }),
               list.end());
    if (IsDma(inst) && inst.src0.valid() && SpaceOf(program_, inst.src0) == Space::SBUF) {
      if (auto s = StoreOf(inst, static_cast<int>(i))) list.push_back(std::move(*s));
    }
  }

  // Removes stores to intermediates that no remaining instruction reads.
  void DropDeadStores() {
    std::vector<bool> read(program_.buffers.size(), false);
    for (int64_t i = 0; i < n_; ++i) {
      if (removed_[i]) continue;
      const TileInst& inst = program_.insts[i];
      for (const Operand* op : {&inst.src0, &inst.src1, &inst.bias, &inst.src2, &inst.accum}) {
        if (op->valid()) read[op->buffer] = true;
      }
    }
    for (int64_t i = 0; i < n_; ++i) {
      const TileInst& inst = program_.insts[i];
      if (removed_[i] || !IsDma(inst)) continue;
      const Buffer& t = program_.buffers[inst.dst.buffer];
      if (t.space == Space::DRAM && !t.pinned && !read[inst.dst.buffer]) {
        removed_[i] = true;
        ++stats_->stores_removed;
        stats_->store_bytes_removed += inst.dst.num_elements() * ElemSize(inst.dst.dtype);
      }
    }
  }

  TileProgram& program_;
  const int64_t n_;
  std::vector<int64_t> first_, last_;         // per buffer: first and last instruction using it
  std::vector<std::vector<int64_t>> writes_;  // per buffer: instructions writing it
  std::vector<int64_t> bytes_;                // per SBUF buffer: bytes per partition, aligned
  Pressure pressure_;
  const int64_t budget_;
  CopyEngines engines_;
  ResidencyStats* stats_;
  std::vector<bool> removed_;
  std::vector<std::vector<TileInst>> extra_;  // copies that follow instruction i
  std::vector<std::optional<Rename>> renamed_;
  std::vector<std::vector<Store>> stores_;  // per DRAM buffer: stores still current
};

}  // namespace

void KeepTilesResident(TileProgram& program, const target::CoreSpec& spec,
                       const ResidencyOptions& options, ResidencyStats* stats) {
  Residency(program, spec, options, stats).Run();
}

}  // namespace ncc::alloc
