#include "frontends/onnx/version_adapter.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "frontends/onnx/import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace ncc::onnx_frontend {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

onnx::ModelProto NewModel(int64_t opset, int64_t ir_version = 10) {
  onnx::ModelProto model;
  model.set_ir_version(ir_version);
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("test");
  return model;
}

void SetType(onnx::ValueInfoProto* vi, const std::string& name, int32_t elem_type,
             const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

void Input(onnx::ModelProto* m, const std::string& name, const std::vector<int64_t>& dims,
           int32_t elem_type = onnx::TensorProto::FLOAT) {
  SetType(m->mutable_graph()->add_input(), name, elem_type, dims);
}

// An output of known rank whose dimensions inference fills in.
void Output(onnx::ModelProto* m, const std::string& name, int rank) {
  auto* vi = m->mutable_graph()->add_output();
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (int i = 0; i < rank; ++i) shape->add_dim();
}

onnx::NodeProto* Node(onnx::ModelProto* m, const std::string& op, const std::string& name,
                      const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs) {
  auto* node = m->mutable_graph()->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  return node;
}

void IntAttr(onnx::NodeProto* node, const std::string& name, int64_t v) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void IntsAttr(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void StringAttr(onnx::NodeProto* node, const std::string& name, const std::string& v) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void Ints(onnx::ModelProto* m, const std::string& name, const std::vector<int64_t>& values,
          bool scalar = false) {
  auto* t = m->mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  if (!scalar) t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

void Floats(onnx::ModelProto* m, const std::string& name, const std::vector<float>& values) {
  auto* t = m->mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (float v : values) t->add_float_data(v);
}

const onnx::NodeProto* FindNode(const onnx::ModelProto& m, const std::string& op) {
  for (const auto& node : m.graph().node()) {
    if (node.op_type() == op) return &node;
  }
  return nullptr;
}

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::vector<int64_t> InitInts(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) return {t.int64_data().begin(), t.int64_data().end()};
  }
  return {};
}

std::vector<float> InitFloats(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) return {t.float_data().begin(), t.float_data().end()};
  }
  return {};
}

absl::StatusOr<ImportedModel> Import(const onnx::ModelProto& model) {
  return ImportOnnxBytes(model.SerializeAsString(), "test.onnx", {});
}

ir::Shape OutputShape(const ImportedModel& imported, const std::string& name) {
  for (const ir::Value* v : imported.graph->outputs()) {
    if (v->name == name) return v->shape;
  }
  return {-1};
}

TEST(VersionAdapterTest, RefusesNewerVersionsWithBothNumbers) {
  onnx::ModelProto m = NewModel(22, 11);
  Input(&m, "x", {2});
  Node(&m, "Relu", "r", {"x"}, {"y"});
  Output(&m, "y", 1);
  auto imported = Import(m);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(imported.status().message(), HasSubstr("IR version 11 and opset 22"));
  EXPECT_THAT(imported.status().message(), HasSubstr("up to 10"));
  EXPECT_THAT(imported.status().message(), HasSubstr("up to 21"));
  EXPECT_THAT(std::string(imported.status().message()), Not(HasSubstr("\n")));
  // IR version 10 at opset 21 is read.
  m.set_ir_version(10);
  m.mutable_opset_import(0)->set_version(21);
  EXPECT_TRUE(Import(m).ok()) << Import(m).status();
}

TEST(VersionAdapterTest, PassesOldModelsThrough) {
  onnx::ModelProto m = NewModel(13, 7);
  Input(&m, "x", {2});
  Node(&m, "Relu", "r", {"x"}, {"y"});
  Output(&m, "y", 1);
  onnx::ModelProto copy = m;
  auto adapted = AdaptToOpset17(&m);
  ASSERT_TRUE(adapted.ok()) << adapted.status();
  EXPECT_EQ(m.SerializeAsString(), copy.SerializeAsString());
}

TEST(VersionAdapterTest, RefusesFloat8AndInt4ByName) {
  onnx::ModelProto m = NewModel(21);
  Input(&m, "x", {2}, /*float8e4m3fn=*/17);
  auto* cast = Node(&m, "Cast", "c", {"x"}, {"y"});
  IntAttr(cast, "to", /*int4=*/22);
  Output(&m, "y", 1);
  auto imported = Import(m);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(imported.status().message(), HasSubstr("float8e4m3fn is not supported (tensor 'x')"));
  EXPECT_THAT(imported.status().message(), HasSubstr("int4 is not supported (node 'c' (Cast))"));
}

