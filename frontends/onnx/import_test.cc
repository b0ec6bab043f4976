#include "frontends/onnx/import.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kModels[] = "testdata/models/";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// --- Small builders over the ONNX protobuf API -------------------------------

void SetTensorType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type,
                   const std::vector<std::string>& dims) {
  vi->set_name(name);
  auto* tensor = vi->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* shape = tensor->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0]))) {
      dim->set_dim_value(std::stoll(d));
    } else if (!d.empty()) {
      dim->set_dim_param(d);
    }
  }
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

void AddIntAttr(onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(value);
}

// A float initializer filled with 0.01 * i, in float_data or raw_data.
void AddFloatInit(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims,
                  bool raw) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.01f * static_cast<float>(i);
  if (raw) {
    t->set_raw_data(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  } else {
    for (float v : values) t->add_float_data(v);
  }
}

onnx::ModelProto NewModel(int64_t opset = 13) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("import_test");
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("test");
  return model;
}

// x[batch,8] -> Gemm(transB, W[4,8] float_data, b[4] raw) -> Relu -> y.
onnx::ModelProto TinyMlp(const std::string& batch) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {batch, "8"});
  AddFloatInit(g, "w", {4, 8}, /*raw=*/false);
  AddFloatInit(g, "b", {4}, /*raw=*/true);
  auto* gemm = AddNode(g, "Gemm", "fc", {"x", "w", "b"}, {"h"});
  AddIntAttr(gemm, "transB", 1);
  auto* alpha = gemm->add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(0.5f);
  AddNode(g, "Relu", "", {"h"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {batch, "4"});
  return model;
}

absl::StatusOr<ImportedModel> Import(const onnx::ModelProto& model,
                                     const ImportOptions& options = {}) {
  return ImportOnnxBytes(model.SerializeAsString(), "test.onnx", options);
}

// For graphs with ops outside the operator registry (op_registry_test.cc
// covers the registry check itself).
absl::StatusOr<ImportedModel> ImportUnchecked(const onnx::ModelProto& model) {
  ImportOptions options;
  options.check_operator_support = false;
  return Import(model, options);
}

const ir::Op* FindOp(const ir::Graph& graph, absl::string_view name) {
  for (const auto& op : graph.ops()) {
    if (op->name == name) return op.get();
  }
  return nullptr;
}

// --- Models from testdata/ ---------------------------------------------------

TEST(ImportOnnxFileTest, MlpHasShapesAttributesAndConstants) {
  auto model = ImportOnnxFile(std::string(kModels) + "mlp.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& graph = *model->graph;
  EXPECT_EQ(model->opset, 13);
  EXPECT_EQ(model->producer, "ncc-testdata 1");
  EXPECT_EQ(graph.name(), "mlp");
  ASSERT_EQ(graph.inputs().size(), 1u);
  EXPECT_EQ(graph.inputs()[0]->name, "x");
  EXPECT_EQ(graph.inputs()[0]->dtype, ir::DType::kF32);
  EXPECT_THAT(graph.inputs()[0]->shape, ElementsAre(1, 64));
  ASSERT_EQ(graph.outputs().size(), 1u);
  EXPECT_EQ(graph.outputs()[0]->name, "y");
  EXPECT_THAT(graph.outputs()[0]->shape, ElementsAre(1, 10));

  std::vector<std::string> types;
  for (const auto& op : graph.ops()) types.push_back(op->type);
  EXPECT_THAT(types, ElementsAre("Gemm", "Relu", "Gemm"));

  const ir::Op* fc1 = FindOp(graph, "fc1");
  ASSERT_NE(fc1, nullptr);
  EXPECT_EQ(fc1->GetInt("transB", 0), 1);
  ASSERT_EQ(fc1->inputs.size(), 3u);
  const ir::Value* w1 = fc1->inputs[1];
  EXPECT_EQ(w1->name, "fc1.weight");
  EXPECT_TRUE(w1->is_constant);
  EXPECT_THAT(w1->shape, ElementsAre(128, 64));
  EXPECT_EQ(w1->data.size(), 128u * 64u * 4u);
  EXPECT_THAT(fc1->inputs[2]->shape, ElementsAre(128));
  EXPECT_THAT(fc1->outputs[0]->shape, ElementsAre(1, 128));
  EXPECT_EQ(fc1->outputs[0]->name, "fc1_out");
}

TEST(ImportOnnxFileTest, AllReferenceModelsImport) {
  struct Expected {
    const char* file;
    std::vector<int64_t> input;
    std::vector<int64_t> output;
    size_t num_ops;
  };
  const Expected cases[] = {
      {"mlp_matmul.onnx", {4, 200}, {4, 130}, 5},
      {"cnn.onnx", {1, 3, 32, 32}, {1, 10}, 11},
      {"cnn_wide.onnx", {1, 160, 20, 20}, {1, 200, 18, 16}, 1},
  };
  for (const auto& c : cases) {
    auto model = ImportOnnxFile(std::string(kModels) + c.file, {});
    ASSERT_TRUE(model.ok()) << model.status();
    const ir::Graph& graph = *model->graph;
    EXPECT_EQ(graph.inputs()[0]->shape, c.input) << c.file;
    EXPECT_EQ(graph.outputs()[0]->shape, c.output) << c.file;
    EXPECT_EQ(graph.ops().size(), c.num_ops) << c.file;
  }
  auto cnn = ImportOnnxFile(std::string(kModels) + "cnn.onnx", {});
  ASSERT_TRUE(cnn.ok());
  const ir::Op* dw = FindOp(*cnn->graph, "dw");
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->GetInt("group", 1), 32);
  EXPECT_THAT(dw->GetInts("pads", {}), ElementsAre(1, 1, 1, 1));
  EXPECT_THAT(FindOp(*cnn->graph, "flatten")->outputs[0]->shape, ElementsAre(1, 8192));
}

