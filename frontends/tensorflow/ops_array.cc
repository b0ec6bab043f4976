// Identities, shapes, reshapes, slicing, joining, padding and gathers. Shape
// arguments must be known at compile time; chains that compute them from
// Shape fold as they are emitted.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "frontends/tensorflow/op_table.h"

namespace ncc::tensorflow_frontend {
namespace {

absl::Status Identity(ConvertContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Invalid("needs an input");
  return ctx.Set(0, ctx.Raw(0).value, ctx.Raw(0).nchw);
}

absl::Status IdentityN(ConvertContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    NCC_TF_RETURN_IF_ERROR(ctx.Set(i, ctx.Raw(i).value, ctx.Raw(i).nchw));
  }
  return absl::OkStatus();
}

absl::Status NoOp(ConvertContext&) { return absl::OkStatus(); }

absl::Status Shape(ConvertContext& ctx) {
  ir::DType dtype = ir::DType::kI32;
  if (ctx.HasAttr("out_type")) {
    NCC_TF_ASSIGN(t, ctx.AttrDType("out_type"));
    dtype = t;
  }
  const ir::Shape s = ctx.InputShape(0);
  return ctx.Set(0, ctx.Constant(dtype, {static_cast<int64_t>(s.size())},
                                 std::vector<double>(s.begin(), s.end())));
}

// The target of a Reshape: one -1 takes the remaining elements.
absl::StatusOr<ir::Shape> ResolveReshape(ConvertContext& ctx, const std::vector<int64_t>& dims,
                                         int64_t elements) {
  ir::Shape shape(dims.begin(), dims.end());
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      return ctx.Invalid(absl::StrCat("bad shape ", ir::ShapeToString(shape)));
    }
  }
  {
    ir::Shape rest;
    for (int64_t d : shape) {
      if (d >= 0) rest.push_back(d);
    }
    known = ir::NumElements(rest);  // saturates instead of overflowing
  }
  if (unknown >= 0) {
    if (known == 0 || elements % known != 0) {
      return ctx.Invalid(absl::StrCat("cannot reshape ", elements, " elements to ",
                                      ir::ShapeToString(shape)));
    }
    shape[unknown] = elements / known;
  } else if (known != elements) {
    return ctx.Invalid(
        absl::StrCat("cannot reshape ", elements, " elements to ", ir::ShapeToString(shape)));
  }
  return shape;
}

absl::Status Reshape(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(dims, ctx.ConstInts(1));
  NCC_TF_ASSIGN(shape, ResolveReshape(ctx, dims, x->num_elements()));
  return ctx.Set(0, ctx.Reshape(x, shape));
}

absl::Status Squeeze(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(dims, ctx.AttrInts("squeeze_dims", std::vector<int64_t>{}));
  if (dims.empty() && ctx.HasAttr("axis")) {
    NCC_TF_ASSIGN(axis, ctx.AttrInts("axis"));
    dims = axis;
  }
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  std::vector<bool> drop(rank, dims.empty());
  for (int64_t d : dims) {
    NCC_TF_ASSIGN(axis, NormalizeAxis(d, rank));
    if (x->shape[axis] != 1) return ctx.Invalid(absl::StrCat("dimension ", axis, " is not 1"));
    drop[axis] = true;
  }
  ir::Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!(drop[i] && x->shape[i] == 1)) out.push_back(x->shape[i]);
  }
  return ctx.Set(0, ctx.Reshape(x, out));
}

absl::Status ExpandDims(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(axes, ctx.ConstInts(1));
  if (axes.size() != 1) return ctx.Invalid("axis must be one value");
  NCC_TF_ASSIGN(axis, NormalizeAxis(axes[0], static_cast<int64_t>(x->shape.size()) + 1));
  ir::Shape out = x->shape;
  out.insert(out.begin() + axis, 1);
  return ctx.Set(0, ctx.Reshape(x, out));
}

absl::Status Transpose(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(perm, ctx.ConstInts(1));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<int64_t>(i) || sorted.size() != x->shape.size()) {
      return ctx.Invalid("perm is not a permutation of the input's axes");
    }
  }
  return ctx.Set(0, ctx.Transpose(x, perm));
}