TEST(VersionAdapterTest, ImportsAtOpset17AndReportsTheFilesOpset) {
  onnx::ModelProto m = NewModel(21);
  Input(&m, "x", {2, 3});
  Ints(&m, "shape", {3, 2});
  Node(&m, "Reshape", "r", {"x", "shape"}, {"y"});
  Output(&m, "y", 2);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->opset, 21);
  EXPECT_EQ(imported->graph->opset(), 17);
  EXPECT_EQ(OutputShape(*imported, "y"), (ir::Shape{3, 2}));
}

TEST(VersionAdapterTest, SplitNumOutputsWithDeclaredShape) {
  onnx::ModelProto m = NewModel(18);
  Input(&m, "x", {2, 7});
  auto* split = Node(&m, "Split", "s", {"x"}, {"a", "b", "c"});
  IntAttr(split, "axis", -1);
  IntAttr(split, "num_outputs", 3);
  for (const char* out : {"a", "b", "c"}) Output(&m, out, 2);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  const onnx::NodeProto* node = FindNode(adapted, "Split");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(FindAttr(*node, "num_outputs"), nullptr);
  ASSERT_EQ(node->input_size(), 2);
  EXPECT_THAT(InitInts(adapted, node->input(1)), ElementsAre(3, 3, 1));
  EXPECT_EQ(adapted.opset_import(0).version(), 17);
  EXPECT_EQ(adapted.ir_version(), 8);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "c"), (ir::Shape{2, 1}));
}

TEST(VersionAdapterTest, SplitNumOutputsOfAnIntermediateTensor) {
  onnx::ModelProto m = NewModel(18);
  Input(&m, "x", {10});
  Node(&m, "Relu", "r", {"x"}, {"h"});
  auto* split = Node(&m, "Split", "s", {"h"}, {"a", "b", "c", "d"});
  IntAttr(split, "num_outputs", 4);
  for (const char* out : {"a", "b", "c", "d"}) Output(&m, out, 1);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "a"), (ir::Shape{3}));
  EXPECT_EQ(OutputShape(*imported, "d"), (ir::Shape{1}));
}

TEST(VersionAdapterTest, ReduceAxesInput) {
  onnx::ModelProto m = NewModel(18);
  Input(&m, "x", {2, 3, 4});
  Ints(&m, "axes", {1});
  auto* mean = Node(&m, "ReduceMean", "mean", {"x", "axes"}, {"y"});
  IntAttr(mean, "keepdims", 0);
  auto* noop = Node(&m, "ReduceMax", "noop", {"x"}, {"z"});
  IntAttr(noop, "noop_with_empty_axes", 1);
  Node(&m, "ReduceL2", "all", {"x"}, {"w"});
  Output(&m, "y", 2);
  Output(&m, "z", 3);
  Output(&m, "w", 3);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  const onnx::NodeProto* node = FindNode(adapted, "ReduceMean");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->input_size(), 1);
  ASSERT_NE(FindAttr(*node, "axes"), nullptr);
  EXPECT_THAT(FindAttr(*node, "axes")->ints(), ElementsAre(1));
  EXPECT_NE(FindNode(adapted, "Identity"), nullptr);
  EXPECT_EQ(FindNode(adapted, "ReduceMax"), nullptr);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "y"), (ir::Shape{2, 4}));
  EXPECT_EQ(OutputShape(*imported, "z"), (ir::Shape{2, 3, 4}));
  EXPECT_EQ(OutputShape(*imported, "w"), (ir::Shape{1, 1, 1}));
}

TEST(VersionAdapterTest, ReportsEveryNodeWithoutAnOpset17FormAtOnce) {
  onnx::ModelProto m = NewModel(20);
  Input(&m, "x", {2, 3});
  Input(&m, "axes", {1}, onnx::TensorProto::INT64);
  Input(&m, "i", {2}, onnx::TensorProto::INT32);
  Node(&m, "ReduceSumSquare", "dyn", {"x", "axes"}, {"a"});
  Node(&m, "BitwiseAnd", "bits", {"i", "i"}, {"b"});
  Ints(&m, "idx", {0, 1});
  auto* resize = Node(&m, "Resize", "aa", {"x", "", "scales"}, {"e"});
  IntAttr(resize, "antialias", 1);
  Node(&m, "AffineGrid", "grid", {"x", "idx"}, {"f"});
  for (const char* out : {"a", "b", "e", "f"}) Output(&m, out, 2);
  auto imported = Import(m);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kUnimplemented);
  const std::string message(imported.status().message());
  EXPECT_THAT(message, HasSubstr("4 unsupported ONNX nodes at opset 20"));
  EXPECT_THAT(message, HasSubstr("ReduceSumSquare x1 ('dyn'): the axes input is not a "
                                 "compile-time constant"));
  EXPECT_THAT(message, HasSubstr("BitwiseAnd x1 ('bits'): op type is not supported"));
  EXPECT_THAT(message, HasSubstr("'antialias'=1"));
  EXPECT_THAT(message, HasSubstr("AffineGrid x1 ('grid'): op type is not supported"));
}

