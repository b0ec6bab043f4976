// The MXNet importer: variables to parameters and inputs, the errors a user
// meets (params of another symbol, a parameter of the wrong shape, an
// unpinned input, unsupported operators all at once), legacy symbol keys
// and output names. Numerics are checked end to end against torch in
// //tests/end_to_end:mxnet_models_test.
#include "frontends/mxnet/mxnet_frontend.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/mxnet/op_table.h"
#include "frontends/mxnet/params_writer.h"
#include "frontends/mxnet/symbol.h"
#include "frontends/mxnet/symbol_import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::mxnet_frontend {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A small CNN: Convolution (bias), BatchNorm, Activation, Pooling,
// Flatten, FullyConnected, SoftmaxOutput with its label.
constexpr char kCnn[] = R"json({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "conv0_weight", "attrs": {"__shape__": "(4, 3, 3, 3)"}, "inputs": []},
    {"op": "null", "name": "conv0_bias", "inputs": []},
    {"op": "Convolution", "name": "conv0",
     "attrs": {"kernel": "(3, 3)", "num_filter": "4", "pad": "(1, 1)"},
     "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
    {"op": "null", "name": "bn0_gamma", "inputs": []},
    {"op": "null", "name": "bn0_beta", "inputs": []},
    {"op": "null", "name": "bn0_moving_mean", "inputs": []},
    {"op": "null", "name": "bn0_moving_var", "inputs": []},
    {"op": "BatchNorm", "name": "bn0", "attrs": {"eps": "1e-05", "fix_gamma": "False"},
     "inputs": [[3, 0, 0], [4, 0, 0], [5, 0, 0], [6, 0, 1], [7, 0, 1]]},
    {"op": "Activation", "name": "relu0", "attrs": {"act_type": "relu"}, "inputs": [[8, 0, 0]]},
    {"op": "Pooling", "name": "pool0",
     "attrs": {"kernel": "(2, 2)", "stride": "(2, 2)", "pool_type": "max"},
     "inputs": [[9, 0, 0]]},
    {"op": "Flatten", "name": "flatten0", "inputs": [[10, 0, 0]]},
    {"op": "null", "name": "fc0_weight", "inputs": []},
    {"op": "null", "name": "fc0_bias", "inputs": []},
    {"op": "FullyConnected", "name": "fc0", "attrs": {"num_hidden": "10"},
     "inputs": [[11, 0, 0], [12, 0, 0], [13, 0, 0]]},
    {"op": "null", "name": "softmax_label", "inputs": []},
    {"op": "SoftmaxOutput", "name": "softmax", "inputs": [[14, 0, 0], [15, 0, 0]]}
  ],
  "arg_nodes": [0, 1, 2, 4, 5, 6, 7, 12, 13, 15],
  "heads": [[16, 0, 0]],
  "attrs": {"mxnet_version": ["int", 10901]}
})json";

std::vector<ParamArray> Parse(const std::vector<ParamToWrite>& params) {
  auto parsed = ParseParams(WriteParams(params), "cnn-0000.params");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : std::vector<ParamArray>{};
}

std::vector<ParamToWrite> CnnParams() {
  return {F32Param("arg:conv0_weight", {4, 3, 3, 3}), F32Param("arg:conv0_bias", {4}),
          F32Param("arg:bn0_gamma", {4}, {1.0f}),     F32Param("arg:bn0_beta", {4}),
          F32Param("aux:bn0_moving_mean", {4}),       F32Param("aux:bn0_moving_var", {4}, {1.0f}),
          F32Param("arg:fc0_weight", {10, 64}),       F32Param("arg:fc0_bias", {10})};
}

absl::StatusOr<frontends::ImportedModel> Import(absl::string_view json,
                                                const std::vector<ParamToWrite>& params,
                                                frontends::ImportOptions options = {}) {
  auto symbol = ParseSymbol(json, "cnn-symbol.json");
  if (!symbol.ok()) return symbol.status();
  return ImportSymbol(*symbol, Parse(params), "cnn-symbol.json", "cnn-0000.params", options);
}

frontends::ImportOptions Pinned(const std::string& name, std::vector<int64_t> dims) {
  frontends::ImportOptions options;
  options.input_shapes[name] = std::move(dims);
  return options;
}