// StridedSlice with TF's begin/end/ellipsis/new_axis/shrink_axis masks: one
// ONNX Slice over every input axis, then a Reshape for new and shrunk axes.
absl::Status StridedSlice(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(begin, ctx.ConstInts(1));
  NCC_TF_ASSIGN(end, ctx.ConstInts(2));
  NCC_TF_ASSIGN(strides, ctx.ConstInts(3));
  if (begin.size() != end.size() || begin.size() != strides.size()) {
    return ctx.Invalid("begin, end and strides differ in length");
  }
  NCC_TF_ASSIGN(begin_mask, ctx.AttrInt("begin_mask", 0));
  NCC_TF_ASSIGN(end_mask, ctx.AttrInt("end_mask", 0));
  NCC_TF_ASSIGN(ellipsis_mask, ctx.AttrInt("ellipsis_mask", 0));
  NCC_TF_ASSIGN(new_axis_mask, ctx.AttrInt("new_axis_mask", 0));
  NCC_TF_ASSIGN(shrink_mask, ctx.AttrInt("shrink_axis_mask", 0));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  const int64_t n = static_cast<int64_t>(begin.size());
  auto bit = [](int64_t mask, int64_t i) { return i < 63 && ((mask >> i) & 1) != 0; };
  int64_t real = 0;
  bool has_ellipsis = false;
  for (int64_t i = 0; i < n; ++i) {
    if (bit(ellipsis_mask, i)) {
      if (has_ellipsis) return ctx.Invalid("more than one ellipsis");
      has_ellipsis = true;
    } else if (!bit(new_axis_mask, i)) {
      ++real;
    }
  }
  if (real > rank) return ctx.Invalid("slices more dimensions than the input has");
  std::vector<int64_t> starts, ends, steps;
  ir::Shape out;
  int64_t dim = 0;
  auto full = [&]() {
    starts.push_back(0);
    ends.push_back(x->shape[dim]);
    steps.push_back(1);
    out.push_back(x->shape[dim]);
    ++dim;
  };
  for (int64_t i = 0; i < n; ++i) {
    if (bit(ellipsis_mask, i)) {
      for (int64_t k = 0; k < rank - real; ++k) full();
      continue;
    }
    if (bit(new_axis_mask, i)) {
      out.push_back(1);
      continue;
    }
    const int64_t d = x->shape[dim];
    const int64_t s = strides[i];
    if (s == 0 || s == std::numeric_limits<int64_t>::min()) return ctx.Invalid("a stride is 0 or out of range");
    if (bit(shrink_mask, i)) {
      const int64_t index = begin[i] < 0 ? begin[i] + d : begin[i];
      if (index < 0 || index >= d) {
        return ctx.Invalid(absl::StrCat("index ", begin[i], " is out of range for dimension ",
                                        dim, " of size ", d));
      }
      starts.push_back(index);
      ends.push_back(index + 1);
      steps.push_back(1);
      ++dim;
      continue;
    }
    int64_t b, e, len;
    if (s > 0) {
      b = bit(begin_mask, i) ? 0 : std::clamp(begin[i] < 0 ? begin[i] + d : begin[i], int64_t{0}, d);
      e = bit(end_mask, i) ? d : std::clamp(end[i] < 0 ? end[i] + d : end[i], int64_t{0}, d);
      len = e > b ? (e - b - 1) / s + 1 : 0;
    } else {
      b = bit(begin_mask, i) ? d - 1
                             : std::clamp(begin[i] < 0 ? begin[i] + d : begin[i], int64_t{-1}, d - 1);
      e = bit(end_mask, i) ? -1 : std::clamp(end[i] < 0 ? end[i] + d : end[i], int64_t{-1}, d - 1);
      len = b > e ? (b - e - 1) / -s + 1 : 0;
      // ONNX reads a negative end from the back: "before the first" is -d-1.
      if (e == -1) e = -d - 1;
    }
    starts.push_back(b);
    ends.push_back(e);
    steps.push_back(s);
    out.push_back(len);
    ++dim;
  }
  while (dim < rank) full();
  ir::Shape sliced;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t d = x->shape[i];
    const int64_t s = steps[i];
    const int64_t b = starts[i];
    const int64_t e = ends[i] < -d ? -1 : ends[i];
    sliced.push_back(s > 0 ? (e > b ? (e - b - 1) / s + 1 : 0) : (b > e ? (b - e - 1) / -s + 1 : 0));
  }
  ir::Value* y = x;
  if (sliced != x->shape || std::any_of(steps.begin(), steps.end(), [](int64_t s) { return s != 1; })) {
    std::vector<int64_t> axes(rank);
    for (int64_t i = 0; i < rank; ++i) axes[i] = i;
    y = ctx.Emit("Slice",
                 {x, ctx.I64Constant(starts), ctx.I64Constant(ends), ctx.I64Constant(axes),
                  ctx.I64Constant(steps)},
                 sliced, x->dtype);
  }
  return ctx.Set(0, ctx.Reshape(y, out));
}

