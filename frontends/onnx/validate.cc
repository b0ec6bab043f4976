#include "frontends/onnx/validate.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

// At most this many problems are spelled out in one message.
constexpr size_t kMaxListed = 8;
// Constant inputs read by the rules (shapes, steps) are short vectors; a
// longer one is left to the importer.
constexpr int64_t kMaxConstantElements = 1024;

std::string Quoted(absl::string_view name) { return ncc::text::QuotedName(name); }

std::string List(const std::vector<int64_t>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

absl::Status Problems(const std::vector<std::string>& problems) {
  if (problems.empty()) return absl::OkStatus();
  std::string message = absl::StrJoin(
      problems.begin(), problems.begin() + std::min(problems.size(), kMaxListed), "; ");
  if (problems.size() > kMaxListed) {
    absl::StrAppend(&message, "; and ", problems.size() - kMaxListed, " more");
  }
  if (problems.size() > 1) message = absl::StrCat(problems.size(), " problems: ", message);
  return absl::InvalidArgumentError(message);
}

// The values of a small integer or floating-point constant, else nullopt.
std::optional<std::vector<double>> ConstantValues(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxConstantElements) return std::nullopt;
    n *= d;
    if (n > kMaxConstantElements) return std::nullopt;
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  std::vector<double> out;
  auto from_raw = [&](auto sample) -> bool {
    using T = decltype(sample);
    if (t.raw_data().size() != static_cast<size_t>(n) * sizeof(T)) return false;
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, t.raw_data().data() + i * sizeof(T), sizeof(T));
      out.push_back(static_cast<double>(v));
    }
    return true;
  };
  const bool raw = t.has_raw_data();
  bool ok = false;
  switch (t.data_type()) {
    case onnx::TensorProto::INT64:
      if (raw) {
        ok = from_raw(int64_t{});
      } else {
        for (int64_t v : t.int64_data()) out.push_back(static_cast<double>(v));
        ok = static_cast<int64_t>(out.size()) == n;
      }
      break;
    case onnx::TensorProto::INT32:
      if (raw) {
        ok = from_raw(int32_t{});
      } else {
        for (int32_t v : t.int32_data()) out.push_back(v);
        ok = static_cast<int64_t>(out.size()) == n;
      }
      break;
    case onnx::TensorProto::FLOAT:
      if (raw) {
        ok = from_raw(float{});
      } else {
        for (float v : t.float_data()) out.push_back(v);
        ok = static_cast<int64_t>(out.size()) == n;
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (raw) {
        ok = from_raw(double{});
      } else {
        for (double v : t.double_data()) out.push_back(v);
        ok = static_cast<int64_t>(out.size()) == n;
      }
      break;
    default:
      break;
  }
  if (!ok) return std::nullopt;
  return out;
}

// One node under check: attribute and input accessors, and the problem list.
class NodeCheck {
 public:
  NodeCheck(const onnx::NodeProto& node, std::string name, int64_t opset, const KnownTensors& known,
            std::vector<std::string>* problems)
      : node_(node), name_(std::move(name)), opset_(opset), known_(known), problems_(problems) {}

  int64_t opset() const { return opset_; }
  const std::string& op_type() const { return node_.op_type(); }

