// Evaluates one IR op on the host when all its inputs are constants, for
// constant folding and shape-computation folding. Values are carried as
// doubles (exact for f32 and for the i64 sizes that shape arithmetic uses)
// and rounded to the output's dtype when stored.
#ifndef NCC_COMPILER_IR_EVAL_HOST_EVAL_H_
#define NCC_COMPILER_IR_EVAL_HOST_EVAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace ncc::ir::eval {

// Host memory one evaluation's result may take (as doubles); larger results
// are not evaluated. Constant folding at every level is bounded by it.
inline constexpr int64_t kHostEvalByteBudget = int64_t{1} << 30;

// The op types EvaluateOnHost knows.
const std::vector<std::string>& HostEvaluableOpTypes();

// The elements of op->outputs[0] (shape and dtype as the IR states them), or
// nullopt when the op is not evaluable (unknown type, a non-constant input,
// more than one output, an attribute form it does not handle).
std::optional<std::vector<double>> EvaluateOnHost(const ir::Op& op);

}  // namespace ncc::ir::eval

#endif  // NCC_COMPILER_IR_EVAL_HOST_EVAL_H_
