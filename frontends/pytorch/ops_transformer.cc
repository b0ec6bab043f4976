// Fused transformer ops a trace records in eval mode, decomposed.
//
// Under torch.no_grad() in eval mode, nn.TransformerEncoderLayer (batch_first,
// even head count, no src_mask) records one aten::_transformer_encoder_layer_fwd
// per layer and nn.MultiheadAttention (batch_first, self-attention) records
// aten::_native_multi_head_attention. Neither exists in ONNX; both become the
// IR ops an exporter would write for the module's Python code: MatMul + Add
// projections, Reshape/Transpose into heads, MatMul, Softmax, LayerNormalization,
// Gelu/Relu and the residual Adds. The passes then fuse them exactly as they
// fuse an exported BERT (fuse-bias, fuse-residual-norm, fuse-activation).
// Semantics follow torch 1.13's native kernels (aten/src/ATen/native/
// transformers): q/k/v must have equal shapes, a mask is boolean (a float mask
// is converted: non-zero masks), a 2-D mask is a key-padding mask [B, S] and a
// 4-D mask broadcasts over [B, H, T, S].
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

// A weight the decomposition folds at compile time (transposes, per-head
// splits and the 1/sqrt(head_dim) scale).
absl::StatusOr<at::Tensor> ConstantWeight(const ConvertContext& ctx, size_t i, const char* what) {
  if (!ctx.IsTensor(i)) return ctx.Unsupported(absl::StrCat(what, " is not a tensor"));
  if (ctx.IsRuntimeTensor(i)) {
    return ctx.Unsupported(
        absl::StrCat(what, " is computed at run time (only constant weights are supported)"));
  }
  const at::Tensor& t = ctx.ConstantTensor(i);
  if (t.scalar_type() != at::kFloat) {
    return ctx.Unsupported(
        absl::StrCat(what, " is ", c10::toString(t.scalar_type()), " (float32 only)"));
  }
  return t.contiguous();
}

// torch's kernels check most of these shapes too; checked again so that the
// decomposition never splits or indexes a malformed weight.
absl::Status CheckShape(const at::Tensor& t, const std::vector<int64_t>& want, const char* what) {
  if (!t.defined() || t.sizes().vec() == want) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " has shape [",
                                                 absl::StrJoin(t.sizes(), ","), "], expected [",
                                                 absl::StrJoin(want, ","), "]"));
}

// x[..., in] @ w[out, in]^T + b[out]: MatMul + Add, which fuse-bias turns
// into one Gemm.
ir::Value* Project(ConvertContext& ctx, ir::Value* x, const at::Tensor& w, const at::Tensor& b) {
  ir::Shape shape = x->shape;
  shape.back() = w.size(0);
  ir::Value* y = ctx.Emit("MatMul", {x, ctx.Constant(w.t().contiguous())}, shape, x->dtype);
  if (b.defined()) y = ctx.Emit("Add", {y, ctx.Constant(b)}, shape, x->dtype);
  return y;
}

ir::Value* Transpose(ConvertContext& ctx, ir::Value* x, const std::vector<int64_t>& perm) {
  ir::Shape shape;
  for (int64_t p : perm) shape.push_back(x->shape[p]);
  return ctx.Emit("Transpose", {x}, shape, x->dtype, {{"perm", perm}});
}

ir::Value* LayerNorm(ConvertContext& ctx, ir::Value* x, const at::Tensor& w, const at::Tensor& b,
                     double eps) {
  return ctx.Emit("LayerNormalization", {x, ctx.Constant(w), ctx.Constant(b)}, x->shape, x->dtype,
                  {{"axis", int64_t{-1}}, {"epsilon", static_cast<float>(eps)}});
}

struct AttentionOutputs {
  ir::Value* out = nullptr;    // [B, T, E]
  ir::Value* probs = nullptr;  // [B, H, T, S]
};

