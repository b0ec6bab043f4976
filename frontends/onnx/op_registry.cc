#include "frontends/onnx/op_registry.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/unsupported.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

bool HasInput(const onnx::NodeProto& node, int i) {
  return node.input_size() > i && !node.input(i).empty();
}

bool HasOutput(const onnx::NodeProto& node, int i) {
  return node.output_size() > i && !node.output(i).empty();
}

int Rank(const std::vector<int>& ranks, size_t i) { return i < ranks.size() ? ranks[i] : -1; }

void CheckConv(const onnx::NodeProto&, const NodeTypes& types, std::vector<std::string>* problems) {
  const int rank = Rank(types.input_ranks, 0);
  if (rank >= 0 && (rank < 3 || rank > 5)) {
    problems->push_back(
        absl::StrCat("input X has rank ", rank,
                     "; only 1-D, 2-D and 3-D convolution (rank-3/4/5 input) is supported"));
  }
}

void CheckConvTranspose(const onnx::NodeProto&, const NodeTypes& types,
                        std::vector<std::string>* problems) {
  const int rank = Rank(types.input_ranks, 0);
  if (rank >= 0 && (rank < 3 || rank > 5)) {
    problems->push_back(
        absl::StrCat("input X has rank ", rank,
                     "; only 1-D, 2-D and 3-D ConvTranspose (rank-3/4/5 input) is supported"));
  }
}

void CheckResize(const onnx::NodeProto& node, const NodeTypes&,
                 std::vector<std::string>* problems) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "antialias" && attr.i() != 0) problems->push_back("attribute 'antialias'=1");
  }
}

void CheckGridSample(const onnx::NodeProto&, const NodeTypes& types,
                     std::vector<std::string>* problems) {
  const int rank = Rank(types.input_ranks, 0);
  if (rank >= 0 && rank != 4) {
    problems->push_back(absl::StrCat("input X has rank ", rank, "; only 4-D [N, C, H, W]"));
  }
}

void CheckWindow(const onnx::NodeProto& node, const NodeTypes&,
                 std::vector<std::string>* problems) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() != "output_datatype") continue;
    const int64_t t = attr.i();
    if (t != onnx::TensorProto::FLOAT && t != onnx::TensorProto::FLOAT16 &&
        t != onnx::TensorProto::BFLOAT16 && t != onnx::TensorProto::DOUBLE) {
      problems->push_back(absl::StrCat("attribute 'output_datatype'=", t,
                                       " (only float, float16, bfloat16 and double)"));
    }
  }
}

void CheckGemm(const onnx::NodeProto&, const NodeTypes& types, std::vector<std::string>* problems) {
  const int c_rank = Rank(types.input_ranks, 2);
  if (c_rank > 2) problems->push_back(absl::StrCat("input C has rank ", c_rank, " (at most 2)"));
}

void CheckMatMul(const onnx::NodeProto&, const NodeTypes& types,
                 std::vector<std::string>* problems) {
  const int a = Rank(types.input_ranks, 0), b = Rank(types.input_ranks, 1);
  if (a == 0 || b == 0) problems->push_back("scalar operands");
  if (a >= 0 && b > 2 && a != b) {
    problems->push_back(absl::StrCat("batched B (rank ", b, ") must have A's rank (", a, ")"));
  }
}

void CheckDropout(const onnx::NodeProto& node, const NodeTypes&,
                  std::vector<std::string>* problems) {
  if (HasInput(node, 2)) {
    problems->push_back("input training_mode (only inference, where Dropout is the identity)");
  }
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "is_test" && attr.i() == 0) {
      problems->push_back("attribute 'is_test'=0 (training mode)");
    }
  }
}

void CheckBatchNorm(const onnx::NodeProto& node, const NodeTypes&,
                    std::vector<std::string>* problems) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "spatial" && attr.i() != 1) {
      problems->push_back("attribute 'spatial'=0 (per-activation statistics)");
    }
  }
  bool training = false;
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "training_mode" && attr.i() != 0) training = true;
  }
  // Before opset 14 training was signalled by the extra outputs (mean, var,
  // saved_mean, saved_var); only training_mode=1 with running_mean and
  // running_var is supported.
  if (!training && HasOutput(node, 1)) {
    problems->push_back("the running-statistics outputs without training_mode=1 (pre-14 training)");
  }
  if (HasOutput(node, 3)) problems->push_back("the saved_mean/saved_var outputs (pre-14 training)");
}

