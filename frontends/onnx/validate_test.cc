#include "frontends/onnx/validate.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {
namespace {

using ::testing::HasSubstr;

onnx::AttributeProto IntsAttr(const std::string& name, std::vector<int64_t> values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto IntAttr(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

// One node reading `inputs` (with the shapes in `shapes`, constants in
// `constants`) and writing "y".
class NodeValidation : public ::testing::Test {
 protected:
  std::string Validate(const std::string& op, std::vector<std::string> inputs,
                       std::vector<onnx::AttributeProto> attrs) {
    onnx::GraphProto graph;
    onnx::NodeProto* node = graph.add_node();
    node->set_op_type(op);
    node->set_name("n1");
    for (const auto& in : inputs) node->add_input(in);
    node->add_output("y");
    for (auto& a : attrs) *node->add_attribute() = a;
    KnownTensors known;
    known.shape = [this](const std::string& name) -> std::optional<std::vector<int64_t>> {
      auto it = shapes.find(name);
      if (it == shapes.end()) return std::nullopt;
      return it->second;
    };
    known.constant = [this](const std::string& name) -> const onnx::TensorProto* {
      auto it = constants.find(name);
      return it == constants.end() ? nullptr : &it->second;
    };
    known.rank = [this](const std::string& name) -> std::optional<int64_t> {
      auto it = ranks.find(name);
      if (it == ranks.end()) return std::nullopt;
      return it->second;
    };
    absl::Status s = ValidateNodes(graph, 13, known);
    return s.ok() ? "ok" : std::string(s.message());
  }

  void Constant(const std::string& name, std::vector<int64_t> values) {
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t.add_int64_data(v);
    constants[name] = t;
  }

  std::map<std::string, std::vector<int64_t>> shapes;
  std::map<std::string, int64_t> ranks;  // tensors whose dimensions are unknown
  std::map<std::string, onnx::TensorProto> constants;
};

TEST_F(NodeValidation, ConvAttributes) {
  shapes["x"] = {1, 4, 8, 8};
  shapes["w"] = {4, 4, 3, 3};
  EXPECT_EQ(Validate("Conv", {"x", "w"}, {}), "ok");
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntAttr("group", 0)}),
              HasSubstr("Conv 'n1': group 0 must be at least 1"));
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntsAttr("strides", {0, 1})}),
              HasSubstr("strides [0, 1] has a value below 1"));
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntsAttr("dilations", {1, 0})}),
              HasSubstr("dilations [1, 0] has a value below 1"));
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntsAttr("pads", {-1, 0, 0, 0})}),
              HasSubstr("pads [-1, 0, 0, 0] has a value below 0"));
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntsAttr("strides", {1, 1, 1})}),
              HasSubstr("has 3 values; want 2"));
}

TEST_F(NodeValidation, ConvChannelsAndWindow) {
  shapes["x"] = {1, 4, 8, 8};
  shapes["w"] = {3, 1, 3, 3};
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {IntAttr("group", 3)}),
              HasSubstr("group 3 does not divide the 4 input channels"));
  shapes["w"] = {4, 2, 3, 3};
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {}), HasSubstr("has 2 input channels per group"));
  EXPECT_EQ(Validate("Conv", {"x", "w"}, {IntAttr("group", 2)}), "ok");
  shapes["x"] = {1, 2, 2, 2};
  shapes["w"] = {1, 2, 3, 3};
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {}),
              HasSubstr("is larger than the padded input (2) in spatial dimension 0"));
  EXPECT_EQ(Validate("Conv", {"x", "w"}, {IntsAttr("pads", {1, 1, 1, 1})}), "ok");
}

TEST_F(NodeValidation, Pools) {
  shapes["x"] = {1, 2, 8, 8};
  EXPECT_THAT(Validate("MaxPool", {"x"}, {IntsAttr("kernel_shape", {0, 2})}),
              HasSubstr("MaxPool 'n1': kernel_shape [0, 2] has a value below 1"));
  EXPECT_THAT(Validate("AveragePool", {"x"},
                       {IntsAttr("kernel_shape", {2, 2}), IntsAttr("pads", {-1, 0, 0, 0})}),
              HasSubstr("pads [-1, 0, 0, 0] has a value below 0"));
  EXPECT_THAT(Validate("MaxPool", {"x"}, {}), HasSubstr("kernel_shape attribute is required"));
  EXPECT_EQ(Validate("MaxPool", {"x"}, {IntsAttr("kernel_shape", {2, 2})}), "ok");
}

