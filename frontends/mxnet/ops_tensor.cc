// Reshapes (with MXNet's special shape values), transposes, joins, splits,
// slices, squeezes, casts, identities and broadcasts, with MXNet 1.x's
// shape rules: every output shape is computed here from the inputs'.
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/mxnet/convert.h"
#include "frontends/mxnet/op_table.h"

namespace ncc::mxnet_frontend {
namespace {

// Far above any real model; keeps hostile symbols from building huge shapes.
constexpr size_t kMaxRank = 32;
constexpr int64_t kMaxOutputs = 1 << 16;

absl::Status ExactInputs(const ConvertContext& ctx, size_t n) {
  if (ctx.num_inputs() == n) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("has ", ctx.num_inputs(), " inputs; it takes ", n));
}

absl::Status CheckNumArgs(const ConvertContext& ctx) {
  if (ctx.num_inputs() == 0) return ctx.Invalid("has no inputs");
  if (!ctx.Has("num_args")) return absl::OkStatus();
  NCC_MX_ASSIGN(num_args, ctx.Int("num_args"));
  if (num_args != static_cast<int64_t>(ctx.num_inputs())) {
    return ctx.Invalid(
        absl::StrCat("num_args is ", num_args, " but the node has ", ctx.num_inputs(), " inputs"));
  }
  return absl::OkStatus();
}

absl::Status CheckRank(const ConvertContext& ctx, size_t rank) {
  if (rank <= kMaxRank) return absl::OkStatus();
  return ctx.Unsupported(
      absl::StrCat("a result of ", rank, " dimensions (at most ", kMaxRank, ")"));
}

// a * b, or nullopt when it overflows (both non-negative).
std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::string ShapeText(const ir::Shape& shape) { return ir::ShapeToString(shape); }

absl::Status Identity(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ctx.Set(0, ctx.Input(0));
  return absl::OkStatus();
}

// (N, product of the other dimensions).
absl::Status Flatten(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  const ir::Shape& in = ctx.InputShape(0);
  if (in.empty()) return ctx.Invalid("input has no dimensions");
  const ir::Shape rest(in.begin() + 1, in.end());
  ctx.Set(0, ctx.Reshape(ctx.Input(0), {in[0], ir::NumElements(rest)}));
  return absl::OkStatus();
}

// MXNet's reshape rules: 0 copies an input dimension, -1 is inferred, -2
// copies the rest, -3 merges two input dimensions, -4 splits one into the
// two values that follow (one may be -1). Positive values and -1 also step
// over an input dimension.
absl::StatusOr<ir::Shape> ReshapeTarget(const ConvertContext& ctx, const ir::Shape& in,
                                        std::vector<int64_t> spec, bool reverse) {
  ir::Shape src = in;
  if (reverse) {
    if (std::count(spec.begin(), spec.end(), -4) > 0) {
      return ctx.Unsupported("shape value -4 with reverse=True");
    }
    std::reverse(src.begin(), src.end());
    std::reverse(spec.begin(), spec.end());
  }
  ir::Shape out;
  size_t s = 0;
  int64_t infer = -1;
  auto missing = [&](int64_t value, size_t i) {
    return ctx.Invalid(absl::StrCat("shape value ", value, " at position ", i,
                                    " has no input dimension left (input ", ShapeText(in), ")"));
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t v = spec[i];
    if (v > 0) {
      out.push_back(v);
      ++s;
    } else if (v == 0) {
      if (s >= src.size()) return missing(v, i);
      out.push_back(src[s++]);
    } else if (v == -1) {
      if (infer >= 0) return ctx.Invalid("shape has more than one -1 to infer");
      infer = static_cast<int64_t>(out.size());
      out.push_back(1);
      ++s;
    } else if (v == -2) {
      if (s < src.size()) out.insert(out.end(), src.begin() + s, src.end());
      s = src.size();
    } else if (v == -3) {
      if (s + 2 > src.size()) return missing(v, i);
      std::optional<int64_t> merged = CheckedMul(src[s], src[s + 1]);
      if (!merged) return ctx.Invalid("-3 merges dimensions whose product overflows");
      out.push_back(*merged);
      s += 2;
    } else if (v == -4) {
      if (i + 2 >= spec.size()) return ctx.Invalid("shape value -4 needs two values after it");
      if (s >= src.size()) return missing(v, i);
      const int64_t d0 = src[s++];
      int64_t d1 = spec[++i];
      int64_t d2 = spec[++i];
      if (d1 < -1 || d2 < -1 || (d1 == -1 && d2 == -1)) {
        return ctx.Invalid(absl::StrCat("-4 splits dimension ", d0, " into ", d1, " and ", d2,
                                        "; want positive values, at most one -1"));
      }
      if (d1 == -1 && d2 > 0) d1 = d0 / d2;
      if (d2 == -1 && d1 > 0) d2 = d0 / d1;
      std::optional<int64_t> product = CheckedMul(d1, d2);
      if (d1 < 0 || d2 < 0 || !product || *product != d0) {
        return ctx.Invalid(
            absl::StrCat("-4 cannot split dimension ", d0, " into ", spec[i - 1], " x ", spec[i]));
      }
      out.push_back(d1);
      out.push_back(d2);
    } else {
      return ctx.Invalid(absl::StrCat("shape value ", v, " is neither a size nor -1 to -4"));
    }
    NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, out.size()));
  }
  const int64_t elements = ir::NumElements(in);
  if (infer >= 0) {
    const int64_t known = ir::NumElements(out);  // out[infer] is 1 for now
    if (known == 0 || elements % known != 0) {
      return ctx.Invalid(absl::StrCat("cannot infer the -1 in reshaping ", ShapeText(in)));
    }
    out[infer] = elements / known;
  }
  if (reverse) std::reverse(out.begin(), out.end());
  if (ir::NumElements(out) != elements) {
    return ctx.Invalid(absl::StrCat("cannot reshape ", ShapeText(in), " (", elements,
                                    " elements) to ", ShapeText(out)));
  }
  return out;
}

