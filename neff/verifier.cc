#include "neff/verifier.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "neff/access_pattern.h"
#include "neff/format.h"
#include "target/neuroncore.h"
#include "text/printable.h"

namespace neff {

using ncc::text::PrintableName;

std::string QueueName(const Queue& queue) {
  const char* engine =
      queue.engine() <= EngineType::MAX ? EnumNameEngineType(queue.engine()) : "UNKNOWN";
  return absl::StrCat(engine, "[", queue.index(), "]");
}

namespace {

using CoreSpecRef = ncc::target::CoreSpec;

bool EngineRuns(EngineType engine, Opcode op) {
  using E = EngineType;
  switch (op) {
    case Opcode::DMA_COPY:
    case Opcode::DMA_GATHER:
      return engine == E::DMA;
    case Opcode::MATMUL:
      return engine == E::TENSOR;
    case Opcode::ACTIVATION:
      return engine == E::SCALAR;
    case Opcode::TENSOR_TENSOR:
    case Opcode::TENSOR_SCALAR:
    case Opcode::MEMSET:
    case Opcode::TENSOR_REDUCE:
    case Opcode::SELECT:
      return engine == E::VECTOR || engine == E::GPSIMD;
    case Opcode::TENSOR_COPY:
      return engine == E::VECTOR || engine == E::GPSIMD || engine == E::SCALAR;
    case Opcode::TRANSPOSE:
      return engine == E::TENSOR || engine == E::VECTOR;
    case Opcode::IOTA:
      return engine == E::GPSIMD;
  }
  return false;
}

bool IsMatmulInputType(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16; }

// Which operands an opcode reads or writes (docs/isa.md).
struct OperandUse {
  bool src0 = false, src1 = false, src2 = false;
  bool src1_optional = false, src2_optional = false;
  bool bias = false, accum = false;  // optional, ACTIVATION only
};

OperandUse UseOf(Opcode op) {
  OperandUse u;
  switch (op) {
    case Opcode::DMA_COPY:
    case Opcode::TENSOR_COPY:
    case Opcode::TENSOR_REDUCE:
    case Opcode::TRANSPOSE:
      u.src0 = true;
      break;
    case Opcode::MATMUL:
    case Opcode::TENSOR_TENSOR:
      u.src0 = u.src1 = true;
      break;
    case Opcode::DMA_GATHER:
      // src2: the index as the model gave it, for the error message only.
      u.src0 = u.src1 = u.src2 = u.src2_optional = true;
      break;
    case Opcode::ACTIVATION:
      u.src0 = u.bias = u.accum = true;
      break;
    case Opcode::TENSOR_SCALAR:
      u.src0 = true;
      u.src1 = u.src2 = u.src1_optional = u.src2_optional = true;
      break;
    case Opcode::SELECT:
      u.src0 = u.src1 = u.src2 = true;
      break;
    case Opcode::MEMSET:
    case Opcode::IOTA:
      break;
  }
  return u;
}

struct Operands {
  ApGeometry dst, src0, src1, src2, bias, accum;
};

absl::Status Shape(const ApGeometry& a, const char* an, const ApGeometry& b, const char* bn) {
  if (a.num_partitions != b.num_partitions || a.free_size != b.free_size) {
    return absl::InvalidArgumentError(absl::StrCat(an, " is [", a.num_partitions, " partitions x ",
                                                   a.free_size, "] but ", bn, " is [",
                                                   b.num_partitions, " x ", b.free_size, "]"));
  }
  return absl::OkStatus();
}

// An fp32 operand of one element per partition for `partitions` partitions
// (bias, accum, per-partition scalars).
absl::Status PerPartition(const ApGeometry& g, const char* name, int64_t partitions) {
  if (g.dtype != DType::F32) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be F32, got ", DTypeName(g.dtype)));
  }
  if (g.num_partitions != partitions || g.free_size != 1) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be one element per partition for ",
                                                   partitions, " partitions, got [",
                                                   g.num_partitions, " x ", g.free_size, "]"));
  }
  return absl::OkStatus();
}

