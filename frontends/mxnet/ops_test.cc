// The math and tensor converters against MXNet 1.x results worked out by
// hand: each test imports a one-op symbol whose inputs are all parameters,
// so the graph is constant, and evaluates it op by op on the host.
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/eval/host_eval.h"
#include "compiler/ir/graph.h"
#include "frontends/mxnet/convert.h"
#include "frontends/mxnet/symbol.h"
#include "frontends/mxnet/symbol_import.h"
#include "gtest/gtest.h"

namespace ncc::mxnet_frontend {
namespace {

using Tensor = std::vector<double>;
using Attrs = std::map<std::string, std::string>;

// An input of the op: a parameter holding `values`, or (values empty) a
// graph input pinned to `shape`.
struct Var {
  ir::Shape shape;
  Tensor values;
  ir::DType dtype = ir::DType::kF32;
};

Tensor Iota(int64_t n, double from = 0) {
  Tensor t(n);
  for (int64_t i = 0; i < n; ++i) t[i] = from + static_cast<double>(i);
  return t;
}

// A symbol of variables x0, x1, ... feeding one node "op" whose outputs are
// the heads.
std::string OneOpJson(const std::string& op, const Attrs& attrs, size_t num_vars,
                      size_t num_outputs) {
  std::vector<std::string> nodes, inputs, heads, args;
  for (size_t i = 0; i < num_vars; ++i) {
    nodes.push_back(absl::StrCat(R"({"op": "null", "name": "x)", i, R"(", "inputs": []})"));
    inputs.push_back(absl::StrCat("[", i, ", 0, 0]"));
    args.push_back(absl::StrCat(i));
  }
  std::vector<std::string> attr_items;
  for (const auto& [k, v] : attrs) attr_items.push_back(absl::StrCat("\"", k, "\": \"", v, "\""));
  nodes.push_back(absl::StrCat(R"({"op": ")", op, R"(", "name": "op", "attrs": {)",
                               absl::StrJoin(attr_items, ", "), R"(}, "inputs": [)",
                               absl::StrJoin(inputs, ", "), "]}"));
  for (size_t k = 0; k < num_outputs; ++k)
    heads.push_back(absl::StrCat("[", num_vars, ", ", k, ", 0]"));
  return absl::StrCat(R"({"nodes": [)", absl::StrJoin(nodes, ", "), R"(], "arg_nodes": [)",
                      absl::StrJoin(args, ", "), R"(], "heads": [)", absl::StrJoin(heads, ", "),
                      R"(], "attrs": {"mxnet_version": ["int", 10901]}})");
}

absl::StatusOr<frontends::ImportedModel> ImportOneOp(const std::string& op, const Attrs& attrs,
                                                     const std::vector<Var>& vars,
                                                     size_t num_outputs = 1) {
  auto symbol = ParseSymbol(OneOpJson(op, attrs, vars.size(), num_outputs), "op-symbol.json");
  if (!symbol.ok()) return symbol.status();
  std::vector<ParamArray> params;
  frontends::ImportOptions options;
  for (size_t i = 0; i < vars.size(); ++i) {
    const std::string name = absl::StrCat("x", i);
    if (vars[i].values.empty()) {
      options.input_shapes[name] = vars[i].shape;
      options.input_dtypes[name] = vars[i].dtype;
      continue;
    }
    ParamArray p;
    p.name = name;
    p.dtype = vars[i].dtype;
    p.shape = vars[i].shape;
    p.data = ir::eval::BytesFromDoubles(vars[i].values, vars[i].dtype);
    params.push_back(std::move(p));
  }
  return ImportSymbol(*symbol, std::move(params), "op-symbol.json", "op.params", options);
}

// Numpy-style broadcast read offsets of `in` for each element of `out`.
std::vector<int64_t> Offsets(const ir::Shape& in, const ir::Shape& out) {
  std::vector<int64_t> offsets;
  const int64_t n = ir::NumElements(out);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k, off = 0, stride = 1;
    for (int64_t d = static_cast<int64_t>(out.size()) - 1; d >= 0; --d) {
      const int64_t idx = rem % out[d];
      rem /= out[d];
      const int64_t id = d - static_cast<int64_t>(out.size() - in.size());
      if (id < 0) continue;
      if (in[id] != 1) off += idx * stride;
      stride *= in[id];
    }
    offsets.push_back(off);
  }
  return offsets;
}

// Ops the host evaluator leaves to the device, evaluated here for the tests.
std::optional<std::vector<Tensor>> EvaluateHere(const ir::Op& op) {
  const std::string& t = op.type;
  const ir::Value& out = *op.outputs[0];
  auto in = [&](size_t i) { return ir::eval::ConstantAsDoubles(*op.inputs[i]); };
  static const std::map<std::string, double (*)(double)> kUnary = {
      {"Sin", [](double a) { return std::sin(a); }},
      {"Cos", [](double a) { return std::cos(a); }},
      {"Erf", [](double a) { return std::erf(a); }},
      {"Sign", [](double a) { return a > 0   ? 1.0
                                     : a < 0 ? -1.0
                                             : 0.0; }},
      {"Softsign", [](double a) { return a / (1 + std::fabs(a)); }},
      {"Softplus", [](double a) { return std::log1p(std::exp(a)); }},
  };
  if (auto it = kUnary.find(t); it != kUnary.end()) {
    Tensor a = in(0);
    for (double& v : a) v = it->second(v);
    return std::vector<Tensor>{a};
  }
  static const std::map<std::string, double (*)(double, double)> kBinary = {
      {"GreaterOrEqual", [](double a, double b) { return a >= b ? 1.0 : 0.0; }},
      {"LessOrEqual", [](double a, double b) { return a <= b ? 1.0 : 0.0; }},
      {"And", [](double a, double b) { return a != 0 && b != 0 ? 1.0 : 0.0; }},
      {"Xor", [](double a, double b) { return (a != 0) != (b != 0) ? 1.0 : 0.0; }},
  };
  if (auto it = kBinary.find(t); it != kBinary.end() || t == "Mod") {
    Tensor a = in(0), b = in(1), r;
    auto ao = Offsets(op.inputs[0]->shape, out.shape), bo = Offsets(op.inputs[1]->shape, out.shape);
    for (size_t i = 0; i < ao.size(); ++i) {
      const double x = a[ao[i]], y = b[bo[i]];
      if (t != "Mod") {
        r.push_back(it->second(x, y));
      } else if (op.GetInt("fmod", 0) != 0) {
        r.push_back(std::fmod(x, y));
      } else {
        r.push_back(y == 0 ? 0 : x - std::floor(x / y) * y);
      }
    }
    return std::vector<Tensor>{r};
  }
  if (t == "Clip") {
    Tensor a = in(0);
    const double lo = in(1)[0], hi = in(2)[0];
    for (double& v : a) v = std::min(std::max(v, lo), hi);
    return std::vector<Tensor>{a};
  }
  if (t.rfind("Reduce", 0) == 0) {
    const ir::Shape& s = op.inputs[0]->shape;
    std::vector<int64_t> axes =
        op.inputs.size() > 1 ? std::vector<int64_t>() : op.GetInts("axes", {});
    if (op.inputs.size() > 1) {
      for (double v : in(1)) axes.push_back(static_cast<int64_t>(v));
    }
    ir::Shape kept = s;
    for (int64_t a : axes) kept[a] = 1;
    if (kept != out.shape) return std::nullopt;
    const Tensor a = in(0);
    Tensor r(ir::NumElements(kept), t == "ReduceProd"  ? 1.0
                                    : t == "ReduceMax" ? -INFINITY
                                    : t == "ReduceMin" ? INFINITY
                                                       : 0.0);
    std::vector<int64_t> count(r.size(), 0);
    const auto off = Offsets(kept, s);  // each input element's reduced slot
    for (size_t i = 0; i < a.size(); ++i) {
      double& acc = r[off[i]];
      ++count[off[i]];
      if (t == "ReduceProd")
        acc *= a[i];
      else if (t == "ReduceMax")
        acc = std::max(acc, a[i]);
      else if (t == "ReduceMin")
        acc = std::min(acc, a[i]);
      else
        acc += a[i];
    }
    if (t == "ReduceMean") {
      for (size_t i = 0; i < r.size(); ++i) r[i] /= count[i];
    }
    return std::vector<Tensor>{r};
  }
  if (t == "Split") {
    const ir::Shape& s = op.inputs[0]->shape;
    const int64_t axis = op.GetInt("axis", 0);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= s[d];
    for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
    const Tensor a = in(0);
    std::vector<Tensor> parts;
    int64_t at = 0;
    for (const ir::Value* o : op.outputs) {
      Tensor p;
      for (int64_t i = 0; i < outer; ++i) {
        const int64_t from = (i * s[axis] + at) * inner;
        p.insert(p.end(), a.begin() + from, a.begin() + from + o->shape[axis] * inner);
      }
      at += o->shape[axis];
      parts.push_back(p);
    }
    return parts;
  }
  if (t == "Tile") {
    const ir::Shape& s = op.inputs[0]->shape;
    const Tensor a = in(0);
    Tensor r;
    const int64_t n = out.num_elements();
    for (int64_t k = 0; k < n; ++k) {
      int64_t rem = k, off = 0, stride = 1;
      for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
        off += (rem % out.shape[d]) % s[d] * stride;
        rem /= out.shape[d];
        stride *= s[d];
      }
      r.push_back(a[off]);
    }
    return std::vector<Tensor>{r};
  }
  return std::nullopt;
}

