// What each instruction does to the core's memories (docs/isa.md
// semantics): the functional half of the simulated NeuronCore. The
// scheduler that orders the instructions and accounts their time is in
// simulator.cc.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "neff/access_pattern.h"
#include "neff/format.h"
#include "runtime/kernels/cast.h"
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/matmul.h"
#include "runtime/sim/core.h"
#include "runtime/sim/elements.h"
#include "runtime/sim/worker_pool.h"

namespace ncc::sim {
namespace {

using neff::ApGeometry;
using neff::DType;
using namespace elements;  // NOLINT: the codecs are this file's vocabulary

bool IsDirectF32(const ApGeometry& g) { return g.dtype == DType::F32 && g.free_contiguous; }

bool Partitioned(neff::MemorySpace space) {
  return space == neff::MemorySpace::SBUF || space == neff::MemorySpace::PSUM;
}

// Operations on one input: below this many multiply-adds (or bytes for a
// copy) an instruction runs on one thread; the hand-off costs about a
// microsecond.
constexpr int64_t kParallelMacs = int64_t{1} << 18;
constexpr int64_t kParallelCopyBytes = int64_t{1} << 18;
// Elements below which a row-wise instruction, or a strided operand's
// gather, is not shared between the two sides of a 2-thread execution.
constexpr int64_t kShareElements = int64_t{1} << 14;

// Splits a matmul's output columns (multiples of 64) or, for few columns,
// its rows (multiples of 4; 32 for bf16) across the pool. Each output element
// is computed by exactly one call, in the same order as one call over
// everything, so the result is bit-identical.
//
// bf16: the AMX kernel accumulates whole 32 x 32 blocks in place in PSUM and
// other shapes through a buffer, which round differently; a bf16 split is
// therefore made only where every part takes the same one of the two paths
// as the whole (parts in multiples of 32 / 64 and the same divisibility).
template <bool kBf16, typename Pool, typename Args, typename Fn>
void SplitMatmul(Pool* pool, const Args& args, Fn kernel) {
  const int64_t macs = int64_t{args.k} * args.m * args.n;
  if (pool == nullptr || macs < kParallelMacs) return kernel(args);
  // One chunk per thread: every chunk repacks the operand it does not
  // split, so more chunks would cost more packing.
  const int parts = pool->threads();
  const bool m32 = args.m % 32 == 0, n32 = args.n % 32 == 0;
  // Columns first (multiples of 64): each chunk then packs only its part of
  // the moving operand, the larger one.
  if (args.n >= 128 * parts && (!kBf16 || n32 || !m32)) {
    pool->Run(parts, [&](int i) {
      const int n0 = args.n * i / parts / 64 * 64;
      const int n1 = i + 1 == parts ? args.n : args.n * (i + 1) / parts / 64 * 64;
      if (n1 <= n0) return;
      Args sub = args;
      sub.n = n1 - n0;
      sub.moving += n0;
      sub.out += n0;
      kernel(sub);
    });
    return;
  }
  const int row_step = kBf16 ? 32 : 4;
  if (args.m >= 2 * row_step * parts && (!kBf16 || m32 || !n32)) {
    pool->Run(parts, [&](int i) {
      const int m0 = args.m * i / parts / row_step * row_step;
      const int m1 = i + 1 == parts ? args.m : args.m * (i + 1) / parts / row_step * row_step;
      if (m1 <= m0) return;
      Args sub = args;
      sub.m = m1 - m0;
      sub.stationary += m0;
      sub.out += m0 * args.out_ld;
      kernel(sub);
    });
    return;
  }
  kernel(args);
}

// Scratch rows of the thread executing an instruction: instructions of
// different engines may run on different host threads at once (see
// Core::Run), each with its own.
struct Scratch {
  std::vector<uint8_t> raw, raw2, raw3;
  std::vector<float> a, b, out, st, mv, acc;
  std::vector<uint16_t> st16, mv16;
};

Scratch& Tls() {
  static thread_local Scratch scratch;
  return scratch;
}

}  // namespace

// Whether two operands may share a byte (conservative: extents, not the
// exact element sets).
bool MayOverlap(const ApGeometry& a, const ApGeometry& b) {
  if (a.space != b.space) return false;
  if (Partitioned(a.space)) {
    const int64_t part = a.partition_stride;
    const int64_t pa = a.start / part, pb = b.start / part;
    if (pa + a.num_partitions <= pb || pb + b.num_partitions <= pa) {
      return false;
    }
    return a.partition_lo <= b.partition_hi && b.partition_lo <= a.partition_hi;
  }
  auto lo = [](const ApGeometry& g) {
    return g.partition_lo + std::min<int64_t>(0, (g.num_partitions - 1) * g.partition_stride);
  };
  auto hi = [](const ApGeometry& g) {
    return g.partition_hi + std::max<int64_t>(0, (g.num_partitions - 1) * g.partition_stride);
  };
  return lo(a) <= hi(b) && lo(b) <= hi(a);
}

uint8_t* Core::Base(const ApGeometry& g) {
  switch (g.space) {
    case neff::MemorySpace::DRAM:
      return dram_ + g.start;
    case neff::MemorySpace::WEIGHTS:
      // Read-only: the verifier rejects WEIGHTS destinations.
      return const_cast<uint8_t*>(model_.weights()->data()) + g.start;
    case neff::MemorySpace::SBUF:
      return sbuf_ + g.start;
    case neff::MemorySpace::PSUM:
      return psum_ + g.start;
  }
  return nullptr;
}

const float* Core::RowF32(const ApGeometry& g, int64_t p, std::vector<float>& scratch) {
  const uint8_t* row = Base(g) + p * g.partition_stride;
  if (IsDirectF32(g)) return reinterpret_cast<const float*>(row);
  LoadRow(g, row, scratch);
  return scratch.data();
}

void Core::LoadRow(const ApGeometry& g, const uint8_t* row, std::vector<float>& out) {
  out.resize(g.free_size);
  // `row` is already offset to partition p: gather one "partition" at 0.
  if (g.dtype == DType::F32) {
    // Strided fp32: gather straight into the output, no conversion pass.
    GatherRaw(g, row, 0, 1, reinterpret_cast<uint8_t*>(out.data()));
    return;
  }
  Tls().raw.resize(g.free_size * g.elem_size);
  GatherRaw(g, row, 0, 1, Tls().raw.data());
  NCC_DISPATCH_DTYPE(g.dtype, LoadArray, Tls().raw.data(), out.data(), g.free_size);
}

void Core::StoreRow(const ApGeometry& g, int64_t p, const float* in) {
  uint8_t* row = Base(g) + p * g.partition_stride;
  if (IsDirectF32(g)) {
    if (reinterpret_cast<float*>(row) != in) {
      std::memmove(row, in, g.free_size * sizeof(float));
    }
    return;
  }
  Tls().raw.resize(g.free_size * g.elem_size);
  NCC_DISPATCH_DTYPE(g.dtype, StoreArray, in, Tls().raw.data(), g.free_size);
  ScatterRaw(g, row, 0, 1, Tls().raw.data());
}

float* Core::OutRow(const ApGeometry& g, int64_t p) {
  if (IsDirectF32(g)) {
    return reinterpret_cast<float*>(Base(g) + p * g.partition_stride);
  }
  Tls().out.resize(g.free_size);
  return Tls().out.data();
}

float Core::ScalarAt(const ApGeometry& g, int64_t p) {
  const uint8_t* at = Base(g) + p * g.partition_stride;
  float v = 0.0f;
  NCC_DISPATCH_DTYPE(g.dtype, LoadArray, at, &v, 1);
  return v;
}

void Core::StoreScalarAt(const ApGeometry& g, int64_t p, float v) {
  uint8_t* at = Base(g) + p * g.partition_stride;
  NCC_DISPATCH_DTYPE(g.dtype, StoreArray, &v, at, 1);
}

void Core::Copy(const ApGeometry& dst, const ApGeometry& src) {
  const bool same_shape =
      src.num_partitions == dst.num_partitions && src.free_size == dst.free_size;
  if (src.dtype == dst.dtype && same_shape && !MayOverlap(dst, src)) {
    // Disjoint, same dtype: copy partition by partition, without staging.
    const uint8_t* from = Base(src);
    uint8_t* to = Base(dst);
    const int64_t row_bytes = src.free_size * src.elem_size;
    if (src.free_contiguous && dst.free_contiguous) {
      auto rows = [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          std::memcpy(to + p * dst.partition_stride, from + p * src.partition_stride, row_bytes);
        }
      };
      const int64_t parts = src.num_partitions;
      if (copy_pool_ != nullptr && parts > 1 && parts * row_bytes >= kParallelCopyBytes) {
        const int n = static_cast<int>(std::min<int64_t>(parts, 4 * int64_t{copy_pool_->threads()}));
        copy_pool_->Run(n, [&](int i) { rows(parts * i / n, parts * (i + 1) / n); });
      } else {
        SplitRows(parts, src.count, rows);
      }
      return;
    }
    if (src.free_contiguous) {
      SplitRows(src.num_partitions, src.count, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          ScatterRaw(dst, to, p, p + 1, from + p * src.partition_stride);
        }
      });
      return;
    }
    SplitRows(src.num_partitions, src.count, [&](int64_t p0, int64_t p1) {
      std::vector<uint8_t>& row = Tls().raw2;
      row.resize(row_bytes);
      for (int64_t p = p0; p < p1; ++p) {
        GatherRaw(src, from, p, p + 1, row.data());
        ScatterRaw(dst, to, p, p + 1, row.data());
      }
    });
    return;
  }
  // Stage the whole source first, so overlapping copies read old values.
  Tls().raw2.resize(src.count * src.elem_size);
  GatherRaw(src, Base(src), 0, src.num_partitions, Tls().raw2.data());
  const uint8_t* packed = Tls().raw2.data();
  if (src.dtype != dst.dtype) {
    Tls().raw3.resize(dst.count * dst.elem_size);
    ConvertArray(src.dtype, Tls().raw2.data(), dst.dtype, Tls().raw3.data(), dst.count);
    packed = Tls().raw3.data();
  }
  ScatterRaw(dst, Base(dst), 0, dst.num_partitions, packed);
}