TEST(VersionAdapterTest, PadAxesBecomeFullRankPads) {
  onnx::ModelProto m = NewModel(19);
  Input(&m, "x", {2, 3, 4});
  Ints(&m, "pads", {1, 2, 0, 3});
  Ints(&m, "axes", {-1, 1});
  Node(&m, "Pad", "p", {"x", "pads", "", "axes"}, {"y"});
  Output(&m, "y", 3);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  const onnx::NodeProto* node = FindNode(adapted, "Pad");
  ASSERT_EQ(node->input_size(), 2);
  EXPECT_THAT(InitInts(adapted, node->input(1)), ElementsAre(0, 2, 1, 0, 3, 0));
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "y"), (ir::Shape{2, 8, 5}));
}

TEST(VersionAdapterTest, ResizeAxesAndAspectRatio) {
  onnx::ModelProto m = NewModel(18);
  Input(&m, "x", {1, 1, 4, 6});
  Floats(&m, "scales", {2.0f, 3.0f});
  auto* r = Node(&m, "Resize", "scaled", {"x", "", "scales"}, {"y"});
  IntsAttr(r, "axes", {2, 3});
  IntAttr(r, "antialias", 0);
  Ints(&m, "sizes", {8, 8});
  auto* k = Node(&m, "Resize", "fit", {"x", "", "", "sizes"}, {"z"});
  IntsAttr(k, "axes", {2, 3});
  StringAttr(k, "keep_aspect_ratio_policy", "not_larger");
  Output(&m, "y", 4);
  Output(&m, "z", 4);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  const onnx::NodeProto& scaled = adapted.graph().node(0);
  EXPECT_EQ(FindAttr(scaled, "axes"), nullptr);
  EXPECT_EQ(FindAttr(scaled, "antialias"), nullptr);
  EXPECT_THAT(InitFloats(adapted, scaled.input(2)), ElementsAre(1, 1, 2, 3));
  const onnx::NodeProto& fit = adapted.graph().node(1);
  EXPECT_EQ(FindAttr(fit, "keep_aspect_ratio_policy"), nullptr);
  // min(8/4, 8/6) = 4/3: 4 -> round(5.33) = 5, 6 -> 8.
  EXPECT_THAT(InitInts(adapted, fit.input(3)), ElementsAre(1, 1, 5, 8));
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "y"), (ir::Shape{1, 1, 8, 18}));
  EXPECT_EQ(OutputShape(*imported, "z"), (ir::Shape{1, 1, 5, 8}));
}

TEST(VersionAdapterTest, DecomposesGroupNormalizationMishGeluCenterCropPad) {
  for (int opset : {18, 21}) {
    SCOPED_TRACE(opset);
    onnx::ModelProto m = NewModel(opset);
    Input(&m, "x", {2, 4, 3, 3});
    const int scale_size = opset == 21 ? 4 : 2;
    Floats(&m, "scale", std::vector<float>(scale_size, 2.0f));
    Floats(&m, "bias", std::vector<float>(scale_size, 0.5f));
    auto* gn = Node(&m, "GroupNormalization", "gn", {"x", "scale", "bias"}, {"g"});
    IntAttr(gn, "num_groups", 2);
    Node(&m, "Mish", "mish", {"g"}, {"h"});
    auto* gelu = Node(&m, "Gelu", "gelu", {"h"}, {"k"});
    if (opset == 21) StringAttr(gelu, "approximate", "tanh");
    Ints(&m, "crop", {2, 5});
    auto* ccp = Node(&m, "CenterCropPad", "ccp", {"k", "crop"}, {"y"});
    IntsAttr(ccp, "axes", {2, 3});
    Output(&m, "y", 4);
    if (opset < 20) m.mutable_graph()->mutable_node()->DeleteSubrange(2, 2);
    if (opset < 20) {
      auto* crop = Node(&m, "CenterCropPad", "ccp", {"h", "crop"}, {"y"});
      IntsAttr(crop, "axes", {2, 3});
    }
    // CenterCropPad reads an intermediate tensor: its shape comes from a
    // round of inference.
    onnx::ModelProto adapted = m;
    EXPECT_FALSE(AdaptToOpset17(&adapted).ok());
    adapted = m;
    auto result = AdaptToOpset17(&adapted, [](onnx::ModelProto& copy) {
      onnx::ShapeInferenceOptions options(/*check_type_val=*/false, /*strict_mode_val=*/0,
                                          /*data_prop_val=*/true);
      onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
      return absl::OkStatus();
    });
    ASSERT_TRUE(result.ok()) << result.status();
    for (const char* op : {"GroupNormalization", "Mish", "Gelu", "CenterCropPad"}) {
      EXPECT_EQ(FindNode(adapted, op), nullptr) << op;
    }
    EXPECT_NE(FindNode(adapted, "InstanceNormalization"), nullptr);
    EXPECT_NE(FindNode(adapted, "Slice"), nullptr);
    EXPECT_NE(FindNode(adapted, "Pad"), nullptr);
    auto imported = Import(m);
    ASSERT_TRUE(imported.ok()) << imported.status();
    EXPECT_EQ(OutputShape(*imported, "y"), (ir::Shape{2, 4, 2, 5}));
  }
}

