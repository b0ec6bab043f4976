#include "frontends/tensorflow/tensorflow_frontend.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/ir/eval/graph_edit.h"
#include "frontends/tensorflow/graphdef_import.h"
#include "frontends/tensorflow/op_table.h"
#include "frontends/tensorflow/proto/graph.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::tensorflow_frontend {
namespace {

using ::testing::HasSubstr;

// Text GraphDef pieces.
std::string Placeholder(const std::string& name, const std::string& dims,
                        const std::string& dtype = "DT_FLOAT") {
  std::string d;
  size_t start = 0;
  while (start <= dims.size() && !dims.empty()) {
    size_t comma = dims.find(',', start);
    if (comma == std::string::npos) comma = dims.size();
    absl::StrAppend(&d, " dim { size: ", dims.substr(start, comma - start), " }");
    start = comma + 1;
  }
  return absl::StrCat("node { name: '", name, "' op: 'Placeholder' attr { key: 'dtype' value { type: ",
                      dtype, " } } attr { key: 'shape' value { shape {", d, " } } } }\n");
}

std::string IntConst(const std::string& name, const std::vector<int64_t>& values,
                     bool scalar = false) {
  std::string vals;
  for (int64_t v : values) absl::StrAppend(&vals, " int_val: ", v);
  return absl::StrCat("node { name: '", name,
                      "' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: "
                      "'value' value { tensor { dtype: DT_INT32 tensor_shape {",
                      scalar ? "" : absl::StrCat(" dim { size: ", values.size(), " }"), " }",
                      vals, " } } } }\n");
}

std::string FloatConst(const std::string& name, const std::vector<int64_t>& dims, float value) {
  std::string d;
  for (int64_t v : dims) absl::StrAppend(&d, " dim { size: ", v, " }");
  return absl::StrCat("node { name: '", name,
                      "' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } } attr { key: "
                      "'value' value { tensor { dtype: DT_FLOAT tensor_shape {",
                      d, " } float_val: ", value, " } } } }\n");
}

std::string Node(const std::string& name, const std::string& op,
                 const std::vector<std::string>& inputs, const std::string& attrs = "") {
  std::string in;
  for (const std::string& i : inputs) absl::StrAppend(&in, " input: '", i, "'");
  return absl::StrCat("node { name: '", name, "' op: '", op, "'", in, " ", attrs, " }\n");
}

std::string Attr(const std::string& key, const std::string& value) {
  return absl::StrCat("attr { key: '", key, "' value { ", value, " } } ");
}

absl::StatusOr<frontends::ImportedModel> Import(const std::string& pbtxt,
                                                frontends::ImportOptions options = {}) {
  return ImportGraphDefBytes(pbtxt, true, "model.pbtxt", options);
}

int Count(const ir::Graph& g, const std::string& type) {
  int n = 0;
  for (const auto& op : g.ops()) n += op->type == type;
  return n;
}

TEST(TensorflowFrontend, ConvBiasReluNhwcBecomesNchwConvWithOneTransposeEachEnd) {
  const std::string pbtxt =
      Placeholder("x", "1,8,8,3") + FloatConst("w", {3, 3, 3, 4}, 0.5f) +
      FloatConst("b", {4}, 1.0f) + FloatConst("w2", {1, 1, 4, 2}, 0.25f) +
      Node("conv", "Conv2D", {"x", "w"},
           Attr("strides", "list { i: 1 i: 2 i: 2 i: 1 }") + Attr("padding", "s: 'SAME'")) +
      Node("bias", "BiasAdd", {"conv", "b"}) + Node("relu", "Relu", {"bias"}) +
      Node("conv2", "Conv2D", {"relu", "w2"},
           Attr("strides", "list { i: 1 i: 1 i: 1 i: 1 }") + Attr("padding", "s: 'VALID'")) +
      Node("out", "Relu6", {"conv2"});
  auto model = Import(pbtxt);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name, "x:0");
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name, "out:0");
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{1, 4, 4, 2}));
  EXPECT_EQ(Count(g, "Conv"), 2);
  EXPECT_EQ(Count(g, "Transpose"), 2);  // the input and the output
  for (const auto& op : g.ops()) {
    if (op->type != "Conv") continue;
    EXPECT_TRUE(op->inputs[1]->is_constant);  // OIHW weights folded on the host
  }
  const ir::Op* conv = nullptr;
  for (const auto& op : g.ops()) {
    if (op->type == "Conv" && conv == nullptr) conv = op.get();
  }
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->inputs[1]->shape, (ir::Shape{4, 3, 3, 3}));
  EXPECT_EQ(conv->outputs[0]->shape, (ir::Shape{1, 4, 4, 4}));
  // SAME with stride 2 on 8: out 4, total padding 1, the extra one at the end.
  EXPECT_EQ(conv->GetInts("pads", {}), (std::vector<int64_t>{0, 0, 1, 1}));
}

