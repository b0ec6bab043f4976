// Convolution, pooling, normalisation, linear layers, softmax, embedding.
#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

std::vector<int64_t> Repeat(const std::vector<int64_t>& v, size_t n) {
  if (v.size() == 1 && n > 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

// Torch's symmetric padding [p0, p1, ...] as ONNX pads [p0, p1, ..., p0, p1, ...].
std::vector<int64_t> OnnxPads(const std::vector<int64_t>& padding) {
  std::vector<int64_t> pads = padding;
  pads.insert(pads.end(), padding.begin(), padding.end());
  return pads;
}

// The weight's IR value; a missing bias becomes none (Conv) or zeros.
absl::Status ConvCommon(ConvertContext& ctx, size_t stride_i, size_t padding_i, size_t dilation_i,
                        size_t groups_i, bool transposed, size_t output_padding_i) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(w, ctx.Tensor(1));
  const size_t spatial = w->shape.size() - 2;
  NCC_PT_ASSIGN(stride, ctx.Ints(stride_i));
  NCC_PT_ASSIGN(dilation, ctx.Ints(dilation_i));
  NCC_PT_ASSIGN(groups, ctx.Int(groups_i));
  std::vector<int64_t> pads;
  if (ctx.input(padding_i).isString()) {
    const std::string mode = ctx.input(padding_i).toStringRef();
    if (mode == "valid") {
      pads.assign(2 * spatial, 0);
    } else {
      // 'same' (stride 1): total padding dilation * (k - 1), the extra one at the end.
      std::vector<int64_t> d = Repeat(dilation, spatial);
      pads.assign(2 * spatial, 0);
      for (size_t i = 0; i < spatial; ++i) {
        int64_t total = d[i] * (w->shape[2 + i] - 1);
        pads[i] = total / 2;
        pads[spatial + i] = total - total / 2;
      }
    }
  } else {
    NCC_PT_ASSIGN(padding, ctx.Ints(padding_i));
    pads = OnnxPads(Repeat(padding, spatial));
  }
  std::map<std::string, ir::Attribute> attrs = {
      {"strides", Repeat(stride, spatial)},
      {"dilations", Repeat(dilation, spatial)},
      {"pads", pads},
      {"group", groups},
  };
  std::vector<ir::Value*> inputs = {x, w};
  if (!ctx.IsNone(2)) {
    NCC_PT_ASSIGN(b, ctx.Tensor(2));
    inputs.push_back(b);
  }
  if (transposed) {
    NCC_PT_ASSIGN(output_padding, ctx.Ints(output_padding_i));
    attrs["output_padding"] = Repeat(output_padding, spatial);
    NCC_PT_ASSIGN(out, ctx.EmitOut("ConvTranspose", inputs, attrs));
    return ctx.Set(0, out);
  }
  NCC_PT_ASSIGN(out, ctx.EmitOut("Conv", inputs, attrs));
  return ctx.Set(0, out);
}

// _convolution(input, weight, bias, stride, padding, dilation, transposed,
//              output_padding, groups, benchmark, deterministic, cudnn, tf32)
absl::Status Convolution(ConvertContext& ctx) {
  NCC_PT_ASSIGN(transposed, ctx.Bool(6));
  return ConvCommon(ctx, 3, 4, 5, 8, transposed, 7);
}
// convNd(input, weight, bias, stride, padding, dilation, groups)
absl::Status ConvNd(ConvertContext& ctx) { return ConvCommon(ctx, 3, 4, 5, 6, false, 0); }
// conv_transposeNd(input, weight, bias, stride, padding, output_padding, groups, dilation)
absl::Status ConvTransposeNd(ConvertContext& ctx) {
  return ConvCommon(ctx, 3, 4, 7, 6, true, 5);
}

// A per-channel vector: input i, or `fill` when it is None.
absl::StatusOr<ir::Value*> ChannelVector(ConvertContext& ctx, size_t i, int64_t channels,
                                         float fill) {
  if (!ctx.IsNone(i)) return ctx.Tensor(i);
  return ctx.Constant(at::full({channels}, fill, at::TensorOptions().dtype(at::kFloat)));
}

// batch_norm(input, weight, bias, running_mean, running_var, training,
//            momentum, eps, cudnn_enabled)
absl::Status BatchNorm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(training, ctx.Bool(5));
  if (training && (ctx.IsNone(3) || ctx.IsNone(4))) {
    return ctx.Unsupported("batch statistics (training=True without running stats)");
  }
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  if (x->shape.size() < 2) return ctx.Unsupported("input of rank < 2");
  const int64_t c = x->shape[1];
  NCC_PT_ASSIGN(scale, ChannelVector(ctx, 1, c, 1.0f));
  NCC_PT_ASSIGN(bias, ChannelVector(ctx, 2, c, 0.0f));
  NCC_PT_ASSIGN(mean, ctx.Tensor(3));
  NCC_PT_ASSIGN(var, ctx.Tensor(4));
  NCC_PT_ASSIGN(eps, ctx.Double(7));
  NCC_PT_ASSIGN(out, ctx.EmitOut("BatchNormalization", {x, scale, bias, mean, var},
                                 {{"epsilon", static_cast<float>(eps)}}));
  return ctx.Set(0, out);
}

