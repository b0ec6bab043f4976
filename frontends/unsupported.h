// Every frontend reports all the nodes it cannot compile at once, in one
// UNIMPLEMENTED status, in the same words.
#ifndef NCC_FRONTENDS_UNSUPPORTED_H_
#define NCC_FRONTENDS_UNSUPPORTED_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ncc::frontends {

struct UnsupportedNode {
  std::string op_type;  // "Foo" or "domain.Foo" outside the default domain
  std::string node_name;
  std::string reason;  // one line; "op type is not supported" or what exactly
};

// One line: "3 unsupported ONNX nodes at opset 13: Foo x2 ('a', 'b'): op type
// is not supported; Conv x1 ('c'): ... (see `neuron-cc list-operators
// --framework ONNX`)", for framework "ONNX" and `where` "opset 13" (may be
// empty). Grouped by op type and reason, in first-seen order, at most three
// names each.
std::string DescribeUnsupportedNodes(absl::string_view framework, absl::string_view where,
                                     const std::vector<UnsupportedNode>& nodes);

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_UNSUPPORTED_H_
