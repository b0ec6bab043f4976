#include "target/cost.h"

#include <algorithm>

namespace ncc::target {

double InstructionCostNs(const CoreSpec& spec, const InstructionCostShape& inst) {
  const neff::Opcode op = inst.opcode;
  switch (inst.engine) {
    case Engine::kDma: {
      // Bytes written, at the rate of the shorter side's contiguous run.
      const int64_t bytes = inst.dst.free_size * inst.dst.num_partitions * inst.dst.elem_bytes;
      if (op == neff::Opcode::DMA_GATHER) {
        // One row per partition: the run is one dst row's bytes.
        return DmaNs(spec, bytes, inst.dst.free_size * inst.dst.elem_bytes);
      }
      return DmaNs(spec, bytes, std::min(inst.dst.contiguous_bytes, inst.src0.contiguous_bytes));
    }
    case Engine::kTensor:
      if (op == neff::Opcode::TRANSPOSE) {
        return MatmulNs(spec, inst.src0.free_size, inst.src0.num_partitions, inst.src0.elem_bytes);
      }
      return MatmulNs(spec, inst.src0.free_size, inst.src1.free_size, inst.src1.elem_bytes);
    case Engine::kScalar:
      // ACTIVATION, and TENSOR_COPY when the Scalar engine takes a copy.
      return ActivationNs(spec, inst.dst.free_size);
    case Engine::kVector:
      switch (op) {
        case neff::Opcode::TENSOR_TENSOR:
        case neff::Opcode::SELECT:
          return VectorNs(spec, inst.dst.free_size, 2);
        case neff::Opcode::TENSOR_REDUCE:
        case neff::Opcode::TRANSPOSE:
          return VectorNs(spec, inst.src0.free_size, 1);
        default:
          return VectorNs(spec, inst.dst.free_size, 1);
      }
    case Engine::kGpSimd:
      return GpSimdNs(spec,
                      op == neff::Opcode::TENSOR_REDUCE ? inst.src0.free_size : inst.dst.free_size);
  }
  return 0.0;
}

}  // namespace ncc::target