void Core::RunMatmulF32(const kernels::MatmulArgs& args) {
  auto kernel = [](const kernels::MatmulArgs& a) { kernels::MatmulF32(a); };
  if (help_ != nullptr) return SplitMatmul<false>(help_, args, kernel);
  SplitMatmul<false>(pool_, args, kernel);
}

void Core::RunMatmulBf16(const kernels::MatmulBf16Args& args) {
  auto kernel = [](const kernels::MatmulBf16Args& a) { kernels::MatmulBf16(a); };
  if (help_ != nullptr) return SplitMatmul<true>(help_, args, kernel);
  SplitMatmul<true>(pool_, args, kernel);
}

// bf16 x bf16 into dense fp32 PSUM: the bf16 kernels (AMX / AVX512-BF16
// where the CPU has them) on the raw bits, packing strided operands first.
bool Core::MatmulBf16Direct(const neff::Instruction& inst, const ApGeometry& dst,
                            const ApGeometry& st, const ApGeometry& mv, const Prepared& prep) {
  if (st.dtype != DType::BF16 || mv.dtype != DType::BF16 || !IsDirectF32(dst)) {
    return false;
  }
  kernels::MatmulBf16Args args;
  args.k = static_cast<int>(st.num_partitions);
  args.m = static_cast<int>(st.free_size);
  args.n = static_cast<int>(mv.free_size);
  args.accumulate = !inst.accumulate_start();
  auto operand = [&](const ApGeometry& g, int i, std::vector<uint16_t>& scratch,
                     const uint16_t** ptr, int64_t* ld) {
    if (prep.rows[i] != nullptr) {
      *ptr = reinterpret_cast<const uint16_t*>(prep.rows[i]);
      *ld = prep.ld[i] / 2;
      return;
    }
    if (g.free_contiguous) {
      *ptr = reinterpret_cast<const uint16_t*>(Base(g));
      *ld = g.partition_stride / 2;
      return;
    }
    scratch.resize(g.count);
    GatherRaw(g, Base(g), 0, g.num_partitions, reinterpret_cast<uint8_t*>(scratch.data()));
    *ptr = scratch.data();
    *ld = g.free_size;
  };
  operand(st, 0, Tls().st16, &args.stationary, &args.stationary_ld);
  operand(mv, 1, Tls().mv16, &args.moving, &args.moving_ld);
  args.out = reinterpret_cast<float*>(Base(dst));
  args.out_ld = dst.partition_stride / static_cast<int64_t>(sizeof(float));
  RunMatmulBf16(args);
  return true;
}

