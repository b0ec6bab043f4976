#include "frontends/tensorflow/tfjs_model.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fileio/bounded_read.h"
#include "frontends/tensorflow/convert.h"
#include "frontends/tensorflow/graphdef_import.h"
#include "nlohmann/json.hpp"
#include "text/json_text.h"
#include "text/printable.h"

namespace ncc::tensorflow_frontend {
namespace {

using Json = nlohmann::json;
using text::PrintableName;
using text::QuotedName;

// Far deeper than any model.json nests (about 10); bounds the recursion of
// nlohmann's dump() and of protobuf's JSON parser on hostile files.
constexpr int kMaxJsonDepth = 64;
// As the GraphDef importer's bounds: larger dimensions could overflow shape
// arithmetic, larger constants exhaust memory.
constexpr int64_t kMaxDimension = int64_t{1} << 31;
constexpr int64_t kMaxWeightBytes = int64_t{1} << 30;
// All shards together, as any other model file.
constexpr int64_t kMaxShardBytes = fileio::kModelFileLimit;

// How the shards store a weight.
enum class Storage { kFloat32, kInt32, kBool, kUint8, kUint16, kFloat16 };

struct WeightSpec {
  std::string name;
  std::vector<int64_t> shape;
  tfproto::DataType dtype = tfproto::DT_FLOAT;  // the Const's: float32, int32 or bool
  std::string dtype_name;                       // as model.json spells it
  Storage storage = Storage::kFloat32;
  double scale = 0;  // uint8, uint16: value = q * scale + min
  double min = 0;
  int64_t count = 0;         // elements
  int64_t stored_bytes = 0;  // in the shards
};

// model.json, read: the topology (weight Consts without values) and the
// manifest.
struct ModelJson {
  tfproto::GraphDef graph;
  std::vector<WeightSpec> weights;  // in shard order
  std::vector<std::string> shards;  // relative to model.json's directory, in order
  int64_t weight_bytes = 0;         // what the manifest needs
  std::vector<std::string> outputs;
  std::string producer;
};

absl::Status Error(absl::string_view origin, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ": ", message));
}

struct ParsedJson {
  Json root;
  // The keys of signature.outputs and userDefinedMetadata.signature.outputs
  // in the file's order: nlohmann sorts keys, TF.js keeps the file's order.
  std::vector<std::string> signature_keys;
  std::vector<std::string> metadata_signature_keys;
};

absl::StatusOr<ParsedJson> ParseJson(absl::string_view text, absl::string_view origin) {
  NCC_TF_RETURN_IF_ERROR(text::CheckJsonText(text, origin, "model.json", kMaxJsonDepth));
  ParsedJson out;
  std::vector<std::string> path;  // keys from the root; "" for array levels
  auto record = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event != Json::parse_event_t::key || depth < 1) return true;
    path.resize(static_cast<size_t>(depth - 1));
    path.push_back(parsed.get<std::string>());
    if (path.size() == 3 && path[0] == "signature" && path[1] == "outputs") {
      out.signature_keys.push_back(path[2]);
    } else if (path.size() == 4 && path[0] == "userDefinedMetadata" && path[1] == "signature" &&
               path[2] == "outputs") {
      out.metadata_signature_keys.push_back(path[3]);
    }
    return true;
  };
  try {
    out.root = Json::parse(text.begin(), text.end(), record);
  } catch (const Json::exception& e) {
    return Error(origin, absl::StrCat("malformed JSON: ", text::JsonErrorMessage(e.what())));
  }
  return out;
}

