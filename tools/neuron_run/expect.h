// neuron-run --expect: compares a model output with a reference .npy array.
// A float value passes when |got - want| <= atol + rtol * |want|, NaN matches
// only NaN and an infinity only itself; integer and bool values must be equal.
#ifndef NCC_TOOLS_NEURON_RUN_EXPECT_H_
#define NCC_TOOLS_NEURON_RUN_EXPECT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "npy/npy.h"

namespace ncc::neuron_run {

struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-5;
};

// Parses --tolerance's "RTOL[,ATOL]": finite non-negative numbers; an omitted
// ATOL keeps its default. nullopt if the text is anything else.
std::optional<Tolerance> ParseTolerance(absl::string_view text);

// OK if reference `want`, read from `path`, can be compared with an output
// whose .npy form has dtype `descr` and shape `shape`; otherwise an error
// naming the file and what differs. A '<f4' output also accepts '<f8'; every
// other dtype must match exactly.
absl::Status CheckComparable(absl::string_view descr, absl::Span<const int64_t> shape,
                             const npy::Array& want, absl::string_view path);

// The outcome of comparing one output with its reference.
struct Comparison {
  bool exact = false;  // integers or bools: compared for equality
  int64_t values = 0;
  int64_t mismatches = 0;
  double max_abs_err = 0;  // over the pairs of finite values
  double max_rel_err = 0;  // the same, where want != 0
  // The first mismatch in C order: its multi-index, both values as printed,
  // and why they differ ("|diff| 1.4e-02 > tolerance 5.0e-05").
  std::vector<int64_t> index;
  std::string got, want, why;
};

// Compares output `got` (its .npy form, bfloat16 widened to '<f4') with
// `want`, which passed CheckComparable for got's dtype and shape.
Comparison Compare(const npy::Array& got, const npy::Array& want, const Tolerance& tolerance);

// The verdict after "expect 'NAME': ", e.g. "ok (max abs err 3.1e-07, max rel
// err 2.0e-06, 1000 values)" or "MISMATCH at [0, 3, 2]: got 0.5123, want
// 0.4981 (|diff| 1.4e-02 > tolerance 5.0e-05); 17 of 1000 values outside rtol
// 1e-4, atol 1e-5".
std::string Describe(const Comparison& comparison, const Tolerance& tolerance);

}  // namespace ncc::neuron_run

#endif  // NCC_TOOLS_NEURON_RUN_EXPECT_H_
