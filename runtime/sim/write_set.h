// The bytes of a memory that a program's instructions may write (their
// operands' extents), per partition, as sorted disjoint [lo, hi) ranges. An
// execution starts from zeroed memories; re-zeroing only what the previous
// execution on the same host memory may have written keeps that promise at
// a fraction of the cost of zeroing all of SBUF (24 MiB) each time.
#ifndef NCC_RUNTIME_SIM_WRITE_SET_H_
#define NCC_RUNTIME_SIM_WRITE_SET_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "neff/access_pattern.h"

namespace ncc::sim {

class WriteSet {
 public:
  // A memory of `partitions` partitions of `part_bytes` bytes (DRAM: one
  // partition of the arena's size).
  WriteSet(int64_t partitions, int64_t part_bytes);

  // Operand `g` (of this memory) may be written.
  void Add(const neff::ApGeometry& g);
  // Bytes [lo, hi) of partition p may be written.
  void Add(int64_t p, int64_t lo, int64_t hi);
  // Sorts and merges the ranges; call once after the last Add.
  void Finish();

  // Zeroes the ranges in `base` (partition p at base + p * part_bytes).
  void Zero(uint8_t* base) const;
  // Bytes in all ranges.
  int64_t bytes() const;

 private:
  int64_t partitions_, part_bytes_;
  std::vector<std::vector<std::pair<int64_t, int64_t>>> ranges_;
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_WRITE_SET_H_
