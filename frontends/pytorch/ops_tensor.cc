// Shape, layout, indexing, joining and type-conversion ops.
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

// view, reshape, flatten, squeeze, unsqueeze, unflatten, ...: a Reshape to
// torch's output shape (which has every -1 resolved).
absl::Status ReshapeLike(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  return ctx.Set(0, ctx.Emit("Reshape", {x, ctx.I64Constant(ctx.OutShape())}, ctx.OutShape(),
                             x->dtype));
}

// contiguous, clone, detach, ...: the same values.
absl::Status IdentityLike(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  // Returned as is by torch (e.g. contiguous of a contiguous tensor): the
  // same IR value.
  if (ctx.output(0).isTensor() &&
      ctx.output(0).toTensor().unsafeGetTensorImpl() ==
          ctx.input(0).toTensor().unsafeGetTensorImpl()) {
    return absl::OkStatus();
  }
  return ctx.Set(0, ctx.Emit("Identity", {x}, ctx.OutShape(), x->dtype));
}

absl::Status Permute(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dims, ctx.Ints(1));
  std::vector<int64_t> perm;
  for (int64_t d : dims) {
    NCC_PT_ASSIGN(n, NormalizeDim(d, Rank(x)));
    perm.push_back(n);
  }
  return ctx.Set(0, ctx.Emit("Transpose", {x}, ctx.OutShape(), x->dtype, {{"perm", perm}}));
}

absl::Status Transpose(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const int64_t rank = Rank(x);
  if (rank < 2) return IdentityLike(ctx);
  int64_t d0 = rank - 2, d1 = rank - 1;  // aten::t
  if (ctx.num_inputs() > 2) {
    NCC_PT_ASSIGN(a, ctx.Int(1));
    NCC_PT_ASSIGN(b, ctx.Int(2));
    NCC_PT_ASSIGN(na, NormalizeDim(a, rank));
    NCC_PT_ASSIGN(nb, NormalizeDim(b, rank));
    d0 = na;
    d1 = nb;
  }
  std::vector<int64_t> perm(rank);
  for (int64_t i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[d0], perm[d1]);
  if (d0 == d1) return IdentityLike(ctx);
  return ctx.Set(0, ctx.Emit("Transpose", {x}, ctx.OutShape(), x->dtype, {{"perm", perm}}));
}

// cat(tensors, dim)
absl::Status Cat(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(parts, ctx.TensorList(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  const int64_t rank = static_cast<int64_t>(ctx.OutShape().size());
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, rank));
  std::vector<ir::Value*> inputs;
  for (ir::Value* p : parts) {
    // torch.cat skips empty 1-D tensors.
    if (p->shape.size() == 1 && p->shape[0] == 0 && rank != 1) continue;
    inputs.push_back(ctx.CastTo(p, dtype));
  }
  return ctx.Set(0, ctx.Emit("Concat", inputs, ctx.OutShape(), dtype, {{"axis", axis}}));
}

// stack(tensors, dim): unsqueeze each at dim, then concatenate.
absl::Status Stack(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(parts, ctx.TensorList(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  const ir::Shape out = ctx.OutShape();
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, static_cast<int64_t>(out.size())));
  std::vector<ir::Value*> inputs;
  for (ir::Value* p : parts) {
    ir::Shape s = p->shape;
    s.insert(s.begin() + axis, 1);
    inputs.push_back(ctx.ReshapeTo(ctx.CastTo(p, dtype), s));
  }
  return ctx.Set(0, ctx.Emit("Concat", inputs, out, dtype, {{"axis", axis}}));
}

// The outputs of split-like ops: the list output's tensors.
std::vector<at::Tensor> ListOutput(const ConvertContext& ctx) {
  if (ctx.output(0).isTensorList()) return ctx.output(0).toTensorVector();
  std::vector<at::Tensor> out;
  for (size_t k = 0; k < ctx.node().outputs().size(); ++k) out.push_back(ctx.output(k).toTensor());
  return out;
}

// split / split_with_sizes / chunk / unbind / tensor_split: one ONNX Split
// along `dim` with the sizes torch produced.
absl::Status SplitAlong(ConvertContext& ctx, int64_t dim, bool squeeze) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  std::vector<at::Tensor> outs = ListOutput(ctx);
  std::vector<int64_t> sizes;
  std::vector<ir::Shape> shapes;
  std::vector<ir::DType> dtypes;
  for (const at::Tensor& t : outs) {
    ir::Shape s = x->shape;
    s[axis] = squeeze ? 1 : t.size(axis);
    sizes.push_back(s[axis]);
    shapes.push_back(s);
    dtypes.push_back(x->dtype);
  }
  std::vector<ir::Value*> parts = ctx.EmitMulti("Split", {x, ctx.I64Constant(sizes)}, shapes,
                                                dtypes, {{"axis", axis}});
  for (size_t j = 0; j < outs.size(); ++j) {
    ir::Shape want(outs[j].sizes().begin(), outs[j].sizes().end());
    NCC_PT_RETURN_IF_ERROR(ctx.SetTensor(outs[j], ctx.ReshapeTo(parts[j], want)));
  }
  return absl::OkStatus();
}

