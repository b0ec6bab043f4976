// Convolution, FullyConnected, the normalizations, pooling, activations, the
// softmax family, Embedding and Dropout.
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/mxnet/convert.h"
#include "frontends/mxnet/op_table.h"

namespace ncc::mxnet_frontend {
namespace {

int64_t Product(const ir::Shape& shape, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t n = 1;
  for (size_t i = from; i < shape.size() && i < to; ++i) n *= shape[i];
  return n;
}

// Far above any real kernel, stride, pad or dilation; keeps the shape
// arithmetic below free of overflow on hostile symbols.
constexpr int64_t kMaxWindow = int64_t{1} << 20;

// A spatial attribute with one value per spatial axis: absent -> `fill`.
absl::StatusOr<std::vector<int64_t>> Spatial(const ConvertContext& ctx, absl::string_view name,
                                             size_t n, int64_t fill, int64_t min) {
  NCC_MX_ASSIGN(values, ctx.Ints(name, std::vector<int64_t>(n, fill)));
  if (values.empty()) values.assign(n, fill);  // MXNet prints an unset tuple as "()"
  if (values.size() != n) {
    return ctx.Invalid(absl::StrCat("'", name, "' has ", values.size(), " values for ", n,
                                    " spatial axes"));
  }
  for (int64_t v : values) {
    if (v < min || v > kMaxWindow) {
      return ctx.Invalid(absl::StrCat("'", name, "' value ", v, " is out of range"));
    }
  }
  return values;
}

// The layouts Convolution and Pooling accept: channels first, or NHWC-style
// channels last (transposed around the op).
absl::StatusOr<bool> ChannelsLast(const ConvertContext& ctx, size_t spatial) {
  NCC_MX_ASSIGN(layout, ctx.String("layout", "None"));
  static const char* const kFirst[] = {"NCW", "NCHW", "NCDHW"};
  static const char* const kLast[] = {"NWC", "NHWC", "NDHWC"};
  if (layout == "None") return false;
  if (spatial >= 1 && spatial <= 3) {
    if (layout == kFirst[spatial - 1]) return false;
    if (layout == kLast[spatial - 1]) return true;
  }
  return ctx.Unsupported(absl::StrCat("layout ", layout, " with ", spatial, " spatial axes"));
}

std::vector<int64_t> ToChannelsFirst(size_t rank) {
  std::vector<int64_t> perm = {0, static_cast<int64_t>(rank) - 1};
  for (size_t i = 1; i + 1 < rank; ++i) perm.push_back(static_cast<int64_t>(i));
  return perm;
}

std::vector<int64_t> ToChannelsLast(size_t rank) {
  std::vector<int64_t> perm = {0};
  for (size_t i = 2; i < rank; ++i) perm.push_back(static_cast<int64_t>(i));
  perm.push_back(1);
  return perm;
}

absl::Status ConvertConvolution(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(2));
  NCC_MX_ASSIGN(kernel, ctx.Ints("kernel"));
  const size_t n = kernel.size();
  if (n < 1 || n > 3) return ctx.Invalid(absl::StrCat("kernel has ", n, " axes; want 1 to 3"));
  NCC_MX_ASSIGN(kernel_ok, Spatial(ctx, "kernel", n, 1, 1));
  NCC_MX_ASSIGN(stride, Spatial(ctx, "stride", n, 1, 1));
  NCC_MX_ASSIGN(dilate, Spatial(ctx, "dilate", n, 1, 1));
  NCC_MX_ASSIGN(pad, Spatial(ctx, "pad", n, 0, 0));
  NCC_MX_ASSIGN(num_filter, ctx.Int("num_filter"));
  NCC_MX_ASSIGN(group, ctx.Int("num_group", 1));
  NCC_MX_ASSIGN(no_bias, ctx.Bool("no_bias", false));
  NCC_MX_ASSIGN(last, ChannelsLast(ctx, n));
  if (ctx.Rank(0) != static_cast<int64_t>(n) + 2) {
    return ctx.Invalid(absl::StrCat("data is ", ir::ShapeToString(ctx.InputShape(0)), "; a ", n,
                                    "-D kernel needs rank ", n + 2));
  }
  ir::Value* x = ctx.Input(0);
  if (last) x = ctx.Transpose(x, ToChannelsFirst(n + 2));
  const ir::Shape& xs = x->shape;
  const int64_t channels = xs[1];
  if (num_filter < 1 || num_filter > (int64_t{1} << 24) || group < 1 || channels % group != 0 ||
      num_filter % group != 0) {
    return ctx.Invalid(absl::StrCat("num_filter ", num_filter, " and num_group ", group,
                                    " do not fit ", channels, " input channels"));
  }
  ir::Shape wshape = {num_filter, channels / group};
  wshape.insert(wshape.end(), kernel_ok.begin(), kernel_ok.end());
  ir::Value* w = ctx.Input(1);
  if (last) {
    // Channels-last weights are (num_filter, *kernel, C / group).
    ir::Shape lshape = {num_filter};
    lshape.insert(lshape.end(), kernel_ok.begin(), kernel_ok.end());
    lshape.push_back(channels / group);
    NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, lshape, "weight"));
    w = ctx.Transpose(w, ToChannelsFirst(n + 2));
  } else {
    NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, wshape, "weight"));
  }
  std::vector<ir::Value*> inputs = {x, w};
  if (!no_bias) {
    NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(2, {num_filter}, "bias"));
    inputs.push_back(ctx.Input(2));
  }
  ir::Shape out = {xs[0], num_filter};
  for (size_t i = 0; i < n; ++i) {
    const int64_t extent = xs[2 + i] + 2 * pad[i] - dilate[i] * (kernel_ok[i] - 1) - 1;
    if (extent < 0) {
      return ctx.Invalid(absl::StrCat("the kernel (", kernel_ok[i], " dilated by ", dilate[i],
                                      ") is larger than the padded input axis ", 2 + i, " (",
                                      xs[2 + i], " + 2 x ", pad[i], ")"));
    }
    out.push_back(extent / stride[i] + 1);
  }
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());
  ir::Value* y = ctx.Emit("Conv", inputs, out, x->dtype,
                          {{"kernel_shape", kernel_ok},
                           {"strides", stride},
                           {"dilations", dilate},
                           {"pads", pads},
                           {"group", group}});
  if (last) y = ctx.Transpose(y, ToChannelsLast(n + 2));
  ctx.Set(0, y);
  return absl::OkStatus();
}

