#include "compiler/lower/quantize.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/lower/chunks.h"
#include "compiler/lower/conv.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/matmul.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// Round half to even of an fp32 v with |v| <= 2^22: v + 1.5 * 2^23 lies in
// [2^23, 2^24], where fp32 holds exactly the integers, so the add rounds v
// to an integer (ties to even, as 1.5 * 2^23 is even) and the subtract is
// exact. Values are clamped to +-2^22 first; every quantized range lies far
// inside, so the clamp never changes a saturated result.
constexpr float kRoundingBias = 12582912.0f;  // 1.5 * 2^23
constexpr float kRoundingLimit = 4194304.0f;  // 2^22

bool IsQuantized(ir::DType t) { return t == ir::DType::kU8 || t == ir::DType::kI8; }

// The saturation range of a quantized type.
std::pair<float, float> QuantRange(neff::DType t) {
  return t == neff::DType::I8 ? std::pair{-128.0f, 127.0f} : std::pair{0.0f, 255.0f};
}

// A parameter (scale or zero point) and where its elements sit in the
// output: `aligned` has the output's rank, with 1 on broadcast axes.
struct Param {
  DramTensor tensor;
  ir::Shape aligned;
};

// A 1-D (or one-element) parameter `v` along `axis` of a rank-`rank` output.
Param AlongAxis(const DramTensor& v, int64_t axis, size_t rank) {
  Param p{v, ir::Shape(rank, 1)};
  const int64_t n = ir::NumElements(v.shape);
  if (n > 1) p.aligned[axis] = n;
  return p;
}

// An operand read element-wise against an output: the same elements in
// row-major order, or one element broadcast.
struct Elementwise {
  DramTensor tensor;
  bool scalar = false;
};

// `p` as an operand of an output of shape `out`: broadcast parameters
// other than scalars are expanded into a DRAM temporary by a zero-stride
// copy (its dtype kept; the loads convert).
Elementwise Expand(LowerContext& ctx, const Param& p, const ir::Shape& out,
                   absl::string_view what) {
  if (ir::NumElements(p.aligned) == 1) return {p.tensor, true};
  if (p.aligned == out) return {p.tensor, false};
  std::vector<int64_t> strides = RowMajorStrides(p.aligned);
  for (size_t d = 0; d < out.size(); ++d) {
    if (p.aligned[d] == 1) strides[d] = 0;
  }
  DramTensor expanded = ctx.ScratchDram(absl::StrCat(what, "/expanded"), p.tensor.dtype, out);
  EmitStridedCopy(ctx, p.tensor, 0, strides, expanded, 0, RowMajorStrides(out), out);
  return {expanded, false};
}

// y = post((x - x_zp) <scale_op> scale), element-wise over y's shape, in
// fp32. When `quantize`, post(v) = clamp(round_half_even(v) + y_zp, range
// of y's type), else post(v) = v. Absent terms are skipped.
struct AffineStep {
  Elementwise x;
  std::optional<Elementwise> x_zp, scale, y_zp;
  neff::AluOp scale_op = neff::AluOp::MULTIPLY;
  DramTensor y;
  bool quantize = false;
};