absl::Status KnownAlu(AluOp op, const char* field) {
  if (op > AluOp::MAX) {
    return absl::InvalidArgumentError(absl::StrCat("unknown ", field, " ", static_cast<int>(op)));
  }
  return absl::OkStatus();
}

absl::Status InPsumBank(const ApGeometry& g, const CoreSpecRef& spec) {
  if (g.partition_lo / spec.psum_bank_bytes != g.partition_hi / spec.psum_bank_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("dst bytes [", g.partition_lo, ", ", g.partition_hi, "] cross a ",
                     spec.psum_bank_bytes, "-byte PSUM bank boundary"));
  }
  return absl::OkStatus();
}

absl::Status VerifyMatmul(const Operands& o, const CoreSpecRef& spec) {
  if (o.src0.space != MemorySpace::SBUF || o.src1.space != MemorySpace::SBUF) {
    return absl::InvalidArgumentError("matmul operands src0 and src1 must be in SBUF");
  }
  if (!IsMatmulInputType(o.src0.dtype) || !IsMatmulInputType(o.src1.dtype)) {
    return absl::InvalidArgumentError(absl::StrCat("matmul inputs must be F32, BF16 or F16, got ",
                                                   DTypeName(o.src0.dtype), " and ",
                                                   DTypeName(o.src1.dtype)));
  }
  if (o.dst.space != MemorySpace::PSUM || o.dst.dtype != DType::F32) {
    return absl::InvalidArgumentError(absl::StrCat("matmul dst must be F32 in PSUM, got ",
                                                   DTypeName(o.dst.dtype), " in ",
                                                   SpaceName(o.dst.space)));
  }
  const int64_t k = o.src0.num_partitions, m = o.src0.free_size, n = o.src1.free_size;
  if (o.src1.num_partitions != k) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stationary operand has K=", k, " partitions but moving has ", o.src1.num_partitions));
  }
  if (k > spec.partitions) {
    return absl::InvalidArgumentError(
        absl::StrCat("contraction K=", k, " exceeds ", spec.partitions));
  }
  if (m > spec.matmul_max_stationary_free) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stationary operand has ", m, " free elements, limit ", spec.matmul_max_stationary_free));
  }
  if (n > spec.matmul_max_moving_free) {
    return absl::InvalidArgumentError(absl::StrCat(
        "moving operand has ", n, " free elements, limit ", spec.matmul_max_moving_free));
  }
  if (o.dst.num_partitions != m || o.dst.free_size != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("dst is [", o.dst.num_partitions, " x ", o.dst.free_size,
                     "] but the matmul result is [M=", m, " x N=", n, "]"));
  }
  return InPsumBank(o.dst, spec);
}

absl::Status VerifyTranspose(const Operands& o, EngineType engine, const CoreSpecRef& spec) {
  const int64_t p = o.src0.num_partitions, f = o.src0.free_size;
  if (o.dst.num_partitions != f || o.dst.free_size != p) {
    return absl::InvalidArgumentError(absl::StrCat("dst is [", o.dst.num_partitions, " x ",
                                                   o.dst.free_size, "] but the transpose of src0 [",
                                                   p, " x ", f, "] is [", f, " x ", p, "]"));
  }
  if (engine == EngineType::TENSOR) {
    const int64_t limit = std::min<int64_t>(spec.partitions, spec.matmul_max_stationary_free);
    if (p > limit || f > limit) {
      return absl::InvalidArgumentError(absl::StrCat("Tensor engine transpose of [", p, " x ", f,
                                                     "] exceeds the ", limit, " x ", limit,
                                                     " limit"));
    }
    if (o.src0.space != MemorySpace::SBUF || !IsMatmulInputType(o.src0.dtype)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Tensor engine transpose src0 must be F32, BF16 or F16 in SBUF, got ",
                       DTypeName(o.src0.dtype), " in ", SpaceName(o.src0.space)));
    }
    if (o.dst.space != MemorySpace::PSUM || o.dst.dtype != DType::F32) {
      return absl::InvalidArgumentError(
          absl::StrCat("Tensor engine transpose dst must be F32 in PSUM, got ",
                       DTypeName(o.dst.dtype), " in ", SpaceName(o.dst.space)));
    }
    return InPsumBank(o.dst, spec);
  }
  constexpr int64_t kVectorLimit = 32;
  if (p > kVectorLimit || f > kVectorLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("Vector engine transpose of [", p, " x ", f, "] exceeds the 32 x 32 limit"));
  }
  if (o.dst.space != MemorySpace::SBUF) {
    return absl::InvalidArgumentError(
        absl::StrCat("Vector engine transpose dst must be in SBUF, got ", SpaceName(o.dst.space)));
  }
  return absl::OkStatus();
}