// The deprecated form: target_shape with one 0 to infer, keep_highest keeps
// the first dimension.
absl::StatusOr<ir::Shape> LegacyReshapeTarget(const ConvertContext& ctx, const ir::Shape& in,
                                              const std::vector<int64_t>& target) {
  NCC_MX_ASSIGN(keep_highest, ctx.Bool("keep_highest", false));
  ir::Shape out(target.begin(), target.end());
  if (keep_highest) {
    if (in.empty()) return ctx.Invalid("keep_highest with an input of no dimensions");
    out[0] = in[0];
  }
  int64_t infer = -1;
  for (size_t i = keep_highest ? 1 : 0; i < out.size(); ++i) {
    if (out[i] < 0) return ctx.Invalid(absl::StrCat("target_shape value ", out[i], " is negative"));
    if (out[i] != 0) continue;
    if (infer >= 0) return ctx.Invalid("target_shape has more than one 0 to infer");
    infer = static_cast<int64_t>(i);
  }
  const int64_t elements = ir::NumElements(in);
  if (infer >= 0) {
    out[infer] = 1;
    const int64_t known = ir::NumElements(out);
    if (known == 0 || elements % known != 0) {
      return ctx.Invalid(absl::StrCat("cannot infer the 0 in reshaping ", ShapeText(in)));
    }
    out[infer] = elements / known;
  }
  if (ir::NumElements(out) != elements) {
    return ctx.Invalid(absl::StrCat("cannot reshape ", ShapeText(in), " to ", ShapeText(out)));
  }
  return out;
}

