// Tensors viewed as rows on the partitions with the reduced axes on the free
// axis: the layouts the normalisations (norm.cc) and the reductions
// (reduce.cc) tile their inputs in.
#ifndef NCC_COMPILER_LOWER_ROWS_H_
#define NCC_COMPILER_LOWER_ROWS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

// Longest row kept whole on the free axis (64 KiB of f32 per partition).
inline constexpr int64_t kMaxRow = 16384;

// A negative axis counted from the end.
int64_t NormalizeAxis(int64_t axis, int64_t rank);

// A tensor viewed as [outer, L, inner] around the axis block [begin, end):
// each tile puts up to 128 rows (an (outer, inner) pair each) on partitions
// and the L elements of a row on the free axis.
struct RowTile {
  int64_t in_offset;
  int rows;
  int64_t in_partition_stride;
  int64_t out_offset;  // in the [outer, inner] reduced layout
  int64_t out_partition_stride;
};

struct RowLayout {
  int64_t outer = 1, length = 1, inner = 1;
  std::vector<RowTile> tiles;
};

RowLayout Rows(const ir::Shape& shape, int64_t begin, int64_t end, int partitions);

// The row's free-axis stride in the input.
int64_t RowStride(const RowLayout& r);

// A tensor as rows of the slices that axes `reduced` span, for reductions
// over any set of axes: the kept axes index rows (the innermost run of kept
// axes on partitions, the outer ones looped over), the reduced axes (adjacent
// ones merged) are up to three free dimensions. Row g * rows.size + r (g the
// group, r the partition) is the r-th row of group g in kept row-major order.
struct SliceRows {
  std::vector<Dim> reduced;          // free dims of one row
  int64_t length = 1;                // elements per row
  Dim rows{1, 1};                    // the partition dimension {stride, size}
  std::vector<int64_t> row_offsets;  // first element of each group of rows
};

absl::StatusOr<SliceRows> RowsOfSlices(const ir::Shape& shape, const std::vector<bool>& reduced);

// A tile's rows of the input, and its one-element-per-row slots in the
// [outer, inner] reduced output.
Operand RowView(LowerContext& ctx, const DramTensor& t, const RowTile& tile, const RowLayout& r);
Operand ReducedView(LowerContext& ctx, const DramTensor& t, const RowTile& tile);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_ROWS_H_
