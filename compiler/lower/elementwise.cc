#include "compiler/lower/elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/lower/chunks.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

enum class Broadcast { kSame, kScalar, kSuffix, kOther };

// How `operand` maps onto `out` under NumPy broadcasting: identical layout,
// one element, or a suffix of the output's dims (leading 1s dropped).
Broadcast Classify(const ir::Shape& operand, const ir::Shape& out) {
  if (ir::NumElements(operand) == ir::NumElements(out)) return Broadcast::kSame;
  if (ir::NumElements(operand) == 1) return Broadcast::kScalar;
  ir::Shape stripped(operand);
  while (!stripped.empty() && stripped.front() == 1) stripped.erase(stripped.begin());
  if (stripped.size() <= out.size() &&
      std::equal(stripped.begin(), stripped.end(), out.end() - stripped.size())) {
    return Broadcast::kSuffix;
  }
  return Broadcast::kOther;
}

bool ParseAlu(absl::string_view type, neff::AluOp* alu) {
  if (type == "Add")
    *alu = neff::AluOp::ADD;
  else if (type == "Sub")
    *alu = neff::AluOp::SUBTRACT;
  else if (type == "Mul")
    *alu = neff::AluOp::MULTIPLY;
  else if (type == "Div")
    *alu = neff::AluOp::DIVIDE;
  else if (type == "Max")
    *alu = neff::AluOp::MAXIMUM;
  else if (type == "Min")
    *alu = neff::AluOp::MINIMUM;
  else if (type == "Pow")
    *alu = neff::AluOp::POW;
  else if (type == "Mod")
    *alu = neff::AluOp::MOD;  // fmod=1: FMOD (LowerBinary)
  else if (type == "BitShift")
    *alu = neff::AluOp::SHIFT_LEFT;  // RIGHT: LowerBinary
  else if (type == "Sum" || type == "Mean")
    *alu = neff::AluOp::ADD;
  else if (type == "Equal")
    *alu = neff::AluOp::IS_EQUAL;
  else if (type == "Greater")
    *alu = neff::AluOp::IS_GT;
  else if (type == "GreaterOrEqual")
    *alu = neff::AluOp::IS_GE;
  else if (type == "Less")
    *alu = neff::AluOp::IS_LT;
  else if (type == "LessOrEqual")
    *alu = neff::AluOp::IS_LE;
  // Logic on 0/1 values.
  else if (type == "And")
    *alu = neff::AluOp::MINIMUM;
  else if (type == "Or")
    *alu = neff::AluOp::MAXIMUM;
  else if (type == "Xor")
    *alu = neff::AluOp::NOT_EQUAL;
  else
    return false;
  return true;
}

// Expands a constant to the full output shape at compile time (for
// broadcasts no access pattern can express, e.g. a [C,1,1] bias in NCHW).
DramTensor MaterializeBroadcast(LowerContext& ctx, const ir::Value& value,
                                const ir::Shape& value_shape, const ir::Shape& out) {
  const int64_t n = ir::NumElements(out);
  const size_t rank = out.size();
  ir::Shape in(rank, 1);
  std::copy(value_shape.begin(), value_shape.end(), in.end() - value_shape.size());
  std::vector<float> expanded(n);
  const float* src = value.data_as<float>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, src_index = 0, scale = 1;
    for (size_t d = rank; d-- > 0;) {
      int64_t idx = rem % out[d];
      rem /= out[d];
      if (in[d] != 1) src_index += idx * scale;
      scale *= in[d];
    }
    expanded[i] = src[src_index];
  }
  return ctx.F32Weights(absl::StrCat(value.name, "/broadcast"), out, expanded);
}

// PRelu before opset 7 applies a slope of C elements per channel (axis 1),
// as the PyTorch exporters of that time meant, not NumPy-style.
bool IsLegacyChannelSlope(const ir::Op& op, int64_t opset) {
  const ir::Shape& out = op.outputs[0]->shape;
  const ir::Value* slope = op.input(1);
  return op.type == "PRelu" && opset > 0 && opset < 7 && out.size() >= 2 &&
         slope->shape.size() == 1 && slope->shape[0] == out[1] && out[1] > 1;
}

// The slope expanded to the full output shape, indexed by channel.
absl::StatusOr<DramTensor> ChannelSlope(LowerContext& ctx, const ir::Value& slope,
                                        const ir::Shape& out) {
  if (!slope.is_constant || slope.dtype != ir::DType::kF32) {
    return Unsupported("a per-channel PRelu slope (opset < 7) must be a constant f32 tensor");
  }
  const int64_t channels = out[1], inner = ir::NumElements(out) / (out[0] * channels);
  std::vector<float> expanded(ir::NumElements(out));
  for (size_t i = 0; i < expanded.size(); ++i) {
    expanded[i] = slope.data_as<float>()[(i / inner) % channels];
  }
  return ctx.F32Weights(absl::StrCat(slope.name, "/per_channel"), out, expanded);
}