absl::Status Reshape(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  const ir::Shape& in = ctx.InputShape(0);
  NCC_MX_ASSIGN(spec, ctx.Ints("shape", std::vector<int64_t>{}));
  NCC_MX_ASSIGN(target, ctx.Ints("target_shape", std::vector<int64_t>{}));
  NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, std::max(spec.size(), target.size())));
  ir::Shape out;
  if (!spec.empty()) {
    NCC_MX_ASSIGN(reverse, ctx.Bool("reverse", false));
    NCC_MX_ASSIGN(shape, ReshapeTarget(ctx, in, spec, reverse));
    out = shape;
  } else if (!target.empty()) {
    NCC_MX_ASSIGN(shape, LegacyReshapeTarget(ctx, in, target));
    out = shape;
  } else {
    return ctx.Invalid("has neither shape nor target_shape");
  }
  ctx.Set(0, ctx.Reshape(ctx.Input(0), out));
  return absl::OkStatus();
}

absl::Status Transpose(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(axes, ctx.Ints("axes", std::vector<int64_t>{}));
  const int64_t rank = ctx.Rank(0);
  std::vector<int64_t> perm;
  if (axes.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  } else {
    if (static_cast<int64_t>(axes.size()) != rank) {
      return ctx.Invalid(absl::StrCat("axes has ", axes.size(), " values for rank ", rank));
    }
    std::vector<bool> seen(rank, false);
    for (int64_t a : axes) {
      NCC_MX_ASSIGN(axis, NormalizeAxis(a, rank));
      if (seen[axis]) return ctx.Invalid("axes is not a permutation");
      seen[axis] = true;
      perm.push_back(axis);
    }
  }
  ctx.Set(0, ctx.Transpose(ctx.Input(0), perm));
  return absl::OkStatus();
}

absl::Status SwapAxis(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  const int64_t rank = ctx.Rank(0);
  NCC_MX_ASSIGN(dim1_in, ctx.Int("dim1", 0));
  NCC_MX_ASSIGN(dim2_in, ctx.Int("dim2", 0));
  NCC_MX_ASSIGN(dim1, NormalizeAxis(dim1_in, rank));
  NCC_MX_ASSIGN(dim2, NormalizeAxis(dim2_in, rank));
  std::vector<int64_t> perm(rank);
  for (int64_t i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[dim1], perm[dim2]);
  ctx.Set(0, ctx.Transpose(ctx.Input(0), perm));
  return absl::OkStatus();
}

absl::Status Concat(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(CheckNumArgs(ctx));
  NCC_MX_ASSIGN(dim, ctx.Int("dim", 1));
  const ir::Shape& first = ctx.InputShape(0);
  const int64_t rank = ctx.Rank(0);
  NCC_MX_ASSIGN(axis, NormalizeAxis(dim, rank));
  ir::Shape out = first;
  out[axis] = 0;
  std::vector<ir::Value*> parts;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    ir::Shape s = ctx.InputShape(i);
    bool same = static_cast<int64_t>(s.size()) == rank;
    for (int64_t d = 0; same && d < rank; ++d) same = d == axis || s[d] == first[d];
    if (!same) {
      return ctx.Invalid(absl::StrCat("input ", i, " is ", ShapeText(s), "; input 0 is ",
                                      ShapeText(first), " (joined on axis ", axis, ")"));
    }
    if (s[axis] > std::numeric_limits<int64_t>::max() - out[axis]) {
      return ctx.Invalid("the joined dimension overflows");
    }
    out[axis] += s[axis];
    parts.push_back(ctx.CastTo(ctx.Input(i), ctx.Input(0)->dtype));
  }
  if (parts.size() == 1) {
    ctx.Set(0, parts[0]);
    return absl::OkStatus();
  }
  ctx.Set(0, ctx.Emit("Concat", parts, out, parts[0]->dtype, {{"axis", axis}}));
  return absl::OkStatus();
}