absl::Status VerifyGather(const Operands& o, bool has_given) {
  if (o.src0.space != MemorySpace::DRAM && o.src0.space != MemorySpace::WEIGHTS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gather table src0 must be in DRAM or WEIGHTS, got ", SpaceName(o.src0.space)));
  }
  if (o.src1.space != MemorySpace::SBUF ||
      (o.src1.dtype != DType::I32 && o.src1.dtype != DType::I64)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gather indices src1 must be I32 or I64 in SBUF, got ",
                     DTypeName(o.src1.dtype), " in ", SpaceName(o.src1.space)));
  }
  if (o.dst.space != MemorySpace::SBUF) {
    return absl::InvalidArgumentError(
        absl::StrCat("gather dst must be in SBUF, got ", SpaceName(o.dst.space)));
  }
  if (o.src1.free_size != 1 || o.src1.num_partitions != o.dst.num_partitions) {
    return absl::InvalidArgumentError(
        absl::StrCat("gather indices must be one element per partition for ", o.dst.num_partitions,
                     " partitions, got [", o.src1.num_partitions, " x ", o.src1.free_size, "]"));
  }
  if (o.dst.free_size != o.src0.free_size) {
    return absl::InvalidArgumentError(absl::StrCat("dst has ", o.dst.free_size,
                                                   " free elements but a gathered row of src0 has ",
                                                   o.src0.free_size));
  }
  if (has_given) {
    if (o.src2.space != MemorySpace::SBUF ||
        (o.src2.dtype != DType::I32 && o.src2.dtype != DType::I64) ||
        o.src2.num_partitions != o.dst.num_partitions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "gather's given indices src2 must be I32 or I64 in SBUF with ", o.dst.num_partitions,
          " partitions, got ", DTypeName(o.src2.dtype), " in ", SpaceName(o.src2.space), " [",
          o.src2.num_partitions, " x ", o.src2.free_size, "]"));
    }
  }
  return absl::OkStatus();
}