void CheckLayerNorm(const onnx::NodeProto& node, const NodeTypes& types,
                    std::vector<std::string>* problems) {
  // Mean and InvStdDev are f32 like Y (stash_type 1, the default).
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "stash_type" && attr.i() != 1) {
      problems->push_back("attribute 'stash_type' other than 1 (float32)");
    }
  }
  (void)types;
}

void CheckGather(const onnx::NodeProto&, const NodeTypes& types,
                 std::vector<std::string>* problems) {
  if (types.input_elem_types.size() > 1) {
    const int32_t t = types.input_elem_types[1];
    if (t != 0 && t != onnx::TensorProto::INT32 && t != onnx::TensorProto::INT64) {
      problems->push_back(
          absl::StrCat("indices are ", ElemTypeDisplayName(t), " (int32 or int64 only)"));
    }
  }
}

void CheckPad(const onnx::NodeProto& node, const NodeTypes&, std::vector<std::string>* problems) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "mode" && attr.s() != "constant" && attr.s() != "reflect" &&
        attr.s() != "edge" && attr.s() != "wrap") {
      problems->push_back(absl::StrCat("attribute 'mode'=", ncc::text::QuotedName(attr.s()),
                                       " (constant, reflect, edge or wrap)"));
    }
  }
  if (HasInput(node, 3)) problems->push_back("the axes input");
}

void CheckEyeLike(const onnx::NodeProto&, const NodeTypes& types,
                  std::vector<std::string>* problems) {
  const int rank = Rank(types.input_ranks, 0);
  if (rank >= 0 && rank != 2) {
    problems->push_back(absl::StrCat("input has rank ", rank, " (only 2-D)"));
  }
  // The output type comes from `dtype`, so T's check does not cover it.
  const int32_t out = types.output_elem_types.empty() ? 0 : types.output_elem_types[0];
  if (out != 0 && (ElemTypeBit(out) & kAnyIrType) == 0) {
    problems->push_back(
        absl::StrCat("output 0 is ", ElemTypeDisplayName(out), " (not an IR element type)"));
  }
}

void CheckConstant(const onnx::NodeProto& node, const NodeTypes&,
                   std::vector<std::string>* problems) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "value" && attr.t().data_type() == onnx::TensorProto::STRING) {
      problems->push_back("a string tensor value");
    } else if (attr.name() != "value" && attr.name() != "value_float" &&
               attr.name() != "value_floats" && attr.name() != "value_int" &&
               attr.name() != "value_ints") {
      problems->push_back(absl::StrCat("attribute ", ncc::text::QuotedName(attr.name()),
                                       " (numeric constants only)"));
    }
  }
}

constexpr int kAll = kMaxOnnxOpset;
constexpr ElemTypeSet kF32 = kFloat32Only;
constexpr ElemTypeSet kAny = kAnyIrType;
// float64 appears only at the graph boundary, where the importer's Casts
// convert it (frontends/onnx/float64.h).
constexpr ElemTypeSet kCastable = kAny | ElemTypeBit(onnx::TensorProto::DOUBLE);
constexpr ElemTypeSet kBool = ElemTypeBit(onnx::TensorProto::BOOL);
constexpr ElemTypeSet kI64 = ElemTypeBit(onnx::TensorProto::INT64);
constexpr ElemTypeSet kWindowSize =
    ElemTypeBit(onnx::TensorProto::INT32) | ElemTypeBit(onnx::TensorProto::INT64);
constexpr const char* kWindowLimits =
    "window length from the output's static shape (size may be computed at run time); float "
    "output_datatype; periodic and symmetric";
constexpr ElemTypeSet kNumeric = kAny & ~kBool;
// Integer arithmetic is accepted at import because shape computations fold
// to constants in the passes; what reaches the backend must be float.
constexpr ElemTypeSet kFoldableInt =
    kF32 | ElemTypeBit(onnx::TensorProto::INT64) | ElemTypeBit(onnx::TensorProto::INT32);
// Integer element-wise arithmetic runs on the engines in fp32, as on the
// NeuronCore (compiler/lower/elementwise.cc: IntegerArithmetic).
constexpr ElemTypeSet kIntArith =
    kFoldableInt | ElemTypeBit(onnx::TensorProto::INT8) | ElemTypeBit(onnx::TensorProto::UINT8) |
    ElemTypeBit(onnx::TensorProto::INT16) | ElemTypeBit(onnx::TensorProto::UINT16) |
    ElemTypeBit(onnx::TensorProto::UINT32) | ElemTypeBit(onnx::TensorProto::UINT64);