absl::Status Stack(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(CheckNumArgs(ctx));
  const ir::Shape& shape = ctx.InputShape(0);
  NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, shape.size() + 1));
  NCC_MX_ASSIGN(axis_in, ctx.Int("axis", 0));
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_in, static_cast<int64_t>(shape.size()) + 1));
  ir::Shape one = shape;
  one.insert(one.begin() + axis, 1);
  std::vector<ir::Value*> parts;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.InputShape(i) != shape) {
      return ctx.Invalid(absl::StrCat("input ", i, " is ", ShapeText(ctx.InputShape(i)),
                                      "; input 0 is ", ShapeText(shape)));
    }
    parts.push_back(ctx.Reshape(ctx.CastTo(ctx.Input(i), ctx.Input(0)->dtype), one));
  }
  if (parts.size() == 1) {
    ctx.Set(0, parts[0]);
    return absl::OkStatus();
  }
  ir::Shape out = one;
  out[axis] = static_cast<int64_t>(parts.size());
  ctx.Set(0, ctx.Emit("Concat", parts, out, parts[0]->dtype, {{"axis", axis}}));
  return absl::OkStatus();
}

// SliceChannel / split: num_outputs equal parts along axis; squeeze_axis
// drops the axis when each part has size 1 there.
absl::Status SliceChannel(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(num, ctx.Int("num_outputs"));
  NCC_MX_ASSIGN(axis_in, ctx.Int("axis", 1));
  NCC_MX_ASSIGN(squeeze, ctx.Bool("squeeze_axis", false));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_in, ctx.Rank(0)));
  const int64_t d = x->shape[axis];
  if (num < 1 || num > kMaxOutputs) {
    return ctx.Invalid(absl::StrCat("num_outputs ", num, " is out of range"));
  }
  if (d % num != 0) {
    return ctx.Invalid(
        absl::StrCat("dimension ", axis, " (", d, ") does not split into ", num, " equal parts"));
  }
  if (squeeze && d != num) {
    return ctx.Invalid(absl::StrCat("squeeze_axis needs dimension ", axis, " (", d,
                                    ") to equal num_outputs (", num, ")"));
  }
  ir::Shape part = x->shape;
  part[axis] = d / num;
  std::vector<ir::Value*> parts =
      num == 1 ? std::vector<ir::Value*>{x}
               : ctx.EmitMulti("Split", {x, ctx.I64Constant(std::vector<int64_t>(num, d / num))},
                               std::vector<ir::Shape>(num, part), x->dtype, {{"axis", axis}});
  ir::Shape squeezed = part;
  squeezed.erase(squeezed.begin() + axis);
  for (int64_t k = 0; k < num; ++k)
    ctx.Set(k, squeeze ? ctx.Reshape(parts[k], squeezed) : parts[k]);
  return absl::OkStatus();
}

// One axis of an ONNX Slice.
struct AxisSlice {
  int64_t axis, start, end, step, size;
};

ir::Value* EmitSlice(ConvertContext& ctx, ir::Value* x, const std::vector<AxisSlice>& slices) {
  ir::Shape out = x->shape;
  std::vector<int64_t> starts, ends, axes, steps;
  for (const AxisSlice& s : slices) {
    const int64_t d = x->shape[s.axis];
    if (s.step == 1 && s.start == 0 && s.end == d) continue;
    starts.push_back(s.start);
    // A negative step ending before element 0: ONNX reads -1 from the back.
    ends.push_back(s.step < 0 && s.end == -1 ? -d - 1 : s.end);
    axes.push_back(s.axis);
    steps.push_back(s.step);
    out[s.axis] = s.size;
  }
  if (axes.empty()) return x;
  return ctx.Emit("Slice",
                  {x, ctx.I64Constant(starts), ctx.I64Constant(ends), ctx.I64Constant(axes),
                   ctx.I64Constant(steps)},
                  out, x->dtype);
}

