#include "tests/conformance/harness.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "compiler/driver/compile.h"
#include "frontends/onnx/tensor.h"
#include "neff/format.h"
#include "runtime/nrt.h"

namespace ncc::conformance {
namespace {

// --- Scope rules (README, "Conformance": why each is out of scope) ----------

// Training: optimizers, gradients and losses only exist in training graphs.
const std::set<std::string>& TrainingOps() {
  static const auto* ops = new std::set<std::string>{"Adagrad",
                                                     "Adam",
                                                     "Momentum",
                                                     "Gradient",
                                                     "SoftmaxCrossEntropyLoss",
                                                     "NegativeLogLikelihoodLoss"};
  return *ops;
}

// Sequence and optional types: the NEFF has tensors only.
const std::set<std::string>& SequenceOps() {
  static const auto* ops = new std::set<std::string>{
      "SequenceAt",         "SequenceConstruct", "SequenceEmpty",      "SequenceErase",
      "SequenceInsert",     "SequenceLength",    "SequenceMap",        "SplitToSequence",
      "ConcatFromSequence", "Optional",          "OptionalGetElement", "OptionalHasElement"};
  return *ops;
}

// Text processing over strings.
const std::set<std::string>& StringOps() {
  static const auto* ops = new std::set<std::string>{"StringNormalizer", "TfIdfVectorizer"};
  return *ops;
}

// Data-dependent control flow: a NEFF is a static per-engine instruction
// stream; exporters unroll or trace loops first.
const std::set<std::string>& ControlFlowOps() {
  static const auto* ops = new std::set<std::string>{"If", "Loop", "Scan"};
  return *ops;
}

// Random generators: the stored outputs come from one particular generator.
const std::set<std::string>& RandomOps() {
  static const auto* ops =
      new std::set<std::string>{"RandomNormal",      "RandomNormalLike", "RandomUniform",
                                "RandomUniformLike", "Bernoulli",        "Multinomial"};
  return *ops;
}

std::string TypeProblem(const onnx::TypeProto& type) {
  if (type.has_sequence_type()) return "sequence-typed value";
  if (type.has_optional_type()) return "optional-typed value";
  if (type.has_map_type()) return "map-typed value";
  if (type.has_sparse_tensor_type()) return "sparse tensor value";
  if (type.has_tensor_type() && type.tensor_type().elem_type() == onnx::TensorProto::STRING) {
    return "string tensor";
  }
  return "";
}

std::string NodeScopeReason(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    if (node.domain() == "ai.onnx.preview.training") return "training op " + op;
    if (node.domain() == "ai.onnx.ml") return "ai.onnx.ml (traditional ML) op " + op;
    return absl::StrCat("non-standard domain ", node.domain());
  }
  if (TrainingOps().count(op)) return "training op " + op;
  if (op == "Dropout" && node.input_size() > 2 && !node.input(2).empty()) {
    return "Dropout in training mode";
  }
  if (SequenceOps().count(op)) return "sequence/optional op " + op;
  if (StringOps().count(op)) return "string op " + op;
  if (ControlFlowOps().count(op)) return "control-flow op " + op;
  if (RandomOps().count(op)) return "random generator " + op;
  return "";
}

// Values as doubles, from raw little-endian bytes of an IR dtype.
std::vector<double> ToDoubles(ir::DType dtype, const uint8_t* data, size_t bytes) {
  std::vector<double> out;
  auto read = [&](auto tag) {
    using T = decltype(tag);
    for (size_t off = 0; off + sizeof(T) <= bytes; off += sizeof(T)) {
      T v;
      std::memcpy(&v, data + off, sizeof(T));
      out.push_back(static_cast<double>(v));
    }
  };
  auto read_half = [&](bool bf16) {
    for (size_t off = 0; off + 2 <= bytes; off += 2) {
      uint16_t h;
      std::memcpy(&h, data + off, 2);
      uint32_t bits;
      if (bf16) {
        bits = uint32_t{h} << 16;
      } else {
        const uint32_t sign = (h & 0x8000u) << 16;
        uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
        if (exp == 0x1f) {
          bits = sign | 0x7f800000u | (mant << 13);
        } else if (exp != 0) {
          bits = sign | ((exp + 112) << 23) | (mant << 13);
        } else if (mant == 0) {
          bits = sign;
        } else {
          exp = 113;
          while ((mant & 0x400u) == 0) {
            mant <<= 1;
            --exp;
          }
          bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
        }
      }
      float f;
      std::memcpy(&f, &bits, 4);
      out.push_back(f);
    }
  };
  switch (dtype) {
    case ir::DType::kF32:
      read(float{});
      break;
    case ir::DType::kF16:
      read_half(false);
      break;
    case ir::DType::kBF16:
      read_half(true);
      break;
    case ir::DType::kI32:
      read(int32_t{});
      break;
    case ir::DType::kI64:
      read(int64_t{});
      break;
    case ir::DType::kI8:
      read(int8_t{});
      break;
    case ir::DType::kU8:
    case ir::DType::kBool:
      read(uint8_t{});
      break;
    case ir::DType::kF64:
      read(double{});
      break;
    case ir::DType::kI16:
      read(int16_t{});
      break;
    case ir::DType::kU16:
      read(uint16_t{});
      break;
    case ir::DType::kU32:
      read(uint32_t{});
      break;
    case ir::DType::kU64:
      read(uint64_t{});
      break;
  }
  return out;
}

absl::StatusOr<ir::DType> FromNrtDType(nrt_dtype_t dtype) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32:
      return ir::DType::kF32;
    case NRT_DTYPE_FLOAT16:
      return ir::DType::kF16;
    case NRT_DTYPE_BFLOAT16:
      return ir::DType::kBF16;
    case NRT_DTYPE_INT8:
      return ir::DType::kI8;
    case NRT_DTYPE_UINT8:
      return ir::DType::kU8;
    case NRT_DTYPE_INT32:
      return ir::DType::kI32;
    case NRT_DTYPE_INT64:
      return ir::DType::kI64;
    case NRT_DTYPE_BOOL:
      return ir::DType::kBool;
    case NRT_DTYPE_FLOAT64:
      return ir::DType::kF64;
    case NRT_DTYPE_INT16:
      return ir::DType::kI16;
    case NRT_DTYPE_UINT16:
      return ir::DType::kU16;
    case NRT_DTYPE_UINT32:
      return ir::DType::kU32;
    case NRT_DTYPE_UINT64:
      return ir::DType::kU64;
    default:
      return absl::InvalidArgumentError(absl::StrCat("NEFF dtype ", dtype));
  }
}