// Input i's shape for broadcasting. Before opset 7, `broadcast=1` with an
// `axis` lines B's dims up with A's from `axis` on (not from the right): B
// padded with trailing 1s.
ir::Shape BroadcastShape(const ir::Op& op, size_t i, int64_t opset) {
  const ir::Shape& shape = op.input(i)->shape;
  if (i != 1 || opset <= 0 || opset >= 7 || op.GetInt("broadcast", 0) == 0 ||
      !op.has_attr("axis")) {
    return shape;
  }
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  int64_t axis = op.GetInt("axis", 0);
  if (axis < 0) axis += rank;
  ir::Shape padded = shape;
  if (axis >= 0 && static_cast<int64_t>(shape.size()) < rank - axis) padded.resize(rank - axis, 1);
  return padded;
}

Operand OperandView(LowerContext& ctx, const DramTensor& t, Broadcast kind, const Chunk& chunk) {
  switch (kind) {
    case Broadcast::kScalar:
      return ctx.View(t, 0, chunk.rows, 0, {Dim{0, chunk.free}});
    case Broadcast::kSuffix: {
      const int64_t s = ir::NumElements(t.shape);
      return ctx.View(t, 0, chunk.rows, 0, {Dim{0, chunk.free / s}, Dim{1, s}});
    }
    default:
      return ctx.View(t, chunk.start, chunk.rows, chunk.row_stride, {Dim{1, chunk.free}});
  }
}

}  // namespace

namespace {

bool IsUnsignedInteger(ir::DType dtype) {
  return dtype == ir::DType::kU8 || dtype == ir::DType::kU16 || dtype == ir::DType::kU32 ||
         dtype == ir::DType::kU64;
}

}  // namespace

bool IsLogic(const std::string& type) { return type == "And" || type == "Or" || type == "Xor"; }

bool IsComparison(const std::string& type) {
  return type == "Equal" || type == "Greater" || type == "GreaterOrEqual" || type == "Less" ||
         type == "LessOrEqual";
}

// Integer operands are computed in fp32, as the NeuronCore's ALUs do: exact
// while operands and results stay within 2^24 in magnitude; Div truncates
// toward zero and out-of-range results saturate when stored (no wrapping).
bool IntegerArithmetic(const std::string& type, ir::DType dtype) {
  const bool int_type = !ir::IsFloat(dtype) && dtype != ir::DType::kBool;
  const bool op_ok = type == "Add" || type == "Sub" || type == "Mul" || type == "Div" ||
                     type == "Mod" || type == "Max" || type == "Min" || type == "Pow" ||
                     type == "Where" || IsComparison(type);
  return int_type && (op_ok || type == "BitShift");
}

namespace {

bool IsF32OrInteger(ir::DType dtype) {
  return dtype == ir::DType::kF32 || IntegerArithmetic("Pow", dtype);
}

// Pow's base and exponent may differ in type (T and T1 in the spec): each is
// loaded into fp32 tiles by its DMA, and the result has the base's type
// (integer results are exact below 2^24 and truncate toward zero).
absl::Status CheckPow(const ir::Op& op) {
  const ir::Value* base = op.input(0);
  const ir::Value* exponent = op.input(1);
  for (const ir::Value* in : {base, exponent}) {
    if (!IsF32OrInteger(in->dtype)) {
      return Unsupported(absl::StrCat("input '", in->name, "' is ", ir::DTypeName(in->dtype),
                                      " (Pow takes f32, i8, u8, i32 or i64 operands)"));
    }
  }
  if (op.outputs[0]->dtype != base->dtype) {
    return Unsupported(absl::StrCat("output is ", ir::DTypeName(op.outputs[0]->dtype),
                                    ", not the base's ", ir::DTypeName(base->dtype)));
  }
  if (base->dtype != ir::DType::kF32 && !op.GetString("fused_activation", "").empty()) {
    return Unsupported("a fused activation on integers");
  }
  return CheckFusedActivation(op);
}

}  // namespace

