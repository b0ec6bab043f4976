// Index-driven ops. Gather (embedding lookups and their generalisation to any
// axis): indices are loaded onto partitions and an indirect DMA (DMA_GATHER)
// copies one row of the table per partition; GatherElements likewise, one
// element per partition, and GatherND one slice per index tuple; OneHot compares indices with a
// column iota.
#ifndef NCC_COMPILER_LOWER_GATHER_H_
#define NCC_COMPILER_LOWER_GATHER_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckGather(const ir::Op& op);
absl::Status LowerGather(const ir::Op& op, LowerContext& ctx);
// GatherElements: one output element per partition, its data element's flat
// offset computed on chip and fetched by DMA_GATHER from a one-element-row
// view of data.
absl::Status CheckGatherElements(const ir::Op& op);
absl::Status LowerGatherElements(const ir::Op& op, LowerContext& ctx);
// GatherND: one index tuple per partition, its row of data computed on chip.
absl::Status CheckGatherNd(const ir::Op& op);
absl::Status LowerGatherNd(const ir::Op& op, LowerContext& ctx);
// ReverseSequence: per batch entry, a gather of its time steps reversed.
absl::Status CheckReverseSequence(const ir::Op& op);
absl::Status LowerReverseSequence(const ir::Op& op, LowerContext& ctx);
// OneHot: each index on a partition compared with a column iota, then a
// select between on_value and off_value.
absl::Status CheckOneHot(const ir::Op& op);
absl::Status LowerOneHot(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_GATHER_H_