absl::Status EmitAffine(LowerContext& ctx, const AffineStep& s) {
  const int64_t total = ir::NumElements(s.y.shape);
  const int64_t free_per_row = FreePerRow(total, ctx.spec().partitions);
  for (const Chunk& chunk : Chunks(total, free_per_row, ctx.spec().partitions)) {
    const int64_t start = chunk.start, free = chunk.free;
    const int rows = chunk.rows;
    auto load = [&](const Elementwise& e, absl::string_view what) -> absl::StatusOr<Operand> {
      auto buf = ctx.Sbuf(what, rows, free * 4);
      if (!buf.ok()) return buf.status();
      Operand tile = ctx.Tile(*buf, rows, free);
      ctx.Dma(tile, e.scalar ? ctx.View(e.tensor, 0, rows, 0, {Dim{0, free}})
                             : ctx.View(e.tensor, start, rows, free_per_row, {Dim{1, free}}));
      return tile;
    };
    auto x = load(s.x, "x");
    if (!x.ok()) return x.status();
    Operand t = *x;
    // Each further term is loaded into a tile of its own and folded into t.
    auto combine = [&](const std::optional<Elementwise>& e, neff::AluOp alu,
                       absl::string_view what) -> absl::Status {
      if (!e) return absl::OkStatus();
      auto tile = load(*e, what);
      if (!tile.ok()) return tile.status();
      ctx.TensorTensor(t, t, *tile, alu);
      return absl::OkStatus();
    };
    if (auto st = combine(s.x_zp, neff::AluOp::SUBTRACT, "x_zero_point"); !st.ok()) return st;
    if (auto st = combine(s.scale, s.scale_op, "scale"); !st.ok()) return st;
    if (s.quantize) {
      ctx.TensorScalarPerPartition(t, t, neff::AluOp::MAXIMUM, nullptr, -kRoundingLimit,
                                   neff::AluOp::MINIMUM, nullptr, kRoundingLimit);
      ctx.TensorScalarPerPartition(t, t, neff::AluOp::ADD, nullptr, kRoundingBias,
                                   neff::AluOp::SUBTRACT, nullptr, kRoundingBias);
      if (auto st = combine(s.y_zp, neff::AluOp::ADD, "y_zero_point"); !st.ok()) return st;
      const auto [lo, hi] = QuantRange(s.y.dtype);
      ctx.TensorScalarPerPartition(t, t, neff::AluOp::MAXIMUM, nullptr, lo, neff::AluOp::MINIMUM,
                                   nullptr, hi);
    }
    // The store converts; quantized values are integers in range already.
    ctx.Dma(ctx.View(s.y, start, rows, free_per_row, {Dim{1, free}}), t);
  }
  return absl::OkStatus();
}

// The axis of a per-axis QuantizeLinear/DequantizeLinear (opset 13's
// `axis`, default 1), normalized.
int64_t QuantAxis(const ir::Op& op, size_t rank) {
  int64_t axis = op.GetInt("axis", 1);
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

// Scale and zero point of QuantizeLinear/DequantizeLinear: one element, or
// 1-D along the axis; the zero point (if any) has the scale's shape.
absl::Status CheckScaleAndZeroPoint(const ir::Op& op, ir::DType quantized) {
  const ir::Value* x = op.input(0);
  const ir::Value* scale = op.input(1);
  const ir::Value* zp = op.input(2);
  if (scale == nullptr || scale->dtype != ir::DType::kF32) {
    return Unsupported("the scale must be f32");
  }
  if (scale->num_elements() != 1) {
    const int64_t axis = QuantAxis(op, x->shape.size());
    if (axis < 0 || axis >= static_cast<int64_t>(x->shape.size())) {
      return Unsupported(
          absl::StrCat("axis ", op.GetInt("axis", 1), " out of range for rank ", x->shape.size()));
    }
    if (scale->shape.size() != 1 || scale->shape[0] != x->shape[axis]) {
      return Unsupported(absl::StrCat("the scale has ", scale->num_elements(),
                                      " elements; per-axis scales need one per element of axis ",
                                      axis, " (", x->shape[axis], ")"));
    }
  }
  if (zp != nullptr) {
    if (zp->dtype != quantized) {
      return Unsupported(absl::StrCat("the zero point is ", ir::DTypeName(zp->dtype), ", not ",
                                      ir::DTypeName(quantized)));
    }
    if (zp->num_elements() != scale->num_elements()) {
      return Unsupported("the zero point and the scale have different element counts");
    }
  }
  return absl::OkStatus();
}

std::optional<Elementwise> OptionalParam(LowerContext& ctx, const ir::Value* v, int64_t axis,
                                         const ir::Shape& out, absl::string_view what) {
  if (v == nullptr) return std::nullopt;
  return Expand(ctx, AlongAxis(ctx.Tensor(v), axis, out.size()), out, what);
}

}  // namespace

absl::Status CheckQuantizeLinear(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr || x->dtype != ir::DType::kF32) return Unsupported("x must be f32");
  const ir::DType y = op.outputs[0]->dtype;
  if (!IsQuantized(y)) {
    return Unsupported(absl::StrCat("output is ", ir::DTypeName(y), " (uint8 or int8 only)"));
  }
  return CheckScaleAndZeroPoint(op, y);
}