absl::Status CheckBinary(const ir::Op& op) {
  const bool variadic =
      op.type == "Sum" || op.type == "Mean" || op.type == "Max" || op.type == "Min";
  const size_t arity = variadic ? op.inputs.size() : op.type == "Where" ? 3 : 2;
  if (arity == 0 || op.inputs.size() != arity) {
    return Unsupported(absl::StrCat("exactly ", arity, " inputs"));
  }
  for (const ir::Value* in : op.inputs) {
    if (in == nullptr) return Unsupported("missing input");
  }
  if (op.type == "Pow") return CheckPow(op);
  // Compute is fp32: float operands, bool predicates/results, and integers
  // where fp32 gives the integer result (see IntegerArithmetic).
  const ir::DType operand = op.input(arity - 1)->dtype;
  const bool integer = operand != ir::DType::kF32 && IntegerArithmetic(op.type, operand);
  // float16 Max/Min/Mod: fp32 results of f16 values round back exactly
  // (Max/Min pick an operand; a remainder is representable in the type).
  const bool half =
      operand == ir::DType::kF16 && (op.type == "Max" || op.type == "Min" || op.type == "Mod");
  const bool narrow = integer || half;
  if (op.type == "BitShift") {
    if (!IsUnsignedInteger(operand)) {
      return Unsupported(absl::StrCat("BitShift of ", ir::DTypeName(operand),
                                      " (uint8/uint16/uint32/uint64 only)"));
    }
    const std::string direction = op.GetString("direction", "");
    if (direction != "LEFT" && direction != "RIGHT") {
      return Unsupported(absl::StrCat("BitShift direction '", direction, "' (LEFT or RIGHT)"));
    }
  }
  for (size_t i = 0; i < arity; ++i) {
    const ir::Value* in = op.input(i);
    const bool predicate = (op.type == "Where" && i == 0) || IsLogic(op.type);
    const ir::DType want = predicate ? ir::DType::kBool : narrow ? operand : ir::DType::kF32;
    if (in->dtype != want) {
      return Unsupported(absl::StrCat(
          "input '", in->name, "' is ", ir::DTypeName(in->dtype),
          " (element-wise arithmetic is lowered for f32, for integer operands of one "
          "type in Add/Sub/Mul/Div/Mod/Max/Min/Pow/Where and comparisons, and for f16 in "
          "Max/Min/Mod)"));
    }
  }
  const ir::DType out = op.outputs[0]->dtype;
  const ir::DType want_out = IsComparison(op.type) || IsLogic(op.type) ? ir::DType::kBool
                             : narrow                                  ? operand
                                                                       : ir::DType::kF32;
  if (out != want_out) return Unsupported(absl::StrCat("output is ", ir::DTypeName(out)));
  if (narrow && !op.GetString("fused_activation", "").empty()) {
    return Unsupported(absl::StrCat("a fused activation on ", ir::DTypeName(operand)));
  }
  return CheckFusedActivation(op);
}

namespace {

bool IsConstantScalar(const ir::Value* v) {
  return v->is_constant && v->num_elements() == 1 && v->dtype == ir::DType::kF32;
}

// x <op> c or c <op> x with a compile-time constant scalar c: one Vector
// (or Scalar) instruction with an immediate, no second operand to load.
// Returns false when the form has no exact single-instruction equivalent.
bool LowerWithImmediate(const ir::Op& op, LowerContext& ctx, neff::AluOp alu) {
  const bool left_const = IsConstantScalar(op.input(0));
  const ir::Value* x_value = left_const ? op.input(1) : op.input(0);
  const float c = (left_const ? op.input(0) : op.input(1))->data_as<float>()[0];
  if (ir::NumElements(x_value->shape) != ir::NumElements(op.outputs[0]->shape)) return false;
  // c <op> x rewritten as x <op'> ...: which forms are exact.
  enum { kScalar, kNegateAdd, kReciprocal } form = kScalar;
  if (left_const) {
    switch (alu) {
      case neff::AluOp::ADD:
      case neff::AluOp::MULTIPLY:
      case neff::AluOp::MAXIMUM:
      case neff::AluOp::MINIMUM:
      case neff::AluOp::IS_EQUAL:
        break;
      case neff::AluOp::IS_GT:
        alu = neff::AluOp::IS_LT;
        break;
      case neff::AluOp::IS_GE:
        alu = neff::AluOp::IS_LE;
        break;
      case neff::AluOp::IS_LT:
        alu = neff::AluOp::IS_GT;
        break;
      case neff::AluOp::IS_LE:
        alu = neff::AluOp::IS_GE;
        break;
      case neff::AluOp::SUBTRACT:
        form = kNegateAdd;
        break;
      case neff::AluOp::DIVIDE:
        if (c == 0.0f || !std::isfinite(c)) return false;
        form = kReciprocal;
        break;
      default:
        return false;
    }
  }
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.GetString("fused_activation", ""), &func);
  const DramTensor& x = ctx.Tensor(x_value);
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int partitions = ctx.spec().partitions;
  for (const Chunk& chunk : ChunksOf(y.shape, partitions)) {
    auto buf = ctx.Sbuf("x", chunk.rows, chunk.free * 4);
    if (!buf.ok()) return false;
    Operand t = ctx.Tile(*buf, chunk.rows, chunk.free);
    ctx.Dma(t, OperandView(ctx, x, Broadcast::kSame, chunk));
    switch (form) {
      case kScalar:
        ctx.TensorScalar(t, t, alu, c);
        break;
      case kNegateAdd:  // c - x
        ctx.TensorScalarPerPartition(t, t, neff::AluOp::MULTIPLY, nullptr, -1.0f, neff::AluOp::ADD,
                                     nullptr, c);
        break;
      case kReciprocal:  // c / x = 1 / (x / c)
        ctx.Activation(t, t, neff::ActivationFunction::RECIPROCAL, 1.0f / c, nullptr);
        break;
    }
    if (func != neff::ActivationFunction::IDENTITY) ctx.Activation(t, t, func, 1.0f, nullptr);
    ctx.ApplyFusedClip(t);
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk), t);
  }
  return true;
}

}  // namespace

