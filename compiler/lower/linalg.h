// Det: the determinant of each square matrix in the last two dims, by its
// closed form (n <= 3), one matrix per partition on the Vector engine.
#ifndef NCC_COMPILER_LOWER_LINALG_H_
#define NCC_COMPILER_LOWER_LINALG_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckDet(const ir::Op& op);
absl::Status LowerDet(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_LINALG_H_