constexpr ElemTypeSet kUnsigned =
    ElemTypeBit(onnx::TensorProto::UINT8) | ElemTypeBit(onnx::TensorProto::UINT16) |
    ElemTypeBit(onnx::TensorProto::UINT32) | ElemTypeBit(onnx::TensorProto::UINT64);
constexpr const char* kIntArithLimits =
    "broadcast of a non-constant operand only over a suffix; integers are computed in fp32 "
    "(exact below 2^24, Div truncates, overflow saturates)";
// Max/Min/Mod also take float16, computed in fp32 and rounded back exactly.
constexpr ElemTypeSet kIntArithF16 = kIntArith | ElemTypeBit(onnx::TensorProto::FLOAT16);
constexpr const char* kIntArithF16Limits =
    "broadcast of a non-constant operand only over a suffix; integers are computed in fp32 "
    "(exact below 2^24, overflow saturates); float16 in fp32, rounded back exactly";
constexpr const char* kIntOnlyFolded =
    "int32/int64 only when the passes fold it to a constant (the engines compute in fp32)";
constexpr const char* kBroadcast = "broadcast of a non-constant operand only over a suffix";
// Quantized tensors: 8-bit integers, computed in fp32 on the engines
// (compiler/lower/quantize.h).
constexpr ElemTypeSet kQuant8 =
    ElemTypeBit(onnx::TensorProto::UINT8) | ElemTypeBit(onnx::TensorProto::INT8);