TEST(ImportOnnxFileTest, MissingFileIsNotFound) {
  auto model = ImportOnnxFile("no/such/model.onnx", {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(model.status()), StartsWith("no/such/model.onnx: cannot open"));
}

TEST(ImportOnnxBytesTest, TruncatedModelIsRejected) {
  std::string bytes = ReadFile(std::string(kModels) + "mlp.onnx");
  ASSERT_GT(bytes.size(), 1000u);
  auto model = ImportOnnxBytes(bytes.substr(0, bytes.size() / 2), "model.onnx", {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(Message(model.status()), "model.onnx: not a valid ONNX model (protobuf parse failed)");
}

TEST(ImportOnnxBytesTest, TextFileIsNotOnnx) {
  for (const char* text : {"graph mlp(%x: f32[1,4]) -> (%y) {\n}\n", "hello\n", ""}) {
    auto model = ImportOnnxBytes(text, "notes.txt", {});
    ASSERT_FALSE(model.ok()) << text;
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(model.status()), StartsWith("notes.txt: not a valid ONNX model ("));
  }
}

// libonnx's MaxUnpool inference dereferences wildly on this fuzz finding;
// the probe child dies instead of the importer. Twice: the second import
// gets a fresh probe child.
TEST(ImportOnnxBytesTest, ShapeInferenceCrashIsAOneLineError) {
  const std::string bytes =
      ReadFile("tests/fuzz/regressions/onnx_import/crash-560f0e6549b2882e3659c9a4009a795af6972414");
  ASSERT_FALSE(bytes.empty());
  for (int i = 0; i < 2; ++i) {
    auto model = ImportOnnxBytes(bytes, "crash.onnx", {});
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(model.status()),
                HasSubstr("ONNX shape inference (libonnx) failed on this model (signal 11 "
                          "(Segmentation fault)): "));
  }
  auto mlp = ImportOnnxFile(std::string(kModels) + "mlp.onnx", {});
  EXPECT_TRUE(mlp.ok()) << mlp.status();
}

// --- Models built here -------------------------------------------------------

TEST(ImportOnnxBytesTest, TinyMlpTypedAndRawInitializers) {
  auto model = Import(TinyMlp("2"));
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& graph = *model->graph;
  EXPECT_EQ(graph.name(), "test");
  EXPECT_EQ(model->producer, "import_test");
  const ir::Value* w = graph.FindValue("w");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant);
  EXPECT_FLOAT_EQ(w->data_as<float>()[31], 0.31f);
  const ir::Value* b = graph.FindValue("b");
  EXPECT_FLOAT_EQ(b->data_as<float>()[3], 0.03f);
  const ir::Op* fc = FindOp(graph, "fc");
  EXPECT_FLOAT_EQ(fc->GetFloat("alpha", 1.0f), 0.5f);
  // The unnamed Relu gets "<op_type>_<index>".
  ASSERT_NE(FindOp(graph, "Relu_1"), nullptr);
  EXPECT_THAT(graph.FindValue("y")->shape, ElementsAre(2, 4));
}

TEST(ImportOnnxBytesTest, InitializerListedAsInputIsAConstant) {
  onnx::ModelProto model = TinyMlp("1");
  SetTensorType(model.mutable_graph()->add_input(), "w", onnx::TensorProto::FLOAT, {"4", "8"});
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->inputs().size(), 1u);
  EXPECT_TRUE(imported->graph->FindValue("w")->is_constant);
}

TEST(ImportOnnxBytesTest, ConstantNodesBecomeConstants) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "6"});
  // Constant(value=tensor int64 [2]) used as Reshape's shape.
  auto* shape_node = AddNode(g, "Constant", "shape_const", {}, {"shape"});
  auto* value = shape_node->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  value->mutable_t()->add_dims(2);
  value->mutable_t()->add_int64_data(3);
  value->mutable_t()->add_int64_data(-1);
  AddNode(g, "Reshape", "reshape", {"x", "shape"}, {"r"});
  // Constant(value_float) scalar added to the result.
  auto* scalar = AddNode(g, "Constant", "", {}, {"half"});
  auto* vf = scalar->add_attribute();
  vf->set_name("value_float");
  vf->set_type(onnx::AttributeProto::FLOAT);
  vf->set_f(0.5f);
  AddNode(g, "Add", "add", {"r", "half"}, {"y"});
  // Constant(value_ints) as a second output.
  auto* ints = AddNode(g, "Constant", "", {}, {"ints"});
  auto* vi = ints->add_attribute();
  vi->set_name("value_ints");
  vi->set_type(onnx::AttributeProto::INTS);
  vi->add_ints(7);
  vi->add_ints(8);
  vi->add_ints(9);
  // Exporters declare unknown output dims symbolically; inference fills them.
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"a", "b"});
  SetTensorType(g->add_output(), "ints", onnx::TensorProto::INT64, {"3"});

  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& graph = *imported->graph;
  std::vector<std::string> types;
  for (const auto& op : graph.ops()) types.push_back(op->type);
  EXPECT_THAT(types, ElementsAre("Reshape", "Add"));

  const ir::Value* shape = graph.FindValue("shape");
  ASSERT_TRUE(shape->is_constant);
  EXPECT_EQ(shape->dtype, ir::DType::kI64);
  EXPECT_THAT(shape->shape, ElementsAre(2));
  EXPECT_EQ(shape->data_as<int64_t>()[1], -1);
  const ir::Value* half = graph.FindValue("half");
  EXPECT_TRUE(half->shape.empty());
  EXPECT_FLOAT_EQ(half->data_as<float>()[0], 0.5f);
  const ir::Value* ints_value = graph.FindValue("ints");
  EXPECT_EQ(ints_value->dtype, ir::DType::kI64);
  EXPECT_EQ(ints_value->data_as<int64_t>()[2], 9);
  EXPECT_THAT(graph.FindValue("r")->shape, ElementsAre(3, 4));
  EXPECT_THAT(graph.FindValue("y")->shape, ElementsAre(3, 4));
  EXPECT_TRUE(graph.IsGraphOutput(ints_value));
}