absl::Status ConvertFullyConnected(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(2));
  NCC_MX_ASSIGN(hidden, ctx.Int("num_hidden"));
  NCC_MX_ASSIGN(no_bias, ctx.Bool("no_bias", false));
  NCC_MX_ASSIGN(flatten, ctx.Bool("flatten", true));
  const ir::Shape& xs = ctx.InputShape(0);
  if (xs.empty()) return ctx.Invalid("data is a scalar");
  if (hidden < 1 || hidden > (int64_t{1} << 30)) {
    return ctx.Invalid(absl::StrCat("num_hidden ", hidden, " is out of range"));
  }
  ir::Value* x = ctx.Input(0);
  if (flatten) x = ctx.Reshape(x, {xs[0], Product(xs, 1)});
  const int64_t k = x->shape.back();
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, {hidden, k}, "weight"));
  ir::Value* bias = nullptr;
  if (!no_bias) {
    NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(2, {hidden}, "bias"));
    bias = ctx.Input(2);
  }
  ir::Shape out = x->shape;
  out.back() = hidden;
  if (x->shape.size() == 2) {
    // As torch's ONNX export writes a Linear: one Gemm.
    std::vector<ir::Value*> inputs = {x, ctx.Input(1)};
    if (bias) inputs.push_back(bias);
    ctx.Set(0, ctx.Emit("Gemm", inputs, out, x->dtype, {{"transB", int64_t{1}}}));
    return absl::OkStatus();
  }
  ir::Value* wt = ctx.Transpose(ctx.Input(1), {1, 0});
  ir::Value* y = ctx.Emit("MatMul", {x, wt}, out, x->dtype);
  if (bias) {
    NCC_MX_ASSIGN(sum, ctx.Binary("Add", y, bias));
    y = sum;
  }
  ctx.Set(0, y);
  return absl::OkStatus();
}