  const onnx::AttributeProto* Attr(absl::string_view name) const {
    for (const auto& attr : node_.attribute()) {
      if (attr.name() == name) return &attr;
    }
    return nullptr;
  }
  std::optional<int64_t> Int(absl::string_view name) const {
    const onnx::AttributeProto* a = Attr(name);
    if (a == nullptr) return std::nullopt;
    return a->i();
  }
  std::optional<std::vector<int64_t>> Ints(absl::string_view name) const {
    const onnx::AttributeProto* a = Attr(name);
    if (a == nullptr) return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  std::string String(absl::string_view name) const {
    const onnx::AttributeProto* a = Attr(name);
    return a == nullptr ? "" : a->s();
  }

  std::optional<std::vector<int64_t>> InputShape(int i) const {
    if (i >= node_.input_size() || node_.input(i).empty()) return std::nullopt;
    return known_.shape(node_.input(i));
  }
  // The rank of input i, from its static shape or, failing that, from
  // what is known of its rank.
  std::optional<int64_t> InputRank(int i) const {
    if (i >= node_.input_size() || node_.input(i).empty()) return std::nullopt;
    if (auto shape = known_.shape(node_.input(i))) return static_cast<int64_t>(shape->size());
    if (known_.rank) return known_.rank(node_.input(i));
    return std::nullopt;
  }
  // "[1, 3, 8]" for a static shape, "rank 3" when only the rank is known.
  std::string DescribeInput(int i) const {
    if (auto shape = InputShape(i)) return List(*shape);
    if (auto rank = InputRank(i)) return absl::StrCat("of rank ", *rank);
    return "of unknown shape";
  }
  std::optional<std::vector<double>> ConstantInput(int i) const {
    if (i >= node_.input_size() || node_.input(i).empty()) return std::nullopt;
    const onnx::TensorProto* t = known_.constant(node_.input(i));
    if (t == nullptr) return std::nullopt;
    return ConstantValues(*t);
  }

  void Fail(absl::string_view what) {
    problems_->push_back(
        absl::StrCat(ncc::text::PrintableName(node_.op_type()), " ", Quoted(name_), ": ", what));
  }

 private:
  const onnx::NodeProto& node_;
  std::string name_;
  int64_t opset_;
  const KnownTensors& known_;
  std::vector<std::string>* problems_;
};

// Each value of attribute `attr` is at least `min`, and there are `count`
// of them when count >= 0.
bool CheckEach(NodeCheck& c, absl::string_view attr, int64_t min, int64_t count) {
  std::optional<std::vector<int64_t>> v = c.Ints(attr);
  if (!v) return true;
  for (int64_t x : *v) {
    if (x < min) {
      c.Fail(absl::StrCat(attr, " ", List(*v), " has a value below ", min));
      return false;
    }
  }
  if (count >= 0 && static_cast<int64_t>(v->size()) != count) {
    c.Fail(absl::StrCat(attr, " ", List(*v), " has ", v->size(), " values; want ", count));
    return false;
  }
  return true;
}

enum class Window { kConv, kConvTranspose, kPool };

// The input that holds W: 1 for Conv, ConvTranspose and ConvInteger; 3 for
// QLinearConv (x, x_scale, x_zero_point, w, ...).
int WeightInput(const NodeCheck& c) { return c.op_type() == "QLinearConv" ? 3 : 1; }

// Conv, ConvTranspose and the windowed pools share strides, dilations, pads
// and kernel sizes; libonnx's inference divides by strides and dilations
// before checking them.
void CheckWindow(NodeCheck& c, Window kind) {
  const std::optional<std::vector<int64_t>> x = c.InputShape(0);
  const int w_input = WeightInput(c);
  const std::optional<std::vector<int64_t>> w =
      kind == Window::kPool ? std::nullopt : c.InputShape(w_input);
  // Ranks hold even where dimensions are unknown (libonnx's inference
  // indexes W by X's rank).
  const std::optional<int64_t> x_rank = c.InputRank(0);
  const std::optional<int64_t> w_rank = kind == Window::kPool ? std::nullopt : c.InputRank(w_input);
  std::optional<std::vector<int64_t>> kernel = c.Ints("kernel_shape");
  if (x_rank && *x_rank < 3) {
    c.Fail(absl::StrCat("input X has shape ", c.DescribeInput(0),
                        "; want rank 3 or more (N, C, spatial)"));
    return;
  }
  if (x_rank && w_rank && *w_rank != *x_rank) {
    c.Fail(absl::StrCat("weight W has shape ", c.DescribeInput(w_input), " but input X has shape ",
                        c.DescribeInput(0), "; want the same rank"));
    return;
  }
  int64_t spatial = -1;
  if (x_rank) {
    spatial = *x_rank - 2;
  } else if (w_rank && *w_rank >= 2) {
    spatial = *w_rank - 2;
  } else if (kernel) {
    spatial = static_cast<int64_t>(kernel->size());
  }
  if (kind == Window::kPool && !kernel) {
    c.Fail("the kernel_shape attribute is required");
    return;
  }
  bool ok = CheckEach(c, "kernel_shape", 1, spatial);
  ok &= CheckEach(c, "strides", 1, spatial);
  ok &= CheckEach(c, "dilations", 1, spatial);
  ok &= CheckEach(c, "pads", 0, spatial < 0 ? -1 : 2 * spatial);
  if (kind == Window::kConvTranspose) ok &= CheckEach(c, "output_padding", 0, spatial);
  const std::string auto_pad = c.String("auto_pad");
  if (!auto_pad.empty() && auto_pad != "NOTSET" && auto_pad != "VALID" &&
      auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    c.Fail(absl::StrCat("auto_pad ", Quoted(auto_pad), " is not NOTSET, VALID, SAME_UPPER or ",
                        "SAME_LOWER"));
    ok = false;
  }
  int64_t group = 1;
  if (kind != Window::kPool) {
    group = c.Int("group").value_or(1);
    if (group < 1) {
      c.Fail(absl::StrCat("group ", group, " must be at least 1"));
      return;
    }
  }
  if (!ok) return;
  if (w && kernel) {
    std::vector<int64_t> from_w(w->begin() + 2, w->end());
    if (from_w != *kernel) {
      c.Fail(absl::StrCat("kernel_shape ", List(*kernel), " does not match weight W ", List(*w)));
      return;
    }
  }
  if (w) kernel = std::vector<int64_t>(w->begin() + 2, w->end());
  if (x && w && kind == Window::kConv) {
    const int64_t channels = (*x)[1];
    if (channels % group != 0) {
      c.Fail(absl::StrCat("group ", group, " does not divide the ", channels,
                          " input channels of X ", List(*x)));
      return;
    }
    if ((*w)[0] % group != 0) {
      c.Fail(absl::StrCat("group ", group, " does not divide the ", (*w)[0],
                          " output channels of W ", List(*w)));
      return;
    }
    if ((*w)[1] != channels / group) {
      c.Fail(absl::StrCat("weight W ", List(*w), " has ", (*w)[1], " input channels per group; X ",
                          List(*x), " with group ", group, " has ", channels / group));
      return;
    }
  }
  if (x && w && kind == Window::kConvTranspose) {
    if ((*x)[1] != (*w)[0] || (*w)[0] % group != 0) {
      c.Fail(absl::StrCat("weight W ", List(*w), " does not fit the ", (*x)[1],
                          " input channels of X ", List(*x), " with group ", group));
      return;
    }
  }
  // The window must fit in the padded input (ConvTranspose grows its input).
  if (!x || !kernel || kind == Window::kConvTranspose) return;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return;
  const std::vector<int64_t> pads = auto_pad == "VALID"
                                        ? std::vector<int64_t>()
                                        : c.Ints("pads").value_or(std::vector<int64_t>());
  const std::vector<int64_t> dilations = c.Ints("dilations").value_or(std::vector<int64_t>());
  for (int64_t i = 0; i < spatial; ++i) {
    const __int128 d = dilations.empty() ? 1 : dilations[i];
    const __int128 window = (static_cast<__int128>((*kernel)[i]) - 1) * d + 1;
    __int128 padded = (*x)[2 + i];
    if (!pads.empty()) padded += static_cast<__int128>(pads[i]) + pads[i + spatial];
    if (window > padded) {
      c.Fail(absl::StrCat("kernel ", List(*kernel), " (dilated extent ",
                          static_cast<int64_t>(std::min<__int128>(window, INT64_MAX)),
                          ") is larger than the padded input (", static_cast<int64_t>(padded),
                          ") in spatial dimension ", i, " of X ", List(*x)));
      return;
    }
  }
}

void CheckConv(NodeCheck& c) { CheckWindow(c, Window::kConv); }
void CheckConvTranspose(NodeCheck& c) { CheckWindow(c, Window::kConvTranspose); }
void CheckPool(NodeCheck& c) { CheckWindow(c, Window::kPool); }

void CheckGemm(NodeCheck& c) {
  const auto ra = c.InputRank(0), rb = c.InputRank(1);
  if ((ra && *ra != 2) || (rb && *rb != 2)) {
    c.Fail(absl::StrCat("A ", c.DescribeInput(0), " and B ", c.DescribeInput(1),
                        " must both have rank 2"));
    return;
  }
  auto a = c.InputShape(0);
  auto b = c.InputShape(1);
  if (!a || !b) return;
  const int64_t ka = c.Int("transA").value_or(0) != 0 ? (*a)[0] : (*a)[1];
  const int64_t kb = c.Int("transB").value_or(0) != 0 ? (*b)[1] : (*b)[0];
  if (ka != kb) {
    c.Fail(absl::StrCat("A ", List(*a), " and B ", List(*b), " (transA ",
                        c.Int("transA").value_or(0), ", transB ", c.Int("transB").value_or(0),
                        ") have different contraction sizes ", ka, " and ", kb));
  }
}

void CheckMatMul(NodeCheck& c) {
  const auto ra = c.InputRank(0), rb = c.InputRank(1);
  if ((ra && *ra == 0) || (rb && *rb == 0)) {
    c.Fail(absl::StrCat("A ", c.DescribeInput(0), " and B ", c.DescribeInput(1),
                        " must have rank 1 or more"));
    return;
  }
  auto a = c.InputShape(0);
  auto b = c.InputShape(1);
  if (!a || !b) return;
  const int64_t ka = a->back();
  const int64_t kb = b->size() == 1 ? (*b)[0] : (*b)[b->size() - 2];
  if (ka != kb) {
    c.Fail(absl::StrCat("A ", List(*a), " and B ", List(*b), " have different contraction sizes ",
                        ka, " and ", kb));
  }
}

void CheckTranspose(NodeCheck& c) {
  auto perm = c.Ints("perm");
  if (!perm) return;
  const int64_t rank = c.InputRank(0).value_or(static_cast<int64_t>(perm->size()));
  std::vector<bool> seen(perm->size(), false);
  bool ok = static_cast<int64_t>(perm->size()) == rank;
  for (int64_t p : *perm) {
    if (!ok) break;
    ok = p >= 0 && p < rank && !seen[p];
    if (ok) seen[p] = true;
  }
  if (!ok) {
    c.Fail(absl::StrCat("perm ", List(*perm), " is not a permutation of ", rank, " axes"));
  }
}

void CheckReshape(NodeCheck& c) {
  auto shape = c.ConstantInput(1);
  if (!shape) return;
  std::vector<int64_t> dims(shape->begin(), shape->end());
  if (std::count(dims.begin(), dims.end(), -1) > 1) {
    c.Fail(absl::StrCat("shape ", List(dims), " has more than one -1"));
  } else if (std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d < -1; })) {
    c.Fail(absl::StrCat("shape ", List(dims), " has a negative dimension other than -1"));
  }
}