// The topology's nodes (and versions) through protobuf's JSON mapping, whose
// names are TensorFlow's. The function library (control flow) is left out:
// the ops that call its functions are reported as unsupported.
absl::StatusOr<tfproto::GraphDef> GraphFromTopology(const Json& topology,
                                                    absl::string_view origin) {
  Json kept = Json::object();
  kept["node"] = topology.at("node");
  auto versions = topology.find("versions");
  if (versions != topology.end()) kept["versions"] = *versions;
  const std::string text = kept.dump(-1, ' ', false, Json::error_handler_t::replace);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // e.g. NodeDef's experimental_debug_info
  tfproto::GraphDef graph;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &graph, options);
  if (!status.ok()) {
    return Error(origin, absl::StrCat("modelTopology is not a GraphDef: ",
                                      PrintableName(std::string(status.message()))));
  }
  return graph;
}

absl::Status CheckShardPath(const std::string& path, absl::string_view origin) {
  auto bad = [&](absl::string_view why) {
    return Error(origin, absl::StrCat("weight shard ", QuotedName(path), " ", why));
  };
  if (path.empty()) return bad("is an empty path");
  if (path.find('\0') != std::string::npos) return bad("contains a NUL byte");
  if (path[0] == '/') return bad("is an absolute path; shards must be beside model.json");
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") return bad("leaves model.json's directory ('..')");
  }
  return absl::OkStatus();
}

// The dimensions and the element count; the decoded size is bounded.
absl::Status ReadShape(const Json& shape, absl::string_view origin, WeightSpec* w) {
  auto bad = [&](absl::string_view why) {
    return Error(origin, absl::StrCat("weight ", QuotedName(w->name), " ", why));
  };
  if (!shape.is_array()) return bad("has no shape list");
  for (const Json& dim : shape) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0 || dim.get<int64_t>() > kMaxDimension) {
      return bad(absl::StrCat("has dimension ", PrintableName(dim.dump()),
                              "; dimensions are integers from 0 to 2^31"));
    }
    w->shape.push_back(dim.get<int64_t>());
  }
  // An empty weight may have any other dimensions.
  w->count = std::count(w->shape.begin(), w->shape.end(), 0) == 0 ? 1 : 0;
  const int64_t element_bytes = w->dtype == tfproto::DT_BOOL ? 1 : 4;
  for (int64_t d : w->shape) {
    // count * element_bytes <= 2^30 and d <= 2^31 before each step: no overflow.
    w->count *= d;
    if (w->count * element_bytes > kMaxWeightBytes) {
      return bad(absl::StrCat("of shape ", PrintableName(shape.dump()), " is larger than 1 GiB"));
    }
  }
  return absl::OkStatus();
}

// `quantization`: {dtype: uint8|uint16, scale, min} or {dtype: float16}, with
// the combinations TF.js accepts.
absl::Status ReadQuantization(const Json& q, absl::string_view origin, WeightSpec* w) {
  auto bad = [&](absl::string_view why) {
    return Error(origin, absl::StrCat("weight ", QuotedName(w->name), " ", why));
  };
  const Json* dtype = q.is_object() && q.contains("dtype") ? &q["dtype"] : nullptr;
  if (dtype == nullptr || !dtype->is_string()) return bad("has a quantization without a dtype");
  const std::string name = dtype->get<std::string>();
  if (name == "float16") {
    if (w->dtype != tfproto::DT_FLOAT) {
      return bad(
          absl::StrCat("is ", w->dtype_name, " quantized as float16; only float32 weights can be"));
    }
    w->storage = Storage::kFloat16;
    return absl::OkStatus();
  }
  if (name != "uint8" && name != "uint16") {
    return bad(absl::StrCat("has quantization dtype ", QuotedName(name),
                            "; TF.js quantizes to uint8, uint16 or float16"));
  }
  if (w->dtype == tfproto::DT_BOOL) return bad(absl::StrCat("is bool quantized as ", name));
  if (!q.contains("scale") || !q["scale"].is_number() || !q.contains("min") ||
      !q["min"].is_number()) {
    return bad(absl::StrCat("is quantized as ", name, " without a numeric scale and min"));
  }
  w->storage = name == "uint8" ? Storage::kUint8 : Storage::kUint16;
  w->scale = q["scale"].get<double>();
  w->min = q["min"].get<double>();
  return absl::OkStatus();
}