TEST(VersionAdapterTest, AttributeAndInputForms) {
  onnx::ModelProto m = NewModel(21);
  Input(&m, "x", {1, 8, 2});
  auto* cast = Node(&m, "Cast", "cast", {"x"}, {"c"});
  IntAttr(cast, "to", onnx::TensorProto::FLOAT);
  IntAttr(cast, "saturate", 1);
  Ints(&m, "axis", {1}, /*scalar=*/true);
  Node(&m, "DFT", "dft", {"c", "", "axis"}, {"d"});
  Output(&m, "d", 3);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  EXPECT_EQ(FindAttr(*FindNode(adapted, "Cast"), "saturate"), nullptr);
  const onnx::NodeProto* dft = FindNode(adapted, "DFT");
  EXPECT_EQ(dft->input_size(), 1);
  ASSERT_NE(FindAttr(*dft, "axis"), nullptr);
  EXPECT_EQ(FindAttr(*dft, "axis")->i(), 1);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputShape(*imported, "d"), (ir::Shape{1, 8, 2}));
}

TEST(VersionAdapterTest, GridSampleModesAndQuantizeOutputType) {
  onnx::ModelProto m = NewModel(21);
  Input(&m, "x", {1, 1, 4, 4});
  Input(&m, "grid", {1, 2, 2, 2});
  auto* gs = Node(&m, "GridSample", "gs", {"x", "grid"}, {"g"});
  StringAttr(gs, "mode", "cubic");
  Floats(&m, "scale", {0.1f});
  m.mutable_graph()->mutable_initializer()->rbegin()->clear_dims();
  auto* q = Node(&m, "QuantizeLinear", "q", {"g", "scale"}, {"y"});
  IntAttr(q, "output_dtype", onnx::TensorProto::INT8);
  Output(&m, "y", 4);
  m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT8);
  onnx::ModelProto adapted = m;
  ASSERT_TRUE(AdaptToOpset17(&adapted).ok());
  EXPECT_EQ(FindAttr(*FindNode(adapted, "GridSample"), "mode")->s(), "bicubic");
  const onnx::NodeProto* quantize = FindNode(adapted, "QuantizeLinear");
  EXPECT_EQ(FindAttr(*quantize, "output_dtype"), nullptr);
  ASSERT_EQ(quantize->input_size(), 3);
  auto imported = Import(m);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->graph->outputs()[0]->dtype, ir::DType::kI8);
}

TEST(VersionAdapterTest, HostileAttributesAreReportedNotMaterialised) {
  onnx::ModelProto m = NewModel(18);
  Input(&m, "x", {5, 4});
  auto* split = Node(&m, "Split", "s", {"x"}, {"a", "b", "c", "d"});
  IntAttr(split, "axis", 0);
  IntAttr(split, "num_outputs", 4);
  Floats(&m, "scale", {1.0f});
  auto* gn = Node(&m, "GroupNormalization", "gn", {"x", "scale", "scale"}, {"g"});
  IntAttr(gn, "num_groups", int64_t{1} << 60);
  auto adapted = AdaptToOpset17(&m);
  ASSERT_FALSE(adapted.ok());
  EXPECT_THAT(adapted.status().message(), HasSubstr("'num_outputs'=4 leaves nothing"));
  EXPECT_THAT(adapted.status().message(), HasSubstr("'num_groups'=1152921504606846976"));
}

}  // namespace
}  // namespace ncc::onnx_frontend