// Evaluates every op in order, turning its outputs into constants; returns
// the graph outputs' elements.
std::optional<std::vector<Tensor>> Evaluate(ir::Graph& graph) {
  for (const auto& op : graph.ops()) {
    std::optional<std::vector<Tensor>> results;
    if (auto r = ir::eval::EvaluateOnHost(*op)) {
      results = std::vector<Tensor>{*r};
    } else {
      results = EvaluateHere(*op);
    }
    if (!results || results->size() != op->outputs.size()) {
      ADD_FAILURE() << "cannot evaluate " << op->Describe();
      return std::nullopt;
    }
    for (size_t k = 0; k < op->outputs.size(); ++k) {
      ir::Value* v = op->outputs[k];
      v->data = ir::eval::BytesFromDoubles((*results)[k], v->dtype);
      v->is_constant = true;
    }
  }
  std::vector<Tensor> outs;
  for (const ir::Value* v : graph.outputs()) outs.push_back(ir::eval::ConstantAsDoubles(*v));
  return outs;
}

struct Outcome {
  std::vector<ir::Shape> shapes;
  std::vector<ir::DType> dtypes;
  std::vector<Tensor> values;
};

// Imports and evaluates; fails the test on any error.
Outcome RunOneOp(const std::string& op, const Attrs& attrs, const std::vector<Var>& vars,
                 size_t num_outputs = 1) {
  Outcome run;
  auto model = ImportOneOp(op, attrs, vars, num_outputs);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return run;
  for (const ir::Value* v : model->graph->outputs()) {
    run.shapes.push_back(v->shape);
    run.dtypes.push_back(v->dtype);
  }
  auto values = Evaluate(*model->graph);
  if (values) run.values = *values;
  return run;
}

