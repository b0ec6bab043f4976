// Convolutions, pooling, batch norm, matmuls, softmax and resizes, with the
// TF.js fused forms (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul).
// NHWC ops take the NCHW form of their input and leave an NCHW result (see
// convert.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/einsum_equation.h"
#include "frontends/tensorflow/op_table.h"

namespace ncc::tensorflow_frontend {
namespace {

// Bounds window attributes so that shape arithmetic cannot overflow.
constexpr int64_t kMaxWindow = int64_t{1} << 20;

struct Window {
  bool nhwc = true;
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t dilation[2] = {1, 1};
  std::vector<int64_t> pads;  // ONNX order: h_begin, w_begin, h_end, w_end
  int64_t out[2] = {0, 0};
};

// Reads data_format, strides, dilations and padding; `in_hw` and the kernel
// are known; fills pads and the output size. TF's SAME pads the extra one at
// the end.
absl::Status ResolveWindow(ConvertContext& ctx, const int64_t in_hw[2], Window& w,
                           bool has_dilations) {
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  if (format != "NHWC" && format != "NCHW") {
    return ctx.Unsupported(absl::StrCat("data_format '", format, "'"));
  }
  w.nhwc = format == "NHWC";
  const int h = w.nhwc ? 1 : 2;
  NCC_TF_ASSIGN(strides, ctx.AttrInts("strides", std::vector<int64_t>{1, 1, 1, 1}));
  NCC_TF_ASSIGN(dilations, ctx.AttrInts("dilations", std::vector<int64_t>{1, 1, 1, 1}));
  if (strides.size() != 4 || dilations.size() != 4) {
    return ctx.Invalid("strides and dilations must have 4 values");
  }
  if (!has_dilations) dilations = {1, 1, 1, 1};
  NCC_TF_ASSIGN(padding, ctx.AttrString("padding"));
  w.pads.assign(4, 0);
  for (int i = 0; i < 2; ++i) {
    w.stride[i] = strides[h + i];
    w.dilation[i] = dilations[h + i];
    if (w.stride[i] < 1 || w.dilation[i] < 1 || w.kernel[i] < 1 || w.stride[i] > kMaxWindow ||
        w.dilation[i] > kMaxWindow || w.kernel[i] > kMaxWindow) {
      return ctx.Invalid(absl::StrCat("strides, dilations and window sizes must be in [1, ",
                                      kMaxWindow, "]"));
    }
    const int64_t span = (w.kernel[i] - 1) * w.dilation[i] + 1;
    if (padding == "SAME") {
      const int64_t out = (in_hw[i] + w.stride[i] - 1) / w.stride[i];
      const int64_t total = std::max<int64_t>((out - 1) * w.stride[i] + span - in_hw[i], 0);
      w.pads[i] = total / 2;
      w.pads[2 + i] = total - total / 2;
    } else if (padding == "EXPLICIT") {
      NCC_TF_ASSIGN(explicit_pads, ctx.AttrInts("explicit_paddings"));
      if (explicit_pads.size() != 8) return ctx.Invalid("explicit_paddings must have 8 values");
      w.pads[i] = explicit_pads[2 * (h + i)];
      w.pads[2 + i] = explicit_pads[2 * (h + i) + 1];
      if (w.pads[i] < 0 || w.pads[2 + i] < 0 || w.pads[i] > kMaxWindow ||
          w.pads[2 + i] > kMaxWindow) {
        return ctx.Invalid("explicit_paddings out of range");
      }
    } else if (padding != "VALID") {
      return ctx.Unsupported(absl::StrCat("padding '", padding, "'"));
    }
    const int64_t padded = in_hw[i] + w.pads[i] + w.pads[2 + i];
    if (padded < span) return ctx.Invalid("the window is larger than the padded input");
    w.out[i] = (padded - span) / w.stride[i] + 1;
  }
  return absl::OkStatus();
}

// The post-ops of the fused forms, applied to `y` whose channels are on
// `channel_axis`. Args follow the two data inputs.
absl::StatusOr<ir::Value*> ApplyFusedOps(ConvertContext& ctx, ir::Value* y, int channel_axis) {
  NCC_TF_ASSIGN(fused, ctx.AttrStrings("fused_ops"));
  size_t arg = 2;
  const int64_t channels = y->shape[channel_axis];
  ir::Shape channel_shape(y->shape.size() - channel_axis, 1);
  channel_shape[0] = channels;
  auto channel_arg = [&](ir::Value* a) -> absl::StatusOr<ir::Value*> {
    if (a->num_elements() != channels && a->num_elements() != 1) {
      return ctx.Invalid(absl::StrCat("a fused argument of shape ", ir::ShapeToString(a->shape),
                                      " does not match ", channels, " channels"));
    }
    return ctx.Reshape(a, a->num_elements() == 1 ? ir::Shape{} : channel_shape);
  };
  auto next_arg = [&]() -> absl::StatusOr<ir::Value*> {
    if (arg >= ctx.num_inputs()) return ctx.Invalid("has fewer arguments than its fused_ops need");
    return channel_arg(ctx.Input(arg++));
  };
  for (const std::string& op : fused) {
    if (op == "BiasAdd" || op == "Add") {
      NCC_TF_ASSIGN(b, next_arg());
      y = ctx.Emit("Add", {y, b}, y->shape, y->dtype);
    } else if (op == "FusedBatchNorm") {
      NCC_TF_ASSIGN(scale, next_arg());
      NCC_TF_ASSIGN(offset, next_arg());
      NCC_TF_ASSIGN(mean, next_arg());
      NCC_TF_ASSIGN(var, next_arg());
      NCC_TF_ASSIGN(eps, ctx.AttrFloat("epsilon", 1e-4f));
      // (y - mean) * scale / sqrt(var + eps) + offset, folded on the host.
      ir::Value* inv = ctx.Emit("Sqrt", {ctx.Emit("Add", {var, ctx.ScalarConstant(eps, y->dtype)},
                                                  var->shape, y->dtype)},
                                var->shape, y->dtype);
      ir::Value* s = ctx.Emit("Div", {scale, inv}, scale->shape, y->dtype);
      y = ctx.Emit("Sub", {y, mean}, y->shape, y->dtype);
      y = ctx.Emit("Mul", {y, s}, y->shape, y->dtype);
      y = ctx.Emit("Add", {y, offset}, y->shape, y->dtype);
    } else if (op == "Relu") {
      y = ctx.Emit("Relu", {y}, y->shape, y->dtype);
    } else if (op == "Relu6") {
      y = ctx.Emit("Clip", {y, ctx.ScalarConstant(0, y->dtype), ctx.ScalarConstant(6, y->dtype)},
                   y->shape, y->dtype);
    } else if (op == "Elu") {
      y = ctx.Emit("Elu", {y}, y->shape, y->dtype, {{"alpha", 1.0f}});
    } else if (op == "Sigmoid") {
      y = ctx.Emit("Sigmoid", {y}, y->shape, y->dtype);
    } else if (op == "Tanh") {
      y = ctx.Emit("Tanh", {y}, y->shape, y->dtype);
    } else if (op == "LeakyRelu") {
      NCC_TF_ASSIGN(alpha, ctx.AttrFloat("leakyrelu_alpha", 0.2f));
      y = ctx.Emit("LeakyRelu", {y}, y->shape, y->dtype, {{"alpha", alpha}});
    } else if (op == "Prelu") {
      NCC_TF_ASSIGN(alpha, next_arg());
      y = ctx.Emit("PRelu", {y, alpha}, y->shape, y->dtype);
    } else {
      return ctx.Unsupported(absl::StrCat("fused op '", op, "' (fused_ops ",
                                          absl::StrJoin(fused, ","), ")"));
    }
  }
  return y;
}

// Conv2D, DepthwiseConv2dNative and their fused forms.
absl::Status ConvCommon(ConvertContext& ctx, bool depthwise, bool fused) {
  const ir::Shape in = ctx.InputShape(0);
  ir::Value* filter = ctx.Input(1);  // HWIO; depthwise HW,Cin,M
  if (in.size() != 4 || filter->shape.size() != 4) {
    return ctx.Invalid("input and filter must have rank 4");
  }
  Window w;
  w.kernel[0] = filter->shape[0];
  w.kernel[1] = filter->shape[1];
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  const bool nhwc = format == "NHWC";
  const int64_t hw[2] = {in[nhwc ? 1 : 2], in[nhwc ? 2 : 3]};
  const int64_t cin = in[nhwc ? 3 : 1];
  NCC_TF_RETURN_IF_ERROR(ResolveWindow(ctx, hw, w, true));
  int64_t group = 1;
  int64_t cout = filter->shape[3];
  if (depthwise) {
    if (filter->shape[2] != cin) return ctx.Invalid("the filter's channels differ from the input's");
    group = cin;
    cout = cin * filter->shape[3];
    filter = ctx.Reshape(filter, {filter->shape[0], filter->shape[1], 1, cout});
  } else if (filter->shape[2] == 0 || cin % filter->shape[2] != 0) {
    return ctx.Invalid("the input's channels are not a multiple of the filter's");
  } else {
    group = cin / filter->shape[2];
  }
  ir::Value* weight = ctx.Transpose(filter, {3, 2, 0, 1});  // OIHW
  ir::Value* x = w.nhwc ? ctx.InputNchw(0) : ctx.Input(0);
  ir::Value* y = ctx.Emit("Conv", {x, weight}, {in[0], cout, w.out[0], w.out[1]}, x->dtype,
                          {{"strides", std::vector<int64_t>{w.stride[0], w.stride[1]}},
                           {"dilations", std::vector<int64_t>{w.dilation[0], w.dilation[1]}},
                           {"pads", w.pads},
                           {"kernel_shape", std::vector<int64_t>{w.kernel[0], w.kernel[1]}},
                           {"group", group}});
  if (fused) {
    NCC_TF_ASSIGN(fused_y, ApplyFusedOps(ctx, y, 1));
    y = fused_y;
  }
  return ctx.Set(0, y, w.nhwc);
}

absl::Status Conv2D(ConvertContext& ctx) { return ConvCommon(ctx, false, false); }
absl::Status FusedConv2D(ConvertContext& ctx) { return ConvCommon(ctx, false, true); }
absl::Status DepthwiseConv2D(ConvertContext& ctx) { return ConvCommon(ctx, true, false); }
absl::Status FusedDepthwiseConv2D(ConvertContext& ctx) { return ConvCommon(ctx, true, true); }

// Conv2DBackpropInput(input_sizes, filter, out_backprop): the gradient of a
// Conv2D with respect to its input, i.e. a transposed convolution (Keras'
// Conv2DTranspose). input_sizes is the result's shape; the forward conv's
// padding from it fixes the begin pads, and result rows the forward windows
// never covered are zero (ONNX's output_padding region).
absl::Status Conv2DBackpropInput(ConvertContext& ctx) {
  NCC_TF_ASSIGN(sizes, ctx.ConstInts(0));
  ir::Value* filter = ctx.Input(1);  // H, W, result channels, out_backprop channels
  const ir::Shape dy = ctx.InputShape(2);
  if (sizes.size() != 4 || filter->shape.size() != 4 || dy.size() != 4) {
    return ctx.Invalid("input_sizes must have 4 values, filter and out_backprop rank 4");
  }
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  const bool nhwc = format == "NHWC";
  const int h = nhwc ? 1 : 2, c = nhwc ? 3 : 1;
  for (int64_t d : sizes) {
    if (d < 1 || d > (int64_t{1} << 31)) return ctx.Invalid("input_sizes out of range");
  }
  if (sizes[0] != dy[0] || filter->shape[2] != sizes[c] || filter->shape[3] != dy[c]) {
    return ctx.Invalid(absl::StrCat("filter ", ir::ShapeToString(filter->shape),
                                    " does not fit input_sizes [", absl::StrJoin(sizes, ","),
                                    "] and out_backprop ", ir::ShapeToString(dy)));
  }
  Window w;
  w.kernel[0] = filter->shape[0];
  w.kernel[1] = filter->shape[1];
  const int64_t hw[2] = {sizes[h], sizes[h + 1]};
  NCC_TF_RETURN_IF_ERROR(ResolveWindow(ctx, hw, w, true));
  if (w.out[0] != dy[h] || w.out[1] != dy[h + 1]) {
    return ctx.Invalid(absl::StrCat("out_backprop ", ir::ShapeToString(dy),
                                    " is not the size a Conv2D of input_sizes gives (", w.out[0],
                                    "x", w.out[1], ")"));
  }
  std::vector<int64_t> pads(4), output_padding(2);
  for (int i = 0; i < 2; ++i) {
    const int64_t full = (dy[h + i] - 1) * w.stride[i] + (w.kernel[i] - 1) * w.dilation[i] + 1;
    const int64_t begin = w.pads[i];
    pads[i] = begin;
    pads[2 + i] = std::max<int64_t>(full - begin - hw[i], 0);
    output_padding[i] = std::max<int64_t>(hw[i] - (full - begin), 0);
  }
  ir::Value* weight = ctx.Transpose(filter, {3, 2, 0, 1});  // [dy channels, result channels, H, W]
  ir::Value* x = nhwc ? ctx.InputNchw(2) : ctx.Input(2);
  ir::Value* y = ctx.Emit("ConvTranspose", {x, weight}, {sizes[0], sizes[c], hw[0], hw[1]},
                          x->dtype,
                          {{"strides", std::vector<int64_t>{w.stride[0], w.stride[1]}},
                           {"dilations", std::vector<int64_t>{w.dilation[0], w.dilation[1]}},
                           {"pads", pads},
                           {"output_padding", output_padding},
                           {"kernel_shape", std::vector<int64_t>{w.kernel[0], w.kernel[1]}},
                           {"group", int64_t{1}}});
  return ctx.Set(0, y, nhwc);
}

absl::Status BiasAdd(ConvertContext& ctx) {
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  ir::Value* b = ctx.Input(1);
  if (b->shape.size() != 1) return ctx.Invalid("bias must have rank 1");
  const TfValue& x = ctx.Raw(0);
  // Channels on axis 1: of the logical tensor for NCHW, of the value as held
  // for an NHWC tensor held in NCHW.
  if (format == "NCHW" || x.nchw) {
    const bool held = format != "NCHW";
    ir::Value* v = held ? x.value : ctx.Input(0);
    const ir::Shape& s = v->shape;
    if (s.size() < 2 || s[1] != b->shape[0]) return ctx.Invalid("bias size differs from channels");
    ir::Shape bs(s.size() - 1, 1);
    bs[0] = b->shape[0];
    return ctx.Set(0, ctx.Emit("Add", {v, ctx.Reshape(b, bs)}, s, v->dtype), held);
  }
  ir::Value* v = ctx.Input(0);
  if (v->shape.empty() || v->shape.back() != b->shape[0]) {
    return ctx.Invalid("bias size differs from channels");
  }
  return ctx.Set(0, ctx.Emit("Add", {v, b}, v->shape, v->dtype));
}

absl::Status FusedBatchNorm(ConvertContext& ctx) {
  NCC_TF_ASSIGN(training, ctx.AttrBool("is_training", false));
  if (training) return ctx.Unsupported("is_training=true (inference graphs only)");
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  NCC_TF_ASSIGN(eps, ctx.AttrFloat("epsilon", 1e-4f));
  if (ctx.InputShape(0).size() != 4) return ctx.Unsupported("inputs of rank other than 4");
  ir::Value* x = format == "NCHW" ? ctx.Input(0) : ctx.InputNchw(0);
  ir::Value* y = ctx.Emit("BatchNormalization",
                          {x, ctx.Input(1), ctx.Input(2), ctx.Input(3), ctx.Input(4)}, x->shape,
                          x->dtype, {{"epsilon", eps}});
  NCC_TF_RETURN_IF_ERROR(ctx.Set(0, y, format != "NCHW"));
  // batch_mean, batch_variance and the reserve spaces: the moving statistics.
  for (size_t k = 1; k < 6; ++k) NCC_TF_RETURN_IF_ERROR(ctx.Set(k, ctx.Input(k % 2 ? 3 : 4)));
  return absl::OkStatus();
}

absl::Status MatMulCommon(ConvertContext& ctx, bool fused) {
  ir::Value* a = ctx.Input(0);
  ir::Value* b = ctx.Input(1);
  if (a->shape.size() != 2 || b->shape.size() != 2) return ctx.Invalid("inputs must have rank 2");
  NCC_TF_ASSIGN(ta, ctx.AttrBool("transpose_a", false));
  NCC_TF_ASSIGN(tb, ctx.AttrBool("transpose_b", false));
  if (ta) a = ctx.Transpose(a, {1, 0});
  if (tb) b = ctx.Transpose(b, {1, 0});
  if (a->shape[1] != b->shape[0]) return ctx.Invalid("inner dimensions differ");
  ir::Value* y = ctx.Emit("MatMul", {a, b}, {a->shape[0], b->shape[1]}, a->dtype);
  if (fused) {
    NCC_TF_ASSIGN(fused_y, ApplyFusedOps(ctx, y, 1));
    y = fused_y;
  }
  return ctx.Set(0, y);
}

absl::Status MatMul(ConvertContext& ctx) { return MatMulCommon(ctx, false); }
absl::Status FusedMatMul(ConvertContext& ctx) { return MatMulCommon(ctx, true); }

absl::Status BatchMatMul(ConvertContext& ctx) {
  ir::Value* a = ctx.Input(0);
  ir::Value* b = ctx.Input(1);
  if (a->shape.size() < 2 || b->shape.size() < 2) return ctx.Invalid("inputs must have rank >= 2");
  NCC_TF_ASSIGN(adj_x, ctx.AttrBool("adj_x", false));
  NCC_TF_ASSIGN(adj_y, ctx.AttrBool("adj_y", false));
  auto swap_last = [&](ir::Value* v) {
    std::vector<int64_t> perm(v->shape.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    return ctx.Transpose(v, perm);
  };
  if (adj_x) a = swap_last(a);
  if (adj_y) b = swap_last(b);
  const ir::Shape& sa = a->shape;
  const ir::Shape& sb = b->shape;
  if (sa.back() != sb[sb.size() - 2]) return ctx.Invalid("inner dimensions differ");
  NCC_TF_ASSIGN(batch, BroadcastShapes(ir::Shape(sa.begin(), sa.end() - 2),
                                       ir::Shape(sb.begin(), sb.end() - 2)));
  batch.push_back(sa[sa.size() - 2]);
  batch.push_back(sb.back());
  return ctx.Set(0, ctx.Emit("MatMul", {a, b}, batch, a->dtype));
}

// Einsum: TF's equations are NumPy's, as are the IR's (ONNX Einsum).
absl::Status Einsum(ConvertContext& ctx) {
  NCC_TF_ASSIGN(equation, ctx.AttrString("equation"));
  std::vector<ir::Value*> inputs;
  std::vector<ir::Shape> shapes;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    inputs.push_back(ctx.Input(i));
    shapes.push_back(inputs.back()->shape);
    if (inputs.back()->dtype != inputs[0]->dtype) return ctx.Invalid("inputs have different dtypes");
  }
  if (inputs.empty()) return ctx.Invalid("needs at least one input");
  auto parsed = ir::ParseEinsum(equation, shapes);
  if (!parsed.ok()) return ctx.Invalid(parsed.status().message());
  return ctx.Set(0, ctx.Emit("Einsum", inputs, parsed->OutputShape(), inputs[0]->dtype,
                             {{"equation", equation}}));
}

absl::Status Pool(ConvertContext& ctx, bool max) {
  const ir::Shape in = ctx.InputShape(0);
  if (in.size() != 4) return ctx.Invalid("input must have rank 4");
  NCC_TF_ASSIGN(format, ctx.AttrString("data_format", std::string("NHWC")));
  NCC_TF_ASSIGN(ksize, ctx.AttrInts("ksize"));
  if (ksize.size() != 4) return ctx.Invalid("ksize must have 4 values");
  const bool nhwc = format == "NHWC";
  Window w;
  w.kernel[0] = ksize[nhwc ? 1 : 2];
  w.kernel[1] = ksize[nhwc ? 2 : 3];
  if (ksize[0] != 1 || ksize[nhwc ? 3 : 1] != 1) {
    return ctx.Unsupported("pooling over the batch or channel dimension");
  }
  const int64_t hw[2] = {in[nhwc ? 1 : 2], in[nhwc ? 2 : 3]};
  NCC_TF_RETURN_IF_ERROR(ResolveWindow(ctx, hw, w, false));
  ir::Value* x = w.nhwc ? ctx.InputNchw(0) : ctx.Input(0);
  std::map<std::string, ir::Attribute> attrs = {
      {"kernel_shape", std::vector<int64_t>{w.kernel[0], w.kernel[1]}},
      {"strides", std::vector<int64_t>{w.stride[0], w.stride[1]}},
      {"pads", w.pads}};
  // TF's average excludes the padding from the count.
  if (!max) attrs["count_include_pad"] = int64_t{0};
  ir::Value* y = ctx.Emit(max ? "MaxPool" : "AveragePool", {x},
                          {x->shape[0], x->shape[1], w.out[0], w.out[1]}, x->dtype, attrs);
  return ctx.Set(0, y, w.nhwc);
}

absl::Status MaxPool(ConvertContext& ctx) { return Pool(ctx, true); }
absl::Status AvgPool(ConvertContext& ctx) { return Pool(ctx, false); }

absl::Status Softmax(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  return ctx.Set(0, ctx.Emit(ctx.node().op() == "LogSoftmax" ? "LogSoftmax" : "Softmax", {x},
                             x->shape, x->dtype, {{"axis", int64_t{-1}}}));
}

absl::Status Resize(ConvertContext& ctx) {
  const ir::Shape in = ctx.InputShape(0);
  if (in.size() != 4) return ctx.Invalid("images must have rank 4 (NHWC)");
  NCC_TF_ASSIGN(size, ctx.ConstInts(1));
  if (size.size() != 2 || size[0] < 1 || size[1] < 1) {
    return ctx.Invalid("size must be two positive values");
  }
  NCC_TF_ASSIGN(align, ctx.AttrBool("align_corners", false));
  NCC_TF_ASSIGN(half, ctx.AttrBool("half_pixel_centers", false));
  if (align && half) return ctx.Invalid("align_corners and half_pixel_centers are exclusive");
  const bool bilinear = ctx.node().op() == "ResizeBilinear";
  std::map<std::string, ir::Attribute> attrs;
  attrs["mode"] = std::string(bilinear ? "linear" : "nearest");
  attrs["coordinate_transformation_mode"] =
      std::string(align ? "align_corners" : half ? "half_pixel" : "asymmetric");
  // TF's nearest: floor(x * scale), or roundf (halves up) for align_corners;
  // with half-pixel centres floor((x + 0.5) * scale), which is ONNX's
  // half_pixel rounded half up.
  attrs["nearest_mode"] = std::string(align || half ? "round_prefer_ceil" : "floor");
  ir::Value* x = ctx.InputNchw(0);
  const ir::Shape out = {in[0], in[3], size[0], size[1]};
  ir::Value* y = ctx.Emit("Resize", {x, nullptr, nullptr, ctx.I64Constant(out)}, out,
                          x->dtype, attrs);
  if (!ir::IsFloat(y->dtype)) return ctx.Unsupported("integer images");
  return ctx.Set(0, y, true);
}

constexpr TensorflowOpSupport kOps[] = {
    {"AvgPool", AvgPool, "NHWC or NCHW; SAME (padding excluded from the average) or VALID"},
    {"BatchMatMul", BatchMatMul, "batch dimensions broadcast"},
    {"BatchMatMulV2", BatchMatMul, "batch dimensions broadcast"},
    {"BatchMatMulV3", BatchMatMul, "batch dimensions broadcast"},
    {"BiasAdd", BiasAdd, "NHWC or NCHW"},
    {"Conv2D", Conv2D, "NHWC or NCHW; SAME, VALID or EXPLICIT padding; strides, dilations"},
    {"Conv2DBackpropInput", Conv2DBackpropInput,
     "a transposed convolution (Conv2DTranspose); input_sizes known at compile time"},
    {"DepthwiseConv2dNative", DepthwiseConv2D, "as Conv2D"},
    {"Einsum", Einsum, "NumPy equations with explicit or implicit output, \"...\""},
    {"FusedBatchNorm", FusedBatchNorm, "inference (is_training=false); rank 4"},
    {"FusedBatchNormV2", FusedBatchNorm, "inference (is_training=false); rank 4"},
    {"FusedBatchNormV3", FusedBatchNorm, "inference (is_training=false); rank 4"},
    {"FusedDepthwiseConv2dNative", FusedDepthwiseConv2D, "as _FusedConv2D"},
    {"LogSoftmax", Softmax, "last axis"},
    {"MatMul", MatMul, "rank 2; transpose_a, transpose_b"},
    {"MaxPool", MaxPool, "NHWC or NCHW; SAME or VALID"},
    {"ResizeBilinear", Resize, "size known at compile time; align_corners, half_pixel_centers"},
    {"ResizeNearestNeighbor", Resize,
     "size known at compile time; align_corners, half_pixel_centers"},
    {"Softmax", Softmax, "last axis"},
    {"_FusedConv2D", FusedConv2D,
     "fused_ops: BiasAdd, FusedBatchNorm, then Relu, Relu6, Elu, Sigmoid, Tanh, LeakyRelu or "
     "Prelu"},
    {"_FusedMatMul", FusedMatMul, "as _FusedConv2D; rank 2"},
};

}  // namespace

absl::Span<const TensorflowOpSupport> NnOps() { return kOps; }

}  // namespace ncc::tensorflow_frontend