// torch's native multi-head attention on batch-major [B, T, E] inputs:
// softmax(q k^T / sqrt(d) masked) v, heads merged, output projection.
// `mask` is null, or a bool tensor broadcastable to [B, H, T, S] (true:
// the position is not attended).
AttentionOutputs Attention(ConvertContext& ctx, ir::Value* query, ir::Value* key, ir::Value* value,
                           int64_t heads, const at::Tensor& qkv_weight, const at::Tensor& qkv_bias,
                           const at::Tensor& proj_weight, const at::Tensor& proj_bias,
                           ir::Value* mask) {
  const int64_t b = query->shape[0], t = query->shape[1], e = query->shape[2];
  const int64_t s = key->shape[1], d = e / heads;
  const ir::DType dtype = query->dtype;
  // torch scales q (bias included) by 1/sqrt(d); folded into q's weights.
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<at::Tensor> w = qkv_weight.chunk(3, 0);
  std::vector<at::Tensor> bias =
      qkv_bias.defined() ? qkv_bias.chunk(3, 0) : std::vector<at::Tensor>(3);
  at::Tensor wq = w[0] * scale;
  at::Tensor bq = bias[0].defined() ? bias[0] * scale : at::Tensor();
  ir::Value* q = Project(ctx, query, wq, bq);
  ir::Value* k = Project(ctx, key, w[1], bias[1]);
  ir::Value* v = Project(ctx, value, w[2], bias[2]);
  // Heads: q [B, H, T, d], k^T [B, H, d, S], v [B, H, S, d].
  q = Transpose(ctx, ctx.ReshapeTo(q, {b, t, heads, d}), {0, 2, 1, 3});
  k = Transpose(ctx, ctx.ReshapeTo(k, {b, s, heads, d}), {0, 2, 3, 1});
  v = Transpose(ctx, ctx.ReshapeTo(v, {b, s, heads, d}), {0, 2, 1, 3});
  ir::Value* scores = ctx.Emit("MatMul", {q, k}, {b, heads, t, s}, dtype);
  if (mask != nullptr) {
    ir::Value* neg_inf = ctx.ScalarConstant(-std::numeric_limits<double>::infinity(), dtype);
    scores = ctx.Emit("Where", {mask, neg_inf, scores}, scores->shape, dtype);
  }
  ir::Value* probs = ctx.Emit("Softmax", {scores}, scores->shape, dtype, {{"axis", int64_t{3}}});
  ir::Value* attended = ctx.Emit("MatMul", {probs, v}, {b, heads, t, d}, dtype);
  attended = ctx.ReshapeTo(Transpose(ctx, attended, {0, 2, 1, 3}), {b, t, e});
  return {Project(ctx, attended, proj_weight, proj_bias), probs};
}

// The native kernels' mask, as a bool IR value broadcastable to [B, H, T, S]:
// a 2-D key-padding mask [B, S] becomes [B, 1, 1, S]; a 4-D mask is used as
// is. A float mask is converted to bool (non-zero masks), as torch does.
absl::StatusOr<ir::Value*> AttentionMask(ConvertContext& ctx, size_t i, int64_t batch,
                                         int64_t key_len) {
  if (ctx.IsNone(i)) return nullptr;
  if (!ctx.IsTensor(i)) return ctx.Unsupported("the mask is not a tensor");
  const at::Tensor& example = ctx.input(i).toTensor();
  const int64_t rank = example.dim();
  if (rank != 2 && rank != 4) {
    return ctx.Unsupported(absl::StrCat("a mask of rank ", rank, " (2-D [batch, keys] or 4-D)"));
  }
  ir::Value* mask;
  if (!ctx.IsRuntimeTensor(i)) {
    mask = ctx.Constant(example.to(at::kBool));
  } else {
    NCC_PT_ASSIGN(m, ctx.Tensor(i));
    if (m->dtype != ir::DType::kBool) {
      ir::Value* zero = ctx.ScalarConstant(0.0, m->dtype);
      ir::Value* is_zero = ctx.Emit("Equal", {m, zero}, m->shape, ir::DType::kBool);
      m = ctx.Emit("Not", {is_zero}, m->shape, ir::DType::kBool);
    }
    mask = m;
  }
  if (rank == 2) {
    if (example.size(0) != batch || example.size(1) != key_len) {
      return ctx.Unsupported(absl::StrCat("a 2-D mask of shape [", example.size(0), ", ",
                                          example.size(1), "] (key padding [batch, keys])"));
    }
    mask = ctx.ReshapeTo(mask, {batch, 1, 1, key_len});
  }
  return mask;
}

