// Shape rules the frontends share when they compute their ops' static
// output shapes: numpy broadcasting and axes counted from the end.
#ifndef NCC_COMPILER_IR_SHAPE_RULES_H_
#define NCC_COMPILER_IR_SHAPE_RULES_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::ir {

// Broadcast of two shapes (numpy rules); INVALID_ARGUMENT naming both
// shapes when they do not broadcast.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);

// A negative axis counted from the end; INVALID_ARGUMENT when out of range.
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank);

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_SHAPE_RULES_H_