std::string OneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

struct LoadedTensor {
  std::string name;
  onnx_frontend::ConstantTensor tensor;
};

absl::StatusOr<std::vector<LoadedTensor>> LoadTensors(const std::string& set_dir,
                                                      const std::string& prefix) {
  std::vector<LoadedTensor> tensors;
  for (int i = 0;; ++i) {
    const std::string path = absl::StrCat(set_dir, "/", prefix, "_", i, ".pb");
    auto bytes = neff::ReadFile(path);
    if (!bytes.ok()) break;
    onnx::TensorProto proto;
    if (!proto.ParseFromString(*bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a TensorProto"));
    }
    auto tensor = onnx_frontend::ConvertTensor(proto, proto.name());
    if (!tensor.ok()) {
      return absl::Status(tensor.status().code(),
                          absl::StrCat(prefix, "_", i, ".pb: ", tensor.status().message()));
    }
    tensors.push_back({proto.name(), *std::move(tensor)});
  }
  return tensors;
}

// The stored tensor for NEFF tensor `name`, the `index`-th of its kind: by
// name when the .pb files carry names, else by position.
const LoadedTensor* Match(const std::vector<LoadedTensor>& tensors, const std::string& name,
                          size_t index) {
  for (const LoadedTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return index < tensors.size() ? &tensors[index] : nullptr;
}

// Model inputs/outputs bound on the simulator; frees everything on exit.
class Execution {
 public:
  ~Execution() {
    for (nrt_tensor_t*& t : tensors_) nrt_tensor_free(&t);
    if (inputs_) nrt_destroy_tensor_set(&inputs_);
    if (outputs_) nrt_destroy_tensor_set(&outputs_);
    if (info_) nrt_free_model_tensor_info(info_);
    if (model_) nrt_unload(model_);
  }

  // Returns the failure reason, empty on success.
  std::string Run(const std::string& neff, const std::vector<LoadedTensor>& inputs,
                  const std::vector<LoadedTensor>& want, const Tolerance& tolerance) {
    auto nrt_error = [](const char* what, NRT_STATUS s) {
      return absl::StrCat(what, ": ", nrt_get_status_as_str(s), ": ", nrt_get_last_error());
    };
    NRT_STATUS s = nrt_load(neff.data(), neff.size(), 0, 1, &model_);
    if (s != NRT_SUCCESS) return nrt_error("nrt_load", s);
    if ((s = nrt_get_model_tensor_info(model_, &info_)) != NRT_SUCCESS) {
      return nrt_error("nrt_get_model_tensor_info", s);
    }
    if (nrt_allocate_tensor_set(&inputs_) != NRT_SUCCESS ||
        nrt_allocate_tensor_set(&outputs_) != NRT_SUCCESS) {
      return "cannot allocate tensor sets";
    }
    size_t in_index = 0, out_index = 0;
    std::vector<std::pair<nrt_tensor_t*, const nrt_tensor_info_t*>> outputs;
    for (uint64_t i = 0; i < info_->tensor_count; ++i) {
      const nrt_tensor_info_t& ti = info_->tensor_array[i];
      nrt_tensor_t* t = nullptr;
      if ((s = nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, ti.size, ti.name, &t)) !=
          NRT_SUCCESS) {
        return nrt_error("nrt_tensor_allocate", s);
      }
      tensors_.push_back(t);
      if (ti.usage == NRT_TENSOR_USAGE_INPUT) {
        const LoadedTensor* in = Match(inputs, ti.name, in_index++);
        if (in == nullptr) return absl::StrCat("no stored input for '", ti.name, "'");
        std::vector<int64_t> declared(ti.shape, ti.shape + ti.ndim);
        if (in->tensor.shape != declared) {
          // The NEFF is compiled for the model's static shapes; stored data
          // of another shape (castlike tests' 'like') cannot be fed to it.
          static_shape_mismatch_ = true;
          return absl::StrCat("dynamic shape: test data input '", ti.name, "' is [",
                              absl::StrJoin(in->tensor.shape, ","), "] but the model declares [",
                              absl::StrJoin(declared, ","), "]");
        }
        if (in->tensor.data.size() != ti.size) {
          return absl::StrCat("input '", ti.name, "' is ", ti.size, " bytes in the NEFF but ",
                              in->tensor.data.size(), " in the test data");
        }
        if (ti.size > 0 && nrt_tensor_write(t, in->tensor.data.data(), 0, ti.size) != NRT_SUCCESS) {
          return "nrt_tensor_write failed";
        }
        nrt_add_tensor_to_tensor_set(inputs_, ti.name, t);
      } else {
        nrt_add_tensor_to_tensor_set(outputs_, ti.name, t);
        outputs.push_back({t, &ti});
      }
    }
    if ((s = nrt_execute(model_, inputs_, outputs_)) != NRT_SUCCESS) {
      return nrt_error("nrt_execute", s);
    }
    std::vector<std::string> problems;
    for (const auto& [t, ti] : outputs) {
      const LoadedTensor* w = Match(want, ti->name, out_index++);
      if (w == nullptr) return absl::StrCat("no stored output for '", ti->name, "'");
      auto dtype = FromNrtDType(ti->dtype);
      if (!dtype.ok()) return std::string(dtype.status().message());
      std::vector<int64_t> shape(ti->shape, ti->shape + ti->ndim);
      if (shape != w->tensor.shape) {
        problems.push_back(absl::StrCat("output '", ti->name, "' has shape [",
                                        absl::StrJoin(shape, ","), "], expected [",
                                        absl::StrJoin(w->tensor.shape, ","), "]"));
        continue;
      }
      std::vector<uint8_t> got(ti->size);
      if (ti->size > 0 && nrt_tensor_read(t, got.data(), 0, ti->size) != NRT_SUCCESS) {
        return "nrt_tensor_read failed";
      }
      // Older ONNX test data stores bfloat16 as its uint16 bit patterns.
      const ir::DType want_dtype = w->tensor.dtype == ir::DType::kU16 && *dtype == ir::DType::kBF16
                                       ? ir::DType::kBF16
                                       : w->tensor.dtype;
      // A bfloat16 result is compared within one bfloat16 ulp (2^-7 relative):
      // the test data rounds float32 to bfloat16 by truncation, the
      // NeuronCore to nearest even.
      Tolerance within = tolerance;
      if (*dtype == ir::DType::kBF16) within.rtol = std::max(within.rtol, 1.0 / 128);
      std::string diff = CompareValues(
          ToDoubles(*dtype, got.data(), got.size()),
          ToDoubles(want_dtype, w->tensor.data.data(), w->tensor.data.size()), within);
      if (!diff.empty()) problems.push_back(absl::StrCat("output '", ti->name, "': ", diff));
    }
    return absl::StrJoin(problems, "; ");
  }

  // Whether Run failed because the stored inputs have other shapes than the
  // model declares (a dynamic-shape test, not a wrong result).
  bool static_shape_mismatch() const { return static_shape_mismatch_; }

 private:
  bool static_shape_mismatch_ = false;
  nrt_model_t* model_ = nullptr;
  nrt_tensor_info_array_t* info_ = nullptr;
  nrt_tensor_set_t* inputs_ = nullptr;
  nrt_tensor_set_t* outputs_ = nullptr;
  std::vector<nrt_tensor_t*> tensors_;
};

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnsupported:
      return "unsupported";
    case Outcome::kOutOfScope:
      return "out-of-scope";
  }
  return "?";
}