TEST(TensorflowFrontend, DepthwiseAndPoolsAndFusedConv) {
  const std::string pbtxt =
      Placeholder("x", "1,7,7,4") + FloatConst("dw", {3, 3, 4, 2}, 0.1f) +
      FloatConst("b", {8}, 0.5f) + FloatConst("alpha", {8}, 0.2f) +
      Node("dwconv", "FusedDepthwiseConv2dNative", {"x", "dw", "b", "alpha"},
           Attr("strides", "list { i: 1 i: 2 i: 2 i: 1 }") + Attr("padding", "s: 'SAME'") +
               Attr("fused_ops", "list { s: 'BiasAdd' s: 'Prelu' }") + Attr("num_args", "i: 2")) +
      Node("avg", "AvgPool", {"dwconv"},
           Attr("ksize", "list { i: 1 i: 3 i: 3 i: 1 }") +
               Attr("strides", "list { i: 1 i: 2 i: 2 i: 1 }") + Attr("padding", "s: 'SAME'")) +
      Node("max", "MaxPool", {"avg"},
           Attr("ksize", "list { i: 1 i: 2 i: 2 i: 1 }") +
               Attr("strides", "list { i: 1 i: 1 i: 1 i: 1 }") + Attr("padding", "s: 'VALID'"));
  auto model = Import(pbtxt);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{1, 1, 1, 8}));
  EXPECT_EQ(Count(g, "Transpose"), 2);
  for (const auto& op : g.ops()) {
    if (op->type == "Conv") {
      EXPECT_EQ(op->GetInt("group", 0), 4);
      EXPECT_EQ(op->inputs[1]->shape, (ir::Shape{8, 1, 3, 3}));
    }
    if (op->type == "AveragePool") EXPECT_EQ(op->GetInt("count_include_pad", 1), 0);
    if (op->type == "PRelu") EXPECT_EQ(op->inputs[1]->shape, (ir::Shape{8, 1, 1}));
  }
}

TEST(TensorflowFrontend, NchwDataFormatNeedsNoTranspose) {
  const std::string pbtxt =
      Placeholder("x", "1,3,6,6") + FloatConst("w", {3, 3, 3, 4}, 0.5f) +
      FloatConst("b", {4}, 1.0f) +
      Node("conv", "Conv2D", {"x", "w"},
           Attr("strides", "list { i: 1 i: 1 i: 2 i: 2 }") + Attr("padding", "s: 'VALID'") +
               Attr("data_format", "s: 'NCHW'")) +
      Node("bias", "BiasAdd", {"conv", "b"}, Attr("data_format", "s: 'NCHW'"));
  auto model = Import(pbtxt);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->graph->outputs()[0]->shape, (ir::Shape{1, 4, 2, 2}));
  EXPECT_EQ(Count(*model->graph, "Transpose"), 0);
  frontends::ImportOptions options;
  options.input_dtypes["x:0"] = ir::DType::kI32;
  auto wrong_dtype = Import(pbtxt, options);
  EXPECT_THAT(wrong_dtype.status().message(),
              HasSubstr("--io-config gives 'x:0' dtype i32 but the placeholder is f32"));
}