absl::Status LowerBinary(const ir::Op& op, LowerContext& ctx) {
  neff::AluOp alu = neff::AluOp::ADD;
  const bool plain_alu = ParseAlu(op.type, &alu);
  if (op.type == "Mod" && op.GetInt("fmod", 0) != 0) alu = neff::AluOp::FMOD;
  if (op.type == "BitShift" && op.GetString("direction", "") == "RIGHT") {
    alu = neff::AluOp::SHIFT_RIGHT;
  }
  if (plain_alu && op.type != "Mean" && op.inputs.size() == 2 &&
      (IsConstantScalar(op.input(0)) || IsConstantScalar(op.input(1))) &&
      !(IsConstantScalar(op.input(0)) && IsConstantScalar(op.input(1)))) {
    // Emits nothing when it declines, so falling through is safe.
    const size_t before = ctx.program().insts.size();
    if (LowerWithImmediate(op, ctx, alu)) return absl::OkStatus();
    if (ctx.program().insts.size() != before)
      return absl::InternalError("partial immediate lowering");
  }
  const ir::Shape& out_shape = op.outputs[0]->shape;
  const int64_t total = ir::NumElements(out_shape);
  const int partitions = ctx.spec().partitions;
  const size_t arity = op.inputs.size();

  std::vector<DramTensor> operands(arity);
  std::vector<Broadcast> kinds(arity);
  int64_t period = 1;
  for (size_t i = 0; i < arity; ++i) {
    const ir::Value* in = op.input(i);
    if (in == nullptr) continue;  // Clip's absent bound
    kinds[i] = Classify(BroadcastShape(op, i, ctx.opset()), out_shape);
    operands[i] = ctx.Tensor(in);
    if (kinds[i] == Broadcast::kSuffix) period = std::lcm(period, in->num_elements());
  }
  if (IsLegacyChannelSlope(op, ctx.opset())) {
    auto slope = ChannelSlope(ctx, *op.input(1), out_shape);
    if (!slope.ok()) return slope.status();
    operands[1] = *slope;
    kinds[1] = Broadcast::kSame;
  }
  for (size_t i = 0; i < arity; ++i) {
    const ir::Value* in = op.input(i);
    if (in == nullptr) continue;
    const bool too_long = kinds[i] == Broadcast::kSuffix && period > kMaxFree;
    if (kinds[i] != Broadcast::kOther && !too_long) continue;
    if (in->is_constant && in->dtype == ir::DType::kF32) {
      operands[i] = MaterializeBroadcast(ctx, *in, BroadcastShape(op, i, ctx.opset()), out_shape);
    } else {
      // Expand into a DRAM temporary by a zero-stride copy.
      Buffer buffer;
      buffer.name = ctx.Name(absl::StrCat("expand", i));
      buffer.space = Space::DRAM;
      buffer.bytes = total * ElemSize(operands[i].dtype);
      DramTensor expanded = operands[i];
      expanded.buffer = ctx.program().AddBuffer(std::move(buffer));
      expanded.shape = out_shape;
      const size_t rank = out_shape.size();
      const ir::Shape shape = BroadcastShape(op, i, ctx.opset());
      ir::Shape padded(rank, 1);
      std::copy(shape.begin(), shape.end(), padded.end() - shape.size());
      std::vector<int64_t> strides = RowMajorStrides(padded);
      for (size_t d = 0; d < rank; ++d) {
        if (padded[d] == 1) strides[d] = 0;
      }
      EmitStridedCopy(ctx, operands[i], 0, strides, expanded, 0, RowMajorStrides(out_shape),
                      out_shape);
      operands[i] = expanded;
    }
    kinds[i] = Broadcast::kSame;
  }
  if (period > kMaxFree) period = 1;
  // F: a multiple of every suffix operand's period, near total / 128.

  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.GetString("fused_activation", ""), &func);
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  for (const Chunk& chunk : ChunksOf(out_shape, partitions, period)) {
    std::vector<Operand> tiles(arity);
    for (size_t i = 0; i < arity; ++i) {
      if (op.input(i) == nullptr) continue;
      auto buf = ctx.Sbuf(absl::StrCat("in", i), chunk.rows, chunk.free * 4);
      if (!buf.ok()) return buf.status();
      tiles[i] = ctx.Tile(*buf, chunk.rows, chunk.free);
      ctx.Dma(tiles[i], OperandView(ctx, operands[i], kinds[i], chunk));
    }
    const bool clip = op.type == "Clip";
    const bool where = op.type == "Where";
    Operand& result = where ? tiles[1] : tiles[0];
    if (clip) {
      // Bounds computed at run time (constant ones take the unary path).
      if (tiles[1].valid()) ctx.TensorTensor(result, result, tiles[1], neff::AluOp::MAXIMUM);
      if (arity > 2 && tiles[2].valid()) {
        ctx.TensorTensor(result, result, tiles[2], neff::AluOp::MINIMUM);
      }
    } else if (where) {
      ctx.Select(result, tiles[0], tiles[1], tiles[2]);
    } else if (op.type == "PRelu") {
      // max(x, 0) + slope * min(x, 0)
      auto nb = ctx.Sbuf("negative", chunk.rows, chunk.free * 4);
      if (!nb.ok()) return nb.status();
      Operand negative = ctx.Tile(*nb, chunk.rows, chunk.free);
      ctx.TensorScalar(negative, tiles[0], neff::AluOp::MINIMUM, 0.0f);
      ctx.TensorTensor(tiles[1], tiles[1], negative, neff::AluOp::MULTIPLY);
      ctx.TensorScalar(tiles[0], tiles[0], neff::AluOp::MAXIMUM, 0.0f);
      ctx.TensorTensor(tiles[0], tiles[0], tiles[1], neff::AluOp::ADD);
    } else {
      // Two or more operands (Sum/Mean/Max/Min are variadic), folded left.
      for (size_t i = 1; i < arity; ++i) ctx.TensorTensor(result, result, tiles[i], alu);
      const int bits = 8 * ir::DTypeSize(op.outputs[0]->dtype);
      if (alu == neff::AluOp::SHIFT_LEFT && bits < 64) {
        // Wrap to the type's width as ONNX does (the ALU wraps at 64 bits);
        // exact: the shifted value keeps the operand's significant bits.
        ctx.TensorScalar(result, result, neff::AluOp::MOD, std::ldexp(1.0f, bits));
      }
      if (op.type == "Mean") {
        ctx.TensorScalar(result, result, neff::AluOp::MULTIPLY, 1.0f / static_cast<float>(arity));
      }
    }
    if (func != neff::ActivationFunction::IDENTITY) {
      ctx.Activation(result, result, func, 1.0f, nullptr);
    }
    ctx.ApplyFusedClip(result);
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk), result);
  }
  return absl::OkStatus();
}