bool ParseOutcome(absl::string_view name, Outcome* outcome) {
  for (Outcome o :
       {Outcome::kPassed, Outcome::kFailed, Outcome::kUnsupported, Outcome::kOutOfScope}) {
    if (name == OutcomeName(o)) {
      *outcome = o;
      return true;
    }
  }
  return false;
}

std::string CompareValues(const std::vector<double>& got, const std::vector<double>& want,
                          const Tolerance& tolerance) {
  if (got.size() != want.size()) {
    return absl::StrCat(got.size(), " elements, expected ", want.size());
  }
  size_t bad = 0, worst = 0;
  double worst_err = 0, worst_key = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    if (std::isnan(g) && std::isnan(w)) continue;
    double err;
    bool ok;
    if (std::isinf(w) || std::isinf(g)) {
      ok = g == w;
      err = ok ? 0 : INFINITY;
    } else if (std::isnan(g) || std::isnan(w)) {
      ok = false;
      err = NAN;
    } else {
      err = std::fabs(g - w);
      ok = err <= tolerance.atol + tolerance.rtol * std::fabs(w);
    }
    if (ok) continue;
    ++bad;
    const double key = std::isnan(err) ? INFINITY : err;
    if (bad == 1 || key > worst_key) {
      worst_key = key;
      worst_err = err;
      worst = i;
    }
  }
  if (bad == 0) return "";
  return absl::StrFormat(
      "max |err| %.3g at [%d] (got %.6g, want %.6g), %d of %d elements "
      "outside rtol %g, atol %g",
      worst_err, worst, got[worst], want[worst], bad, got.size(), tolerance.rtol, tolerance.atol);
}

