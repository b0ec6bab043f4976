#include "compiler/lower/lower.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/lower/constant_ops.h"
#include "compiler/lower/conv.h"
#include "compiler/lower/conv_transpose.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/einsum.h"
#include "compiler/lower/elementwise.h"
#include "compiler/lower/gather.h"
#include "compiler/lower/grid_sample.h"
#include "compiler/lower/layout.h"
#include "compiler/lower/linalg.h"
#include "compiler/lower/lower_context.h"
#include "compiler/lower/matmul.h"
#include "compiler/lower/norm.h"
#include "compiler/lower/pool.h"
#include "compiler/lower/quantize.h"
#include "compiler/lower/recurrent.h"
#include "compiler/lower/reduce.h"
#include "compiler/lower/resize.h"
#include "compiler/lower/roi_align.h"
#include "compiler/lower/scatter.h"
#include "compiler/lower/spectral.h"
#include "compiler/lower/window.h"

namespace ncc::lower {
namespace {

struct OpLowering {
  const char* type;
  absl::Status (*check)(const ir::Op&);
  absl::Status (*lower)(const ir::Op&, LowerContext&);
};

constexpr OpLowering kLowerings[] = {
    {"Abs", CheckUnary, LowerUnary},
    {"Acos", CheckUnary, LowerUnary},
    {"Acosh", CheckUnary, LowerUnary},
    {"Add", CheckBinary, LowerBinary},
    {"And", CheckBinary, LowerBinary},
    {"ArgMax", CheckArgReduce, LowerArgReduce},
    {"ArgMin", CheckArgReduce, LowerArgReduce},
    {"Asin", CheckUnary, LowerUnary},
    {"Asinh", CheckUnary, LowerUnary},
    {"Atan", CheckUnary, LowerUnary},
    {"Atanh", CheckUnary, LowerUnary},
    {"AveragePool", CheckPool, LowerPool},
    {"BatchNormalization", CheckBatchNorm, LowerBatchNorm},
    {"BitShift", CheckBinary, LowerBinary},
    {"BlackmanWindow", CheckWindow, LowerWindow},
    {"Cast", CheckCast, LowerCast},
    {"CastLike", CheckCast, LowerCast},
    {"Ceil", CheckUnary, LowerUnary},
    {"Celu", CheckUnary, LowerUnary},
    {"Clip", CheckClip, LowerClip},
    {"Concat", CheckConcat, LowerConcat},
    {"ConstantOfShape", CheckComputedConstant, LowerComputedConstant},
    {"Conv", CheckConv, LowerConv},
    {"ConvInteger", CheckIntegerConv, LowerIntegerConv},
    {"ConvTranspose", CheckConvTranspose, LowerConvTranspose},
    {"Cos", CheckUnary, LowerUnary},
    {"Cosh", CheckUnary, LowerUnary},
    {"CumSum", CheckCumSum, LowerCumSum},
    {"DFT", CheckDft, LowerDft},
    {"DepthToSpace", CheckDepthSpace, LowerDepthSpace},
    {"DequantizeLinear", CheckDequantizeLinear, LowerDequantizeLinear},
    {"Det", CheckDet, LowerDet},
    {"Div", CheckBinary, LowerBinary},
    {"Dropout", CheckLayout, LowerLayout},
    {"DynamicQuantizeLinear", CheckDynamicQuantizeLinear, LowerDynamicQuantizeLinear},
    {"Einsum", CheckEinsum, LowerEinsum},
    {"Elu", CheckUnary, LowerUnary},
    {"Equal", CheckBinary, LowerBinary},
    {"Erf", CheckUnary, LowerUnary},
    {"Exp", CheckUnary, LowerUnary},
    {"Expand", CheckExpand, LowerExpand},
    {"EyeLike", CheckComputedConstant, LowerComputedConstant},
    {"Flatten", CheckLayout, LowerLayout},
    {"Floor", CheckUnary, LowerUnary},
    {"GRU", CheckRecurrent, LowerRecurrent},
    {"Gather", CheckGather, LowerGather},
    {"GatherElements", CheckGatherElements, LowerGatherElements},
    {"GatherND", CheckGatherNd, LowerGatherNd},
    {"Gelu", CheckUnary, LowerUnary},
    {"Gemm", CheckGemm, LowerGemm},
    {"GlobalAveragePool", CheckGlobalPool, LowerGlobalPool},
    {"GlobalMaxPool", CheckGlobalPool, LowerGlobalPool},
    {"Greater", CheckBinary, LowerBinary},
    {"GreaterOrEqual", CheckBinary, LowerBinary},
    {"GridSample", CheckGridSample, LowerGridSample},
    {"HammingWindow", CheckWindow, LowerWindow},
    {"HannWindow", CheckWindow, LowerWindow},
    {"HardSigmoid", CheckUnary, LowerUnary},
    {"HardSwish", CheckUnary, LowerUnary},
    {"Hardmax", CheckArgReduce, LowerArgReduce},
    {"Identity", CheckLayout, LowerLayout},
    {"InstanceNormalization", CheckInstanceNorm, LowerInstanceNorm},
    {"IsInf", CheckUnary, LowerUnary},
    {"IsNaN", CheckUnary, LowerUnary},
    {"LRN", CheckLrn, LowerLrn},
    {"LSTM", CheckRecurrent, LowerRecurrent},
    {"LayerNormalization", CheckLayerNorm, LowerLayerNorm},
    {"LeakyRelu", CheckUnary, LowerUnary},
    {"Less", CheckBinary, LowerBinary},
    {"LessOrEqual", CheckBinary, LowerBinary},
    {"Log", CheckUnary, LowerUnary},
    {"LogSoftmax", CheckSoftmax, LowerSoftmax},
    {"MatMul", CheckMatMul, LowerMatMul},
    {"MatMulInteger", CheckIntegerMatMul, LowerIntegerMatMul},
    {"Max", CheckBinary, LowerBinary},
    {"MaxPool", CheckPool, LowerPool},
    {"MaxUnpool", CheckMaxUnpool, LowerMaxUnpool},
    {"Mean", CheckBinary, LowerBinary},
    {"MeanVarianceNormalization", CheckMeanVarianceNorm, LowerMeanVarianceNorm},
    {"MelWeightMatrix", CheckMelWeightMatrix, LowerMelWeightMatrix},
    {"Min", CheckBinary, LowerBinary},
    {"Mod", CheckBinary, LowerBinary},
    {"Mul", CheckBinary, LowerBinary},
    {"Neg", CheckUnary, LowerUnary},
    {"Not", CheckUnary, LowerUnary},
    {"OneHot", CheckOneHot, LowerOneHot},
    {"Or", CheckBinary, LowerBinary},
    {"PRelu", CheckBinary, LowerBinary},
    {"Pad", CheckPad, LowerPad},
    {"Pow", CheckBinary, LowerBinary},
    {"QLinearConv", CheckIntegerConv, LowerIntegerConv},
    {"QLinearMatMul", CheckIntegerMatMul, LowerIntegerMatMul},
    {"QuantizeLinear", CheckQuantizeLinear, LowerQuantizeLinear},
    {"RNN", CheckRecurrent, LowerRecurrent},
    {"Range", CheckComputedConstant, LowerComputedConstant},
    {"Reciprocal", CheckUnary, LowerUnary},
    {"ReduceL1", CheckReduce, LowerReduce},
    {"ReduceL2", CheckReduce, LowerReduce},
    {"ReduceLogSum", CheckReduce, LowerReduce},
    {"ReduceLogSumExp", CheckReduce, LowerReduce},
    {"ReduceMax", CheckReduce, LowerReduce},
    {"ReduceMean", CheckReduce, LowerReduce},
    {"ReduceMin", CheckReduce, LowerReduce},
    {"ReduceProd", CheckReduce, LowerReduce},
    {"ReduceSum", CheckReduce, LowerReduce},
    {"ReduceSumSquare", CheckReduce, LowerReduce},
    {"Relu", CheckUnary, LowerUnary},
    {"Reshape", CheckLayout, LowerLayout},
    {"Resize", CheckResize, LowerResize},
    {"ReverseSequence", CheckReverseSequence, LowerReverseSequence},
    {"RoiAlign", CheckRoiAlign, LowerRoiAlign},
    {"Round", CheckUnary, LowerUnary},
    {"STFT", CheckStft, LowerStft},
    {"Scatter", CheckScatter, LowerScatter},
    {"ScatterElements", CheckScatter, LowerScatter},
    {"ScatterND", CheckScatter, LowerScatter},
    {"Selu", CheckUnary, LowerUnary},
    {"Shape", CheckComputedConstant, LowerComputedConstant},
    {"Shrink", CheckShrink, LowerShrink},
    {"Sigmoid", CheckUnary, LowerUnary},
    {"Sign", CheckUnary, LowerUnary},
    {"Sin", CheckUnary, LowerUnary},
    {"Sinh", CheckUnary, LowerUnary},
    {"Size", CheckComputedConstant, LowerComputedConstant},
    {"Slice", CheckSlice, LowerSlice},
    {"Softmax", CheckSoftmax, LowerSoftmax},
    {"Softplus", CheckUnary, LowerUnary},
    {"Softsign", CheckUnary, LowerUnary},
    {"SpaceToDepth", CheckDepthSpace, LowerDepthSpace},
    {"Split", CheckSplit, LowerSplit},
    {"Sqrt", CheckUnary, LowerUnary},
    {"Squeeze", CheckLayout, LowerLayout},
    {"Sub", CheckBinary, LowerBinary},
    {"Sum", CheckBinary, LowerBinary},
    {"Tan", CheckUnary, LowerUnary},
    {"Tanh", CheckUnary, LowerUnary},
    {"ThresholdedRelu", CheckUnary, LowerUnary},
    {"Tile", CheckTile, LowerTile},
    {"TopK", CheckTopK, LowerTopK},
    {"Transpose", CheckTranspose, LowerTranspose},
    {"Trilu", CheckTrilu, LowerTrilu},
    {"Unsqueeze", CheckLayout, LowerLayout},
    {"Upsample", CheckResize, LowerResize},
    {"Where", CheckBinary, LowerBinary},
    {"Xor", CheckBinary, LowerBinary},
};

const OpLowering* Find(const std::string& type) {
  for (const OpLowering& l : kLowerings) {
    if (type == l.type) return &l;
  }
  return nullptr;
}

absl::Status CheckOp(const ir::Op& op) {
  const OpLowering* l = Find(op.type);
  if (l == nullptr) return absl::UnimplementedError("op type is not supported");
  return l->check(op);
}

DramTensor WeightsTensor(LowerContext& ctx, const ir::Value& value) {
  Buffer buffer;
  buffer.name = value.name;
  buffer.space = Space::WEIGHTS;
  buffer.bytes = value.size_bytes();
  buffer.external = &value.data;
  DramTensor tensor;
  tensor.buffer = ctx.program().AddBuffer(std::move(buffer));
  tensor.space = Space::WEIGHTS;
  tensor.dtype = ToNeffDType(value.dtype).value_or(neff::DType::F32);
  tensor.shape = value.shape;
  return tensor;
}

IoTensor MakeIo(const ir::Value& value, int buffer) {
  IoTensor io;
  io.name = value.name;
  io.dtype = ToNeffDType(value.dtype).value_or(neff::DType::F32);
  io.shape = value.shape;
  io.buffer = buffer;
  return io;
}

// A float Cast whose only readers are matmul-like ops consuming it as a
// multiplied operand (auto-cast's `Cast(x) {to=bf16}` before Conv/Gemm/
// MatMul): the consumers load x straight into tiles of the cast type.
bool IsCastOnLoad(const ir::Graph& graph, const ir::Op& op) {
  if (op.type != "Cast" || op.input(0) == nullptr) return false;
  const ir::Value* in = op.input(0);
  const ir::Value* out = op.outputs[0];
  if (!ir::IsFloat(in->dtype) || !ir::IsFloat(out->dtype) || graph.IsGraphOutput(out)) return false;
  const std::vector<ir::Op*> users = graph.Users(out);
  if (users.empty()) return false;
  for (const ir::Op* user : users) {
    if (user->type != "Conv" && user->type != "Gemm" && user->type != "MatMul") return false;
    for (size_t i = 2; i < user->inputs.size(); ++i) {
      if (user->inputs[i] == out) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<UnsupportedOp> FindUnsupported(const ir::Graph& graph) {
  std::vector<UnsupportedOp> result;
  for (const auto& op : graph.ops()) {
    absl::Status status = CheckOp(*op);
    if (!status.ok()) {
      result.push_back({op->type, op->name, std::string(status.message())});
    }
  }
  return result;
}

namespace {

bool IsSixteenBitFloat(const ir::Value* v) {
  return v != nullptr && (v->dtype == ir::DType::kBF16 || v->dtype == ir::DType::kF16);
}

}  // namespace

int LegalizeSixteenBitFloats(ir::Graph& graph) {
  std::vector<ir::Op*> candidates;
  for (const auto& op : graph.ops()) {
    if (op->type == "Cast" || CheckOp(*op).ok()) continue;
    bool narrow = false;
    for (const ir::Value* v : op->inputs) narrow |= IsSixteenBitFloat(v);
    for (const ir::Value* v : op->outputs) narrow |= IsSixteenBitFloat(v);
    if (narrow) candidates.push_back(op.get());
  }
  int wrapped = 0;
  for (ir::Op* op : candidates) {
    // Widen 16-bit inputs (one Cast per value and op), compute in f32.
    for (ir::Value*& in : op->inputs) {
      if (!IsSixteenBitFloat(in)) continue;
      ir::Value* wide =
          graph.AddValue(graph.UniqueName(in->name + ".f32"), ir::DType::kF32, in->shape);
      ir::Op* cast = graph.InsertOpBefore(op, "Cast", op->name + "/widen", {in}, {wide});
      cast->attrs["to"] = int64_t{1};  // ONNX FLOAT
      in = wide;
    }
    // Results in f32, rounded to the 16-bit values the graph expects.
    const auto& ops = graph.ops();
    ir::Op* next = nullptr;
    for (size_t k = 0; k + 1 < ops.size(); ++k) {
      if (ops[k].get() == op) next = ops[k + 1].get();
    }
    for (ir::Value*& out : op->outputs) {
      if (!IsSixteenBitFloat(out)) continue;
      ir::Value* narrow = out;
      ir::Value* wide =
          graph.AddValue(graph.UniqueName(out->name + ".f32"), ir::DType::kF32, out->shape);
      out = wide;
      wide->producer = op;
      ir::Op* cast = graph.InsertOpBefore(next, "Cast", op->name + "/round", {wide}, {narrow});
      cast->attrs["to"] = int64_t{narrow->dtype == ir::DType::kBF16 ? 16 : 10};
    }
    if (CheckOp(*op).ok()) ++wrapped;
  }
  return wrapped;
}

std::vector<std::string> SupportedOpTypes() {
  std::vector<std::string> types;
  for (const OpLowering& l : kLowerings) types.push_back(l.type);
  std::sort(types.begin(), types.end());
  return types;
}

absl::StatusOr<TileProgram> Lower(const ir::Graph& graph, const target::CoreSpec& spec) {
  TileProgram program;
  LowerContext ctx(&program, &spec);
  ctx.set_opset(graph.opset());
  // Model inputs and outputs get pinned DRAM buffers of their own.
  for (const ir::Value* in : graph.inputs()) {
    DramTensor& t = ctx.NewDramTensor(in);
    program.buffers[t.buffer].pinned = true;
    program.inputs.push_back(MakeIo(*in, t.buffer));
  }
  // Outputs that are model inputs or constants (or listed twice) get their
  // own buffer and a copy at the end.
  std::vector<std::pair<const ir::Value*, DramTensor>> copied_outputs;
  for (const ir::Value* out : graph.outputs()) {
    if (ctx.HasTensor(out) || out->is_constant) {
      DramTensor t;
      Buffer buffer;
      buffer.name = out->name + "/output";
      buffer.space = Space::DRAM;
      buffer.bytes = out->size_bytes();
      buffer.pinned = true;
      t.buffer = program.AddBuffer(std::move(buffer));
      t.dtype = ToNeffDType(out->dtype).value_or(neff::DType::F32);
      t.shape = out->shape;
      copied_outputs.emplace_back(out, t);
      program.outputs.push_back(MakeIo(*out, t.buffer));
      continue;
    }
    DramTensor& t = ctx.NewDramTensor(out);
    program.buffers[t.buffer].pinned = true;
    program.outputs.push_back(MakeIo(*out, t.buffer));
  }
  for (const auto& value : graph.values()) {
    if (value->is_constant) ctx.BindTensor(value.get(), WeightsTensor(ctx, *value));
  }
  for (const auto& op : graph.ops()) {
    const OpLowering* l = Find(op->type);
    if (l == nullptr) {
      return absl::UnimplementedError(absl::StrCat(op->Describe(), ": op type is not supported"));
    }
    if (absl::Status s = l->check(*op); !s.ok()) {
      return absl::UnimplementedError(absl::StrCat(op->Describe(), ": ", s.message()));
    }
    if (IsCastOnLoad(graph, *op)) {
      // Folded into the consumers' loads: no instruction, no DRAM copy.
      DramTensor folded = ctx.Tensor(op->input(0));
      folded.load_dtype = ToNeffDType(op->outputs[0]->dtype).value_or(neff::DType::F32);
      ctx.BindTensor(op->outputs[0], folded);
      continue;
    }
    program.nodes.push_back(op->Describe());
    ctx.set_node(static_cast<int>(program.nodes.size()) - 1, op.get());
    for (const ir::Value* out : op->outputs) {
      if (ctx.HasTensor(out) || IsLayoutAlias(*op)) continue;
      ctx.NewDramTensor(out);
    }
    if (absl::Status s = l->lower(*op, ctx); !s.ok()) {
      // The one place a lowering error gets its node's name.
      return absl::Status(s.code(), absl::StrCat(op->Describe(), ": ", s.message()));
    }
    if (static_cast<int64_t>(program.insts.size()) > spec.max_instructions) {
      return absl::ResourceExhaustedError(absl::StrCat(
          op->Describe(), ": the program exceeds ", spec.max_instructions, " instructions (",
          program.insts.size(), " so far), the most one ", spec.name, " program may have"));
    }
  }
  if (!copied_outputs.empty()) {
    program.nodes.push_back("model outputs");
    ctx.set_node(static_cast<int>(program.nodes.size()) - 1, nullptr);
    for (const auto& [value, dst] : copied_outputs) {
      if (value->num_elements() == 0) continue;
      EmitCopy(ctx, ctx.Tensor(value), dst);
    }
  }
  return program;
}

}  // namespace ncc::lower
