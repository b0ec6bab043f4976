// Static deadlock check of a NEFF program, run at load after
// Verify() (neff/verifier.h): proves that every semaphore wait of every queue is
// eventually satisfied, without executing any instruction.
//
// Semaphores only count up (an instruction increments its `signal` by one
// when it completes) and a wait only asks "S >= v", so progress is monotone:
// whatever order the engines run in, a queue that can advance stays able to.
// The check therefore plays the queues abstractly, advancing each queue
// while its next instruction's waits hold and counting signals, until no
// queue can move. Any queue left unfinished is blocked forever on hardware
// too. O(instructions x queues) in the worst case, usually linear.
#ifndef NCC_NEFF_DEADLOCK_CHECK_H_
#define NCC_NEFF_DEADLOCK_CHECK_H_

#include "absl/status/status.h"
#include "neff/neff_generated.h"

namespace neff {

// OK when every queue can run to completion. Otherwise an InvalidArgument
// error, one line, naming the first blocked queue (subgraph, engine and
// index), its instruction index and opcode, the semaphore, the value waited
// for and the value it can at most reach, and who signals it, e.g.
//   NEFF verify: subgraph 0 queue VECTOR[0] instruction 3 (TENSOR_TENSOR):
//   waits for semaphore 2 >= 5 but it can only reach 4 (signalled by
//   DMA[1], blocked at instruction 4) [rule: deadlock-free semaphore waits]
// Safe on unverified models (out-of-range semaphore ids are errors too).
absl::Status CheckSemaphoreDeadlock(const Model& model);

}  // namespace neff

#endif  // NCC_NEFF_DEADLOCK_CHECK_H_