// Checks one instruction; errors carry only the rule (the caller adds where).
// `written`, when given, receives the operands (dst, and accum when
// `*has_accum`), valid once the instruction passes.
absl::Status VerifyInstruction(const Instruction& inst, EngineType engine, const SpaceSizes& sizes,
                               uint32_t num_semaphores, const ncc::target::CoreSpec& spec,
                               Operands* written = nullptr, bool* written_accum = nullptr) {
  const Opcode op = inst.opcode();
  if (!EngineRuns(engine, op)) {
    return absl::InvalidArgumentError(absl::StrCat("opcode ", EnumNameOpcode(op),
                                                   " cannot run on the ",
                                                   EnumNameEngineType(engine), " engine"));
  }
  const OperandUse use = UseOf(op);
  Operands o;
  auto resolve = [&](const AccessPattern* ap, const char* name, bool required,
                     ApGeometry* out) -> absl::Status {
    if (ap == nullptr) {
      if (!required) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat("missing required operand ", name));
    }
    auto g = ResolveAccessPattern(*ap, sizes);
    if (!g.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", g.status().message()));
    }
    if (engine != EngineType::DMA &&
        (g->space == MemorySpace::DRAM || g->space == MemorySpace::WEIGHTS)) {
      return absl::InvalidArgumentError(absl::StrCat(name, " is in ", SpaceName(g->space),
                                                     "; only DMA "
                                                     "queues may touch DRAM or WEIGHTS"));
    }
    *out = *g;
    return absl::OkStatus();
  };
  if (auto s = resolve(inst.dst(), "dst", true, &o.dst); !s.ok()) return s;
  if (o.dst.space == MemorySpace::WEIGHTS) {
    return absl::InvalidArgumentError("dst is in WEIGHTS, which is read-only");
  }
  if (use.src0) {
    if (auto s = resolve(inst.src0(), "src0", true, &o.src0); !s.ok()) return s;
  }
  const bool has_src1 = use.src1 && inst.src1() != nullptr;
  const bool has_src2 = use.src2 && inst.src2() != nullptr;
  if (use.src1) {
    if (auto s = resolve(inst.src1(), "src1", !use.src1_optional, &o.src1); !s.ok()) {
      return s;
    }
  }
  if (use.src2) {
    if (auto s = resolve(inst.src2(), "src2", !use.src2_optional, &o.src2); !s.ok()) {
      return s;
    }
  }
  const bool has_bias = use.bias && inst.bias() != nullptr;
  if (has_bias) {
    if (auto s = resolve(inst.bias(), "bias", true, &o.bias); !s.ok()) return s;
  }
  const bool has_accum = use.accum && inst.accum() != nullptr;
  if (has_accum) {
    if (auto s = resolve(inst.accum(), "accum", true, &o.accum); !s.ok()) {
      return s;
    }
    if (o.accum.space == MemorySpace::WEIGHTS) {
      return absl::InvalidArgumentError("accum is in WEIGHTS, which is read-only");
    }
  }

  switch (op) {
    case Opcode::DMA_COPY:
      if (o.dst.count != o.src0.count) {
        return absl::InvalidArgumentError(
            absl::StrCat("dst has ", o.dst.count, " elements but src0 has ", o.src0.count));
      }
      break;
    case Opcode::DMA_GATHER:
      if (auto s = VerifyGather(o, has_src2); !s.ok()) return s;
      break;
    case Opcode::MATMUL:
      if (auto s = VerifyMatmul(o, spec); !s.ok()) return s;
      break;
    case Opcode::TRANSPOSE:
      if (auto s = VerifyTranspose(o, engine, spec); !s.ok()) return s;
      break;
    case Opcode::ACTIVATION:
      if (inst.act_func() > ActivationFunction::MAX) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown activation function ", static_cast<int>(inst.act_func())));
      }
      if (auto s = Shape(o.dst, "dst", o.src0, "src0"); !s.ok()) return s;
      if (has_bias) {
        if (o.bias.space != MemorySpace::SBUF) {
          return absl::InvalidArgumentError("bias must be F32 in SBUF");
        }
        if (auto s = PerPartition(o.bias, "bias", o.dst.num_partitions); !s.ok()) {
          return s;
        }
      }
      if (has_accum) {
        if (auto s = PerPartition(o.accum, "accum", o.dst.num_partitions); !s.ok()) {
          return s;
        }
      }
      break;
    case Opcode::TENSOR_TENSOR:
      if (auto s = KnownAlu(inst.alu_op(), "ALU op"); !s.ok()) return s;
      if (auto s = Shape(o.dst, "dst", o.src0, "src0"); !s.ok()) return s;
      if (auto s = Shape(o.dst, "dst", o.src1, "src1"); !s.ok()) return s;
      break;
    case Opcode::TENSOR_SCALAR:
      if (auto s = KnownAlu(inst.alu_op(), "ALU op"); !s.ok()) return s;
      if (auto s = KnownAlu(inst.alu_op2(), "second ALU op"); !s.ok()) return s;
      if (auto s = Shape(o.dst, "dst", o.src0, "src0"); !s.ok()) return s;
      if (has_src1) {
        if (auto s = PerPartition(o.src1, "src1 (per-partition scalar)", o.dst.num_partitions);
            !s.ok()) {
          return s;
        }
      }
      if (has_src2) {
        if (auto s = PerPartition(o.src2, "src2 (per-partition scalar)", o.dst.num_partitions);
            !s.ok()) {
          return s;
        }
      }
      break;
    case Opcode::TENSOR_COPY:
      if (auto s = Shape(o.dst, "dst", o.src0, "src0"); !s.ok()) return s;
      break;
    case Opcode::TENSOR_REDUCE: {
      const AluOp alu = inst.alu_op();
      if (alu != AluOp::ADD && alu != AluOp::MULTIPLY && alu != AluOp::MAXIMUM &&
          alu != AluOp::MINIMUM) {
        return absl::InvalidArgumentError(
            absl::StrCat("reduce op must be ADD, MULTIPLY, MAXIMUM or MINIMUM, got ",
                         alu <= AluOp::MAX ? EnumNameAluOp(alu) : "unknown"));
      }
      if (o.dst.num_partitions != o.src0.num_partitions) {
        return absl::InvalidArgumentError(absl::StrCat(
            "dst has ", o.dst.num_partitions, " partitions but src0 has ", o.src0.num_partitions));
      }
      if (o.src0.free_size % o.dst.free_size != 0) {
        return absl::InvalidArgumentError(absl::StrCat("src0 free size ", o.src0.free_size,
                                                       " is not a multiple of dst free size ",
                                                       o.dst.free_size));
      }
      break;
    }
    case Opcode::SELECT:
      if (auto s = Shape(o.dst, "dst", o.src0, "src0"); !s.ok()) return s;
      if (auto s = Shape(o.dst, "dst", o.src1, "src1"); !s.ok()) return s;
      if (auto s = Shape(o.dst, "dst", o.src2, "src2"); !s.ok()) return s;
      break;
    case Opcode::MEMSET:
    case Opcode::IOTA:
      break;
  }

  if (const auto* waits = inst.waits()) {
    for (const SemaphoreWait* w : *waits) {
      if (w->semaphore() >= num_semaphores) {
        return absl::InvalidArgumentError(absl::StrCat("waits on semaphore ", w->semaphore(),
                                                       " but the model has ", num_semaphores));
      }
    }
  }
  if (inst.signal() < -1 ||
      (inst.signal() >= 0 && static_cast<uint32_t>(inst.signal()) >= num_semaphores)) {
    return absl::InvalidArgumentError(
        absl::StrCat("signals semaphore ", inst.signal(), " but the model has ", num_semaphores));
  }
  if (written != nullptr) {
    *written = o;
    *written_accum = has_accum;
  }
  return absl::OkStatus();
}