// `param` (shape [C]) reshaped to broadcast along `axis` of a rank-`rank`
// tensor.
ir::Value* AlongAxis(ConvertContext& ctx, ir::Value* param, int64_t axis, size_t rank) {
  ir::Shape shape(rank, 1);
  shape[axis] = param->shape[0];
  return ctx.Reshape(param, shape);
}

absl::Status ConvertBatchNorm(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(5));
  NCC_MX_ASSIGN(eps, ctx.Float("eps", 1e-3));
  NCC_MX_ASSIGN(fix_gamma, ctx.Bool("fix_gamma", true));
  NCC_MX_ASSIGN(axis_attr, ctx.Int("axis", 1));
  const size_t rank = ctx.InputShape(0).size();
  if (rank < 2) return ctx.Invalid("data must have rank 2 or more");
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_attr, static_cast<int64_t>(rank)));
  const int64_t c = ctx.InputShape(0)[axis];
  static const char* const kRoles[] = {"", "gamma", "beta", "moving_mean", "moving_var"};
  for (size_t i = 1; i <= 4; ++i) NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(i, {c}, kRoles[i]));
  ir::Value* x = ctx.Input(0);
  const ir::DType dtype = x->dtype;
  // fix_gamma: gamma is 1 whatever the file holds (MXNet's default).
  ir::Value* gamma =
      fix_gamma ? ctx.Constant(dtype, {c}, std::vector<double>(c, 1.0)) : ctx.Input(1);
  ir::Value* beta = ctx.Input(2);
  ir::Value* mean = ctx.Input(3);
  ir::Value* var = ctx.Input(4);
  ir::Value* y;
  if (axis == 1) {
    y = ctx.Emit("BatchNormalization", {x, gamma, beta, mean, var}, x->shape, dtype,
                 {{"epsilon", static_cast<float>(eps)}});
  } else {
    // (x - mean) / sqrt(var + eps) * gamma + beta along another axis.
    NCC_MX_ASSIGN(var_eps, ctx.Binary("Add", var, ctx.ScalarConstant(eps, dtype)));
    ir::Value* inv = ctx.Unary("Reciprocal", ctx.Unary("Sqrt", var_eps));
    NCC_MX_ASSIGN(scale, ctx.Binary("Mul", inv, gamma));
    NCC_MX_ASSIGN(centered, ctx.Binary("Sub", x, AlongAxis(ctx, mean, axis, rank)));
    NCC_MX_ASSIGN(scaled, ctx.Binary("Mul", centered, AlongAxis(ctx, scale, axis, rank)));
    NCC_MX_ASSIGN(shifted, ctx.Binary("Add", scaled, AlongAxis(ctx, beta, axis, rank)));
    y = shifted;
  }
  ctx.Set(0, y);
  // At inference the mean and var outputs are the moving statistics.
  ctx.Set(1, mean);
  ctx.Set(2, var);
  return absl::OkStatus();
}

absl::Status ConvertInstanceNorm(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(3));
  NCC_MX_ASSIGN(eps, ctx.Float("eps", 1e-3));
  if (ctx.Rank(0) < 3) return ctx.Invalid("data must have rank 3 or more");
  const int64_t c = ctx.InputShape(0)[1];
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, {c}, "gamma"));
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(2, {c}, "beta"));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ctx.Emit("InstanceNormalization", {x, ctx.Input(1), ctx.Input(2)}, x->shape,
                      x->dtype, {{"epsilon", static_cast<float>(eps)}}));
  return absl::OkStatus();
}

absl::Status ConvertLayerNorm(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(3));
  NCC_MX_ASSIGN(axis_attr, ctx.Int("axis", -1));
  NCC_MX_ASSIGN(eps, ctx.Float("eps", 1e-5));
  NCC_MX_ASSIGN(mean_var, ctx.Bool("output_mean_var", false));
  if (mean_var) return ctx.Unsupported("output_mean_var=True");
  const int64_t rank = ctx.Rank(0);
  if (rank < 1) return ctx.Invalid("data is a scalar");
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_attr, rank));
  const int64_t c = ctx.InputShape(0)[axis];
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, {c}, "gamma"));
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(2, {c}, "beta"));
  // MXNet normalizes over one axis; the IR's LayerNormalization over the
  // trailing axes from `axis`: move the axis last when it is not.
  std::vector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[axis], perm[rank - 1]);
  ir::Value* x = ctx.Transpose(ctx.Input(0), perm);
  ir::Value* y = ctx.Emit("LayerNormalization", {x, ctx.Input(1), ctx.Input(2)}, x->shape,
                          x->dtype, {{"axis", int64_t{-1}}, {"epsilon", static_cast<float>(eps)}});
  ctx.Set(0, ctx.Transpose(y, perm));
  return absl::OkStatus();
}