void Core::Matmul(const neff::Instruction& inst, const ApGeometry& dst, const ApGeometry& st,
                  const ApGeometry& mv, const Prepared& prep) {
  if (MatmulBf16Direct(inst, dst, st, mv, prep)) return;
  kernels::MatmulArgs args;
  args.k = static_cast<int>(st.num_partitions);
  args.m = static_cast<int>(st.free_size);
  args.n = static_cast<int>(mv.free_size);
  args.accumulate = !inst.accumulate_start();
  // i: 0 stationary, 1 moving (read in place from the weights when
  // prepared), -1 the accumulator.
  auto operand = [&](const ApGeometry& g, int i, std::vector<float>& scratch, const float** ptr,
                     int64_t* ld) {
    if (i >= 0 && prep.rows[i] != nullptr) {
      *ptr = reinterpret_cast<const float*>(prep.rows[i]);
      *ld = prep.ld[i] / static_cast<int64_t>(sizeof(float));
      return;
    }
    if (IsDirectF32(g)) {
      *ptr = reinterpret_cast<const float*>(Base(g));
      *ld = g.partition_stride / static_cast<int64_t>(sizeof(float));
      return;
    }
    scratch.resize(g.num_partitions * g.free_size);
    if (g.dtype == DType::F32) {
      // Strided fp32: gathered straight into the packed operand, shared
      // with the waiting thread when on the lane (help_).
      const int64_t parts = g.num_partitions;
      auto rows = [&](int64_t p0, int64_t p1) {
        GatherRaw(g, Base(g), p0, p1, reinterpret_cast<uint8_t*>(scratch.data() + p0 * g.free_size));
      };
      if (help_ != nullptr && parts >= 2 && g.count >= kShareElements) {
        help_->Run(2, [&](int i) { rows(parts * i / 2, parts * (i + 1) / 2); });
      } else {
        rows(0, parts);
      }
    } else {
      Tls().raw.resize(g.count * g.elem_size);
      GatherRaw(g, Base(g), 0, g.num_partitions, Tls().raw.data());
      NCC_DISPATCH_DTYPE(g.dtype, LoadArray, Tls().raw.data(), scratch.data(), g.count);
    }
    *ptr = scratch.data();
    *ld = g.free_size;
  };
  operand(st, 0, Tls().st, &args.stationary, &args.stationary_ld);
  operand(mv, 1, Tls().mv, &args.moving, &args.moving_ld);
  if (IsDirectF32(dst)) {
    args.out = reinterpret_cast<float*>(Base(dst));
    args.out_ld = dst.partition_stride / static_cast<int64_t>(sizeof(float));
    RunMatmulF32(args);
    return;
  }
  // Strided PSUM destination: gather, accumulate, scatter.
  const float* acc_in;
  int64_t acc_ld;
  operand(dst, -1, Tls().acc, &acc_in, &acc_ld);
  if (acc_in != Tls().acc.data()) {
    Tls().acc.assign(acc_in, acc_in + dst.num_partitions * dst.free_size);
  }
  args.out = Tls().acc.data();
  args.out_ld = dst.free_size;
  RunMatmulF32(args);
  for (int64_t p = 0; p < dst.num_partitions; ++p) {
    StoreRow(dst, p, Tls().acc.data() + p * dst.free_size);
  }
}