int64_t StoredElementBytes(Storage storage) {
  switch (storage) {
    case Storage::kBool:
    case Storage::kUint8:
      return 1;
    case Storage::kUint16:
    case Storage::kFloat16:
      return 2;
    default:
      return 4;
  }
}

absl::StatusOr<WeightSpec> ReadWeightSpec(const Json& spec, absl::string_view where,
                                          absl::string_view origin) {
  WeightSpec w;
  if (!spec.is_object() || !spec.contains("name") || !spec["name"].is_string() ||
      spec["name"].get<std::string>().empty()) {
    return Error(origin, absl::StrCat(where, " has no name"));
  }
  w.name = spec["name"].get<std::string>();
  const Json* dtype = spec.contains("dtype") ? &spec["dtype"] : nullptr;
  w.dtype_name = dtype != nullptr && dtype->is_string() ? dtype->get<std::string>() : "";
  static const auto* const kDTypes =
      new std::map<std::string, std::pair<tfproto::DataType, Storage>>{
          {"float32", {tfproto::DT_FLOAT, Storage::kFloat32}},
          {"int32", {tfproto::DT_INT32, Storage::kInt32}},
          {"bool", {tfproto::DT_BOOL, Storage::kBool}}};
  auto known = kDTypes->find(w.dtype_name);
  if (known == kDTypes->end()) {
    return Error(origin, absl::StrCat("weight ", QuotedName(w.name), " has dtype ",
                                      PrintableName(dtype == nullptr ? "none" : dtype->dump()),
                                      "; neuron-cc reads float32, int32 and bool weights"));
  }
  std::tie(w.dtype, w.storage) = known->second;
  NCC_TF_RETURN_IF_ERROR(ReadShape(spec.contains("shape") ? spec["shape"] : Json(), origin, &w));
  if (spec.contains("quantization")) {
    NCC_TF_RETURN_IF_ERROR(ReadQuantization(spec["quantization"], origin, &w));
  }
  w.stored_bytes = w.count * StoredElementBytes(w.storage);
  return w;
}

absl::Status ReadManifest(const Json& manifest, absl::string_view origin, ModelJson* model) {
  if (manifest.is_null()) return absl::OkStatus();  // a model without weights
  if (!manifest.is_array()) return Error(origin, "weightsManifest is not a list of groups");
  for (size_t g = 0; g < manifest.size(); ++g) {
    const Json& group = manifest[g];
    const std::string where = absl::StrCat("weightsManifest[", g, "]");
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array()) {
      return Error(origin, absl::StrCat(where, " needs a list of paths and a list of weights"));
    }
    for (const Json& path : group["paths"]) {
      if (!path.is_string()) {
        return Error(origin, absl::StrCat(where, " has a path that is not a string"));
      }
      NCC_TF_RETURN_IF_ERROR(CheckShardPath(path.get<std::string>(), origin));
      model->shards.push_back(path.get<std::string>());
    }
    const Json& weights = group["weights"];
    for (size_t i = 0; i < weights.size(); ++i) {
      NCC_TF_ASSIGN(w,
                    ReadWeightSpec(weights[i], absl::StrCat(where, ".weights[", i, "]"), origin));
      // At most 64 Mi weights (model.json's size) of at most 1 GiB: no overflow.
      model->weight_bytes += w.stored_bytes;
      model->weights.push_back(std::move(w));
    }
  }
  return absl::OkStatus();
}