std::string OpLabel(const onnx::ModelProto& model) {
  std::vector<std::string> ops;
  for (const auto& node : model.graph().node()) {
    if (node.op_type() == "Constant") continue;
    if (std::find(ops.begin(), ops.end(), node.op_type()) == ops.end()) {
      ops.push_back(node.op_type());
    }
  }
  return ops.empty() ? "Constant" : absl::StrJoin(ops, "+");
}

std::string OutOfScopeReason(const onnx::ModelProto& model) {
  const auto& g = model.graph();
  for (const auto& node : g.node()) {
    std::string reason = NodeScopeReason(node);
    if (!reason.empty()) return reason;
  }
  for (const auto* list : {&g.input(), &g.output()}) {
    for (const auto& vi : *list) {
      std::string problem = TypeProblem(vi.type());
      if (!problem.empty()) return absl::StrCat(problem, " '", vi.name(), "'");
    }
  }
  return "";
}

// Names the stored inputs that carry none by position among the model's
// runtime inputs, so that they can be matched after some are frozen.
void NameInputsByPosition(const onnx::ModelProto& model, std::vector<LoadedTensor>* inputs) {
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
  std::vector<std::string> names;
  for (const auto& input : model.graph().input()) {
    if (initializers.count(input.name()) == 0) names.push_back(input.name());
  }
  for (size_t i = 0; i < inputs->size() && i < names.size(); ++i) {
    if ((*inputs)[i].name.empty()) (*inputs)[i].name = names[i];
  }
}