// nn.TransformerEncoder (enable_nested_tensor=True, the default) turns its
// input into a nested tensor when given a src_key_padding_mask in eval mode.
constexpr const char* kNested =
    "nested tensors (nn.TransformerEncoder given a src_key_padding_mask packs its input into "
    "one); build the encoder with enable_nested_tensor=False: the same results at unpadded "
    "positions, the mask applied inside each layer";

bool HasNestedInput(const ConvertContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.IsTensor(i) && ctx.input(i).toTensor().defined() &&
        ctx.input(i).toTensor().is_nested()) {
      return true;
    }
  }
  return false;
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head,
//     qkv_weight, qkv_bias, proj_weight, proj_bias, mask, need_weights,
//     average_attn_weights, mask_type) -> (out [B, T, E], weights)
absl::Status NativeMultiHeadAttention(ConvertContext& ctx) {
  if (HasNestedInput(ctx)) return ctx.Unsupported(kNested);
  NCC_PT_ASSIGN(query, ctx.Tensor(0));
  NCC_PT_ASSIGN(key, ctx.Tensor(1));
  NCC_PT_ASSIGN(value, ctx.Tensor(2));
  NCC_PT_ASSIGN(embed_dim, ctx.Int(3));
  NCC_PT_ASSIGN(heads, ctx.Int(4));
  if (Rank(query) != 3) return ctx.Unsupported("unbatched (rank-2) query");
  if (query->dtype != ir::DType::kF32) return ctx.Unsupported("a query that is not float32");
  if (query->shape[2] != embed_dim || heads <= 0 || embed_dim % heads != 0) {
    return absl::InvalidArgumentError("embed_dim does not match the query or num_head");
  }
  NCC_PT_ASSIGN(qkv_weight, ConstantWeight(ctx, 5, "qkv_weight"));
  at::Tensor qkv_bias;
  if (!ctx.IsNone(6)) {
    NCC_PT_ASSIGN(bias, ConstantWeight(ctx, 6, "qkv_bias"));
    qkv_bias = bias;
  }
  NCC_PT_ASSIGN(proj_weight, ConstantWeight(ctx, 7, "proj_weight"));
  at::Tensor proj_bias;
  if (!ctx.IsNone(8)) {
    NCC_PT_ASSIGN(bias, ConstantWeight(ctx, 8, "proj_bias"));
    proj_bias = bias;
  }
  if (key->shape != query->shape || value->shape != query->shape) {
    return ctx.Unsupported("query, key and value of different shapes");
  }
  const int64_t e = embed_dim;
  NCC_PT_RETURN_IF_ERROR(CheckShape(qkv_weight, {3 * e, e}, "qkv_weight"));
  NCC_PT_RETURN_IF_ERROR(CheckShape(qkv_bias, {3 * e}, "qkv_bias"));
  NCC_PT_RETURN_IF_ERROR(CheckShape(proj_weight, {e, e}, "proj_weight"));
  NCC_PT_RETURN_IF_ERROR(CheckShape(proj_bias, {e}, "proj_bias"));
  NCC_PT_ASSIGN(mask, AttentionMask(ctx, 9, query->shape[0], key->shape[1]));
  NCC_PT_ASSIGN(need_weights, ctx.Bool(10));
  NCC_PT_ASSIGN(average, ctx.Bool(11));
  AttentionOutputs att =
      Attention(ctx, query, key, value, heads, qkv_weight, qkv_bias, proj_weight, proj_bias, mask);
  NCC_PT_RETURN_IF_ERROR(ctx.Set(0, att.out));
  if (!need_weights || !ctx.output(1).isTensor() || !ctx.output(1).toTensor().defined()) {
    return absl::OkStatus();
  }
  ir::Value* weights = att.probs;
  if (average) {
    // torch: sum over heads, then divide by num_head.
    ir::Shape kept = weights->shape;
    kept[1] = 1;
    ir::Value* sum = ctx.Emit("ReduceSum", {weights, ctx.I64Constant({1})}, kept, weights->dtype,
                              {{"keepdims", int64_t{1}}});
    weights = ctx.Emit("Div", {sum, ctx.ScalarConstant(static_cast<double>(heads), sum->dtype)},
                       kept, sum->dtype);
  }
  return SetReshaped(ctx, weights, 1);
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight,
//     qkv_bias, proj_weight, proj_bias, use_gelu, norm_first, eps,
//     norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2, ffn_weight_1,
//     ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type)
absl::Status TransformerEncoderLayer(ConvertContext& ctx) {
  if (HasNestedInput(ctx)) return ctx.Unsupported(kNested);
  NCC_PT_ASSIGN(src, ctx.Tensor(0));
  NCC_PT_ASSIGN(embed_dim, ctx.Int(1));
  NCC_PT_ASSIGN(heads, ctx.Int(2));
  if (Rank(src) != 3) return ctx.Unsupported("unbatched (rank-2) src");
  if (src->dtype != ir::DType::kF32) return ctx.Unsupported("a src that is not float32");
  if (src->shape[2] != embed_dim || heads <= 0 || embed_dim % heads != 0) {
    return absl::InvalidArgumentError("embed_dim does not match src or num_heads");
  }
  static constexpr const char* kWeights[] = {
      "qkv_weight",  "qkv_bias",     "proj_weight",   "proj_bias",    nullptr,
      nullptr,       nullptr,        "norm_weight_1", "norm_bias_1",  "norm_weight_2",
      "norm_bias_2", "ffn_weight_1", "ffn_bias_1",    "ffn_weight_2", "ffn_bias_2",
  };
  std::vector<at::Tensor> w(18);
  for (size_t i = 3; i < 18; ++i) {
    if (kWeights[i - 3] == nullptr) continue;
    NCC_PT_ASSIGN(t, ConstantWeight(ctx, i, kWeights[i - 3]));
    w[i] = t;
  }
  const int64_t e = embed_dim, f = w[14].dim() == 2 ? w[14].size(0) : 0;
  const std::vector<int64_t> row = {e};
  const std::vector<std::pair<size_t, std::vector<int64_t>>> shapes = {
      {3, {3 * e, e}}, {4, {3 * e}}, {5, {e, e}},  {6, row},  {10, row},    {11, row},
      {12, row},       {13, row},    {14, {f, e}}, {15, {f}}, {16, {e, f}}, {17, row},
  };
  for (const auto& [i, want] : shapes) {
    NCC_PT_RETURN_IF_ERROR(CheckShape(w[i], want, kWeights[i - 3]));
  }
  NCC_PT_ASSIGN(use_gelu, ctx.Bool(7));
  NCC_PT_ASSIGN(norm_first, ctx.Bool(8));
  NCC_PT_ASSIGN(eps, ctx.Double(9));
  NCC_PT_ASSIGN(mask, AttentionMask(ctx, 18, src->shape[0], src->shape[1]));
  const ir::DType dtype = src->dtype;
  const ir::Shape shape = src->shape;

  ir::Value* x = norm_first ? LayerNorm(ctx, src, w[10], w[11], eps) : src;
  x = Attention(ctx, x, x, x, heads, w[3], w[4], w[5], w[6], mask).out;
  x = ctx.Emit("Add", {x, src}, shape, dtype);
  if (!norm_first) x = LayerNorm(ctx, x, w[10], w[11], eps);
  ir::Value* residual = x;
  if (norm_first) x = LayerNorm(ctx, x, w[12], w[13], eps);
  x = Project(ctx, x, w[14], w[15]);
  x = use_gelu ? ctx.Emit("Gelu", {x}, x->shape, dtype, {{"approximate", std::string("none")}})
               : ctx.Emit("Relu", {x}, x->shape, dtype);
  x = Project(ctx, x, w[16], w[17]);
  x = ctx.Emit("Add", {x, residual}, shape, dtype);
  if (!norm_first) x = LayerNorm(ctx, x, w[12], w[13], eps);
  return ctx.Set(0, x);
}

constexpr TorchOpSupport kOps[] = {
    {"aten::_native_multi_head_attention", NativeMultiHeadAttention,
     "float32, constant weights; masks bool or float (non-zero masks), 2-D key padding or 4-D"},
    {"aten::_transformer_encoder_layer_fwd", TransformerEncoderLayer,
     "float32, constant weights; an optional key-padding mask [batch, seq]; no nested tensors"},
};

}  // namespace

absl::Span<const TorchOpSupport> TransformerOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
