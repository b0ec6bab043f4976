#include "compiler/ir/eval/host_eval.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "compiler/ir/eval/graph_edit.h"

namespace ncc::ir::eval {
namespace {

using Tensor = std::vector<double>;

std::vector<int64_t> Strides(const ir::Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * shape[i + 1];
  }
  return s;
}

// For each output element, the offset of the element of `in` (numpy
// broadcasting, right-aligned) it reads. Empty when shapes do not broadcast.
std::optional<std::vector<int64_t>> BroadcastOffsets(const ir::Shape& in, const ir::Shape& out) {
  if (in.size() > out.size()) return std::nullopt;
  const size_t lead = out.size() - in.size();
  std::vector<int64_t> in_strides = Strides(in);
  std::vector<int64_t> eff(out.size(), 0);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == out[lead + i]) {
      eff[lead + i] = in_strides[i];
    } else if (in[i] != 1) {
      return std::nullopt;
    }
  }
  const int64_t n = ir::NumElements(out);
  std::vector<int64_t> offsets(n);
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) off += idx[d] * eff[d];
    offsets[k] = off;
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return offsets;
}

bool IsIntegral(ir::DType t) { return !ir::IsFloat(t); }

std::optional<Tensor> Elementwise(const ir::Op& op,
                                  const std::function<double(double, double)>& f) {
  const ir::Shape& out = op.outputs[0]->shape;
  // Opset < 7 `broadcast=1` with an `axis` aligns B at that axis, not from
  // the right: left to the device lowering.
  if (op.has_attr("axis") && op.GetInt("broadcast", 0) != 0) return std::nullopt;
  auto a_off = BroadcastOffsets(op.inputs[0]->shape, out);
  auto b_off = BroadcastOffsets(op.inputs[1]->shape, out);
  if (!a_off || !b_off) return std::nullopt;
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor b = ConstantAsDoubles(*op.inputs[1]);
  Tensor r(a_off->size());
  for (size_t i = 0; i < r.size(); ++i) r[i] = f(a[(*a_off)[i]], b[(*b_off)[i]]);
  return r;
}

std::optional<Tensor> Unary(const ir::Op& op, const std::function<double(double)>& f) {
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  for (double& v : a) v = f(v);
  return a;
}

int64_t NormAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

std::vector<int64_t> IntsOf(const ir::Value* v) {
  std::vector<int64_t> r;
  if (v == nullptr) return r;
  for (double d : ConstantAsDoubles(*v)) r.push_back(static_cast<int64_t>(d));
  return r;
}

std::optional<Tensor> Gather(const ir::Op& op) {
  const ir::Value& data = *op.inputs[0];
  const ir::Shape& ds = data.shape;
  int64_t axis = NormAxis(op.GetInt("axis", 0), ds.size());
  if (axis < 0 || axis >= static_cast<int64_t>(ds.size())) return std::nullopt;
  Tensor d = ConstantAsDoubles(data);
  std::vector<int64_t> idx = IntsOf(op.inputs[1]);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= ds[i];
  for (size_t i = axis + 1; i < ds.size(); ++i) inner *= ds[i];
  Tensor r;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j : idx) {
      if (j < 0) j += ds[axis];
      if (j < 0 || j >= ds[axis]) return std::nullopt;
      for (int64_t in = 0; in < inner; ++in) {
        r.push_back(d[(o * ds[axis] + j) * inner + in]);
      }
    }
  }
  return r;
}

std::optional<Tensor> Concat(const ir::Op& op) {
  const ir::Shape& out = op.outputs[0]->shape;
  int64_t axis = NormAxis(op.GetInt("axis", 0), out.size());
  if (axis < 0 || axis >= static_cast<int64_t>(out.size())) return std::nullopt;
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= out[i];
  std::vector<Tensor> parts;
  for (const ir::Value* in : op.inputs) parts.push_back(ConstantAsDoubles(*in));
  Tensor r;
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t p = 0; p < parts.size(); ++p) {
      int64_t chunk = outer == 0 ? 0 : static_cast<int64_t>(parts[p].size()) / outer;
      r.insert(r.end(), parts[p].begin() + o * chunk, parts[p].begin() + (o + 1) * chunk);
    }
  }
  return r;
}

