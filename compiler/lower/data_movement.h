// Data movement as DMA access patterns, with no compute engine involved:
// Transpose, Slice, Concat, Split, Pad (constant, reflect, edge), Cast, Expand. Each is a
// strided DRAM -> DRAM copy (DMA_COPY casts when dtypes differ), split into
// several descriptors so that large copies use several DMA queues.
#ifndef NCC_COMPILER_LOWER_DATA_MOVEMENT_H_
#define NCC_COMPILER_LOWER_DATA_MOVEMENT_H_

#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

// Copies a strided view: element (i0, ..., ik) of `shape` goes from
// src_offset + sum(i * src_strides) to dst_offset + sum(i * dst_strides)
// (elements). Any rank; a zero source stride broadcasts.
void EmitStridedCopy(LowerContext& ctx, const DramTensor& src, int64_t src_offset,
                     std::vector<int64_t> src_strides, const DramTensor& dst, int64_t dst_offset,
                     std::vector<int64_t> dst_strides, std::vector<int64_t> shape);

// Sets every element of `dst` to `value`: a constant SBUF tile copied out
// by DMA.
absl::Status EmitFill(LowerContext& ctx, const DramTensor& dst, float value);

// Row-major strides of `shape`, in elements.
std::vector<int64_t> RowMajorStrides(const ir::Shape& shape);

absl::Status CheckTranspose(const ir::Op& op);
absl::Status LowerTranspose(const ir::Op& op, LowerContext& ctx);
absl::Status CheckSlice(const ir::Op& op);
absl::Status LowerSlice(const ir::Op& op, LowerContext& ctx);
absl::Status CheckConcat(const ir::Op& op);
absl::Status LowerConcat(const ir::Op& op, LowerContext& ctx);
absl::Status CheckSplit(const ir::Op& op);
absl::Status LowerSplit(const ir::Op& op, LowerContext& ctx);
absl::Status CheckPad(const ir::Op& op);
absl::Status LowerPad(const ir::Op& op, LowerContext& ctx);
absl::Status CheckCast(const ir::Op& op);
absl::Status LowerCast(const ir::Op& op, LowerContext& ctx);
absl::Status CheckDepthSpace(const ir::Op& op);  // DepthToSpace, SpaceToDepth
absl::Status LowerDepthSpace(const ir::Op& op, LowerContext& ctx);
absl::Status CheckTile(const ir::Op& op);
absl::Status LowerTile(const ir::Op& op, LowerContext& ctx);
absl::Status CheckExpand(const ir::Op& op);
absl::Status LowerExpand(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_DATA_MOVEMENT_H_
