// Helpers shared by the op families' converters (ops_*.cc).
#ifndef NCC_FRONTENDS_PYTORCH_OPS_UTIL_H_
#define NCC_FRONTENDS_PYTORCH_OPS_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "frontends/pytorch/convert.h"

namespace ncc::pytorch_frontend {

// Evaluates `expr` (a StatusOr); on error returns its status, else binds `lhs`.
#define NCC_PT_ASSIGN(lhs, expr)                 \
  auto lhs##_or = (expr);                        \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

#define NCC_PT_RETURN_IF_ERROR(expr)   \
  do {                                 \
    absl::Status _status = (expr);     \
    if (!_status.ok()) return _status; \
  } while (0)

// The dtype torch computes a binary op in (type promotion of inputs a, b).
absl::StatusOr<ir::DType> PromotedDType(const ConvertContext& ctx, size_t a, size_t b);

// out = ONNX `type`(input a, input b) in the promoted dtype; `bool_out` for
// comparisons. Binds output 0.
absl::Status ConvertBinary(ConvertContext& ctx, const char* type, size_t a = 0, size_t b = 1,
                           bool bool_out = false);
// out = ONNX `type`(input 0) in output 0's dtype, with `attrs`. Binds output 0.
absl::Status ConvertUnary(ConvertContext& ctx, const char* type,
                          std::map<std::string, ir::Attribute> attrs = {});

// A negative dim counted from the end; error when out of range.
absl::StatusOr<int64_t> NormalizeDim(int64_t dim, int64_t rank);
int64_t Rank(const ir::Value* value);

// Binds output 0 to `value` after a Reshape to torch's output shape (for
// ops whose IR form keeps or drops different unit dims).
absl::Status SetReshaped(ConvertContext& ctx, ir::Value* value, size_t k = 0);

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_OPS_UTIL_H_