namespace {

// Whether an instruction computing dst row p from operand rows p only can
// run its partitions in any order: `g` is disjoint from dst or reads
// exactly dst's elements (in place).
bool RowsIndependent(const ApGeometry& dst, const ApGeometry* g) {
  if (g == nullptr || !MayOverlap(dst, *g)) return true;
  return g->start == dst.start && g->partition_stride == dst.partition_stride &&
         g->elem_size == dst.elem_size && g->size[0] == dst.size[0] &&
         g->size[1] == dst.size[1] && g->size[2] == dst.size[2] &&
         g->stride[0] == dst.stride[0] && g->stride[1] == dst.stride[1] &&
         g->stride[2] == dst.stride[2];
}

}  // namespace

void Core::SplitRows(int64_t partitions, int64_t elements,
                     const std::function<void(int64_t, int64_t)>& rows) {
  if (side_help_ == nullptr || partitions < 2 || elements < kShareElements) {
    return rows(0, partitions);
  }
  side_help_->Run(2, [&](int i) { rows(partitions * i / 2, partitions * (i + 1) / 2); });
}

void Core::Elementwise(const neff::Instruction& inst, const Resolved& o) {
  const ApGeometry& dst = *o.dst;
  if (side_help_ != nullptr && RowsIndependent(dst, o.src0) && RowsIndependent(dst, o.src1) &&
      RowsIndependent(dst, o.src2) && RowsIndependent(dst, o.bias) &&
      (o.accum == nullptr || !MayOverlap(*o.accum, dst))) {
    SplitRows(dst.num_partitions, dst.count,
              [&](int64_t p0, int64_t p1) { ElementwiseRows(inst, o, p0, p1); });
    return;
  }
  ElementwiseRows(inst, o, 0, dst.num_partitions);
}