// `arena`: the tensors live in the model's DRAM arena (all but pipelined
// models, whose tensors are the stages').
absl::Status VerifyTensors(const Model& model, bool inputs, bool arena = true) {
  const auto* list = inputs ? model.inputs() : model.outputs();
  if (list == nullptr) return absl::OkStatus();
  const char* kind = inputs ? "input" : "output";
  std::set<std::string> names;
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    const TensorInfo* t = list->Get(i);
    if (t->name() == nullptr || t->name()->size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: ", kind, " ", i, " has no name"));
    }
    // Messages quote names escaped: they come from the file.
    const std::string name = PrintableName(t->name()->str());
    if (!names.insert(t->name()->str()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: ", kind, " '", name, "' is declared twice"));
    }
    // The runtime's C API passes names as C strings.
    if (t->name()->str().find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: ", kind, " '", name, "' has a NUL byte in its name"));
    }
    if (t->dtype() > DType::MAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          "NEFF verify: ", kind, " '", name, "' has unknown dtype ", static_cast<int>(t->dtype())));
    }
    __int128 bytes = DTypeSize(t->dtype());
    if (t->shape() != nullptr) {
      for (int64_t d : *t->shape()) {
        if (d < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("NEFF verify: ", kind, " '", name, "' has negative dim ", d));
        }
        bytes *= d;
        if (bytes > (__int128{1} << 64)) break;
      }
    }
    if (!arena && bytes > (__int128{1} << 40)) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: ", kind, " '", name, "' is larger than 1 TiB"));
    }
    if (arena && __int128(t->dram_offset()) + bytes > model.dram_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: ", kind, " '", name, "' at DRAM offset ", t->dram_offset(),
                       " does not fit the ", model.dram_size(), "-byte DRAM arena"));
    }
  }
  return absl::OkStatus();
}