// instance_norm(input, weight, bias, running_mean, running_var,
//               use_input_stats, momentum, eps, cudnn_enabled)
absl::Status InstanceNorm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(use_input_stats, ctx.Bool(5));
  if (!use_input_stats) return ctx.Unsupported("use_input_stats=False");
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const int64_t c = x->shape[1];
  NCC_PT_ASSIGN(scale, ChannelVector(ctx, 1, c, 1.0f));
  NCC_PT_ASSIGN(bias, ChannelVector(ctx, 2, c, 0.0f));
  NCC_PT_ASSIGN(eps, ctx.Double(7));
  NCC_PT_ASSIGN(out, ctx.EmitOut("InstanceNormalization", {x, scale, bias},
                                 {{"epsilon", static_cast<float>(eps)}}));
  return ctx.Set(0, out);
}

// layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable)
absl::Status LayerNorm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(normalized, ctx.Ints(1));
  NCC_PT_ASSIGN(eps, ctx.Double(4));
  const int64_t axis = Rank(x) - static_cast<int64_t>(normalized.size());
  at::IntArrayRef norm_shape(normalized);
  std::vector<ir::Value*> inputs = {x};
  if (ctx.IsNone(2)) {
    inputs.push_back(ctx.Constant(at::ones(norm_shape, at::TensorOptions().dtype(at::kFloat))));
  } else {
    NCC_PT_ASSIGN(w, ctx.Tensor(2));
    inputs.push_back(w);
  }
  if (!ctx.IsNone(3)) {
    NCC_PT_ASSIGN(b, ctx.Tensor(3));
    inputs.push_back(b);
  }
  NCC_PT_ASSIGN(out, ctx.EmitOut("LayerNormalization", inputs,
                                 {{"axis", axis}, {"epsilon", static_cast<float>(eps)}}));
  return ctx.Set(0, out);
}

// group_norm(input, num_groups, weight, bias, eps, cudnn_enabled): a layer
// norm over each group ([N, G, C/G * spatial]), then the per-channel affine.
absl::Status GroupNorm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(groups, ctx.Int(1));
  NCC_PT_ASSIGN(eps, ctx.Double(4));
  const ir::Shape& shape = x->shape;
  if (shape.size() < 2 || groups <= 0 || shape[1] % groups != 0) {
    return absl::InvalidArgumentError("channels not divisible by num_groups");
  }
  const int64_t n = shape[0], c = shape[1];
  const int64_t per_group = ir::NumElements(shape) / (n * groups);
  ir::Value* grouped = ctx.ReshapeTo(x, {n, groups, per_group});
  ir::Value* ones = ctx.Constant(at::ones({per_group}, at::TensorOptions().dtype(at::kFloat)));
  ir::Value* normed = ctx.Emit("LayerNormalization", {grouped, ones}, grouped->shape, x->dtype,
                               {{"axis", int64_t{2}}, {"epsilon", static_cast<float>(eps)}});
  ir::Value* y = ctx.ReshapeTo(normed, shape);
  ir::Shape channel_shape(shape.size() - 1, 1);
  channel_shape[0] = c;
  if (!ctx.IsNone(2)) {
    NCC_PT_ASSIGN(w, ctx.Tensor(2));
    y = ctx.Emit("Mul", {y, ctx.ReshapeTo(w, channel_shape)}, shape, x->dtype);
  }
  if (!ctx.IsNone(3)) {
    NCC_PT_ASSIGN(b, ctx.Tensor(3));
    y = ctx.Emit("Add", {y, ctx.ReshapeTo(b, channel_shape)}, shape, x->dtype);
  }
  return ctx.Set(0, y);
}

