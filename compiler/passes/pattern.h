// Helpers for the pattern-matching passes (fuse_layer_norm, fuse_gelu).
#ifndef NCC_COMPILER_PASSES_PATTERN_H_
#define NCC_COMPILER_PASSES_PATTERN_H_

#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

// `value`'s producer when it has type `type`, else null.
ir::Op* ProducerOf(const ir::Value* value, absl::string_view type);
// The value of a one-element float constant.
std::optional<double> ScalarConstant(const ir::Value* value);
// Whether `value` equals `expected` within a relative 1e-6.
bool IsScalar(const ir::Value* value, double expected);
// For a commutative binary op with a scalar constant operand equal to
// `expected`: the other operand, else null.
ir::Value* OtherThanScalar(const ir::Op& op, double expected);
// Whether `op` is a ReduceMean over just the last axis with keepdims.
bool IsLastAxisMean(const ir::Op& op);

// Tries `rewrite` at every op present when called (rewrites may add ops);
// when any succeeded, removes the primitives left unread. Whether any did.
absl::StatusOr<bool> RewriteEachOp(ir::Graph& graph,
                                   const std::function<bool(ir::Graph&, ir::Op&)>& rewrite);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_PATTERN_H_