// slice / crop: begin, end and step per leading axis, None for the default
// end in the step's direction; negative indices count from the end. MXNet
// refuses indices outside the dimension and empty results, and so do we.
absl::Status Slice(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(begin, ctx.OptionalInts("begin"));
  NCC_MX_ASSIGN(end, ctx.OptionalInts("end"));
  std::vector<std::optional<int64_t>> step;
  if (ctx.Has("step")) {
    NCC_MX_ASSIGN(s, ctx.OptionalInts("step"));
    step = s;
  }
  const size_t rank = x->shape.size();
  if (begin.size() != end.size() || begin.size() > rank ||
      (!step.empty() && step.size() != begin.size())) {
    return ctx.Invalid(absl::StrCat("begin, end and step have ", begin.size(), ", ", end.size(),
                                    " and ", step.size(), " values for an input of rank ", rank));
  }
  std::vector<AxisSlice> slices;
  for (size_t i = 0; i < begin.size(); ++i) {
    const int64_t d = x->shape[i];
    const int64_t s = !step.empty() && step[i] ? *step[i] : 1;
    if (s == 0 || s == std::numeric_limits<int64_t>::min()) {
      return ctx.Invalid(absl::StrCat("step[", i, "] is ", s));
    }
    if (d == 0) continue;
    int64_t b = begin[i] ? *begin[i] : (s < 0 ? d - 1 : 0);
    int64_t e = end[i] ? *end[i] : (s < 0 ? -1 : d);
    if (b < 0) b += d;
    if (end[i] && e < 0) e += d;
    if (b < 0 || b >= d || e < (s < 0 ? -1 : 0) || e > d) {
      return ctx.Invalid(absl::StrCat("slice [", begin[i] ? absl::StrCat(*begin[i]) : "None", ", ",
                                      end[i] ? absl::StrCat(*end[i]) : "None",
                                      ") is out of range for dimension ", i, " of size ", d));
    }
    if (s > 0 ? b >= e : e >= b) {
      return ctx.Invalid(absl::StrCat("slice of dimension ", i, " from ", b, " to ", e,
                                      " with step ", s, " is empty"));
    }
    const int64_t size = s > 0 ? (e - b - 1) / s + 1 : (b - e - 1) / -s + 1;
    slices.push_back({static_cast<int64_t>(i), b, e, s, size});
  }
  ctx.Set(0, EmitSlice(ctx, x, slices));
  return absl::OkStatus();
}

absl::Status SliceAxis(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(axis_in, ctx.Int("axis"));
  NCC_MX_ASSIGN(begin, ctx.Int("begin"));
  NCC_MX_ASSIGN(end_in, ctx.OptionalInt("end"));
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_in, ctx.Rank(0)));
  const int64_t d = x->shape[axis];
  int64_t b = begin < 0 ? begin + d : begin;
  int64_t e = !end_in ? d : *end_in < 0 ? *end_in + d : *end_in;
  if (d > 0 && !(0 <= b && b < e && e <= d)) {
    return ctx.Invalid(absl::StrCat("slice [", begin, ", ", end_in ? absl::StrCat(*end_in) : "None",
                                    ") of axis ", axis, " (size ", d,
                                    ") is out of range or empty"));
  }
  if (d == 0) {
    ctx.Set(0, x);
    return absl::OkStatus();
  }
  ctx.Set(0, EmitSlice(ctx, x, {{axis, b, e, 1, e - b}}));
  return absl::OkStatus();
}

// slice_like: the leading part of data with shape_like's sizes on `axes`
// (every axis when empty).
absl::Status SliceLike(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  ir::Value* x = ctx.Input(0);
  const ir::Shape& like = ctx.InputShape(1);
  NCC_MX_ASSIGN(axes_in, ctx.Ints("axes", std::vector<int64_t>{}));
  const int64_t rank = ctx.Rank(0);
  std::vector<int64_t> axes;
  if (axes_in.empty()) {
    if (like.size() != x->shape.size()) {
      return ctx.Invalid(absl::StrCat("data ", ShapeText(x->shape), " and shape_like ",
                                      ShapeText(like), " differ in rank"));
    }
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t a : axes_in) {
    NCC_MX_ASSIGN(axis, NormalizeAxis(a, rank));
    if (axis >= static_cast<int64_t>(like.size())) {
      return ctx.Invalid(
          absl::StrCat("axis ", a, " is out of range for shape_like ", ShapeText(like)));
    }
    axes.push_back(axis);
  }
  std::vector<AxisSlice> slices;
  std::vector<bool> seen(rank, false);
  for (int64_t axis : axes) {
    if (seen[axis]) continue;
    seen[axis] = true;
    if (like[axis] > x->shape[axis]) {
      return ctx.Invalid(absl::StrCat("shape_like ", ShapeText(like), " is larger than data ",
                                      ShapeText(x->shape), " on axis ", axis));
    }
    slices.push_back({axis, 0, like[axis], 1, like[axis]});
  }
  ctx.Set(0, EmitSlice(ctx, x, slices));
  return absl::OkStatus();
}