std::string LoadQueueName(const Queue& queue) {
  return absl::StrCat("load queue ", QueueName(queue));
}

// One load instruction: a DMA_COPY from WEIGHTS to SBUF, no waits, no
// signal, operands as in `queues`. Sets `*dst` on success.
absl::Status VerifyLoadInstruction(const Instruction& inst, const SpaceSizes& sizes,
                                   uint32_t num_semaphores, const CoreSpecRef& spec,
                                   ApGeometry* dst) {
  if (inst.opcode() != Opcode::DMA_COPY) {
    return absl::InvalidArgumentError("load queues hold only DMA_COPY (WEIGHTS to SBUF)");
  }
  if (inst.waits() != nullptr && inst.waits()->size() > 0) {
    const SemaphoreWait* w = inst.waits()->Get(0);
    return absl::InvalidArgumentError(
        absl::StrCat("a load instruction cannot wait (it waits for semaphore ", w->semaphore(),
                     " >= ", w->value(), ")"));
  }
  if (inst.signal() != -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a load instruction cannot signal (it signals semaphore ", inst.signal(), ")"));
  }
  Operands o;
  bool has_accum = false;
  if (auto s =
          VerifyInstruction(inst, EngineType::DMA, sizes, num_semaphores, spec, &o, &has_accum);
      !s.ok()) {
    return s;
  }
  if (o.src0.space != MemorySpace::WEIGHTS) {
    return absl::InvalidArgumentError(
        absl::StrCat("load src0 must be in WEIGHTS, got ", SpaceName(o.src0.space)));
  }
  if (o.dst.space != MemorySpace::SBUF) {
    return absl::InvalidArgumentError(
        absl::StrCat("load dst must be in SBUF, got ", SpaceName(o.dst.space)));
  }
  *dst = o.dst;
  return absl::OkStatus();
}

// Model.load_queues; fills `resident` with the SBUF they write.
absl::Status VerifyLoadQueues(const Model& model, const SpaceSizes& sizes, const CoreSpecRef& spec,
                              ResidentSbuf* resident) {
  const auto* queues = model.load_queues();
  if (queues == nullptr) return absl::OkStatus();
  for (flatbuffers::uoffset_t q = 0; q < queues->size(); ++q) {
    const Queue* queue = queues->Get(q);
    if (queue->engine() != EngineType::DMA) {
      return absl::InvalidArgumentError(absl::StrCat(
          "NEFF verify: load queue ", q, " is on the ",
          queue->engine() <= EngineType::MAX ? EnumNameEngineType(queue->engine()) : "UNKNOWN",
          " engine; load queues are DMA queues"));
    }
    if (queue->index() >= static_cast<uint32_t>(spec.dma_queues)) {
      return absl::InvalidArgumentError(absl::StrCat("NEFF verify: ", LoadQueueName(*queue),
                                                     " has an invalid index (", spec.dma_queues,
                                                     " DMA queues per core)"));
    }
    const auto* insts = queue->instructions();
    if (insts == nullptr) continue;
    for (flatbuffers::uoffset_t i = 0; i < insts->size(); ++i) {
      const Instruction* inst = insts->Get(i);
      const bool known_op = inst->opcode() <= Opcode::MAX;
      absl::Status s;
      ApGeometry dst;
      if (!known_op) {
        s = absl::InvalidArgumentError(
            absl::StrCat("unknown opcode ", static_cast<int>(inst->opcode())));
      } else {
        s = VerifyLoadInstruction(*inst, sizes, model.num_semaphores(), spec, &dst);
      }
      if (!s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "NEFF verify: ", LoadQueueName(*queue), " instruction ", i, " (",
            known_op ? EnumNameOpcode(inst->opcode()) : "UNKNOWN", "): ", s.message()));
      }
      resident->Add(dst, sizes.sbuf_partition);
    }
  }
  return absl::OkStatus();
}