TEST_F(NodeValidation, Contractions) {
  shapes["a"] = {2, 3};
  shapes["b"] = {4, 5};
  EXPECT_THAT(Validate("Gemm", {"a", "b"}, {}),
              HasSubstr("Gemm 'n1': A [2, 3] and B [4, 5] (transA 0, transB 0) have different "
                        "contraction sizes 3 and 4"));
  EXPECT_THAT(Validate("MatMul", {"a", "b"}, {}), HasSubstr("contraction sizes 3 and 4"));
  shapes["b"] = {3, 5};
  EXPECT_EQ(Validate("Gemm", {"a", "b"}, {}), "ok");
  EXPECT_EQ(Validate("MatMul", {"a", "b"}, {}), "ok");
}

TEST_F(NodeValidation, PermutationsAndAxes) {
  shapes["x"] = {2, 3};
  EXPECT_THAT(Validate("Transpose", {"x"}, {IntsAttr("perm", {0, 5})}),
              HasSubstr("Transpose 'n1': perm [0, 5] is not a permutation of 2 axes"));
  EXPECT_THAT(Validate("Transpose", {"x"}, {IntsAttr("perm", {1, 1})}),
              HasSubstr("not a permutation"));
  EXPECT_EQ(Validate("Transpose", {"x"}, {IntsAttr("perm", {1, 0})}), "ok");
  EXPECT_THAT(Validate("Softmax", {"x"}, {IntAttr("axis", 5)}),
              HasSubstr("axis 5 is out of range for input [2, 3] (valid: -2 to 1)"));
  EXPECT_EQ(Validate("Softmax", {"x"}, {IntAttr("axis", -2)}), "ok");
  EXPECT_EQ(Validate("Flatten", {"x"}, {IntAttr("axis", 2)}), "ok");
  EXPECT_THAT(Validate("Flatten", {"x"}, {IntAttr("axis", 3)}), HasSubstr("out of range"));
  EXPECT_THAT(Validate("ReduceSum", {"x"}, {IntsAttr("axes", {0, -3})}),
              HasSubstr("axes [0, -3] is out of range"));
}

TEST_F(NodeValidation, ConstantInputs) {
  shapes["x"] = {2, 3};
  Constant("s", {-1, -1});
  EXPECT_THAT(Validate("Reshape", {"x", "s"}, {}),
              HasSubstr("Reshape 'n1': shape [-1, -1] has more than one -1"));
  Constant("s", {-1, 3});
  EXPECT_EQ(Validate("Reshape", {"x", "s"}, {}), "ok");
  Constant("steps", {0});
  EXPECT_THAT(Validate("Slice", {"x", "a", "b", "c", "steps"}, {}),
              HasSubstr("steps [0] contain a zero"));
  Constant("d", {0});
  EXPECT_THAT(Validate("Range", {"a", "b", "d"}, {}), HasSubstr("Range 'n1': delta is zero"));
}

TEST(GraphValidation, OutputsAndNames) {
  onnx::GraphProto graph;
  EXPECT_THAT(std::string(ValidateGraph(graph).message()), HasSubstr("the graph has no outputs"));
  graph.add_output()->set_name("y");
  graph.add_output()->set_name("y");
  EXPECT_THAT(std::string(ValidateGraph(graph).message()),
              HasSubstr("graph output 'y' is listed twice"));
  graph.mutable_output()->RemoveLast();
  EXPECT_TRUE(ValidateGraph(graph).ok());
  graph.add_input()->set_name(std::string("x\0z", 3));
  EXPECT_THAT(std::string(ValidateGraph(graph).message()),
              HasSubstr("graph input 'x\\x00z' has a NUL byte in its name"));
  graph.mutable_input(0)->set_name("");
  EXPECT_THAT(std::string(ValidateGraph(graph).message()),
              HasSubstr("a graph input has an empty name"));
}

TEST(ValidateGraph, EscapesNamesInMessages) {
  onnx::GraphProto graph;
  graph.add_output()->set_name("y\x1b[2J");
  graph.add_output()->set_name("y\x1b[2J");
  const std::string message(ValidateGraph(graph).message());
  EXPECT_THAT(message, HasSubstr("graph output 'y\\x1b[2J' is listed twice"));
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
}