// The output extent of a pooling window per MXNet's conventions.
absl::StatusOr<int64_t> PoolExtent(const ConvertContext& ctx, int64_t in, int64_t k, int64_t s,
                                   int64_t p, bool full) {
  const int64_t span = in + 2 * p - k;
  if (span < 0) {
    return ctx.Invalid(absl::StrCat("the pooling window ", k, " is larger than the padded input (",
                                    in, " + 2 x ", p, ")"));
  }
  return (full ? (span + s - 1) / s : span / s) + 1;
}

absl::Status ConvertPooling(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(type, ctx.Choice("pool_type", {"max", "avg", "sum", "lp"}));
  if (type == "lp") return ctx.Unsupported("pool_type lp");
  NCC_MX_ASSIGN(global, ctx.Bool("global_pool", false));
  NCC_MX_ASSIGN(convention, ctx.Choice("pooling_convention", {"valid", "full", "same"}));
  if (convention == "same") return ctx.Unsupported("pooling_convention same");
  bool include_pad = true;
  if (ctx.Has("count_include_pad")) {
    NCC_MX_ASSIGN(text, ctx.String("count_include_pad"));
    if (text != "None") {
      NCC_MX_ASSIGN(v, ctx.Bool("count_include_pad"));
      include_pad = v;
    }
  }
  const int64_t rank = ctx.Rank(0);
  if (rank < 3 || rank > 5) {
    return ctx.Invalid(absl::StrCat("data is ", ir::ShapeToString(ctx.InputShape(0)),
                                    "; pooling takes rank 3 to 5"));
  }
  const size_t n = static_cast<size_t>(rank) - 2;
  NCC_MX_ASSIGN(last, ChannelsLast(ctx, n));
  ir::Value* x = ctx.Input(0);
  if (last) x = ctx.Transpose(x, ToChannelsFirst(n + 2));
  const ir::Shape& xs = x->shape;
  const ir::DType dtype = x->dtype;
  ir::Value* y;
  if (global) {
    ir::Shape out(xs.begin(), xs.begin() + 2);
    out.resize(n + 2, 1);
    std::vector<int64_t> axes;
    for (size_t i = 2; i < n + 2; ++i) axes.push_back(static_cast<int64_t>(i));
    if (type == "max") {
      y = ctx.Emit("GlobalMaxPool", {x}, out, dtype);
    } else if (type == "avg") {
      y = ctx.Emit("GlobalAveragePool", {x}, out, dtype);
    } else {
      y = ctx.Emit("ReduceSum", {x, ctx.I64Constant(axes)}, out, dtype, {{"keepdims", int64_t{1}}});
    }
  } else {
    NCC_MX_ASSIGN(kernel, Spatial(ctx, "kernel", n, 1, 1));
    NCC_MX_ASSIGN(stride, Spatial(ctx, "stride", n, 1, 1));
    NCC_MX_ASSIGN(pad, Spatial(ctx, "pad", n, 0, 0));
    const bool full = convention == "full";
    ir::Shape out(xs.begin(), xs.begin() + 2);
    std::vector<int64_t> pads_end = pad;
    for (size_t i = 0; i < n; ++i) {
      NCC_MX_ASSIGN(extent, PoolExtent(ctx, xs[2 + i], kernel[i], stride[i], pad[i], full));
      out.push_back(extent);
      // ONNX's ceil_mode drops a last window that would start in the end
      // padding; MXNet's "full" keeps it.
      if (full && (extent - 1) * stride[i] >= xs[2 + i] + pad[i]) {
        return ctx.Unsupported(absl::StrCat(
            "pooling_convention full with a last window starting past the input on axis ", 2 + i));
      }
    }
    std::vector<int64_t> pads = pad;
    pads.insert(pads.end(), pads_end.begin(), pads_end.end());
    std::map<std::string, ir::Attribute> attrs = {{"kernel_shape", kernel},
                                                  {"strides", stride},
                                                  {"pads", pads},
                                                  {"ceil_mode", int64_t{full ? 1 : 0}}};
    if (type == "max") {
      y = ctx.Emit("MaxPool", {x}, out, dtype, attrs);
    } else if (type == "avg") {
      attrs["count_include_pad"] = int64_t{include_pad ? 1 : 0};
      y = ctx.Emit("AveragePool", {x}, out, dtype, attrs);
    } else {
      // Sum pooling: a depthwise convolution with a kernel of ones (padding
      // adds zeros; "full" extends the end padding to MXNet's extent).
      const int64_t c = xs[1];
      ir::Shape wshape = {c, 1};
      wshape.insert(wshape.end(), kernel.begin(), kernel.end());
      ir::Value* ones = ctx.Constant(dtype, wshape, std::vector<double>(Product(wshape), 1.0));
      std::vector<int64_t> conv_pads = pad;
      for (size_t i = 0; i < n; ++i) {
        conv_pads.push_back((out[2 + i] - 1) * stride[i] + kernel[i] - xs[2 + i] - pad[i]);
      }
      y = ctx.Emit("Conv", {x, ones}, out, dtype,
                   {{"kernel_shape", kernel},
                    {"strides", stride},
                    {"pads", conv_pads},
                    {"group", c}});
    }
  }
  if (last) y = ctx.Transpose(y, ToChannelsLast(n + 2));
  ctx.Set(0, y);
  return absl::OkStatus();
}