TEST(TensorflowFrontend, ShapeChainsFoldAtImport) {
  // Flatten as TF writes it: Reshape(x, Pack(StridedSlice(Shape(x), [0], [1]), -1)).
  const std::string pbtxt =
      Placeholder("x", "2,3,4") + Node("shape", "Shape", {"x"}) + IntConst("b", {0}) +
      IntConst("e", {1}) + IntConst("s", {1}) +
      Node("batch", "StridedSlice", {"shape", "b", "e", "s"},
           Attr("shrink_axis_mask", "i: 1") + Attr("Index", "type: DT_INT32")) +
      IntConst("minus1", {-1}, true) + Node("dims", "Pack", {"batch", "minus1"}) +
      Node("flat", "Reshape", {"x", "dims"});
  auto model = Import(pbtxt);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{2, 12}));
  ASSERT_EQ(g.ops().size(), 1u);
  EXPECT_EQ(g.ops()[0]->type, "Reshape");
}

TEST(TensorflowFrontend, StridedSliceMasks) {
  struct Case {
    std::vector<int64_t> begin, end, strides;
    int64_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_mask;
    ir::Shape want;
  };
  const Case cases[] = {
      {{1, 0}, {3, 0}, {1, 1}, 0, 2, 0, 0, 0, {2, 5, 6}},          // x[1:3, :]
      {{0, 0}, {0, 0}, {1, -1}, 3, 3, 0, 0, 0, {4, 5, 6}},         // x[:, ::-1]
      {{0, 1}, {0, 2}, {1, 1}, 0, 0, 1, 0, 2, {4, 5}},             // x[..., 1]
      {{0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 5, 5, 0, 2, 0, {4, 1, 5, 6}},  // x[:, None, :]
      {{-1}, {0}, {1}, 0, 0, 0, 0, 1, {5, 6}},                     // x[-1]
      {{0, 0}, {4, 6}, {2, 3}, 0, 0, 0, 0, 0, {2, 2, 6}},          // x[0:4:2, 0:6:3]
  };
  for (const Case& c : cases) {
    const std::string pbtxt =
        Placeholder("x", "4,5,6") + IntConst("b", c.begin) + IntConst("e", c.end) +
        IntConst("s", c.strides) +
        Node("y", "StridedSlice", {"x", "b", "e", "s"},
             Attr("begin_mask", absl::StrCat("i: ", c.begin_mask)) +
                 Attr("end_mask", absl::StrCat("i: ", c.end_mask)) +
                 Attr("ellipsis_mask", absl::StrCat("i: ", c.ellipsis_mask)) +
                 Attr("new_axis_mask", absl::StrCat("i: ", c.new_axis_mask)) +
                 Attr("shrink_axis_mask", absl::StrCat("i: ", c.shrink_mask)));
    auto model = Import(pbtxt);
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ(model->graph->outputs()[0]->shape, c.want) << ir::ShapeToString(c.want);
  }
}

TEST(TensorflowFrontend, ArrayOps) {
  const std::string pbtxt =
      Placeholder("x", "2,6") + IntConst("axis", {1}, true) +
      Node("split", "Split", {"axis", "x"}, Attr("num_split", "i: 3")) +
      IntConst("sizes", {1, -1}) +
      Node("splitv", "SplitV", {"x", "sizes", "axis"}, Attr("num_split", "i: 2")) +
      Node("cat", "ConcatV2", {"split:2", "splitv:1", "axis"}, Attr("N", "i: 2")) +
      Node("pack", "Pack", {"split", "split:1"}, Attr("axis", "i: -1")) +
      Node("unpack", "Unpack", {"pack"}, Attr("num", "i: 2") + Attr("axis", "i: 2")) +
      IntConst("perm", {1, 0}) + Node("t", "Transpose", {"cat", "perm"}) +
      IntConst("mult", {2, 1}) + Node("tile", "Tile", {"t", "mult"}) +
      IntConst("idx", {0, 0, 1}) + IntConst("zero", {0}, true) +
      Node("gather", "GatherV2", {"tile", "idx", "zero"}) +
      Node("sq", "Squeeze", {"unpack:1"}) + Node("ed", "ExpandDims", {"sq", "zero"});
  frontends::ImportOptions options;
  options.outputs = {"cat", "gather:0", "ed:0", "unpack:1"};
  auto model = Import(pbtxt, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  ASSERT_EQ(g.outputs().size(), 4u);
  EXPECT_EQ(g.outputs()[0]->name, "cat:0");
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{2, 7}));
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{3, 2}));
  EXPECT_EQ(g.outputs()[2]->shape, (ir::Shape{1, 2, 2}));
  EXPECT_EQ(g.outputs()[3]->shape, (ir::Shape{2, 2}));
}

