#include "compiler/lower/layout.h"

#include "absl/strings/str_cat.h"
#include "compiler/lower/constant_ops.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {

bool IsLayoutAlias(const ir::Op& op) {
  return op.type == "Reshape" || op.type == "Flatten" || op.type == "Squeeze" ||
         op.type == "Unsqueeze" || op.type == "Identity" || op.type == "Dropout";
}

absl::Status CheckLayout(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  if (op.outputs[0]->num_elements() != op.input(0)->num_elements()) {
    return Unsupported("changes the element count");
  }
  if (op.type == "Dropout" && op.input(2) != nullptr) {
    // training_mode: only a constant false is inference.
    const ir::Value* mode = op.input(2);
    if (!mode->is_constant || mode->num_elements() != 1 || mode->dtype != ir::DType::kBool ||
        mode->data_as<uint8_t>()[0] != 0) {
      return Unsupported("training_mode must be a constant false (inference only)");
    }
  }
  return absl::OkStatus();
}

void EmitCopy(LowerContext& ctx, const DramTensor& src, const DramTensor& dst) {
  const int64_t total = ir::NumElements(dst.shape);
  // Split into up to 128 rows so that several DMA queues can share the copy.
  const int64_t rows = total >= 128 && total % 128 == 0 ? 128 : 1;
  const int64_t free = total / rows;
  ctx.Dma(ctx.View(dst, 0, rows, free, {Dim{1, free}}),
          ctx.View(src, 0, rows, free, {Dim{1, free}}));
}

absl::Status LowerLayout(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const ir::Value* out = op.outputs[0];
  if (ctx.HasTensor(out)) {  // a model output with its own buffer
    EmitCopy(ctx, in, ctx.Tensor(out));
  } else {
    DramTensor alias = in;
    alias.shape = out->shape;
    ctx.BindTensor(out, alias);
  }
  if (op.type == "Dropout" && op.outputs.size() > 1 && op.outputs[1] != nullptr) {
    // Inference drops nothing: the mask is all true, a constant.
    const ir::Value* mask = op.outputs[1];
    DramTensor ones = WeightsFromDoubles(ctx, ctx.Name("mask"), mask->dtype, mask->shape,
                                         std::vector<double>(mask->num_elements(), 1.0));
    if (ctx.HasTensor(mask)) {
      EmitCopy(ctx, ones, ctx.Tensor(mask));
    } else {
      ctx.BindTensor(mask, ones);
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