TEST(ImportOnnxBytesTest, AbsentOptionalInputIsNull) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"4"});
  auto* t = g->add_initializer();
  t->set_name("max");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_float_data(6.0f);
  AddNode(g, "Clip", "clip", {"x", "", "max"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"4"});
  auto imported = ImportUnchecked(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* clip = FindOp(*imported->graph, "clip");
  ASSERT_EQ(clip->inputs.size(), 3u);
  EXPECT_EQ(clip->inputs[1], nullptr);
  EXPECT_EQ(clip->inputs[2]->name, "max");
}

// float64 is computed in float32: x(f64) -> Cast(f32) -> Add(f64 constant,
// rounded) -> Cast(to=DOUBLE, retargeted to f32) -> Cast(f64) -> y(f64).
TEST(ImportOnnxBytesTest, Float64IsComputedInFloat32WithFloat64InputsAndOutputs) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::DOUBLE, {"3"});
  auto* c = g->add_initializer();
  c->set_name("c");
  c->set_data_type(onnx::TensorProto::DOUBLE);
  c->add_dims(3);
  for (double v : {0.1, 1e300, -2.0}) c->add_double_data(v);
  AddNode(g, "Add", "", {"x", "c"}, {"s"});
  auto* cast = AddNode(g, "Cast", "", {"s"}, {"y"});
  AddIntAttr(cast, "to", onnx::TensorProto::DOUBLE);
  SetTensorType(g->add_output(), "y", onnx::TensorProto::DOUBLE, {"3"});

  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& graph = *imported->graph;
  ASSERT_EQ(graph.inputs().size(), 1u);
  EXPECT_EQ(graph.inputs()[0]->name, "x");
  EXPECT_EQ(graph.inputs()[0]->dtype, ir::DType::kF64);
  ASSERT_EQ(graph.outputs().size(), 1u);
  EXPECT_EQ(graph.outputs()[0]->name, "y");
  EXPECT_EQ(graph.outputs()[0]->dtype, ir::DType::kF64);
  // Unnamed nodes keep the names their position gives them in the file.
  const ir::Op* add = FindOp(graph, "Add_0");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->outputs[0]->dtype, ir::DType::kF32);
  EXPECT_EQ(add->inputs[0]->dtype, ir::DType::kF32);
  const ir::Value* constant = add->inputs[1];
  ASSERT_EQ(constant->dtype, ir::DType::kF32);
  EXPECT_FLOAT_EQ(constant->data_as<float>()[0], 0.1f);
  EXPECT_TRUE(std::isinf(constant->data_as<float>()[1]));  // beyond float32
  const ir::Op* inner_cast = FindOp(graph, "Cast_1");
  ASSERT_NE(inner_cast, nullptr);
  EXPECT_EQ(inner_cast->outputs[0]->dtype, ir::DType::kF32);
  ASSERT_NE(FindOp(graph, "x/to_f32"), nullptr);
  ASSERT_NE(FindOp(graph, "y/to_f64"), nullptr);
  ASSERT_EQ(imported->notes.size(), 1u);
  EXPECT_THAT(imported->notes[0], HasSubstr("float64 is computed in float32"));
  EXPECT_THAT(imported->notes[0],
              HasSubstr("1 constants rounded, 1 casts retargeted, 2 inputs/outputs"));
}

TEST(ImportOnnxBytesTest, Float32ModelHasNoNotes) {
  auto imported = Import(TinyMlp("2"));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_TRUE(imported->notes.empty());
}