TEST(TensorflowFrontend, ReductionsKeepNchwOnlyWhenTheyCan) {
  const std::string pbtxt =
      Placeholder("x", "1,4,4,3") + FloatConst("w", {1, 1, 3, 5}, 1.0f) +
      Node("conv", "Conv2D", {"x", "w"},
           Attr("strides", "list { i: 1 i: 1 i: 1 i: 1 }") + Attr("padding", "s: 'VALID'")) +
      IntConst("hw", {1, 2}) + Node("gap", "Mean", {"conv", "hw"}) +
      Node("gapk", "Mean", {"conv", "hw"}, Attr("keep_dims", "b: true")) +
      Node("relu", "Relu", {"gapk"});
  frontends::ImportOptions options;
  options.outputs = {"gap:0", "relu:0"};
  auto model = Import(pbtxt, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{1, 5}));
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{1, 1, 1, 5}));
  for (const auto& op : g.ops()) {
    if (op->type == "ReduceMean") EXPECT_EQ(op->GetInts("axes", {}), (std::vector<int64_t>{2, 3}));
  }
}

TEST(TensorflowFrontend, PinsAndUnknownDimensions) {
  const std::string pbtxt = Placeholder("x", "-1,4") + Node("y", "Relu", {"x"});
  auto unpinned = Import(pbtxt);
  EXPECT_EQ(unpinned.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unpinned.status().message(),
            "model.pbtxt: placeholder 'x:0' has an unknown dimension 0 (shape [-1,4]); pin it "
            "with --input-shape x:0=1,4 or --io-config");
  frontends::ImportOptions options;
  options.input_shapes["x:0"] = {3, 4};
  auto pinned = Import(pbtxt, options);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->graph->outputs()[0]->shape, (ir::Shape{3, 4}));
  options.input_shapes.clear();
  options.input_shapes["x"] = {3, 5};  // a bare node name means output 0
  auto mismatched = Import(pbtxt, options);
  EXPECT_THAT(mismatched.status().message(), HasSubstr("does not match its declared shape"));
  options.input_shapes.clear();
  options.input_shapes["y:0"] = {3, 4};
  auto not_placeholder = Import(pbtxt, options);
  EXPECT_THAT(not_placeholder.status().message(),
              HasSubstr("--input-shape names 'y:0', which is not a placeholder"));
}

TEST(TensorflowFrontend, FrozenInputBecomesAConstant) {
  const std::string pbtxt = Placeholder("x", "2") + Placeholder("k", "2") +
                            Node("y", "Mul", {"x", "k"});
  frontends::ImportOptions options;
  frontends::FrozenInput frozen;
  frozen.shape = {2};
  frozen.data = ir::eval::BytesFromDoubles({2.0, 3.0}, ir::DType::kF32);
  options.frozen_inputs["k:0"] = frozen;
  auto model = Import(pbtxt, options);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->graph->inputs().size(), 1u);
  EXPECT_EQ(model->graph->inputs()[0]->name, "x:0");
}