TEST_F(NodeValidation, QuantizedConvsAreCheckedBeforeShapeInference) {
  // libonnx's shape inference reads out of bounds when X and W differ in
  // rank (found by the fuzzer), so the rules run on ConvInteger and
  // QLinearConv as on Conv.
  shapes["x"] = {1, 3, 3};
  shapes["w"] = {1, 1, 2, 2};
  EXPECT_THAT(Validate("ConvInteger", {"x", "w"}, {}),
              HasSubstr("ConvInteger 'n1': weight W has shape [1, 1, 2, 2] but input X has shape "
                        "[1, 3, 3]; want the same rank"));
  EXPECT_THAT(Validate("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz"}, {}),
              HasSubstr("QLinearConv 'n1': weight W has shape [1, 1, 2, 2] but input X"));
  shapes["x"] = {1, 1, 3, 3};
  EXPECT_EQ(Validate("ConvInteger", {"x", "w"}, {}), "ok");
  EXPECT_THAT(Validate("ConvInteger", {"x", "w"}, {IntsAttr("strides", {0, 1})}),
              HasSubstr("strides [0, 1] has a value below 1"));
}

TEST_F(NodeValidation, StftInputRanks) {
  // Found by the fuzzer: a rank-2 signal made libonnx's STFT inference read
  // past its dimensions.
  shapes["s"] = {128, 1};
  shapes["step"] = {};
  EXPECT_THAT(Validate("STFT", {"s", "step", "", "len"}, {}),
              HasSubstr("STFT 'n1': signal [128, 1] must have rank 3 ([batch, length, 1 or 2])"));
  shapes["s"] = {1, 128, 3};
  EXPECT_THAT(Validate("STFT", {"s", "step"}, {}),
              HasSubstr("signal [1, 128, 3] must end in 1 (real) or 2 (complex)"));
  shapes["s"] = {1, 128, 1};
  shapes["w"] = {4, 4};
  EXPECT_THAT(Validate("STFT", {"s", "step", "w"}, {}),
              HasSubstr("window [4, 4] must have rank 1"));
  shapes["w"] = {16};
  shapes["step"] = {1};
  EXPECT_THAT(Validate("STFT", {"s", "step", "w"}, {}),
              HasSubstr("frame_step [1] must have rank 0"));
  shapes["step"] = {};
  EXPECT_EQ(Validate("STFT", {"s", "step", "w"}, {}), "ok");
}

TEST_F(NodeValidation, RankRulesHoldWhenOnlyTheRankIsKnown) {
  // Shape inference may leave dimensions unknown but the rank known; the
  // rules that need only ranks still run (libonnx's Conv inference would
  // read W past X's rank).
  ranks["x"] = 3;
  ranks["w"] = 4;
  EXPECT_THAT(Validate("Conv", {"x", "w"}, {}),
              HasSubstr("Conv 'n1': weight W has shape of rank 4 but input X has shape of rank 3; "
                        "want the same rank"));
  ranks["x"] = 2;
  EXPECT_THAT(Validate("MaxPool", {"x"}, {IntsAttr("kernel_shape", {2})}),
              HasSubstr("input X has shape of rank 2; want rank 3 or more"));
  EXPECT_THAT(Validate("Softmax", {"x"}, {IntAttr("axis", 2)}),
              HasSubstr("axis 2 is out of range for input of rank 2 (valid: -2 to 1)"));
  EXPECT_THAT(Validate("Transpose", {"x"}, {IntsAttr("perm", {2, 0, 1})}),
              HasSubstr("perm [2, 0, 1] is not a permutation of 2 axes"));
  ranks["w"] = 3;
  EXPECT_THAT(Validate("Gemm", {"x", "w"}, {}),
              HasSubstr("A of rank 2 and B of rank 3 must both have rank 2"));
  ranks["w"] = 2;
  EXPECT_EQ(Validate("Gemm", {"x", "w"}, {}), "ok");
  EXPECT_EQ(Validate("Softmax", {"x"}, {IntAttr("axis", -2)}), "ok");
  ranks.clear();  // nothing known: nothing to check but the attributes
  EXPECT_EQ(Validate("Softmax", {"x"}, {IntAttr("axis", 7)}), "ok");
}

}  // namespace
}  // namespace ncc::onnx_frontend