TEST(ImportOnnxBytesTest, CustomDomainOpKeepsDomainInType) {
  onnx::ModelProto model = NewModel();
  auto* custom = model.add_opset_import();
  custom->set_domain("com.example");
  custom->set_version(1);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"4"});
  auto* node = AddNode(g, "Fancy", "fancy", {"x"}, {"z"});
  node->set_domain("com.example");
  AddNode(g, "Relu", "relu", {"z"}, {"y"});
  SetTensorType(g->add_value_info(), "z", onnx::TensorProto::FLOAT, {"4"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"4"});
  auto imported = ImportUnchecked(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(FindOp(*imported->graph, "fancy")->type, "com.example.Fancy");
  EXPECT_THAT(imported->graph->FindValue("z")->shape, ElementsAre(4));

  // Without the declared type, nothing can infer the custom op's output.
  g->clear_value_info();
  imported = ImportUnchecked(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(Message(imported.status()),
            "test.onnx: node 'fancy' (com.example.Fancy) output 'z': shape inference "
            "could not determine its type");
}

// --- Dynamic shapes and pins -------------------------------------------------

TEST(ImportOnnxFileTest, DynamicBatchWithoutPinNamesInputAndSuggestsPin) {
  const std::string path = std::string(kModels) + "dynamic_batch.onnx";
  auto model = ImportOnnxFile(path, {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(model.status()),
            path +
                ": input 'x' has dynamic dimension 0 ('batch'); pin it with "
                "--input-shape x=1,64 (or --io-config)");
}

TEST(ImportOnnxFileTest, PinFixesDynamicBatch) {
  const std::string path = std::string(kModels) + "dynamic_batch.onnx";
  for (int64_t batch : {1, 4}) {
    ImportOptions options;
    options.input_shapes["x"] = {batch, 64};
    auto model = ImportOnnxFile(path, options);
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_THAT(model->graph->inputs()[0]->shape, ElementsAre(batch, 64));
    EXPECT_THAT(model->graph->FindValue("fc1_out")->shape, ElementsAre(batch, 128));
    EXPECT_THAT(model->graph->outputs()[0]->shape, ElementsAre(batch, 10));
  }
}

TEST(ImportOnnxBytesTest, SeveralDynamicDimsAreAllNamed) {
  onnx::ModelProto model = TinyMlp("N");
  auto* shape = model.mutable_graph()
                    ->mutable_input(0)
                    ->mutable_type()
                    ->mutable_tensor_type()
                    ->mutable_shape();
  shape->mutable_dim(1)->Clear();  // neither dim_value nor dim_param
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(Message(imported.status()),
            "test.onnx: input 'x' has dynamic dimensions 0 ('N'), 1 (unnamed); pin it "
            "with --input-shape x=1,<d1> (or --io-config)");
}

TEST(ImportOnnxBytesTest, BadPins) {
  onnx::ModelProto model = TinyMlp("batch");
  ImportOptions unknown;
  unknown.input_shapes["z"] = {1, 8};
  auto imported = Import(model, unknown);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(Message(imported.status()),
            "test.onnx: the shape pin names 'z', which is not a graph input (inputs: 'x')");

  ImportOptions initializer;
  initializer.input_shapes["w"] = {4, 8};
  imported = Import(model, initializer);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()), HasSubstr("'w', which is an initializer"));

  ImportOptions rank;
  rank.input_shapes["x"] = {1, 2, 8};
  imported = Import(model, rank);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(Message(imported.status()),
            "test.onnx: the shape pin for input 'x' has rank 3 but the input has rank 2 "
            "([batch,8])");

  ImportOptions conflict;
  conflict.input_shapes["x"] = {1, 9};
  imported = Import(model, conflict);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("sets dimension 1 to 9 but the model fixes it at 8"));

  ImportOptions dtype;
  dtype.input_shapes["x"] = {1, 8};
  dtype.input_dtypes["x"] = ir::DType::kI64;
  imported = Import(model, dtype);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("input 'x' is f32 in the model but the io-config says i64"));
}

TEST(ImportOnnxBytesTest, DynamicNodeOutputNamesNodeOpTensorAndDim) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "3"});
  AddNode(g, "NonZero", "nz", {"x"}, {"idx"});
  SetTensorType(g->add_output(), "idx", onnx::TensorProto::INT64, {"r", "n"});
  auto imported = ImportUnchecked(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              StartsWith("test.onnx: node 'nz' (NonZero) output 'idx' has dynamic "
                         "dimension 1"));
}

TEST(ImportOnnxBytesTest, EinsumShapesComeFromTheEquation) {
  // ONNX infers only Einsum's rank; the importer completes the shape, and
  // inference carries it on to the Relu.
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "a", onnx::TensorProto::FLOAT, {"5", "2", "3"});
  SetTensorType(g->add_input(), "b", onnx::TensorProto::FLOAT, {"5", "3", "4"});
  auto* einsum = AddNode(g, "Einsum", "e", {"a", "b"}, {"p"});
  auto* attr = einsum->add_attribute();
  attr->set_name("equation");
  attr->set_type(onnx::AttributeProto::STRING);
  attr->set_s("bij,bjk->kib");
  AddNode(g, "Relu", "r", {"p"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"x", "y", "z"});
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* relu = FindOp(*imported->graph, "r");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->inputs[0]->shape, (ir::Shape{4, 2, 5}));
  EXPECT_EQ(relu->outputs[0]->shape, (ir::Shape{4, 2, 5}));
}

