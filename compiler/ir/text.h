// The IR's text form, so that tests can start from a readable program and
// `--print-ir-after` can show one. Example:
//
//   graph mlp(%x: f32[1,4]) -> (%y) {
//     %w: f32[4,2] = constant [1, 2, 3, 4, 5, 6, 7, 8]
//     %h: f32[1,2] = MatMul(%x, %w) @"fc1"
//     %y: f32[1,2] = Relu(%h) {alpha=0.5, pads=[0,1]}
//   }
//
// Names that are not [A-Za-z0-9_.]+ are quoted (%"a/b:0"); an absent optional
// input is `_`; `@"..."` is the source node name. Constants larger than the
// printer's limit print as `constant <elided N elements>` and do not parse.
#ifndef NCC_COMPILER_IR_TEXT_H_
#define NCC_COMPILER_IR_TEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::ir {

struct PrintOptions {
  // Constants with more elements than this are elided.
  int64_t max_constant_elements = 64;
};

std::string Print(const Graph& graph, const PrintOptions& options = {});

// Parses the text form; errors name the line and column.
absl::StatusOr<std::unique_ptr<Graph>> Parse(absl::string_view text);

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_TEXT_H_
