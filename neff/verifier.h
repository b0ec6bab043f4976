// The loader's semantic check of a NEFF program: after it passes, executing
// the model cannot read or write outside its buffers. See docs/isa.md.
#ifndef NCC_NEFF_VERIFIER_H_
#define NCC_NEFF_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "neff/neff_generated.h"

namespace neff {

struct ApGeometry;  // neff/access_pattern.h

// Checks every queue and instruction (engines, opcodes, dtypes, operand
// bounds in SBUF/PSUM/DRAM/WEIGHTS, matmul tile limits, semaphore ids) and
// the model's inputs and outputs. Errors are one line, e.g.
//   NEFF verify: queue TENSOR[0] instruction 12 (MATMUL): moving operand has
//   600 free elements, limit 512
//
// Load queues (Model.load_queues, run once at load): DMA queues of DMA_COPYs
// from WEIGHTS to SBUF without waits or signals, operands checked as in
// `queues`. The SBUF they write is resident (ResidentSbuf below): no
// instruction of `queues` may write there (dst, or ACTIVATION's accum).
//
// A pipelined model (Model.stages) is checked only as a container: no
// queues, load queues or weights of its own, its inputs and outputs well
// formed, and every TensorSource naming a model input or an earlier stage.
// The stages' NEFFs are checked by whoever opens them (Verify on each).
absl::Status Verify(const Model& model);

// The SBUF a model's load queues make resident: for each partition, the
// range of bytes from the lowest to the highest byte any load instruction
// writes in it. Verify rejects a write of `queues` inside it; the simulator
// keeps exactly these bytes from one execution to the next.
class ResidentSbuf {
 public:
  explicit ResidentSbuf(int64_t partitions) : lo_(partitions, 0), hi_(partitions, 0) {}

  // Adds the bytes an SBUF operand writes (a resolved access pattern;
  // `partition_bytes` is the size of one SBUF partition).
  void Add(const ApGeometry& g, int64_t partition_bytes);
  // The first partition in which `g` (an SBUF operand) touches the resident
  // bytes, or -1.
  int64_t FirstOverlap(const ApGeometry& g, int64_t partition_bytes) const;

  int64_t partitions() const { return static_cast<int64_t>(lo_.size()); }
  // Partition p's resident bytes are [lo(p), hi(p)); empty when equal.
  int64_t lo(int64_t p) const { return lo_[p]; }
  int64_t hi(int64_t p) const { return hi_[p]; }
  // The end of the highest resident byte of any partition (0: none).
  int64_t max_hi() const { return max_hi_; }
  // Resident bytes summed over the partitions.
  int64_t bytes() const;
  bool empty() const { return max_hi_ == 0; }

 private:
  std::vector<int64_t> lo_, hi_;
  int64_t min_lo_ = INT64_MAX, max_hi_ = 0;
};

// "TENSOR[0]"-style queue name.
std::string QueueName(const Queue& queue);

}  // namespace neff

#endif  // NCC_NEFF_VERIFIER_H_