absl::Status ExpandDims(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, x->shape.size() + 1));
  NCC_MX_ASSIGN(axis_in, ctx.Int("axis"));
  NCC_MX_ASSIGN(axis, NormalizeAxis(axis_in, ctx.Rank(0) + 1));
  ir::Shape out = x->shape;
  out.insert(out.begin() + axis, 1);
  ctx.Set(0, ctx.Reshape(x, out));
  return absl::OkStatus();
}

// squeeze: axis None drops every unit dimension; dropping all leaves (1,).
absl::Status Squeeze(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  const int64_t rank = ctx.Rank(0);
  std::vector<std::optional<int64_t>> listed;
  if (ctx.Has("axis")) {
    NCC_MX_ASSIGN(axis, ctx.OptionalInts("axis"));
    listed = axis;
    if (listed.size() == 1 && !listed[0]) listed.clear();
  }
  std::vector<bool> drop(rank, false);
  for (int64_t i = 0; listed.empty() && i < rank; ++i) drop[i] = x->shape[i] == 1;
  for (const auto& a : listed) {
    if (!a) return ctx.Invalid("axis mixes None with integers");
    NCC_MX_ASSIGN(axis, NormalizeAxis(*a, rank));
    if (x->shape[axis] != 1) {
      return ctx.Invalid(absl::StrCat("cannot squeeze axis ", *a, " of ", ShapeText(x->shape),
                                      ": its size is not 1"));
    }
    drop[axis] = true;
  }
  ir::Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!drop[i]) out.push_back(x->shape[i]);
  }
  if (out.empty()) out = {1};
  ctx.Set(0, ctx.Reshape(x, out));
  return absl::OkStatus();
}

absl::StatusOr<ir::DType> DTypeAttr(const ConvertContext& ctx) {
  NCC_MX_ASSIGN(name, ctx.String("dtype"));
  std::optional<ir::DType> dtype = DTypeFromName(name);
  if (!dtype) return ctx.Unsupported(absl::StrCat("dtype ", name));
  return *dtype;
}

absl::Status Cast(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(dtype, DTypeAttr(ctx));
  ctx.Set(0, ctx.CastTo(ctx.Input(0), dtype));
  return absl::OkStatus();
}

// amp_cast casts between floating-point types and passes others through.
absl::Status AmpCast(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(dtype, DTypeAttr(ctx));
  ir::Value* x = ctx.Input(0);
  const bool floats = ir::IsFloat(x->dtype) && ir::IsFloat(dtype);
  ctx.Set(0, floats ? ctx.CastTo(x, dtype) : x);
  return absl::OkStatus();
}

absl::Status Fill(ConvertContext& ctx, double value) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ctx.Emit("Expand", {ctx.ScalarConstant(value, x->dtype), ctx.I64Constant(x->shape)},
                      x->shape, x->dtype));
  return absl::OkStatus();
}

absl::Status ZerosLike(ConvertContext& ctx) { return Fill(ctx, 0); }
absl::Status OnesLike(ConvertContext& ctx) { return Fill(ctx, 1); }

ir::Value* Expand(ConvertContext& ctx, ir::Value* x, const ir::Shape& out) {
  if (out == x->shape) return x;
  return ctx.Emit("Expand", {x, ctx.I64Constant(out)}, out, x->dtype);
}