std::optional<Tensor> Transpose(const ir::Op& op) {
  const ir::Shape& in = op.inputs[0]->shape;
  std::vector<int64_t> perm = op.GetInts("perm", {});
  if (perm.empty()) {
    for (int64_t i = static_cast<int64_t>(in.size()) - 1; i >= 0; --i) perm.push_back(i);
  }
  if (perm.size() != in.size()) return std::nullopt;
  std::vector<int64_t> in_strides = Strides(in);
  ir::Shape out(in.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[perm[i]];
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor r(a.size());
  std::vector<int64_t> idx(out.size(), 0);
  for (size_t k = 0; k < r.size(); ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) off += idx[d] * in_strides[perm[d]];
    r[k] = a[off];
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

std::optional<Tensor> Slice(const ir::Op& op) {
  const ir::Shape& in = op.inputs[0]->shape;
  std::vector<int64_t> starts, ends, axes, steps;
  if (op.inputs.size() >= 3) {
    starts = IntsOf(op.input(1));
    ends = IntsOf(op.input(2));
    axes = IntsOf(op.input(3));
    steps = IntsOf(op.input(4));
  } else {
    starts = op.GetInts("starts", {});
    ends = op.GetInts("ends", {});
    axes = op.GetInts("axes", {});
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return std::nullopt;
  }
  std::vector<int64_t> begin(in.size(), 0), step(in.size(), 1);
  ir::Shape out = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = NormAxis(axes[i], in.size());
    if (ax < 0 || ax >= static_cast<int64_t>(in.size()) || steps[i] == 0) return std::nullopt;
    int64_t dim = in[ax];
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (steps[i] > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out[ax] = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      out[ax] = s > e ? (s - e - steps[i] - 1) / -steps[i] : 0;
    }
    begin[ax] = s;
    step[ax] = steps[i];
  }
  if (out != op.outputs[0]->shape) return std::nullopt;
  std::vector<int64_t> in_strides = Strides(in);
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor r(ir::NumElements(out));
  std::vector<int64_t> idx(out.size(), 0);
  for (size_t k = 0; k < r.size(); ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) off += (begin[d] + idx[d] * step[d]) * in_strides[d];
    r[k] = a[off];
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

std::optional<Tensor> MatMul2D(const ir::Op& op) {
  const ir::Shape& as = op.inputs[0]->shape;
  const ir::Shape& bs = op.inputs[1]->shape;
  if (as.size() != 2 || bs.size() != 2 || as[1] != bs[0]) return std::nullopt;
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor b = ConstantAsDoubles(*op.inputs[1]);
  const int64_t m = as[0], k = as[1], n = bs[1];
  Tensor r(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t j = 0; j < n; ++j) r[i * n + j] += a[i * k + p] * b[p * n + j];
    }
  }
  return r;
}

// DequantizeLinear of 8-bit x: (x - zero_point) * scale, per tensor or
// along `axis`. Bit-identical to the engines' fp32 result: x - zero_point is
// an integer below 2^9, so its double product with an f32 scale is exact
// and rounds once to the f32 product when stored.
std::optional<Tensor> Dequantize(const ir::Op& op) {
  const ir::Value& x = *op.inputs[0];
  const ir::Value* scale = op.input(1);
  const ir::Value* zero_point = op.input(2);
  if ((x.dtype != ir::DType::kU8 && x.dtype != ir::DType::kI8) || scale == nullptr ||
      scale->dtype != ir::DType::kF32) {
    return std::nullopt;
  }
  const int64_t params = scale->num_elements();
  if (zero_point != nullptr && zero_point->num_elements() != params) return std::nullopt;
  int64_t inner = 1, len = 1;
  if (params > 1) {
    const int64_t axis = NormAxis(op.GetInt("axis", 1), x.shape.size());
    if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size()) || x.shape[axis] != params) {
      return std::nullopt;
    }
    len = params;
    for (size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  }
  const Tensor xs = ConstantAsDoubles(x);
  const Tensor ss = ConstantAsDoubles(*scale);
  const Tensor zs = zero_point != nullptr ? ConstantAsDoubles(*zero_point) : Tensor(params, 0.0);
  Tensor r(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t k = (static_cast<int64_t>(i) / inner) % len;
    r[i] = (xs[i] - zs[k]) * ss[k];
  }
  return r;
}