// THE registry: one row per supported op, sorted by op type. Keep it equal to
// compiler/lower's SupportedOpTypes() (tests/conformance:operators_test).
constexpr OnnxOpSupport kOps[] = {
    // op type, opsets, element types of T, limits, check[, flags]
    {"Abs", 6, kAll, kFoldableInt, kIntOnlyFolded, nullptr},
    {"Acos", 7, kAll, kF32, "", nullptr},
    {"Acosh", 9, kAll, kF32, "", nullptr},
    {"Add", 6, kAll, kIntArith, kIntArithLimits, nullptr},
    {"And", 7, kAll, kBool, kBroadcast, nullptr},
    {"ArgMax", 1, kAll, kF32, "f32 input; int64 output", nullptr, kOutputNotT},
    {"ArgMin", 1, kAll, kF32, "f32 input; int64 output", nullptr, kOutputNotT},
    {"Asin", 7, kAll, kF32, "", nullptr},
    {"Asinh", 9, kAll, kF32, "", nullptr},
    {"Atan", 7, kAll, kF32, "", nullptr},
    {"Atanh", 9, kAll, kF32, "", nullptr},
    {"AveragePool", 1, kAll, kF32, "a window at most 24576 input columns wide (dilated)", nullptr},
    {"BatchNormalization", 6, kAll, kF32,
     "scale, B, mean and var may be run-time inputs; training_mode=1 (opset 14+) computes the "
     "batch statistics and running_mean/running_var",
     CheckBatchNorm},
    {"BitShift", 11, kAll, kUnsigned,
     "LEFT wraps to the type's width; computed in fp32, exact below 2^24", nullptr},
    {"BlackmanWindow", 17, kAll, kWindowSize, kWindowLimits, CheckWindow, kOutputNotT},
    {"Cast", 6, kAll, kCastable,
     "between the element types listed (float64 only at graph inputs and outputs)", nullptr},
    {"CastLike", 15, kAll, kAny, "between the element types listed", nullptr},
    {"Ceil", 6, kAll, kF32, "", nullptr},
    {"Celu", 12, kAll, kF32, "", nullptr},
    {"Clip", 6, kAll, kIntArith, "integer inputs are clipped in fp32 (exact below 2^24)", nullptr},
    {"Concat", 4, kAll, kAny, "", nullptr},
    {"Constant", 1, kAll, kAny, "numeric tensors and value_float(s)/value_int(s)", CheckConstant,
     kFrontendOnly},
    {"ConstantOfShape", 9, kAll, kI64, "", nullptr, kOutputNotT},
    {"Conv", 1, kAll, kF32,
     "1-D, 2-D and 3-D (rank 3, 4 and 5, NC...); groups, strides, dilations, pads, auto_pad; "
     "output width <= 512",
     CheckConv},
    {"ConvInteger", 10, kAll, kQuant8,
     "1-D, 2-D and 3-D (rank 3, 4 and 5); per-tensor x zero point, per-tensor or "
     "per-output-channel w "
     "zero point; output width <= 512; int32 output: zero points subtracted first, products "
     "accumulated in fp32, exact while partial sums stay below 2^24",
     CheckConv, kOutputNotT},
    {"ConvTranspose", 1, kAll, kF32,
     "1-D, 2-D and 3-D (rank 3, 4 and 5, NC...); groups, strides, dilations, pads, auto_pad, "
     "output_padding, output_shape; output width <= 512",
     CheckConvTranspose},
    {"Cos", 7, kAll, kF32, "", nullptr},
    {"Cosh", 9, kAll, kF32, "", nullptr},
    {"CumSum", 11, kAll, kF32, "axis a compile-time constant; axis length <= 1024", nullptr},
    {"DFT", 17, kAll, kF32,
     "real or complex input; dft_length (if given) a compile-time constant; no onesided "
     "inverse; transforms up to 2048 x 2048 (TensorE matmuls against cos/sin matrices)",
     nullptr},
    {"DepthToSpace", 1, kAll, kAny, "modes DCR and CRD", nullptr},
    {"DequantizeLinear", 10, kAll, kQuant8 | ElemTypeBit(onnx::TensorProto::INT32),
     "per-tensor or per-axis scale and zero point; int32 exact below 2^24", nullptr, kOutputNotT},
    {"Det", 11, kAll, kF32, "square matrices up to 3x3 (closed form)", nullptr},
    {"Div", 6, kAll, kIntArith, kIntArithLimits, nullptr},
    {"Dropout", 1, kAll, kF32, "inference only (no training_mode input): the mask is all true",
     CheckDropout},
    {"DynamicQuantizeLinear", 11, kAll, kF32, "uint8 output; rounding half to even", nullptr,
     kOutputNotT},
    {"Einsum", 12, kAll, kF32,
     "one or two operands (batch, contracted, free, repeated and '...' labels)", nullptr},
    {"Elu", 6, kAll, kF32, "", nullptr},
    {"Equal", 7, kAll, kIntArith, kIntArithLimits, nullptr, kBoolOutput},
    {"Erf", 9, kAll, kF32, "", nullptr},
    {"Exp", 6, kAll, kF32, "", nullptr},
    {"Expand", 8, kAll, kAny, "", nullptr},
    {"EyeLike", 9, kAll, kNumeric, "2-D; output element type from `dtype` (default: the input's)",
     CheckEyeLike, kOutputNotT},
    {"Flatten", 1, kAll, kAny, "", nullptr},
    {"Floor", 6, kAll, kF32, "", nullptr},
    {"GRU", 7, kAll, kF32,
     "direction forward, reverse, bidirectional; layout 0 and 1; hidden_size <= 128; "
     "batch <= 512; activations Tanh, Sigmoid, Relu, Softplus; sequence_lens at runtime or "
     "all equal to seq_length; linear_before_reset 0 and 1",
     nullptr},
    {"Gather", 1, kAll, kAny, "int32/int64 indices", CheckGather},
    {"GatherElements", 11, kAll, kAny, "int32/int64 indices; data below 2^24 elements",
     CheckGather},
    {"GatherND", 11, kAll, kAny, "int32/int64 indices; slices of at most 16384 elements",
     CheckGather},
    {"Gemm", 6, kAll, kF32, "C of rank <= 2", CheckGemm},
    {"GlobalAveragePool", 1, kAll, kF32, "", nullptr},
    {"GlobalMaxPool", 1, kAll, kF32, "", nullptr},
    {"Greater", 7, kAll, kIntArith, kIntArithLimits, nullptr, kBoolOutput},
    {"GreaterOrEqual", 12, kAll, kIntArith, kIntArithLimits, nullptr, kBoolOutput},
    {"GridSample", 16, kAll, kF32,
     "4-D X [N, C, H, W] with a run-time grid; modes bilinear, nearest, bicubic; padding "
     "zeros, border, reflection; align_corners; C <= 8192",
     CheckGridSample},
    {"HammingWindow", 17, kAll, kWindowSize, kWindowLimits, CheckWindow, kOutputNotT},
    {"HannWindow", 17, kAll, kWindowSize, kWindowLimits, CheckWindow, kOutputNotT},
    {"HardSigmoid", 6, kAll, kF32, "", nullptr},
    {"HardSwish", 14, kAll, kF32, "", nullptr},
    {"Hardmax", 1, kAll, kF32, "", nullptr},
    {"Identity", 1, kAll, kAny, "tensors only", nullptr},
    {"InstanceNormalization", 6, kAll, kF32, "at most 16384 elements per (n, c) plane", nullptr},
    {"IsInf", 10, kAll, kF32, "", nullptr, kBoolOutput},
    {"IsNaN", 9, kAll, kF32, "", nullptr, kBoolOutput},
    {"LRN", 1, kAll, kF32, "at most 128 channels", nullptr},
    {"LSTM", 7, kAll, kF32,
     "direction forward, reverse, bidirectional; layout 0 and 1; hidden_size <= 128; "
     "batch <= 512; activations Tanh, Sigmoid, Relu, Softplus; sequence_lens at runtime or "
     "all equal to seq_length; peepholes; no input_forget",
     nullptr},
    {"LayerNormalization", 17, kAll, kF32, "", CheckLayerNorm},
    {"LeakyRelu", 6, kAll, kF32, "", nullptr},
    {"Less", 7, kAll, kIntArith, kIntArithLimits, nullptr, kBoolOutput},
    {"LessOrEqual", 12, kAll, kIntArith, kIntArithLimits, nullptr, kBoolOutput},
    {"Log", 6, kAll, kF32, "", nullptr},
    {"LogSoftmax", 1, kAll, kF32, "", nullptr},
    {"MatMul", 1, kAll, kF32, "batched B must have A's rank (or be 2-D)", CheckMatMul},
    {"MatMulInteger", 10, kAll, kQuant8,
     "rank >= 2; per-tensor, per-row (A) or per-column (B) zero points; batched B must have "
     "A's rank; int32 output exact while partial sums stay below 2^24 (guaranteed for K <= 258)",
     nullptr, kOutputNotT},
    {"Max", 6, kAll, kIntArithF16, kIntArithF16Limits, nullptr},
    {"MaxPool", 1, kAll,
     kF32 | ElemTypeBit(onnx::TensorProto::UINT8) | ElemTypeBit(onnx::TensorProto::INT8),
     "uint8/int8 computed exactly in fp32; Indices (int64) for 2-D pooling of inputs below 2^24 "
     "elements; a window at most 24576 input columns wide (dilated, over the columns it reads)",
     nullptr},
    {"MaxUnpool", 9, kAll, kF32,
     "static output shape; indices below 2^24; at most 4096 128x128 match blocks", nullptr},
    {"Mean", 6, kAll, kF32, kBroadcast, nullptr},
    {"MeanVarianceNormalization", 9, kAll, kF32,
     "at most 16384 elements per normalised slice; reduced axes in at most 3 runs", nullptr},
    {"MelWeightMatrix", 17, kAll, kWindowSize,
     "every input a compile-time constant (the matrix is computed by the compiler); float "
     "output_datatype",
     nullptr, kOutputNotT},
    {"Min", 6, kAll, kIntArithF16, kIntArithF16Limits, nullptr},
    {"Mod", 10, kAll, kIntArithF16, kIntArithF16Limits, nullptr},
    {"Mul", 6, kAll, kIntArith, kIntArithLimits, nullptr},
    {"Neg", 6, kAll, kFoldableInt, kIntOnlyFolded, nullptr},
    {"Not", 1, kAll, kBool, "", nullptr},
    {"OneHot", 9, kAll,
     kF32 | ElemTypeBit(onnx::TensorProto::INT64) | ElemTypeBit(onnx::TensorProto::INT32),
     "values (and output) of any listed type, selected in fp32 (integers exact below 2^24); "
     "depth (from the output's static shape) at most 4096",
     nullptr, kOutputNotT},
    {"Or", 7, kAll, kBool, kBroadcast, nullptr},
    {"PRelu", 6, kAll, kF32,
     "broadcast of a non-constant operand only over a suffix; before opset 7 a constant slope of C "
     "elements is per channel (axis 1)",
     nullptr},
    {"Pad", 2, kAll, kAny,
     "modes constant, reflect (pads < axis size), edge and wrap (opset 19); pads, axes (opset "
     "18) and value "
     "compile-time constants",
     CheckPad},
    {"Pow", 1, kAll, kIntArith,
     "base and exponent of any listed type; the result has the base's type; broadcast of a "
     "non-constant operand only over a suffix; before opset 7, broadcast=1 with an axis aligns "
     "the exponent there; integers are computed in fp32 (exact below 2^24)",
     nullptr},
    {"QLinearConv", 10, kAll, kQuant8,
     "as ConvInteger; per-tensor or per-output-channel w scale; int32 bias exact below 2^24",
     CheckConv, kOutputNotT},
    {"QLinearMatMul", 10, kAll, kQuant8,
     "as MatMulInteger; per-tensor, per-row (a) or "
     "per-column (b) scales",
     nullptr, kOutputNotT},
    {"QuantizeLinear", 10, kAll, kF32,
     "per-tensor or per-axis scale and zero point; uint8/int8 output; rounding half to even",
     nullptr, kOutputNotT},
    {"RNN", 7, kAll, kF32,
     "direction forward, reverse, bidirectional; layout 0 and 1; hidden_size <= 128; "
     "batch <= 512; activations Tanh, Sigmoid, Relu, Softplus; sequence_lens at runtime or "
     "all equal to seq_length",
     nullptr},
    {"Range", 11, kAll, kNumeric, "start, limit and delta compile-time constants", nullptr},
    {"Reciprocal", 6, kAll, kF32, "", nullptr},
    {"ReduceL1", 1, kAll, kF32, "", nullptr},
    {"ReduceL2", 1, kAll, kF32, "", nullptr},
    {"ReduceLogSum", 1, kAll, kF32, "", nullptr},
    {"ReduceLogSumExp", 1, kAll, kF32, "", nullptr},
    {"ReduceMax", 1, kAll, kF32, "", nullptr},
    {"ReduceMean", 1, kAll, kF32, "", nullptr},
    {"ReduceMin", 1, kAll, kF32, "", nullptr},
    {"ReduceProd", 1, kAll, kF32, "", nullptr},
    {"ReduceSum", 1, kAll, kF32, "axes a compile-time constant", nullptr},
    {"ReduceSumSquare", 1, kAll, kF32, "", nullptr},
    {"Relu", 6, kAll, kF32, "", nullptr},
    {"Reshape", 5, kAll, kAny, "shape must be known at compile time", nullptr},
    {"Resize", 10, kAll, kF32,
     "modes nearest, linear, cubic; every coordinate_transformation_mode; scales (and roi) "
     "compile-time constants, or sizes; no antialias",
     CheckResize},
    {"ReverseSequence", 10, kAll, kAny, "int32/int64 sequence_lens", nullptr},
    {"RoiAlign", 10, kAll, kF32,
     "mode avg; sampling_ratio > 0; H, W, output_height and output_width at most 128", nullptr},
    {"Round", 11, kAll, kF32, "", nullptr},
    {"STFT", 17, kAll, kF32,
     "frame_step and frame_length compile-time constants; the window may be a run-time input; "
     "frames up to 2048 samples (TensorE matmuls against cos/sin matrices)",
     nullptr},
    {"Scatter", 9, 10, kF32, "int32/int64 indices", CheckGather},
    {"ScatterElements", 11, kAll, kF32,
     "int32/int64 indices; reduction none, add, mul, max or min (opset 18)",
     CheckGather},
    {"ScatterND", 11, kAll, kF32,
     "int32/int64 indices; reduction none, add, mul, max or min (opset 18); slices of at most "
     "511",
     CheckGather},
    {"Selu", 6, kAll, kF32, "", nullptr},
    {"Shape", 1, kAll, kAny, "computed at compile time (shapes are static)", nullptr, kOutputNotT},
    {"Shrink", 9, kAll, kF32, "", nullptr},
    {"Sigmoid", 6, kAll, kF32, "", nullptr},
    {"Sign", 9, kAll, kF32, "", nullptr},
    {"Sin", 7, kAll, kF32, "", nullptr},
    {"Sinh", 9, kAll, kF32, "", nullptr},
    {"Size", 1, kAll, kAny, "computed at compile time (shapes are static)", nullptr, kOutputNotT},
    {"Slice", 1, kAll, kAny, "starts/ends/axes/steps compile-time constants", nullptr},
    {"Softmax", 1, kAll, kF32, "", nullptr},
    {"Softplus", 1, kAll, kF32, "", nullptr},
    {"Softsign", 1, kAll, kF32, "", nullptr},
    {"SpaceToDepth", 1, kAll, kAny, "", nullptr},
    {"Split", 2, kAll, kAny, "", nullptr},
    {"Sqrt", 6, kAll, kF32, "", nullptr},
    {"Squeeze", 1, kAll, kAny, "axes must be known at compile time", nullptr},
    {"Sub", 6, kAll, kIntArith, kIntArithLimits, nullptr},
    {"Sum", 6, kAll, kF32, kBroadcast, nullptr},
    {"Tan", 7, kAll, kF32, "", nullptr},
    {"Tanh", 6, kAll, kF32, "", nullptr},
    {"ThresholdedRelu", 10, kAll, kF32, "", nullptr},
    {"Tile", 6, kAll, kAny, "at most 4096 repeated blocks", nullptr},
    {"TopK", 1, kAll, kF32, "k (from the outputs' static shape) at most 128; int64 Indices",
     nullptr},
    {"Transpose", 1, kAll, kAny, "", nullptr},
    {"Trilu", 14, kAll, kIntArith,
     "k an int64 scalar; integers pass through fp32 (exact below 2^24)", nullptr},
    {"Unsqueeze", 1, kAll, kAny, "axes must be known at compile time", nullptr},
    {"Upsample", 7, 9, kF32, "modes nearest and linear; scales a compile-time constant", nullptr},
    {"Where", 9, kAll, kIntArith, kIntArithLimits, nullptr, kTypeFromInput1},
    {"Xor", 7, kAll, kBool, kBroadcast, nullptr},
};

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// Operators of opsets 18-21 that frontends/onnx/version_adapter.cc rewrites
// into subgraphs of the ops above (their limits are those ops' limits).
constexpr const char* kDecomposedOps[] = {"CenterCropPad (18; constant shape, static input shape)",
                                          "Gelu (20)", "GroupNormalization (18, 21)", "Mish (18)"};