absl::Status Slice(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(begin, ctx.ConstInts(1));
  NCC_TF_ASSIGN(size, ctx.ConstInts(2));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  if (static_cast<int64_t>(begin.size()) != rank || static_cast<int64_t>(size.size()) != rank) {
    return ctx.Invalid("begin and size must have one value per dimension");
  }
  std::vector<int64_t> ends(rank), axes(rank);
  ir::Shape out(rank);
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t d = x->shape[i];
    if (begin[i] < 0 || begin[i] > d) {
      return ctx.Invalid(absl::StrCat("slice of dimension ", i, " is out of range"));
    }
    const int64_t len = size[i] == -1 ? d - begin[i] : size[i];
    if (len < 0 || len > d - begin[i]) {
      return ctx.Invalid(absl::StrCat("slice of dimension ", i, " is out of range"));
    }
    ends[i] = begin[i] + len;
    axes[i] = i;
    out[i] = len;
  }
  if (out == x->shape) return ctx.Set(0, x);
  return ctx.Set(0, ctx.Emit("Slice",
                             {x, ctx.I64Constant(begin), ctx.I64Constant(ends),
                              ctx.I64Constant(axes)},
                             out, x->dtype));
}

absl::Status SplitInto(ConvertContext& ctx, ir::Value* x, int64_t axis_in,
                       std::vector<int64_t> sizes) {
  NCC_TF_ASSIGN(axis, NormalizeAxis(axis_in, static_cast<int64_t>(x->shape.size())));
  int64_t known = 0;
  int unknown = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
    } else if (sizes[i] < 0 || sizes[i] > x->shape[axis]) {
      return ctx.Invalid("a split size is negative or too large");
    } else {
      known += sizes[i];
    }
  }
  if (unknown >= 0) sizes[unknown] = x->shape[axis] - known;
  if (unknown >= 0 ? sizes[unknown] < 0 : known != x->shape[axis]) {
    return ctx.Invalid(absl::StrCat("split sizes do not add up to ", x->shape[axis]));
  }
  std::vector<ir::Shape> shapes;
  for (int64_t s : sizes) {
    ir::Shape shape = x->shape;
    shape[axis] = s;
    shapes.push_back(shape);
  }
  std::vector<ir::Value*> parts = ctx.EmitMulti("Split", {x, ctx.I64Constant(sizes)}, shapes,
                                                x->dtype, {{"axis", axis}});
  for (size_t k = 0; k < parts.size(); ++k) NCC_TF_RETURN_IF_ERROR(ctx.Set(k, parts[k]));
  return absl::OkStatus();
}

absl::Status Split(ConvertContext& ctx) {
  NCC_TF_ASSIGN(axis, ctx.ConstInts(0));
  NCC_TF_ASSIGN(num, ctx.AttrInt("num_split"));
  ir::Value* x = ctx.Input(1);
  if (axis.size() != 1 || num < 1) return ctx.Invalid("bad axis or num_split");
  NCC_TF_ASSIGN(a, NormalizeAxis(axis[0], static_cast<int64_t>(x->shape.size())));
  if (x->shape[a] % num != 0) return ctx.Invalid("the dimension does not divide evenly");
  return SplitInto(ctx, x, a, std::vector<int64_t>(num, x->shape[a] / num));
}

absl::Status SplitV(ConvertContext& ctx) {
  NCC_TF_ASSIGN(sizes, ctx.ConstInts(1));
  NCC_TF_ASSIGN(axis, ctx.ConstInts(2));
  if (axis.size() != 1) return ctx.Invalid("axis must be one value");
  return SplitInto(ctx, ctx.Input(0), axis[0], sizes);
}