// QuantizeLinear of f32 x into 8 bits, step by step as the engines do it
// (compiler/lower/quantize.cc): x / scale in fp32, clamped to +-2^22 (NaN
// to -2^22, as the ALU's maximum gives), rounded half to even, plus the
// zero point, saturated.
std::optional<Tensor> Quantize(const ir::Op& op) {
  const ir::Value& x = *op.inputs[0];
  const ir::Value* scale = op.input(1);
  const ir::Value* zero_point = op.input(2);
  const ir::DType y = op.outputs[0]->dtype;
  if (x.dtype != ir::DType::kF32 || (y != ir::DType::kU8 && y != ir::DType::kI8) ||
      scale == nullptr || scale->dtype != ir::DType::kF32 || scale->num_elements() != 1 ||
      (zero_point != nullptr && zero_point->num_elements() != 1)) {
    return std::nullopt;
  }
  const float s = static_cast<float>(ConstantAsDoubles(*scale)[0]);
  const float zp =
      zero_point != nullptr ? static_cast<float>(ConstantAsDoubles(*zero_point)[0]) : 0;
  const float lo = y == ir::DType::kU8 ? 0.0f : -128.0f, hi = y == ir::DType::kU8 ? 255.0f : 127.0f;
  auto maximum = [](float a, float b) { return a > b ? a : b; };
  auto minimum = [](float a, float b) { return a < b ? a : b; };
  Tensor r;
  for (double v : ConstantAsDoubles(x)) {
    float q = minimum(maximum(static_cast<float>(v) / s, -4194304.0f), 4194304.0f);
    q = std::nearbyint(q) + zp;
    r.push_back(minimum(maximum(q, lo), hi));
  }
  return r;
}

// Reduce* over `axes` (the attribute, or input 1 from ReduceSum-13 and
// opset 18); all axes when none are given, unless noop_with_empty_axes.
std::optional<Tensor> Reduce(const ir::Op& op) {
  const ir::Shape& in = op.inputs[0]->shape;
  std::vector<int64_t> axes =
      op.inputs.size() > 1 && op.input(1) != nullptr ? IntsOf(op.input(1)) : op.GetInts("axes", {});
  if (axes.empty() && op.GetInt("noop_with_empty_axes", 0) != 0) {
    return ConstantAsDoubles(*op.inputs[0]);
  }
  std::vector<bool> reduced(in.size(), axes.empty());
  for (int64_t a : axes) {
    const int64_t ax = NormAxis(a, in.size());
    if (ax < 0 || ax >= static_cast<int64_t>(in.size())) return std::nullopt;
    reduced[ax] = true;
  }
  // The output index of each input element: strides over the kept axes.
  std::vector<int64_t> out_strides(in.size(), 0);
  int64_t n_out = 1;
  for (int d = static_cast<int>(in.size()) - 1; d >= 0; --d) {
    if (reduced[d]) continue;
    out_strides[d] = n_out;
    n_out *= in[d];
  }
  const std::string& t = op.type;
  const double init = t == "ReduceProd" ? 1.0
                      : t == "ReduceMax" ? -HUGE_VAL
                      : t == "ReduceMin" ? HUGE_VAL
                                         : 0.0;
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor r(n_out, init);
  std::vector<int64_t> idx(in.size(), 0);
  for (size_t k = 0; k < a.size(); ++k) {
    int64_t o = 0;
    for (size_t d = 0; d < in.size(); ++d) o += idx[d] * out_strides[d];
    if (t == "ReduceProd") {
      r[o] *= a[k];
    } else if (t == "ReduceMax") {
      r[o] = std::max(r[o], a[k]);
    } else if (t == "ReduceMin") {
      r[o] = std::min(r[o], a[k]);
    } else {
      r[o] += a[k];
    }
    for (int d = static_cast<int>(in.size()) - 1; d >= 0; --d) {
      if (++idx[d] < in[d]) break;
      idx[d] = 0;
    }
  }
  if (t == "ReduceMean" && n_out > 0) {
    const double count = static_cast<double>(a.size()) / static_cast<double>(n_out);
    for (double& v : r) v /= count;
  }
  return r;
}