TEST(ImportOnnxBytesTest, StftWithConstantFrameStepTakesTheDefaultOnesided) {
  // ONNX 1.12's STFT inference reads onesided's default as 0 (16 bins here);
  // the operator's default is 1 (9 bins), which the model declares.
  onnx::ModelProto model = NewModel(17);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"1", "64", "1"});
  auto* step = g->add_initializer();
  step->set_name("step");
  step->set_data_type(onnx::TensorProto::INT64);
  step->add_int64_data(8);
  AddFloatInit(g, "window", {16}, /*raw=*/false);
  AddNode(g, "STFT", "stft", {"x", "step", "window"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"1", "7", "9", "2"});
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* stft = FindOp(*imported->graph, "stft");
  ASSERT_NE(stft, nullptr);
  EXPECT_EQ(stft->GetInt("onesided", 0), 1);
  EXPECT_EQ(stft->outputs[0]->shape, (ir::Shape{1, 7, 9, 2}));
}

TEST(ImportOnnxBytesTest, OmittedOutputBeforeAUsedOneGetsAName) {
  // LSTM with Y omitted and Y_h used: Y becomes an unused, typed value, and
  // the string-list attribute 'activations' is kept.
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "1", "3"});
  SetTensorType(g->add_input(), "w", onnx::TensorProto::FLOAT, {"1", "16", "3"});
  SetTensorType(g->add_input(), "r", onnx::TensorProto::FLOAT, {"1", "16", "4"});
  auto* lstm = AddNode(g, "LSTM", "l", {"x", "w", "r"}, {"", "y_h"});
  AddIntAttr(lstm, "hidden_size", 4);
  auto* attr = lstm->add_attribute();
  attr->set_name("activations");
  attr->set_type(onnx::AttributeProto::STRINGS);
  for (const char* f : {"Sigmoid", "Relu", "Tanh"}) attr->add_strings(f);
  SetTensorType(g->add_output(), "y_h", onnx::TensorProto::FLOAT, {"1", "1", "4"});
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* op = FindOp(*imported->graph, "l");
  ASSERT_NE(op, nullptr);
  ASSERT_EQ(op->outputs.size(), 2u);
  EXPECT_EQ(op->outputs[0]->name, "l/omitted_output_0");
  EXPECT_EQ(op->outputs[0]->shape, (ir::Shape{2, 1, 1, 4}));
  EXPECT_EQ(op->outputs[1]->name, "y_h");
  EXPECT_THAT(op->GetStrings("activations", {}), ElementsAre("Sigmoid", "Relu", "Tanh"));
}

// --- Errors from ONNX and unsupported inputs ---------------------------------

TEST(ImportOnnxBytesTest, CheckerErrorsBecomeOneLineStatus) {
  onnx::ModelProto model = TinyMlp("1");
  model.mutable_graph()->mutable_node(1)->add_input("h");  // Relu with 2 inputs
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              StartsWith("test.onnx: ONNX checker rejected the model: "));
  EXPECT_EQ(std::string(Message(imported.status())).find('\n'), std::string::npos);
}

TEST(ImportOnnxBytesTest, ExternalDataIsUnsupported) {
  onnx::ModelProto model = TinyMlp("1");
  auto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(Message(imported.status()), HasSubstr("unsupported: external data for tensor 'w'"));
}

TEST(ImportOnnxBytesTest, MalformedDoubleInitializerIsAnError) {
  onnx::ModelProto model = TinyMlp("1");
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name("d");
  t->set_data_type(onnx::TensorProto::DOUBLE);
  t->add_dims(2);
  t->add_double_data(1.0);
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("tensor 'd' (float64) holds 1 elements but needs 2"));
}

TEST(ImportOnnxBytesTest, PayloadSizeMismatchIsAnError) {
  onnx::ModelProto model = TinyMlp("1");
  model.mutable_graph()->mutable_initializer(1)->mutable_raw_data()->resize(7);
  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()), HasSubstr("tensor 'b' f32[4] holds 7 bytes"));
}

TEST(ImportOnnxBytesTest, TypedInitializersOfEveryDtype) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  struct Case {
    const char* name;
    int type;
    ir::DType dtype;
    std::vector<uint8_t> bytes;
  };
  const Case cases[] = {
      {"i32", onnx::TensorProto::INT32, ir::DType::kI32, {0xfe, 0xff, 0xff, 0xff}},
      {"i8", onnx::TensorProto::INT8, ir::DType::kI8, {0xfe}},
      {"u8", onnx::TensorProto::UINT8, ir::DType::kU8, {0xfe}},
      {"f16", onnx::TensorProto::FLOAT16, ir::DType::kF16, {0x00, 0x3c}},
      {"bf16", onnx::TensorProto::BFLOAT16, ir::DType::kBF16, {0x80, 0x3f}},
      {"flag", onnx::TensorProto::BOOL, ir::DType::kBool, {1}},
      {"i16", onnx::TensorProto::INT16, ir::DType::kI16, {0xfe, 0xff}},
      {"u16", onnx::TensorProto::UINT16, ir::DType::kU16, {0xfe, 0xff}},
  };
  const int32_t values[] = {-2, -2, 254, 0x3c00, 0x3f80, 1, -2, 65534};
  for (size_t i = 0; i < std::size(cases); ++i) {
    auto* t = g->add_initializer();
    t->set_name(cases[i].name);
    t->set_data_type(cases[i].type);
    t->add_dims(1);
    t->add_int32_data(values[i]);
    SetTensorType(g->add_output(), cases[i].name, cases[i].type, {"1"});
  }
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  for (const auto& c : cases) {
    const ir::Value* v = imported->graph->FindValue(c.name);
    ASSERT_NE(v, nullptr) << c.name;
    EXPECT_EQ(v->dtype, c.dtype) << c.name;
    EXPECT_EQ(v->data, c.bytes) << c.name;
  }
}