void Core::ElementwiseRows(const neff::Instruction& inst, const Resolved& o, int64_t p_begin,
                           int64_t p_end) {
  const ApGeometry& dst = *o.dst;
  const int64_t n = dst.free_size;
  const auto alu = static_cast<kernels::Alu>(inst.alu_op());
  const auto alu2 = static_cast<kernels::Alu>(inst.alu_op2());
  const auto act = static_cast<kernels::Act>(inst.act_func());
  for (int64_t p = p_begin; p < p_end; ++p) {
    const float* a = RowF32(*o.src0, p, Tls().a);
    float* out = OutRow(dst, p);
    switch (inst.opcode()) {
      case neff::Opcode::ACTIVATION: {
        const float b = o.has_bias ? ScalarAt(*o.bias, p) : 0.0f;
        kernels::Activation(act, a, inst.scale(), b, out, n);
        if (o.has_accum) {
          // Sum of the fp32 results (before any rounding to dst's dtype),
          // left to right.
          float sum = 0.0f;
          kernels::Reduce(kernels::Alu::kAdd, out, 1, n, &sum);
          StoreScalarAt(*o.accum, p, sum);
        }
        break;
      }
      case neff::Opcode::TENSOR_TENSOR:
        kernels::AluTensorTensor(alu, a, RowF32(*o.src1, p, Tls().b), out, n);
        break;
      case neff::Opcode::TENSOR_SCALAR: {
        const float s1 = o.has_src1 ? ScalarAt(*o.src1, p) : inst.imm();
        const float s2 = o.has_src2 ? ScalarAt(*o.src2, p) : inst.imm2();
        kernels::AluTensorScalar(alu, s1, alu2, s2, a, out, n);
        break;
      }
      default:
        break;
    }
    StoreRow(dst, p, out);
  }
}

void Core::Reduce(const neff::Instruction& inst, const Resolved& o) {
  const int64_t groups = o.dst->free_size;
  const int64_t r = o.src0->free_size / groups;
  const auto alu = static_cast<kernels::Alu>(inst.alu_op());
  std::vector<float> result(groups);
  for (int64_t p = 0; p < o.dst->num_partitions; ++p) {
    kernels::Reduce(alu, RowF32(*o.src0, p, Tls().a), groups, r, result.data());
    StoreRow(*o.dst, p, result.data());
  }
}

void Core::Transpose(const Resolved& o) {
  // Stage all of src0 first: dst may overlap it.
  const int64_t parts = o.src0->num_partitions, free = o.src0->free_size;
  std::vector<float> staged(parts * free);
  for (int64_t p = 0; p < parts; ++p) {
    const float* row = RowF32(*o.src0, p, Tls().a);
    std::copy(row, row + free, staged.begin() + p * free);
  }
  std::vector<float> column(parts);
  for (int64_t f = 0; f < free; ++f) {
    for (int64_t p = 0; p < parts; ++p) column[p] = staged[p * free + f];
    StoreRow(*o.dst, f, column.data());
  }
}

void Core::Iota(const neff::Instruction& inst, const ApGeometry& dst) {
  // Computed in double, so integer dtypes are exact far beyond 2^24, then
  // rounded once to fp32 (floats) or truncated, saturating (integers).
  const double start = inst.imm(), step_p = inst.scale(), step_j = inst.imm2();
  std::vector<int64_t> ints(IsInt(dst.dtype) ? dst.free_size : 0);
  std::vector<float> row(dst.free_size);
  Tls().raw.resize(dst.free_size * dst.elem_size);
  for (int64_t p = 0; p < dst.num_partitions; ++p) {
    uint8_t* base = Base(dst) + p * dst.partition_stride;
    if (IsInt(dst.dtype)) {
      for (int64_t j = 0; j < dst.free_size; ++j) {
        const double v = start + step_p * p + step_j * j;
        ints[j] = v != v         ? 0
                  : v >= 9.2e18  ? std::numeric_limits<int64_t>::max()
                  : v <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                                 : static_cast<int64_t>(v);
        StoreI64(dst.dtype, Tls().raw.data() + j * dst.elem_size, ints[j]);
      }
      ScatterRaw(dst, base, 0, 1, Tls().raw.data());
      continue;
    }
    for (int64_t j = 0; j < dst.free_size; ++j) {
      row[j] = static_cast<float>(start + step_p * p + step_j * j);
    }
    StoreRow(dst, p, row.data());
  }
}