absl::Status Split(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dim, ctx.Int(2));
  return SplitAlong(ctx, dim, false);
}
absl::Status Unbind(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  return SplitAlong(ctx, dim, true);
}

// select(self, dim, index): a Gather with a scalar index drops the dim.
absl::Status Select(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(index, ctx.Int(2));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  if (index < 0) index += x->shape[axis];
  return ctx.Set(0, ctx.Emit("Gather", {x, ctx.I64Constant({index}, true)}, ctx.OutShape(),
                             x->dtype, {{"axis", axis}}));
}

// slice(self, dim, start, end, step)
absl::Status Slice(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  const int64_t size = x->shape[axis];
  int64_t start = 0, end = size, step = 1;
  if (!ctx.IsNone(2)) {
    NCC_PT_ASSIGN(s, ctx.Int(2));
    start = s;
  }
  if (!ctx.IsNone(3)) {
    NCC_PT_ASSIGN(e, ctx.Int(3));
    end = e;
  }
  NCC_PT_ASSIGN(st, ctx.Int(4));
  step = st;
  if (step <= 0) return absl::InvalidArgumentError("slice step must be positive");
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, 0, size);
  if (start == 0 && end == size && step == 1) return IdentityLike(ctx);
  return ctx.Set(0, ctx.Emit("Slice",
                             {x, ctx.I64Constant({start}), ctx.I64Constant({end}),
                              ctx.I64Constant({axis}), ctx.I64Constant({step})},
                             ctx.OutShape(), x->dtype));
}

// narrow(self, dim, start, length)
absl::Status Narrow(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(start, ctx.Int(2));
  NCC_PT_ASSIGN(length, ctx.Int(3));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  if (start < 0) start += x->shape[axis];
  return ctx.Set(0, ctx.Emit("Slice",
                             {x, ctx.I64Constant({start}), ctx.I64Constant({start + length}),
                              ctx.I64Constant({axis}), ctx.I64Constant({1})},
                             ctx.OutShape(), x->dtype));
}

// expand(self, size, implicit), expand_as(self, other), broadcast_to
absl::Status Expand(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  if (x->shape == ctx.OutShape()) return IdentityLike(ctx);
  return ctx.Set(0, ctx.Emit("Expand", {x, ctx.I64Constant(ctx.OutShape())}, ctx.OutShape(),
                             x->dtype));
}

// repeat(self, repeats)
absl::Status Repeat(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(repeats, ctx.Ints(1));
  ir::Shape padded = x->shape;
  while (padded.size() < repeats.size()) padded.insert(padded.begin(), 1);
  x = ctx.ReshapeTo(x, padded);
  return ctx.Set(0, ctx.Emit("Tile", {x, ctx.I64Constant(repeats)}, ctx.OutShape(), x->dtype));
}

// to / type_as / float / int / long / ...: a Cast to torch's output dtype.
absl::Status ToDType(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  if (x->dtype == dtype) return IdentityLike(ctx);
  return ctx.Set(0, ctx.CastTo(x, dtype));
}

// zeros_like / ones_like / full_like / new_zeros ...: only the shape of a
// runtime tensor matters, so the result is a constant.
absl::Status ConstantResult(ConvertContext& ctx) {
  return ctx.Set(0, ctx.Constant(ctx.output(0).toTensor()));
}

// index_select(self, dim, index)
absl::Status IndexSelect(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(index, ctx.Tensor(2));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  return ctx.Set(0, ctx.Emit("Gather", {x, index}, ctx.OutShape(), x->dtype, {{"axis", axis}}));
}

// gather(self, dim, index, sparse_grad)
absl::Status GatherElements(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(index, ctx.Tensor(2));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  return ctx.Set(0, ctx.Emit("GatherElements", {x, index}, ctx.OutShape(), x->dtype,
                             {{"axis", axis}}));
}