// A weight transposed: at compile time when it is a constant.
absl::StatusOr<ir::Value*> Transposed(ConvertContext& ctx, size_t i) {
  if (!ctx.IsRuntimeTensor(i)) return ctx.Constant(ctx.ConstantTensor(i).t().contiguous());
  NCC_PT_ASSIGN(w, ctx.Tensor(i));
  return ctx.Emit("Transpose", {w}, {w->shape[1], w->shape[0]}, w->dtype,
                  {{"perm", std::vector<int64_t>{1, 0}}});
}

// linear(input, weight, bias): input @ weight^T + bias.
absl::Status Linear(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(wt, Transposed(ctx, 1));
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  if (Rank(x) == 2) {
    std::vector<ir::Value*> inputs = {x, wt};
    if (!ctx.IsNone(2)) {
      NCC_PT_ASSIGN(b, ctx.Tensor(2));
      inputs.push_back(b);
    }
    return ctx.Set(0, ctx.Emit("Gemm", inputs, ctx.OutShape(), dtype));
  }
  ir::Value* y = ctx.Emit("MatMul", {x, wt}, ctx.OutShape(), dtype);
  if (!ctx.IsNone(2)) {
    NCC_PT_ASSIGN(b, ctx.Tensor(2));
    y = ctx.Emit("Add", {y, b}, ctx.OutShape(), dtype);
  }
  return ctx.Set(0, y);
}

// addmm(self, mat1, mat2, beta, alpha) = beta * self + alpha * mat1 @ mat2.
absl::Status Addmm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(c, ctx.Tensor(0));
  NCC_PT_ASSIGN(a, ctx.Tensor(1));
  NCC_PT_ASSIGN(b, ctx.Tensor(2));
  NCC_PT_ASSIGN(beta, ctx.Double(3));
  NCC_PT_ASSIGN(alpha, ctx.Double(4));
  NCC_PT_ASSIGN(out, ctx.EmitOut("Gemm", {a, b, c},
                                 {{"alpha", static_cast<float>(alpha)},
                                  {"beta", static_cast<float>(beta)}}));
  return ctx.Set(0, out);
}

absl::Status MatMul(ConvertContext& ctx) {
  NCC_PT_ASSIGN(a, ctx.Tensor(0));
  NCC_PT_ASSIGN(b, ctx.Tensor(1));
  NCC_PT_ASSIGN(out, ctx.EmitOut("MatMul", {a, b}));
  return ctx.Set(0, out);
}

// baddbmm(self, batch1, batch2, beta, alpha)
absl::Status Baddbmm(ConvertContext& ctx) {
  NCC_PT_ASSIGN(c, ctx.Tensor(0));
  NCC_PT_ASSIGN(a, ctx.Tensor(1));
  NCC_PT_ASSIGN(b, ctx.Tensor(2));
  NCC_PT_ASSIGN(beta, ctx.Double(3));
  NCC_PT_ASSIGN(alpha, ctx.Double(4));
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  ir::Value* y = ctx.Emit("MatMul", {a, b}, ctx.OutShape(), dtype);
  if (alpha != 1.0) y = ctx.Emit("Mul", {y, ctx.ScalarConstant(alpha, dtype)}, y->shape, dtype);
  if (beta != 0.0) {
    if (beta != 1.0) c = ctx.Emit("Mul", {c, ctx.ScalarConstant(beta, dtype)}, c->shape, dtype);
    y = ctx.Emit("Add", {y, c}, ctx.OutShape(), dtype);
  }
  return ctx.Set(0, y);
}