// uint32 and uint64 travel in uint64_data (onnx.proto); a count that does
// not match the dims is an error naming the tensor.
TEST(ImportOnnxBytesTest, Uint32AndUint64InitializersFromUint64Data) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  auto* u32 = g->add_initializer();
  u32->set_name("u32");
  u32->set_data_type(onnx::TensorProto::UINT32);
  u32->add_dims(2);
  u32->add_uint64_data(0xfffffffeu);
  u32->add_uint64_data(7);
  SetTensorType(g->add_output(), "u32", onnx::TensorProto::UINT32, {"2"});
  auto* u64 = g->add_initializer();
  u64->set_name("u64");
  u64->set_data_type(onnx::TensorProto::UINT64);
  u64->add_dims(1);
  u64->add_uint64_data(0x8000000000000001ull);
  SetTensorType(g->add_output(), "u64", onnx::TensorProto::UINT64, {"1"});
  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Value* a = imported->graph->FindValue("u32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, ir::DType::kU32);
  EXPECT_EQ(a->data, (std::vector<uint8_t>{0xfe, 0xff, 0xff, 0xff, 7, 0, 0, 0}));
  const ir::Value* b = imported->graph->FindValue("u64");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, ir::DType::kU64);
  EXPECT_EQ(b->data, (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0x80}));

  u32->mutable_uint64_data()->RemoveLast();  // [2] but 1 element
  auto short_payload = Import(model);
  ASSERT_FALSE(short_payload.ok());
  EXPECT_THAT(Message(short_payload.status()),
              HasSubstr("tensor 'u32' u32[2] holds 1 elements but needs 2"));
}

TEST(ImportOnnxBytesTest, SubgraphAttributesAreReportedNotDropped) {
  // The IR cannot hold If's branches; dropping them would change the op.
  onnx::ModelProto if_model = NewModel();
  auto* ig = if_model.mutable_graph();
  SetTensorType(ig->add_input(), "c", onnx::TensorProto::BOOL, {});
  auto* node = AddNode(ig, "If", "branch", {"c"}, {"y"});
  for (const char* name : {"then_branch", "else_branch"}) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    auto* sub = a->mutable_g();
    sub->set_name(name);
    auto* k = sub->add_node();
    k->set_op_type("Constant");
    k->add_output(std::string(name) + "_out");
    auto* v = k->add_attribute();
    v->set_name("value_float");
    v->set_type(onnx::AttributeProto::FLOAT);
    v->set_f(1.0f);
    SetTensorType(sub->add_output(), std::string(name) + "_out", onnx::TensorProto::FLOAT, {});
  }
  SetTensorType(ig->add_output(), "y", onnx::TensorProto::FLOAT, {});
  auto imported = ImportUnchecked(if_model);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("2 problems: unsupported: node 'branch' (If) attribute "
                        "'then_branch' of type GRAPH"));
}

TEST(ImportOnnxBytesTest, SelectedOutputsPruneTheGraph) {
  ImportOptions options;
  options.outputs = {"h"};
  auto imported = Import(TinyMlp("1"), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& graph = *imported->graph;
  ASSERT_EQ(graph.ops().size(), 1u);
  EXPECT_EQ(graph.ops()[0]->type, "Gemm");
  ASSERT_EQ(graph.outputs().size(), 1u);
  EXPECT_EQ(graph.outputs()[0]->name, "h");
  EXPECT_EQ(graph.FindValue("y"), nullptr);

  options.outputs = {"nope"};
  imported = Import(TinyMlp("1"), options);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("the selected output 'nope' is not a tensor of the model"));
}

// --- Constant shape computations and zero-size tensors -----------------------

void AddI64Init(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& values) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

std::vector<std::string> OpTypes(const ir::Graph& graph) {
  std::vector<std::string> types;
  for (const auto& op : graph.ops()) types.push_back(op->type);
  return types;
}

// LayerNormalization's expansion: the reduced shape is
// Concat(Slice(Shape(x), 0, axis), ConstantOfShape(Size(Shape(x)) - axis, 1)),
// which ONNX shape inference alone leaves dynamic. With axis 0 the prefix is
// empty.
TEST(ImportOnnxBytesTest, ShapeComputationsAreFoldedIntoConstants) {
  onnx::ModelProto model = NewModel(17);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "3"});
  AddI64Init(g, "zero", {0});
  AddI64Init(g, "axis", {0});
  AddNode(g, "Shape", "shape", {"x"}, {"xs"});
  AddNode(g, "Size", "size", {"xs"}, {"rank"});
  AddNode(g, "Slice", "prefix", {"xs", "zero", "axis"}, {"prefix_shape"});
  AddNode(g, "Sub", "sub", {"rank", "axis"}, {"num_reduced"});
  auto* ones = AddNode(g, "ConstantOfShape", "ones", {"num_reduced"}, {"suffix_shape"});
  auto* value = ones->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  value->mutable_t()->add_dims(1);
  value->mutable_t()->add_int64_data(1);
  AddIntAttr(AddNode(g, "Concat", "concat", {"prefix_shape", "suffix_shape"}, {"reduced_shape"}),
             "axis", 0);
  auto* mean = AddNode(g, "ReduceMean", "mean", {"x"}, {"m"});
  AddIntAttr(mean, "keepdims", 0);
  AddNode(g, "Reshape", "reshape", {"m", "reduced_shape"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"a", "b"});

  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& graph = *imported->graph;
  EXPECT_THAT(OpTypes(graph), ElementsAre("ReduceMean", "Reshape"));
  const ir::Value* shape = graph.FindValue("reduced_shape");
  ASSERT_NE(shape, nullptr);
  ASSERT_TRUE(shape->is_constant);
  EXPECT_THAT(shape->shape, ElementsAre(2));
  EXPECT_EQ(shape->data_as<int64_t>()[0], 1);
  EXPECT_EQ(shape->data_as<int64_t>()[1], 1);
  EXPECT_THAT(graph.FindValue("y")->shape, ElementsAre(1, 1));
}