absl::Status Pack(ConvertContext& ctx) {
  if (ctx.num_inputs() == 0) return ctx.Invalid("needs inputs");
  const ir::Shape shape = ctx.InputShape(0);
  NCC_TF_ASSIGN(axis_in, ctx.AttrInt("axis", 0));
  NCC_TF_ASSIGN(axis, NormalizeAxis(axis_in, static_cast<int64_t>(shape.size()) + 1));
  ir::Shape one = shape;
  one.insert(one.begin() + axis, 1);
  std::vector<ir::Value*> parts;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.InputShape(i) != shape) return ctx.Invalid("inputs differ in shape");
    parts.push_back(ctx.Reshape(ctx.Input(i), one));
  }
  ir::Shape out = one;
  out[axis] = static_cast<int64_t>(parts.size());
  if (parts.size() == 1) return ctx.Set(0, parts[0]);
  return ctx.Set(0, ctx.Emit("Concat", parts, out, parts[0]->dtype, {{"axis", axis}}));
}

absl::Status Unpack(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(axis_in, ctx.AttrInt("axis", 0));
  NCC_TF_ASSIGN(axis, NormalizeAxis(axis_in, static_cast<int64_t>(x->shape.size())));
  const int64_t n = x->shape[axis];
  ir::Shape part = x->shape;
  part[axis] = 1;
  ir::Shape out = x->shape;
  out.erase(out.begin() + axis);
  std::vector<ir::Value*> parts =
      n == 1 ? std::vector<ir::Value*>{x}
             : ctx.EmitMulti("Split", {x, ctx.I64Constant(std::vector<int64_t>(n, 1))},
                             std::vector<ir::Shape>(n, part), x->dtype, {{"axis", axis}});
  for (int64_t k = 0; k < n; ++k) NCC_TF_RETURN_IF_ERROR(ctx.Set(k, ctx.Reshape(parts[k], out)));
  return absl::OkStatus();
}

absl::Status ConcatV2(ConvertContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.Invalid("needs inputs and an axis");
  const size_t n = ctx.num_inputs() - 1;
  NCC_TF_ASSIGN(axes, ctx.ConstInts(n));
  if (axes.size() != 1) return ctx.Invalid("axis must be one value");
  const ir::Shape first = ctx.InputShape(0);
  const int64_t rank = static_cast<int64_t>(first.size());
  NCC_TF_ASSIGN(axis, NormalizeAxis(axes[0], rank));
  ir::Shape out = first;
  out[axis] = 0;
  bool any_nchw = false;
  for (size_t i = 0; i < n; ++i) {
    ir::Shape s = ctx.InputShape(i);
    if (static_cast<int64_t>(s.size()) != rank) return ctx.Invalid("inputs differ in rank");
    out[axis] += s[axis];
    s[axis] = 0;
    ir::Shape f = first;
    f[axis] = 0;
    if (s != f) return ctx.Invalid("inputs differ outside the concatenation axis");
    any_nchw |= ctx.Raw(i).nchw;
  }
  // Channel concats of NHWC feature maps stay in NCHW.
  const bool nchw = any_nchw && rank == 4;
  std::vector<ir::Value*> parts;
  for (size_t i = 0; i < n; ++i) parts.push_back(nchw ? ctx.InputNchw(i) : ctx.Input(i));
  int64_t ir_axis = axis;
  if (nchw) {
    ir_axis = std::find(kToNchw.begin(), kToNchw.end(), axis) - kToNchw.begin();
    out = {out[0], out[3], out[1], out[2]};
  }
  if (n == 1) return ctx.Set(0, parts[0], nchw);
  return ctx.Set(0, ctx.Emit("Concat", parts, out, parts[0]->dtype, {{"axis", ir_axis}}), nchw);
}

absl::Status Tile(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(multiples, ctx.ConstInts(1));
  if (multiples.size() != x->shape.size()) return ctx.Invalid("one multiple per dimension");
  ir::Shape out = x->shape;
  for (size_t i = 0; i < out.size(); ++i) {
    if (multiples[i] < 0 || multiples[i] > (int64_t{1} << 20)) {
      return ctx.Invalid("a multiple is negative or too large");
    }
    out[i] *= multiples[i];
  }
  return ctx.Set(0, ctx.Emit("Tile", {x, ctx.I64Constant(multiples)}, out, x->dtype));
}