namespace {

// One step of a unary op's on-tile program.
struct UnaryStep {
  enum Kind {
    kActivation,
    kScalar,
    kMaxWithInput,
    kMinWithInput,
    kMulWithInput,
    kAddPositivePartOfInput,  // work += scale * max(x, 0); clobbers x
    kNotEqualToInput,         // work = src != x (x != x finds NaNs)
  } kind;
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  float scale = 1.0f;
  neff::AluOp alu = neff::AluOp::BYPASS, alu2 = neff::AluOp::BYPASS;
  float imm = 0.0f, imm2 = 0.0f;
};

UnaryStep Act(neff::ActivationFunction f, float scale = 1.0f) {
  UnaryStep s{UnaryStep::kActivation};
  s.func = f;
  s.scale = scale;
  return s;
}

UnaryStep Scalar(neff::AluOp a, float imm, neff::AluOp a2 = neff::AluOp::BYPASS, float imm2 = 0) {
  UnaryStep s{UnaryStep::kScalar};
  s.alu = a, s.imm = imm, s.alu2 = a2, s.imm2 = imm2;
  return s;
}

// A constant scalar input (f32, or an integer of Clip's integer form) as
// fp32; `default_value` when the input is omitted.
absl::StatusOr<float> ScalarInput(const ir::Op& op, size_t i, float default_value) {
  const ir::Value* v = op.input(i);
  if (v == nullptr) return default_value;
  if (!v->is_constant || v->num_elements() != 1) {
    return Unsupported(absl::StrCat("input ", i, " must be a constant scalar"));
  }
  switch (v->dtype) {
    case ir::DType::kF32:
      return v->data_as<float>()[0];
    case ir::DType::kI8:
      return v->data_as<int8_t>()[0];
    case ir::DType::kU8:
      return v->data_as<uint8_t>()[0];
    case ir::DType::kI32:
      return static_cast<float>(v->data_as<int32_t>()[0]);
    case ir::DType::kI64:
      return static_cast<float>(v->data_as<int64_t>()[0]);
    default:
      return Unsupported(absl::StrCat("input ", i, " is ", ir::DTypeName(v->dtype)));
  }
}

// The on-tile program of each unary op; the steps apply to a work tile that
// starts as a copy of x ("WithInput" steps combine it with x again).
absl::StatusOr<std::vector<UnaryStep>> UnaryProgram(const ir::Op& op) {
  using F = neff::ActivationFunction;
  using A = neff::AluOp;
  static const std::pair<const char*, F> kDirect[] = {
      {"Relu", F::RELU},         {"Sigmoid", F::SIGMOID}, {"Tanh", F::TANH},
      {"Exp", F::EXP},           {"Erf", F::ERF},         {"Sqrt", F::SQRT},
      {"Log", F::LOG},           {"Abs", F::ABS},         {"Reciprocal", F::RECIPROCAL},
      {"Softplus", F::SOFTPLUS}, {"Sign", F::SIGN},       {"Sin", F::SIN},
      {"Cos", F::COS},           {"Tan", F::TAN},         {"Sinh", F::SINH},
      {"Cosh", F::COSH},         {"Asin", F::ASIN},       {"Acos", F::ACOS},
      {"Atan", F::ATAN},         {"Asinh", F::ASINH},     {"Acosh", F::ACOSH},
      {"Atanh", F::ATANH},       {"Floor", F::FLOOR},     {"Ceil", F::CEIL},
      {"Round", F::ROUND},
  };
  for (const auto& [type, func] : kDirect) {
    if (op.type == type) return std::vector<UnaryStep>{Act(func)};
  }
  if (op.type == "Neg") return std::vector<UnaryStep>{Act(F::IDENTITY, -1.0f)};
  if (op.type == "Not") return std::vector<UnaryStep>{Scalar(A::IS_EQUAL, 0.0f)};
  if (op.type == "ThresholdedRelu") {
    return std::vector<UnaryStep>{Scalar(A::IS_GT, op.GetFloat("alpha", 1.0f)),
                                  UnaryStep{UnaryStep::kMulWithInput}};
  }
  if (op.type == "IsInf") {
    const bool pos = op.GetInt("detect_positive", 1) != 0,
               neg = op.GetInt("detect_negative", 1) != 0;
    if (pos && neg) return std::vector<UnaryStep>{Act(F::ABS), Scalar(A::IS_EQUAL, INFINITY)};
    if (pos) return std::vector<UnaryStep>{Scalar(A::IS_EQUAL, INFINITY)};
    if (neg) return std::vector<UnaryStep>{Scalar(A::IS_EQUAL, -INFINITY)};
    return std::vector<UnaryStep>{Scalar(A::MULTIPLY, 0.0f, A::BYPASS, 0.0f),
                                  Scalar(A::IS_EQUAL, 1.0f)};
  }
  if (op.type == "IsNaN") return std::vector<UnaryStep>{UnaryStep{UnaryStep::kNotEqualToInput}};
  if (op.type == "Elu" || op.type == "Selu" || op.type == "Celu") {
    // x > 0 ? gamma x : gamma alpha (exp(x / a) - 1), a = alpha for Celu, 1 otherwise.
    const bool celu = op.type == "Celu", selu = op.type == "Selu";
    const float alpha = op.GetFloat("alpha", selu ? 1.67326319217681884765625f : 1.0f);
    const float gamma = selu ? op.GetFloat("gamma", 1.05070102214813232421875f) : 1.0f;
    UnaryStep positive{UnaryStep::kAddPositivePartOfInput};
    positive.scale = gamma;
    return std::vector<UnaryStep>{Scalar(A::MINIMUM, 0.0f), Act(F::EXP, celu ? 1.0f / alpha : 1.0f),
                                  Scalar(A::SUBTRACT, 1.0f, A::MULTIPLY, alpha * gamma), positive};
  }
  if (op.type == "Gelu") {
    const std::string approx = op.GetString("approximate", "none");
    if (approx != "none" && approx != "tanh")
      return Unsupported(absl::StrCat("approximate='", approx, "'"));
    return std::vector<UnaryStep>{Act(approx == "tanh" ? F::GELU_TANH : F::GELU)};
  }
  if (op.type == "Clip") {
    float lo = op.GetFloat("min", -INFINITY), hi = op.GetFloat("max", INFINITY);
    if (op.inputs.size() > 1) {
      auto l = ScalarInput(op, 1, -INFINITY);
      auto h = ScalarInput(op, 2, INFINITY);
      if (!l.ok()) return l.status();
      if (!h.ok()) return h.status();
      lo = *l, hi = *h;
    }
    return std::vector<UnaryStep>{Scalar(A::MAXIMUM, lo, A::MINIMUM, hi)};
  }
  if (op.type == "LeakyRelu") {
    const float alpha = op.GetFloat("alpha", 0.01f);
    UnaryStep combine{alpha <= 1.0f ? UnaryStep::kMaxWithInput : UnaryStep::kMinWithInput};
    return std::vector<UnaryStep>{Scalar(A::MULTIPLY, alpha), combine};
  }
  if (op.type == "HardSigmoid") {
    return std::vector<UnaryStep>{
        Scalar(A::MULTIPLY, op.GetFloat("alpha", 0.2f), A::ADD, op.GetFloat("beta", 0.5f)),
        Scalar(A::MAXIMUM, 0.0f, A::MINIMUM, 1.0f)};
  }
  if (op.type == "HardSwish") {
    return std::vector<UnaryStep>{Scalar(A::MULTIPLY, 1.0f / 6.0f, A::ADD, 0.5f),
                                  Scalar(A::MAXIMUM, 0.0f, A::MINIMUM, 1.0f),
                                  UnaryStep{UnaryStep::kMulWithInput}};
  }
  if (op.type == "Softsign") {
    return std::vector<UnaryStep>{Act(F::ABS), Scalar(A::ADD, 1.0f), Act(F::RECIPROCAL),
                                  UnaryStep{UnaryStep::kMulWithInput}};
  }
  return Unsupported("op type is not supported");
}

}  // namespace