// max_poolNd(input, kernel_size, stride, padding, dilation, ceil_mode)
absl::Status MaxPool(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const size_t spatial = x->shape.size() - 2;
  NCC_PT_ASSIGN(kernel, ctx.Ints(1));
  NCC_PT_ASSIGN(stride, ctx.Ints(2));
  NCC_PT_ASSIGN(padding, ctx.Ints(3));
  NCC_PT_ASSIGN(dilation, ctx.Ints(4));
  NCC_PT_ASSIGN(ceil_mode, ctx.Bool(5));
  kernel = Repeat(kernel, spatial);
  if (stride.empty()) stride = kernel;
  NCC_PT_ASSIGN(out, ctx.EmitOut("MaxPool", {x},
                                 {{"kernel_shape", kernel},
                                  {"strides", Repeat(stride, spatial)},
                                  {"pads", OnnxPads(Repeat(padding, spatial))},
                                  {"dilations", Repeat(dilation, spatial)},
                                  {"ceil_mode", int64_t{ceil_mode}}}));
  return ctx.Set(0, out);
}

// avg_poolNd(input, kernel_size, stride, padding, ceil_mode,
//            count_include_pad, divisor_override)
absl::Status AvgPool(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const size_t spatial = x->shape.size() - 2;
  NCC_PT_ASSIGN(kernel, ctx.Ints(1));
  NCC_PT_ASSIGN(stride, ctx.Ints(2));
  NCC_PT_ASSIGN(padding, ctx.Ints(3));
  NCC_PT_ASSIGN(ceil_mode, ctx.Bool(4));
  NCC_PT_ASSIGN(count_include_pad, ctx.Bool(5));
  if (ctx.num_inputs() > 6 && !ctx.IsNone(6)) return ctx.Unsupported("divisor_override");
  kernel = Repeat(kernel, spatial);
  if (stride.empty()) stride = kernel;
  NCC_PT_ASSIGN(out, ctx.EmitOut("AveragePool", {x},
                                 {{"kernel_shape", kernel},
                                  {"strides", Repeat(stride, spatial)},
                                  {"pads", OnnxPads(Repeat(padding, spatial))},
                                  {"ceil_mode", int64_t{ceil_mode}},
                                  {"count_include_pad", int64_t{count_include_pad}}}));
  return ctx.Set(0, out);
}

// Adaptive pooling whose windows differ in size (an input size that is not a
// multiple of the output size): torch's window for output i along a dim is
// [floor(i * in / out), ceil((i + 1) * in / out)). The windows are
// rectangles, so the pooling is separable: along each spatial dim in turn,
// one Slice + Reduce per output index, concatenated.
ir::Value* NonUniformAdaptivePool(ConvertContext& ctx, ir::Value* x, const ir::Shape& out_shape,
                                  bool max) {
  ir::Value* y = x;
  for (size_t axis = 2; axis < out_shape.size(); ++axis) {
    const int64_t in = y->shape[axis], out = out_shape[axis];
    if (in == out) continue;
    std::vector<ir::Value*> parts;
    for (int64_t i = 0; i < out; ++i) {
      const int64_t start = i * in / out, end = ((i + 1) * in + out - 1) / out;
      ir::Shape window = y->shape;
      window[axis] = end - start;
      ir::Value* part = ctx.Emit("Slice",
                                 {y, ctx.I64Constant({start}), ctx.I64Constant({end}),
                                  ctx.I64Constant({static_cast<int64_t>(axis)})},
                                 window, y->dtype);
      if (end - start > 1) {
        window[axis] = 1;
        part = ctx.Emit(max ? "ReduceMax" : "ReduceMean", {part}, window, y->dtype,
                        {{"axes", std::vector<int64_t>{static_cast<int64_t>(axis)}},
                         {"keepdims", int64_t{1}}});
      }
      parts.push_back(part);
    }
    ir::Shape joined = y->shape;
    joined[axis] = out;
    y = ctx.Emit("Concat", parts, joined, y->dtype, {{"axis", static_cast<int64_t>(axis)}});
  }
  return y;
}