absl::Status GatherV2(ConvertContext& ctx) {
  ir::Value* params = ctx.Input(0);
  ir::Value* indices = ctx.Input(1);
  NCC_TF_ASSIGN(axes, ctx.ConstInts(2));
  NCC_TF_ASSIGN(batch_dims, ctx.AttrInt("batch_dims", 0));
  if (batch_dims != 0) return ctx.Unsupported("batch_dims other than 0");
  if (axes.size() != 1) return ctx.Invalid("axis must be one value");
  NCC_TF_ASSIGN(axis, NormalizeAxis(axes[0], static_cast<int64_t>(params->shape.size())));
  ir::Shape out(params->shape.begin(), params->shape.begin() + axis);
  out.insert(out.end(), indices->shape.begin(), indices->shape.end());
  out.insert(out.end(), params->shape.begin() + axis + 1, params->shape.end());
  return ctx.Set(0, ctx.Emit("Gather", {params, indices}, out, params->dtype, {{"axis", axis}}));
}

// GatherNd(params, indices): the last dimension of `indices` indexes the
// leading dimensions of `params` (ONNX GatherND with batch_dims 0, whose
// indices are int64).
absl::Status GatherNd(ConvertContext& ctx) {
  ir::Value* params = ctx.Input(0);
  ir::Value* indices = ctx.Input(1);
  if (indices->shape.empty()) return ctx.Invalid("indices must have rank 1 or more");
  const int64_t depth = indices->shape.back();
  if (depth < 1 || depth > static_cast<int64_t>(params->shape.size())) {
    return ctx.Invalid(absl::StrCat("indices' last dimension (", depth,
                                    ") must be in [1, the rank of params (",
                                    params->shape.size(), ")]"));
  }
  if (indices->dtype != ir::DType::kI32 && indices->dtype != ir::DType::kI64) {
    return ctx.Invalid("indices must be int32 or int64");
  }
  ir::Shape out(indices->shape.begin(), indices->shape.end() - 1);
  out.insert(out.end(), params->shape.begin() + depth, params->shape.end());
  return ctx.Set(0, ctx.Emit("GatherND", {params, ctx.CastTo(indices, ir::DType::kI64)}, out,
                             params->dtype, {{"batch_dims", int64_t{0}}}));
}

absl::Status Fill(ConvertContext& ctx) {
  NCC_TF_ASSIGN(dims, ctx.ConstInts(0));
  ir::Value* value = ctx.Input(1);
  if (!value->shape.empty() && value->num_elements() != 1) return ctx.Invalid("value must be a scalar");
  for (int64_t d : dims) {
    if (d < 0) return ctx.Invalid("dims must be non-negative");
  }
  return ctx.Set(0, ctx.Emit("Expand", {ctx.Reshape(value, {}), ctx.I64Constant(dims)},
                             ir::Shape(dims.begin(), dims.end()), value->dtype));
}

absl::Status Range(ConvertContext& ctx) {
  NCC_TF_ASSIGN(start, ctx.ConstDoubles(0));
  NCC_TF_ASSIGN(limit, ctx.ConstDoubles(1));
  NCC_TF_ASSIGN(delta, ctx.ConstDoubles(2));
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1 || delta[0] == 0) {
    return ctx.Invalid("start, limit and delta must be scalars, delta non-zero");
  }
  const double count = std::ceil((limit[0] - start[0]) / delta[0]);
  if (!(count <= (1 << 24))) return ctx.Unsupported("a range of more than 2^24 values");
  std::vector<double> values;
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) values.push_back(start[0] + i * delta[0]);
  const ir::DType dtype = ctx.Input(0)->dtype;
  return ctx.Set(0, ctx.Constant(dtype, {static_cast<int64_t>(values.size())}, values));
}