absl::Status CheckShrink(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerShrink(const ir::Op& op, LowerContext& ctx) {
  // y = x + bias where x < -lambd, x - bias where x > lambd, 0 elsewhere:
  // selects, so each branch is exact (and inf stays inf).
  const float lambd = op.GetFloat("lambd", 0.5f), bias = op.GetFloat("bias", 0.0f);
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int partitions = ctx.spec().partitions;
  for (const Chunk& chunk : ChunksOf(y.shape, partitions)) {
    auto xb = ctx.Sbuf("x", chunk.rows, chunk.free * 4);
    auto yb = ctx.Sbuf("y", chunk.rows, chunk.free * 4);
    auto sb = ctx.Sbuf("shifted", chunk.rows, chunk.free * 4);
    auto mb = ctx.Sbuf("mask", chunk.rows, chunk.free * 4);
    for (auto* b : {&xb, &yb, &sb, &mb}) {
      if (!b->ok()) return b->status();
    }
    Operand in = ctx.Tile(*xb, chunk.rows, chunk.free), out = ctx.Tile(*yb, chunk.rows, chunk.free);
    Operand shifted = ctx.Tile(*sb, chunk.rows, chunk.free);
    Operand mask = ctx.Tile(*mb, chunk.rows, chunk.free);
    ctx.Dma(in, OperandView(ctx, x, Broadcast::kSame, chunk));
    ctx.Memset(out, 0.0f);
    ctx.TensorScalar(mask, in, neff::AluOp::IS_LT, -lambd);
    ctx.TensorScalar(shifted, in, neff::AluOp::ADD, bias);
    ctx.Select(out, mask, shifted, out);
    ctx.TensorScalar(mask, in, neff::AluOp::IS_GT, lambd);
    ctx.TensorScalar(shifted, in, neff::AluOp::SUBTRACT, bias);
    ctx.Select(out, mask, shifted, out);
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk), out);
  }
  return absl::OkStatus();
}