TEST(MxnetImport, CnnInputsParamsAndHeads) {
  auto model = Import(kCnn, CnnParams(), Pinned("data", {2, 3, 8, 8}));
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  // The label is no input.
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name, "data");
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name, "softmax_output");
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{2, 10}));
  EXPECT_EQ(model->producer, "MXNet 1.9.1 symbol");
  std::vector<std::string> types;
  for (const auto& op : g.ops()) types.push_back(op->type);
  EXPECT_THAT(types, ::testing::Contains("BatchNormalization"));
  EXPECT_THAT(types, ::testing::Contains("Gemm"));
}

TEST(MxnetImport, UnpinnedInputNamesTheFlag) {
  auto model = Import(kCnn, CnnParams());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(),
              HasSubstr("input 'data' has no static shape in the symbol; pin it with "
                        "--input-shape data=D0,D1,..."));
}

TEST(MxnetImport, ParamsOfAnotherSymbolListMissingNames) {
  auto model = Import(kCnn, {F32Param("arg:dense0_weight", {3, 3}), F32Param("arg:other", {1})},
                      Pinned("data", {1, 3, 8, 8}));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("cnn-0000.params: no array for 8 of the symbol's parameters: "
                        "'conv0_weight', 'conv0_bias', 'bn0_gamma', 'bn0_beta', "
                        "'bn0_moving_mean' and 3 more; it holds 'dense0_weight', 'other', which "
                        "the symbol does not use: is it the params file of another symbol?"));
}

TEST(MxnetImport, WrongShapeNamesTheParameterAndBothShapes) {
  auto params = CnnParams();
  params[6] = F32Param("arg:fc0_weight", {10, 65});
  auto model = Import(kCnn, params, Pinned("data", {1, 3, 8, 8}));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("cnn-symbol.json: FullyConnected 'fc0': parameter 'fc0_weight' (weight) "
                        "is [10,65] in the params file but the symbol needs [10,64]"));
}

TEST(MxnetImport, UnknownPinsAreRefused) {
  auto options = Pinned("data", {1, 3, 8, 8});
  options.input_shapes["fc0_weight"] = {10, 64};
  auto model = Import(kCnn, CnnParams(), options);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("--input-shape names 'fc0_weight' (a parameter from the params file), "
                        "which is not an input of the symbol; its inputs: 'data'"));
}

TEST(MxnetImport, EveryUnsupportedOperatorAtOnce) {
  std::string json = kCnn;
  json.replace(json.find("\"Activation\""), 12, "\"Custom\"");
  json.replace(json.find("\"Flatten\""), 9, "\"_contrib_Foo\"");
  auto model = Import(json, CnnParams(), Pinned("data", {1, 3, 8, 8}));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(model.status().message(), HasSubstr("2 unsupported MXNET nodes"));
  EXPECT_THAT(model.status().message(), HasSubstr("Custom"));
  EXPECT_THAT(model.status().message(), HasSubstr("_contrib_Foo"));
}

TEST(MxnetImport, UnsupportedAttributeFormsAreCollectedToo) {
  std::string json = kCnn;
  json.replace(json.find("\"max\""), 5, "\"lp\"");
  json.replace(json.find("\"relu\""), 6, "\"swish\"");
  auto model = Import(json, CnnParams(), Pinned("data", {1, 3, 8, 8}));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  // The pooling after the unsupported activation is skipped, not reported.
  EXPECT_THAT(model.status().message(), HasSubstr("act_type 'swish' is not supported"));
}

// Releases before 0.12: operator parameters under "param", user attributes
// under "attr", two-element input entries; a fully static __shape__ on the
// data variable stands for a pin.
TEST(MxnetImport, LegacyKeysAndDeclaredShape) {
  constexpr char kLegacy[] = R"json({
    "nodes": [
      {"op": "null", "name": "data", "attr": {"__shape__": "(2, 6)"}, "inputs": []},
      {"op": "null", "name": "fc_weight", "param": {}, "inputs": []},
      {"op": "null", "name": "fc_bias", "param": {}, "inputs": []},
      {"op": "FullyConnected", "name": "fc", "param": {"num_hidden": "3", "no_bias": "False"},
       "inputs": [[0, 0], [1, 0], [2, 0]], "backward_source_id": -1},
      {"op": "Reshape", "name": "r", "attr": {"shape": "(0, -1, 1)"}, "inputs": [[3, 0]]}
    ],
    "arg_nodes": [0, 1, 2],
    "heads": [[4, 0]]
  })json";
  auto model = Import(kLegacy, {F32Param("fc_weight", {3, 6}), F32Param("fc_bias", {3})});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->graph->inputs()[0]->shape, (ir::Shape{2, 6}));
  EXPECT_EQ(model->graph->outputs()[0]->name, "r_output");
  EXPECT_EQ(model->graph->outputs()[0]->shape, (ir::Shape{2, 3, 1}));
  EXPECT_EQ(model->producer, "MXNet unknown symbol");
}

