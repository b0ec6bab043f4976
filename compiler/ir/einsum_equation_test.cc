#include "compiler/ir/einsum_equation.h"

#include <gtest/gtest.h>

namespace ncc::ir {
namespace {

constexpr int E = EinsumEquation::kEllipsis;

TEST(EinsumEquation, ExplicitOutput) {
  auto e = ParseEinsum("bij, bjk -> bik", {{5, 2, 3}, {5, 3, 4}});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->inputs[0], (std::vector<int>{'b', 'i', 'j'}));
  EXPECT_EQ(e->output, (std::vector<int>{'b', 'i', 'k'}));
  EXPECT_EQ(e->OutputShape(), (Shape{5, 2, 4}));
}

TEST(EinsumEquation, ImplicitOutputIsSortedSingleLetters) {
  auto e = ParseEinsum("kj,ji", {{2, 3}, {3, 4}});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->output, (std::vector<int>{'i', 'k'}));
  EXPECT_EQ(e->OutputShape(), (Shape{4, 2}));
  auto inner = ParseEinsum("i,i", {{5}, {5}});
  ASSERT_TRUE(inner.ok());
  EXPECT_TRUE(inner->output.empty());
}

TEST(EinsumEquation, EllipsisBroadcastsRightAligned) {
  auto e = ParseEinsum("...ii->...i", {{3, 5, 5}});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->inputs[0], (std::vector<int>{E, 'i', 'i'}));
  EXPECT_EQ(e->OutputShape(), (Shape{3, 5}));
  auto b = ParseEinsum("...ij,...jk", {{7, 1, 2, 3}, {4, 3, 5}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->inputs[1], (std::vector<int>{E + 1, 'j', 'k'}));
  EXPECT_EQ(b->OutputShape(), (Shape{7, 4, 2, 5}));
}

TEST(EinsumEquation, ErrorsNameTheEquation) {
  EXPECT_EQ(ParseEinsum("ij->q", {{2, 3}}).status().message(),
            "equation 'ij->q': output label 'q' is not in any input");
  EXPECT_EQ(ParseEinsum("ij,jk", {{2, 3}, {4, 5}}).status().message(),
            "equation 'ij,jk': label 'j' has sizes 3 and 4");
  EXPECT_EQ(ParseEinsum("ijk", {{2, 3}}).status().message(),
            "equation 'ijk': term 'ijk' does not match an operand of rank 2");
  EXPECT_EQ(ParseEinsum("ij", {{2, 3}, {3}}).status().message(),
            "equation 'ij': 1 terms for 2 inputs");
  EXPECT_EQ(ParseEinsum("i1->i", {{2, 3}}).status().message(),
            "equation 'i1->i': unexpected character '1'");
  EXPECT_EQ(ParseEinsum("ij->ii", {{2, 3}}).status().message(),
            "equation 'ij->ii': output label 'i' repeats");
}

}  // namespace
}  // namespace ncc::ir
