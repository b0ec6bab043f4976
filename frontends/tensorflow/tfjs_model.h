// A TensorFlow.js graph model (model.json + binary weight shards) -> a frozen
// GraphDef for ImportGraphDef. model.json's modelTopology is a GraphDef in
// protobuf's JSON mapping whose weight Consts have no values; its
// weightsManifest says how the shards (files beside model.json, concatenated
// in manifest order) hold each weight, which fills its Const node.
// Quantized weights are dequantized as TF.js does when it loads them, bit for
// bit. See docs/tensorflow.md ("TF.js graph models").
#ifndef NCC_FRONTENDS_TENSORFLOW_TFJS_MODEL_H_
#define NCC_FRONTENDS_TENSORFLOW_TFJS_MODEL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontends/frontend.h"
#include "frontends/tensorflow/proto/graph.pb.h"

namespace ncc::tensorflow_frontend {

// model.json holds the topology only (the largest of 41 published models is
// under 1 MB); the bound keeps a hostile file from exhausting memory.
inline constexpr int64_t kTfjsModelJsonLimit = int64_t{64} << 20;

struct TfjsGraph {
  // Every weight is its Const node's tensor_content (float32, int32 or bool).
  tfproto::GraphDef graph;
  // The signature's outputs as node:index, in model.json's order (TF.js's
  // default outputs); empty when the model has no signature outputs.
  std::vector<std::string> outputs;
  // "TensorFlow.js graph model (converted by ...)", for the NEFF metadata.
  std::string producer;
  // The shards read: {path as the manifest gives it, path opened}; empty for
  // a model read from memory.
  std::vector<std::pair<std::string, std::string>> shard_files;
};

// Reads `path` (model.json) and the shards its weightsManifest names, which
// must be regular files inside model.json's directory. Errors are one line
// starting with `path`, naming the weight or shard: malformed JSON (with line
// and column), a shard path that leaves the directory, shards whose total
// size is not what the manifest needs, a Const with no weight or a weight
// with no Const, shape or dtype mismatches, unknown quantizations.
absl::StatusOr<TfjsGraph> ReadTfjsModel(const std::string& path);

// ReadTfjsModel on a model in memory: `weights` is every shard's bytes
// concatenated in manifest order. Shard paths are checked, not opened.
absl::StatusOr<TfjsGraph> ReadTfjsModelBytes(const std::string& json, absl::string_view weights,
                                             absl::string_view origin);

// ReadTfjsModel, then ImportGraphDef with the signature's outputs unless
// options.outputs names some. A TF.js model has one graph: options.tags and
// options.signature are refused.
absl::StatusOr<frontends::ImportedModel> ImportTfjsModel(const std::string& path,
                                                         const frontends::ImportOptions& options);

// The same from memory (the fuzz target's entry point).
absl::StatusOr<frontends::ImportedModel> ImportTfjsModelBytes(
    const std::string& json, absl::string_view weights, absl::string_view origin,
    const frontends::ImportOptions& options);

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_TFJS_MODEL_H_