std::vector<std::string> ElemTypeNames(ElemTypeSet set) {
  std::vector<std::string> names;
  for (int32_t t = 0; t < 32; ++t) {
    if (set & ElemTypeBit(t)) names.push_back(ElemTypeDisplayName(t));
  }
  return names;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, " ");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string ElemTypeDisplayName(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
      return "float32";
    case onnx::TensorProto::FLOAT16:
      return "float16";
    case onnx::TensorProto::BFLOAT16:
      return "bfloat16";
    case onnx::TensorProto::DOUBLE:
      return "float64";
    case onnx::TensorProto::INT64:
      return "int64";
    case onnx::TensorProto::INT32:
      return "int32";
    case onnx::TensorProto::INT16:
      return "int16";
    case onnx::TensorProto::INT8:
      return "int8";
    case onnx::TensorProto::UINT64:
      return "uint64";
    case onnx::TensorProto::UINT32:
      return "uint32";
    case onnx::TensorProto::UINT16:
      return "uint16";
    case onnx::TensorProto::UINT8:
      return "uint8";
    case onnx::TensorProto::BOOL:
      return "bool";
    case onnx::TensorProto::STRING:
      return "string";
    case onnx::TensorProto::COMPLEX64:
      return "complex64";
    case onnx::TensorProto::COMPLEX128:
      return "complex128";
    default:
      return absl::StrCat("type ", elem_type);
  }
}