void CheckSlice(NodeCheck& c) {
  if (c.opset() < 10) return;  // steps are an input from opset 10
  auto steps = c.ConstantInput(4);
  if (!steps) return;
  if (std::find(steps->begin(), steps->end(), 0.0) != steps->end()) {
    c.Fail(absl::StrCat("steps ", List(std::vector<int64_t>(steps->begin(), steps->end())),
                        " contain a zero"));
  }
}

void CheckRange(NodeCheck& c) {
  auto delta = c.ConstantInput(2);
  if (delta && delta->size() == 1 && (*delta)[0] == 0) c.Fail("delta is zero");
}

void CheckBlockSize(NodeCheck& c) {
  std::optional<int64_t> b = c.Int("blocksize");
  if (b && *b < 1) c.Fail(absl::StrCat("blocksize ", *b, " must be at least 1"));
}

// STFT's inputs (opset 17): signal [batch, length, 1 or 2], frame_step a
// scalar, window 1-D, frame_length a scalar. libonnx's inference reads
// the signal's dimensions 0-2 without checking its rank.
void CheckStft(NodeCheck& c) {
  if (auto rank = c.InputRank(0); rank && *rank != 3) {
    c.Fail(
        absl::StrCat("signal ", c.DescribeInput(0), " must have rank 3 ([batch, length, 1 or 2])"));
    return;
  }
  if (auto signal = c.InputShape(0); signal && (*signal)[2] != 1 && (*signal)[2] != 2) {
    c.Fail(absl::StrCat("signal ", List(*signal), " must end in 1 (real) or 2 (complex)"));
  }
  for (const auto& [input, name, want] : {std::tuple<int, const char*, int64_t>{1, "frame_step", 0},
                                          {2, "window", 1},
                                          {3, "frame_length", 0}}) {
    if (auto rank = c.InputRank(input); rank && *rank != want) {
      c.Fail(absl::StrCat(name, " ", c.DescribeInput(input), " must have rank ", want));
    }
  }
}