absl::Status LowerQuantizeLinear(const ir::Op& op, LowerContext& ctx) {
  const ir::Shape& shape = op.input(0)->shape;
  const int64_t axis = QuantAxis(op, shape.size());
  AffineStep s;
  s.x = {ctx.Tensor(op.input(0)), false};
  s.scale = OptionalParam(ctx, op.input(1), axis, shape, "scale");
  s.scale_op = neff::AluOp::DIVIDE;
  s.y_zp = OptionalParam(ctx, op.input(2), axis, shape, "zero_point");
  s.y = ctx.Tensor(op.outputs[0]);
  s.quantize = true;
  return EmitAffine(ctx, s);
}

absl::Status CheckDequantizeLinear(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr || (!IsQuantized(x->dtype) && x->dtype != ir::DType::kI32)) {
    return Unsupported("x must be uint8, int8 or int32");
  }
  if (op.outputs[0]->dtype != ir::DType::kF32) return Unsupported("output must be f32");
  return CheckScaleAndZeroPoint(op, x->dtype);
}

absl::Status LowerDequantizeLinear(const ir::Op& op, LowerContext& ctx) {
  const ir::Shape& shape = op.input(0)->shape;
  const int64_t axis = QuantAxis(op, shape.size());
  AffineStep s;
  s.x = {ctx.Tensor(op.input(0)), false};
  s.x_zp = OptionalParam(ctx, op.input(2), axis, shape, "zero_point");
  s.scale = OptionalParam(ctx, op.input(1), axis, shape, "scale");
  s.y = ctx.Tensor(op.outputs[0]);
  return EmitAffine(ctx, s);
}

absl::Status CheckDynamicQuantizeLinear(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr || x->dtype != ir::DType::kF32) return Unsupported("x must be f32");
  if (x->num_elements() == 0) return Unsupported("an empty input (no range to quantize)");
  if (op.outputs.size() != 3 || op.outputs[0]->dtype != ir::DType::kU8 ||
      op.outputs[1]->dtype != ir::DType::kF32 || op.outputs[2]->dtype != ir::DType::kU8) {
    return Unsupported("outputs must be y (uint8), y_scale (f32) and y_zero_point (uint8)");
  }
  return absl::OkStatus();
}