absl::Span<const OnnxOpSupport> OnnxSupportedOps() { return kOps; }

const OnnxOpSupport* FindOnnxOp(const std::string& op_type) {
  for (const OnnxOpSupport& op : kOps) {
    if (op_type == op.op_type) return &op;
  }
  return nullptr;
}

std::vector<UnsupportedNode> CheckOnnxNode(const onnx::NodeProto& node,
                                           const std::string& node_name, int64_t opset,
                                           const NodeTypes& types) {
  std::vector<UnsupportedNode> result;
  if (!IsDefaultDomain(node.domain())) {
    result.push_back({absl::StrCat(node.domain(), ".", node.op_type()), node_name,
                      absl::StrCat("operator domain ", ncc::text::QuotedName(node.domain()),
                                   " is not supported")});
    return result;
  }
  auto add = [&](std::string reason) {
    result.push_back({node.op_type(), node_name, std::move(reason)});
  };
  const OnnxOpSupport* op = FindOnnxOp(node.op_type());
  if (op == nullptr) {
    add("op type is not supported");
    return result;
  }
  if (opset < op->min_opset || opset > op->max_opset) {
    add(absl::StrCat("opset ", opset, " is outside the supported range ", op->min_opset, "-",
                     op->max_opset));
    return result;
  }
  auto check_type = [&](const std::vector<int32_t>& elem_types, const char* what) {
    if (elem_types.empty() || elem_types[0] == 0) return;  // unknown / omitted
    if ((op->elem_types & ElemTypeBit(elem_types[0])) == 0) {
      add(absl::StrCat(what, " is ", ElemTypeDisplayName(elem_types[0]),
                       " (supported: ", absl::StrJoin(ElemTypeNames(op->elem_types), ", "), ")"));
    }
  };
  const bool t_from_1 = (op->flags & kTypeFromInput1) != 0;
  const std::vector<int32_t> t_input =
      t_from_1 ? std::vector<int32_t>(types.input_elem_types.begin() +
                                          std::min<size_t>(1, types.input_elem_types.size()),
                                      types.input_elem_types.end())
               : types.input_elem_types;
  check_type(t_input, t_from_1 ? "input 1" : "input 0");
  if (result.empty() && (op->flags & (kBoolOutput | kOutputNotT)) == 0) {
    check_type(types.output_elem_types, "output 0");
  }
  if (op->check != nullptr) {
    std::vector<std::string> problems;
    op->check(node, types, &problems);
    for (std::string& p : problems) add(std::move(p));
  }
  return result;
}