bool ClipHasRuntimeBounds(const ir::Op& op) {
  for (size_t i = 1; i < op.inputs.size(); ++i) {
    if (op.input(i) != nullptr && !op.input(i)->is_constant) return true;
  }
  return false;
}

absl::Status CheckClip(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x != nullptr && x->dtype != ir::DType::kF32 && IntegerArithmetic("Max", x->dtype)) {
    // Integers: maximum/minimum in fp32, exact below 2^24 in magnitude.
    for (const ir::Value* v : op.inputs) {
      if (v != nullptr && v->dtype != x->dtype) {
        return Unsupported(absl::StrCat("bound '", v->name, "' is ", ir::DTypeName(v->dtype),
                                        ", not the input's ", ir::DTypeName(x->dtype)));
      }
    }
    if (op.outputs[0]->dtype != x->dtype) {
      return Unsupported(absl::StrCat("output is ", ir::DTypeName(op.outputs[0]->dtype)));
    }
    if (ClipHasRuntimeBounds(op)) return absl::OkStatus();
    auto program = UnaryProgram(op);
    return program.ok() ? absl::OkStatus() : program.status();
  }
  if (!ClipHasRuntimeBounds(op)) return CheckUnary(op);
  for (const ir::Value* v : op.inputs) {
    if (v != nullptr && v->dtype != ir::DType::kF32) return Unsupported("only f32");
  }
  if (op.outputs[0]->dtype != ir::DType::kF32) return Unsupported("only f32");
  return absl::OkStatus();
}