std::optional<Tensor> Tile(const ir::Op& op) {
  const ir::Shape& in = op.inputs[0]->shape;
  const ir::Shape& out = op.outputs[0]->shape;
  if (out.size() != in.size()) return std::nullopt;
  std::vector<int64_t> in_strides = Strides(in);
  Tensor a = ConstantAsDoubles(*op.inputs[0]);
  Tensor r(ir::NumElements(out));
  std::vector<int64_t> idx(out.size(), 0);
  for (size_t k = 0; k < r.size(); ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      if (in[d] == 0) return std::nullopt;
      off += (idx[d] % in[d]) * in_strides[d];
    }
    r[k] = a[off];
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

// Max/Min/Sum/Mean of any number of inputs, broadcast.
std::optional<Tensor> Variadic(const ir::Op& op, const std::function<double(double, double)>& f,
                               bool mean) {
  const ir::Shape& out = op.outputs[0]->shape;
  Tensor r;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    auto off = BroadcastOffsets(op.inputs[i]->shape, out);
    if (!off) return std::nullopt;
    Tensor a = ConstantAsDoubles(*op.inputs[i]);
    if (i == 0) {
      r.resize(off->size());
      for (size_t k = 0; k < r.size(); ++k) r[k] = a[(*off)[k]];
    } else {
      for (size_t k = 0; k < r.size(); ++k) r[k] = f(r[k], a[(*off)[k]]);
    }
  }
  if (mean) {
    for (double& v : r) v /= static_cast<double>(op.inputs.size());
  }
  return r;
}

double IntDiv(double a, double b) {
  if (b == 0) return 0;
  return std::trunc(a / b);
}

}  // namespace

const std::vector<std::string>& HostEvaluableOpTypes() {
  static const std::vector<std::string> kTypes = {"Abs",
                                                  "Add",
                                                  "Cast",
                                                  "Ceil",
                                                  "Clip",
                                                  "Concat",
                                                  "ConstantOfShape",
                                                  "Cos",
                                                  "DequantizeLinear",
                                                  "QuantizeLinear",  // constant 8-bit (QDQ) weights
                                                  "Div",
                                                  "Dropout",
                                                  "Equal",
                                                  "Erf",
                                                  "Exp",
                                                  "Expand",
                                                  "Flatten",
                                                  "Floor",
                                                  "Gather",
                                                  "Greater",
                                                  "GreaterOrEqual",
                                                  "Identity",
                                                  "Less",
                                                  "LessOrEqual",
                                                  "Log",
                                                  "MatMul",
                                                  "Max",
                                                  "Mean",
                                                  "Min",
                                                  "Mod",
                                                  "Mul",
                                                  "Neg",
                                                  "Not",
                                                  "Or",
                                                  "Pow",
                                                  "Range",
                                                  "Reciprocal",
                                                  "ReduceMax",
                                                  "ReduceMean",
                                                  "ReduceMin",
                                                  "ReduceProd",
                                                  "ReduceSum",
                                                  "Relu",
                                                  "Reshape",
                                                  "Round",
                                                  "Shape",
                                                  "Sigmoid",
                                                  "Sign",
                                                  "Sin",
                                                  "Size",
                                                  "Slice",
                                                  "Sqrt",
                                                  "Squeeze",
                                                  "Sub",
                                                  "Sum",
                                                  "Tanh",
                                                  "Tile",
                                                  "Transpose",
                                                  "Unsqueeze",
                                                  "Where",
                                                  "Xor"};
  return kTypes;
}