std::string DescribeUnsupportedNodes(const std::vector<UnsupportedNode>& nodes, int64_t opset) {
  return frontends::DescribeUnsupportedNodes("ONNX", absl::StrCat("opset ", opset), nodes);
}

std::string FormatOperatorTable() {
  std::vector<std::vector<std::string>> rows = {{"op type", "opsets", "element types", "limits"}};
  for (const OnnxOpSupport& op : kOps) {
    rows.push_back({op.op_type, absl::StrCat(op.min_opset, "-", op.max_opset),
                    absl::StrJoin(ElemTypeNames(op.elem_types), ","),
                    *op.limits ? op.limits : "-"});
  }
  size_t widths[3] = {0, 0, 0};
  for (const auto& row : rows) {
    for (int c = 0; c < 3; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out =
      absl::StrCat("ONNX operators supported by neuron-cc (default domain, opsets ", "up to ",
                   kMaxOnnxOpset, "; 18-", kMaxOnnxOpset, " through their opset-17 forms):\n");
  for (const auto& row : rows) {
    std::string line = " ";
    for (int c = 0; c < 3; ++c) {
      absl::StrAppend(&line, " ", row[c], std::string(widths[c] - row[c].size(), ' '));
    }
    absl::StrAppend(&out, line, " ", row[3], "\n");
  }
  absl::StrAppend(&out, "Also read, as the opset-17 subgraphs they equal: ",
                  absl::StrJoin(kDecomposedOps, ", "), "\n");
  absl::StrAppend(&out, sizeof(kOps) / sizeof(kOps[0]), " operators\n");
  return out;
}

std::string FormatOperatorJson() {
  std::vector<std::string> ops;
  for (const OnnxOpSupport& op : kOps) {
    std::vector<std::string> types;
    for (const std::string& t : ElemTypeNames(op.elem_types)) types.push_back(JsonString(t));
    ops.push_back(absl::StrCat("    {\"op_type\": ", JsonString(op.op_type),
                               ", \"min_opset\": ", op.min_opset, ", \"max_opset\": ", op.max_opset,
                               ", \"dtypes\": [", absl::StrJoin(types, ", "),
                               "], \"limits\": ", JsonString(op.limits), "}"));
  }
  std::vector<std::string> decomposed;
  for (const char* op : kDecomposedOps) decomposed.push_back(JsonString(op));
  return absl::StrCat("{\n  \"framework\": \"ONNX\",\n  \"operators\": [\n",
                      absl::StrJoin(ops, ",\n"), "\n  ],\n  \"decomposed\": [",
                      absl::StrJoin(decomposed, ", "), "]\n}\n");
}

}  // namespace ncc::onnx_frontend
