#include "compiler/lower/op_requirements.h"

#include "absl/strings/str_cat.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status Unsupported(absl::string_view what) { return absl::UnimplementedError(what); }

absl::Status RequireF32(const ir::Op& op) {
  for (const ir::Value* v : op.inputs) {
    if (v != nullptr && v->dtype != ir::DType::kF32) {
      return Unsupported(absl::StrCat("input '", v->name, "' is ", ir::DTypeName(v->dtype),
                                      " (only f32 is lowered so far)"));
    }
  }
  for (const ir::Value* v : op.outputs) {
    if (v->dtype != ir::DType::kF32) {
      return Unsupported(absl::StrCat("output '", v->name, "' is ", ir::DTypeName(v->dtype),
                                      " (only f32 is lowered so far)"));
    }
  }
  return absl::OkStatus();
}

absl::Status RequireMatmulTypes(const ir::Op& op) {
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const ir::Value* v = op.inputs[i];
    if (v == nullptr) continue;
    const bool multiplied = i < 2;
    const bool ok = v->dtype == ir::DType::kF32 ||
                    (multiplied && (v->dtype == ir::DType::kBF16 || v->dtype == ir::DType::kF16));
    if (!ok) {
      return Unsupported(
          absl::StrCat("input '", v->name, "' is ", ir::DTypeName(v->dtype),
                       multiplied ? " (f32, bf16 or f16 expected)" : " (f32 expected)"));
    }
  }
  for (const ir::Value* v : op.outputs) {
    if (v->dtype != ir::DType::kF32) {
      return Unsupported(absl::StrCat("output '", v->name, "' is ", ir::DTypeName(v->dtype),
                                      " (matmul results are f32 from PSUM)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFusedActivation(const ir::Op& op) {
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  std::string name = op.GetString("fused_activation", "");
  if (!ActivationFor(name, &func)) {
    return Unsupported(absl::StrCat("fused activation '", name, "'"));
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
