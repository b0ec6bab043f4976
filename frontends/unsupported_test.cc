#include "frontends/unsupported.h"

#include "gtest/gtest.h"

namespace ncc::frontends {
namespace {

TEST(DescribeUnsupportedNodesTest, GroupsByOpTypeAndReason) {
  const std::vector<UnsupportedNode> nodes = {
      {"Foo", "a", "op type is not supported"},
      {"Foo", "b", "op type is not supported"},
      {"Conv", "c", "attribute 'group'=3"},
  };
  EXPECT_EQ(DescribeUnsupportedNodes("ONNX", "opset 13", nodes),
            "3 unsupported ONNX nodes at opset 13: Foo x2 ('a', 'b'): op type is not supported; "
            "Conv x1 ('c'): attribute 'group'=3 (see `neuron-cc list-operators --framework ONNX`)");
  EXPECT_EQ(DescribeUnsupportedNodes("ONNX", "", {{"Frob\x1b[5m", "n: \x1b[2J", "r"}}),
            "1 unsupported ONNX node: Frob\\x1b[5m x1 ('n: \\x1b[2J'): r (see `neuron-cc "
            "list-operators --framework ONNX`)");
  EXPECT_EQ(DescribeUnsupportedNodes("MXNet", "", {nodes[2]}),
            "1 unsupported MXNet node: Conv x1 ('c'): attribute 'group'=3 (see `neuron-cc "
            "list-operators --framework MXNet`)");
}

}  // namespace
}  // namespace ncc::frontends
