// A frozen TensorFlow GraphDef -> the IR: parsing (binary .pb, text .pbtxt),
// input pins, the operator-support check, conversion in topological order
// and the outputs. Tensors are named `node:index` everywhere (pins, frozen
// inputs, outputs); a bare `node` means `node:0`.
#ifndef NCC_FRONTENDS_TENSORFLOW_GRAPHDEF_IMPORT_H_
#define NCC_FRONTENDS_TENSORFLOW_GRAPHDEF_IMPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontends/frontend.h"
#include "frontends/tensorflow/proto/graph.pb.h"

namespace ncc::tensorflow_frontend {

// Protobuf's wire format cannot hold a message of 2 GiB or more.
inline constexpr int64_t kProtobufLimit = (int64_t{2} << 30) - 1;

// Parses a GraphDef. One-line errors starting with `origin`: DATA_LOSS for a
// truncated or malformed binary file, INVALID_ARGUMENT for text with the line
// and column, and for files over protobuf's 2 GiB limit.
absl::StatusOr<tfproto::GraphDef> ParseGraphDef(const std::string& bytes, bool text,
                                                absl::string_view origin);

// "x" -> "x:0"; "x:1" stays.
std::string CanonicalTensorName(absl::string_view name);

// Converts the graph (see frontends::Frontend::Import for the errors).
absl::StatusOr<frontends::ImportedModel> ImportGraphDef(const tfproto::GraphDef& graph,
                                                        absl::string_view origin,
                                                        const frontends::ImportOptions& options);

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_GRAPHDEF_IMPORT_H_