// A zero-size result holds no data: its node becomes an empty constant, and
// the zero-size input stays a (0-byte) graph input.
TEST(ImportOnnxBytesTest, ZeroSizeResultsBecomeEmptyConstants) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"0", "3"});
  AddNode(g, "Relu", "relu", {"x"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"0", "3"});

  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& graph = *imported->graph;
  EXPECT_TRUE(graph.ops().empty());
  ASSERT_EQ(graph.inputs().size(), 1u);
  EXPECT_THAT(graph.inputs()[0]->shape, ElementsAre(0, 3));
  ASSERT_EQ(graph.outputs().size(), 1u);
  EXPECT_TRUE(graph.outputs()[0]->is_constant);
  EXPECT_THAT(graph.outputs()[0]->shape, ElementsAre(0, 3));
  EXPECT_TRUE(graph.outputs()[0]->data.empty());
}

TEST(ImportOnnxBytesTest, ConcatDropsZeroSizeOperands) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "3"});
  AddFloatInit(g, "empty", {2, 0}, /*raw=*/true);
  AddIntAttr(AddNode(g, "Concat", "concat", {"empty", "x"}, {"y"}), "axis", 1);
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"2", "3"});

  auto imported = Import(model);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* concat = FindOp(*imported->graph, "concat");
  ASSERT_NE(concat, nullptr);
  ASSERT_EQ(concat->inputs.size(), 1u);
  EXPECT_EQ(concat->inputs[0]->name, "x");
}

TEST(ImportOnnxBytesTest, ZeroSizeTensorsComputedOnTheDeviceAreUnsupported) {
  onnx::ModelProto model = NewModel();
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"3"});
  AddI64Init(g, "split", {0, 3});
  AddNode(g, "Split", "split", {"x", "split"}, {"a", "b"});
  SetTensorType(g->add_output(), "a", onnx::TensorProto::FLOAT, {"0"});
  SetTensorType(g->add_output(), "b", onnx::TensorProto::FLOAT, {"3"});

  auto imported = Import(model);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("node 'split' (Split) computes the zero-size tensor 'a' ([0]) beside "
                        "non-empty outputs"));
}

// A Reduce* node with `axes` as an input of the model (ReduceSum from
// opset 13, the others from opset 18).
onnx::ModelProto ReduceWithRuntimeAxes(const std::string& op_type, int64_t num_axes, int64_t noop,
                                       const std::vector<std::string>& out) {
  onnx::ModelProto model = NewModel(op_type == "ReduceSum" ? 13 : 18);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"3", "1", "2"});
  SetTensorType(g->add_input(), "axes", onnx::TensorProto::INT64, {std::to_string(num_axes)});
  auto* reduce = AddNode(g, op_type, "reduce", {"x", "axes"}, {"y"});
  AddIntAttr(reduce, "keepdims", 1);
  AddIntAttr(reduce, "noop_with_empty_axes", noop);
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, out);
  return model;
}

TEST(ImportOnnxBytesTest, EmptyAxesInputWithNoopIsAnIdentity) {
  auto imported = Import(ReduceWithRuntimeAxes("ReduceSum", 0, 1, {"3", "1", "2"}));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_THAT(OpTypes(*imported->graph), ElementsAre("Identity"));
  // The empty input is still an input of the compiled model (0 bytes).
  ASSERT_EQ(imported->graph->inputs().size(), 2u);
  EXPECT_THAT(imported->graph->inputs()[1]->shape, ElementsAre(0));
}

TEST(ImportOnnxBytesTest, EmptyAxesInputWithoutNoopReducesEverything) {
  auto imported = Import(ReduceWithRuntimeAxes("ReduceSum", 0, 0, {"1", "1", "1"}));
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* reduce = FindOp(*imported->graph, "reduce");
  ASSERT_NE(reduce, nullptr);
  EXPECT_EQ(reduce->inputs.size(), 1u);
  EXPECT_THAT(reduce->outputs[0]->shape, ElementsAre(1, 1, 1));
}

TEST(ImportOnnxBytesTest, RuntimeAxesWithKeepdimsComeFromTheShapes) {
  auto imported = Import(ReduceWithRuntimeAxes("ReduceSum", 1, 0, {"1", "1", "2"}));
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Op* reduce = FindOp(*imported->graph, "reduce");
  ASSERT_NE(reduce, nullptr);
  ASSERT_EQ(reduce->inputs.size(), 2u);
  ASSERT_TRUE(reduce->inputs[1]->is_constant);
  // Axis 1 has size 1 on both sides: reducing it or not is the same.
  ASSERT_EQ(reduce->inputs[1]->num_elements(), 1);
  EXPECT_EQ(reduce->inputs[1]->data_as<int64_t>()[0], 0);
}

