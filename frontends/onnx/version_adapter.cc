#include "frontends/onnx/version_adapter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/unsupported.h"
#include "onnx/defs/schema.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// Element types newer than IR version 8 (TensorProto.DataType 17-23), which
// the bundled ONNX does not name.
const char* NewElemTypeName(int64_t t) {
  switch (t) {
    case 17:
      return "float8e4m3fn";
    case 18:
      return "float8e4m3fnuz";
    case 19:
      return "float8e5m2";
    case 20:
      return "float8e5m2fnuz";
    case 21:
      return "uint4";
    case 22:
      return "int4";
    case 23:
      return "float4e2m1";
    default:
      return nullptr;
  }
}

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

int64_t IntAttr(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* attr = FindAttr(node, name);
  return attr != nullptr ? attr->i() : fallback;
}

std::string StringAttr(const onnx::NodeProto& node, const std::string& name,
                       const std::string& fallback) {
  const auto* attr = FindAttr(node, name);
  return attr != nullptr ? attr->s() : fallback;
}

void RemoveAttr(onnx::NodeProto* node, const std::string& name) {
  auto* attrs = node->mutable_attribute();
  for (int i = attrs->size() - 1; i >= 0; --i) {
    if (attrs->Get(i).name() == name) attrs->DeleteSubrange(i, 1);
  }
}

onnx::AttributeProto* ReplaceAttr(onnx::NodeProto* node, const std::string& name,
                                  onnx::AttributeProto::AttributeType type) {
  RemoveAttr(node, name);
  auto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}

void SetIntAttr(onnx::NodeProto* node, const std::string& name, int64_t value) {
  ReplaceAttr(node, name, onnx::AttributeProto::INT)->set_i(value);
}

void SetIntsAttr(onnx::NodeProto* node, const std::string& name,
                 const std::vector<int64_t>& values) {
  auto* attr = ReplaceAttr(node, name, onnx::AttributeProto::INTS);
  for (int64_t v : values) attr->add_ints(v);
}

void SetStringAttr(onnx::NodeProto* node, const std::string& name, const std::string& value) {
  ReplaceAttr(node, name, onnx::AttributeProto::STRING)->set_s(value);
}

std::string Input(const onnx::NodeProto& node, int i) {
  return i < node.input_size() ? node.input(i) : std::string();
}

// Drops input `i` and any omitted inputs it leaves at the end.
void DropInput(onnx::NodeProto* node, int i) {
  if (i < node->input_size()) node->set_input(i, "");
  while (node->input_size() > 0 && node->input(node->input_size() - 1).empty()) {
    node->mutable_input()->RemoveLast();
  }
}

void SetInput(onnx::NodeProto* node, int i, const std::string& name) {
  while (node->input_size() <= i) node->add_input("");
  node->set_input(i, name);
}

template <typename T>
std::vector<T> RawValues(const std::string& raw) {
  std::vector<T> values(raw.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), raw.data(), values.size() * sizeof(T));
  return values;
}