void Core::Select(const Resolved& o) {
  const int64_t n = o.dst->free_size;
  std::vector<float> pred, on_true, on_false;
  std::vector<float> result(n);
  for (int64_t p = 0; p < o.dst->num_partitions; ++p) {
    // Copies: dst may alias any operand row.
    const float* c = RowF32(*o.src0, p, pred);
    const float* t = RowF32(*o.src1, p, on_true);
    const float* f = RowF32(*o.src2, p, on_false);
    for (int64_t j = 0; j < n; ++j) result[j] = c[j] != 0.0f ? t[j] : f[j];
    StoreRow(*o.dst, p, result.data());
  }
}

absl::Status Core::Gather(const Resolved& o) {
  const int64_t rows = o.src0->num_partitions;
  ApGeometry row = *o.src0;
  row.num_partitions = 1;
  row.count = row.free_size;
  ApGeometry out = *o.dst;
  out.num_partitions = 1;
  out.count = out.free_size;
  const int64_t part_bytes = o.dst->partition_stride;
  for (int64_t p = 0; p < o.dst->num_partitions; ++p) {
    const int64_t r = LoadI64(o.src1->dtype, Base(*o.src1) + p * o.src1->partition_stride);
    if (r < 0 || r >= rows) {
      if (!o.has_src2) {
        return absl::OutOfRangeError(absl::StrCat("index ", r, " at partition ", p,
                                                  " is outside the ", rows, " rows of the ",
                                                  SpaceName(o.src0->space), " table"));
      }
      // The row was computed from an index the model gave (wrapped,
      // scaled, or -1 when out of range): report that index.
      const ApGeometry& given = *o.src2;
      std::vector<int64_t> values;
      for (int64_t j = 0; j < given.free_size; ++j) {
        const int64_t i2 = j % given.size[2], i1 = j / given.size[2] % given.size[1],
                      i0 = j / (given.size[2] * given.size[1]);
        values.push_back(LoadI64(given.dtype, Base(given) + p * given.partition_stride +
                                                  i0 * given.stride[0] + i1 * given.stride[1] +
                                                  i2 * given.stride[2]));
      }
      return absl::OutOfRangeError(
          absl::StrCat("index ",
                       values.size() == 1 ? absl::StrCat(values[0])
                                          : absl::StrCat("[", absl::StrJoin(values, ", "), "]"),
                       " at partition ", p, " is out of range (row ", r, " of a ", rows, "-row ",
                       SpaceName(o.src0->space), " table)"));
    }
    row.start = o.src0->start + r * o.src0->partition_stride;
    out.start = o.dst->start + p * part_bytes;
    Copy(out, row);
  }
  return absl::OkStatus();
}

void Core::Memset(const neff::Instruction& inst, const ApGeometry& dst) {
  std::vector<float> row(dst.free_size, inst.imm());
  for (int64_t p = 0; p < dst.num_partitions; ++p) StoreRow(dst, p, row.data());
}

absl::Status Core::Perform(const DecodedInstruction& d, const Prepared& prep) {
  const neff::Instruction& inst = *d.inst;
  const Resolved& o = d.o;
  switch (inst.opcode()) {
    case neff::Opcode::DMA_COPY:
    case neff::Opcode::TENSOR_COPY:
      Copy(*o.dst, *o.src0);
      break;
    case neff::Opcode::MATMUL:
      Matmul(inst, *o.dst, *o.src0, *o.src1, prep);
      break;
    case neff::Opcode::ACTIVATION:
    case neff::Opcode::TENSOR_TENSOR:
    case neff::Opcode::TENSOR_SCALAR:
      Elementwise(inst, o);
      break;
    case neff::Opcode::MEMSET:
      Memset(inst, *o.dst);
      break;
    case neff::Opcode::TENSOR_REDUCE:
      Reduce(inst, o);
      break;
    case neff::Opcode::TRANSPOSE:
      // The Tensor engine's identity matmul and the Vector engine's
      // transpose move values unchanged (up to dst's dtype).
      Transpose(o);
      break;
    case neff::Opcode::IOTA:
      Iota(inst, *o.dst);
      break;
    case neff::Opcode::SELECT:
      Select(o);
      break;
    case neff::Opcode::DMA_GATHER:
      return Gather(o);
  }
  return absl::OkStatus();
}

}  // namespace ncc::sim
