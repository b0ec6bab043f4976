// The weight views of the simulated core (deferred DMAs of weights into
// SBUF, core.h) and the decoded schedule's conflict test and steps: what
// the scheduler's side settles before an instruction runs.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>

#include "neff/access_pattern.h"
#include "runtime/sim/core.h"

namespace ncc::sim {

using neff::ApGeometry;

Core::Rect Core::RectOf(const ApGeometry& g) const {
  const int64_t part = sizes_.sbuf_partition;
  Rect r;
  if (g.partition_stride > 0 && g.partition_stride % part == 0) {
    r.p0 = g.start / part;
    r.p1 = r.p0 + (g.num_partitions - 1) * (g.partition_stride / part) + 1;
    r.lo = g.partition_lo;
    r.hi = g.partition_hi;
  } else {
    r.p0 = 0;
    r.p1 = sizes_.partitions;
    r.lo = 0;
    r.hi = part - 1;
  }
  return r;
}

namespace {

// Whether `g` writes every byte of its Rect: dense rows, one partition apart.
bool DenseRows(const ApGeometry& g, int64_t part_bytes) {
  return g.free_contiguous && g.partition_stride == part_bytes;
}

}  // namespace

bool Core::DeferWeightCopy(const ApGeometry& dst, const ApGeometry& src) {
  if (src.space != neff::MemorySpace::WEIGHTS || dst.space != neff::MemorySpace::SBUF ||
      src.dtype != dst.dtype || src.num_partitions != dst.num_partitions ||
      src.free_size != dst.free_size || !src.free_contiguous ||
      !DenseRows(dst, sizes_.sbuf_partition) || src.partition_stride < 0) {
    return false;
  }
  const Rect r = RectOf(dst);
  Cut(r, /*copy=*/false);
  WeightView v;
  v.p0 = r.p0;
  v.np = r.p1 - r.p0;
  v.lo = r.lo;
  v.hi = r.hi;
  v.row = src.partition_stride;
  v.base = src.start - v.p0 * v.row - v.lo;
  views_.push_back(v);
  return true;
}

void Core::Cut(const Rect& r, bool copy) {
  const uint8_t* weights = model_.weights()->data();
  const int64_t part = sizes_.sbuf_partition;
  for (size_t i = views_.size(); i-- > 0;) {
    const WeightView v = views_[i];
    const int64_t p0 = std::max(v.p0, r.p0), p1 = std::min(v.p0 + v.np, r.p1);
    const int64_t lo = std::max(v.lo, r.lo), hi = std::min(v.hi, r.hi);
    if (p0 >= p1 || lo > hi) continue;
    if (copy && record_copies_ != nullptr) {
      record_copies_->push_back({p0, p1, lo, hi, v.base, v.row});
    } else if (copy) {
      for (int64_t p = p0; p < p1; ++p) {
        std::memcpy(sbuf_ + p * part + lo, weights + v.base + p * v.row + lo, hi - lo + 1);
      }
    }
    // What is left of v: the partitions before and after the cut, and the
    // bytes left and right of it in the partitions it spans.
    views_[i] = views_.back();
    views_.pop_back();
    auto keep = [&](int64_t q0, int64_t q1, int64_t b0, int64_t b1) {
      if (q0 >= q1 || b0 > b1) return;
      WeightView piece = v;
      piece.p0 = q0;
      piece.np = q1 - q0;
      piece.lo = b0;
      piece.hi = b1;
      views_.push_back(piece);
    };
    keep(v.p0, p0, v.lo, v.hi);
    keep(p1, v.p0 + v.np, v.lo, v.hi);
    keep(p0, p1, v.lo, lo - 1);
    keep(p0, p1, hi + 1, v.hi);
  }
}

void Core::BeforeRead(const ApGeometry& g) {
  if (g.space != neff::MemorySpace::SBUF) return;
  Cut(RectOf(g), /*copy=*/true);
}

void Core::BeforeWrite(const ApGeometry& g) {
  if (g.space != neff::MemorySpace::SBUF) return;
  // A dense write overwrites every byte of its Rect: nothing read the view
  // bytes there, so they need no copy.
  Cut(RectOf(g), /*copy=*/!DenseRows(g, sizes_.sbuf_partition));
}

const uint8_t* Core::WeightRows(const ApGeometry& g, int64_t* ld) const {
  if (g.space != neff::MemorySpace::SBUF || !DenseRows(g, sizes_.sbuf_partition)) {
    return nullptr;
  }
  // A weight tile is often loaded by several DMAs of a few partitions each
  // (one per queue): `g` may span several views, which must then all map
  // SBUF (p, b) to the same weights byte base + p * row + b.
  const Rect r = RectOf(g);
  int64_t covered = 0, base = 0, row = 0;
  bool first = true;
  for (const WeightView& v : views_) {
    const int64_t p0 = std::max(v.p0, r.p0), p1 = std::min(v.p0 + v.np, r.p1);
    const int64_t lo = std::max(v.lo, r.lo), hi = std::min(v.hi, r.hi);
    if (p0 >= p1 || lo > hi) continue;
    if (first) {
      base = v.base;
      row = v.row;
      first = false;
    } else if (v.base != base || v.row != row) {
      return nullptr;
    }
    covered += (p1 - p0) * (hi - lo + 1);
  }
  // Views are disjoint: covered bytes are distinct.
  if (first || covered != (r.p1 - r.p0) * (r.hi - r.lo + 1)) return nullptr;
  const int64_t offset = base + r.p0 * row + r.lo;
  if (offset % g.elem_size != 0 || row % g.elem_size != 0) return nullptr;
  *ld = row;
  return model_.weights()->data() + offset;
}

namespace {

// The SBUF a view copy writes, as an operand.
ApGeometry CopyGeometry(const ViewCopy& c, int64_t part_bytes) {
  ApGeometry g;
  g.space = neff::MemorySpace::SBUF;
  g.start = c.p0 * part_bytes + c.lo;
  g.num_partitions = c.p1 - c.p0;
  g.partition_stride = part_bytes;
  g.partition_lo = c.lo;
  g.partition_hi = c.hi;
  return g;
}

// The operands a step reads and writes.
struct Footprint {
  const ApGeometry* reads[4] = {};
  const ApGeometry* writes[2] = {};
};

Footprint FootprintOf(const Step& step) {
  const Resolved& o = step.queue->instructions[step.index].o;
  Footprint f;
  f.reads[0] = o.src0;
  f.reads[1] = o.src1;
  f.reads[2] = o.src2;
  f.reads[3] = o.bias;
  // A matmul also reads its dst (it accumulates), which it writes anyway.
  f.writes[0] = o.dst;
  f.writes[1] = o.accum;
  return f;
}

}  // namespace

bool Core::Conflict(const DecodedProgram& program, const Step& a, const Step& b) {
  const Footprint fa = FootprintOf(a), fb = FootprintOf(b);
  auto overlap = [](const ApGeometry* x, const ApGeometry* y) {
    return x != nullptr && y != nullptr && MayOverlap(*x, *y);
  };
  for (const ApGeometry* w : fa.writes) {
    for (const ApGeometry* x : fb.writes) {
      if (overlap(w, x)) return true;
    }
    for (const ApGeometry* x : fb.reads) {
      if (overlap(w, x)) return true;
    }
  }
  for (const ApGeometry* w : fb.writes) {
    for (const ApGeometry* x : fa.reads) {
      if (overlap(w, x)) return true;
    }
  }
  // View copies write SBUF.
  const int64_t part = program.sizes.sbuf_partition;
  for (const auto& [mine, other, other_f] :
       {std::tuple{&a, &b, &fb}, std::tuple{&b, &a, &fa}}) {
    for (uint32_t c = mine->copy_begin; c < mine->copy_end; ++c) {
      const ApGeometry g = CopyGeometry(program.view_copies[c], part);
      for (const ApGeometry* x : other_f->writes) {
        if (overlap(&g, x)) return true;
      }
      for (const ApGeometry* x : other_f->reads) {
        if (overlap(&g, x)) return true;
      }
      for (uint32_t c2 = other->copy_begin; c2 < other->copy_end; ++c2) {
        const ApGeometry g2 = CopyGeometry(program.view_copies[c2], part);
        if (MayOverlap(g, g2)) return true;
      }
    }
  }
  return false;
}

absl::Status Core::RunStep(const Step& step) {
  const uint8_t* weights = model_.weights() ? model_.weights()->data() : nullptr;
  const int64_t part = sizes_.sbuf_partition;
  for (uint32_t i = step.copy_begin; i < step.copy_end; ++i) {
    const ViewCopy& c = program_.view_copies[i];
    for (int64_t p = c.p0; p < c.p1; ++p) {
      std::memcpy(sbuf_ + p * part + c.lo, weights + c.base + p * c.row + c.lo, c.hi - c.lo + 1);
    }
  }
  if (step.prep.done) return absl::OkStatus();
  return Perform(step.queue->instructions[step.index], step.prep);
}

Prepared Core::Issue(const DecodedInstruction& d) {
  Prepared prep;
  const Resolved& o = d.o;
  if (defer_weights_ && d.op == neff::Opcode::DMA_COPY && DeferWeightCopy(*o.dst, *o.src0)) {
    prep.done = true;
    return prep;
  }
  if (views_.empty()) return prep;
  const bool matmul = d.op == neff::Opcode::MATMUL;
  if (matmul) {
    // Operands the views cover are read from the weights in place.
    prep.rows[0] = WeightRows(*o.src0, &prep.ld[0]);
    prep.rows[1] = WeightRows(*o.src1, &prep.ld[1]);
  }
  for (const ApGeometry* g : {o.src0, o.src1, o.src2, o.bias}) {
    if (g == nullptr) continue;
    if (matmul && ((g == o.src0 && prep.rows[0] != nullptr) ||
                   (g == o.src1 && prep.rows[1] != nullptr))) {
      continue;
    }
    BeforeRead(*g);
  }
  // A matmul accumulates into its dst.
  if (matmul) BeforeRead(*o.dst);
  BeforeWrite(*o.dst);
  if (o.accum != nullptr) BeforeWrite(*o.accum);
  return prep;
}

}  // namespace ncc::sim