ir::Shape ShapeOf(const std::string& op, const Attrs& attrs, const std::vector<Var>& vars) {
  auto model = ImportOneOp(op, attrs, vars);
  EXPECT_TRUE(model.ok()) << op << ": " << model.status();
  if (!model.ok() || model->graph->outputs().empty()) return {-1};
  return model->graph->outputs()[0]->shape;
}

// The error of an op that must not import: one line, of `code`.
std::string ErrorOf(const std::string& op, const Attrs& attrs, const std::vector<Var>& vars,
                    absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  auto model = ImportOneOp(op, attrs, vars);
  EXPECT_FALSE(model.ok()) << op << " imported";
  if (model.ok()) return "";
  EXPECT_EQ(model.status().code(), code) << model.status();
  EXPECT_EQ(model.status().message().find('\n'), std::string::npos) << model.status();
  return std::string(model.status().message());
}

Var Input(ir::Shape shape) { return Var{std::move(shape), {}}; }
Var Param(ir::Shape shape, Tensor values, ir::DType dtype = ir::DType::kF32) {
  return Var{std::move(shape), std::move(values), dtype};
}
Var Arange(ir::Shape shape) {
  const int64_t n = ir::NumElements(shape);
  return Param(std::move(shape), Iota(n));
}

TEST(MxnetReshape, SpecialValues) {
  const Var x = Input({2, 3, 4});
  const std::vector<std::pair<std::string, ir::Shape>> cases = {
      {"(6, 1, -1)", {6, 1, 4}},
      {"(3, -1, 8)", {3, 1, 8}},
      {"(-1,)", {24}},
      {"(0, -1)", {2, 12}},
      {"(0, 0, -1)", {2, 3, 4}},
      {"(-2,)", {2, 3, 4}},
      {"(2, -2)", {2, 3, 4}},
      {"(-2, 1, 1)", {2, 3, 4, 1, 1}},
      {"(0, -3)", {2, 12}},
      {"(-3, -2)", {6, 4}},
      {"(-4, 1, 2, -2)", {1, 2, 3, 4}},
      {"(2, -4, -1, 3, -2)", {2, 1, 3, 4}},
      {"(-4, -1, 1, 0, 0)", {2, 1, 3, 4}},
      {"[4, 6]", {4, 6}},
  };
  for (const auto& [shape, want] : cases) {
    EXPECT_EQ(ShapeOf("Reshape", {{"shape", shape}}, {x}), want) << shape;
  }
  EXPECT_EQ(ShapeOf("reshape", {{"shape", "(-3, -3)"}}, {Input({2, 3, 4, 5})}), (ir::Shape{6, 20}));
}

TEST(MxnetReshape, Reverse) {
  const Var x = Input({10, 5, 4});
  EXPECT_EQ(ShapeOf("Reshape", {{"shape", "(-1, 0)"}}, {x}), (ir::Shape{40, 5}));
  EXPECT_EQ(ShapeOf("Reshape", {{"shape", "(-1, 0)"}, {"reverse", "True"}}, {x}),
            (ir::Shape{50, 4}));
  EXPECT_EQ(ShapeOf("Reshape", {{"shape", "(0, -3)"}, {"reverse", "1"}}, {x}), (ir::Shape{10, 20}));
}

TEST(MxnetReshape, LegacyTargetShape) {
  const Var x = Input({2, 3, 4});
  EXPECT_EQ(ShapeOf("Reshape", {{"target_shape", "(0, 4)"}}, {x}), (ir::Shape{6, 4}));
  EXPECT_EQ(ShapeOf("Reshape", {{"target_shape", "(7, 0)"}, {"keep_highest", "True"}}, {x}),
            (ir::Shape{2, 12}));
}

TEST(MxnetReshape, KeepsElementOrder) {
  Outcome r = RunOneOp("Reshape", {{"shape", "(-4, 3, -1, -2)"}}, {Arange({6, 2})});
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.shapes[0], (ir::Shape{3, 2, 2}));
  EXPECT_EQ(r.values[0], Iota(12));
}