// Pad, PadV2 and MirrorPad (REFLECT); an NCHW-held input stays NCHW.
absl::Status Pad(ConvertContext& ctx) {
  NCC_TF_ASSIGN(paddings, ctx.ConstInts(1));
  const TfValue& x = ctx.Raw(0);
  const int64_t rank = static_cast<int64_t>(x.value->shape.size());
  if (static_cast<int64_t>(paddings.size()) != 2 * rank) {
    return ctx.Invalid("paddings must have shape [rank, 2]");
  }
  std::string mode = "constant";
  if (ctx.node().op() == "MirrorPad") {
    NCC_TF_ASSIGN(m, ctx.AttrString("mode"));
    if (m != "REFLECT") return ctx.Unsupported(absl::StrCat("mode ", m, " (REFLECT only)"));
    mode = "reflect";
  }
  double value = 0;
  if (ctx.node().op() == "PadV2" && ctx.num_inputs() > 2) {
    NCC_TF_ASSIGN(v, ctx.ConstDoubles(2));
    if (v.size() != 1) return ctx.Invalid("constant_values must be a scalar");
    value = v[0];
  }
  std::vector<int64_t> pads(2 * rank);
  ir::Shape out = x.value->shape;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t logical = x.nchw ? kToNchw[i] : i;
    pads[i] = paddings[2 * logical];
    pads[rank + i] = paddings[2 * logical + 1];
    if (pads[i] < 0 || pads[rank + i] < 0) return ctx.Unsupported("negative paddings");
    if (pads[i] > (int64_t{1} << 31) || pads[rank + i] > (int64_t{1} << 31)) {
      return ctx.Invalid("paddings too large");
    }
    out[i] += pads[i] + pads[rank + i];
  }
  ir::Value* v = x.value;
  return ctx.Set(0,
                 ctx.Emit("Pad", {v, ctx.I64Constant(pads), ctx.ScalarConstant(value, v->dtype)},
                          out, v->dtype, {{"mode", mode}}),
                 x.nchw);
}

absl::Status ZerosLike(ConvertContext& ctx) {
  const ir::Shape s = ctx.InputShape(0);
  const ir::DType dtype = ctx.Raw(0).value->dtype;
  const bool ones = ctx.node().op() == "OnesLike";
  return ctx.Set(0, ctx.Emit("Expand", {ctx.ScalarConstant(ones ? 1.0 : 0.0, dtype),
                                        ctx.I64Constant(s)},
                             s, dtype));
}

constexpr TensorflowOpSupport kOps[] = {
    {"ConcatV2", ConcatV2, "axis known at compile time"},
    {"Const", nullptr, "becomes a weight or a compile-time value"},
    {"ExpandDims", ExpandDims, "axis known at compile time"},
    {"Fill", Fill, "dims known at compile time"},
    {"GatherNd", GatherNd, "int32 or int64 indices"},
    {"GatherV2", GatherV2, "axis known at compile time; batch_dims 0"},
    {"Identity", Identity, ""},
    {"IdentityN", IdentityN, ""},
    {"MirrorPad", Pad, "REFLECT; paddings known at compile time"},
    {"NoOp", NoOp, ""},
    {"OnesLike", ZerosLike, ""},
    {"Pack", Pack, ""},
    {"Pad", Pad, "paddings known at compile time"},
    {"PadV2", Pad, "paddings and constant_values known at compile time"},
    {"Placeholder", nullptr, "a graph input; unknown dimensions must be pinned"},
    {"PlaceholderWithDefault", Identity, "compiled with its default value"},
    {"Range", Range, "start, limit and delta known at compile time"},
    {"Reshape", Reshape, "shape known at compile time"},
    {"Shape", Shape, "shapes are static: evaluated at compile time"},
    {"Slice", Slice, "begin and size known at compile time"},
    {"Snapshot", Identity, ""},
    {"Split", Split, "axis known at compile time"},
    {"SplitV", SplitV, "sizes and axis known at compile time"},
    {"Squeeze", Squeeze, ""},
    {"StopGradient", Identity, ""},
    {"StridedSlice", StridedSlice,
     "begin, end and strides known at compile time; all masks"},
    {"Tile", Tile, "multiples known at compile time"},
    {"Transpose", Transpose, "perm known at compile time"},
    {"Unpack", Unpack, ""},
    {"ZerosLike", ZerosLike, ""},
};

}  // namespace

absl::Span<const TensorflowOpSupport> ArrayOps() { return kOps; }

}  // namespace ncc::tensorflow_frontend
