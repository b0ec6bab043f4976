#include "frontends/onnx/op_registry.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/onnx/import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {
namespace {

using ::testing::HasSubstr;

void SetTensorType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type,
                   const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tensor = vi->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* shape = tensor->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op_type, const std::string& name,
                         const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  auto* node = g->add_node();
  node->set_op_type(op_type);
  node->set_name(name);
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  return node;
}

onnx::ModelProto NewModel(int opset = 13) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("g");
  return model;
}

absl::StatusOr<ImportedModel> Import(const onnx::ModelProto& model) {
  return ImportOnnxBytes(model.SerializeAsString(), "test.onnx", {});
}

TEST(OpRegistryTest, SortedUniqueWithSaneRanges) {
  std::set<std::string> seen;
  std::string previous;
  for (const OnnxOpSupport& op : OnnxSupportedOps()) {
    EXPECT_LT(previous, op.op_type) << "registry rows must be sorted by op type";
    previous = op.op_type;
    EXPECT_TRUE(seen.insert(op.op_type).second) << op.op_type;
    EXPECT_GE(op.min_opset, 1) << op.op_type;
    EXPECT_LE(op.min_opset, op.max_opset) << op.op_type;
    EXPECT_LE(op.max_opset, kMaxOnnxOpset) << op.op_type;
    EXPECT_NE(op.elem_types, 0u) << op.op_type;
    // Every row names an op that the bundled ONNX knows at its opsets (up to
    // 17; the version adapter brings later opsets down to it).
    EXPECT_NE(
        onnx::OpSchemaRegistry::Schema(op.op_type, std::min(op.max_opset, kLatestOnnxOpset), ""),
        nullptr)
        << op.op_type;
    EXPECT_EQ(FindOnnxOp(op.op_type), &op);
  }
  EXPECT_EQ(FindOnnxOp("NoSuchOp"), nullptr);
}

TEST(OpRegistryTest, ListsOpsetsUpTo21AndTheDecomposedOps) {
  const std::string table = FormatOperatorTable();
  EXPECT_THAT(table, HasSubstr("opsets up to 21"));
  EXPECT_THAT(table, HasSubstr("GroupNormalization (18, 21)"));
  const std::string json = FormatOperatorJson();
  EXPECT_THAT(json, HasSubstr("\"max_opset\": 21"));
  EXPECT_THAT(json, HasSubstr("\"decomposed\": [\"CenterCropPad"));
}

TEST(OpRegistryTest, SupportedModelImports) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {2, 3});
  AddNode(g, "Relu", "relu", {"x"}, {"h"});
  AddNode(g, "Max", "max", {"h", "x"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {2, 3});
  auto imported = Import(model);
  EXPECT_TRUE(imported.ok()) << imported.status();
}

// Every problem in the model comes back in one status: op types, counts,
// node names, what exactly is unsupported, and the opset.
TEST(OpRegistryTest, AllUnsupportedNodesAreReportedAtOnce) {
  onnx::ModelProto model = NewModel(13);
  auto* ml = model.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {1, 2, 4, 4, 4, 4});
  SetTensorType(g->add_input(), "i", onnx::TensorProto::INT64, {3});
  AddNode(g, "LpNormalization", "sm1", {"x"}, {"a"});
  AddNode(g, "LpNormalization", "sm2", {"a"}, {"b"});
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {2, 2, 1, 1, 1, 1}) w->add_dims(d);
  for (int k = 0; k < 4; ++k) w->add_float_data(1.0f);
  AddNode(g, "Conv", "conv4d", {"b", "w"}, {"c"});
  AddNode(g, "Sqrt", "sqrt_int", {"i"}, {"j"});
  AddNode(g, "Relu", "relu_int", {"j"}, {"k"});
  AddNode(g, "Unique", "unique1", {"c"}, {"m"});
  auto* ml_node = AddNode(g, "Binarizer", "bin", {"m"}, {"y"});
  ml_node->set_domain("ai.onnx.ml");
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {1, 2, 4, 4, 4, 4});
  SetTensorType(g->add_output(), "k", onnx::TensorProto::INT64, {3});

  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kUnimplemented);
  const std::string message(imported.status().message());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_THAT(message, HasSubstr("test.onnx: 7 unsupported ONNX nodes at opset 13: "));
  EXPECT_THAT(message, HasSubstr("LpNormalization x2 ('sm1', 'sm2'): op type is not supported"));
  EXPECT_THAT(message, HasSubstr("Conv x1 ('conv4d'): input X has rank 6; only 1-D, 2-D and 3-D"));
  EXPECT_THAT(message, HasSubstr("Sqrt x1 ('sqrt_int'): input 0 is int64 (supported: float32)"));
  EXPECT_THAT(message, HasSubstr("Relu x1 ('relu_int'): input 0 is int64 (supported: float32)"));
  EXPECT_THAT(message, HasSubstr("Unique x1 ('unique1'): op type is not supported"));
  EXPECT_THAT(message, HasSubstr("ai.onnx.ml.Binarizer x1 ('bin'): operator domain "
                                 "'ai.onnx.ml' is not supported"));
  EXPECT_THAT(message, HasSubstr("neuron-cc list-operators --framework ONNX"));
}