// Unchanged shapes with noop_with_empty_axes: either no axes (x) or the
// size-1 axis (a sum of one element, x again), so an Identity either way.
TEST(ImportOnnxBytesTest, RuntimeAxesThatChangeNothingGiveAnIdentity) {
  auto sum = Import(ReduceWithRuntimeAxes("ReduceSum", 1, 1, {"3", "1", "2"}));
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_THAT(OpTypes(*sum->graph), ElementsAre("Identity"));
}

// x[2,6] -> Slice(x, starts, ends) -> y[?,?]: starts/ends are graph inputs,
// so y's shape is dynamic until they are frozen.
onnx::ModelProto SliceWithRuntimeBounds(int64_t ir_version) {
  onnx::ModelProto model = NewModel();
  model.set_ir_version(ir_version);
  auto* g = model.mutable_graph();
  SetTensorType(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "6"});
  SetTensorType(g->add_input(), "starts", onnx::TensorProto::INT64, {"1"});
  SetTensorType(g->add_input(), "ends", onnx::TensorProto::INT64, {"n"});
  AddNode(g, "Slice", "slice", {"x", "starts", "ends"}, {"y"});
  SetTensorType(g->add_output(), "y", onnx::TensorProto::FLOAT, {"a", "b"});
  return model;
}

FrozenInput FrozenI64(const std::vector<int64_t>& values) {
  FrozenInput frozen;
  frozen.dtype = ir::DType::kI64;
  frozen.shape = {static_cast<int64_t>(values.size())};
  frozen.data.resize(values.size() * sizeof(int64_t));
  std::memcpy(frozen.data.data(), values.data(), frozen.data.size());
  return frozen;
}

TEST(ImportOnnxBytesTest, FrozenInputsBecomeConstantsAndLeaveTheInputs) {
  for (int64_t ir_version : {3, 8}) {
    SCOPED_TRACE(ir_version);
    ImportOptions options;
    options.frozen_inputs["starts"] = FrozenI64({0});
    options.frozen_inputs["ends"] = FrozenI64({-1});
    auto imported = Import(SliceWithRuntimeBounds(ir_version), options);
    ASSERT_TRUE(imported.ok()) << imported.status();
    const ir::Graph& graph = *imported->graph;
    ASSERT_EQ(graph.inputs().size(), 1u);
    EXPECT_EQ(graph.inputs()[0]->name, "x");
    ASSERT_EQ(graph.outputs().size(), 1u);
    // Axis 0 (the default axes), rows [0, 2-1): one row.
    EXPECT_EQ(graph.outputs()[0]->shape, (ir::Shape{1, 6}));
    const ir::Op* slice = FindOp(graph, "slice");
    ASSERT_NE(slice, nullptr);
    ASSERT_TRUE(slice->inputs[1]->is_constant);
    EXPECT_EQ(slice->inputs[1]->data_as<int64_t>()[0], 0);
    ASSERT_TRUE(slice->inputs[2]->is_constant);
    EXPECT_EQ(slice->inputs[2]->data_as<int64_t>()[0], -1);
  }
}

TEST(ImportOnnxBytesTest, BadFrozenInputs) {
  const onnx::ModelProto model = SliceWithRuntimeBounds(8);
  auto error = [&](const std::string& name, const FrozenInput& frozen) {
    ImportOptions options;
    options.frozen_inputs[name] = frozen;
    auto imported = Import(model, options);
    return imported.ok() ? std::string("ok") : Message(imported.status());
  };
  EXPECT_EQ(error("z", FrozenI64({1})),
            "test.onnx: cannot freeze input 'z': not a graph input (inputs: 'x', 'starts', "
            "'ends')");
  EXPECT_EQ(error("starts", FrozenI64({1, 2})),
            "test.onnx: cannot freeze input 'starts': the model declares shape [1] but the "
            "value has shape [2]");
  FrozenInput f32 = FrozenI64({1});
  f32.dtype = ir::DType::kF32;
  f32.data.resize(4);
  EXPECT_EQ(error("starts", f32),
            "test.onnx: cannot freeze input 'starts': the model declares i64 but the value "
            "is f32");
  FrozenInput short_data = FrozenI64({1});
  short_data.data.resize(4);
  EXPECT_THAT(error("starts", short_data), HasSubstr("4 bytes of data for i64 [1] (want 8)"));

  onnx::ModelProto with_initializer = TinyMlp("1");
  ImportOptions options;
  FrozenInput w;
  w.shape = {4, 8};
  w.data.resize(4 * 8 * 4);
  options.frozen_inputs["w"] = w;
  auto imported = Import(with_initializer, options);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(Message(imported.status()),
              HasSubstr("cannot freeze input 'w': it is an initializer (a constant) already"));
}

// A dynamic dimension of the input takes the frozen value's size.
TEST(ImportOnnxBytesTest, FrozenInputFillsADynamicDimension) {
  ImportOptions options;
  options.frozen_inputs["starts"] = FrozenI64({0});
  options.frozen_inputs["ends"] = FrozenI64({5});  // clamped to 2
  auto imported = Import(SliceWithRuntimeBounds(8), options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->graph->outputs()[0]->shape, (ir::Shape{2, 6}));
}

}  // namespace
}  // namespace ncc::onnx_frontend