TEST(MxnetReshape, HostileShapesAreOneLineErrors) {
  const Var x = Input({2, 3, 4});
  EXPECT_NE(ErrorOf("Reshape", {{"shape", "(-1, -1)"}}, {x}).find("more than one -1"),
            std::string::npos);
  EXPECT_NE(ErrorOf("Reshape", {{"shape", "(-4, 4, -1, -2)"}}, {x}).find("-4 cannot split"),
            std::string::npos);
  EXPECT_NE(ErrorOf("Reshape", {{"shape", "(-4, 5, 7, -2)"}}, {x}).find("-4 cannot split"),
            std::string::npos);
  ErrorOf("Reshape", {{"shape", "(-4, 0, -1, -2)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(-4, -1, -1, -2)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(-4, 2)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(0, 0, 0, 0)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(-3, -3)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(-5, -2)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(5, -1)"}}, {x});
  ErrorOf("Reshape", {{"shape", "(9223372036854775807, 9223372036854775807)"}}, {x});
  ErrorOf("Reshape", {}, {x});
  ErrorOf("Reshape", {{"shape", "(-4, 1, 2, -2)"}, {"reverse", "True"}}, {x},
          absl::StatusCode::kUnimplemented);
  std::vector<std::string> ones(200, "1");
  ErrorOf("Reshape", {{"shape", absl::StrCat("(", absl::StrJoin(ones, ", "), ")")}}, {x},
          absl::StatusCode::kUnimplemented);
}

