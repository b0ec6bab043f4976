// An access pattern resolved once per instruction into byte strides and
// counts, plus the bounds check the verifier applies to every operand.
#ifndef NCC_NEFF_ACCESS_PATTERN_H_
#define NCC_NEFF_ACCESS_PATTERN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "neff/neff_generated.h"

namespace neff {

// Most elements one operand may have: keeps a hostile NEFF (broadcast strides
// of zero over huge sizes) from running for hours or exhausting memory.
inline constexpr int64_t kMaxOperandElements = int64_t{1} << 30;

// Element (p, i0, i1, i2) lives at byte
//   start + p * partition_stride + i0 * stride[0] + i1 * stride[1] + i2 * stride[2]
// of its space, where `start` is the offset (plus start_partition times the
// partition size for SBUF/PSUM). Missing outer dims are size 1, stride 0.
struct ApGeometry {
  MemorySpace space = MemorySpace::DRAM;
  DType dtype = DType::F32;
  int elem_size = 4;
  int64_t start = 0;  // bytes from the start of the space
  int64_t num_partitions = 1;
  int64_t partition_stride = 0;  // bytes
  int64_t size[3] = {1, 1, 1};
  int64_t stride[3] = {0, 0, 0};  // bytes
  int64_t free_size = 1;          // size[0] * size[1] * size[2]
  int64_t count = 1;              // num_partitions * free_size
  // The free dims of one partition are one dense run of free_size elements.
  bool free_contiguous = true;
  // Lowest and highest byte touched within one partition, relative to the
  // partition's own start (SBUF/PSUM) -- used for the PSUM bank check.
  int64_t partition_lo = 0;
  int64_t partition_hi = 0;
  // Longest run of contiguous bytes in visiting order (DMA efficiency).
  int64_t contiguous_bytes = 4;
};

struct SpaceSizes {
  int64_t dram = 0;
  int64_t weights = 0;
  int64_t sbuf_partition = 0;
  int64_t psum_partition = 0;
  int64_t partitions = 0;
};

// Validates enums, alignment, sizes and that every byte touched lies inside
// the space (with zero and negative strides, and without integer overflow).
// The error is the violated rule, without location.
absl::StatusOr<ApGeometry> ResolveAccessPattern(const AccessPattern& ap, const SpaceSizes& sizes);

const char* SpaceName(MemorySpace space);

}  // namespace neff

#endif  // NCC_NEFF_ACCESS_PATTERN_H_
