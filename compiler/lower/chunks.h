// Element-wise work over a flat tensor as [rows, free] tiles: rows on the
// partitions, a partial last row. Shared by the element-wise and the
// quantization lowerings.
#ifndef NCC_COMPILER_LOWER_CHUNKS_H_
#define NCC_COMPILER_LOWER_CHUNKS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ncc::lower {

// Free elements per partition in one tile (8 KiB of f32).
inline constexpr int64_t kMaxFree = 2048;
// Planes (channels) from which element-wise tiles follow the convolutions'
// layout even with partitions idle: MobileNetV2's residual Adds over 24-96
// channels then read the convolutions' tiles instead of DRAM.
inline constexpr int64_t kMinPlanes = 16;

struct Chunk {
  int64_t start;       // first element
  int rows;            // partitions
  int64_t free;        // elements per partition
  int64_t row_stride;  // elements from one partition's first element to the next
};

// Row-major runs of `total` elements: rows of `free_per_row` elements on up
// to `partitions` partitions, then one partial row.
inline std::vector<Chunk> Chunks(int64_t total, int64_t free_per_row, int partitions) {
  std::vector<Chunk> chunks;
  for (int64_t c = 0; c < total;) {
    if (total - c >= free_per_row) {
      const int rows = static_cast<int>(std::min<int64_t>(partitions, (total - c) / free_per_row));
      chunks.push_back({c, rows, free_per_row, free_per_row});
      c += rows * free_per_row;
    } else {
      chunks.push_back({c, 1, total - c, total - c});
      c = total;
    }
  }
  return chunks;
}

// Elements per partition for `total` elements: spread over all partitions,
// at most kMaxFree.
inline int64_t FreePerRow(int64_t total, int partitions) {
  return std::max<int64_t>(1, std::min<int64_t>(kMaxFree, (total + partitions - 1) / partitions));
}

// Tiles of a tensor of `shape` whose free sizes are multiples of `period`.
// With at least kMinPlanes NCHW planes (the dims after the second: an
// activation's H*W), one plane per partition, in column blocks of at most
// kMaxFree: the layout convolutions and pooling keep channels in, so that
// SBUF residency can serve one op's tiles to the next. Otherwise the tensor
// is spread flat over the partitions.
inline std::vector<Chunk> ChunksOf(const std::vector<int64_t>& shape, int partitions,
                                   int64_t period = 1) {
  int64_t total = 1, plane = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    total *= shape[d];
    if (d >= 2) plane *= shape[d];
  }
  if (shape.size() >= 4 && plane > 0 && plane % period == 0 && total / plane >= kMinPlanes) {
    // The fewest equal column blocks of a plane that fit a tile.
    for (int64_t blocks = (plane + kMaxFree - 1) / kMaxFree; blocks <= 16; ++blocks) {
      const int64_t width = plane / blocks;
      if (plane % blocks != 0 || width % period != 0) continue;
      std::vector<Chunk> chunks;
      const int64_t planes = total / plane;
      for (int64_t r0 = 0; r0 < planes; r0 += partitions) {
        const int rows = static_cast<int>(std::min<int64_t>(partitions, planes - r0));
        for (int64_t b = 0; b < blocks; ++b) {
          chunks.push_back({r0 * plane + b * width, rows, width, plane});
        }
      }
      return chunks;
    }
  }
  const int64_t target = FreePerRow(total, partitions);
  return Chunks(total, std::max<int64_t>(period, target / period * period), partitions);
}
}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_CHUNKS_H_
