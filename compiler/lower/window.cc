#include "compiler/lower/window.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lower/constant_ops.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

struct CosineTerms {
  double a0, a1, a2;
};

CosineTerms TermsOf(absl::string_view op_type) {
  if (op_type == "HannWindow") return {0.5, 0.5, 0.0};
  if (op_type == "HammingWindow") return {25.0 / 46.0, 21.0 / 46.0, 0.0};
  return {0.42, 0.5, 0.08};  // BlackmanWindow
}

}  // namespace

std::vector<double> WindowValues(absl::string_view op_type, int64_t length, bool periodic) {
  const CosineTerms t = TermsOf(op_type);
  const int64_t period = periodic ? length : length - 1;
  if (period == 0) return std::vector<double>(length, 1.0);
  std::vector<double> values(length);
  for (int64_t n = 0; n < length; ++n) {
    const double angle = 2.0 * M_PI * static_cast<double>(n) / static_cast<double>(period);
    values[n] = t.a0 - t.a1 * std::cos(angle) + t.a2 * std::cos(2.0 * angle);
  }
  return values;
}

absl::Status CheckWindow(const ir::Op& op) {
  const ir::Value* size = op.input(0);
  if (size == nullptr || op.outputs.empty() || op.outputs[0] == nullptr) {
    return Unsupported("needs the size input and the output");
  }
  if (size->dtype != ir::DType::kI32 && size->dtype != ir::DType::kI64) {
    return Unsupported("size must be int32 or int64");
  }
  const ir::Value* out = op.outputs[0];
  if (out->shape.size() != 1) return Unsupported("the output must be 1-D");
  if (!ir::IsFloat(out->dtype)) {
    return Unsupported("output_datatype must be a float type (integer windows are all zeros)");
  }
  // The length is the output's static length; a constant size must agree.
  if (size->is_constant && size->num_elements() == 1) {
    const int64_t given = size->dtype == ir::DType::kI64
                              ? size->data_as<int64_t>()[0]
                              : static_cast<int64_t>(size->data_as<int32_t>()[0]);
    if (given != out->shape[0]) {
      return Unsupported(absl::StrCat("size input ", given, " disagrees with the output's length ",
                                      out->shape[0]));
    }
  }
  return absl::OkStatus();
}

absl::Status LowerWindow(const ir::Op& op, LowerContext& ctx) {
  const ir::Value* out = op.outputs[0];
  if (out->num_elements() == 0) return absl::OkStatus();
  const bool periodic = op.GetInt("periodic", 1) != 0;
  const DramTensor values = WeightsFromDoubles(ctx, ctx.Name("window"), out->dtype, out->shape,
                                               WindowValues(op.type, out->shape[0], periodic));
  EmitStridedCopy(ctx, values, 0, RowMajorStrides(out->shape), ctx.Tensor(out), 0,
                  RowMajorStrides(out->shape), out->shape);
  return absl::OkStatus();
}

}  // namespace ncc::lower