// index(self, indices): one index tensor (the others None) is a Gather
// along its dim; the index must be a known-at-compile-time or runtime
// integer tensor, not a bool mask (whose result shape depends on data).
absl::Status Index(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  const c10::IValue& list = ctx.input(1);
  if (!list.isList()) return ctx.Unsupported("indices are not a list");
  int64_t axis = -1;
  at::Tensor index;
  int64_t i = 0;
  for (const c10::IValue& v : list.toListRef()) {
    if (!v.isNone()) {
      if (axis >= 0) return ctx.Unsupported("more than one index tensor");
      axis = i;
      index = v.toTensor();
    }
    ++i;
  }
  if (axis < 0) return IdentityLike(ctx);
  if (index.scalar_type() == at::kBool || index.scalar_type() == at::kByte) {
    return ctx.Unsupported("boolean mask indexing (the result's shape depends on data)");
  }
  NCC_PT_ASSIGN(idx, ctx.TensorValue(index));
  if (index.dim() > 1 && axis != Rank(x) - 1 && axis != 0) {
    return ctx.Unsupported("a multi-dimensional index in the middle");
  }
  return ctx.Set(0, ctx.Emit("Gather", {x, idx}, ctx.OutShape(), x->dtype, {{"axis", axis}}));
}

// constant_pad_nd(self, pad, value) and pad(self, pad, mode='constant', value)
absl::Status Pad(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(pad, ctx.Ints(1));
  std::string mode = "constant";
  double value = 0.0;
  if (ctx.node().kind().toQualString() == std::string("aten::pad")) {
    mode = ctx.input(2).toStringRef();
    if (ctx.num_inputs() > 3 && !ctx.IsNone(3)) {
      NCC_PT_ASSIGN(v, ctx.Double(3));
      value = v;
    }
  } else if (ctx.num_inputs() > 2) {
    NCC_PT_ASSIGN(v, ctx.Double(2));
    value = v;
  }
  if (mode == "replicate") mode = "edge";
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return ctx.Unsupported(absl::StrCat("mode='", mode, "'"));
  }
  // torch: (last_begin, last_end, prev_begin, prev_end, ...); ONNX: all
  // begins then all ends, first dim first.
  const int64_t rank = Rank(x);
  std::vector<int64_t> pads(2 * rank, 0);
  for (size_t j = 0; j + 1 < pad.size() + 1 && j / 2 < static_cast<size_t>(rank); j += 2) {
    const int64_t d = rank - 1 - static_cast<int64_t>(j / 2);
    pads[d] = pad[j];
    pads[rank + d] = pad[j + 1];
  }
  return ctx.Set(0, ctx.Emit("Pad", {x, ctx.I64Constant(pads), ctx.ScalarConstant(value, x->dtype)},
                             ctx.OutShape(), x->dtype, {{"mode", mode}}));
}

constexpr TorchOpSupport kOps[] = {
    {"aten::broadcast_to", Expand, ""},
    {"aten::cat", Cat, ""},
    {"aten::chunk", Split, ""},
    {"aten::clone", IdentityLike, ""},
    {"aten::concat", Cat, ""},
    {"aten::constant_pad_nd", Pad, ""},
    {"aten::contiguous", IdentityLike, ""},
    {"aten::detach", IdentityLike, ""},
    {"aten::expand", Expand, ""},
    {"aten::expand_as", Expand, ""},
    {"aten::flatten", ReshapeLike, ""},
    {"aten::float", ToDType, ""},
    {"aten::full_like", ConstantResult, "a constant of the input's shape"},
    {"aten::gather", GatherElements, ""},
    {"aten::index", Index, "one integer index tensor; no boolean masks"},
    {"aten::index_select", IndexSelect, ""},
    {"aten::narrow", Narrow, ""},
    {"aten::new_full", ConstantResult, ""},
    {"aten::new_ones", ConstantResult, ""},
    {"aten::new_zeros", ConstantResult, ""},
    {"aten::ones_like", ConstantResult, "a constant of the input's shape"},
    {"aten::pad", Pad, "mode constant, reflect or replicate"},
    {"aten::permute", Permute, ""},
    {"aten::repeat", Repeat, ""},
    {"aten::reshape", ReshapeLike, ""},
    {"aten::select", Select, "static index"},
    {"aten::slice", Slice, "static start, end and positive step"},
    {"aten::split", Split, ""},
    {"aten::split_with_sizes", Split, ""},
    {"aten::squeeze", ReshapeLike, ""},
    {"aten::stack", Stack, ""},
    {"aten::t", Transpose, ""},
    {"aten::to", ToDType, "dtype changes; devices are ignored"},
    {"aten::transpose", Transpose, ""},
    {"aten::type_as", ToDType, ""},
    {"aten::unbind", Unbind, ""},
    {"aten::unflatten", ReshapeLike, ""},
    {"aten::unsqueeze", ReshapeLike, ""},
    {"aten::view", ReshapeLike, ""},
    {"aten::view_as", ReshapeLike, ""},
    {"aten::zeros_like", ConstantResult, "a constant of the input's shape"},
};

}  // namespace

absl::Span<const TorchOpSupport> TensorOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
