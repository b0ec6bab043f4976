#include "compiler/alloc/pin_weights.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ncc::alloc {
namespace {

using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

// Checking that a tile's writes are disjoint is quadratic in their number;
// a tile written by more DMAs than this keeps streaming.
constexpr size_t kMaxWritesPerTile = 4096;

int64_t AlignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

bool IsWeightLoad(const TileProgram& program, const TileInst& inst) {
  return inst.opcode == neff::Opcode::DMA_COPY && inst.src0.valid() &&
         program.buffers[inst.src0.buffer].space == Space::WEIGHTS;
}

int64_t Bytes(const Operand& op) { return op.num_elements() * lower::ElemSize(op.dtype); }

void AppendOperandKey(std::string* key, const Operand& op) {
  absl::StrAppend(key, op.buffer, ":", static_cast<int>(op.dtype), ":", op.offset, ":",
                  op.start_partition, ":", op.num_partitions, ":", op.partition_stride);
  for (const lower::Dim& d : op.dims) absl::StrAppend(key, ",", d.stride, "x", d.size);
  absl::StrAppend(key, ";");
}

// The partitions x bytes rectangle an SBUF write covers.
struct Rect {
  int p0, p1;
  int64_t lo, hi;
};

bool Disjoint(std::vector<Rect> rects) {
  std::sort(rects.begin(), rects.end(), [](const Rect& a, const Rect& b) { return a.lo < b.lo; });
  for (size_t i = 0; i < rects.size(); ++i) {
    for (size_t j = i + 1; j < rects.size() && rects[j].lo < rects[i].hi; ++j) {
      if (rects[i].p0 < rects[j].p1 && rects[j].p0 < rects[i].p1) return false;
    }
  }
  return true;
}

// The tiles loaded with the same bytes, and what pinning them saves.
struct Group {
  int canonical = -1;
  std::vector<int> duplicates;
  int64_t cost = 0;   // SBUF bytes per partition
  int64_t saved = 0;  // weight bytes no longer loaded per execution
  int first_write = 0;
};

}  // namespace

PinWeightsStats PinWeights(TileProgram& program, int64_t budget_bytes) {
  PinWeightsStats stats;
  const size_t num_buffers = program.buffers.size();
  std::vector<std::vector<int>> writes(num_buffers);
  std::vector<bool> eligible(num_buffers, true);
  for (size_t i = 0; i < program.insts.size(); ++i) {
    const TileInst& inst = program.insts[i];
    if (inst.accum.valid()) eligible[inst.accum.buffer] = false;
    if (!inst.dst.valid() || program.buffers[inst.dst.buffer].space != Space::SBUF) continue;
    writes[inst.dst.buffer].push_back(static_cast<int>(i));
    if (!IsWeightLoad(program, inst)) eligible[inst.dst.buffer] = false;
  }

  std::map<std::string, size_t> group_of;
  std::vector<Group> groups;
  for (size_t b = 0; b < num_buffers; ++b) {
    const lower::Buffer& buffer = program.buffers[b];
    if (buffer.space != Space::SBUF || buffer.pinned || !eligible[b] || writes[b].empty() ||
        writes[b].size() > kMaxWritesPerTile) {
      continue;
    }
    std::vector<Rect> rects;
    std::string key = absl::StrCat(buffer.partitions, "/", buffer.bytes, "|");
    int64_t loaded = 0;
    for (int i : writes[b]) {
      const TileInst& inst = program.insts[i];
      const auto [lo, hi] = lower::ByteRange(inst.dst);
      rects.push_back({inst.dst.start_partition, inst.dst.start_partition + inst.dst.num_partitions,
                       lo, hi});
      AppendOperandKey(&key, inst.src0);
      Operand dst = inst.dst;
      dst.buffer = -1;  // the same bytes in another tile of the same shape
      AppendOperandKey(&key, dst);
      loaded += Bytes(inst.src0);
    }
    if (!Disjoint(std::move(rects))) continue;
    auto [it, inserted] = group_of.emplace(key, groups.size());
    if (inserted) {
      Group g;
      g.canonical = static_cast<int>(b);
      g.cost = AlignUp(std::max<int64_t>(buffer.bytes, 1), 64);
      g.first_write = writes[b].front();
      groups.push_back(g);
    } else {
      groups[it->second].duplicates.push_back(static_cast<int>(b));
    }
    groups[it->second].saved += loaded;
  }

  // Most weight bytes saved per byte of SBUF first, then program order.
  std::vector<size_t> order(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Group& x = groups[a];
    const Group& y = groups[b];
    // saved / cost compared without division.
    const double lhs = static_cast<double>(x.saved) * static_cast<double>(y.cost);
    const double rhs = static_cast<double>(y.saved) * static_cast<double>(x.cost);
    if (lhs != rhs) return lhs > rhs;
    return x.first_write < y.first_write;
  });

  std::vector<int> remap(num_buffers, -1);
  std::vector<bool> moved(program.insts.size(), false), dropped(program.insts.size(), false);
  for (size_t g : order) {
    const Group& group = groups[g];
    if (stats.sbuf_bytes + group.cost > budget_bytes) continue;
    stats.sbuf_bytes += group.cost;
    ++stats.tiles_pinned;
    program.buffers[group.canonical].pinned = true;
    for (int i : writes[group.canonical]) {
      moved[i] = true;
      stats.resident_bytes += Bytes(program.insts[i].src0);
    }
    for (int d : group.duplicates) {
      remap[d] = group.canonical;
      ++stats.tiles_merged;
      for (int i : writes[d]) dropped[i] = true;
    }
  }

  std::vector<TileInst> kept;
  kept.reserve(program.insts.size());
  for (size_t i = 0; i < program.insts.size(); ++i) {
    TileInst& inst = program.insts[i];
    if (moved[i]) {
      program.load_insts.push_back(std::move(inst));
      continue;
    }
    if (dropped[i]) continue;
    for (Operand* op : {&inst.dst, &inst.src0, &inst.src1, &inst.bias, &inst.src2, &inst.accum}) {
      if (op->valid() && remap[op->buffer] >= 0) op->buffer = remap[op->buffer];
    }
    if (IsWeightLoad(program, inst)) stats.streamed_bytes += Bytes(inst.src0);
    kept.push_back(std::move(inst));
  }
  program.insts = std::move(kept);
  return stats;
}

}  // namespace ncc::alloc