// TF.js's default outputs: userDefinedMetadata.signature's, which replaces
// signature when present, in the file's order; an entry's `name`, else its
// key.
std::vector<std::string> SignatureOutputs(const ParsedJson& parsed) {
  const Json& root = parsed.root;
  const Json* signature = nullptr;
  const std::vector<std::string>* keys = nullptr;
  auto metadata = root.find("userDefinedMetadata");
  if (metadata != root.end() && metadata->is_object() && metadata->contains("signature") &&
      !(*metadata)["signature"].is_null()) {
    signature = &(*metadata)["signature"];
    keys = &parsed.metadata_signature_keys;
  } else if (root.contains("signature")) {
    signature = &root["signature"];
    keys = &parsed.signature_keys;
  }
  std::vector<std::string> outputs;
  if (signature == nullptr || !signature->is_object() || !signature->contains("outputs") ||
      !(*signature)["outputs"].is_object()) {
    return outputs;
  }
  const Json& entries = (*signature)["outputs"];
  std::set<std::string> seen;
  for (const std::string& key : *keys) {
    // A key of an object a later duplicate replaced is not there any more.
    auto entry = entries.find(key);
    if (entry == entries.end()) continue;
    const bool named =
        entry->is_object() && entry->contains("name") && (*entry)["name"].is_string();
    std::string name = CanonicalTensorName(named ? (*entry)["name"].get<std::string>() : key);
    if (seen.insert(name).second) outputs.push_back(std::move(name));
  }
  return outputs;
}

std::string Producer(const Json& root) {
  std::string producer = "TensorFlow.js graph model";
  auto by = root.find("convertedBy");
  if (by != root.end() && by->is_string()) {
    absl::StrAppend(&producer, " (converted by ", PrintableName(by->get<std::string>()), ")");
  }
  return producer;
}

absl::StatusOr<ModelJson> ReadModelJson(const std::string& text, absl::string_view origin) {
  NCC_TF_ASSIGN(parsed, ParseJson(text, origin));
  const Json& root = parsed.root;
  if (!root.is_object()) return Error(origin, "not a TF.js model.json (not a JSON object)");
  auto format = root.find("format");
  if (format != root.end() && format->is_string() && *format == "layers-model") {
    return absl::UnimplementedError(
        absl::StrCat(origin,
                     ": a TF.js layers model; neuron-cc reads graph models (tensorflowjs_converter "
                     "--output_format=tfjs_graph_model)"));
  }
  if (format != root.end() && !(format->is_string() && *format == "graph-model")) {
    return Error(
        origin, absl::StrCat("format is ", PrintableName(format->dump()), ", not \"graph-model\""));
  }
  auto topology = root.find("modelTopology");
  if (topology == root.end() || !topology->is_object() || !topology->contains("node") ||
      !(*topology)["node"].is_array()) {
    return Error(origin, "modelTopology has no node list (not a TF.js graph model)");
  }
  ModelJson model;
  NCC_TF_ASSIGN(graph, GraphFromTopology(*topology, origin));
  model.graph = std::move(graph);
  auto manifest = root.find("weightsManifest");
  NCC_TF_RETURN_IF_ERROR(ReadManifest(manifest == root.end() ? Json() : *manifest, origin, &model));
  model.outputs = SignatureOutputs(parsed);
  model.producer = Producer(root);
  return model;
}

// IEEE binary16 -> binary32 bits, exactly (subnormals normalised, NaN
// payloads kept), which is what TF.js's table-driven decoder computes.
uint32_t HalfToFloatBits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return sign | 0x7f800000u | (mantissa << 13);  // inf, NaN
  if (exponent != 0) return sign | ((exponent + 112) << 23) | (mantissa << 13);
  if (mantissa == 0) return sign;
  uint32_t e = 113;  // a subnormal: shift its leading 1 into the implicit bit
  while ((mantissa & 0x400u) == 0) {
    mantissa <<= 1;
    --e;
  }
  return sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
}

// JavaScript's Math.round: the nearest integer, halves up (-2.5 -> -2).
double JsRound(double x) {
  const double down = std::floor(x);
  return x - down >= 0.5 ? down + 1 : down;
}

void AppendLe32(uint32_t bits, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

uint32_t StoredValue(absl::string_view bytes, int64_t i, int64_t width) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + i * width;
  return width == 1 ? p[0] : (p[0] | (uint32_t{p[1]} << 8));
}

