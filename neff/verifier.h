// The loader's semantic check of a NEFF program: after it passes, executing
// the model cannot read or write outside its buffers. See docs/isa.md.
#ifndef NCC_NEFF_VERIFIER_H_
#define NCC_NEFF_VERIFIER_H_

#include <string>

#include "absl/status/status.h"
#include "neff/neff_generated.h"

namespace neff {

// Checks every queue and instruction (engines, opcodes, dtypes, operand
// bounds in SBUF/PSUM/DRAM/WEIGHTS, matmul tile limits, semaphore ids) and
// the model's inputs and outputs. Errors are one line, e.g.
//   NEFF verify: queue TENSOR[0] instruction 12 (MATMUL): moving operand has
//   600 free elements, limit 512
absl::Status Verify(const Model& model);

// "TENSOR[0]"-style queue name.
std::string QueueName(const Queue& queue);

}  // namespace neff

#endif  // NCC_NEFF_VERIFIER_H_