TestResult RunTest(const std::string& data_dir, const std::string& dir, const std::string& name,
                   const Tolerance& tolerance, const std::vector<std::string>& frozen_inputs) {
  TestResult result;
  result.dir = dir;
  result.name = name;
  result.frozen_inputs = !frozen_inputs.empty();
  const std::string test_dir = absl::StrCat(data_dir, "/", dir, "/", name);
  const std::string model_path = test_dir + "/model.onnx";
  auto finish = [&](Outcome outcome, absl::string_view reason) {
    result.outcome = outcome;
    result.reason = OneLine(reason);
    return result;
  };

  auto bytes = neff::ReadFile(model_path);
  if (!bytes.ok()) return finish(Outcome::kFailed, bytes.status().message());
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes)) {
    return finish(Outcome::kFailed, "model.onnx is not an ONNX model");
  }
  result.op = OpLabel(model);
  if (std::string reason = OutOfScopeReason(model); !reason.empty()) {
    return finish(Outcome::kOutOfScope, reason);
  }

  // Without frozen inputs the test data is read after compiling, so that an
  // unsupported model is reported as such.
  const std::string set_dir = test_dir + "/test_data_set_0";
  absl::StatusOr<std::vector<LoadedTensor>> inputs, outputs;
  auto load = [&] {
    inputs = LoadTensors(set_dir, "input");
    if (!inputs.ok()) return inputs.status();
    outputs = LoadTensors(set_dir, "output");
    return outputs.status();
  };
  driver::CompileOptions options;
  if (!frozen_inputs.empty()) {
    if (absl::Status s = load(); !s.ok()) return finish(Outcome::kUnsupported, s.message());
    NameInputsByPosition(model, &*inputs);
    for (const std::string& frozen : frozen_inputs) {
      auto it = std::find_if(inputs->begin(), inputs->end(),
                             [&](const LoadedTensor& t) { return t.name == frozen; });
      if (it == inputs->end()) {
        return finish(Outcome::kFailed,
                      absl::StrCat("frozen input '", frozen, "' has no value in test_data_set_0"));
      }
      options.frozen_inputs[frozen] = {
          it->tensor.dtype, it->tensor.shape,
          std::vector<uint8_t>(it->tensor.data.begin(), it->tensor.data.end())};
      inputs->erase(it);
    }
  }
  auto compiled = driver::CompileFile({model_path}, "ONNX", options);
  if (!compiled.ok()) {
    std::string message(compiled.status().message());
    // Messages start with the model path; the test id already says it.
    absl::string_view rest = message;
    absl::ConsumePrefix(&rest, model_path + ": ");
    if (compiled.status().code() == absl::StatusCode::kUnimplemented) {
      return finish(Outcome::kUnsupported, rest);
    }
    if (absl::StrContains(rest, "dynamic dimension") && absl::StrContains(rest, "(value 0)")) {
      return finish(Outcome::kUnsupported, absl::StrCat("zero-size tensor: ", rest));
    }
    if (absl::StrContains(rest, "dynamic") ||
        absl::StrContains(rest, "shape inference could not determine")) {
      return finish(Outcome::kUnsupported, absl::StrCat("dynamic shape: ", rest));
    }
    return finish(Outcome::kFailed, absl::StrCat("compile error: ", rest));
  }

  if (frozen_inputs.empty()) {
    if (absl::Status s = load(); !s.ok()) return finish(Outcome::kUnsupported, s.message());
  }
  Execution execution;
  std::string problem = execution.Run(compiled->neff, *inputs, *outputs, tolerance);
  if (execution.static_shape_mismatch()) return finish(Outcome::kUnsupported, problem);
  if (!problem.empty()) return finish(Outcome::kFailed, problem);
  return finish(Outcome::kPassed, "");
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> ParseFrozenInputs(
    absl::string_view text) {
  std::map<std::string, std::vector<std::string>> frozen;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    if (parts.size() < 3 || parts[1].empty() || absl::StripAsciiWhitespace(parts[2]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected '<dir>/<test> <input>[,<input>...] <reason>'"));
    }
    std::vector<std::string> names = absl::StrSplit(parts[1], ',');
    for (const std::string& n : names) {
      if (n.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": empty input name in '", parts[1], "'"));
      }
    }
    if (!frozen.emplace(std::string(parts[0]), std::move(names)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": '", parts[0], "' is listed twice"));
    }
  }
  return frozen;
}