// uint8/uint16 as TF.js dequantizes them: `q * scale + min` in JavaScript
// numbers (doubles), stored into a Float32Array (rounded to nearest) or,
// Math.round-ed, an Int32Array. The BUILD file compiles this file with
// -ffp-contract=off so that the multiply and the add round separately, as in
// JavaScript: a fused multiply-add changes some results in the last bit.
absl::StatusOr<std::string> Dequantize(const WeightSpec& w, absl::string_view bytes,
                                       absl::string_view origin) {
  const int64_t width = StoredElementBytes(w.storage);
  std::string out;
  out.reserve(static_cast<size_t>(w.count * 4));
  for (int64_t i = 0; i < w.count; ++i) {
    const double value = static_cast<double>(StoredValue(bytes, i, width)) * w.scale + w.min;
    if (w.dtype == tfproto::DT_FLOAT) {
      const float f = static_cast<float>(value);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      AppendLe32(bits, &out);
      continue;
    }
    const double rounded = JsRound(value);
    if (!(rounded >= -2147483648.0 && rounded <= 2147483647.0)) {
      return Error(origin, absl::StrCat("weight ", QuotedName(w.name), " (int32) dequantizes to ",
                                        value, ", outside int32"));
    }
    AppendLe32(static_cast<uint32_t>(static_cast<int32_t>(rounded)), &out);
  }
  return out;
}

// The Const's bytes (little-endian) from the weight's stored bytes.
absl::StatusOr<std::string> DecodeWeight(const WeightSpec& w, absl::string_view bytes,
                                         absl::string_view origin) {
  switch (w.storage) {
    case Storage::kFloat32:
    case Storage::kInt32:
      return std::string(bytes);
    case Storage::kBool: {
      std::string out(bytes);
      for (char& c : out) c = c != 0 ? 1 : 0;  // TF.js treats any non-zero byte as true
      return out;
    }
    case Storage::kFloat16: {
      std::string out;
      out.reserve(static_cast<size_t>(w.count * 4));
      for (int64_t i = 0; i < w.count; ++i) {
        AppendLe32(HalfToFloatBits(static_cast<uint16_t>(StoredValue(bytes, i, 2))), &out);
      }
      return out;
    }
    case Storage::kUint8:
    case Storage::kUint16:
      return Dequantize(w, bytes, origin);
  }
  return absl::InternalError("unknown weight storage");
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

// TF.js has no float64 or int64: its converter writes such weights as
// float32 or int32 but keeps the Const's dtype in the topology.
bool NarrowedTo(int declared, tfproto::DataType weight) {
  return declared == weight || (declared == tfproto::DT_DOUBLE && weight == tfproto::DT_FLOAT) ||
         (declared == tfproto::DT_INT64 && weight == tfproto::DT_INT32);
}

std::string TypeName(int t) {
  return tfproto::DataType_IsValid(t) ? tfproto::DataType_Name(static_cast<tfproto::DataType>(t))
                                      : absl::StrCat("DataType ", t);
}

// The Const's dtype (the weight's unless it declares a wider one). It must
// agree with the manifest wherever it says anything.
absl::StatusOr<tfproto::DataType> ConstDType(const WeightSpec& w, const tfproto::NodeDef& node,
                                             absl::string_view origin) {
  auto mismatch = [&](absl::string_view what, absl::string_view manifest,
                      absl::string_view node_says) {
    return Error(origin, absl::StrCat("weight ", QuotedName(w.name), " has ", what, " ", manifest,
                                      " in weightsManifest but ", node_says, " in modelTopology"));
  };
  int declared = w.dtype;
  auto dtype = node.attr().find("dtype");
  if (dtype != node.attr().end()) declared = dtype->second.type();
  auto value = node.attr().find("value");
  const tfproto::TensorProto* tensor =
      value != node.attr().end() && value->second.has_tensor() ? &value->second.tensor() : nullptr;
  if (tensor != nullptr && tensor->dtype() != tfproto::DT_INVALID) {
    if (dtype != node.attr().end() && tensor->dtype() != declared) {
      return Error(
          origin, absl::StrCat("Const ", QuotedName(node.name()), " has dtype ", TypeName(declared),
                               " but a value of ", TypeName(tensor->dtype())));
    }
    declared = tensor->dtype();
  }
  if (!NarrowedTo(declared, w.dtype)) return mismatch("dtype", w.dtype_name, TypeName(declared));
  if (tensor == nullptr || !tensor->has_tensor_shape()) {
    return static_cast<tfproto::DataType>(declared);
  }
  std::vector<int64_t> dims;
  for (const auto& dim : tensor->tensor_shape().dim()) dims.push_back(dim.size());
  if (tensor->tensor_shape().unknown_rank() || dims != w.shape) {
    return mismatch("shape", ShapeString(w.shape),
                    tensor->tensor_shape().unknown_rank() ? "an unknown rank" : ShapeString(dims));
  }
  return static_cast<tfproto::DataType>(declared);
}

// float32 -> float64 and int32 -> int64, exactly.
std::string Widen(const std::string& content, tfproto::DataType to) {
  std::string out;
  out.reserve(content.size() * 2);
  for (size_t i = 0; i + 4 <= content.size(); i += 4) {
    uint32_t bits;
    std::memcpy(&bits, content.data() + i, 4);
    uint64_t wide;
    if (to == tfproto::DT_DOUBLE) {
      float f;
      std::memcpy(&f, &bits, 4);
      const double d = f;
      std::memcpy(&wide, &d, 8);
    } else {
      wide = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(bits)));
    }
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((wide >> (8 * b)) & 0xff));
  }
  return out;
}