// An SBUF operand that `queues` write must stay out of the resident SBUF.
absl::Status OutsideResident(const ApGeometry& g, const char* name, const ResidentSbuf& resident,
                             int64_t partition_bytes) {
  if (g.space != MemorySpace::SBUF) return absl::OkStatus();
  const int64_t p = resident.FirstOverlap(g, partition_bytes);
  if (p < 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " writes SBUF partition ", p, " bytes [",
                                                 g.partition_lo, ", ", g.partition_hi,
                                                 "], which the load queues keep resident (bytes [",
                                                 resident.lo(p), ", ", resident.hi(p) - 1, "])"));
}

absl::Status VerifySource(const TensorSource& source, int64_t earlier_stages, int64_t model_inputs,
                          const std::string& what) {
  if (source.stage() < -1 || source.stage() >= earlier_stages) {
    return absl::InvalidArgumentError(absl::StrCat("NEFF verify: ", what, " comes from stage ",
                                                   source.stage(), ", not an earlier stage"));
  }
  if (source.stage() == -1 && source.index() >= model_inputs) {
    return absl::InvalidArgumentError(absl::StrCat("NEFF verify: ", what, " is model input ",
                                                   source.index(), " but the model has ",
                                                   model_inputs, " inputs"));
  }
  return absl::OkStatus();
}