absl::StatusOr<std::map<std::string, Expectation>> ParseExpectations(absl::string_view text) {
  std::map<std::string, Expectation> expected;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    Expectation e;
    if (parts.size() < 2 || !ParseOutcome(parts[1], &e.outcome) || e.outcome == Outcome::kPassed) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number,
                       ": expected '<dir>/<test> failed|unsupported|out-of-scope <reason>'"));
    }
    if (parts.size() > 2) e.reason = std::string(parts[2]);
    if (!expected.emplace(std::string(parts[0]), e).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": '", parts[0], "' is listed twice"));
    }
  }
  return expected;
}

std::string FormatExpectations(const std::vector<TestResult>& results) {
  std::string out =
      "# ONNX backend-test conformance: the expected result of every test that does not\n"
      "# pass (tests not listed must pass). Reviewed like ONNX Runtime's backend-test\n"
      "# filters; only the status (2nd column) is compared, the reason is for readers.\n"
      "# Regenerate after a change, then review the diff:\n"
      "#   bazel run //tests/conformance:conformance_test -- --update\n"
      "# <dir>/<test> <passed|failed|unsupported|out-of-scope> <reason>\n";
  std::vector<const TestResult*> sorted;
  for (const TestResult& r : results) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(),
            [](const TestResult* a, const TestResult* b) { return a->Id() < b->Id(); });
  for (const TestResult* r : sorted) {
    if (r->outcome == Outcome::kPassed) continue;
    absl::StrAppend(&out, r->Id(), " ", OutcomeName(r->outcome), " ", r->reason, "\n");
  }
  return out;
}

std::vector<std::string> DiffExpectations(const std::vector<TestResult>& results,
                                          const std::map<std::string, Expectation>& expected) {
  std::vector<std::string> diffs;
  std::set<std::string> seen;
  for (const TestResult& r : results) {
    const std::string id = r.Id();
    seen.insert(id);
    auto it = expected.find(id);
    const Outcome want = it == expected.end() ? Outcome::kPassed : it->second.outcome;
    if (want == r.outcome) continue;
    if (r.outcome == Outcome::kPassed) {
      diffs.push_back(absl::StrCat(id, ": now passes (expected ", OutcomeName(want), ")"));
    } else {
      diffs.push_back(absl::StrCat(id, ": now ", OutcomeName(r.outcome), " (expected ",
                                   OutcomeName(want), "): ", r.reason));
    }
  }
  for (const auto& [id, e] : expected) {
    if (seen.count(id) == 0) diffs.push_back(absl::StrCat(id, ": listed but no such test ran"));
  }
  return diffs;
}