absl::Status SetWeight(const WeightSpec& w, absl::string_view bytes, absl::string_view origin,
                       tfproto::NodeDef* node) {
  NCC_TF_ASSIGN(dtype, ConstDType(w, *node, origin));
  NCC_TF_ASSIGN(content, DecodeWeight(w, bytes, origin));
  if (dtype != w.dtype) content = Widen(content, dtype);
  auto& attr = *node->mutable_attr();
  attr["dtype"].set_type(dtype);
  tfproto::TensorProto* tensor = attr["value"].mutable_tensor();
  tensor->Clear();
  tensor->set_dtype(dtype);
  for (int64_t d : w.shape) tensor->mutable_tensor_shape()->add_dim()->set_size(d);
  tensor->set_tensor_content(std::move(content));
  return absl::OkStatus();
}

bool HasInlineValue(const tfproto::NodeDef& node) {
  auto value = node.attr().find("value");
  if (value == node.attr().end()) return false;
  const tfproto::TensorProto& t = value->second.tensor();
  return !t.tensor_content().empty() || t.float_val_size() || t.double_val_size() ||
         t.int_val_size() || t.int64_val_size() || t.bool_val_size() || t.half_val_size() ||
         t.string_val_size() || t.uint32_val_size() || t.uint64_val_size();
}

absl::Status SizeMismatch(const ModelJson& model, int64_t held, absl::string_view origin) {
  return Error(origin, absl::StrCat("weightsManifest needs ", model.weight_bytes,
                                    " bytes but its shards hold ", held, " (", model.shards.size(),
                                    " shard", model.shards.size() == 1 ? "" : "s", ")"));
}