std::optional<std::vector<double>> EvaluateOnHost(const ir::Op& op) {
  if (op.outputs.size() != 1 && !(op.type == "Dropout" && !op.outputs.empty())) {
    return std::nullopt;
  }
  if (op.type == "Dropout" && op.outputs.size() > 1) return std::nullopt;
  const ir::Value& out = *op.outputs[0];
  // Values are doubles on the host: a result beyond the budget is left to
  // the device rather than allocated (a Range of 1e12 elements).
  if (out.num_elements() < 0 ||
      out.num_elements() > kHostEvalByteBudget / static_cast<int64_t>(sizeof(double))) {
    return std::nullopt;
  }
  // Shape and Size need only the input's static shape.
  if (op.type == "Shape") {
    const ir::Shape& s = op.inputs[0]->shape;
    int64_t rank = static_cast<int64_t>(s.size());
    int64_t start = std::clamp<int64_t>(NormAxis(op.GetInt("start", 0), s.size()), 0, rank);
    int64_t end = std::clamp<int64_t>(NormAxis(op.GetInt("end", rank), s.size()), 0, rank);
    Tensor r;
    for (int64_t i = start; i < end; ++i) r.push_back(static_cast<double>(s[i]));
    if (static_cast<int64_t>(r.size()) != out.num_elements()) return std::nullopt;
    return r;
  }
  if (op.type == "Size") return Tensor{static_cast<double>(op.inputs[0]->num_elements())};
  for (const ir::Value* in : op.inputs) {
    if (in != nullptr && !in->is_constant) return std::nullopt;
  }
  if (op.inputs.empty() && op.type != "ConstantOfShape") return std::nullopt;
  const bool int_out = IsIntegral(out.dtype);
  const std::string& t = op.type;
  std::optional<Tensor> r;
  if (t == "Add")
    r = Elementwise(op, [](double a, double b) { return a + b; });
  else if (t == "Sub")
    r = Elementwise(op, [](double a, double b) { return a - b; });
  else if (t == "Mul")
    r = Elementwise(op, [](double a, double b) { return a * b; });
  else if (t == "Div") {
    r = int_out ? Elementwise(op, IntDiv)
                : Elementwise(op, [](double a, double b) { return a / b; });
  } else if (t == "Pow")
    r = Elementwise(op, [](double a, double b) { return std::pow(a, b); });
  else if (t == "Max")
    r = Variadic(op, [](double a, double b) { return std::max(a, b); }, false);
  else if (t == "Min")
    r = Variadic(op, [](double a, double b) { return std::min(a, b); }, false);
  else if (t == "Sum")
    r = Variadic(op, [](double a, double b) { return a + b; }, false);
  else if (t == "Mean")
    r = Variadic(op, [](double a, double b) { return a + b; }, true);
  else if (t == "Mod") {
    // fmod=0 (integers): the result takes the divisor's sign, as Python's.
    if (op.GetInt("fmod", 0) != 0) {
      r = Elementwise(op, [](double a, double b) { return std::fmod(a, b); });
    } else {
      if (!int_out) return std::nullopt;
      r = Elementwise(op, [](double a, double b) {
        if (b == 0) return 0.0;
        double m = std::fmod(a, b);
        return m != 0 && ((m < 0) != (b < 0)) ? m + b : m;
      });
    }
  } else if (t == "GreaterOrEqual")
    r = Elementwise(op, [](double a, double b) { return a >= b ? 1.0 : 0.0; });
  else if (t == "LessOrEqual")
    r = Elementwise(op, [](double a, double b) { return a <= b ? 1.0 : 0.0; });
  else if (t == "And")
    r = Elementwise(op, [](double a, double b) { return a != 0 && b != 0 ? 1.0 : 0.0; });
  else if (t == "Or")
    r = Elementwise(op, [](double a, double b) { return a != 0 || b != 0 ? 1.0 : 0.0; });
  else if (t == "Xor")
    r = Elementwise(op, [](double a, double b) { return (a != 0) != (b != 0) ? 1.0 : 0.0; });
  else if (t == "Equal")
    r = Elementwise(op, [](double a, double b) { return a == b ? 1.0 : 0.0; });
  else if (t == "Less")
    r = Elementwise(op, [](double a, double b) { return a < b ? 1.0 : 0.0; });
  else if (t == "Greater")
    r = Elementwise(op, [](double a, double b) { return a > b ? 1.0 : 0.0; });
  else if (t == "Where") {
    const ir::Shape& os = out.shape;
    auto c_off = BroadcastOffsets(op.inputs[0]->shape, os);
    auto x_off = BroadcastOffsets(op.inputs[1]->shape, os);
    auto y_off = BroadcastOffsets(op.inputs[2]->shape, os);
    if (!c_off || !x_off || !y_off) return std::nullopt;
    Tensor c = ConstantAsDoubles(*op.inputs[0]), x = ConstantAsDoubles(*op.inputs[1]),
           y = ConstantAsDoubles(*op.inputs[2]);
    Tensor w(c_off->size());
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] = c[(*c_off)[i]] != 0 ? x[(*x_off)[i]] : y[(*y_off)[i]];
    }
    r = w;
  } else if (t == "Neg")
    r = Unary(op, [](double a) { return -a; });
  else if (t == "Abs")
    r = Unary(op, [](double a) { return std::fabs(a); });
  else if (t == "Sqrt")
    r = Unary(op, [](double a) { return std::sqrt(a); });
  else if (t == "Reciprocal")
    r = Unary(op, [](double a) { return 1.0 / a; });
  else if (t == "Exp")
    r = Unary(op, [](double a) { return std::exp(a); });
  else if (t == "Log")
    r = Unary(op, [](double a) { return std::log(a); });
  else if (t == "Relu")
    r = Unary(op, [](double a) { return a > 0 ? a : 0.0; });
  else if (t == "Sigmoid")
    r = Unary(op, [](double a) { return 1.0 / (1.0 + std::exp(-a)); });
  else if (t == "Tanh")
    r = Unary(op, [](double a) { return std::tanh(a); });
  else if (t == "Floor")
    r = Unary(op, [](double a) { return std::floor(a); });
  else if (t == "Ceil")
    r = Unary(op, [](double a) { return std::ceil(a); });
  else if (t == "Not")
    r = Unary(op, [](double a) { return a == 0 ? 1.0 : 0.0; });
  else if (t == "Sign")
    r = Unary(op, [](double a) { return a > 0 ? 1.0 : a < 0 ? -1.0 : 0.0; });
  else if (t == "Round")
    r = Unary(op, [](double a) { return std::nearbyint(a); });  // half to even
  else if (t == "Sin")
    r = Unary(op, [](double a) { return std::sin(a); });
  else if (t == "Cos")
    r = Unary(op, [](double a) { return std::cos(a); });
  else if (t == "Erf")
    r = Unary(op, [](double a) { return std::erf(a); });
  else if (t == "Clip") {
    double lo = -HUGE_VAL, hi = HUGE_VAL;
    if (op.inputs.size() > 1) {
      const ir::Value* min = op.input(1);
      const ir::Value* max = op.inputs.size() > 2 ? op.input(2) : nullptr;
      if ((min != nullptr && min->num_elements() != 1) ||
          (max != nullptr && max->num_elements() != 1)) {
        return std::nullopt;
      }
      if (min != nullptr) lo = ConstantAsDoubles(*min)[0];
      if (max != nullptr) hi = ConstantAsDoubles(*max)[0];
    } else {
      lo = op.GetFloat("min", -3.4028234663852886e38f);
      hi = op.GetFloat("max", 3.4028234663852886e38f);
    }
    r = Unary(op, [lo, hi](double a) { return std::min(std::max(a, lo), hi); });
  } else if (t == "ReduceSum" || t == "ReduceMean" || t == "ReduceMax" || t == "ReduceMin" ||
             t == "ReduceProd") {
    r = Reduce(op);
  } else if (t == "Tile")
    r = Tile(op);
  else if (t == "Cast") {
    // Float -> int truncates toward zero (std::trunc), as ONNX Runtime does;
    // to-float rounding happens when the result is stored.
    r = Unary(op, [int_out](double a) { return int_out ? std::trunc(a) : a; });
    if (op.outputs[0]->dtype == ir::DType::kF32 && !IsIntegral(op.inputs[0]->dtype)) {
      for (double& v : *r) v = static_cast<float>(v);
    }
  } else if (t == "Reshape" || t == "Flatten" || t == "Squeeze" || t == "Unsqueeze" ||
             t == "Identity" || t == "Dropout") {
    if (op.inputs[0]->num_elements() != out.num_elements()) return std::nullopt;
    r = ConstantAsDoubles(*op.inputs[0]);
  } else if (t == "Gather")
    r = Gather(op);
  else if (t == "Concat")
    r = Concat(op);
  else if (t == "Transpose")
    r = Transpose(op);
  else if (t == "Slice")
    r = Slice(op);
  else if (t == "MatMul")
    r = MatMul2D(op);
  else if (t == "DequantizeLinear")
    r = Dequantize(op);
  else if (t == "QuantizeLinear")
    r = Quantize(op);
  else if (t == "Expand") {
    auto off = BroadcastOffsets(op.inputs[0]->shape, out.shape);
    if (!off) return std::nullopt;
    Tensor a = ConstantAsDoubles(*op.inputs[0]);
    Tensor e(off->size());
    for (size_t i = 0; i < e.size(); ++i) e[i] = a[(*off)[i]];
    r = e;
  } else if (t == "ConstantOfShape") {
    r = Tensor(out.num_elements(), op.GetFloat("value", 0.0f));
  } else if (t == "Range") {
    double start = ConstantAsDoubles(*op.inputs[0])[0];
    double delta = ConstantAsDoubles(*op.inputs[2])[0];
    Tensor g(out.num_elements());
    for (size_t i = 0; i < g.size(); ++i) g[i] = start + static_cast<double>(i) * delta;
    r = g;
  } else {
    return std::nullopt;
  }
  if (!r || static_cast<int64_t>(r->size()) != out.num_elements()) return std::nullopt;
  return r;
}

}  // namespace ncc::ir::eval