TEST(TensorflowFrontend, EveryUnsupportedNodeAtOnce) {
  const std::string pbtxt = Placeholder("x", "2,2") + Node("a", "Erfinv", {"x"}) +
                            Node("b", "Erfinv", {"a"}) + Node("c", "Cumprod", {"b"});
  auto model = Import(pbtxt);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(model.status().message(), HasSubstr("3 unsupported TENSORFLOW nodes"));
  EXPECT_THAT(model.status().message(), HasSubstr("Erfinv x2 ('a', 'b')"));
  EXPECT_THAT(model.status().message(), HasSubstr("Cumprod x1 ('c')"));
  EXPECT_THAT(model.status().message(), HasSubstr("list-operators --framework TENSORFLOW"));
  // Unsupported as used, reported with the unknown op types.
  const std::string as_used = Placeholder("x", "1,4,4,1") +
                              Node("p", "MirrorPad", {"x", "pads"}, Attr("mode", "s: 'SYMMETRIC'")) +
                              IntConst("pads", {0, 0, 1, 1, 1, 1, 0, 0}) +
                              Node("q", "Relu", {"p"});
  auto used = Import(as_used);
  EXPECT_EQ(used.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(used.status().message(), HasSubstr("MirrorPad x1 ('p'): mode SYMMETRIC"));
}

TEST(TensorflowFrontend, MalformedFilesGiveOneLine) {
  tfproto::GraphDef def;
  auto* node = def.add_node();
  node->set_name("x");
  node->set_op("Placeholder");
  std::string bytes = def.SerializeAsString();
  bytes.resize(bytes.size() - 3);
  auto truncated = ImportGraphDefBytes(bytes, false, "m.pb", {});
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(truncated.status().message(), HasSubstr("m.pb: not a binary GraphDef, or truncated"));
  EXPECT_EQ(std::string(truncated.status().message()).find('\n'), std::string::npos);
  auto text = ImportGraphDefBytes("node { name: 'x' op: }", true, "m.pbtxt", {});
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("m.pbtxt: not a text GraphDef: line 1, column"));
  frontends::ImportOptions from_a;
  from_a.outputs = {"a"};
  auto cycle = Import(Node("a", "Relu", {"b"}) + Node("b", "Relu", {"a"}), from_a);
  EXPECT_THAT(cycle.status().message(), HasSubstr("cycle"));
  auto dangling = Import(Node("a", "Relu", {"nowhere"}));
  EXPECT_THAT(dangling.status().message(), HasSubstr("which no node produces"));
}

TEST(TensorflowFrontend, ReadsFilesAndDirectoriesOnlyAsSavedModels) {
  const frontends::Frontend& fe = TensorflowFrontend::Get();
  auto dir = fe.Import({"/proc/self"}, {});  // saved_model_test reads real ones
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(dir.status().message(), HasSubstr("without saved_model.pb"));
  auto missing = fe.Import({"/nonexistent/model.pb"}, {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(TensorflowFrontend, OperatorTable) {
  const std::string table = TensorflowFrontend::Get().FormatOperatorTable();
  for (const char* op : {"Conv2D", "_FusedConv2D", "FusedBatchNormV3", "StridedSlice",
                         "ResizeBilinear", "Placeholder", "Const"}) {
    EXPECT_THAT(table, HasSubstr(op));
    EXPECT_NE(FindTensorflowOp(op), nullptr) << op;
  }
  const std::string json = TensorflowFrontend::Get().FormatOperatorJson();
  EXPECT_THAT(json, HasSubstr("\"framework\": \"TENSORFLOW\""));
  EXPECT_THAT(json, HasSubstr("{\"op_type\": \"Conv2D\""));
}

}  // namespace
}  // namespace ncc::tensorflow_frontend