// Broadcasting x's unit dimensions to `out` (one rank, as MXNet requires).
absl::Status CheckBroadcastable(const ConvertContext& ctx, const ir::Shape& in,
                                const ir::Shape& out) {
  bool ok = in.size() == out.size();
  for (size_t i = 0; ok && i < in.size(); ++i) ok = in[i] == out[i] || in[i] == 1;
  if (ok) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("cannot broadcast ", ShapeText(in), " to ", ShapeText(out)));
}

absl::Status BroadcastTo(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(shape, ctx.Ints("shape"));
  if (shape.size() != x->shape.size()) {
    return ctx.Invalid(
        absl::StrCat("shape has ", shape.size(), " values for the input ", ShapeText(x->shape)));
  }
  ir::Shape out = x->shape;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return ctx.Invalid(absl::StrCat("shape value ", shape[i], " is negative"));
    if (shape[i] != 0) out[i] = shape[i];  // 0 keeps the input's size
  }
  NCC_MX_RETURN_IF_ERROR(CheckBroadcastable(ctx, x->shape, out));
  ctx.Set(0, Expand(ctx, x, out));
  return absl::OkStatus();
}

absl::Status BroadcastLike(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  ir::Value* x = ctx.Input(0);
  const ir::Shape& like = ctx.InputShape(1);
  auto axes_of = [&](absl::string_view name) -> absl::StatusOr<std::vector<int64_t>> {
    std::vector<int64_t> axes;
    if (!ctx.Has(name)) return axes;
    NCC_MX_ASSIGN(listed, ctx.OptionalInts(name));
    if (listed.size() == 1 && !listed[0]) return axes;  // None
    for (const auto& a : listed) {
      if (!a) return ctx.Invalid(absl::StrCat(name, " mixes None with integers"));
      axes.push_back(*a);
    }
    return axes;
  };
  NCC_MX_ASSIGN(lhs_axes, axes_of("lhs_axes"));
  NCC_MX_ASSIGN(rhs_axes, axes_of("rhs_axes"));
  if (lhs_axes.size() != rhs_axes.size()) {
    return ctx.Invalid("lhs_axes and rhs_axes differ in length");
  }
  ir::Shape out = like;
  if (!lhs_axes.empty()) {
    out = x->shape;
    for (size_t i = 0; i < lhs_axes.size(); ++i) {
      NCC_MX_ASSIGN(to, NormalizeAxis(lhs_axes[i], ctx.Rank(0)));
      NCC_MX_ASSIGN(from, NormalizeAxis(rhs_axes[i], ctx.Rank(1)));
      out[to] = like[from];
    }
  }
  NCC_MX_RETURN_IF_ERROR(CheckBroadcastable(ctx, x->shape, out));
  ctx.Set(0, Expand(ctx, x, out));
  return absl::OkStatus();
}

// tile: reps is padded with leading 1s to the input's rank, or the input
// with leading unit dimensions to reps' length.
absl::Status Tile(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(reps, ctx.Ints("reps"));
  NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, reps.size()));
  const size_t rank = std::max(reps.size(), x->shape.size());
  ir::Shape in(rank - x->shape.size(), 1);
  in.insert(in.end(), x->shape.begin(), x->shape.end());
  reps.insert(reps.begin(), rank - reps.size(), 1);
  ir::Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    std::optional<int64_t> d = reps[i] < 0 ? std::nullopt : CheckedMul(in[i], reps[i]);
    if (!d) return ctx.Invalid(absl::StrCat("reps value ", reps[i], " is out of range"));
    out[i] = *d;
  }
  ir::Value* y = ctx.Reshape(x, in);
  if (out != in) y = ctx.Emit("Tile", {y, ctx.I64Constant(reps)}, out, x->dtype);
  ctx.Set(0, y);
  return absl::OkStatus();
}

