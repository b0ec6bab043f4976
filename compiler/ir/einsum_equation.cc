#include "compiler/ir/einsum_equation.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ncc::ir {
namespace {

constexpr int kEllipsis = EinsumEquation::kEllipsis;

absl::Status Problem(absl::string_view equation, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("equation '", equation, "': ", what));
}

int Letters(absl::string_view term) {
  return static_cast<int>(std::count_if(term.begin(), term.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
  }));
}

// One term ("ij", "...ii", "b...") of an operand of rank `rank`, or of the
// output when rank < 0; "..." covers `ellipsis_rank` dimensions there.
absl::StatusOr<std::vector<int>> ParseTerm(absl::string_view equation, absl::string_view term,
                                           int rank, int ellipsis_rank) {
  std::vector<int> before, after;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.substr(i, 3) == "...") {
      if (ellipsis) return Problem(equation, "more than one '...' in a term");
      ellipsis = true;
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(term[i]))) {
      (ellipsis ? after : before).push_back(term[i]);
    } else {
      return Problem(equation, absl::StrCat("unexpected character '", term.substr(i, 1), "'"));
    }
  }
  const int letters = static_cast<int>(before.size() + after.size());
  const int covered = !ellipsis ? 0 : rank < 0 ? ellipsis_rank : rank - letters;
  if (rank >= 0 && (covered < 0 || (!ellipsis && letters != rank))) {
    return Problem(equation,
                   absl::StrCat("term '", term, "' does not match an operand of rank ", rank));
  }
  std::vector<int> labels = before;
  for (int i = 0; i < covered; ++i) labels.push_back(kEllipsis + ellipsis_rank - covered + i);
  labels.insert(labels.end(), after.begin(), after.end());
  return labels;
}

std::string LabelName(int label) {
  return label >= kEllipsis ? "..." : std::string(1, static_cast<char>(label));
}

}  // namespace

Shape EinsumEquation::OutputShape() const {
  Shape shape;
  for (int label : output) shape.push_back(sizes.at(label));
  return shape;
}

absl::StatusOr<EinsumEquation> ParseEinsum(absl::string_view equation,
                                           const std::vector<Shape>& shapes) {
  std::string eq;
  for (char c : equation) {
    if (c != ' ') eq.push_back(c);
  }
  const size_t arrow = eq.find("->");
  const std::vector<std::string> terms = absl::StrSplit(eq.substr(0, arrow), ',');
  if (terms.size() != shapes.size()) {
    return Problem(equation, absl::StrCat(terms.size(), " terms for ", shapes.size(), " inputs"));
  }
  int ellipsis_rank = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (terms[i].find("...") == std::string::npos) continue;
    ellipsis_rank = std::max(ellipsis_rank, static_cast<int>(shapes[i].size()) - Letters(terms[i]));
  }
  EinsumEquation e;
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& shape = shapes[i];
    auto labels = ParseTerm(equation, terms[i], static_cast<int>(shape.size()), ellipsis_rank);
    if (!labels.ok()) return labels.status();
    for (size_t d = 0; d < labels->size(); ++d) {
      auto [it, inserted] = e.sizes.emplace((*labels)[d], shape[d]);
      if (inserted || it->second == shape[d] || shape[d] == 1) continue;
      if (it->second != 1) {
        return Problem(equation, absl::StrCat("label '", LabelName((*labels)[d]), "' has sizes ",
                                              it->second, " and ", shape[d]));
      }
      it->second = shape[d];
    }
    e.inputs.push_back(*std::move(labels));
  }
  if (arrow != std::string::npos) {
    auto out = ParseTerm(equation, eq.substr(arrow + 2), -1, ellipsis_rank);
    if (!out.ok()) return out.status();
    e.output = *std::move(out);
  } else {
    for (int i = 0; i < ellipsis_rank; ++i) e.output.push_back(kEllipsis + i);
    std::map<int, int> count;
    for (const auto& labels : e.inputs) {
      for (int l : labels) ++count[l];
    }
    for (const auto& [label, n] : count) {
      if (label < kEllipsis && n == 1) e.output.push_back(label);
    }
  }
  for (int label : e.output) {
    if (e.sizes.count(label) == 0) {
      return Problem(equation,
                     absl::StrCat("output label '", LabelName(label), "' is not in any input"));
    }
    if (std::count(e.output.begin(), e.output.end(), label) > 1) {
      return Problem(equation, absl::StrCat("output label '", LabelName(label), "' repeats"));
    }
  }
  return e;
}

}  // namespace ncc::ir