// x_min = min(0, min x), x_max = max(0, max x), y_scale = (x_max - x_min) /
// 255, y_zero_point = saturate(round(0 - x_min / y_scale)), then y as
// QuantizeLinear. The range: per tile a free-axis reduce, a TensorE
// transpose of the per-partition results and a second reduce, folded into
// a running [min, max] that starts at [0, 0].
absl::Status LowerDynamicQuantizeLinear(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y_scale = ctx.Tensor(op.outputs[1]);
  const DramTensor& y_zp = ctx.Tensor(op.outputs[2]);
  const int64_t total = ir::NumElements(x.shape);
  const int64_t free_per_row = FreePerRow(total, ctx.spec().partitions);
  auto range_buf = ctx.Sbuf("range", 1, 4 * 4);
  if (!range_buf.ok()) return range_buf.status();
  const Operand range_min = ctx.Tile(*range_buf, 1, 1, 0);
  const Operand range_max = ctx.Tile(*range_buf, 1, 1, 4);
  const Operand scale = ctx.Tile(*range_buf, 1, 1, 8);
  const Operand zp = ctx.Tile(*range_buf, 1, 1, 12);
  ctx.Memset(ctx.Tile(*range_buf, 1, 2), 0.0f);
  for (const Chunk& c : Chunks(total, free_per_row, ctx.spec().partitions)) {
    const int rows = c.rows;
    auto buf = ctx.Sbuf("x", rows, c.free * 4);
    auto part_buf = ctx.Sbuf("partial", rows, 2 * 4);
    auto psum_buf = ctx.Psum("partial_t", 1, rows * 4);
    auto chunk_buf = ctx.Sbuf("chunk_range", 1, 4);
    if (!buf.ok()) return buf.status();
    if (!part_buf.ok()) return part_buf.status();
    if (!psum_buf.ok()) return psum_buf.status();
    if (!chunk_buf.ok()) return chunk_buf.status();
    const Operand t = ctx.Tile(*buf, rows, c.free);
    ctx.Dma(t, ctx.View(x, c.start, rows, free_per_row, {Dim{1, c.free}}));
    const Operand chunk = ctx.Tile(*chunk_buf, 1, 1);
    for (int i = 0; i < 2; ++i) {
      const neff::AluOp alu = i == 0 ? neff::AluOp::MINIMUM : neff::AluOp::MAXIMUM;
      const Operand part = ctx.Tile(*part_buf, rows, 1, i * 4);
      const Operand part_t = ctx.Tile(*psum_buf, 1, rows);
      const Operand& running = i == 0 ? range_min : range_max;
      ctx.TensorReduce(part, t, alu);
      ctx.Transpose(part_t, part);
      ctx.TensorReduce(chunk, part_t, alu);
      ctx.TensorTensor(running, running, chunk, alu);
    }
  }
  ctx.TensorTensor(scale, range_max, range_min, neff::AluOp::SUBTRACT);
  ctx.TensorScalar(scale, scale, neff::AluOp::DIVIDE, 255.0f);
  ctx.TensorTensor(zp, range_min, scale, neff::AluOp::DIVIDE);
  // 0 - x_min / scale, saturated (a NaN from 0 / 0 becomes 0), then rounded.
  ctx.TensorScalarPerPartition(zp, zp, neff::AluOp::MULTIPLY, nullptr, -1.0f, neff::AluOp::MAXIMUM,
                               nullptr, 0.0f);
  ctx.TensorScalarPerPartition(zp, zp, neff::AluOp::MINIMUM, nullptr, 255.0f, neff::AluOp::ADD,
                               nullptr, kRoundingBias);
  ctx.TensorScalar(zp, zp, neff::AluOp::SUBTRACT, kRoundingBias);
  ctx.Dma(ctx.View(y_scale, 0, 1, 1, {Dim{1, 1}}), scale);
  ctx.Dma(ctx.View(y_zp, 0, 1, 1, {Dim{1, 1}}), zp);
  AffineStep s;
  s.x = {x, false};
  s.scale = Elementwise{y_scale, true};
  s.scale_op = neff::AluOp::DIVIDE;
  s.y_zp = Elementwise{y_zp, true};
  s.y = ctx.Tensor(op.outputs[0]);
  s.quantize = true;
  return EmitAffine(ctx, s);
}

