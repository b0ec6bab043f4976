#include "compiler/passes/canonicalize_layout.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

std::string Canonicalize(const char* text) {
  auto graph = ir::Parse(text);
  EXPECT_TRUE(graph.ok()) << graph.status();
  auto changed = CanonicalizeLayout(**graph);
  EXPECT_TRUE(changed.ok()) << changed.status();
  absl::Status verified = ir::Verify(**graph);
  EXPECT_TRUE(verified.ok()) << verified << "\n" << ir::Print(**graph);
  return ir::Print(**graph);
}

TEST(CanonicalizeLayout, InverseTransposesCancel) {
  EXPECT_EQ(Canonicalize(R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %t: f32[4,2,3] = Transpose(%x) {perm=[2,0,1]}
  %u: f32[2,3,4] = Transpose(%t) {perm=[1,2,0]}
  %y: f32[2,3,4] = Relu(%u)
}
)"),
            R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %y: f32[2,3,4] = Relu(%x)
}
)");
}

TEST(CanonicalizeLayout, TransposesComposeIntoOne) {
  EXPECT_EQ(Canonicalize(R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %t: f32[3,2,4] = Transpose(%x) {perm=[1,0,2]}
  %y: f32[3,4,2] = Transpose(%t) {perm=[0,2,1]}
}
)"),
            R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %y: f32[3,4,2] = Transpose(%x) {perm=[1,2,0]}
}
)");
}

TEST(CanonicalizeLayout, ReshapeChainsBecomeOneReshape) {
  EXPECT_EQ(Canonicalize(R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %s1: i64[2] = constant [6, 4]
  %a: f32[6,4] = Reshape(%x, %s1)
  %b: f32[24] = Flatten(%a) {axis=0}
  %y: f32[1,24] = Unsqueeze(%b) {axes=[0]}
}
)"),
            R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %y.shape: i64[2] = constant [1, 24]
  %y: f32[1,24] = Reshape(%x, %y.shape)
}
)");
}

TEST(CanonicalizeLayout, RemovesIdentitiesButKeepsGraphOutputNames) {
  EXPECT_EQ(Canonicalize(R"(graph g(%x: f32[2,3]) -> (%y) {
  %r: f32[2,3] = Relu(%x)
  %i: f32[2,3] = Identity(%r)
  %t: f32[2,3] = Transpose(%i) {perm=[0,1]}
  %s: i64[2] = constant [2, 3]
  %y: f32[2,3] = Reshape(%t, %s)
}
)"),
            R"(graph g(%x: f32[2,3]) -> (%y) {
  %y: f32[2,3] = Relu(%x)
}
)");
}

TEST(CanonicalizeLayout, KeepsIdentityBetweenGraphInputAndOutput) {
  const char* text = R"(graph g(%x: f32[2,3]) -> (%y) {
  %y: f32[2,3] = Identity(%x)
}
)";
  EXPECT_EQ(Canonicalize(text), text);
}

}  // namespace
}  // namespace ncc::passes