struct OpRule {
  const char* op_type;
  void (*check)(NodeCheck&);
};

// Rules that need more than an axis range.
constexpr OpRule kOpRules[] = {
    {"AveragePool", CheckPool},
    {"Conv", CheckConv},
    {"ConvTranspose", CheckConvTranspose},
    {"ConvInteger", CheckConv},
    {"QLinearConv", CheckConv},
    {"DepthToSpace", CheckBlockSize},
    {"Gemm", CheckGemm},
    {"LpPool", CheckPool},
    {"MatMul", CheckMatMul},
    {"MaxPool", CheckPool},
    {"Range", CheckRange},
    {"Reshape", CheckReshape},
    {"Slice", CheckSlice},
    {"SpaceToDepth", CheckBlockSize},
    {"STFT", CheckStft},
    {"Transpose", CheckTranspose},
};

// An axis attribute (one value, or a list) of an input's axes: valid values
// lie in [-r, r - 1] for the input's rank r plus `extra` (OneHot adds an
// axis), or [-r, r] when `end_ok` (Flatten splits before an axis).
struct AxisRule {
  const char* op_type;
  const char* attr;
  int extra;
  bool end_ok;
};

constexpr AxisRule kAxisRules[] = {
    {"ArgMax", "axis", 0, false},
    {"ArgMin", "axis", 0, false},
    {"Compress", "axis", 0, false},
    {"Concat", "axis", 0, false},
    {"Flatten", "axis", 0, true},
    {"Gather", "axis", 0, false},
    {"GatherElements", "axis", 0, false},
    {"Hardmax", "axis", 0, false},
    {"LayerNormalization", "axis", 0, false},
    {"LogSoftmax", "axis", 0, false},
    {"OneHot", "axis", 1, false},
    {"ReduceL1", "axes", 0, false},
    {"ReduceL2", "axes", 0, false},
    {"ReduceLogSum", "axes", 0, false},
    {"ReduceLogSumExp", "axes", 0, false},
    {"ReduceMax", "axes", 0, false},
    {"ReduceMean", "axes", 0, false},
    {"ReduceMin", "axes", 0, false},
    {"ReduceProd", "axes", 0, false},
    {"ReduceSum", "axes", 0, false},
    {"ReduceSumSquare", "axes", 0, false},
    {"ScatterElements", "axis", 0, false},
    {"Softmax", "axis", 0, false},
    {"Split", "axis", 0, false},
    {"Squeeze", "axes", 0, false},
    {"TopK", "axis", 0, false},
};

