// Row-wise reductions and selections with rows on the 128 partitions and the
// reduced axis on the free axis (rows.h): the Reduce* family, ArgMax, ArgMin
// and Hardmax, TopK, and Trilu's triangle masks.
#ifndef NCC_COMPILER_LOWER_REDUCE_H_
#define NCC_COMPILER_LOWER_REDUCE_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckReduce(const ir::Op& op);
absl::Status LowerReduce(const ir::Op& op, LowerContext& ctx);
absl::Status CheckArgReduce(const ir::Op& op);
absl::Status LowerArgReduce(const ir::Op& op, LowerContext& ctx);
// TopK: k rounds of extreme, first position, retire.
absl::Status CheckTopK(const ir::Op& op);
absl::Status LowerTopK(const ir::Op& op, LowerContext& ctx);
absl::Status CheckTrilu(const ir::Op& op);
absl::Status LowerTrilu(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_REDUCE_H_
