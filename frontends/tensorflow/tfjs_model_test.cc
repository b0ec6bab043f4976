#include "frontends/tensorflow/tfjs_model.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/tensorflow/proto/graph.pb.h"
#include "frontends/tensorflow/tensorflow_frontend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ncc::tensorflow_frontend {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// A fresh directory per test under TEST_TMPDIR.
std::string TestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", info->name());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

Json Dims(const std::vector<int64_t>& dims) {
  Json out = Json::array();
  for (int64_t d : dims) out.push_back({{"size", std::to_string(d)}});
  return {{"dim", out}};
}

// Topology nodes in TF.js's JSON form.
Json ConstNode(const std::string& name, const std::string& dtype,
               const std::vector<int64_t>& dims) {
  return {{"name", name},
          {"op", "Const"},
          {"attr",
           {{"dtype", {{"type", dtype}}},
            {"value", {{"tensor", {{"dtype", dtype}, {"tensorShape", Dims(dims)}}}}}}}};
}

Json PlaceholderNode(const std::string& name, const std::vector<int64_t>& dims) {
  return {{"name", name},
          {"op", "Placeholder"},
          {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", Dims(dims)}}}}}};
}

Json OpNode(const std::string& name, const std::string& op, const std::vector<std::string>& in) {
  return {{"name", name}, {"op", op}, {"input", in}, {"attr", {{"T", {{"type", "DT_FLOAT"}}}}}};
}

Json Weight(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape) {
  return {{"name", name}, {"dtype", dtype}, {"shape", shape}};
}

Json Model(Json nodes, Json manifest) {
  return {{"format", "graph-model"},
          {"generatedBy", "2.15.0"},
          {"convertedBy", "TensorFlow.js Converter v4.22.0"},
          {"modelTopology",
           {{"node", std::move(nodes)}, {"library", Json::object()}, {"versions", Json::object()}}},
          {"weightsManifest", std::move(manifest)}};
}

// Writes model.json and its shards into a fresh directory; returns model.json's path.
std::string WriteModel(const Json& model, const std::map<std::string, std::string>& shards,
                       const std::string& json_text = "") {
  const std::string dir = TestDir();
  for (const auto& [name, bytes] : shards) WriteFile(absl::StrCat(dir, "/", name), bytes);
  const std::string path = dir + "/model.json";
  WriteFile(path, json_text.empty() ? model.dump(1) : json_text);
  return path;
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

const tfproto::NodeDef& Node(const TfjsGraph& g, const std::string& name) {
  for (const auto& node : g.graph.node()) {
    if (node.name() == name) return node;
  }
  static const tfproto::NodeDef kNone;
  ADD_FAILURE() << "no node " << name;
  return kNone;
}

// A Const's value as the GraphDef holds it.
std::vector<uint32_t> ConstBits(const TfjsGraph& g, const std::string& name) {
  const std::string& content = Node(g, name).attr().at("value").tensor().tensor_content();
  std::vector<uint32_t> bits(content.size() / 4);
  std::memcpy(bits.data(), content.data(), bits.size() * 4);
  return bits;
}

// x [1,3] + w, reshaped to shape: a float32 and an int32 weight.
Json AddReshapeNodes() {
  return {PlaceholderNode("x", {-1, 3}), ConstNode("w", "DT_FLOAT", {3}),
          ConstNode("shape", "DT_INT32", {2}), OpNode("y", "AddV2", {"x", "w"}),
          OpNode("r", "Reshape", {"y", "shape"})};
}

TEST(TfjsModel, Float32AndInt32WeightsAcrossGroupsAndShards) {
  // Group 0's float32 weight straddles its two shards; group 1 has the int32.
  const std::string w = Bytes<float>({1.5f, -2.0f, 0.25f});
  const std::string shape = Bytes<int32_t>({3, 1});
  Json manifest = {
      {{"paths", {"group1-shard1of2.bin", "group1-shard2of2.bin"}},
       {"weights", {Weight("w", "float32", {3})}}},
      {{"paths", {"group2-shard1of1.bin"}}, {"weights", {Weight("shape", "int32", {2})}}}};
  const std::string path =
      WriteModel(Model(AddReshapeNodes(), manifest), {{"group1-shard1of2.bin", w.substr(0, 5)},
                                                      {"group1-shard2of2.bin", w.substr(5)},
                                                      {"group2-shard1of1.bin", shape}});
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  const tfproto::TensorProto& wt = Node(*g, "w").attr().at("value").tensor();
  EXPECT_EQ(wt.dtype(), tfproto::DT_FLOAT);
  EXPECT_EQ(wt.tensor_content(), w);
  EXPECT_EQ(wt.tensor_shape().dim_size(), 1);
  EXPECT_EQ(Node(*g, "shape").attr().at("value").tensor().tensor_content(), shape);
  EXPECT_EQ(g->producer,
            "TensorFlow.js graph model (converted by TensorFlow.js Converter v4.22.0)");

  frontends::ImportOptions options;
  options.input_shapes["x:0"] = {1, 3};
  auto imported = TensorflowFrontend::Get().Import({path}, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->outputs().size(), 1u);
  EXPECT_EQ(imported->graph->outputs()[0]->name, "r:0");
  EXPECT_EQ(imported->graph->outputs()[0]->shape, (ir::Shape{3, 1}));
  EXPECT_EQ(imported->producer, g->producer);
}

TEST(TfjsModel, Uint8AndUint16DequantizeInDoublePrecisionAsTfjs) {
  // Expected bits from numpy: (q.astype(float64) * scale + min).astype(float32).
  Json u8 = Weight("a", "float32", {5});
  u8["quantization"] = {{"dtype", "uint8"}, {"scale", 0.1}, {"min", -1.2}};
  Json u16 = Weight("b", "float32", {4});
  u16["quantization"] = {{"dtype", "uint16"}, {"scale", 1e-4}, {"min", -3.0}};
  // A fused multiply-add would round once: 0x3f800335 instead of 0x3f800336.
  Json fma = Weight("c", "float32", {1});
  fma["quantization"] = {
      {"dtype", "uint8"}, {"scale", 0.6415223248933274}, {"min", -84.9638936052745}};
  const std::string shard = Bytes<uint8_t>({0, 1, 7, 128, 255}) +
                            Bytes<uint16_t>({0, 1, 30000, 65535}) + Bytes<uint8_t>({134});
  Json nodes = {ConstNode("a", "DT_FLOAT", {5}), ConstNode("b", "DT_FLOAT", {4}),
                ConstNode("c", "DT_FLOAT", {1})};
  const std::string path =
      WriteModel(Model(nodes, {{{"paths", {"weights.bin"}}, {"weights", {u8, u16, fma}}}}),
                 {{"weights.bin", shard}});
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  // 7 * 0.1 - 1.2 is -0.4999999999999999 in doubles, -0.5 in float32
  // (float32 arithmetic would give 0xbf000001).
  EXPECT_EQ(ConstBits(*g, "a"),
            (std::vector<uint32_t>{0xbf99999a, 0xbf8ccccd, 0xbf000000, 0x4139999a, 0x41c26666}));
  EXPECT_EQ(ConstBits(*g, "b"), (std::vector<uint32_t>{0xc0400000, 0xc03ffe5d, 0x0, 0x40636c8b}));
  EXPECT_EQ(ConstBits(*g, "c"), (std::vector<uint32_t>{0x3f800336}));
}

TEST(TfjsModel, QuantizedInt32RoundsAsMathRound) {
  // q * 0.5 - 2: -1.5, -0.5, 0.5, 1.5, 125.5 -> Math.round: -1, 0, 1, 2, 126.
  Json w = Weight("i", "int32", {5});
  w["quantization"] = {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -2}};
  const std::string path = WriteModel(
      Model({ConstNode("i", "DT_INT32", {5})}, {{{"paths", {"w.bin"}}, {"weights", {w}}}}),
      {{"w.bin", Bytes<uint8_t>({1, 3, 5, 7, 255})}});
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  const std::vector<uint32_t> bits = ConstBits(*g, "i");
  EXPECT_EQ(std::vector<int32_t>(bits.begin(), bits.end()),
            (std::vector<int32_t>{-1, 0, 1, 2, 126}));
}

TEST(TfjsModel, Float16WidensExactly) {
  Json w = Weight("h", "float32", {13});
  w["quantization"] = {{"dtype", "float16"}, {"original_dtype", "float32"}};
  // Smallest and largest subnormal, smallest normal, 1, -2, 65504, +-inf,
  // quiet NaN, a signalling NaN (payload kept, as TF.js's tables keep it),
  // -0, the smallest negative subnormal, 1/3.
  const std::string halves =
      Bytes<uint16_t>({0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0xfc00, 0x7e00,
                       0x7c01, 0x8000, 0x8001, 0x3555});
  const std::string path = WriteModel(
      Model({ConstNode("h", "DT_FLOAT", {13})}, {{{"paths", {"w.bin"}}, {"weights", {w}}}}),
      {{"w.bin", halves}});
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(ConstBits(*g, "h"),
            (std::vector<uint32_t>{0x33800000, 0x387fc000, 0x38800000, 0x3f800000, 0xc0000000,
                                   0x477fe000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f802000,
                                   0x80000000, 0xb3800000, 0x3eaaa000}));
}

TEST(TfjsModel, BoolAndWidenedWeights) {
  // TF.js's converter writes float64 and int64 weights as float32 and int32
  // but keeps the Const's dtype: the Const gets its own dtype back, exactly.
  Json nodes = {ConstNode("b", "DT_BOOL", {3}), ConstNode("d", "DT_DOUBLE", {1}),
                ConstNode("l", "DT_INT64", {2})};
  Json weights = {Weight("b", "bool", {3}), Weight("d", "float32", {1}), Weight("l", "int32", {2})};
  const std::string shard =
      Bytes<uint8_t>({0, 1, 7}) + Bytes<float>({0.1f}) + Bytes<int32_t>({-3, 5});
  const std::string path =
      WriteModel(Model(nodes, {{{"paths", {"w.bin"}}, {"weights", weights}}}), {{"w.bin", shard}});
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(Node(*g, "b").attr().at("value").tensor().tensor_content(), std::string("\0\1\1", 3));
  EXPECT_EQ(Node(*g, "d").attr().at("value").tensor().tensor_content(),
            Bytes<double>({static_cast<double>(0.1f)}));
  EXPECT_EQ(Node(*g, "d").attr().at("dtype").type(), tfproto::DT_DOUBLE);
  EXPECT_EQ(Node(*g, "l").attr().at("value").tensor().tensor_content(), Bytes<int64_t>({-3, 5}));
}

TEST(TfjsModel, SignatureOutputsInFileOrderAreTheDefault) {
  // Outputs r and y, "r" first in the file though "y" sorts first; the
  // metadata's signature (TF.js reads it first) names y by its key only.
  Json model = Model(AddReshapeNodes(),
                     {{{"paths", {"w.bin"}},
                       {"weights", {Weight("w", "float32", {3}), Weight("shape", "int32", {2})}}}});
  std::string text = model.dump();
  text.insert(1, R"("signature": {"outputs": {"z": {"name": "r:0"}, "a": {"name": "y"}}}, )");
  const std::string weights = Bytes<float>({1, 2, 3}) + Bytes<int32_t>({3, 1});
  const std::string path = WriteModel(model, {{"w.bin", weights}}, text);
  auto g = ReadTfjsModel(path);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->outputs, (std::vector<std::string>{"r:0", "y:0"}));
  frontends::ImportOptions options;
  options.input_shapes["x:0"] = {1, 3};
  auto imported = ImportTfjsModel(path, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->outputs().size(), 2u);
  EXPECT_EQ(imported->graph->outputs()[0]->name, "r:0");
  // The shard read, named as the manifest names it, for the source digest.
  ASSERT_EQ(imported->also_read.size(), 1u);
  EXPECT_EQ(imported->also_read[0].first, "w.bin");
  options.outputs = {"y:0"};  // --io-config outputs win
  imported = ImportTfjsModel(path, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->outputs().size(), 1u);

  std::string with_metadata = text;
  with_metadata.insert(1, R"("userDefinedMetadata": {"signature": {"outputs": {"y": {}}}}, )");
  auto metadata = ReadTfjsModelBytes(with_metadata, weights, "m.json");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_EQ(metadata->outputs, (std::vector<std::string>{"y:0"}));
}

// The error, which must be one line starting with the path ("" if none).
std::string ErrorOf(const Json& model, const std::map<std::string, std::string>& shards,
                    const std::string& json_text = "") {
  const std::string path = WriteModel(model, shards, json_text);
  auto g = ReadTfjsModel(path);
  if (g.ok()) return "";
  const std::string message(g.status().message());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  return message;
}

Json OneWeightModel(Json weight, const std::string& shard_path = "w.bin") {
  return Model({ConstNode("w", "DT_FLOAT", {3})},
               {{{"paths", {shard_path}}, {"weights", {std::move(weight)}}}});
}

const std::map<std::string, std::string> kShard = {{"w.bin", std::string(12, '\0')}};

TEST(TfjsModel, ShardPathsStayInsideTheModelDirectory) {
  const Json w = Weight("w", "float32", {3});
  EXPECT_THAT(ErrorOf(OneWeightModel(w, "/etc/passwd"), kShard),
              HasSubstr("weight shard '/etc/passwd' is an absolute path"));
  EXPECT_THAT(ErrorOf(OneWeightModel(w, "sub/../../w.bin"), kShard),
              HasSubstr("weight shard 'sub/../../w.bin' leaves model.json's directory"));
  EXPECT_THAT(ErrorOf(OneWeightModel(w, ""), kShard), HasSubstr("an empty path"));
  EXPECT_THAT(ErrorOf(OneWeightModel(w, "missing.bin"), kShard),
              HasSubstr("weight shard 'missing.bin': cannot open (No such file"));
  // A symbolic link out of the directory is refused, one inside it is fine.
  const std::string outside = absl::StrCat(std::getenv("TEST_TMPDIR"), "/outside.bin");
  WriteFile(outside, std::string(12, '\0'));
  const std::string path = WriteModel(OneWeightModel(w, "link.bin"), kShard);
  const std::string dir = path.substr(0, path.rfind('/'));
  ASSERT_EQ(::symlink(outside.c_str(), (dir + "/link.bin").c_str()), 0);
  EXPECT_THAT(std::string(ReadTfjsModel(path).status().message()),
              HasSubstr("weight shard 'link.bin' resolves outside model.json's directory"));
  ::unlink((dir + "/link.bin").c_str());
  ASSERT_EQ(::symlink("w.bin", (dir + "/link.bin").c_str()), 0);
  EXPECT_TRUE(ReadTfjsModel(path).ok());
  // Only regular files.
  ::mkdir((dir + "/d.bin").c_str(), 0755);
  const std::string json = OneWeightModel(w, "d.bin").dump();
  WriteFile(path, json);
  EXPECT_THAT(
      std::string(ReadTfjsModel(path).status().message()),
      HasSubstr("weight shard 'd.bin': " + dir + "/d.bin: not a regular file (a directory)"));
}

TEST(TfjsModel, ShardsMustHoldExactlyTheManifestsBytes) {
  const Json w = Weight("w", "float32", {3});
  EXPECT_THAT(ErrorOf(OneWeightModel(w), {{"w.bin", std::string(10, '\0')}}),
              HasSubstr("weightsManifest needs 12 bytes but its shards hold 10 (1 shard)"));
  EXPECT_THAT(ErrorOf(OneWeightModel(w), {{"w.bin", std::string(13, '\0')}}),
              HasSubstr("weightsManifest needs 12 bytes but its shards hold 13"));
  auto in_memory = ReadTfjsModelBytes(OneWeightModel(w).dump(), std::string(4, '\0'), "m.json");
  EXPECT_THAT(std::string(in_memory.status().message()),
              HasSubstr("m.json: weightsManifest needs 12 bytes but its shards hold 4"));
}

TEST(TfjsModel, WeightsAndConstsMustMatch) {
  // A Const with no weight, a weight with no node or on a non-Const node.
  Json two = Model({ConstNode("w", "DT_FLOAT", {3}), ConstNode("v", "DT_FLOAT", {1})},
                   {{{"paths", {"w.bin"}}, {"weights", {Weight("w", "float32", {3})}}}});
  EXPECT_THAT(ErrorOf(two, kShard), HasSubstr("Const 'v' has no weight in weightsManifest"));
  EXPECT_THAT(ErrorOf(OneWeightModel(Weight("u", "float32", {3})), kShard),
              HasSubstr("weight 'u' in weightsManifest has no Const node in modelTopology"));
  Json on_placeholder = Model({PlaceholderNode("w", {3})},
                              {{{"paths", {"w.bin"}}, {"weights", {Weight("w", "float32", {3})}}}});
  EXPECT_THAT(ErrorOf(on_placeholder, kShard),
              HasSubstr("weight 'w' names a 'Placeholder' node, not a Const"));
  Json twice = Model({ConstNode("w", "DT_FLOAT", {1})},
                     {{{"paths", {"w.bin"}},
                       {"weights", {Weight("w", "float32", {1}), Weight("w", "float32", {2})}}}});
  EXPECT_THAT(ErrorOf(twice, kShard), HasSubstr("weight 'w' appears twice"));
  // Shape and dtype.
  EXPECT_THAT(ErrorOf(OneWeightModel(Weight("w", "float32", {1, 3})), kShard),
              HasSubstr("weight 'w' has shape [1,3] in weightsManifest but [3] in modelTopology"));
  EXPECT_THAT(
      ErrorOf(OneWeightModel(Weight("w", "int32", {3})), kShard),
      HasSubstr("weight 'w' has dtype int32 in weightsManifest but DT_FLOAT in modelTopology"));
  EXPECT_THAT(
      ErrorOf(OneWeightModel(Weight("w", "string", {3})), kShard),
      HasSubstr("weight 'w' has dtype \"string\"; neuron-cc reads float32, int32 and bool"));
}

TEST(TfjsModel, QuantizationErrors) {
  auto quantized = [](Json q) {
    Json w = Weight("w", "float32", {3});
    w["quantization"] = std::move(q);
    return OneWeightModel(w);
  };
  EXPECT_THAT(ErrorOf(quantized({{"dtype", "int4"}}), kShard),
              HasSubstr("weight 'w' has quantization dtype 'int4'; TF.js quantizes to uint8, "
                        "uint16 or float16"));
  EXPECT_THAT(ErrorOf(quantized({{"dtype", "uint8"}, {"scale", 1}}), kShard),
              HasSubstr("weight 'w' is quantized as uint8 without a numeric scale and min"));
  Json int_half = Weight("w", "int32", {3});
  int_half["quantization"] = {{"dtype", "float16"}};
  EXPECT_THAT(ErrorOf(OneWeightModel(int_half), kShard),
              HasSubstr("weight 'w' is int32 quantized as float16"));
  Json huge = Weight("w", "int32", {3});
  huge["quantization"] = {{"dtype", "uint8"}, {"scale", 1e10}, {"min", 0}};
  Json int_model =
      Model({ConstNode("w", "DT_INT32", {3})}, {{{"paths", {"w.bin"}}, {"weights", {huge}}}});
  EXPECT_THAT(ErrorOf(int_model, {{"w.bin", std::string("\0\1\2", 3)}}),
              HasSubstr("weight 'w' (int32) dequantizes to 1e+10, outside int32"));
}

TEST(TfjsModel, ShapesThatDoNotFit) {
  EXPECT_THAT(ErrorOf(OneWeightModel(Weight("w", "float32", {-1})), kShard),
              HasSubstr("weight 'w' has dimension -1; dimensions are integers from 0 to 2^31"));
  EXPECT_THAT(ErrorOf(OneWeightModel(Weight("w", "float32", {1 << 20, 1 << 20, 1 << 20})), kShard),
              HasSubstr("weight 'w' of shape [1048576,1048576,1048576] is larger than 1 GiB"));
  // Past the bound, a zero dimension still makes the weight empty.
  Json empty = Model(
      {ConstNode("w", "DT_FLOAT", {1 << 20, 1 << 20, 0})},
      {{{"paths", Json::array()}, {"weights", {Weight("w", "float32", {1 << 20, 1 << 20, 0})}}}});
  EXPECT_EQ(ErrorOf(empty, {}), "");
}

TEST(TfjsModel, MalformedJson) {
  const Json model = OneWeightModel(Weight("w", "float32", {3}));
  EXPECT_THAT(ErrorOf(model, kShard, "{\"format\": \"graph-model\",\n  \"modelTopology\": x}"),
              HasSubstr("malformed JSON: parse error at line 2, column 20: syntax error"));
  EXPECT_THAT(ErrorOf(model, kShard, std::string("{\"a\": 1}\0{", 10)),
              HasSubstr("a NUL byte at offset 8"));
  EXPECT_THAT(ErrorOf(model, kShard, std::string(100, '[') + std::string(100, ']')),
              HasSubstr("JSON nested deeper than 64 levels at offset 64"));
  EXPECT_THAT(ErrorOf(model, kShard, "[1, 2]"), HasSubstr("not a JSON object"));
  Json layers = model;
  layers["format"] = "layers-model";
  EXPECT_THAT(ErrorOf(layers, kShard),
              HasSubstr("a TF.js layers model; neuron-cc reads graph models"));
  Json no_nodes = model;
  no_nodes["modelTopology"] = {{"class_name", "Sequential"}};
  EXPECT_THAT(ErrorOf(no_nodes, kShard), HasSubstr("modelTopology has no node list"));
  Json bad_topology = model;
  bad_topology["modelTopology"]["node"][0]["attr"]["dtype"] = {{"type", 3.5}};
  EXPECT_THAT(ErrorOf(bad_topology, kShard), HasSubstr("modelTopology is not a GraphDef"));
  Json bad_manifest = model;
  bad_manifest["weightsManifest"] = {{{"paths", "w.bin"}}};
  EXPECT_THAT(ErrorOf(bad_manifest, kShard),
              HasSubstr("weightsManifest[0] needs a list of paths and a list of weights"));
}

TEST(TfjsModel, SizeLimitIsCheckedBeforeReading) {
  const std::string dir = TestDir();
  const std::string path = dir + "/model.json";
  WriteFile(path, "{}");
  ASSERT_EQ(::truncate(path.c_str(), kTfjsModelJsonLimit + 1), 0);  // sparse
  EXPECT_THAT(
      std::string(ReadTfjsModel(path).status().message()),
      HasSubstr(path + ": 67108865 bytes is over the limit of 64 MiB for a TF.js model.json"));
}

TEST(TfjsModel, OneGraphSoNoTagsOrSignature) {
  const std::string path = WriteModel(OneWeightModel(Weight("w", "float32", {3})), kShard);
  frontends::ImportOptions options;
  options.signature = "serving_default";
  auto imported = TensorflowFrontend::Get().Import({path}, options);
  EXPECT_THAT(std::string(imported.status().message()),
              HasSubstr(path + ": --tags and --signature choose a graph of a TensorFlow "
                               "SavedModel; a TF.js graph model has one graph"));
  options.signature.clear();
  options.tags = {"serve"};
  const std::string pb = TestDir() + "/model.pb";
  WriteFile(pb, "");
  EXPECT_THAT(std::string(TensorflowFrontend::Get().Import({pb}, options).status().message()),
              HasSubstr("a frozen GraphDef has one graph"));
}

}  // namespace
}  // namespace ncc::tensorflow_frontend