// -softplus(-x).
ir::Value* LogSigmoid(ConvertContext& ctx, ir::Value* x) {
  return ctx.Unary("Neg", ctx.Unary("Softplus", ctx.Unary("Neg", x)));
}

absl::Status ConvertActivation(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(type, ctx.Choice("act_type", {"relu", "sigmoid", "tanh", "softrelu", "softsign",
                                              "log_sigmoid", "mish"}));
  ir::Value* x = ctx.Input(0);
  ir::Value* y;
  if (type == "relu") {
    y = ctx.Unary("Relu", x);
  } else if (type == "sigmoid") {
    y = ctx.Unary("Sigmoid", x);
  } else if (type == "tanh") {
    y = ctx.Unary("Tanh", x);
  } else if (type == "softrelu") {
    y = ctx.Unary("Softplus", x);
  } else if (type == "softsign") {
    y = ctx.Unary("Softsign", x);
  } else if (type == "log_sigmoid") {
    y = LogSigmoid(ctx, x);
  } else {  // mish: x tanh(softplus(x))
    NCC_MX_ASSIGN(m, ctx.Binary("Mul", x, ctx.Unary("Tanh", ctx.Unary("Softplus", x))));
    y = m;
  }
  ctx.Set(0, y);
  return absl::OkStatus();
}

absl::Status ConvertLeakyRelu(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(type, ctx.Choice("act_type", {"leaky", "prelu", "elu", "selu", "gelu", "rrelu",
                                              "gelu_erf"}));
  NCC_MX_ASSIGN(slope, ctx.Float("slope", 0.25));
  ir::Value* x = ctx.Input(0);
  ir::Value* y;
  if (type == "leaky") {
    y = ctx.Unary("LeakyRelu", x, {{"alpha", static_cast<float>(slope)}});
  } else if (type == "rrelu") {
    // At inference RReLU is a leaky ReLU with the mean of its slope range.
    NCC_MX_ASSIGN(lower, ctx.Float("lower_bound", 0.125));
    NCC_MX_ASSIGN(upper, ctx.Float("upper_bound", 0.334));
    y = ctx.Unary("LeakyRelu", x, {{"alpha", static_cast<float>((lower + upper) / 2)}});
  } else if (type == "elu") {
    y = ctx.Unary("Elu", x, {{"alpha", static_cast<float>(slope)}});
  } else if (type == "selu") {
    y = ctx.Unary("Selu", x);  // MXNet's and ONNX's default constants agree
  } else if (type == "gelu" || type == "gelu_erf") {
    y = ctx.Unary("Gelu", x);  // the erf form
  } else {  // prelu: gamma (C) along axis 1, or one shared slope (1)
    NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(2));
    const ir::Shape& gs = ctx.InputShape(1);
    const int64_t rank = ctx.Rank(0);
    if (gs.size() != 1 || (gs[0] != 1 && (rank < 2 || gs[0] != ctx.InputShape(0)[1]))) {
      return ctx.ExpectShape(1, {rank >= 2 ? ctx.InputShape(0)[1] : 1}, "gamma");
    }
    ir::Value* gamma = ctx.Input(1);
    if (gs[0] != 1) gamma = AlongAxis(ctx, gamma, 1, rank);
    y = ctx.Emit("PRelu", {x, gamma}, x->shape, x->dtype);
  }
  ctx.Set(0, y);
  return absl::OkStatus();
}

