#include "compiler/alloc/residency.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace ncc::alloc {
namespace {

using lower::Buffer;
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

// Byte range a DRAM operand touches.
std::pair<int64_t, int64_t> DramExtent(const Operand& op) {
  const int64_t e = ElemSize(op.dtype);
  int64_t lo = op.offset, hi = op.offset + e;
  auto span = [&](int64_t size, int64_t stride) {
    const int64_t reach = (size - 1) * stride * e;
    if (reach < 0) lo += reach; else hi += reach;
  };
  span(op.num_partitions, op.partition_stride);
  for (const Dim& d : op.dims) span(d.size, d.stride);
  return {lo, hi};
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
  const auto ea = DramExtent(a), eb = DramExtent(b);
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
  int64_t chip_base;                   // elements
  std::vector<Axis> axes;              // DRAM stride descending, nested
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
  return Store{index, chip.buffer, dram.dtype, DramExtent(dram), dram.offset / e,
               chip.start_partition, chip.offset / e, std::move(*axes)};
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
  int64_t run = 0;
  for (const Dim& d : op.dims) {
    if (d.size == 1) continue;
    if (run != 0 || d.stride != 1) return 0;
    run = d.size;
  }
  return run == 0 ? 1 : run;
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
// of Vector, Scalar and GpSimd by a rough per-element estimate.
class CopyEngines {
 public:
  CopyEngines(const TileProgram& program, const target::CoreSpec& spec) : spec_(spec) {
    for (const TileInst& inst : program.insts) {
      if (const int k = Slot(inst.engine); k >= 0) busy_[k] += Cost(k, inst.dst.free_size());
    }
  }
  target::Engine Take(int64_t free) {
    int best = 0;
    for (int k = 1; k < 3; ++k) {
      if (busy_[k] + Cost(k, free) < busy_[best] + Cost(best, free)) best = k;
    }
    busy_[best] += Cost(best, free);
    return kEngines[best];
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
  double Cost(int k, int64_t free) const {
    switch (kEngines[k]) {
      case target::Engine::kScalar:
        return target::ActivationNs(spec_, free);
      case target::Engine::kGpSimd:
        return target::GpSimdNs(spec_, free);
      default:
        return target::VectorNs(spec_, free, 1);
    }
  }

  const target::CoreSpec& spec_;
  double busy_[3] = {0, 0, 0};
};

}  // namespace

void KeepTilesResident(TileProgram& program, const target::CoreSpec& spec,
                       const ResidencyOptions& options, ResidencyStats* stats) {
  const int64_t n = static_cast<int64_t>(program.insts.size());
  const size_t num_buffers = program.buffers.size();
  std::vector<int64_t> first(num_buffers, -1), last(num_buffers, -1);
  std::vector<std::vector<int64_t>> writes(num_buffers);
  for (int64_t i = 0; i < n; ++i) {
    TileInst& inst = program.insts[i];
    ForEachOperand(inst, [&](const Operand& op) {
      if (first[op.buffer] < 0) first[op.buffer] = i;
      last[op.buffer] = i;
    });
    if (inst.dst.valid()) writes[inst.dst.buffer].push_back(i);
    if (inst.accum.valid() && inst.accum.buffer != inst.dst.buffer) {
      writes[inst.accum.buffer].push_back(i);
    }
  }
  auto written_between = [&](int buffer, int64_t after, int64_t until) {
    const auto& w = writes[buffer];
    auto it = std::upper_bound(w.begin(), w.end(), after);
    return it != w.end() && *it <= until;
  };

  Pressure pressure(n);
  std::vector<int64_t> bytes(num_buffers, 0);
  for (size_t b = 0; b < num_buffers; ++b) {
    if (program.buffers[b].space != Space::SBUF || first[b] < 0) continue;
    bytes[b] = AlignUp(program.buffers[b].bytes, 64);
    pressure.Add(first[b], last[b], bytes[b]);
  }
  const int64_t budget = static_cast<int64_t>(options.sbuf_budget * spec.sbuf_partition_bytes);
  stats->sbuf_budget = options.sbuf_budget;
  CopyEngines engines(program, spec);

  std::vector<bool> removed(n, false);
  std::vector<std::vector<TileInst>> extra(n);  // copies that follow instruction i
  // Renamed buffers: every operand on `from` moves to the store's tile.
  struct Rename {
    int to;
    int partition_shift;
    int64_t byte_shift;
  };
  std::vector<std::optional<Rename>> renamed(num_buffers);
  std::vector<std::vector<Store>> stores(num_buffers);

  for (int64_t i = 0; i < n; ++i) {
    TileInst& inst = program.insts[i];
    // Earlier renames apply to this instruction's operands first.
    ForEachOperand(inst, [&](Operand& op) {
      if (const auto& r = renamed[op.buffer]) {
        op.buffer = r->to;
        op.start_partition += r->partition_shift;
        op.offset += r->byte_shift;
      }
    });
    const bool load = IsDma(inst) && SpaceOf(program, inst.src0) == Space::DRAM &&
                      SpaceOf(program, inst.dst) == Space::SBUF;
    if (load) {
      const int t = inst.src0.buffer;
      const auto extent = DramExtent(inst.src0);
      bool tried = false;  // served, or spilled
      for (auto s = stores[t].rbegin(); s != stores[t].rend(); ++s) {
        if (extent.first < s->extent.first || extent.second > s->extent.second) continue;
        std::optional<Operand> view = ViewOfStore(*s, inst.src0, inst.dst);
        if (!view) continue;
        const int a = view->buffer;
        const int b = inst.dst.buffer;
        const Buffer& tile = program.buffers[b];
        // In place: the load fills the whole of a tile nothing else writes,
        // laid out as the store's view of the producer's tile.
        bool in_place = view->dtype == inst.dst.dtype && writes[b].size() == 1 &&
                        inst.dst.start_partition == 0 && inst.dst.offset == 0 &&
                        inst.dst.num_partitions == tile.partitions;
        if (in_place) {
          auto axes = JointAxes(inst.src0, inst.dst);
          const int64_t e = ElemSize(inst.dst.dtype);
          int64_t covered = e;
          size_t free_axis = 0;
          for (const Axis& x : *axes) {
            if (x.partition) continue;
            if (free_axis >= view->dims.size() || view->dims[free_axis].stride != x.chip) {
              in_place = false;
            }
            covered += (x.size - 1) * x.chip * e;
            ++free_axis;
          }
          in_place = in_place && free_axis == view->dims.size() && covered == tile.bytes &&
                     inst.dst.free_size() * e == tile.bytes;
        }
        const int64_t end = in_place ? last[b] : i;
        if (written_between(a, s->inst, end)) continue;
        // SBUF held by the producer's tile from its last use until `end`.
        const int64_t from = last[a] + 1;
        const int64_t load_bytes = inst.dst.num_elements() * ElemSize(inst.src0.dtype);
        tried = true;
        if (from <= end && pressure.Max(from, end) + bytes[a] > budget) {
          ++stats->spilled_loads;
          stats->spill_bytes += load_bytes;
          break;
        }
        if (from <= end) pressure.Add(from, end, bytes[a]);
        last[a] = std::max(last[a], end);
        ++stats->loads_forwarded;
        stats->bytes_forwarded += load_bytes;
        if (in_place) {
          ++stats->loads_in_place;
          pressure.Add(first[b], last[b], -bytes[b]);
          renamed[b] = Rename{a, view->start_partition - inst.dst.start_partition,
                              view->offset - inst.dst.offset};
          removed[i] = true;
        } else {
          const int64_t free = inst.dst.free_size();
          inst.opcode = neff::Opcode::TENSOR_COPY;
          inst.engine = engines.Take(free);
          inst.src0 = *view;
        }
        break;
      }
      if (!tried) {
        // Rows the load reads from several stores (column blocks of a
        // matrix): one on-chip copy per block.
        std::vector<Piece> pieces = PiecesOfStores(program, stores[t], inst);
        bool ok = !pieces.empty();
        int64_t from = n, extra_bytes = 0;
        for (const Piece& piece : pieces) {
          const int a = piece.view.buffer;
          ok = ok && !written_between(a, piece.store_inst, i);
          from = std::min(from, last[a] + 1);
          extra_bytes += bytes[a];
        }
        const int64_t load_bytes = inst.dst.num_elements() * ElemSize(inst.src0.dtype);
        if (ok && from <= i && pressure.Max(from, i) + extra_bytes > budget) {
          ++stats->spilled_loads;
          stats->spill_bytes += load_bytes;
        } else if (ok) {
          ++stats->loads_forwarded;
          stats->bytes_forwarded += load_bytes;
          std::vector<TileInst> copies;
          for (const Piece& piece : pieces) {
            const int a = piece.view.buffer;
            if (last[a] + 1 <= i) pressure.Add(last[a] + 1, i, bytes[a]);
            last[a] = std::max(last[a], i);
            TileInst copy = inst;
            copy.opcode = neff::Opcode::TENSOR_COPY;
            copy.engine = engines.Take(piece.dst.free_size());
            copy.dst = piece.dst;
            copy.src0 = piece.view;
            copies.push_back(std::move(copy));
          }
          inst = copies.front();
          extra[i].assign(copies.begin() + 1, copies.end());
        }
      }
    }
    if (removed[i] || !inst.dst.valid() || SpaceOf(program, inst.dst) != Space::DRAM) continue;
    // A write to a DRAM tensor ends the stores it overlaps; a store of an
    // on-chip tile starts a new one.
    const int t = inst.dst.buffer;
    auto& list = stores[t];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Store& s) {
                                return MayOverlap(program.insts[s.inst].dst, inst.dst);
                              }),
               list.end());
    if (IsDma(inst) && inst.src0.valid() && SpaceOf(program, inst.src0) == Space::SBUF) {
      if (auto s = StoreOf(inst, static_cast<int>(i))) list.push_back(std::move(*s));
    }
  }

  // Stores to intermediates that no remaining instruction reads.
  std::vector<bool> read(num_buffers, false);
  for (int64_t i = 0; i < n; ++i) {
    if (removed[i]) continue;
    const TileInst& inst = program.insts[i];
    for (const Operand* op : {&inst.src0, &inst.src1, &inst.bias, &inst.src2, &inst.accum}) {
      if (op->valid()) read[op->buffer] = true;
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    const TileInst& inst = program.insts[i];
    if (removed[i] || !IsDma(inst)) continue;
    const Buffer& t = program.buffers[inst.dst.buffer];
    if (t.space == Space::DRAM && !t.pinned && !read[inst.dst.buffer]) {
      removed[i] = true;
      ++stats->stores_removed;
      stats->store_bytes_removed += inst.dst.num_elements() * ElemSize(inst.dst.dtype);
    }
  }
  std::vector<TileInst> kept;
  kept.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (!removed[i]) kept.push_back(std::move(program.insts[i]));
    for (TileInst& copy : extra[i]) kept.push_back(std::move(copy));
  }
  program.insts = std::move(kept);
}

}  // namespace ncc::alloc
