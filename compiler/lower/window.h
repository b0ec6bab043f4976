// BlackmanWindow, HammingWindow and HannWindow: generalized cosine windows
// whose length is the output's static length (the size input may be computed
// at run time, as in ONNX's tests, like TopK's k). The values depend on the
// length alone, so the compiler computes them in double precision, stores
// them with the weights and copies them to the output.
#ifndef NCC_COMPILER_LOWER_WINDOW_H_
#define NCC_COMPILER_LOWER_WINDOW_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckWindow(const ir::Op& op);
absl::Status LowerWindow(const ir::Op& op, LowerContext& ctx);

// The window's `length` values: a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N)
// with N = length (periodic) or length - 1 (symmetric). A symmetric window of
// length 1 is {1}.
std::vector<double> WindowValues(absl::string_view op_type, int64_t length, bool periodic);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_WINDOW_H_
