// Einsum lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// The labels of `term` ("...ii" with the ellipsis spelled as capitals A, B,
// ... by the caller), sizes by label.
Tensor EinsumRef(const std::vector<std::string>& terms, const std::string& out,
                 const std::vector<Tensor>& inputs, std::map<char, int64_t> sizes) {
  std::string labels;
  for (const auto& [label, size] : sizes) labels.push_back(label);
  int64_t out_n = 1;
  for (char l : out) out_n *= sizes[l];
  Tensor y(out_n, 0.0f);
  std::map<char, int64_t> index;
  int64_t total = 1;
  for (char l : labels) total *= sizes[l];
  auto offset = [&](const std::string& term) {
    int64_t o = 0;
    for (char l : term) o = o * sizes[l] + index[l];
    return o;
  };
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rem = flat;
    for (size_t i = labels.size(); i-- > 0;) {
      index[labels[i]] = rem % sizes[labels[i]];
      rem /= sizes[labels[i]];
    }
    float v = 1.0f;
    for (size_t t = 0; t < terms.size(); ++t) v *= inputs[t][offset(terms[t])];
    y[offset(out)] += v;
  }
  return y;
}

struct EinsumCase {
  std::string equation;            // as in the model
  std::vector<std::string> terms;  // explicit labels for the reference
  std::string out;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> out_shape;
};

void PrintTo(const EinsumCase& c, std::ostream* os) { *os << c.equation; }

class EinsumTest : public ::testing::TestWithParam<EinsumCase> {};

TEST_P(EinsumTest, MatchesReference) {
  const EinsumCase& c = GetParam();
  std::string params, args;
  std::map<std::string, Tensor> inputs;
  std::vector<Tensor> values;
  std::map<char, int64_t> sizes;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    const std::string name = absl::StrCat("x", i);
    absl::StrAppend(&params, i ? ", " : "", "%", name, ": f32[", Dims(c.shapes[i]), "]");
    absl::StrAppend(&args, i ? ", " : "", "%", name);
    int64_t n = 1;
    for (int64_t d : c.shapes[i]) n *= d;
    values.push_back(Random(n, 40 + static_cast<uint32_t>(i)));
    inputs[name] = values.back();
    for (size_t d = 0; d < c.terms[i].size(); ++d) sizes[c.terms[i][d]] = c.shapes[i][d];
  }
  const std::string text =
      absl::StrCat("graph g(", params, ") -> (%y) {\n  %y: f32[", Dims(c.out_shape), "] = Einsum(",
                   args, ") {equation=\"", c.equation, "\"}\n}\n");
  auto out = CompileAndRun(text, inputs);
  ExpectClose(out["y"], EinsumRef(c.terms, c.out, values, sizes));
}

INSTANTIATE_TEST_SUITE_P(
    Lowering, EinsumTest,
    ::testing::Values(
        EinsumCase{"bij, bjk -> bik", {"bij", "bjk"}, "bik", {{5, 2, 3}, {5, 3, 4}}, {5, 2, 4}},
        EinsumCase{"i,i", {"i", "i"}, "", {{5}, {5}}, {}},
        EinsumCase{"ij->i", {"ij"}, "i", {{3, 4}}, {3}},
        EinsumCase{"ij->", {"ij"}, "", {{130, 7}}, {}},
        EinsumCase{"ij->ji", {"ij"}, "ji", {{3, 4}}, {4, 3}},
        EinsumCase{"...ii ->...i", {"Aii"}, "Ai", {{3, 5, 5}}, {3, 5}},
        EinsumCase{"ii", {"ii"}, "", {{6, 6}}, {}},
        EinsumCase{"ij,jk", {"ij", "jk"}, "ik", {{129, 40}, {40, 33}}, {129, 33}},
        EinsumCase{"bhqd,bhkd->bhqk",
                   {"bhqd", "bhkd"},
                   "bhqk",
                   {{2, 3, 5, 8}, {2, 3, 6, 8}},
                   {2, 3, 5, 6}},
        EinsumCase{"i,j->ji", {"i", "j"}, "ji", {{4}, {3}}, {3, 4}},
        EinsumCase{"abc,cb->a", {"abc", "cb"}, "a", {{4, 3, 5}, {5, 3}}, {4}},
        EinsumCase{"ij,k->i", {"ij", "k"}, "i", {{3, 4}, {5}}, {3}}));

TEST(Einsum, UnsupportedEquationsNameTheEquation) {
  auto graph = ir::Parse(R"(graph g(%a: f32[2,3], %b: f32[3,4], %c: f32[4]) -> (%y, %z) {
  %y: f32[2] = Einsum(%a, %b, %c) {equation="ij,jk,k->i"}
  %z: f32[2] = Einsum(%a) {equation="ij->q"}
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 2u);
  EXPECT_EQ(unsupported[0].reason, "equation 'ij,jk,k->i': 3 operands (at most 2 are supported)");
  EXPECT_EQ(unsupported[1].reason, "equation 'ij->q': output label 'q' is not in any input");
}

}  // namespace
}  // namespace ncc