std::optional<std::vector<int64_t>> IntValues(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  switch (t.data_type()) {
    case onnx::TensorProto::INT64:
      if (t.has_raw_data()) return RawValues<int64_t>(t.raw_data());
      return std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
    case onnx::TensorProto::INT32: {
      if (t.has_raw_data()) {
        auto v = RawValues<int32_t>(t.raw_data());
        return std::vector<int64_t>(v.begin(), v.end());
      }
      return std::vector<int64_t>(t.int32_data().begin(), t.int32_data().end());
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<float>> FloatValues(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  if (t.data_type() != onnx::TensorProto::FLOAT) return std::nullopt;
  if (t.has_raw_data()) return RawValues<float>(t.raw_data());
  return std::vector<float>(t.float_data().begin(), t.float_data().end());
}

// A dimension is -1 when unknown.
using Dims = std::vector<int64_t>;

bool IsStatic(const Dims& dims) {
  return std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
}

// What the declared shapes and constants say before any inference.
struct Known {
  std::map<std::string, Dims> shapes;
  std::map<std::string, int32_t> elem_types;
  std::map<std::string, const onnx::TensorProto*> constants;

  void AddGraph(const onnx::GraphProto& g) {
    for (const auto* list : {&g.input(), &g.value_info(), &g.output()}) {
      for (const auto& vi : *list) {
        if (!vi.type().has_tensor_type()) continue;
        const auto& t = vi.type().tensor_type();
        if (t.elem_type() != 0) elem_types.emplace(vi.name(), t.elem_type());
        if (!t.has_shape()) continue;
        Dims dims;
        for (const auto& d : t.shape().dim())
          dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
        shapes.emplace(vi.name(), std::move(dims));
      }
    }
    for (const auto& init : g.initializer()) {
      shapes[init.name()] = Dims(init.dims().begin(), init.dims().end());
      elem_types[init.name()] = init.data_type();
      constants[init.name()] = &init;
    }
    for (const auto& node : g.node()) {
      if (node.op_type() != "Constant" || node.output_size() != 1) continue;
      for (const auto& attr : node.attribute()) {
        if (attr.name() != "value" || !attr.has_t()) continue;
        constants[node.output(0)] = &attr.t();
        shapes[node.output(0)] = Dims(attr.t().dims().begin(), attr.t().dims().end());
        elem_types[node.output(0)] = attr.t().data_type();
      }
    }
  }

  std::optional<Dims> Shape(const std::string& name) const {
    auto it = shapes.find(name);
    if (it == shapes.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Dims> StaticShape(const std::string& name) const {
    auto s = Shape(name);
    if (!s || !IsStatic(*s)) return std::nullopt;
    return s;
  }
  std::optional<int64_t> Rank(const std::string& name) const {
    auto s = Shape(name);
    if (!s) return std::nullopt;
    return static_cast<int64_t>(s->size());
  }
  int32_t ElemType(const std::string& name) const {
    auto it = elem_types.find(name);
    return it == elem_types.end() ? 0 : it->second;
  }
  std::optional<std::vector<int64_t>> Ints(const std::string& name) const {
    auto it = constants.find(name);
    if (name.empty() || it == constants.end()) return std::nullopt;
    return IntValues(*it->second);
  }
  std::optional<std::vector<float>> Floats(const std::string& name) const {
    auto it = constants.find(name);
    if (name.empty() || it == constants.end()) return std::nullopt;
    return FloatValues(*it->second);
  }
};

// The opset in which each operator's newest version up to opset 21 appeared
// where that is after opset 17 (the versions this file rewrites or passes).
int NewestVersion(const std::string& op, int64_t opset) {
  static const std::map<std::string, std::vector<int>> kVersions = {
      {"AveragePool", {19}},
      {"Cast", {19, 21}},
      {"CastLike", {19, 21}},
      {"DFT", {20}},
      {"DequantizeLinear", {19, 21}},
      {"GridSample", {20}},
      {"GroupNormalization", {18, 21}},
      {"Pad", {18, 19, 21}},
      {"QuantizeLinear", {19, 21}},
      {"Resize", {18, 19}},
      {"ScatterElements", {18}},
      {"ScatterND", {18}},
      {"Split", {18}},
      {"ReduceMax", {18, 20}},
      {"ReduceMin", {18, 20}},
      {"ReduceL1", {18}},
      {"ReduceL2", {18}},
      {"ReduceLogSum", {18}},
      {"ReduceLogSumExp", {18}},
      {"ReduceMean", {18}},
      {"ReduceProd", {18}},
      {"ReduceSumSquare", {18}},
      {"LpPool", {18}},
      {"Mish", {18}},
      {"CenterCropPad", {18}},
      {"Gelu", {20}},
  };
  auto it = kVersions.find(op);
  if (it == kVersions.end()) return 0;
  int newest = 0;
  for (int v : it->second) {
    if (v <= opset) newest = v;
  }
  return newest;
}

// Bounds on what the rewrites materialise, so that a hostile attribute
// cannot make them allocate without limit.
constexpr int64_t kMaxGroups = int64_t{1} << 16;
constexpr int64_t kMaxZeroPoints = int64_t{1} << 16;
constexpr double kMaxResizedDim = 1e9;

class Adapter {
 public:
  // `inferred`: shapes found by inference so far. With `defer`, nodes whose
  // rewrite needs a shape not known yet are kept as they are and listed.
  Adapter(int64_t opset, const std::map<std::string, Dims>& inferred, bool defer)
      : opset_(opset), inferred_(inferred), defer_(defer) {}

  // Rewrites every node of `graph` (and of its subgraphs).
  void RewriteGraph(onnx::GraphProto* graph) {
    known_.AddGraph(*graph);
    for (const auto& [name, dims] : inferred_) {
      auto it = known_.shapes.find(name);
      if (it == known_.shapes.end() || !IsStatic(it->second)) known_.shapes[name] = dims;
    }
    for (const auto& vi : graph->input()) used_.insert(vi.name());
    for (const auto& init : graph->initializer()) used_.insert(init.name());
    for (const auto& node : graph->node()) {
      for (const auto& out : node.output()) used_.insert(out);
      used_.insert(node.name());
    }
    graph_ = graph;
    std::vector<onnx::NodeProto> nodes(graph->node().begin(), graph->node().end());
    std::vector<onnx::NodeProto> out;
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
      onnx::NodeProto& node = nodes[i];
      if (node.name().empty()) node.set_name(absl::StrCat(node.op_type(), "_", i));
      for (auto& attr : *node.mutable_attribute()) {
        if (attr.has_g()) RewriteSubgraph(attr.mutable_g());
        for (auto& g : *attr.mutable_graphs()) RewriteSubgraph(&g);
      }
      graph_ = graph;
      out_ = &out;
      Rewrite(std::move(node));
    }
    graph->clear_node();
    for (auto& node : out) *graph->add_node() = std::move(node);
  }

  int rewritten() const { return rewritten_; }
  const std::set<std::string>& deferred() const { return deferred_; }
  const std::vector<frontends::UnsupportedNode>& unsupported() const { return unsupported_; }

 private:
  void RewriteSubgraph(onnx::GraphProto* g) {
    onnx::GraphProto* outer = graph_;
    std::vector<onnx::NodeProto>* outer_out = out_;
    RewriteGraph(g);
    graph_ = outer;
    out_ = outer_out;
  }

  std::string Fresh(const std::string& base) {
    std::string name = base;
    for (int i = 1; used_.count(name) > 0; ++i) name = absl::StrCat(base, "_", i);
    used_.insert(name);
    return name;
  }

  std::string AddInts(const std::string& hint, const std::vector<int64_t>& values, bool scalar) {
    auto* t = graph_->add_initializer();
    t->set_name(Fresh(hint));
    t->set_data_type(onnx::TensorProto::INT64);
    if (!scalar) t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    known_.constants[t->name()] = t;
    return t->name();
  }

  // A float constant with the element type of `like` (CastLike when that
  // is not float32).
  std::string AddFloats(const std::string& hint, const std::vector<float>& values, bool scalar,
                        const std::string& like) {
    auto* t = graph_->add_initializer();
    t->set_name(Fresh(hint));
    t->set_data_type(onnx::TensorProto::FLOAT);
    if (!scalar) t->add_dims(static_cast<int64_t>(values.size()));
    for (float v : values) t->add_float_data(v);
    known_.constants[t->name()] = t;
    if (known_.ElemType(like) == onnx::TensorProto::FLOAT) return t->name();
    return Emit("CastLike", {t->name(), like}, hint + "_cast");
  }

  // Appends a node of the replacement subgraph; returns its output.
  std::string Emit(const std::string& op, const std::vector<std::string>& inputs,
                   const std::string& hint, const std::string& output = "") {
    onnx::NodeProto node;
    node.set_op_type(op);
    node.set_name(Fresh(hint));
    for (const auto& in : inputs) node.add_input(in);
    node.add_output(output.empty() ? Fresh(hint) : output);
    out_->push_back(std::move(node));
    return out_->back().output(0);
  }

  // A rewrite that needs a shape inference has not found yet.
  void NeedsShape(onnx::NodeProto node, std::string reason) {
    if (!defer_) return Unsupported(node, std::move(reason));
    deferred_.insert(node.name());
    Keep(std::move(node), false);
  }

  void Unsupported(const onnx::NodeProto& node, std::string reason) {
    unsupported_.push_back({node.op_type(), node.name(), std::move(reason)});
  }

  void Keep(onnx::NodeProto node, bool changed) {
    if (changed) ++rewritten_;
    out_->push_back(std::move(node));
  }

  void Rewrite(onnx::NodeProto node) {
    if (!IsDefaultDomain(node.domain())) return Keep(std::move(node), false);
    const std::string op = node.op_type();
    const int version = NewestVersion(op, opset_);
    if (version == 0) {
      // Ops new after opset 17 without a rewrite here (BitwiseAnd, Col2Im,
      // AffineGrid, ...): libonnx 1.12 has no schema for them.
      if (onnx::OpSchemaRegistry::Schema(op, kAdaptedOnnxOpset, "") == nullptr) {
        return Unsupported(node, "op type is not supported");
      }
      return Keep(std::move(node), false);
    }
    if (op == "Split") return RewriteSplit(std::move(node));
    if (op.rfind("Reduce", 0) == 0) return RewriteReduce(std::move(node));
    if (op == "Pad") return RewritePad(std::move(node));
    if (op == "Resize") return RewriteResize(std::move(node));
    // ScatterElements/ScatterND-18's reductions max and min pass through:
    // the lowering has them, and libonnx's inference ignores the reduction.
    if (op == "ScatterElements" || op == "ScatterND") return Keep(std::move(node), false);
    if (op == "GroupNormalization") return RewriteGroupNorm(std::move(node), version);
    if (op == "Mish") return RewriteMish(std::move(node));
    if (op == "Gelu") return RewriteGelu(std::move(node));
    if (op == "CenterCropPad") return RewriteCenterCropPad(std::move(node));
    if (op == "LpPool") {
      if (IntAttr(node, "ceil_mode", 0) != 0) {
        return Unsupported(node, "attribute 'ceil_mode'=1");
      }
      RemoveAttr(&node, "ceil_mode");
      return Keep(std::move(node), true);
    }
    if (op == "AveragePool") {
      if (const auto* d = FindAttr(node, "dilations")) {
        for (int64_t v : d->ints()) {
          if (v != 1) return Unsupported(node, "attribute 'dilations' other than 1");
        }
        RemoveAttr(&node, "dilations");
        return Keep(std::move(node), true);
      }
      return Keep(std::move(node), false);
    }
    if (op == "Cast" || op == "CastLike") {
      // saturate applies only to float8 targets, which are refused earlier.
      const bool had = FindAttr(node, "saturate") != nullptr;
      RemoveAttr(&node, "saturate");
      return Keep(std::move(node), had);
    }
    if (op == "QuantizeLinear" || op == "DequantizeLinear") return RewriteQuantize(std::move(node));
    if (op == "DFT") return RewriteDft(std::move(node));
    if (op == "GridSample") {
      // GridSample-20 renamed the modes and allows N-D (the registry checks 4-D).
      const std::string mode = StringAttr(node, "mode", "linear");
      SetStringAttr(&node, "mode",
                    mode == "linear"  ? "bilinear"
                    : mode == "cubic" ? "bicubic"
                                      : mode);
      return Keep(std::move(node), true);
    }
    return Keep(std::move(node), false);
  }

  // Split-18: num_outputs -> equal parts of ceil(n / num_outputs), the last
  // smaller, given as the split input.
  void RewriteSplit(onnx::NodeProto node) {
    const bool has_num = FindAttr(node, "num_outputs") != nullptr;
    RemoveAttr(&node, "num_outputs");
    if (!has_num || !Input(node, 1).empty()) return Keep(std::move(node), has_num);
    const int64_t k = node.output_size();
    if (k < 1) return Unsupported(node, "no outputs");
    const int64_t axis = IntAttr(node, "axis", 0);
    const std::string x = Input(node, 0);
    auto shape = known_.Shape(x);
    if (shape) {
      const int64_t rank = static_cast<int64_t>(shape->size());
      const int64_t a = axis < 0 ? axis + rank : axis;
      if (a >= 0 && a < rank && (*shape)[a] >= 0) {
        const int64_t n = (*shape)[a];
        if (n % k == 0) return Keep(std::move(node), true);  // Split-13's equal parts
        const int64_t chunk = (n + k - 1) / k;
        if (n - chunk * (k - 1) < 0) {
          return Unsupported(
              node, absl::StrCat("'num_outputs'=", k,
                                 " leaves nothing for the last outputs (axis length ", n, ")"));
        }
        std::vector<int64_t> sizes(k, chunk);
        sizes.back() = n - chunk * (k - 1);
        SetInput(&node, 1, AddInts(node.name() + "/split", sizes, false));
        return Keep(std::move(node), true);
      }
    }
    // The axis length is not declared: compute the sizes from the shape;
    // constant propagation folds them once inference has the shape.
    const std::string base = node.name() + "/split";
    const std::string dims = Emit("Shape", {x}, base + "_shape");
    const std::string n =
        Emit("Gather", {dims, AddInts(base + "_axis", {axis}, false)}, base + "_length");
    const std::string chunk =
        Emit("Div",
             {Emit("Add", {n, AddInts(base + "_k1", {k - 1}, false)}, base + "_sum"),
              AddInts(base + "_k", {k}, false)},
             base + "_chunk");
    const std::string last = Emit(
        "Sub", {n, Emit("Mul", {chunk, AddInts(base + "_k1m", {k - 1}, false)}, base + "_head")},
        base + "_last");
    std::vector<std::string> parts(k - 1, chunk);
    parts.push_back(last);
    const std::string sizes = Emit("Concat", parts, base + "_sizes");
    SetIntAttr(&out_->back(), "axis", 0);
    SetInput(&node, 1, sizes);
    Keep(std::move(node), true);
  }

  // Reduce*-18: axes input -> attribute; noop_with_empty_axes.
  void RewriteReduce(onnx::NodeProto node) {
    const bool noop = IntAttr(node, "noop_with_empty_axes", 0) != 0;
    RemoveAttr(&node, "noop_with_empty_axes");
    std::vector<int64_t> axes;
    const std::string axes_name = Input(node, 1);
    if (!axes_name.empty()) {
      auto values = known_.Ints(axes_name);
      if (!values) return Unsupported(node, "the axes input is not a compile-time constant");
      axes = *values;
    }
    DropInput(&node, 1);
    if (axes.empty() && noop) {
      node.set_op_type("Identity");
      node.clear_attribute();
      return Keep(std::move(node), true);
    }
    if (!axes.empty()) SetIntsAttr(&node, "axes", axes);
    Keep(std::move(node), true);
  }

  // Pad-18: axes input -> pads over every axis. Pad-19's mode 'wrap' passes
  // through (the lowering has it; libonnx's Pad-13 inference ignores the mode).
  void RewritePad(onnx::NodeProto node) {
    const std::string axes_name = Input(node, 3);
    if (axes_name.empty()) return Keep(std::move(node), false);
    auto axes = known_.Ints(axes_name);
    auto pads = known_.Ints(Input(node, 1));
    auto rank = known_.Rank(Input(node, 0));
    if (!axes || !pads) {
      return Unsupported(node,
                         "the axes input with pads or axes that are not compile-time constants");
    }
    if (!rank) return NeedsShape(std::move(node), "the axes input on a tensor of unknown rank");
    const int64_t r = *rank, n = static_cast<int64_t>(axes->size());
    if (static_cast<int64_t>(pads->size()) != 2 * n) {
      return Unsupported(node, "pads do not hold two values per axis");
    }
    std::vector<int64_t> full(2 * r, 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t a = (*axes)[i] < 0 ? (*axes)[i] + r : (*axes)[i];
      if (a < 0 || a >= r)
        return Unsupported(node, absl::StrCat("axis ", (*axes)[i], " out of range"));
      full[a] = (*pads)[i];
      full[a + r] = (*pads)[i + n];
    }
    SetInput(&node, 1, AddInts(node.name() + "/pads", full, false));
    DropInput(&node, 3);
    Keep(std::move(node), true);
  }

  // Resize-18/19: antialias, axes, keep_aspect_ratio_policy,
  // half_pixel_symmetric.
  void RewriteResize(onnx::NodeProto node) {
    bool bad = false;
    if (IntAttr(node, "antialias", 0) != 0) {
      Unsupported(node, "attribute 'antialias'=1");
      bad = true;
    }
    if (StringAttr(node, "coordinate_transformation_mode", "") == "half_pixel_symmetric") {
      Unsupported(node, "attribute 'coordinate_transformation_mode'='half_pixel_symmetric'");
      bad = true;
    }
    const std::string policy = StringAttr(node, "keep_aspect_ratio_policy", "stretch");
    const auto* axes_attr = FindAttr(node, "axes");
    const bool changed = FindAttr(node, "antialias") != nullptr || axes_attr != nullptr ||
                         FindAttr(node, "keep_aspect_ratio_policy") != nullptr;
    if (bad) return;
    const std::string x = Input(node, 0);
    std::vector<int64_t> axes;
    if (axes_attr != nullptr) axes.assign(axes_attr->ints().begin(), axes_attr->ints().end());
    const bool has_sizes = !Input(node, 3).empty();
    if (axes.empty() && policy == "stretch") {
      RemoveAttr(&node, "antialias");
      RemoveAttr(&node, "keep_aspect_ratio_policy");
      RemoveAttr(&node, "axes");
      return Keep(std::move(node), changed);
    }
    auto rank = known_.Rank(x);
    if (!rank) {
      return NeedsShape(std::move(node),
                        "axes or keep_aspect_ratio_policy on a tensor of unknown rank");
    }
    const int64_t r = *rank;
    if (axes.empty()) {
      for (int64_t i = 0; i < r; ++i) axes.push_back(i);
    }
    for (int64_t& a : axes) {
      if (a < 0) a += r;
      if (a < 0 || a >= r) return Unsupported(node, "attribute 'axes' out of range");
    }
    const int64_t n = static_cast<int64_t>(axes.size());
    if (!Input(node, 1).empty()) {
      auto roi = known_.Floats(Input(node, 1));
      if (!roi || static_cast<int64_t>(roi->size()) != 2 * n) {
        return Unsupported(node, "a roi with axes that is not a compile-time constant");
      }
      std::vector<float> full(2 * r, 0.0f);
      for (int64_t i = r; i < 2 * r; ++i) full[i] = 1.0f;
      for (int64_t i = 0; i < n; ++i) {
        full[axes[i]] = (*roi)[i];
        full[axes[i] + r] = (*roi)[i + n];
      }
      SetInput(&node, 1, AddFloats(node.name() + "/roi", full, false, Input(node, 1)));
    }
    if (has_sizes) {
      auto sizes = known_.Ints(Input(node, 3));
      auto shape = known_.StaticShape(x);
      if (sizes && !shape) {
        return NeedsShape(std::move(node),
                          "sizes with axes or keep_aspect_ratio_policy on a tensor of unknown "
                          "shape");
      }
      if (!sizes || static_cast<int64_t>(sizes->size()) != n) {
        return Unsupported(node,
                           "sizes with axes or keep_aspect_ratio_policy need constant sizes and "
                           "a declared input shape");
      }
      std::vector<int64_t> full = *shape;
      double scale = policy == "not_larger" ? INFINITY : 0.0;
      for (int64_t i = 0; i < n; ++i) {
        const double s = static_cast<double>((*sizes)[i]) / static_cast<double>((*shape)[axes[i]]);
        if (policy == "not_larger") scale = std::min(scale, s);
        if (policy == "not_smaller") scale = std::max(scale, s);
      }
      for (int64_t i = 0; i < n; ++i) {
        const double size = std::floor(scale * static_cast<double>((*shape)[axes[i]]) + 0.5);
        if (policy != "stretch" && !(size >= 0 && size <= kMaxResizedDim)) {
          return Unsupported(node,
                             "sizes that keep_aspect_ratio_policy cannot scale (an empty "
                             "input axis, or an output axis above 1e9)");
        }
        full[axes[i]] = policy == "stretch" ? (*sizes)[i] : static_cast<int64_t>(size);
      }
      SetInput(&node, 3, AddInts(node.name() + "/sizes", full, false));
    } else if (!Input(node, 2).empty()) {
      auto scales = known_.Floats(Input(node, 2));
      if (!scales || static_cast<int64_t>(scales->size()) != n) {
        return Unsupported(node, "scales with axes that are not a compile-time constant");
      }
      std::vector<float> full(r, 1.0f);
      for (int64_t i = 0; i < n; ++i) full[axes[i]] = (*scales)[i];
      auto* t = graph_->add_initializer();
      t->set_name(Fresh(node.name() + "/scales"));
      t->set_data_type(onnx::TensorProto::FLOAT);
      t->add_dims(r);
      for (float v : full) t->add_float_data(v);
      known_.constants[t->name()] = t;
      SetInput(&node, 2, t->name());
    }
    RemoveAttr(&node, "antialias");
    RemoveAttr(&node, "keep_aspect_ratio_policy");
    RemoveAttr(&node, "axes");
    Keep(std::move(node), true);
  }

  // Y = scale * (X - mean) / sqrt(var + epsilon) + bias per group: the
  // groups are InstanceNormalization's channels of X as [N, G, -1]. Scale
  // and bias are per group in version 18, per channel in 21.
  void RewriteGroupNorm(onnx::NodeProto node, int version) {
    const std::string x = Input(node, 0), scale = Input(node, 1), bias = Input(node, 2);
    const auto* groups_attr = FindAttr(node, "num_groups");
    if (groups_attr == nullptr || groups_attr->i() < 1) {
      return Unsupported(node, "attribute 'num_groups' missing or below 1");
    }
    const int64_t groups = groups_attr->i();
    // Per-group constants are built here: bound them before allocating.
    if (groups > kMaxGroups) {
      return Unsupported(
          node, absl::StrCat("attribute 'num_groups'=", groups, " (at most ", kMaxGroups, ")"));
    }
    const float epsilon = FindAttr(node, "epsilon") ? FindAttr(node, "epsilon")->f() : 1e-5f;
    const std::string base = node.name();
    const std::string shape = Emit("Shape", {x}, base + "/shape");
    const std::string grouped =
        Emit("Reshape", {x, AddInts(base + "/grouped_shape", {0, groups, -1}, false)},
             base + "/grouped");
    const std::string normed =
        Emit("InstanceNormalization",
             {grouped, AddFloats(base + "/ones", std::vector<float>(groups, 1.0f), false, x),
              AddFloats(base + "/zeros", std::vector<float>(groups, 0.0f), false, x)},
             base + "/normalized");
    // Arguments are evaluated before Emit runs, so any CastLikes AddFloats
    // emitted precede InstanceNormalization, now out_'s last node.
    auto* epsilon_attr = out_->back().add_attribute();
    epsilon_attr->set_name("epsilon");
    epsilon_attr->set_type(onnx::AttributeProto::FLOAT);
    epsilon_attr->set_f(epsilon);
    const std::string axis1 = AddInts(base + "/axis1", {1}, false);
    std::string affine_in = normed;
    if (version >= 21) {
      const std::string channel_shape =
          Emit("Concat",
               {AddInts(base + "/zero", {0}, false), Emit("Shape", {scale}, base + "/channels"),
                AddInts(base + "/rest", {-1}, false)},
               base + "/channel_shape");
      SetIntAttr(&out_->back(), "axis", 0);
      affine_in = Emit("Reshape", {normed, channel_shape}, base + "/per_channel");
    }
    const std::string scaled = Emit(
        "Mul", {affine_in, Emit("Unsqueeze", {scale, axis1}, base + "/scale")}, base + "/scaled");
    const std::string shifted =
        Emit("Add", {scaled, Emit("Unsqueeze", {bias, axis1}, base + "/bias")}, base + "/shifted");
    Emit("Reshape", {shifted, shape}, base + "/y", node.output(0));
    ++rewritten_;
  }

  // Mish(x) = x * tanh(softplus(x)).
  void RewriteMish(onnx::NodeProto node) {
    const std::string x = Input(node, 0), base = node.name();
    Emit("Mul", {x, Emit("Tanh", {Emit("Softplus", {x}, base + "/softplus")}, base + "/tanh")},
         base, node.output(0));
    ++rewritten_;
  }

  // Gelu-20 written with Erf (or Tanh), as PyTorch exports it; the
  // compiler's fuse_gelu pass turns the Erf form back into one Gelu.
  void RewriteGelu(onnx::NodeProto node) {
    const std::string x = Input(node, 0), base = node.name();
    const std::string approx = StringAttr(node, "approximate", "none");
    std::string inner;
    if (approx == "none") {
      inner = Emit("Erf",
                   {Emit("Div", {x, AddFloats(base + "/sqrt2", {std::sqrt(2.0f)}, true, x)},
                         base + "/scaled")},
                   base + "/erf");
    } else if (approx == "tanh") {
      const std::string cube =
          Emit("Mul", {x, Emit("Mul", {x, x}, base + "/square")}, base + "/cube");
      const std::string poly = Emit(
          "Add",
          {x, Emit("Mul", {cube, AddFloats(base + "/c", {0.044715f}, true, x)}, base + "/cubic")},
          base + "/poly");
      inner = Emit(
          "Tanh",
          {Emit("Mul",
                {poly, AddFloats(base + "/k", {0.7978845608028654f /* sqrt(2 / pi) */}, true, x)},
                base + "/arg")},
          base + "/tanh");
    } else {
      return Unsupported(node,
                         absl::StrCat("attribute 'approximate'=", ncc::text::QuotedName(approx)));
    }
    const std::string one_plus =
        Emit("Add", {inner, AddFloats(base + "/one", {1.0f}, true, x)}, base + "/one_plus");
    const std::string times_x = Emit("Mul", {x, one_plus}, base + "/times_x");
    Emit("Mul", {times_x, AddFloats(base + "/half", {0.5f}, true, x)}, base, node.output(0));
    ++rewritten_;
  }

  // CenterCropPad-18: a centred Slice where the input is larger, a centred
  // Pad where it is smaller (the extra element goes to the end).
  void RewriteCenterCropPad(onnx::NodeProto node) {
    const std::string x = Input(node, 0), base = node.name();
    auto shape = known_.StaticShape(x);
    auto target = known_.Ints(Input(node, 1));
    if (!target) return Unsupported(node, "the shape input is not a compile-time constant");
    if (!shape) return NeedsShape(std::move(node), "the input's shape is not known");
    const int64_t r = static_cast<int64_t>(shape->size());
    std::vector<int64_t> axes;
    if (const auto* a = FindAttr(node, "axes")) axes.assign(a->ints().begin(), a->ints().end());
    if (axes.empty()) {
      for (int64_t i = 0; i < r; ++i) axes.push_back(i);
    }
    if (axes.size() != target->size()) return Unsupported(node, "shape and axes differ in length");
    std::vector<int64_t> starts, ends, slice_axes, pads(2 * r, 0);
    bool pad = false;
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
      if (a < 0 || a >= r) return Unsupported(node, "attribute 'axes' out of range");
      const int64_t in = (*shape)[a], want = (*target)[i];
      if (want < 0) return Unsupported(node, absl::StrCat("negative target size ", want));
      if (in > want) {
        slice_axes.push_back(a);
        starts.push_back((in - want) / 2);
        ends.push_back((in - want) / 2 + want);
      } else if (in < want) {
        pads[a] = (want - in) / 2;
        pads[a + r] = want - in - pads[a];
        pad = true;
      }
    }
    std::string y = x;
    if (!slice_axes.empty()) {
      y = Emit("Slice",
               {y, AddInts(base + "/starts", starts, false), AddInts(base + "/ends", ends, false),
                AddInts(base + "/axes", slice_axes, false)},
               base + "/crop", pad ? "" : node.output(0));
    }
    if (pad) {
      Emit("Pad", {y, AddInts(base + "/pads", pads, false)}, base + "/pad", node.output(0));
    } else if (slice_axes.empty()) {
      Emit("Identity", {x}, base, node.output(0));
    }
    ++rewritten_;
  }

  // Quantize/DequantizeLinear-19/21: saturate (float8 only), block_size,
  // output_dtype.
  void RewriteQuantize(onnx::NodeProto node) {
    bool changed = FindAttr(node, "saturate") != nullptr;
    RemoveAttr(&node, "saturate");
    if (const auto* b = FindAttr(node, "block_size")) {
      if (b->i() != 0) {
        return Unsupported(
            node, absl::StrCat("blocked quantization (attribute 'block_size'=", b->i(), ")"));
      }
      RemoveAttr(&node, "block_size");
      changed = true;
    }
    if (const auto* d = FindAttr(node, "output_dtype")) {
      const int64_t type = d->i();
      RemoveAttr(&node, "output_dtype");
      changed = true;
      if (type != 0 && type != onnx::TensorProto::UINT8 && Input(node, 2).empty()) {
        // The zero point carries the output type at opset 17.
        auto scale_shape = known_.StaticShape(Input(node, 1));
        if (!scale_shape || (type != onnx::TensorProto::INT8 && type != onnx::TensorProto::INT16 &&
                             type != onnx::TensorProto::UINT16)) {
          return Unsupported(
              node, absl::StrCat("attribute 'output_dtype'=", type, " without a zero point"));
        }
        auto* t = graph_->add_initializer();
        t->set_name(Fresh(node.name() + "/zero_point"));
        t->set_data_type(static_cast<int32_t>(type));
        int64_t count = 1;
        for (int64_t d : *scale_shape) {
          t->add_dims(d);
          count = std::min(count * std::min(d, kMaxZeroPoints + 1), kMaxZeroPoints + 1);
        }
        if (count > kMaxZeroPoints) {
          graph_->mutable_initializer()->RemoveLast();
          return Unsupported(node, "a scale of more than 65536 elements without a zero point");
        }
        for (int64_t i = 0; i < count; ++i) t->add_int32_data(0);
        SetInput(&node, 2, t->name());
      }
    }
    Keep(std::move(node), changed);
  }

  // DFT-20: the axis input (default -2) -> DFT-17's axis attribute.
  void RewriteDft(onnx::NodeProto node) {
    int64_t axis = -2;
    if (!Input(node, 2).empty()) {
      auto values = known_.Ints(Input(node, 2));
      if (!values || values->size() != 1) {
        return Unsupported(node, "the axis input is not a compile-time constant scalar");
      }
      axis = (*values)[0];
    }
    if (auto rank = known_.Rank(Input(node, 0)); rank && axis < 0) axis += *rank;
    DropInput(&node, 2);
    SetIntAttr(&node, "axis", axis);
    Keep(std::move(node), true);
  }

  int64_t opset_;
  const std::map<std::string, Dims>& inferred_;
  bool defer_;
  std::set<std::string> deferred_;
  Known known_;
  std::set<std::string> used_;
  onnx::GraphProto* graph_ = nullptr;
  std::vector<onnx::NodeProto>* out_ = nullptr;
  int rewritten_ = 0;
  std::vector<frontends::UnsupportedNode> unsupported_;
};

// Element types the compiler cannot represent at all: named up front, every
// tensor and attribute at once.
void FindNewElemTypes(const onnx::GraphProto& g, std::vector<std::string>* found) {
  auto note = [&](int64_t type, const std::string& what) {
    if (const char* name = NewElemTypeName(type)) {
      found->push_back(absl::StrCat(name, " is not supported (", what, ")"));
    }
  };
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()}) {
    for (const auto& vi : *list) {
      if (vi.type().has_tensor_type()) {
        note(vi.type().tensor_type().elem_type(),
             absl::StrCat("tensor ", ncc::text::QuotedName(vi.name())));
      }
    }
  }
  for (const auto& init : g.initializer()) {
    note(init.data_type(), absl::StrCat("tensor ", ncc::text::QuotedName(init.name())));
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& node = g.node(i);
    // Unnamed nodes are named by position, as the importer names them.
    const std::string name =
        node.name().empty() ? absl::StrCat(node.op_type(), "_", i) : node.name();
    const std::string where = absl::StrCat("node ", ncc::text::QuotedName(name), " (",
                                           ncc::text::PrintableName(node.op_type()), ")");
    for (const auto& attr : node.attribute()) {
      if (attr.type() == onnx::AttributeProto::INT &&
          (attr.name() == "to" || attr.name() == "dtype" || attr.name() == "output_dtype")) {
        note(attr.i(), where);
      }
      if (attr.has_t()) note(attr.t().data_type(), where);
      if (attr.has_g()) FindNewElemTypes(attr.g(), found);
      for (const auto& sub : attr.graphs()) FindNewElemTypes(sub, found);
    }
  }
}

int64_t DefaultOpset(const onnx::ModelProto& model) {
  int64_t version = 0;
  for (const auto& opset : model.opset_import()) {
    if (IsDefaultDomain(opset.domain())) version = opset.version();
  }
  return version;
}

}  // namespace