// Softmax (or LogSoftmax) of `x` over `axis`.
ir::Value* SoftmaxOver(ConvertContext& ctx, ir::Value* x, int64_t axis, bool log = false) {
  return ctx.Unary(log ? "LogSoftmax" : "Softmax", x, {{"axis", axis}});
}

absl::Status ConvertSoftmaxFamily(ConvertContext& ctx, bool log) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(use_length, ctx.Bool("use_length", false));
  if (use_length) return ctx.Unsupported("use_length=True (masked softmax)");
  NCC_MX_ASSIGN(axis_attr, ctx.Int("axis", -1));
  const int64_t rank = ctx.Rank(0);
  if (rank < 1) return ctx.Invalid("data is a scalar");
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_attr, rank));
  ir::Value* x = ctx.Input(0);
  if (ctx.Has("temperature")) {
    NCC_MX_ASSIGN(text, ctx.String("temperature"));
    if (text != "None") {
      NCC_MX_ASSIGN(t, ctx.Float("temperature"));
      if (!(t != 0)) return ctx.Invalid("temperature is 0");
      if (t != 1) {
        NCC_MX_ASSIGN(scaled, ctx.Binary("Div", x, ctx.ScalarConstant(t, x->dtype)));
        x = scaled;
      }
    }
  }
  ir::Value* y = SoftmaxOver(ctx, x, axis, log);
  if (ctx.Has("dtype")) {
    NCC_MX_ASSIGN(name, ctx.String("dtype"));
    if (name != "None") {
      std::optional<ir::DType> dtype = DTypeFromName(name);
      if (!dtype) return ctx.Unsupported(absl::StrCat("dtype ", name));
      y = ctx.CastTo(y, *dtype);
    }
  }
  ctx.Set(0, y);
  return absl::OkStatus();
}

absl::Status ConvertSoftmax(ConvertContext& ctx) { return ConvertSoftmaxFamily(ctx, false); }
absl::Status ConvertLogSoftmax(ConvertContext& ctx) { return ConvertSoftmaxFamily(ctx, true); }

// Softmax over all axes but the first, as a (N, rest) matrix.
ir::Value* SoftmaxFlat(ConvertContext& ctx, ir::Value* x) {
  const ir::Shape shape = x->shape;
  ir::Value* flat = ctx.Reshape(x, {shape[0], Product(shape, 1)});
  return ctx.Reshape(SoftmaxOver(ctx, flat, 1), shape);
}

// SoftmaxOutput (and its old name Softmax) at inference: the softmax; the
// label input is for training.
absl::Status ConvertSoftmaxOutput(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(multi_output, ctx.Bool("multi_output", false));
  NCC_MX_ASSIGN(preserve_shape, ctx.Bool("preserve_shape", false));
  const int64_t rank = ctx.Rank(0);
  if (rank < 1) return ctx.Invalid("data is a scalar");
  ir::Value* x = ctx.Input(0);
  if (multi_output) {
    if (rank < 2) return ctx.Invalid("multi_output needs rank 2 or more");
    ctx.Set(0, SoftmaxOver(ctx, x, 1));
  } else if (preserve_shape || rank == 1) {
    ctx.Set(0, SoftmaxOver(ctx, x, rank - 1));
  } else {
    ctx.Set(0, SoftmaxFlat(ctx, x));
  }
  return absl::OkStatus();
}

absl::Status ConvertSoftmaxActivation(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(mode, ctx.Choice("mode", {"instance", "channel"}));
  const int64_t rank = ctx.Rank(0);
  if (rank < 2) return ctx.Invalid("data must have rank 2 or more");
  ctx.Set(0, mode == "channel" ? SoftmaxOver(ctx, ctx.Input(0), 1) : SoftmaxFlat(ctx, ctx.Input(0)));
  return absl::OkStatus();
}

