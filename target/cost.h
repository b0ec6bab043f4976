// The estimated device time of one instruction: the one opcode -> cost
// mapping (docs/isa.md, Timing), called by the compiler's scheduler for its
// estimates and by the simulator for its timeline, so the two cannot drift.
#ifndef NCC_TARGET_COST_H_
#define NCC_TARGET_COST_H_

#include <cstdint>

#include "target/isa_generated.h"
#include "target/neuroncore.h"

namespace ncc::target {

// What an instruction's cost depends on about one operand.
struct OperandCostShape {
  int64_t free_size = 0;       // elements per partition
  int64_t num_partitions = 0;  // partitions (rows) the operand spans
  int elem_bytes = 0;          // bytes per element of its dtype
  // Leading contiguous run in bytes (DMA operands only; docs/isa.md, Timing).
  int64_t contiguous_bytes = 0;
};

// An instruction as the cost model sees it, independent of whether it comes
// from the compiler's tile program or a NEFF queue.
struct InstructionCostShape {
  neff::Opcode opcode = neff::Opcode::DMA_COPY;
  Engine engine = Engine::kDma;
  OperandCostShape dst, src0, src1;
};

// Estimated duration (ns) of `inst` on `spec`. Defined for the opcode /
// engine pairs the NEFF verifier accepts.
double InstructionCostNs(const CoreSpec& spec, const InstructionCostShape& inst);

}  // namespace ncc::target

#endif  // NCC_TARGET_COST_H_