absl::Status CheckOnnxVersions(const onnx::ModelProto& model) {
  const int64_t opset = DefaultOpset(model);
  if (model.ir_version() > kMaxOnnxIrVersion || opset > kMaxOnnxOpset) {
    return absl::InvalidArgumentError(
        absl::StrCat("model has IR version ", model.ir_version(), " and opset ", opset,
                     "; neuron-cc reads IR versions up to ", kMaxOnnxIrVersion,
                     " and default-domain opsets up to ", kMaxOnnxOpset));
  }
  std::vector<std::string> new_types;
  FindNewElemTypes(model.graph(), &new_types);
  if (new_types.empty()) return absl::OkStatus();
  const size_t listed = std::min<size_t>(new_types.size(), 8);
  return absl::UnimplementedError(absl::StrCat(
      "unsupported element types (the compiler has no float8 or 4-bit types): ",
      absl::StrJoin(new_types.begin(), new_types.begin() + listed, "; "),
      new_types.size() > listed ? absl::StrCat("; and ", new_types.size() - listed, " more")
                                : std::string()));
}

absl::StatusOr<VersionAdaptation> AdaptToOpset17(onnx::ModelProto* model,
                                                 const OnnxShapeInference& infer) {
  if (absl::Status s = CheckOnnxVersions(*model); !s.ok()) return s;
  VersionAdaptation result;
  result.model_ir_version = model->ir_version();
  result.model_opset = DefaultOpset(*model);
  onnx::OperatorSetIdProto* default_opset = nullptr;
  for (auto& opset : *model->mutable_opset_import()) {
    if (IsDefaultDomain(opset.domain())) default_opset = &opset;
  }
  if (result.model_opset > kAdaptedOnnxOpset) {
    // Rounds of inference on a rewritten copy without the deferred nodes
    // find the shapes those need; each round must find new ones.
    std::map<std::string, Dims> inferred;
    for (int round = 0; infer != nullptr && round < 8; ++round) {
      onnx::ModelProto copy = *model;
      Adapter pass(result.model_opset, inferred, /*defer=*/true);
      pass.RewriteGraph(copy.mutable_graph());
      if (pass.deferred().empty()) break;
      auto* nodes = copy.mutable_graph()->mutable_node();
      for (int i = nodes->size() - 1; i >= 0; --i) {
        if (pass.deferred().count(nodes->Get(i).name()) > 0) nodes->DeleteSubrange(i, 1);
      }
      for (auto& opset : *copy.mutable_opset_import()) {
        if (IsDefaultDomain(opset.domain())) opset.set_version(kAdaptedOnnxOpset);
      }
      copy.set_ir_version(std::min<int64_t>(copy.ir_version(), kAdaptedOnnxIrVersion));
      if (!infer(copy).ok()) break;
      const size_t known_before = inferred.size();
      for (const auto& vi : copy.graph().value_info()) {
        if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
        Dims dims;
        for (const auto& d : vi.type().tensor_type().shape().dim()) {
          dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
        }
        inferred[vi.name()] = std::move(dims);
      }
      if (inferred.size() == known_before) break;
    }
    Adapter adapter(result.model_opset, inferred, /*defer=*/false);
    adapter.RewriteGraph(model->mutable_graph());
    if (!adapter.unsupported().empty()) {
      return absl::UnimplementedError(frontends::DescribeUnsupportedNodes(
          "ONNX", absl::StrCat("opset ", result.model_opset), adapter.unsupported()));
    }
    result.rewritten_nodes = adapter.rewritten();
    default_opset->set_version(kAdaptedOnnxOpset);
  }
  if (model->ir_version() > kAdaptedOnnxIrVersion) model->set_ir_version(kAdaptedOnnxIrVersion);
  return result;
}

}  // namespace ncc::onnx_frontend