absl::Status LowerClip(const ir::Op& op, LowerContext& ctx) {
  return ClipHasRuntimeBounds(op) ? LowerBinary(op, ctx) : LowerUnary(op, ctx);
}

absl::Status CheckUnary(const ir::Op& op) {
  if (op.type == "Not") {
    if (op.input(0) == nullptr || op.input(0)->dtype != ir::DType::kBool) {
      return Unsupported("Not takes bool");
    }
    return absl::OkStatus();
  }
  if (op.type == "IsInf" || op.type == "IsNaN") {
    if (op.input(0) == nullptr || op.input(0)->dtype != ir::DType::kF32) {
      return Unsupported("only f32 inputs");
    }
    return absl::OkStatus();
  }
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  auto program = UnaryProgram(op);
  return program.ok() ? absl::OkStatus() : program.status();
}

absl::Status LowerUnary(const ir::Op& op, LowerContext& ctx) {
  auto program = UnaryProgram(op);
  if (!program.ok()) return program.status();
  bool needs_input = false;
  for (const UnaryStep& step : *program) needs_input |= step.kind >= UnaryStep::kMaxWithInput;
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int partitions = ctx.spec().partitions;
  for (const Chunk& chunk : ChunksOf(y.shape, partitions)) {
    auto buf = ctx.Sbuf("x", chunk.rows, chunk.free * 4);
    if (!buf.ok()) return buf.status();
    Operand in = ctx.Tile(*buf, chunk.rows, chunk.free);
    ctx.Dma(in, OperandView(ctx, x, Broadcast::kSame, chunk));
    Operand work = in;
    if (needs_input) {
      auto wbuf = ctx.Sbuf("work", chunk.rows, chunk.free * 4);
      if (!wbuf.ok()) return wbuf.status();
      work = ctx.Tile(*wbuf, chunk.rows, chunk.free);
    }
    const Operand* src = &in;  // the first step reads x
    for (const UnaryStep& step : *program) {
      switch (step.kind) {
        case UnaryStep::kActivation:
          ctx.Activation(work, *src, step.func, step.scale, nullptr);
          break;
        case UnaryStep::kScalar:
          ctx.TensorScalarPerPartition(work, *src, step.alu, nullptr, step.imm, step.alu2, nullptr,
                                       step.imm2);
          break;
        case UnaryStep::kMaxWithInput:
          ctx.TensorTensor(work, *src, in, neff::AluOp::MAXIMUM);
          break;
        case UnaryStep::kMinWithInput:
          ctx.TensorTensor(work, *src, in, neff::AluOp::MINIMUM);
          break;
        case UnaryStep::kMulWithInput:
          ctx.TensorTensor(work, *src, in, neff::AluOp::MULTIPLY);
          break;
        case UnaryStep::kNotEqualToInput:
          ctx.TensorTensor(work, *src, in, neff::AluOp::NOT_EQUAL);
          break;
        case UnaryStep::kAddPositivePartOfInput:
          ctx.TensorScalarPerPartition(in, in, neff::AluOp::MAXIMUM, nullptr, 0.0f,
                                       neff::AluOp::MULTIPLY, nullptr, step.scale);
          ctx.TensorTensor(work, *src, in, neff::AluOp::ADD);
          break;
      }
      src = &work;
    }
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk), work);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
