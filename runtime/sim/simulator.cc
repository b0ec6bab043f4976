#include "runtime/sim/simulator.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "neff/format.h"
#include "runtime/kernels/cast.h"
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/matmul.h"
#include "runtime/sim/access_pattern.h"
#include "runtime/sim/verifier.h"

namespace ncc::sim {
namespace {

using neff::DType;

// ---------------------------------------------------------------------------
// Element codecs: fp32 is the compute type; ints saturate, NaN -> 0.

template <typename I>
I SaturateFromFloat(float v) {
  if (v != v) return 0;
  constexpr float lo = static_cast<float>(std::numeric_limits<I>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<I>::max());
  if (v <= lo) return std::numeric_limits<I>::min();
  if (v >= hi) return std::numeric_limits<I>::max();
  return static_cast<I>(v);
}

template <typename I>
I SaturateFromInt(int64_t v) {
  if (v < static_cast<int64_t>(std::numeric_limits<I>::min())) {
    return std::numeric_limits<I>::min();
  }
  if (v > static_cast<int64_t>(std::numeric_limits<I>::max())) {
    return std::numeric_limits<I>::max();
  }
  return static_cast<I>(v);
}

template <typename T>
inline T Read(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
inline void Write(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

template <DType D>
inline float LoadF32(const uint8_t* p) {
  if constexpr (D == DType::F32) return Read<float>(p);
  if constexpr (D == DType::BF16) return kernels::Bf16ToF32(Read<uint16_t>(p));
  if constexpr (D == DType::F16) return kernels::F16ToF32(Read<uint16_t>(p));
  if constexpr (D == DType::I32) return static_cast<float>(Read<int32_t>(p));
  if constexpr (D == DType::I64) return static_cast<float>(Read<int64_t>(p));
  if constexpr (D == DType::BOOL) return p[0] != 0 ? 1.0f : 0.0f;
  if constexpr (D == DType::I8) return static_cast<float>(Read<int8_t>(p));
  if constexpr (D == DType::U8) return static_cast<float>(p[0]);
  return 0.0f;
}

template <DType D>
inline void StoreF32(uint8_t* p, float v) {
  if constexpr (D == DType::F32) Write<float>(p, v);
  if constexpr (D == DType::BF16) Write<uint16_t>(p, kernels::F32ToBf16(v));
  if constexpr (D == DType::F16) Write<uint16_t>(p, kernels::F32ToF16(v));
  if constexpr (D == DType::I32) Write<int32_t>(p, SaturateFromFloat<int32_t>(v));
  if constexpr (D == DType::I64) Write<int64_t>(p, SaturateFromFloat<int64_t>(v));
  if constexpr (D == DType::BOOL) p[0] = v != 0.0f ? 1 : 0;
  if constexpr (D == DType::I8) Write<int8_t>(p, SaturateFromFloat<int8_t>(v));
  if constexpr (D == DType::U8) p[0] = SaturateFromFloat<uint8_t>(v);
}

bool IsInt(DType d) {
  return d == DType::I32 || d == DType::I64 || d == DType::BOOL ||
         d == DType::I8 || d == DType::U8;
}

int64_t LoadI64(DType d, const uint8_t* p) {
  switch (d) {
    case DType::I32: return Read<int32_t>(p);
    case DType::I64: return Read<int64_t>(p);
    case DType::BOOL: return p[0] != 0;
    case DType::I8: return Read<int8_t>(p);
    case DType::U8: return p[0];
    default: return 0;
  }
}

void StoreI64(DType d, uint8_t* p, int64_t v) {
  switch (d) {
    case DType::I32: Write<int32_t>(p, SaturateFromInt<int32_t>(v)); break;
    case DType::I64: Write<int64_t>(p, v); break;
    case DType::BOOL: p[0] = v != 0; break;
    case DType::I8: Write<int8_t>(p, SaturateFromInt<int8_t>(v)); break;
    case DType::U8: p[0] = SaturateFromInt<uint8_t>(v); break;
    default: break;
  }
}

// Dispatches a template on the runtime dtype (once per call, not per element).
#define NCC_DISPATCH_DTYPE(dtype, FN, ...)              \
  switch (dtype) {                                      \
    case DType::F32: FN<DType::F32>(__VA_ARGS__); break;   \
    case DType::BF16: FN<DType::BF16>(__VA_ARGS__); break; \
    case DType::F16: FN<DType::F16>(__VA_ARGS__); break;   \
    case DType::I32: FN<DType::I32>(__VA_ARGS__); break;   \
    case DType::I64: FN<DType::I64>(__VA_ARGS__); break;   \
    case DType::BOOL: FN<DType::BOOL>(__VA_ARGS__); break; \
    case DType::I8: FN<DType::I8>(__VA_ARGS__); break;     \
    case DType::U8: FN<DType::U8>(__VA_ARGS__); break;     \
  }

template <DType D>
void LoadArray(const uint8_t* src, float* dst, int64_t n) {
  constexpr int kSize = D == DType::F32 || D == DType::I32 ? 4
                        : D == DType::I64                  ? 8
                        : D == DType::BF16 || D == DType::F16 ? 2
                                                              : 1;
  for (int64_t i = 0; i < n; ++i) dst[i] = LoadF32<D>(src + i * kSize);
}

template <DType D>
void StoreArray(const float* src, uint8_t* dst, int64_t n) {
  constexpr int kSize = D == DType::F32 || D == DType::I32 ? 4
                        : D == DType::I64                  ? 8
                        : D == DType::BF16 || D == DType::F16 ? 2
                                                              : 1;
  for (int64_t i = 0; i < n; ++i) StoreF32<D>(dst + i * kSize, src[i]);
}

// Converts n packed elements; int<->int keeps integers exact (saturating),
// everything else goes through fp32.
void ConvertArray(DType from, const uint8_t* src, DType to, uint8_t* dst,
                  int64_t n) {
  const int fs = neff::DTypeSize(from), ts = neff::DTypeSize(to);
  if (IsInt(from) && IsInt(to)) {
    for (int64_t i = 0; i < n; ++i) {
      StoreI64(to, dst + i * ts, LoadI64(from, src + i * fs));
    }
    return;
  }
  constexpr int64_t kChunk = 1024;
  float tmp[kChunk] = {};
  for (int64_t i = 0; i < n; i += kChunk) {
    int64_t len = std::min(kChunk, n - i);
    NCC_DISPATCH_DTYPE(from, LoadArray, src + i * fs, tmp, len);
    NCC_DISPATCH_DTYPE(to, StoreArray, tmp, dst + i * ts, len);
  }
}

// ---------------------------------------------------------------------------
// Access-pattern walks. `base` is the space base plus g.start.

template <int kSize>
void GatherRawT(const ApGeometry& g, const uint8_t* base, int64_t p_begin,
                int64_t p_end, uint8_t* out) {
  for (int64_t p = p_begin; p < p_end; ++p) {
    const uint8_t* pp = base + p * g.partition_stride;
    if (g.free_contiguous) {
      std::memcpy(out, pp, g.free_size * kSize);
      out += g.free_size * kSize;
      continue;
    }
    for (int64_t i0 = 0; i0 < g.size[0]; ++i0) {
      for (int64_t i1 = 0; i1 < g.size[1]; ++i1) {
        const uint8_t* run = pp + i0 * g.stride[0] + i1 * g.stride[1];
        if (g.stride[2] == kSize) {
          std::memcpy(out, run, g.size[2] * kSize);
          out += g.size[2] * kSize;
        } else {
          for (int64_t i2 = 0; i2 < g.size[2]; ++i2) {
            std::memcpy(out, run + i2 * g.stride[2], kSize);
            out += kSize;
          }
        }
      }
    }
  }
}

template <int kSize>
void ScatterRawT(const ApGeometry& g, uint8_t* base, int64_t p_begin,
                 int64_t p_end, const uint8_t* in) {
  for (int64_t p = p_begin; p < p_end; ++p) {
    uint8_t* pp = base + p * g.partition_stride;
    if (g.free_contiguous) {
      std::memcpy(pp, in, g.free_size * kSize);
      in += g.free_size * kSize;
      continue;
    }
    for (int64_t i0 = 0; i0 < g.size[0]; ++i0) {
      for (int64_t i1 = 0; i1 < g.size[1]; ++i1) {
        uint8_t* run = pp + i0 * g.stride[0] + i1 * g.stride[1];
        if (g.stride[2] == kSize) {
          std::memcpy(run, in, g.size[2] * kSize);
          in += g.size[2] * kSize;
        } else {
          for (int64_t i2 = 0; i2 < g.size[2]; ++i2) {
            std::memcpy(run + i2 * g.stride[2], in, kSize);
            in += kSize;
          }
        }
      }
    }
  }
}

// Packs partitions [p_begin, p_end) of the pattern, in visiting order.
void GatherRaw(const ApGeometry& g, const uint8_t* base, int64_t p_begin,
               int64_t p_end, uint8_t* out) {
  switch (g.elem_size) {
    case 1: return GatherRawT<1>(g, base, p_begin, p_end, out);
    case 2: return GatherRawT<2>(g, base, p_begin, p_end, out);
    case 4: return GatherRawT<4>(g, base, p_begin, p_end, out);
    default: return GatherRawT<8>(g, base, p_begin, p_end, out);
  }
}

void ScatterRaw(const ApGeometry& g, uint8_t* base, int64_t p_begin,
                int64_t p_end, const uint8_t* in) {
  switch (g.elem_size) {
    case 1: return ScatterRawT<1>(g, base, p_begin, p_end, in);
    case 2: return ScatterRawT<2>(g, base, p_begin, p_end, in);
    case 4: return ScatterRawT<4>(g, base, p_begin, p_end, in);
    default: return ScatterRawT<8>(g, base, p_begin, p_end, in);
  }
}

bool IsDirectF32(const ApGeometry& g) {
  return g.dtype == DType::F32 && g.free_contiguous;
}

double CostNs(const neff::Instruction& inst, neff::EngineType engine,
              const ApGeometry& dst, const ApGeometry& src0,
              const ApGeometry& src1) {
  const auto& spec = target::NeuronCoreV2();
  switch (engine) {
    case neff::EngineType::DMA: {
      // Bytes written, as the compiler's scheduler counts them.
      int64_t bytes = dst.count * dst.elem_size;
      int64_t contiguous = std::min(dst.contiguous_bytes, src0.contiguous_bytes);
      return target::DmaNs(spec, bytes, contiguous);
    }
    case neff::EngineType::TENSOR:
      return target::MatmulNs(spec, src0.free_size, src1.free_size,
                              src1.elem_size);
    case neff::EngineType::SCALAR:
      return target::ActivationNs(spec, dst.free_size);
    case neff::EngineType::VECTOR:
      return target::VectorNs(
          spec, dst.free_size,
          inst.opcode() == neff::Opcode::TENSOR_TENSOR ? 2 : 1);
    case neff::EngineType::GPSIMD:
      return target::GpSimdNs(spec, dst.free_size);
  }
  return 0.0;
}

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// One execution's core state: memories, semaphores and engine timelines.
class Core {
 public:
  Core(const neff::Model& model, uint8_t* dram) : model_(model), dram_(dram) {
    const auto& spec = target::NeuronCoreV2();
    // calloc: large zeroed blocks come straight from the OS as untouched
    // pages, so an execution only pays for the SBUF/PSUM it uses.
    sbuf_.reset(static_cast<uint8_t*>(
        std::calloc(spec.partitions, spec.sbuf_partition_bytes)));
    psum_.reset(static_cast<uint8_t*>(
        std::calloc(spec.partitions, spec.psum_partition_bytes)));
    sizes_.dram = static_cast<int64_t>(model.dram_size());
    sizes_.weights = model.weights() ? model.weights()->size() : 0;
    sizes_.sbuf_partition = spec.sbuf_partition_bytes;
    sizes_.psum_partition = spec.psum_partition_bytes;
    sizes_.partitions = spec.partitions;
  }

  absl::Status Run(ExecutionStats* stats);

 private:
  uint8_t* Base(const ApGeometry& g) {
    switch (g.space) {
      case neff::MemorySpace::DRAM: return dram_ + g.start;
      case neff::MemorySpace::WEIGHTS:
        // Read-only: the verifier rejects WEIGHTS destinations.
        return const_cast<uint8_t*>(model_.weights()->data()) + g.start;
      case neff::MemorySpace::SBUF: return sbuf_.get() + g.start;
      case neff::MemorySpace::PSUM: return psum_.get() + g.start;
    }
    return nullptr;
  }

  // Row p of `g` as fp32: a pointer into memory when it is already dense
  // fp32, else unpacked into `scratch`.
  const float* RowF32(const ApGeometry& g, int64_t p, std::vector<float>& scratch) {
    const uint8_t* row = Base(g) + p * g.partition_stride;
    if (IsDirectF32(g)) return reinterpret_cast<const float*>(row);
    LoadRow(g, row, scratch);
    return scratch.data();
  }

  void LoadRow(const ApGeometry& g, const uint8_t* row, std::vector<float>& out) {
    out.resize(g.free_size);
    raw_.resize(g.free_size * g.elem_size);
    // `row` is already offset to partition p: gather one "partition" at 0.
    GatherRaw(g, row, 0, 1, raw_.data());
    NCC_DISPATCH_DTYPE(g.dtype, LoadArray, raw_.data(), out.data(), g.free_size);
  }

  void StoreRow(const ApGeometry& g, int64_t p, const float* in) {
    uint8_t* row = Base(g) + p * g.partition_stride;
    if (IsDirectF32(g)) {
      if (reinterpret_cast<float*>(row) != in) {
        std::memmove(row, in, g.free_size * sizeof(float));
      }
      return;
    }
    raw_.resize(g.free_size * g.elem_size);
    NCC_DISPATCH_DTYPE(g.dtype, StoreArray, in, raw_.data(), g.free_size);
    ScatterRaw(g, row, 0, 1, raw_.data());
  }

  // dst row p to write fp32 results into: memory itself when dense fp32.
  float* OutRow(const ApGeometry& g, int64_t p) {
    if (IsDirectF32(g)) {
      return reinterpret_cast<float*>(Base(g) + p * g.partition_stride);
    }
    out_.resize(g.free_size);
    return out_.data();
  }

  void Copy(const ApGeometry& dst, const ApGeometry& src);
  void Matmul(const neff::Instruction& inst, const ApGeometry& dst,
              const ApGeometry& st, const ApGeometry& mv);
  void Elementwise(const neff::Instruction& inst, const ApGeometry& dst,
                   const ApGeometry& src0, const ApGeometry& src1,
                   const ApGeometry* bias);
  void Memset(const neff::Instruction& inst, const ApGeometry& dst);

  const neff::Model& model_;
  uint8_t* dram_;
  std::unique_ptr<uint8_t, FreeDeleter> sbuf_, psum_;
  SpaceSizes sizes_;
  std::vector<uint8_t> raw_, raw2_, raw3_;
  std::vector<float> a_, b_, out_, st_, mv_, acc_;
};

void Core::Copy(const ApGeometry& dst, const ApGeometry& src) {
  // Stage the whole source first, so overlapping copies read old values.
  raw2_.resize(src.count * src.elem_size);
  GatherRaw(src, Base(src), 0, src.num_partitions, raw2_.data());
  const uint8_t* packed = raw2_.data();
  if (src.dtype != dst.dtype) {
    raw3_.resize(dst.count * dst.elem_size);
    ConvertArray(src.dtype, raw2_.data(), dst.dtype, raw3_.data(), dst.count);
    packed = raw3_.data();
  }
  ScatterRaw(dst, Base(dst), 0, dst.num_partitions, packed);
}

void Core::Matmul(const neff::Instruction& inst, const ApGeometry& dst,
                  const ApGeometry& st, const ApGeometry& mv) {
  kernels::MatmulArgs args;
  args.k = static_cast<int>(st.num_partitions);
  args.m = static_cast<int>(st.free_size);
  args.n = static_cast<int>(mv.free_size);
  args.accumulate = !inst.accumulate_start();
  auto operand = [&](const ApGeometry& g, std::vector<float>& scratch,
                     const float** ptr, int64_t* ld) {
    if (IsDirectF32(g)) {
      *ptr = reinterpret_cast<const float*>(Base(g));
      *ld = g.partition_stride / static_cast<int64_t>(sizeof(float));
      return;
    }
    std::vector<float> row;
    scratch.resize(g.num_partitions * g.free_size);
    for (int64_t p = 0; p < g.num_partitions; ++p) {
      LoadRow(g, Base(g) + p * g.partition_stride, row);
      std::copy(row.begin(), row.end(), scratch.begin() + p * g.free_size);
    }
    *ptr = scratch.data();
    *ld = g.free_size;
  };
  operand(st, st_, &args.stationary, &args.stationary_ld);
  operand(mv, mv_, &args.moving, &args.moving_ld);
  if (IsDirectF32(dst)) {
    args.out = reinterpret_cast<float*>(Base(dst));
    args.out_ld = dst.partition_stride / static_cast<int64_t>(sizeof(float));
    kernels::MatmulF32(args);
    return;
  }
  // Strided PSUM destination: gather, accumulate, scatter.
  const float* acc_in;
  int64_t acc_ld;
  operand(dst, acc_, &acc_in, &acc_ld);
  if (acc_in != acc_.data()) {
    acc_.assign(acc_in, acc_in + dst.num_partitions * dst.free_size);
  }
  args.out = acc_.data();
  args.out_ld = dst.free_size;
  kernels::MatmulF32(args);
  for (int64_t p = 0; p < dst.num_partitions; ++p) {
    StoreRow(dst, p, acc_.data() + p * dst.free_size);
  }
}

void Core::Elementwise(const neff::Instruction& inst, const ApGeometry& dst,
                       const ApGeometry& src0, const ApGeometry& src1,
                       const ApGeometry* bias) {
  const int64_t n = dst.free_size;
  const auto alu = static_cast<kernels::Alu>(inst.alu_op());
  const auto act = static_cast<kernels::Act>(inst.act_func());
  for (int64_t p = 0; p < dst.num_partitions; ++p) {
    const float* a = RowF32(src0, p, a_);
    float* out = OutRow(dst, p);
    switch (inst.opcode()) {
      case neff::Opcode::ACTIVATION: {
        float b = 0.0f;
        if (bias != nullptr) {
          b = Read<float>(Base(*bias) + p * bias->partition_stride);
        }
        kernels::Activation(act, a, inst.scale(), b, out, n);
        break;
      }
      case neff::Opcode::TENSOR_TENSOR:
        kernels::AluTensorTensor(alu, a, RowF32(src1, p, b_), out, n);
        break;
      case neff::Opcode::TENSOR_SCALAR:
        kernels::AluTensorScalar(alu, a, inst.imm(), out, n);
        break;
      default:
        break;
    }
    StoreRow(dst, p, out);
  }
}

void Core::Memset(const neff::Instruction& inst, const ApGeometry& dst) {
  std::vector<float> row(dst.free_size, inst.imm());
  for (int64_t p = 0; p < dst.num_partitions; ++p) StoreRow(dst, p, row.data());
}

absl::Status Core::Run(ExecutionStats* stats) {
  const auto* queues = model_.queues();
  const int num_queues = queues ? static_cast<int>(queues->size()) : 0;
  const uint32_t num_sems = model_.num_semaphores();
  std::vector<uint64_t> sem_value(num_sems, 0);
  // Sorted completion times of each semaphore's increments: value v was
  // reached at the v-th smallest.
  std::vector<std::vector<double>> sem_times(num_sems);
  constexpr int kTimelines = 4 + 16;
  std::vector<double> timeline_end(kTimelines, 0.0);
  std::vector<uint32_t> head(num_queues, 0);
  ExecutionStats local;

  auto timeline_of = [](const neff::Queue& q) {
    return q.engine() == neff::EngineType::DMA
               ? 4 + static_cast<int>(q.index())
               : static_cast<int>(q.engine());
  };
  auto engine_of = [](neff::EngineType e) {
    switch (e) {
      case neff::EngineType::TENSOR: return target::Engine::kTensor;
      case neff::EngineType::VECTOR: return target::Engine::kVector;
      case neff::EngineType::SCALAR: return target::Engine::kScalar;
      case neff::EngineType::GPSIMD: return target::Engine::kGpSimd;
      case neff::EngineType::DMA: return target::Engine::kDma;
    }
    return target::Engine::kDma;
  };
  auto size_of = [](const neff::Queue* q) {
    return q->instructions() ? q->instructions()->size() : 0u;
  };

  while (true) {
    int best = -1;
    double best_start = 0.0;
    bool unfinished = false;
    for (int q = 0; q < num_queues; ++q) {
      const neff::Queue* queue = queues->Get(q);
      if (head[q] >= size_of(queue)) continue;
      unfinished = true;
      const neff::Instruction* inst = queue->instructions()->Get(head[q]);
      double start = timeline_end[timeline_of(*queue)];
      bool ready = true;
      if (inst->waits()) {
        for (const neff::SemaphoreWait* w : *inst->waits()) {
          if (w->value() == 0) continue;
          if (sem_value[w->semaphore()] < w->value()) {
            ready = false;
            break;
          }
          start = std::max(start, sem_times[w->semaphore()][w->value() - 1]);
        }
      }
      if (ready && (best < 0 || start < best_start)) {
        best = q;
        best_start = start;
      }
    }
    if (!unfinished) break;
    if (best < 0) {
      // Deadlock: report every blocked queue and the semaphores involved.
      std::vector<std::string> blocked;
      std::set<int> involved;
      for (int q = 0; q < num_queues; ++q) {
        const neff::Queue* queue = queues->Get(q);
        if (head[q] >= size_of(queue)) continue;
        const neff::Instruction* inst = queue->instructions()->Get(head[q]);
        for (const neff::SemaphoreWait* w : *inst->waits()) {
          if (sem_value[w->semaphore()] >= w->value()) continue;
          involved.insert(w->semaphore());
          blocked.push_back(absl::StrCat(
              QueueName(*queue), " instruction ", head[q], " (",
              neff::EnumNameOpcode(inst->opcode()), ") waits for semaphore ",
              w->semaphore(), " >= ", w->value()));
          break;
        }
      }
      std::vector<std::string> values;
      for (int s : involved) {
        values.push_back(absl::StrCat(s, "=", sem_value[s]));
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "deadlock: no queue can make progress; ",
          absl::StrJoin(blocked, "; "), "; semaphore values: ",
          absl::StrJoin(values, ", ")));
    }

    const neff::Queue* queue = queues->Get(best);
    const neff::Instruction& inst = *queue->instructions()->Get(head[best]);
    ++head[best];
    ApGeometry dst, src0, src1, bias;
    auto resolve = [&](const neff::AccessPattern* ap, ApGeometry* g) {
      if (ap == nullptr) return true;
      auto r = ResolveAccessPattern(*ap, sizes_);
      if (!r.ok()) return false;
      *g = *r;
      return true;
    };
    const bool has_bias =
        inst.opcode() == neff::Opcode::ACTIVATION && inst.bias() != nullptr;
    if (!resolve(inst.dst(), &dst) || !resolve(inst.src0(), &src0) ||
        !resolve(inst.src1(), &src1) || (has_bias && !resolve(inst.bias(), &bias))) {
      return absl::InternalError(absl::StrCat(
          "queue ", QueueName(*queue), " instruction ", head[best] - 1,
          ": operand failed to resolve (model not verified?)"));
    }
    switch (inst.opcode()) {
      case neff::Opcode::DMA_COPY:
      case neff::Opcode::TENSOR_COPY:
        Copy(dst, src0);
        break;
      case neff::Opcode::MATMUL:
        Matmul(inst, dst, src0, src1);
        break;
      case neff::Opcode::ACTIVATION:
      case neff::Opcode::TENSOR_TENSOR:
      case neff::Opcode::TENSOR_SCALAR:
        Elementwise(inst, dst, src0, src1, has_bias ? &bias : nullptr);
        break;
      case neff::Opcode::MEMSET:
        Memset(inst, dst);
        break;
    }

    const double cost = CostNs(inst, queue->engine(), dst, src0, src1);
    const int tl = timeline_of(*queue);
    const double end = best_start + cost;
    local.semaphore_wait_ns += best_start - timeline_end[tl];
    timeline_end[tl] = end;
    const int e = static_cast<int>(engine_of(queue->engine()));
    local.busy_ns[e] += cost;
    local.instructions[e] += 1;
    if (queue->engine() == neff::EngineType::DMA) {
      local.dma_bytes += dst.count * dst.elem_size;
    }
    local.estimated_latency_ns = std::max(local.estimated_latency_ns, end);
    if (inst.signal() >= 0) {
      auto& times = sem_times[inst.signal()];
      times.insert(std::upper_bound(times.begin(), times.end(), end), end);
      ++sem_value[inst.signal()];
    }
  }
  if (local.estimated_latency_ns > 0) {
    local.tensor_utilization =
        local.BusyNs(target::Engine::kTensor) / local.estimated_latency_ns;
  }
  if (stats != nullptr) *stats = local;
  return absl::OkStatus();
}

}  // namespace

absl::Status ExecuteVerified(const neff::Model& model, uint8_t* dram,
                             ExecutionStats* stats) {
  if (dram == nullptr && model.dram_size() > 0) {
    return absl::InvalidArgumentError("no DRAM arena given");
  }
  Core core(model, dram);
  return core.Run(stats);
}

absl::Status Execute(const neff::Model& model, uint8_t* dram,
                     ExecutionStats* stats) {
  if (auto s = Verify(model); !s.ok()) return s;
  return ExecuteVerified(model, dram, stats);
}

}  // namespace ncc::sim