// Fills every weight's Const from `data` (the shards, concatenated; its size
// already checked) and checks that every Const has a value.
absl::StatusOr<TfjsGraph> FillWeights(ModelJson model, absl::string_view data,
                                      absl::string_view origin) {
  std::map<std::string, tfproto::NodeDef*> nodes;
  for (tfproto::NodeDef& node : *model.graph.mutable_node()) {
    if (!nodes.emplace(node.name(), &node).second) {
      return Error(origin, absl::StrCat("two nodes are named ", QuotedName(node.name())));
    }
  }
  std::set<std::string> filled;
  int64_t offset = 0;
  for (const WeightSpec& w : model.weights) {
    auto it = nodes.find(w.name);
    if (it == nodes.end()) {
      return Error(origin, absl::StrCat("weight ", QuotedName(w.name),
                                        " in weightsManifest has no Const node in modelTopology"));
    }
    if (it->second->op() != "Const") {
      return Error(origin, absl::StrCat("weight ", QuotedName(w.name), " names a ",
                                        QuotedName(it->second->op()), " node, not a Const"));
    }
    if (!filled.insert(w.name).second) {
      return Error(
          origin, absl::StrCat("weight ", QuotedName(w.name), " appears twice in weightsManifest"));
    }
    NCC_TF_RETURN_IF_ERROR(SetWeight(w, data.substr(offset, w.stored_bytes), origin, it->second));
    offset += w.stored_bytes;
  }
  for (const tfproto::NodeDef& node : model.graph.node()) {
    if (node.op() != "Const" || filled.count(node.name()) || HasInlineValue(node)) continue;
    return Error(origin, absl::StrCat("Const ", QuotedName(node.name()),
                                      " has no weight in weightsManifest"));
  }
  TfjsGraph out;
  out.graph = std::move(model.graph);
  out.outputs = std::move(model.outputs);
  out.producer = std::move(model.producer);
  return out;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::StatusOr<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (real == nullptr) return absl::NotFoundError(std::strerror(errno));
  return std::string(real.get());
}

// A shard's path with every symbolic link resolved; it must stay inside
// model.json's directory (`root`, resolved).
absl::StatusOr<std::string> ResolveShard(const std::string& root, const std::string& dir,
                                         const std::string& shard, absl::string_view origin) {
  auto real = RealPath(absl::StrCat(dir, "/", shard));
  if (!real.ok()) {
    return absl::NotFoundError(absl::StrCat(origin, ": weight shard ", QuotedName(shard),
                                            ": cannot open (", real.status().message(), ")"));
  }
  const std::string prefix = root == "/" ? root : root + "/";
  if (!absl::StartsWith(*real, prefix)) {
    return Error(origin,
                 absl::StrCat("weight shard ", QuotedName(shard),
                              " resolves outside model.json's directory, to ", QuotedName(*real)));
  }
  return *real;
}

// The shards' bytes in manifest order. Every shard must be a regular file;
// their sizes are checked against the manifest before any is read (files are
// opened one at a time: a manifest may list thousands).
absl::StatusOr<std::string> ReadShards(const std::string& model_path, const ModelJson& model,
                                       std::vector<std::pair<std::string, std::string>>* read) {
  const std::string dir = DirName(model_path);
  auto root = RealPath(dir);
  if (!root.ok()) {
    return absl::NotFoundError(
        absl::StrCat(model_path, ": cannot resolve its directory (", root.status().message(), ")"));
  }
  std::vector<std::pair<std::string, int64_t>> files;
  int64_t total = 0;
  for (const std::string& shard : model.shards) {
    NCC_TF_ASSIGN(real, ResolveShard(*root, dir, shard, model_path));
    auto file = fileio::RegularFile::Open(real);
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          absl::StrCat(model_path, ": weight shard ", QuotedName(shard), ": ",
                                       file.status().message()));
    }
    total += file->size();
    if (total > kMaxShardBytes) {
      return Error(model_path, absl::StrCat("the weight shards hold more than ",
                                            fileio::FormatBytes(kMaxShardBytes)));
    }
    files.emplace_back(std::move(real), file->size());
  }
  if (total != model.weight_bytes) return SizeMismatch(model, total, model_path);
  std::string data;
  data.reserve(static_cast<size_t>(total));
  for (size_t i = 0; i < files.size(); ++i) {
    // Read at most the size seen above: a shard that changed in between is an error.
    auto bytes = fileio::ReadRegularFile(files[i].first, files[i].second, "a weight shard");
    if (!bytes.ok() || static_cast<int64_t>(bytes->size()) != files[i].second) {
      return absl::DataLossError(absl::StrCat(
          model_path, ": weight shard ", QuotedName(model.shards[i]), " changed while being read",
          bytes.ok() ? "" : absl::StrCat(" (", bytes.status().message(), ")")));
    }
    data += *bytes;
    read->emplace_back(model.shards[i], files[i].first);
  }
  return data;
}