// adaptive_{avg,max}_poolNd(input, output_size): global pooling, a fixed
// window when each input size is a multiple of the output size, else
// separable slices and reductions.
absl::Status AdaptivePool(ConvertContext& ctx, bool max) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const size_t spatial = x->shape.size() - 2;
  ir::Shape out_shape = ctx.OutShape(0);
  bool global = true, uniform = true;
  std::vector<int64_t> kernel;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t in = x->shape[2 + i], out = out_shape[2 + i];
    if (out != 1) global = false;
    if (out <= 0) return ctx.Unsupported("an empty output size");
    if (in % out != 0) uniform = false;
    kernel.push_back(in / out);
  }
  // adaptive_max_pool always returns (values, indices); only a used
  // indices output is a problem.
  if (max && ctx.node().outputs().size() > 1 && ctx.node().outputs()[1]->hasUses()) {
    return ctx.Unsupported("the indices output of adaptive_max_pool");
  }
  ir::Value* y;
  if (!uniform) {
    y = NonUniformAdaptivePool(ctx, x, out_shape, max);
  } else if (global) {
    y = ctx.Emit(max ? "GlobalMaxPool" : "GlobalAveragePool", {x}, out_shape, x->dtype);
  } else {
    y = ctx.Emit(max ? "MaxPool" : "AveragePool", {x}, out_shape, x->dtype,
                 {{"kernel_shape", kernel}, {"strides", kernel}});
  }
  return ctx.Set(0, y);
}
absl::Status AdaptiveAvgPool(ConvertContext& ctx) { return AdaptivePool(ctx, false); }
absl::Status AdaptiveMaxPool(ConvertContext& ctx) { return AdaptivePool(ctx, true); }

// softmax(input, dim, dtype)
absl::Status SoftmaxLike(ConvertContext& ctx, const char* type) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  x = ctx.CastTo(x, dtype);
  return ctx.Set(0, ctx.Emit(type, {x}, ctx.OutShape(), dtype, {{"axis", axis}}));
}
absl::Status Softmax(ConvertContext& ctx) { return SoftmaxLike(ctx, "Softmax"); }
absl::Status LogSoftmax(ConvertContext& ctx) { return SoftmaxLike(ctx, "LogSoftmax"); }

// embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)
absl::Status Embedding(ConvertContext& ctx) {
  NCC_PT_ASSIGN(w, ctx.Tensor(0));
  NCC_PT_ASSIGN(idx, ctx.Tensor(1));
  NCC_PT_ASSIGN(out, ctx.EmitOut("Gather", {w, idx}, {{"axis", int64_t{0}}}));
  return ctx.Set(0, out);
}

constexpr TorchOpSupport kOps[] = {
    {"aten::_convolution", Convolution, "1-D/2-D/3-D, transposed too"},
    {"aten::adaptive_avg_pool1d", AdaptiveAvgPool, ""},
    {"aten::adaptive_avg_pool2d", AdaptiveAvgPool, ""},
    {"aten::adaptive_avg_pool3d", AdaptiveAvgPool, ""},
    {"aten::adaptive_max_pool1d", AdaptiveMaxPool, "values only"},
    {"aten::adaptive_max_pool2d", AdaptiveMaxPool, "values only"},
    {"aten::addmm", Addmm, ""},
    {"aten::avg_pool1d", AvgPool, "no divisor_override"},
    {"aten::avg_pool2d", AvgPool, "no divisor_override"},
    {"aten::avg_pool3d", AvgPool, "no divisor_override"},
    {"aten::baddbmm", Baddbmm, ""},
    {"aten::batch_norm", BatchNorm, "running statistics (eval mode)"},
    {"aten::bmm", MatMul, ""},
    {"aten::conv1d", ConvNd, ""},
    {"aten::conv2d", ConvNd, "padding as numbers, 'same' or 'valid'"},
    {"aten::conv3d", ConvNd, ""},
    {"aten::conv_transpose1d", ConvTransposeNd, ""},
    {"aten::conv_transpose2d", ConvTransposeNd, ""},
    {"aten::embedding", Embedding, ""},
    {"aten::group_norm", GroupNorm, ""},
    {"aten::instance_norm", InstanceNorm, "use_input_stats=True"},
    {"aten::layer_norm", LayerNorm, ""},
    {"aten::linear", Linear, ""},
    {"aten::log_softmax", LogSoftmax, ""},
    {"aten::matmul", MatMul, ""},
    {"aten::max_pool1d", MaxPool, ""},
    {"aten::max_pool2d", MaxPool, ""},
    {"aten::max_pool3d", MaxPool, ""},
    {"aten::mm", MatMul, ""},
    {"aten::softmax", Softmax, ""},
};

}  // namespace

absl::Span<const TorchOpSupport> NnOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
