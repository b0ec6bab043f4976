#include "compiler/lower/rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {

int64_t NormalizeAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

RowLayout Rows(const ir::Shape& shape, int64_t begin, int64_t end, int partitions) {
  RowLayout r;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    (i < begin ? r.outer : i < end ? r.length : r.inner) *= shape[i];
  }
  if (r.inner == 1) {
    for (int64_t o = 0; o < r.outer; o += partitions) {
      const int rows = static_cast<int>(std::min<int64_t>(partitions, r.outer - o));
      r.tiles.push_back({o * r.length, rows, r.length, o, 1});
    }
  } else {
    for (int64_t o = 0; o < r.outer; ++o) {
      for (int64_t i = 0; i < r.inner; i += partitions) {
        const int rows = static_cast<int>(std::min<int64_t>(partitions, r.inner - i));
        r.tiles.push_back({o * r.length * r.inner + i, rows, 1, o * r.inner + i, 1});
      }
    }
  }
  return r;
}

int64_t RowStride(const RowLayout& r) { return r.inner; }

absl::StatusOr<SliceRows> RowsOfSlices(const ir::Shape& shape, const std::vector<bool>& reduced) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const std::vector<int64_t> strides = RowMajorStrides(shape);
  // Runs of adjacent axes that are all reduced or all kept merge into one
  // dimension (row-major: the run's stride is its innermost axis's).
  struct Run {
    bool reduced;
    int64_t stride, size;
  };
  std::vector<Run> runs;
  for (int64_t i = 0; i < rank; ++i) {
    if (shape[i] == 1) continue;
    if (!runs.empty() && runs.back().reduced == reduced[i]) {
      runs.back().size *= shape[i];
      runs.back().stride = strides[i];
    } else {
      runs.push_back({reduced[i], strides[i], shape[i]});
    }
  }
  SliceRows layout;
  std::vector<Run> outer_kept;
  for (const Run& run : runs) {
    if (run.reduced) {
      layout.reduced.push_back(Dim{run.stride, run.size});
      layout.length *= run.size;
    } else {
      if (layout.rows.size > 1) outer_kept.push_back({false, layout.rows.stride, layout.rows.size});
      layout.rows = Dim{run.stride, run.size};
    }
  }
  if (layout.reduced.size() > 3) {
    return Unsupported("more than three separate runs of reduced axes");
  }
  if (layout.reduced.empty()) layout.reduced.push_back(Dim{1, 1});
  if (layout.length > kMaxRow) {
    return Unsupported(
        absl::StrCat("slices of ", layout.length, " elements (limit ", kMaxRow, ")"));
  }
  layout.row_offsets = {0};
  for (const Run& run : outer_kept) {
    std::vector<int64_t> next;
    for (int64_t base : layout.row_offsets) {
      for (int64_t i = 0; i < run.size; ++i) next.push_back(base + i * run.stride);
    }
    layout.row_offsets = std::move(next);
  }
  return layout;
}

Operand RowView(LowerContext& ctx, const DramTensor& t, const RowTile& tile, const RowLayout& r) {
  return ctx.View(t, tile.in_offset, tile.rows, tile.in_partition_stride,
                  {Dim{RowStride(r), r.length}});
}

Operand ReducedView(LowerContext& ctx, const DramTensor& t, const RowTile& tile) {
  return ctx.View(t, tile.out_offset, tile.rows, tile.out_partition_stride, {Dim{1, 1}});
}

}  // namespace ncc::lower