absl::Status RefuseGraphChoice(const frontends::ImportOptions& options, absl::string_view origin) {
  if (options.tags.empty() && options.signature.empty()) return absl::OkStatus();
  return Error(origin,
               "--tags and --signature choose a graph of a TensorFlow SavedModel; a TF.js graph "
               "model has one graph");
}

absl::StatusOr<frontends::ImportedModel> ImportGraph(const TfjsGraph& model,
                                                     absl::string_view origin,
                                                     const frontends::ImportOptions& options) {
  absl::StatusOr<frontends::ImportedModel> imported;
  if (options.outputs.empty() && !model.outputs.empty()) {
    frontends::ImportOptions with_outputs = options;
    with_outputs.outputs = model.outputs;
    imported = ImportGraphDef(model.graph, origin, with_outputs);
  } else {
    imported = ImportGraphDef(model.graph, origin, options);
  }
  if (imported.ok()) {
    imported->producer = model.producer;
    imported->also_read = model.shard_files;
  }
  return imported;
}

}  // namespace

absl::StatusOr<TfjsGraph> ReadTfjsModel(const std::string& path) {
  auto json = fileio::ReadRegularFile(path, kTfjsModelJsonLimit, "a TF.js model.json");
  if (!json.ok()) return json.status();
  NCC_TF_ASSIGN(model, ReadModelJson(*json, path));
  std::vector<std::pair<std::string, std::string>> shard_files;
  NCC_TF_ASSIGN(data, ReadShards(path, model, &shard_files));
  NCC_TF_ASSIGN(graph, FillWeights(std::move(model), data, path));
  graph.shard_files = std::move(shard_files);
  return graph;
}

absl::StatusOr<TfjsGraph> ReadTfjsModelBytes(const std::string& json, absl::string_view weights,
                                             absl::string_view origin) {
  if (static_cast<int64_t>(json.size()) > kTfjsModelJsonLimit) {
    return Error(origin,
                 absl::StrCat(fileio::FormatBytes(static_cast<int64_t>(json.size())),
                              " is over the limit of ", fileio::FormatBytes(kTfjsModelJsonLimit),
                              " for a TF.js model.json"));
  }
  NCC_TF_ASSIGN(model, ReadModelJson(json, origin));
  const int64_t held = static_cast<int64_t>(weights.size());
  if (held != model.weight_bytes) return SizeMismatch(model, held, origin);
  return FillWeights(std::move(model), weights, origin);
}

absl::StatusOr<frontends::ImportedModel> ImportTfjsModel(const std::string& path,
                                                         const frontends::ImportOptions& options) {
  NCC_TF_RETURN_IF_ERROR(RefuseGraphChoice(options, path));
  NCC_TF_ASSIGN(model, ReadTfjsModel(path));
  return ImportGraph(model, path, options);
}

absl::StatusOr<frontends::ImportedModel> ImportTfjsModelBytes(
    const std::string& json, absl::string_view weights, absl::string_view origin,
    const frontends::ImportOptions& options) {
  NCC_TF_RETURN_IF_ERROR(RefuseGraphChoice(options, origin));
  NCC_TF_ASSIGN(model, ReadTfjsModelBytes(json, weights, origin));
  return ImportGraph(model, origin, options);
}

}  // namespace ncc::tensorflow_frontend