// A model pipelined over stages: a container of stage NEFFs (checked when
// they are opened), without a program of its own.
absl::Status VerifyPipelined(const Model& model) {
  const auto* stages = model.stages();
  if (stages->size() == 0) {
    return absl::InvalidArgumentError("NEFF verify: the model's stage list is empty");
  }
  const auto count = [](const auto* v) -> int64_t { return v == nullptr ? 0 : v->size(); };
  const std::pair<const char*, int64_t> own[] = {
      {"queues", count(model.queues())},
      {"load queues", count(model.load_queues())},
      {"bytes of weights", count(model.weights())},
  };
  for (const auto& [what, n] : own) {
    if (n > 0) {
      return absl::InvalidArgumentError(absl::StrCat("NEFF verify: a pipelined model has ", n, " ",
                                                     what, " of its own (only its stages may)"));
    }
  }
  if (auto s = VerifyTensors(model, true, /*arena=*/false); !s.ok()) return s;
  if (auto s = VerifyTensors(model, false, /*arena=*/false); !s.ok()) return s;
  const int64_t inputs = count(model.inputs());
  for (flatbuffers::uoffset_t k = 0; k < stages->size(); ++k) {
    const Stage* stage = stages->Get(k);
    if (stage->neff() == nullptr || stage->neff()->size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("NEFF verify: stage ", k, " has no NEFF"));
    }
    if (stage->inputs() == nullptr) continue;
    for (flatbuffers::uoffset_t j = 0; j < stage->inputs()->size(); ++j) {
      if (auto s = VerifySource(*stage->inputs()->Get(j), k, inputs,
                                absl::StrCat("stage ", k, " input ", j));
          !s.ok()) {
        return s;
      }
    }
  }
  const int64_t outputs = count(model.outputs());
  if (count(model.output_sources()) != outputs) {
    return absl::InvalidArgumentError(absl::StrCat("NEFF verify: a pipelined model has ", outputs,
                                                   " outputs but ", count(model.output_sources()),
                                                   " output sources"));
  }
  for (flatbuffers::uoffset_t j = 0; j < outputs; ++j) {
    if (auto s = VerifySource(*model.output_sources()->Get(j), stages->size(), inputs,
                              absl::StrCat("output ", j));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ResidentSbuf::Add(const ApGeometry& g, int64_t partition_bytes) {
  const int64_t first = g.start / partition_bytes;
  const int64_t lo = g.partition_lo, hi = g.partition_hi + 1;
  for (int64_t p = first; p < first + g.num_partitions && p < partitions(); ++p) {
    if (lo_[p] >= hi_[p]) {
      lo_[p] = lo;
      hi_[p] = hi;
    } else {
      lo_[p] = std::min(lo_[p], lo);
      hi_[p] = std::max(hi_[p], hi);
    }
  }
  min_lo_ = std::min(min_lo_, lo);
  max_hi_ = std::max(max_hi_, hi);
}

int64_t ResidentSbuf::FirstOverlap(const ApGeometry& g, int64_t partition_bytes) const {
  const int64_t lo = g.partition_lo, hi = g.partition_hi + 1;
  if (hi <= min_lo_ || lo >= max_hi_) return -1;  // the common case, O(1)
  const int64_t first = g.start / partition_bytes;
  for (int64_t p = first; p < first + g.num_partitions && p < partitions(); ++p) {
    if (lo < hi_[p] && lo_[p] < hi) return p;
  }
  return -1;
}

int64_t ResidentSbuf::bytes() const {
  int64_t total = 0;
  for (size_t p = 0; p < lo_.size(); ++p) total += hi_[p] - lo_[p];
  return total;
}

absl::Status Verify(const Model& model) {
  if (model.stages() != nullptr) return VerifyPipelined(model);
  // The limits are those of the core the NEFF names, not of one built-in target.
  absl::StatusOr<const ncc::target::CoreSpec*> core =
      ncc::target::CoreSpecForTarget(TargetName(model));
  if (!core.ok()) return core.status();
  const ncc::target::CoreSpec& spec = **core;
  if (model.num_semaphores() > static_cast<uint32_t>(spec.semaphores)) {
    return absl::InvalidArgumentError(absl::StrCat("NEFF verify: num_semaphores ",
                                                   model.num_semaphores(), " exceeds the core's ",
                                                   spec.semaphores));
  }
  if (model.dram_size() > (uint64_t{1} << 40)) {
    return absl::InvalidArgumentError(
        absl::StrCat("NEFF verify: dram_size ", model.dram_size(), " is larger than 1 TiB"));
  }
  if (auto s = VerifyTensors(model, true); !s.ok()) return s;
  if (auto s = VerifyTensors(model, false); !s.ok()) return s;
  SpaceSizes sizes;
  sizes.dram = static_cast<int64_t>(model.dram_size());
  sizes.weights = model.weights() ? model.weights()->size() : 0;
  sizes.sbuf_partition = spec.sbuf_partition_bytes;
  sizes.psum_partition = spec.psum_partition_bytes;
  sizes.partitions = spec.partitions;
  ResidentSbuf resident(spec.partitions);
  if (auto s = VerifyLoadQueues(model, sizes, spec, &resident); !s.ok()) return s;
  const auto* queues = model.queues();
  if (queues == nullptr) return absl::OkStatus();
  for (flatbuffers::uoffset_t q = 0; q < queues->size(); ++q) {
    const Queue* queue = queues->Get(q);
    if (queue->engine() > EngineType::MAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          "NEFF verify: queue ", q, " has unknown engine ", static_cast<int>(queue->engine())));
    }
    if (queue->engine() == EngineType::DMA
            ? queue->index() >= static_cast<uint32_t>(spec.dma_queues)
            : queue->index() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEFF verify: queue ", QueueName(*queue), " has an invalid index (",
                       spec.dma_queues, " DMA queues per core, compute engines use 0)"));
    }
    const auto* insts = queue->instructions();
    if (insts == nullptr) continue;
    for (flatbuffers::uoffset_t i = 0; i < insts->size(); ++i) {
      const Instruction* inst = insts->Get(i);
      const bool known_op = inst->opcode() <= Opcode::MAX;
      const char* op_name = known_op ? EnumNameOpcode(inst->opcode()) : "UNKNOWN";
      absl::Status s;
      if (!known_op) {
        s = absl::InvalidArgumentError(
            absl::StrCat("unknown opcode ", static_cast<int>(inst->opcode())));
      } else {
        Operands o;
        bool has_accum = false;
        s = VerifyInstruction(*inst, queue->engine(), sizes, model.num_semaphores(), spec, &o,
                              &has_accum);
        if (s.ok() && !resident.empty()) {
          s = OutsideResident(o.dst, "dst", resident, sizes.sbuf_partition);
          if (s.ok() && has_accum) {
            s = OutsideResident(o.accum, "accum", resident, sizes.sbuf_partition);
          }
        }
      }
      if (!s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("NEFF verify: queue ", QueueName(*queue),
                                                       " instruction ", i, " (", op_name,
                                                       "): ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace neff