TEST(MxnetTensor, TransposeSwapFlattenExpandSqueeze) {
  Outcome r = RunOneOp("transpose", {}, {Arange({2, 3})});
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.shapes[0], (ir::Shape{3, 2}));
  EXPECT_EQ(r.values[0], (Tensor{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(ShapeOf("transpose", {{"axes", "(1, 2, 0)"}}, {Input({2, 3, 4})}),
            (ir::Shape{3, 4, 2}));
  EXPECT_EQ(ShapeOf("SwapAxis", {{"dim1", "0"}, {"dim2", "-1"}}, {Input({2, 3, 4})}),
            (ir::Shape{4, 3, 2}));
  EXPECT_EQ(ShapeOf("Flatten", {}, {Input({2, 3, 4})}), (ir::Shape{2, 12}));
  EXPECT_EQ(ShapeOf("flatten", {}, {Input({5})}), (ir::Shape{5, 1}));
  EXPECT_EQ(ShapeOf("expand_dims", {{"axis", "-1"}}, {Input({2, 3})}), (ir::Shape{2, 3, 1}));
  EXPECT_EQ(ShapeOf("squeeze", {}, {Input({1, 3, 1})}), (ir::Shape{3}));
  EXPECT_EQ(ShapeOf("squeeze", {{"axis", "None"}}, {Input({1, 1})}), (ir::Shape{1}));
  EXPECT_EQ(ShapeOf("squeeze", {{"axis", "(0,)"}}, {Input({1, 3, 1})}), (ir::Shape{3, 1}));
  ErrorOf("squeeze", {{"axis", "1"}}, {Input({1, 3, 1})});
  ErrorOf("transpose", {{"axes", "(0, 0)"}}, {Input({2, 3})});
  ErrorOf("transpose", {{"axes", "(0, 1, 2)"}}, {Input({2, 3})});
  ErrorOf("SwapAxis", {{"dim1", "99"}}, {Input({2, 3})});
}

TEST(MxnetTensor, ConcatStackAndSplitWithSqueezeAxis) {
  Outcome c =
      RunOneOp("Concat", {{"num_args", "2"}}, {Param({2, 1}, {1, 2}), Param({2, 2}, {3, 4, 5, 6})});
  ASSERT_EQ(c.values.size(), 1u);
  EXPECT_EQ(c.shapes[0], (ir::Shape{2, 3}));  // dim defaults to 1
  EXPECT_EQ(c.values[0], (Tensor{1, 3, 4, 2, 5, 6}));
  Outcome s = RunOneOp("stack", {{"axis", "1"}, {"num_args", "2"}},
                       {Param({2}, {1, 2}), Param({2}, {3, 4})});
  ASSERT_EQ(s.values.size(), 1u);
  EXPECT_EQ(s.shapes[0], (ir::Shape{2, 2}));
  EXPECT_EQ(s.values[0], (Tensor{1, 3, 2, 4}));
  ErrorOf("Concat", {{"num_args", "3"}}, {Input({2, 1}), Input({2, 2})});
  ErrorOf("Concat", {{"dim", "0"}, {"num_args", "2"}}, {Input({2, 1}), Input({2, 2})});

  Outcome p =
      RunOneOp("SliceChannel", {{"num_outputs", "3"}, {"squeeze_axis", "1"}}, {Arange({2, 3})}, 3);
  ASSERT_EQ(p.values.size(), 3u);
  for (const ir::Shape& shape : p.shapes) EXPECT_EQ(shape, (ir::Shape{2}));
  EXPECT_EQ(p.values[0], (Tensor{0, 3}));
  EXPECT_EQ(p.values[1], (Tensor{1, 4}));
  EXPECT_EQ(p.values[2], (Tensor{2, 5}));
  Outcome q = RunOneOp("split", {{"num_outputs", "2"}, {"axis", "0"}}, {Arange({4, 1})}, 2);
  ASSERT_EQ(q.values.size(), 2u);
  EXPECT_EQ(q.shapes[1], (ir::Shape{2, 1}));
  EXPECT_EQ(q.values[1], (Tensor{2, 3}));
  ErrorOf("split", {{"num_outputs", "2"}}, {Input({2, 3})});
  ErrorOf("split", {{"num_outputs", "2"}, {"squeeze_axis", "1"}}, {Input({2, 4})});
  ErrorOf("split", {{"num_outputs", "1000000000000"}}, {Input({2, 4})});
  ErrorOf("split", {{"num_outputs", "-2"}}, {Input({2, 4})});
}

TEST(MxnetTensor, SliceWithNoneAndNegativeSteps) {
  const Var x = Arange({3, 4});
  Outcome r = RunOneOp(
      "slice", {{"begin", "(None, 3)"}, {"end", "(None, None)"}, {"step", "(-1, -2)"}}, {x});
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.shapes[0], (ir::Shape{3, 2}));
  EXPECT_EQ(r.values[0], (Tensor{11, 9, 7, 5, 3, 1}));
  Outcome rows = RunOneOp("crop", {{"begin", "(1,)"}, {"end", "(None,)"}}, {x});
  ASSERT_EQ(rows.values.size(), 1u);
  EXPECT_EQ(rows.shapes[0], (ir::Shape{2, 4}));
  EXPECT_EQ(rows.values[0], Iota(8, 4));
  Outcome last = RunOneOp("slice", {{"begin", "(0, -1)"}, {"end", "(2, None)"}}, {x});
  ASSERT_EQ(last.values.size(), 1u);
  EXPECT_EQ(last.values[0], (Tensor{3, 7}));
  Outcome back =
      RunOneOp("slice", {{"begin", "(-1, 2)"}, {"end", "(0, -4)"}, {"step", "(-2, -1)"}}, {x});
  ASSERT_EQ(back.values.size(), 1u);
  EXPECT_EQ(back.shapes[0], (ir::Shape{1, 2}));
  EXPECT_EQ(back.values[0], (Tensor{10, 9}));
  Outcome axis = RunOneOp("slice_axis", {{"axis", "1"}, {"begin", "-3"}, {"end", "None"}}, {x});
  ASSERT_EQ(axis.values.size(), 1u);
  EXPECT_EQ(axis.values[0], (Tensor{1, 2, 3, 5, 6, 7, 9, 10, 11}));
  Outcome like = RunOneOp("slice_like", {{"axes", "(-1,)"}}, {x, Param({1, 2}, {0, 0})});
  ASSERT_EQ(like.values.size(), 1u);
  EXPECT_EQ(like.values[0], (Tensor{0, 1, 4, 5, 8, 9}));

  ErrorOf("slice", {{"begin", "(5,)"}, {"end", "(None,)"}}, {x});
  ErrorOf("slice", {{"begin", "(1,)"}, {"end", "(1,)"}}, {x});
  ErrorOf("slice", {{"begin", "(0,)"}, {"end", "(2,)"}, {"step", "(0,)"}}, {x});
  ErrorOf("slice", {{"begin", "(0, 0, 0)"}, {"end", "(1, 1, 1)"}}, {x});
  ErrorOf("slice", {{"begin", "(0,)"}, {"end", "(1, 1)"}}, {x});
  ErrorOf("slice",
          {{"begin", "(-9223372036854775808,)"},
           {"end", "(None,)"},
           {"step", "(-9223372036854775808,)"}},
          {x});
  ErrorOf("slice_axis", {{"axis", "99"}, {"begin", "0"}, {"end", "1"}}, {x});
  ErrorOf("slice_axis", {{"axis", "0"}, {"begin", "2"}, {"end", "1"}}, {x});
}

TEST(MxnetTensor, ReverseTileRepeatBroadcast) {
  Outcome f = RunOneOp("reverse", {{"axis", "(0, 1)"}}, {Arange({2, 3})});
  ASSERT_EQ(f.values.size(), 1u);
  EXPECT_EQ(f.values[0], (Tensor{5, 4, 3, 2, 1, 0}));
  Outcome t = RunOneOp("tile", {{"reps", "(2, 1, 2)"}}, {Arange({1, 2})});
  ASSERT_EQ(t.values.size(), 1u);
  EXPECT_EQ(t.shapes[0], (ir::Shape{2, 1, 4}));
  EXPECT_EQ(t.values[0], (Tensor{0, 1, 0, 1, 0, 1, 0, 1}));
  Outcome r = RunOneOp("repeat", {{"repeats", "2"}, {"axis", "1"}}, {Arange({2, 2})});
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.shapes[0], (ir::Shape{2, 4}));
  EXPECT_EQ(r.values[0], (Tensor{0, 0, 1, 1, 2, 2, 3, 3}));
  Outcome flat = RunOneOp("repeat", {{"repeats", "2"}}, {Arange({2, 2})});
  ASSERT_EQ(flat.values.size(), 1u);
  EXPECT_EQ(flat.shapes[0], (ir::Shape{8}));
  Outcome b = RunOneOp("broadcast_to", {{"shape", "(0, 3)"}}, {Param({2, 1}, {1, 2})});
  ASSERT_EQ(b.values.size(), 1u);
  EXPECT_EQ(b.values[0], (Tensor{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(ShapeOf("broadcast_like", {}, {Input({1, 3}), Input({4, 3})}), (ir::Shape{4, 3}));
  EXPECT_EQ(ShapeOf("broadcast_like", {{"lhs_axes", "(0,)"}, {"rhs_axes", "(-1,)"}},
                    {Input({1, 3}), Input({3, 5})}),
            (ir::Shape{5, 3}));
  Outcome ones = RunOneOp("ones_like", {}, {Param({2}, {7, 8}, ir::DType::kI32)});
  ASSERT_EQ(ones.values.size(), 1u);
  EXPECT_EQ(ones.dtypes[0], ir::DType::kI32);
  EXPECT_EQ(ones.values[0], (Tensor{1, 1}));
  ErrorOf("reverse", {{"axis", "(0, 0)"}}, {Input({2, 3})});
  ErrorOf("tile", {{"reps", "(4611686018427387904, 4)"}}, {Input({2, 3})});
  ErrorOf("tile", {{"reps", "(-1,)"}}, {Input({2, 3})});
  ErrorOf("repeat", {{"repeats", "4611686018427387904"}, {"axis", "0"}}, {Input({2, 3})});
  ErrorOf("broadcast_to", {{"shape", "(3, 3)"}}, {Input({2, 3})});
  ErrorOf("broadcast_to", {{"shape", "(3,)"}}, {Input({2, 3})});
  ErrorOf("expand_dims", {{"axis", "99"}}, {Input({2, 3})});
}

TEST(MxnetTensor, CastsAndIdentities) {
  Outcome c = RunOneOp("Cast", {{"dtype", "int32"}}, {Param({3}, {1.7, -1.7, 2})});
  ASSERT_EQ(c.values.size(), 1u);
  EXPECT_EQ(c.dtypes[0], ir::DType::kI32);
  EXPECT_EQ(c.values[0], (Tensor{1, -1, 2}));
  Outcome a = RunOneOp("amp_cast", {{"dtype", "float16"}}, {Param({1}, {1}, ir::DType::kI32)});
  ASSERT_EQ(a.dtypes.size(), 1u);
  EXPECT_EQ(a.dtypes[0], ir::DType::kI32);
  for (const char* op :
       {"_copy", "identity", "BlockGrad", "stop_gradient", "MakeLoss", "make_loss"}) {
    Outcome r = RunOneOp(op, {}, {Param({2}, {1, 2})});
    ASSERT_EQ(r.values.size(), 1u) << op;
    EXPECT_EQ(r.values[0], (Tensor{1, 2})) << op;
  }
  ErrorOf("Cast", {{"dtype", "complex64"}}, {Input({2})}, absl::StatusCode::kUnimplemented);
}

TEST(MxnetMath, ScalarOpsTakeTheInputsDtype) {
  const Var x = Param({3}, {1, 2, 3});
  auto one = [&](const std::string& op, const std::string& scalar, const Var& v) {
    Outcome r = RunOneOp(op, {{"scalar", scalar}}, {v});
    return r.values.empty() ? Tensor{} : r.values[0];
  };
  EXPECT_EQ(one("_rdiv_scalar", "6", x), (Tensor{6, 3, 2}));
  EXPECT_EQ(one("_RDivScalar", "6.0", x), (Tensor{6, 3, 2}));
  EXPECT_EQ(one("_rminus_scalar", "10", x), (Tensor{9, 8, 7}));
  EXPECT_EQ(one("_rpower_scalar", "2", x), (Tensor{2, 4, 8}));
  EXPECT_EQ(one("_power_scalar", "2", x), (Tensor{1, 4, 9}));
  EXPECT_EQ(one("_minus_scalar", "0.5", x), (Tensor{0.5, 1.5, 2.5}));
  EXPECT_EQ(one("_maximum_scalar", "2", x), (Tensor{2, 2, 3}));
  EXPECT_EQ(one("_greater_equal_scalar", "2", x), (Tensor{0, 1, 1}));
  EXPECT_EQ(one("_not_equal_scalar", "2", x), (Tensor{1, 0, 1}));
  // The scalar in the input's dtype: 2.5 is 2 for int32.
  const Var xi = Param({3}, {1, 2, 3}, ir::DType::kI32);
  EXPECT_EQ(one("_plus_scalar", "2.5", xi), (Tensor{3, 4, 5}));
  Outcome cmp = RunOneOp("_lesser_scalar", {{"scalar", "2"}}, {xi});
  ASSERT_EQ(cmp.values.size(), 1u);
  EXPECT_EQ(cmp.dtypes[0], ir::DType::kI32);
  EXPECT_EQ(cmp.values[0], (Tensor{1, 0, 0}));
}

TEST(MxnetMath, BroadcastComparisonsReturnTheInputDtype) {
  Outcome f = RunOneOp("broadcast_greater", {}, {Arange({2, 3}), Param({3}, {1, 1, 4})});
  ASSERT_EQ(f.values.size(), 1u);
  EXPECT_EQ(f.dtypes[0], ir::DType::kF32);
  EXPECT_EQ(f.shapes[0], (ir::Shape{2, 3}));
  EXPECT_EQ(f.values[0], (Tensor{0, 0, 0, 1, 1, 1}));
  Outcome i = RunOneOp("broadcast_lesser_equal", {},
                       {Param({3}, {1, 2, 3}, ir::DType::kI32), Param({1}, {2}, ir::DType::kI32)});
  ASSERT_EQ(i.values.size(), 1u);
  EXPECT_EQ(i.dtypes[0], ir::DType::kI32);
  EXPECT_EQ(i.values[0], (Tensor{1, 1, 0}));
  Outcome ne = RunOneOp("broadcast_not_equal", {}, {Param({2}, {1, 2}), Param({2}, {1, 3})});
  ASSERT_EQ(ne.values.size(), 1u);
  EXPECT_EQ(ne.values[0], (Tensor{0, 1}));
  ErrorOf("broadcast_add", {}, {Input({2, 3}), Input({4})});
}

TEST(MxnetMath, ElementwiseAndAddN) {
  Outcome a = RunOneOp("_Plus", {}, {Param({2}, {1, 2}), Param({2}, {10, 20})});
  ASSERT_EQ(a.values.size(), 1u);
  EXPECT_EQ(a.values[0], (Tensor{11, 22}));
  Outcome n = RunOneOp("add_n", {{"num_args", "3"}},
                       {Param({2}, {1, 2}), Param({2}, {10, 20}), Param({2}, {100, 200})});
  ASSERT_EQ(n.values.size(), 1u);
  EXPECT_EQ(n.values[0], (Tensor{111, 222}));
  Outcome m =
      RunOneOp("broadcast_mod", {}, {Param({5}, {5, -5, 5, -5, 3}), Param({5}, {3, 3, -3, -3, 0})});
  ASSERT_EQ(m.values.size(), 1u);
  EXPECT_EQ(m.values[0], (Tensor{2, 1, -1, -2, 0}));
  Outcome mi = RunOneOp(
      "broadcast_mod", {},
      {Param({4}, {5, -5, 5, 3}, ir::DType::kI32), Param({4}, {3, 3, -3, 0}, ir::DType::kI32)});
  ASSERT_EQ(mi.values.size(), 1u);
  EXPECT_EQ(mi.values[0], (Tensor{2, 1, -1, 0}));
  ErrorOf("elemwise_add", {}, {Input({2, 3}), Input({3})});
  ErrorOf("elemwise_mul", {}, {Input({2})});
}

TEST(MxnetMath, UnaryRoundClip) {
  Outcome r = RunOneOp("round", {}, {Param({8}, {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6})});
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.values[0], (Tensor{-3, -2, -1, 1, 2, 3, 2, -3}));
  Outcome c = RunOneOp("clip", {{"a_min", "-1"}, {"a_max", "2"}}, {Param({4}, {-3, 0, 1.5, 9})});
  ASSERT_EQ(c.values.size(), 1u);
  EXPECT_EQ(c.values[0], (Tensor{-1, 0, 1.5, 2}));
  Outcome inverted = RunOneOp("clip", {{"a_min", "2"}, {"a_max", "-1"}}, {Param({2}, {-3, 9})});
  ASSERT_EQ(inverted.values.size(), 1u);
  EXPECT_EQ(inverted.values[0], (Tensor{2, -1}));
  Outcome rs = RunOneOp("rsqrt", {}, {Param({2}, {4, 16})});
  ASSERT_EQ(rs.values.size(), 1u);
  EXPECT_EQ(rs.values[0], (Tensor{0.5, 0.25}));
  Outcome ls = RunOneOp("log_sigmoid", {}, {Param({1}, {0})});
  ASSERT_EQ(ls.values.size(), 1u);
  EXPECT_NEAR(ls.values[0][0], std::log(0.5), 1e-6);
  for (const char* op :
       {"exp", "log", "sqrt", "square", "abs", "negative", "reciprocal", "sin", "cos", "erf",
        "floor", "ceil", "sign", "relu", "sigmoid", "tanh", "softsign"}) {
    Outcome u = RunOneOp(op, {}, {Param({2}, {0.25, 1})});
    ASSERT_EQ(u.values.size(), 1u) << op;
    EXPECT_EQ(u.shapes[0], (ir::Shape{2})) << op;
  }
}

TEST(MxnetMath, Reductions) {
  const Var x = Arange({2, 3, 4});
  Outcome e = RunOneOp("sum", {{"axis", "1"}, {"exclude", "True"}}, {x});
  ASSERT_EQ(e.values.size(), 1u);
  EXPECT_EQ(e.shapes[0], (ir::Shape{3}));
  EXPECT_EQ(e.values[0], (Tensor{60, 92, 124}));
  Outcome all = RunOneOp("mean", {}, {x});
  ASSERT_EQ(all.values.size(), 1u);
  EXPECT_EQ(all.shapes[0], (ir::Shape{1}));  // MXNet 1.x: (1,), not a scalar
  EXPECT_EQ(all.values[0], (Tensor{11.5}));
  Outcome none = RunOneOp("sum", {{"axis", "()"}, {"keepdims", "True"}}, {x});
  ASSERT_EQ(none.values.size(), 1u);
  EXPECT_EQ(none.shapes[0], (ir::Shape{1, 1, 1}));
  EXPECT_EQ(none.values[0], (Tensor{276}));
  Outcome mx = RunOneOp("max", {{"axis", "(0, -1)"}, {"keepdims", "1"}}, {x});
  ASSERT_EQ(mx.values.size(), 1u);
  EXPECT_EQ(mx.shapes[0], (ir::Shape{1, 3, 1}));
  EXPECT_EQ(mx.values[0], (Tensor{15, 19, 23}));
  Outcome mn = RunOneOp("min_axis", {{"axis", "(0, 2)"}, {"exclude", "1"}, {"keepdims", "1"}}, {x});
  ASSERT_EQ(mn.values.size(), 1u);
  EXPECT_EQ(mn.shapes[0], (ir::Shape{2, 1, 4}));
  EXPECT_EQ(mn.values[0], (Tensor{0, 1, 2, 3, 12, 13, 14, 15}));
  Outcome p = RunOneOp("prod", {{"axis", "-1"}}, {Param({2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(p.values.size(), 1u);
  EXPECT_EQ(p.values[0], (Tensor{2, 12}));
  Outcome ex_all = RunOneOp("sum", {{"axis", "(0, 1, 2)"}, {"exclude", "True"}}, {x});
  ASSERT_EQ(ex_all.values.size(), 1u);
  EXPECT_EQ(ex_all.shapes[0], (ir::Shape{2, 3, 4}));
  EXPECT_NE(ErrorOf("sum", {{"axis", "99"}}, {x}).find("axis 99"), std::string::npos);
  ErrorOf("sum", {{"axis", "(1, -2)"}}, {x});
  ErrorOf("mean", {{"axis", "(-9223372036854775808,)"}}, {x});
}

TEST(MxnetMath, DotAndBatchDot) {
  Outcome d = RunOneOp("dot", {}, {Param({2, 3}, {1, 2, 3, 4, 5, 6}), Param({3, 1}, {1, 0, -1})});
  ASSERT_EQ(d.values.size(), 1u);
  EXPECT_EQ(d.shapes[0], (ir::Shape{2, 1}));
  EXPECT_EQ(d.values[0], (Tensor{-2, -2}));
  Outcome ta = RunOneOp("dot", {{"transpose_a", "True"}},
                        {Param({3, 2}, {1, 4, 2, 5, 3, 6}), Param({3}, {1, 0, -1})});
  ASSERT_EQ(ta.values.size(), 1u);
  EXPECT_EQ(ta.shapes[0], (ir::Shape{2}));
  EXPECT_EQ(ta.values[0], (Tensor{-2, -2}));
  Outcome v = RunOneOp("dot", {}, {Param({3}, {1, 2, 3}), Param({3}, {4, 5, 6})});
  ASSERT_EQ(v.values.size(), 1u);
  EXPECT_EQ(v.shapes[0], (ir::Shape{1}));
  EXPECT_EQ(v.values[0], (Tensor{32}));
  // dot(x, y)[i, j, a, b] = sum(x[i, j, :] * y[:, a, b]).
  Outcome nd = RunOneOp("dot", {}, {Arange({2, 1, 2}), Param({2, 1, 2}, {1, 0, 0, 1})});
  ASSERT_EQ(nd.values.size(), 1u);
  EXPECT_EQ(nd.shapes[0], (ir::Shape{2, 1, 1, 2}));
  EXPECT_EQ(nd.values[0], (Tensor{0, 1, 2, 3}));
  ErrorOf("dot", {{"transpose_a", "True"}}, {Input({2, 2, 2}), Input({2, 2})},
          absl::StatusCode::kUnimplemented);
  ErrorOf("dot", {}, {Input({2, 3}), Input({2, 3})});

  EXPECT_EQ(ShapeOf("batch_dot", {{"transpose_b", "True"}}, {Input({2, 3, 4}), Input({2, 5, 4})}),
            (ir::Shape{2, 3, 5}));
  EXPECT_EQ(ShapeOf("batch_dot", {{"transpose_a", "1"}}, {Input({2, 4, 3}), Input({2, 4, 5})}),
            (ir::Shape{2, 3, 5}));
  ErrorOf("batch_dot", {}, {Input({2, 3, 4}), Input({3, 4, 5})});
  ErrorOf("batch_dot", {}, {Input({3, 4}), Input({4, 5})});

  Outcome s = RunOneOp("_contrib_div_sqrt_dim", {}, {Param({1, 4}, {2, 4, 6, 8})});
  ASSERT_EQ(s.values.size(), 1u);
  EXPECT_EQ(s.values[0], (Tensor{1, 2, 3, 4}));
}

TEST(MxnetMath, WhereTakesBothConditionForms) {
  const Var x = Param({2, 2}, {1, 2, 3, 4});
  const Var y = Param({2, 2}, {5, 6, 7, 8});
  Outcome rows = RunOneOp("where", {}, {Param({2}, {1, 0}), x, y});
  ASSERT_EQ(rows.values.size(), 1u);
  EXPECT_EQ(rows.shapes[0], (ir::Shape{2, 2}));
  EXPECT_EQ(rows.values[0], (Tensor{1, 2, 7, 8}));
  Outcome same = RunOneOp("where", {}, {Param({2, 2}, {0.5, 0, -1, 0}), x, y});
  ASSERT_EQ(same.values.size(), 1u);
  EXPECT_EQ(same.values[0], (Tensor{1, 6, 3, 8}));
  ErrorOf("where", {}, {Input({3}), Input({2, 2}), Input({2, 2})});
  ErrorOf("where", {}, {Input({2, 2}), Input({2, 2}), Input({2, 1})});
}

}  // namespace
}  // namespace ncc::mxnet_frontend