TEST(OpRegistryTest, OpsetOutsideTheRangeIsNamed) {
  // Split exists since opset 1; the registry supports it from opset 2.
  onnx::ModelProto model = NewModel(1);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {2});
  AddNode(g, "Split", "split", {"x"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {2});
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(std::string(imported.status().message()),
              HasSubstr("1 unsupported ONNX node at opset 1: Split x1 ('split'): opset 1 is "
                        "outside the supported range 2-21"));
}

TEST(OpRegistryTest, DropoutInTrainingFormIsUnsupported) {
  onnx::NodeProto node;
  node.set_op_type("Dropout");
  node.add_input("x");
  node.add_input("ratio");
  node.add_input("training_mode");
  node.add_output("y");
  node.add_output("mask");
  NodeTypes types;
  types.input_elem_types = {onnx::TensorProto::FLOAT, onnx::TensorProto::FLOAT,
                            onnx::TensorProto::BOOL};
  auto problems = CheckOnnxNode(node, "d", 13, types);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].reason, HasSubstr("training_mode"));
  // Inference with the mask output is fine: the mask is all true.
  node.mutable_input()->RemoveLast();
  EXPECT_TRUE(CheckOnnxNode(node, "d", 13, types).empty());
}

TEST(OpRegistryTest, BatchNormTrainingModeButNotPre14TrainingOutputs) {
  onnx::NodeProto node;
  node.set_op_type("BatchNormalization");
  for (const char* in : {"x", "s", "b", "mean", "var"}) node.add_input(in);
  for (const char* out : {"y", "running_mean", "running_var"}) node.add_output(out);
  auto* attr = node.add_attribute();
  attr->set_name("training_mode");
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(1);
  NodeTypes types;
  types.input_elem_types.assign(5, onnx::TensorProto::FLOAT);
  EXPECT_TRUE(CheckOnnxNode(node, "bn", 15, types).empty());
  // Opset 9-13 training: mean, var, saved_mean and saved_var outputs.
  node.clear_attribute();
  node.add_output("saved_mean");
  node.add_output("saved_var");
  auto problems = CheckOnnxNode(node, "bn", 12, types);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0].reason, HasSubstr("without training_mode=1"));
  EXPECT_THAT(problems[1].reason, HasSubstr("saved_mean"));
}

TEST(OpRegistryTest, WindowOutputTypeAndGridSampleRankAreChecked) {
  onnx::NodeProto window;
  window.set_op_type("HannWindow");
  window.add_input("size");
  window.add_output("w");
  NodeTypes size_types;
  size_types.input_elem_types = {onnx::TensorProto::INT64};
  size_types.output_elem_types = {onnx::TensorProto::FLOAT};
  EXPECT_TRUE(CheckOnnxNode(window, "w", 17, size_types).empty());
  onnx::AttributeProto* dtype = window.add_attribute();
  dtype->set_name("output_datatype");
  dtype->set_type(onnx::AttributeProto::INT);
  dtype->set_i(onnx::TensorProto::INT32);
  auto problems = CheckOnnxNode(window, "w", 17, size_types);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].reason, HasSubstr("output_datatype"));

  onnx::NodeProto grid_sample;
  grid_sample.set_op_type("GridSample");
  grid_sample.add_input("x");
  grid_sample.add_input("grid");
  grid_sample.add_output("y");
  NodeTypes types;
  types.input_elem_types = {onnx::TensorProto::FLOAT, onnx::TensorProto::FLOAT};
  types.input_ranks = {5, 5};
  problems = CheckOnnxNode(grid_sample, "g", 16, types);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].reason, HasSubstr("only 4-D"));
  types.input_ranks = {4, 4};
  EXPECT_TRUE(CheckOnnxNode(grid_sample, "g", 16, types).empty());
}

TEST(OpRegistryTest, ListingsCoverEveryRow) {
  const std::string table = FormatOperatorTable();
  const std::string json = FormatOperatorJson();
  for (const OnnxOpSupport& op : OnnxSupportedOps()) {
    EXPECT_THAT(table, HasSubstr(absl::StrCat("  ", op.op_type, " ")));
    EXPECT_THAT(json, HasSubstr(absl::StrCat("{\"op_type\": \"", op.op_type, "\", \"min_opset\": ",
                                             op.min_opset, ", \"max_opset\": ", op.max_opset)));
  }
  EXPECT_THAT(table, HasSubstr(absl::StrCat(OnnxSupportedOps().size(), " operators")));
  EXPECT_THAT(json, HasSubstr("\"framework\": \"ONNX\""));
}

}  // namespace
}  // namespace ncc::onnx_frontend