// The regression outputs at inference: the data (logistic: its sigmoid).
absl::Status ConvertRegressionOutput(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ctx.node().op == "LogisticRegressionOutput" ? ctx.Unary("Sigmoid", x) : x);
  return absl::OkStatus();
}

absl::Status ConvertEmbedding(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(2));
  NCC_MX_ASSIGN(input_dim, ctx.Int("input_dim"));
  NCC_MX_ASSIGN(output_dim, ctx.Int("output_dim"));
  if (input_dim < 1 || output_dim < 1 || input_dim > (int64_t{1} << 31) ||
      output_dim > (int64_t{1} << 31)) {
    return ctx.Invalid(absl::StrCat("input_dim ", input_dim, " / output_dim ", output_dim,
                                    " is out of range"));
  }
  NCC_MX_RETURN_IF_ERROR(ctx.ExpectShape(1, {input_dim, output_dim}, "weight"));
  // MXNet takes the indices as floats, truncates them and clips them to
  // [0, input_dim - 1].
  ir::Value* idx = ctx.Input(0);
  if (ir::IsFloat(idx->dtype)) {
    idx = ctx.Emit("Clip", {idx, ctx.ScalarConstant(0, idx->dtype),
                            ctx.ScalarConstant(static_cast<double>(input_dim - 1), idx->dtype)},
                   idx->shape, idx->dtype);
  }
  idx = ctx.CastTo(idx, ir::DType::kI64);
  ir::Shape out = idx->shape;
  out.push_back(output_dim);
  ctx.Set(0, ctx.Emit("Gather", {ctx.Input(1), idx}, out, ctx.Input(1)->dtype,
                      {{"axis", int64_t{0}}}));
  return absl::OkStatus();
}

absl::Status ConvertDropout(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ctx.NeedInputs(1));
  NCC_MX_ASSIGN(mode, ctx.Choice("mode", {"training", "always"}));
  if (mode == "always") {
    return ctx.Unsupported("mode 'always' drops at inference too (random; not compiled)");
  }
  ctx.Set(0, ctx.Input(0));
  return absl::OkStatus();
}

}  // namespace

absl::Span<const MxnetOpSupport> NnOps() {
  static const MxnetOpSupport kOps[] = {
      {"Activation", ConvertActivation,
       "act_type relu, sigmoid, tanh, softrelu, softsign, log_sigmoid, mish"},
      {"BatchNorm", ConvertBatchNorm, "inference form (moving statistics)", 1},
      {"Convolution", ConvertConvolution,
       "1-3 spatial axes; layout None, NC(D)(H)W or N(D)(H)WC", 1},
      {"Dropout", ConvertDropout, "identity; mode 'always' is refused"},
      {"Embedding", ConvertEmbedding, "", 1},
      {"FullyConnected", ConvertFullyConnected, "", 1},
      {"InstanceNorm", ConvertInstanceNorm, "", 1},
      {"LayerNorm", ConvertLayerNorm, "output_mean_var False", 1},
      {"LeakyReLU", ConvertLeakyRelu, "act_type leaky, prelu, elu, selu, gelu, rrelu (inference)",
       1},
      {"LinearRegressionOutput", ConvertRegressionOutput, "the data (label unused)", 0, 1},
      {"LogisticRegressionOutput", ConvertRegressionOutput, "sigmoid (label unused)", 0, 1},
      {"MAERegressionOutput", ConvertRegressionOutput, "the data (label unused)", 0, 1},
      {"Pooling", ConvertPooling,
       "pool_type max, avg, sum; pooling_convention valid, full (not same); not lp"},
      {"Softmax", ConvertSoftmaxOutput, "as SoftmaxOutput (label unused)", 0, 1},
      {"SoftmaxActivation", ConvertSoftmaxActivation, ""},
      {"SoftmaxOutput", ConvertSoftmaxOutput, "the softmax (label unused)", 0, 1},
      {"log_softmax", ConvertLogSoftmax, "not use_length"},
      {"softmax", ConvertSoftmax, "not use_length"},
  };
  return kOps;
}

}  // namespace ncc::mxnet_frontend