void CheckAxes(NodeCheck& c, const AxisRule& rule) {
  const onnx::AttributeProto* attr = c.Attr(rule.attr);
  if (attr == nullptr) return;
  // OneHot's axis refers to its output, whose rank is that of indices + 1.
  const std::optional<int64_t> input_rank = c.InputRank(0);
  if (!input_rank) return;
  const int64_t rank = *input_rank + rule.extra;
  const int64_t hi = rule.end_ok ? rank : rank - 1;
  std::vector<int64_t> values = attr->ints_size() > 0
                                    ? std::vector<int64_t>(attr->ints().begin(), attr->ints().end())
                                    : std::vector<int64_t>{attr->i()};
  for (int64_t v : values) {
    if (v >= -rank && v <= hi) continue;
    c.Fail(absl::StrCat(
        rule.attr, " ", attr->ints_size() > 0 ? List(values) : absl::StrCat(v),
        " is out of range for ",
        rule.extra == 0 ? absl::StrCat("input ", c.DescribeInput(0)) : absl::StrCat("rank ", rank),
        " (valid: ", -rank, " to ", hi, ")"));
    return;
  }
}

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

}  // namespace

absl::Status ValidateGraph(const onnx::GraphProto& graph) {
  std::vector<std::string> problems;
  auto check_name = [&](const std::string& name, absl::string_view what) {
    if (name.empty()) {
      problems.push_back(absl::StrCat(what, " has an empty name"));
    } else if (name.find('\0') != std::string::npos) {
      problems.push_back(absl::StrCat(what, " ", Quoted(name), " has a NUL byte in its name"));
    }
  };
  if (graph.output_size() == 0) problems.push_back("the graph has no outputs");
  std::set<std::string> outputs;
  for (const auto& out : graph.output()) {
    check_name(out.name(), "a graph output");
    if (!outputs.insert(out.name()).second) {
      problems.push_back(absl::StrCat("graph output ", Quoted(out.name()), " is listed twice"));
    }
  }
  std::set<std::string> defined;
  for (const auto& in : graph.input()) {
    check_name(in.name(), "a graph input");
    if (!defined.insert(in.name()).second) {
      problems.push_back(absl::StrCat("graph input ", Quoted(in.name()), " is listed twice"));
    }
  }
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) {
    check_name(init.name(), "an initializer");
    if (!initializers.insert(init.name()).second) {
      problems.push_back(absl::StrCat("initializer ", Quoted(init.name()), " is defined twice"));
    }
    defined.insert(init.name());
  }
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    const std::string label = absl::StrCat(
        ncc::text::PrintableName(node.op_type()), " ",
        Quoted(node.name().empty() ? absl::StrCat(node.op_type(), "_", i) : node.name()));
    if (node.name().find('\0') != std::string::npos) {
      problems.push_back(absl::StrCat(label, " has a NUL byte in its name"));
    }
    for (const auto& in : node.input()) {
      if (in.find('\0') != std::string::npos) {
        problems.push_back(absl::StrCat(label, " input ", Quoted(in), " has a NUL byte"));
      }
    }
    // Empty outputs are omitted optional outputs.
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      if (out.find('\0') != std::string::npos) {
        problems.push_back(absl::StrCat(label, " output ", Quoted(out), " has a NUL byte"));
      }
      if (!defined.insert(out).second) {
        problems.push_back(absl::StrCat(label, " redefines tensor ", Quoted(out)));
      }
    }
  }
  return Problems(problems);
}

absl::Status ValidateNodes(const onnx::GraphProto& graph, int64_t opset,
                           const KnownTensors& known) {
  std::vector<std::string> problems;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!IsDefaultDomain(node.domain())) continue;
    NodeCheck check(node, node.name().empty() ? absl::StrCat(node.op_type(), "_", i) : node.name(),
                    opset, known, &problems);
    for (const OpRule& rule : kOpRules) {
      if (node.op_type() == rule.op_type) rule.check(check);
    }
    for (const AxisRule& rule : kAxisRules) {
      if (node.op_type() == rule.op_type) CheckAxes(check, rule);
    }
  }
  return Problems(problems);
}

}  // namespace ncc::onnx_frontend