namespace {

bool IsQLinear(const ir::Op& op) { return op.type == "QLinearMatMul" || op.type == "QLinearConv"; }

// Input positions of the two operands and their zero points and scales
// (-1: none).
struct QuantInputs {
  int a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp, bias;
};

QuantInputs InputsOf(const ir::Op& op) {
  if (IsQLinear(op)) return {0, 1, 2, 3, 4, 5, 6, 7, op.type == "QLinearConv" ? 8 : -1};
  return {0, -1, 2, 1, -1, 3, -1, -1, -1};
}

const ir::Value* InputAt(const ir::Op& op, int i) { return i < 0 ? nullptr : op.input(i); }

// A zero point or scale of an operand: one element, or (when `per_axis`
// elements is not 0) a 1-D tensor of that many.
absl::Status CheckQuantParam(const ir::Op& op, int index, absl::string_view name,
                             std::optional<ir::DType> dtype, int64_t per_axis,
                             absl::string_view axis_name) {
  const ir::Value* v = InputAt(op, index);
  if (v == nullptr) {
    if (name.find("scale") != absl::string_view::npos && index >= 0) {
      return Unsupported(absl::StrCat("missing input ", name));
    }
    return absl::OkStatus();
  }
  const ir::DType want = dtype.value_or(ir::DType::kF32);
  if (v->dtype != want) {
    return Unsupported(
        absl::StrCat(name, " is ", ir::DTypeName(v->dtype), ", expected ", ir::DTypeName(want)));
  }
  if (v->num_elements() == 1) return absl::OkStatus();
  if (per_axis > 0 && v->shape.size() == 1 && v->shape[0] == per_axis) return absl::OkStatus();
  return Unsupported(absl::StrCat(name, " has shape [", absl::StrJoin(v->shape, ","),
                                  "]; only one element", per_axis > 0 ? " or one per " : "",
                                  per_axis > 0 ? axis_name : ""));
}

absl::Status CheckOperandsAndParams(const ir::Op& op, int64_t a_axis_len, absl::string_view a_axis,
                                    int64_t b_axis_len, absl::string_view b_axis) {
  const QuantInputs in = InputsOf(op);
  const ir::Value* a = InputAt(op, in.a);
  const ir::Value* b = InputAt(op, in.b);
  for (const ir::Value* v : {a, b}) {
    if (v == nullptr || !IsQuantized(v->dtype)) {
      return Unsupported("the multiplied operands must be uint8 or int8");
    }
  }
  const ir::DType out = op.outputs[0]->dtype;
  if (IsQLinear(op) ? !IsQuantized(out) : out != ir::DType::kI32) {
    return Unsupported(absl::StrCat("output is ", ir::DTypeName(out)));
  }
  const bool per_channel_a = op.type == "MatMulInteger" || op.type == "QLinearMatMul";
  struct {
    int index;
    const char* name;
    std::optional<ir::DType> dtype;
    int64_t per_axis;
    absl::string_view axis;
  } params[] = {
      {in.a_zp, "a zero point", a->dtype, per_channel_a ? a_axis_len : 0, a_axis},
      {in.b_zp, "b zero point", b->dtype, b_axis_len, b_axis},
      {in.a_scale, "a scale", std::nullopt, per_channel_a ? a_axis_len : 0, a_axis},
      {in.b_scale, "b scale", std::nullopt, b_axis_len, b_axis},
      {in.y_scale, "y scale", std::nullopt, 0, ""},
      {in.y_zp, "y zero point", out, 0, ""},
  };
  for (const auto& p : params) {
    if (auto s = CheckQuantParam(op, p.index, p.name, p.dtype, p.per_axis, p.axis); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// An 8-bit integer element of a constant.
float IntegerAt(const ir::Value& v, int64_t i) {
  return v.dtype == ir::DType::kU8 ? v.data_as<uint8_t>()[i] : v.data_as<int8_t>()[i];
}

// A multiplied operand with its zero point subtracted, and its bf16 bytes
// when that happened at compile time.
struct Centered {
  DramTensor tensor;
  std::vector<uint8_t> host;
};

// `v - zero_point` (zero points along `zp_axis`) in bf16, which holds these
// integers in [-255, 255] exactly: computed at compile time into the
// weights section when both are constants, else by the engines into a DRAM
// temporary; without a zero point, v itself converted on load.
absl::StatusOr<Centered> CenteredOperand(LowerContext& ctx, const ir::Value* v, const ir::Value* zp,
                                         int64_t zp_axis, absl::string_view what) {
  if (v->is_constant && (zp == nullptr || zp->is_constant)) {
    const int64_t n = v->num_elements();
    int64_t inner = 1;
    for (size_t d = zp_axis + 1; d < v->shape.size(); ++d) inner *= v->shape[d];
    Buffer buf;
    buf.name = ctx.Name(absl::StrCat(what, "_centered"));
    buf.space = Space::WEIGHTS;
    buf.bytes = n * 2;
    buf.data.resize(buf.bytes);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t zp_index =
          zp == nullptr || zp->num_elements() == 1 ? 0 : (i / inner) % v->shape[zp_axis];
      const float centered = IntegerAt(*v, i) - (zp == nullptr ? 0.0f : IntegerAt(*zp, zp_index));
      uint32_t bits;
      std::memcpy(&bits, &centered, 4);
      const uint16_t bf16 = static_cast<uint16_t>(bits >> 16);  // exact: 8 significant bits
      std::memcpy(buf.data.data() + 2 * i, &bf16, 2);
    }
    Centered c;
    c.host = buf.data;
    c.tensor.buffer = ctx.program().AddBuffer(std::move(buf));
    c.tensor.space = Space::WEIGHTS;
    c.tensor.dtype = neff::DType::BF16;
    c.tensor.shape = v->shape;
    return c;
  }
  Centered c{ctx.Tensor(v), {}};
  if (zp == nullptr) {
    c.tensor.load_dtype = neff::DType::BF16;
    return c;
  }
  AffineStep s;
  s.x = {c.tensor, false};
  s.x_zp = Expand(ctx, AlongAxis(ctx.Tensor(zp), zp_axis, v->shape.size()), v->shape,
                  absl::StrCat(what, "_zero_point"));
  s.y = ctx.ScratchDram(absl::StrCat(what, "_centered"), neff::DType::BF16, v->shape);
  if (auto st = EmitAffine(ctx, s); !st.ok()) return st;
  c.tensor = s.y;
  return c;
}

// The requantization of an integer accumulator `acc` (f32, y's shape) into
// y: y = saturate(round(acc * a_scale * b_scale / y_scale) + y_zp), with the
// multiplier computed once (per element of its broadcast shape) as
// (a_scale * b_scale) / y_scale.
absl::Status EmitRequantize(LowerContext& ctx, const ir::Op& op, const DramTensor& acc,
                            int64_t a_axis, int64_t b_axis) {
  const QuantInputs in = InputsOf(op);
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const size_t rank = y.shape.size();
  const Param a_scale = AlongAxis(ctx.Tensor(op.input(in.a_scale)), a_axis, rank);
  const Param b_scale = AlongAxis(ctx.Tensor(op.input(in.b_scale)), b_axis, rank);
  ir::Shape m_shape(rank, 1);
  for (size_t d = 0; d < rank; ++d) m_shape[d] = std::max(a_scale.aligned[d], b_scale.aligned[d]);
  AffineStep product;
  product.x = Expand(ctx, a_scale, m_shape, "a_scale");
  product.scale = Expand(ctx, b_scale, m_shape, "b_scale");
  product.y = ctx.ScratchDram("scale_product", neff::DType::F32, m_shape);
  if (auto s = EmitAffine(ctx, product); !s.ok()) return s;
  AffineStep ratio;
  ratio.x = {product.y, false};
  ratio.scale = Elementwise{ctx.Tensor(op.input(in.y_scale)), true};
  ratio.scale_op = neff::AluOp::DIVIDE;
  ratio.y = ctx.ScratchDram("multiplier", neff::DType::F32, m_shape);
  if (auto s = EmitAffine(ctx, ratio); !s.ok()) return s;
  AffineStep out;
  out.x = {acc, false};
  out.scale = Expand(ctx, Param{ratio.y, m_shape}, y.shape, "multiplier");
  if (const ir::Value* zp = InputAt(op, in.y_zp)) out.y_zp = Elementwise{ctx.Tensor(zp), true};
  out.y = y;
  out.quantize = true;
  return EmitAffine(ctx, out);
}

}  // namespace

absl::Status CheckIntegerMatMul(const ir::Op& op) {
  const QuantInputs in = InputsOf(op);
  const ir::Value* a = InputAt(op, in.a);
  const ir::Value* b = InputAt(op, in.b);
  if (a == nullptr || b == nullptr) return Unsupported("needs inputs A and B");
  if (a->shape.size() < 2 || b->shape.size() < 2) {
    return Unsupported("A and B must have rank >= 2");
  }
  if (b->shape.size() > 2 && b->shape.size() != a->shape.size()) {
    return Unsupported("batched B must have A's rank (or be 2-D)");
  }
  for (size_t d = 0; b->shape.size() > 2 && d + 2 < b->shape.size(); ++d) {
    if (b->shape[d] != 1 && b->shape[d] != a->shape[d]) {
      return Unsupported("B's batch dims must equal A's or be 1");
    }
  }
  const int64_t m = a->shape[a->shape.size() - 2], n = b->shape.back();
  return CheckOperandsAndParams(op, m, "row of A", n, "column of B");
}

absl::Status LowerIntegerMatMul(const ir::Op& op, LowerContext& ctx) {
  const QuantInputs in = InputsOf(op);
  const ir::Value* a = op.input(in.a);
  const ir::Value* b = op.input(in.b);
  const int64_t a_rank = static_cast<int64_t>(a->shape.size());
  const int64_t b_rank = static_cast<int64_t>(b->shape.size());
  auto ac = CenteredOperand(ctx, a, InputAt(op, in.a_zp), a_rank - 2, "a");
  if (!ac.ok()) return ac.status();
  auto bc = CenteredOperand(ctx, b, InputAt(op, in.b_zp), b_rank - 1, "b");
  if (!bc.ok()) return bc.status();
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t y_rank = static_cast<int64_t>(y.shape.size());
  if (!IsQLinear(op)) {
    // The store converts the exact integer sums to int32.
    return EmitBatchedMatMul(ctx, ac->tensor, bc->tensor, y, neff::ActivationFunction::IDENTITY);
  }
  const DramTensor acc = ctx.ScratchDram("accumulator", neff::DType::F32, y.shape);
  if (auto s =
          EmitBatchedMatMul(ctx, ac->tensor, bc->tensor, acc, neff::ActivationFunction::IDENTITY);
      !s.ok()) {
    return s;
  }
  return EmitRequantize(ctx, op, acc, y_rank - 2, y_rank - 1);
}

absl::Status CheckIntegerConv(const ir::Op& op) {
  const QuantInputs in = InputsOf(op);
  const ir::Value* x = InputAt(op, in.a);
  const ir::Value* w = InputAt(op, in.b);
  if (x == nullptr || w == nullptr) return Unsupported("needs inputs x and w");
  if (x->shape.size() < 3 || x->shape.size() > 5 || w->shape.size() != x->shape.size()) {
    return Unsupported(
        absl::StrCat("only 1-D, 2-D and 3-D convolution; input has rank ", x->shape.size()));
  }
  auto g = ConvGeometryOf(op, x->shape, w->shape, op.outputs[0]->shape);
  if (!g.ok()) return g.status();
  if (g->groups < 1 || g->c % g->groups != 0 || g->co % g->groups != 0 ||
      w->shape[1] != g->c / g->groups) {
    return Unsupported(absl::StrCat("w [", absl::StrJoin(w->shape, ","), "] does not fit ", g->c,
                                    " input channels in ", g->groups, " groups"));
  }
  if (g->wo > 512) return Unsupported("output width above 512 (one PSUM bank row)");
  if (auto s = CheckOperandsAndParams(op, 0, "", w->shape[0], "output channel"); !s.ok()) {
    return s;
  }
  if (const ir::Value* bias = InputAt(op, in.bias)) {
    if (bias->dtype != ir::DType::kI32 || bias->shape.size() != 1 ||
        bias->shape[0] != w->shape[0]) {
      return Unsupported("B must be int32 with one element per output channel");
    }
  }
  return absl::OkStatus();
}

absl::Status LowerIntegerConv(const ir::Op& op, LowerContext& ctx) {
  const QuantInputs in = InputsOf(op);
  const ir::Value* x = op.input(in.a);
  const ir::Value* w = op.input(in.b);
  auto g = ConvGeometryOf(op, x->shape, w->shape, op.outputs[0]->shape);
  if (!g.ok()) return g.status();
  auto xc = CenteredOperand(ctx, x, InputAt(op, in.a_zp), 0, "x");
  if (!xc.ok()) return xc.status();
  auto wc = CenteredOperand(ctx, w, InputAt(op, in.b_zp), 0, "w");
  if (!wc.ok()) return wc.status();
  ConvOperands operands;
  operands.x = xc->tensor;
  operands.w = wc->tensor;
  if (!wc->host.empty()) operands.w_host = absl::MakeConstSpan(wc->host);
  // Zero padding of x - x_zero_point: the padded taps contribute nothing.
  if (!IsQLinear(op)) {
    operands.y = ctx.Tensor(op.outputs[0]);  // the store converts to int32
    return EmitConv(ctx, *g, operands);
  }
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  operands.y = ctx.ScratchDram("accumulator", neff::DType::F32, y.shape);
  DramTensor bias;
  if (const ir::Value* b = InputAt(op, in.bias)) {
    // int32 -> f32 by the DMA: exact below 2^24 in magnitude.
    bias = ctx.ScratchDram("bias", neff::DType::F32, b->shape);
    EmitStridedCopy(ctx, ctx.Tensor(b), 0, {1}, bias, 0, {1}, b->shape);
    operands.bias = &bias;
  }
  if (auto s = EmitConv(ctx, *g, operands); !s.ok()) return s;
  return EmitRequantize(ctx, op, operands.y, 1, 1);
}

}  // namespace ncc::lower