TEST(MxnetImport, OutputsPickAnyNodeOutputByName) {
  auto options = Pinned("data", {1, 3, 8, 8});
  options.outputs = {"relu0_output", "softmax_output"};
  auto model = Import(kCnn, CnnParams(), options);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->graph->outputs().size(), 2u);
  EXPECT_EQ(model->graph->outputs()[0]->shape, (ir::Shape{1, 4, 8, 8}));
  options.outputs = {"relu0"};
  model = Import(kCnn, CnnParams(), options);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("the symbol has no output 'relu0' (outputs are named <node>_output"));
}

TEST(MxnetImport, Float16AndFloat64ParametersBecomeFloat32WithANote) {
  auto params = CnnParams();
  params[7] = ParamToWrite{"arg:fc0_bias", 1, {10}, std::vector<uint8_t>(80)};
  params[1] = ParamToWrite{"arg:conv0_bias", 2, {4}, std::vector<uint8_t>(8)};
  auto model = Import(kCnn, params, Pinned("data", {1, 3, 8, 8}));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_THAT(model->notes, ::testing::Contains("1 float64 parameters are computed in float32"));
  EXPECT_THAT(model->notes, ::testing::Contains("1 float16 parameters are widened to float32"));
}

TEST(MxnetSymbol, NotASymbolIsOneLine) {
  for (const char* json : {"[1, 2]", "{\"nodes\": 3}", "{\"nodes\": [], \"heads\": []}",
                           "{\"nodes\": [{\"op\": \"null\", \"name\": \"x\", \"inputs\": []}], "
                           "\"heads\": [[5, 0, 0]]}",
                           "{\"nodes\": [{\"op\": \"relu\", \"name\": \"x\", \"inputs\": "
                           "[[0, 0, 0]]}], \"heads\": [[0, 0, 0]]}",
                           "{\"nodes\": [{\"op\": \"null\", \"name\": \"x\", \"inputs\": [], "
                           "\"attrs\": {\"k\": 3}}], \"heads\": [[0, 0, 0]]}",
                           "{\"nodes\": [", "\x01\x02"}) {
    auto s = ParseSymbol(json, "m-symbol.json");
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr("m-symbol.json: "));
    EXPECT_THAT(s.status().message(), Not(HasSubstr("\n")));
  }
}

TEST(MxnetFrontend, FilesInEitherOrderAndCounts) {
  const std::string dir = ::testing::TempDir();
  const std::string sym = dir + "/cnn-symbol.json", params = dir + "/cnn-0000.params";
  std::ofstream(sym) << kCnn;
  std::ofstream(params, std::ios::binary) << WriteParams(CnnParams());
  const auto& fe = MxnetFrontend::Get();
  auto options = Pinned("data", {1, 3, 8, 8});
  EXPECT_TRUE(fe.Import({params, sym}, options).ok());
  auto one = fe.Import({sym}, options);
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(one.status().message(), HasSubstr("(no params file): no array for 8"));
  auto two_params = fe.Import({params, params}, options);
  ASSERT_FALSE(two_params.ok());
  EXPECT_THAT(two_params.status().message(), HasSubstr("want one symbol file (ending in .json)"));
  options.tags = {"serve"};
  EXPECT_FALSE(fe.Import({sym, params}, options).ok());
}

TEST(MxnetFrontend, OperatorTableListsTheIssueOps) {
  for (const char* op :
       {"Convolution", "FullyConnected", "BatchNorm", "Activation", "LeakyReLU", "Pooling",
        "softmax", "SoftmaxOutput", "SoftmaxActivation", "log_softmax", "Embedding", "LayerNorm",
        "Dropout"}) {
    EXPECT_NE(FindMxnetOp(op), nullptr) << op;
  }
  EXPECT_THAT(FormatOperatorJson(), HasSubstr("\"framework\": \"MXNET\""));
}

}  // namespace
}  // namespace ncc::mxnet_frontend