// repeat: each element `repeats` times along axis (of the flattened input
// when axis is None).
absl::Status Repeat(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(repeats, ctx.Int("repeats"));
  NCC_MX_ASSIGN(axis_in, ctx.OptionalInt("axis"));
  if (repeats < 1) return ctx.Unsupported(absl::StrCat("repeats ", repeats, " (want 1 or more)"));
  NCC_MX_RETURN_IF_ERROR(CheckRank(ctx, x->shape.size() + 1));
  int64_t axis = 0;
  ir::Value* v = x;
  if (!axis_in) {
    v = ctx.Reshape(x, {x->num_elements()});
  } else {
    NCC_MX_ASSIGN(a, NormalizeAxis(*axis_in, ctx.Rank(0)));
    axis = a;
  }
  const ir::Shape& in = v->shape;
  std::optional<int64_t> size = CheckedMul(in[axis], repeats);
  if (!size) return ctx.Invalid(absl::StrCat("repeats ", repeats, " is out of range"));
  ir::Shape unit = in;
  unit.insert(unit.begin() + axis + 1, 1);
  ir::Shape expanded = unit;
  expanded[axis + 1] = repeats;
  ir::Shape out = in;
  out[axis] = *size;
  ctx.Set(0, ctx.Reshape(Expand(ctx, ctx.Reshape(v, unit), expanded), out));
  return absl::OkStatus();
}

absl::Status Reverse(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  NCC_MX_ASSIGN(axes, ctx.Ints("axis"));
  const int64_t rank = ctx.Rank(0);
  std::vector<bool> seen(rank, false);
  std::vector<AxisSlice> slices;
  for (int64_t a : axes) {
    NCC_MX_ASSIGN(axis, NormalizeAxis(a, rank));
    if (seen[axis]) return ctx.Invalid(absl::StrCat("axis ", a, " is listed twice"));
    seen[axis] = true;
    const int64_t d = x->shape[axis];
    if (d > 1) slices.push_back({axis, d - 1, -1, -1, d});
  }
  ctx.Set(0, EmitSlice(ctx, x, slices));
  return absl::OkStatus();
}

constexpr char kReshapeLimits[] = "shape value -4 only with reverse=False";

}  // namespace

absl::Span<const MxnetOpSupport> TensorOps() {
  static const MxnetOpSupport kOps[] = {
      {"Flatten", Flatten, ""},
      {"flatten", Flatten, ""},
      {"Reshape", Reshape, kReshapeLimits},
      {"reshape", Reshape, kReshapeLimits},
      {"transpose", Transpose, ""},
      {"SwapAxis", SwapAxis, ""},
      {"swapaxes", SwapAxis, ""},
      {"Concat", Concat, ""},
      {"concat", Concat, ""},
      {"stack", Stack, ""},
      {"SliceChannel", SliceChannel, ""},
      {"split", SliceChannel, ""},
      {"slice", Slice, ""},
      {"crop", Slice, ""},
      {"slice_axis", SliceAxis, ""},
      {"slice_like", SliceLike, ""},
      {"expand_dims", ExpandDims, ""},
      {"squeeze", Squeeze, ""},
      {"Cast", Cast, "dtypes the engines hold (float64 is computed as float32)"},
      {"cast", Cast, "dtypes the engines hold (float64 is computed as float32)"},
      {"amp_cast", AmpCast, ""},
      {"_copy", Identity, ""},
      {"identity", Identity, ""},
      {"BlockGrad", Identity, ""},
      {"stop_gradient", Identity, ""},
      {"MakeLoss", Identity, "the identity at inference (grad_scale and normalization ignored)"},
      {"make_loss", Identity, "the identity at inference"},
      {"zeros_like", ZerosLike, ""},
      {"ones_like", OnesLike, ""},
      {"broadcast_to", BroadcastTo, ""},
      {"broadcast_like", BroadcastLike, ""},
      {"tile", Tile, ""},
      {"repeat", Repeat, "repeats 1 or more"},
      {"reverse", Reverse, ""},
      {"flip", Reverse, ""},
  };
  return kOps;
}

}  // namespace ncc::mxnet_frontend