namespace {

struct Counts {
  int passed = 0, failed = 0, unsupported = 0, out_of_scope = 0;
  int InScope() const { return passed + failed + unsupported; }
  void Add(Outcome o) {
    switch (o) {
      case Outcome::kPassed:
        ++passed;
        break;
      case Outcome::kFailed:
        ++failed;
        break;
      case Outcome::kUnsupported:
        ++unsupported;
        break;
      case Outcome::kOutOfScope:
        ++out_of_scope;
        break;
    }
  }
};

std::string Percent(int part, int whole) {
  return whole == 0 ? "n/a" : absl::StrFormat("%.1f%%", 100.0 * part / whole);
}

std::string Row(absl::string_view label, const Counts& c, size_t width) {
  std::string l(label);
  if (l.size() > width) l = l.substr(0, width - 3) + "...";
  if (l.size() < width) l.resize(width, ' ');
  return absl::StrFormat("  %s %6d %6d %6d %11d %12d %7s\n", l, c.InScope(), c.passed, c.failed,
                         c.unsupported, c.out_of_scope, Percent(c.passed, c.InScope()));
}

std::string Header(absl::string_view label, size_t width) {
  std::string l(label);
  if (l.size() < width) l.resize(width, ' ');
  return absl::StrFormat("  %s %6s %6s %6s %11s %12s %7s\n", l, "scope", "pass", "fail",
                         "unsupported", "out-of-scope", "rate");
}

// "Softmax: op type is not supported" for each group in an unsupported-node
// message ("N unsupported ONNX nodes at opset K: Op xN ('a'): reason; ...").
std::vector<std::string> FailureGroups(const TestResult& r) {
  std::vector<std::string> groups;
  if (r.outcome == Outcome::kUnsupported) {
    size_t start = r.reason.find(": ");
    if (absl::StrContains(r.reason, "unsupported ONNX node") && start != std::string::npos) {
      std::string body = r.reason.substr(start + 2);
      size_t see = body.rfind(" (see `");
      if (see != std::string::npos) body.resize(see);
      for (absl::string_view part : absl::StrSplit(body, "; ")) {
        size_t x = part.find(" x");
        size_t close = part.find("): ");
        if (x == absl::string_view::npos || close == absl::string_view::npos) continue;
        std::string reason(part.substr(close + 3));
        // Numbers (ranks, counts) vary; keep the group by op and kind.
        if (reason.size() > 60) reason = reason.substr(0, 60) + "...";
        groups.push_back(absl::StrCat("unsupported ", part.substr(0, x), ": ", reason));
      }
      if (!groups.empty()) return groups;
    }
    if (absl::StartsWith(r.reason, "dynamic shape")) return {"unsupported: dynamic shape"};
    if (absl::StartsWith(r.reason, "zero-size")) return {"unsupported: zero-size tensor"};
    return {absl::StrCat("unsupported: ", r.reason.substr(0, 60))};
  }
  if (r.outcome == Outcome::kFailed) {
    if (absl::StartsWith(r.reason, "compile error: ")) {
      return {absl::StrCat("failed to compile: ", r.reason.substr(15, 50))};
    }
    if (absl::StrContains(r.reason, "max |err|")) return {absl::StrCat("wrong values: ", r.op)};
    return {absl::StrCat("failed: ", r.reason.substr(0, 60))};
  }
  return groups;
}

}  // namespace

std::string SummaryLine(const std::vector<TestResult>& results) {
  Counts total;
  int frozen = 0;
  for (const TestResult& r : results) {
    total.Add(r.outcome);
    if (r.outcome == Outcome::kPassed && r.frozen_inputs) ++frozen;
  }
  std::string line = absl::StrFormat(
      "conformance: %d passed, %d failed, %d unsupported of %d in scope (%s)", total.passed,
      total.failed, total.unsupported, total.InScope(),
      total.InScope() == 0 ? std::string("n/a")
                           : absl::StrFormat("%.1f%%", 100.0 * total.passed / total.InScope()));
  if (frozen > 0) absl::StrAppend(&line, ", ", frozen, " with frozen structural inputs");
  return line;
}

std::string FormatReport(const std::vector<TestResult>& results) {
  std::map<std::string, Counts> by_dir, by_op;
  std::map<std::string, int> groups;
  Counts total;
  for (const TestResult& r : results) {
    by_dir[r.dir].Add(r.outcome);
    by_op[r.op.empty() ? "?" : r.op].Add(r.outcome);
    total.Add(r.outcome);
    for (const std::string& g : FailureGroups(r)) ++groups[g];
  }
  std::string out = "ONNX backend tests by op (tests of several ops are labelled A+B):\n";
  size_t width = 9;
  for (const auto& [op, c] : by_op) width = std::min<size_t>(40, std::max(width, op.size()));
  absl::StrAppend(&out, Header("op", width));
  for (const auto& [op, c] : by_op) absl::StrAppend(&out, Row(op, c, width));
  absl::StrAppend(&out, "\nby directory:\n", Header("directory", width));
  for (const auto& [dir, c] : by_dir) absl::StrAppend(&out, Row(dir, c, width));
  absl::StrAppend(&out, Row("total", total, width));

  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [g, n] : groups) sorted.push_back({-n, g});
  std::sort(sorted.begin(), sorted.end());
  absl::StrAppend(&out,
                  "\nlargest groups of in-scope tests not passing (a test may count in "
                  "several):\n");
  for (size_t i = 0; i < sorted.size() && i < 25; ++i) {
    absl::StrAppend(&out, absl::StrFormat("  %5d  %s\n", -sorted[i].first, sorted[i].second));
  }
  absl::StrAppend(&out, "\n", total.out_of_scope, " tests out of scope (README, Conformance)\n");
  return out;
}

}  // namespace ncc::conformance
