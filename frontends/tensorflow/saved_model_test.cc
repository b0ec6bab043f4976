// SavedModels written here: the graph as SavedModel text, the variables as a
// tensor bundle whose index is built with libleveldb's TableBuilder (as
// TensorFlow's own writer lays it out: uncompressed, BundleHeaderProto under
// the empty key).
#include "frontends/tensorflow/saved_model.h"

#include <google/protobuf/text_format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/tensorflow/bundle.h"
#include "frontends/tensorflow/proto/saved_model.pb.h"
#include "frontends/tensorflow/proto/tensor_bundle.pb.h"
#include "frontends/tensorflow/tensorflow_frontend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leveldb/env.h"
#include "leveldb/options.h"
#include "leveldb/table_builder.h"

namespace ncc::tensorflow_frontend {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// ---- writing bundles -------------------------------------------------------

class StringFile : public leveldb::WritableFile {
 public:
  explicit StringFile(std::string* out) : out_(out) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    out_->append(data.data(), data.size());
    return leveldb::Status::OK();
  }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }

 private:
  std::string* out_;
};

std::string LevelDbTable(const std::map<std::string, std::string>& entries,
                         leveldb::CompressionType compression = leveldb::kNoCompression) {
  std::string out;
  StringFile file(&out);
  leveldb::Options options;
  options.compression = compression;
  options.block_size = 64;  // several data blocks even for small bundles
  leveldb::TableBuilder builder(options, &file);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  EXPECT_TRUE(builder.Finish().ok());
  return out;
}

std::string Floats(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

struct Tensor {
  std::string key;
  std::vector<int64_t> shape;
  std::string bytes;
  tfproto::DataType dtype = tfproto::DT_FLOAT;
};

struct Bundle {
  std::string index;
  std::string data;
  std::map<std::string, std::string> entries;  // what the index holds
};

tfproto::BundleEntryProto Entry(const Tensor& t, int64_t offset) {
  tfproto::BundleEntryProto entry;
  entry.set_dtype(t.dtype);
  for (int64_t d : t.shape) entry.mutable_shape()->add_dim()->set_size(d);
  entry.set_offset(offset);
  entry.set_size(static_cast<int64_t>(t.bytes.size()));
  entry.set_crc32c(MaskCrc32c(Crc32c(t.bytes.data(), t.bytes.size())));
  return entry;
}

Bundle MakeBundle(const std::vector<Tensor>& tensors, int num_shards = 1) {
  Bundle b;
  tfproto::BundleHeaderProto header;
  header.set_num_shards(num_shards);
  header.mutable_version()->set_producer(1);
  b.entries[""] = header.SerializeAsString();
  for (const Tensor& t : tensors) {
    b.entries[t.key] = Entry(t, static_cast<int64_t>(b.data.size())).SerializeAsString();
    b.data += t.bytes;
  }
  b.index = LevelDbTable(b.entries);
  return b;
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// ---- SavedModel text -------------------------------------------------------

std::string Shape(const std::vector<int64_t>& dims) {
  std::string d;
  for (int64_t v : dims) absl::StrAppend(&d, " dim { size: ", v, " }");
  return absl::StrCat("shape {", d, " }");
}

std::string Node(const std::string& name, const std::string& op,
                 const std::vector<std::string>& inputs, const std::string& attrs = "") {
  std::string in;
  for (const std::string& i : inputs) absl::StrAppend(&in, " input: '", i, "'");
  return absl::StrCat("node { name: '", name, "' op: '", op, "'", in, " ", attrs, " }\n");
}

std::string Attr(const std::string& key, const std::string& value) {
  return absl::StrCat("attr { key: '", key, "' value { ", value, " } } ");
}

std::string Float() { return Attr("dtype", "type: DT_FLOAT"); }

std::string Placeholder(const std::string& name, const std::vector<int64_t>& dims) {
  return Node(name, "Placeholder", {}, Float() + Attr("shape", Shape(dims)));
}

std::string Strings(const std::string& name, const std::vector<std::string>& values) {
  std::string v;
  for (const std::string& s : values) absl::StrAppend(&v, " string_val: '", s, "'");
  return Node(
      name, "Const", {},
      Attr("dtype", "type: DT_STRING") +
          Attr("value", absl::StrCat("tensor { dtype: DT_STRING tensor_shape { dim { size: ",
                                     values.size(), " } }", v, " }")));
}

// The restore graph TF writes: RestoreV2 over tensor_names, each output
// assigned (through an Identity for the first, as TF1 savers do).
std::string RestoreGraph(const std::vector<std::pair<std::string, std::string>>& var_keys,
                         const std::string& assign_op) {
  std::vector<std::string> keys;
  std::vector<std::string> blanks;
  for (const auto& vk : var_keys) {
    keys.push_back(vk.second);
    blanks.push_back("");
  }
  std::string g =
      Strings("save/Const", {"model"}) + Strings("save/RestoreV2/tensor_names", keys) +
      Strings("save/RestoreV2/shape_and_slices", blanks) +
      Node("save/RestoreV2", "RestoreV2",
           {"save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"});
  std::vector<std::string> assigns;
  for (size_t i = 0; i < var_keys.size(); ++i) {
    std::string source = absl::StrCat("save/RestoreV2:", i);
    if (i == 0) {
      g += Node("save/Identity", "Identity", {source});
      source = "save/Identity";
    }
    const std::string assign = absl::StrCat("save/Assign_", i);
    g += Node(assign, assign_op, {var_keys[i].first, source});
    assigns.push_back("^" + assign);
  }
  return g + Node("save/restore_all", "NoOp", assigns);
}

std::string Signature(const std::string& name, const std::map<std::string, std::string>& inputs,
                      const std::map<std::string, std::string>& outputs) {
  std::string s = absl::StrCat("signature_def { key: '", name, "' value {");
  for (const auto& [k, t] : inputs) {
    absl::StrAppend(&s, " inputs { key: '", k, "' value { name: '", t, "' dtype: DT_FLOAT } }");
  }
  for (const auto& [k, t] : outputs) {
    absl::StrAppend(&s, " outputs { key: '", k, "' value { name: '", t, "' dtype: DT_FLOAT } }");
  }
  return s + " method_name: 'tensorflow/serving/predict' } }\n";
}

std::string MetaGraph(const std::vector<std::string>& tags, const std::string& graph,
                      const std::string& signatures) {
  std::string t;
  for (const std::string& tag : tags) absl::StrAppend(&t, " tags: '", tag, "'");
  return absl::StrCat("meta_graphs { meta_info_def {", t, " } graph_def { ", graph,
                      " versions { producer: 1205 } }\n", signatures, "}\n");
}

// Writes DIR/saved_model.pb (binary; .pbtxt when `text`) and the bundle.
fs::path WriteSavedModel(const std::string& name, const std::string& saved_model_text,
                         const Bundle& bundle, bool text = false) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  tfproto::SavedModel saved;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(saved_model_text, &saved));
  WriteFile(dir / (text ? "saved_model.pbtxt" : "saved_model.pb"),
            text ? saved_model_text : saved.SerializeAsString());
  WriteFile(dir / "variables/variables.index", bundle.index);
  WriteFile(dir / "variables/variables.data-00000-of-00001", bundle.data);
  return dir;
}

// ---- the models -------------------------------------------------------------

const std::vector<float> kKernel = {1, 2, 3, 4, 5, 6};  // [2,3]
const std::vector<float> kBias = {0.5f, -1, 2};
// x = [1, 2]: x @ kernel + bias, and its ReLU.
const std::vector<float> kLogits = {9.5f, 11, 17};

// TF2 style: resource variables read by ReadVariableOp, restored from keys
// that are neither their node names nor their shared_names.
std::string Tf2Graph(bool with_restore) {
  std::string g =
      Placeholder("serving_default_x", {-1, 2}) +
      Node("dense/kernel", "VarHandleOp", {},
           Float() + Attr("shape", Shape({2, 3})) + Attr("shared_name", "s: 'dense/kernel'")) +
      Node("dense/bias", "VarHandleOp", {},
           Float() + Attr("shape", Shape({3})) + Attr("shared_name", "s: 'dense/bias'")) +
      Node("dense/MatMul/ReadVariableOp", "ReadVariableOp", {"dense/kernel"}, Float()) +
      Node("dense/MatMul", "MatMul", {"serving_default_x", "dense/MatMul/ReadVariableOp"},
           Attr("T", "type: DT_FLOAT")) +
      Node("dense/BiasAdd/ReadVariableOp", "ReadVariableOp", {"dense/bias"}, Float()) +
      Node("dense/BiasAdd", "BiasAdd", {"dense/MatMul", "dense/BiasAdd/ReadVariableOp"},
           Attr("T", "type: DT_FLOAT")) +
      Node("relu", "Relu", {"dense/BiasAdd", "^save/restore_all"}, Attr("T", "type: DT_FLOAT"));
  if (with_restore) {
    g += RestoreGraph({{"dense/bias", "layer/bias/.ATTRIBUTES/VARIABLE_VALUE"},
                       {"dense/kernel", "layer/kernel/.ATTRIBUTES/VARIABLE_VALUE"}},
                      "AssignVariableOp");
  }
  return g;
}

std::string Tf2SavedModel(bool with_restore = true) {
  return MetaGraph(
             {"serve"}, Tf2Graph(with_restore),
             Signature("serving_default", {{"x", "serving_default_x:0"}},
                       {{"scores", "relu:0"}, {"logits", "dense/BiasAdd"}}) +
                 Signature("relu_only", {{"x", "serving_default_x:0"}}, {{"out", "relu:0"}})) +
         MetaGraph({"train", "serve"}, Tf2Graph(with_restore), "");
}

// The restore graph's keys; decoys under the shared names hold other values,
// so reading them instead would show.
Bundle Tf2Bundle() {
  return MakeBundle({{"layer/kernel/.ATTRIBUTES/VARIABLE_VALUE", {2, 3}, Floats(kKernel)},
                     {"layer/bias/.ATTRIBUTES/VARIABLE_VALUE", {3}, Floats(kBias)},
                     {"dense/kernel", {2, 3}, Floats({0, 0, 0, 0, 0, 0})},
                     {"dense/bias", {3}, Floats({7, 7, 7})}});
}

frontends::ImportOptions FrozenX() {
  frontends::ImportOptions options;
  options.frozen_inputs["x"] = {ir::DType::kF32, {1, 2}, {}};
  const std::string x = Floats({1, 2});
  options.frozen_inputs["x"].data.assign(x.begin(), x.end());
  return options;
}

// The values of output i of a graph whose inputs were all frozen (so that
// import folded it to a constant).
std::vector<float> OutputValues(const ir::Graph& graph, size_t i) {
  const ir::Value* v = graph.outputs().at(i);
  while (!v->is_constant && v->producer != nullptr && v->producer->type == "Identity") {
    v = v->producer->inputs[0];
  }
  EXPECT_TRUE(v->is_constant) << v->name;
  if (!v->is_constant) return {};
  return std::vector<float>(v->data_as<float>(), v->data_as<float>() + v->num_elements());
}

const tfproto::NodeDef* FindNode(const tfproto::GraphDef& graph, const std::string& name) {
  for (const tfproto::NodeDef& node : graph.node()) {
    if (node.name() == name) return &node;
  }
  return nullptr;
}

// ---- tests ------------------------------------------------------------------

TEST(Crc32c, KnownValueAndFastMatchesPortableOnAwkwardSizes) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable("123456789", 9), 0xE3069283u);
  std::string bytes(1100, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  for (size_t offset : {0, 1, 3, 7}) {
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 1000}) {
      EXPECT_EQ(Crc32c(bytes.data() + offset, n), Crc32cPortable(bytes.data() + offset, n))
          << offset << " " << n;
    }
  }
  const uint32_t whole = Crc32c(bytes.data(), 1000);
  EXPECT_EQ(Crc32c(bytes.data() + 300, 700, Crc32c(bytes.data(), 300)), whole);
  EXPECT_EQ(MaskCrc32c(0), 0xa282ead8u);
}

TEST(TensorBundle, ReadsEntriesAndCheckedBytes) {
  const Bundle b = Tf2Bundle();
  auto bundle = TensorBundle::FromMemory(b.index, {b.data}, "m/variables/variables");
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->num_shards(), 1);
  EXPECT_EQ(bundle->entries().size(), 4u);
  const BundleEntry* kernel = bundle->Find("layer/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->shape, (std::vector<int64_t>{2, 3}));
  auto bytes = bundle->Read("layer/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, Floats(kKernel));
  EXPECT_EQ(bundle->ShardPath(0), "m/variables/variables.data-00000-of-00001");
  EXPECT_EQ(bundle->Read("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(TensorBundle, CorruptIndexesAreOneLineErrors) {
  const Bundle b = Tf2Bundle();
  auto open = [](std::string index) {
    return TensorBundle::FromMemory(std::move(index), {}, "m/variables/variables").status();
  };
  for (const std::string& index :
       {std::string("not a table"), b.index.substr(0, b.index.size() - 1), b.index.substr(10),
        std::string(48, '\0')}) {
    const absl::Status s = open(index);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(s.message(), HasSubstr("m/variables/variables.index: not a tensor bundle index"));
  }
  // A flipped byte inside a block: LevelDB's block CRC.
  std::string flipped = b.index;
  flipped[20] ^= 0x40;
  EXPECT_THAT(open(flipped).message(), HasSubstr("orrupt"));
  // A footer claiming an exabyte-sized index block: refused, not allocated.
  std::string footer;
  for (uint8_t c : {0, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}) footer += c;
  footer.resize(40, '\0');
  const uint64_t magic = 0xdb4775248b80fb57ull;
  footer.append(reinterpret_cast<const char*>(&magic), 8);
  EXPECT_THAT(open(footer).message(), HasSubstr("runs past the end"));
  // TensorFlow never compresses an index; snappy never sees one.
  std::map<std::string, std::string> entries = b.entries;
  entries["padding"] = std::string(500, 'a');
  EXPECT_THAT(open(LevelDbTable(entries, leveldb::kSnappyCompression)).message(),
              HasSubstr("compressed"));
  // An entry whose size does not match its shape.
  tfproto::BundleEntryProto bad = Entry({"k", {2, 3}, Floats({1, 2, 3})}, 0);
  entries = b.entries;
  entries["k"] = bad.SerializeAsString();
  EXPECT_THAT(open(LevelDbTable(entries)).message(),
              HasSubstr("tensor 'k': its 12 bytes do not hold 6 elements of DT_FLOAT"));
  // No header.
  entries.erase("");
  EXPECT_THAT(open(LevelDbTable(entries)).message(), HasSubstr("no bundle header"));
}

TEST(TensorBundle, UnreadableTensorsAreRefusedByName) {
  Bundle b = Tf2Bundle();
  std::map<std::string, std::string> entries = b.entries;
  entries["names"] = Entry({"names", {2}, "xy", tfproto::DT_STRING}, 0).SerializeAsString();
  tfproto::BundleEntryProto sliced = Entry({"part", {2}, ""}, 0);
  sliced.add_slices()->add_extent()->set_start(0);
  entries["part"] = sliced.SerializeAsString();
  auto bundle = TensorBundle::FromMemory(LevelDbTable(entries), {b.data}, "v");
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_THAT(bundle->Read("names").status().message(),
              HasSubstr("v.index: tensor 'names' has dtype DT_STRING"));
  EXPECT_THAT(bundle->Read("part").status().message(), HasSubstr("saved in slices"));
}

TEST(SavedModel, Tf2ResourceVariablesFreezeFromTheRestoreGraphsKeys) {
  const fs::path dir = WriteSavedModel("tf2", Tf2SavedModel(), Tf2Bundle());
  auto frozen = FreezeSavedModel(dir, {});
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  EXPECT_EQ(frozen->variables, 2);
  EXPECT_EQ(frozen->output_tensors, (std::vector<std::string>{"dense/BiasAdd:0", "relu:0"}));
  // Only what the outputs need: no handles, no restore graph.
  for (const char* gone : {"dense/kernel", "save/RestoreV2", "save/restore_all"}) {
    EXPECT_EQ(FindNode(frozen->graph, gone), nullptr) << gone;
  }
  const tfproto::NodeDef* kernel = FindNode(frozen->graph, "dense/MatMul/ReadVariableOp");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->op(), "Const");
  EXPECT_EQ(kernel->attr().at("value").tensor().tensor_content(), Floats(kKernel));
  EXPECT_EQ(FindNode(frozen->graph, "relu")->input_size(), 1);  // ^save/restore_all dropped

  auto imported = ImportSavedModel(dir, FrozenX());
  ASSERT_TRUE(imported.ok()) << imported.status();
  const ir::Graph& g = *imported->graph;
  ASSERT_EQ(g.outputs().size(), 2u);
  EXPECT_EQ(g.outputs()[0]->name, "logits");
  EXPECT_EQ(g.outputs()[1]->name, "scores");
  EXPECT_EQ(OutputValues(g, 0), kLogits);
  EXPECT_EQ(OutputValues(g, 1), kLogits);  // all positive
  EXPECT_THAT(imported->producer, HasSubstr("TensorFlow SavedModel (tags {serve}, signature "
                                            "'serving_default', 2 variables"));
}

TEST(SavedModel, InputsAndOutputsAreNamedBySignatureKeys) {
  const fs::path dir = WriteSavedModel("tf2_names", Tf2SavedModel(), Tf2Bundle());
  frontends::ImportOptions options;
  options.input_shapes["x"] = {4, 2};
  auto imported = TensorflowFrontend::Get().Import({dir.string()}, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->inputs().size(), 1u);
  EXPECT_EQ(imported->graph->inputs()[0]->name, "x");
  EXPECT_EQ(imported->graph->inputs()[0]->shape, (ir::Shape{4, 2}));
  // The tensor name works too; outputs in the order asked, keys or tensors.
  options.input_shapes = {{"serving_default_x:0", {3, 2}}};
  options.outputs = {"scores", "dense/BiasAdd:0"};
  imported = TensorflowFrontend::Get().Import({dir.string()}, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->graph->inputs()[0]->shape, (ir::Shape{3, 2}));
  EXPECT_EQ(imported->graph->outputs()[0]->name, "scores");
  EXPECT_EQ(imported->graph->outputs()[1]->name, "logits");
  // Another signature.
  options = {};
  options.input_shapes["x"] = {1, 2};
  options.signature = "relu_only";
  imported = TensorflowFrontend::Get().Import({dir.string()}, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->graph->outputs().size(), 1u);
  EXPECT_EQ(imported->graph->outputs()[0]->name, "out");
  // A name that is neither.
  options.input_shapes = {{"y", {1, 2}}};
  auto wrong = TensorflowFrontend::Get().Import({dir.string()}, options);
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("--input-shape names 'y', which is not an input of signature "
                        "'relu_only' (inputs: 'x' (serving_default_x:0))"));
  // An unpinned dimension names the tensor.
  auto unpinned = TensorflowFrontend::Get().Import({dir.string()}, {});
  EXPECT_THAT(unpinned.status().message(),
              HasSubstr("placeholder 'serving_default_x:0' has an unknown dimension 0"));
}

TEST(SavedModel, WithoutARestoreGraphVariablesAreFoundByTheirSharedNames) {
  const Bundle b =
      MakeBundle({{"dense/kernel", {2, 3}, Floats(kKernel)}, {"dense/bias", {3}, Floats(kBias)}});
  const fs::path dir = WriteSavedModel("tf2_shared", Tf2SavedModel(false), b);
  auto imported = ImportSavedModel(dir, FrozenX());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(OutputValues(*imported->graph, 0), kLogits);
}

TEST(SavedModel, Tf1VariablesReadThroughIdentityFromText) {
  const std::string graph =
      Placeholder("x", {1, 2}) +
      Node("w", "VariableV2", {}, Float() + Attr("shape", Shape({2, 3}))) +
      Node("w/read", "Identity", {"w"}) +
      Node("b", "VariableV2", {}, Float() + Attr("shape", Shape({3}))) +
      Node("b/read", "Identity", {"b"}) +
      Node("b/Initializer/zeros", "Const", {},
           Float() + Attr("value",
                          "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
                          "float_val: 0 }")) +
      Node("b/Assign", "Assign", {"b", "b/Initializer/zeros"}) +
      Node("mm", "MatMul", {"x", "w/read"}) + Node("y", "Add", {"mm", "b/read"}) +
      RestoreGraph({{"b", "b"}, {"w", "w"}}, "Assign");
  const std::string text =
      MetaGraph({"serve"}, graph, Signature("serving_default", {{"input", "x:0"}}, {{"y", "y:0"}}));
  const Bundle b = MakeBundle({{"w", {2, 3}, Floats(kKernel)}, {"b", {3}, Floats(kBias)}});
  const fs::path dir = WriteSavedModel("tf1", text, b, /*text=*/true);
  frontends::ImportOptions options = FrozenX();
  options.frozen_inputs["input"] = options.frozen_inputs["x"];
  options.frozen_inputs.erase("x");
  auto imported = ImportSavedModel(dir, options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->graph->outputs()[0]->name, "y");
  EXPECT_EQ(OutputValues(*imported->graph, 0), kLogits);
}

TEST(SavedModel, MissingTruncatedAndCorruptVariablesNameTheFileAndTensor) {
  const Bundle b = Tf2Bundle();
  const std::string shard = "variables/variables.data-00000-of-00001";
  const fs::path dir = WriteSavedModel("broken", Tf2SavedModel(), b);
  auto import = [&] { return ImportSavedModel(dir, FrozenX()).status(); };

  fs::remove(dir / shard);
  absl::Status s = import();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat((dir / shard).string(),
                                     ": no such file (the SavedModel's variables are incomplete")));

  std::string corrupt = b.data;
  corrupt[2] ^= 1;  // inside the kernel, the first tensor by offset
  WriteFile(dir / shard, corrupt);
  s = import();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("tensor 'layer/kernel/.ATTRIBUTES/VARIABLE_VALUE' (bytes "
                                     "[0, 24)) fails its CRC-32C check"));

  WriteFile(dir / shard, b.data.substr(0, 20));
  s = import();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("but the file has"));
  EXPECT_THAT(s.message(), HasSubstr("(truncated)"));

  WriteFile(dir / shard, b.data);
  WriteFile(dir / "variables/variables.index", b.index.substr(0, 100));
  s = import();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("variables.index: not a tensor bundle index"));

  fs::remove(dir / "variables/variables.index");
  EXPECT_THAT(import().message(), HasSubstr("the SavedModel's variables are missing"));
}

TEST(SavedModel, EntryPastTheShardsEnd) {
  Bundle b = Tf2Bundle();
  tfproto::BundleEntryProto past = Entry({"x", {3}, Floats(kBias)}, 0);
  past.set_offset(static_cast<int64_t>(b.data.size()) - 4);
  b.entries["layer/bias/.ATTRIBUTES/VARIABLE_VALUE"] = past.SerializeAsString();
  b.index = LevelDbTable(b.entries);
  const fs::path dir = WriteSavedModel("past_end", Tf2SavedModel(), b);
  const absl::Status s = ImportSavedModel(dir, FrozenX()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat("variables.data-00000-of-00001: tensor "
                                     "'layer/bias/.ATTRIBUTES/VARIABLE_VALUE' is bytes [",
                                     b.data.size() - 4, ", ", b.data.size() + 8,
                                     ") but the file has ", b.data.size(), " bytes")));
}

TEST(SavedModel, WrongTagsAndSignaturesListWhatThereIs) {
  const fs::path dir = WriteSavedModel("choices", Tf2SavedModel(), Tf2Bundle());
  frontends::ImportOptions options;
  options.tags = {"serve", "gpu"};
  absl::Status s = ImportSavedModel(dir, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("saved_model.pb: no MetaGraph has the tag set {gpu,serve} (the "
                        "SavedModel has {serve}, {serve,train}); choose one with --tags"));
  options.tags = {"train", "serve"};  // exists, but has no signatures
  s = ImportSavedModel(dir, options).status();
  EXPECT_THAT(s.message(), HasSubstr("has no signature 'serving_default' (signatures: none)"));
  options.tags = {};
  options.signature = "predict";
  s = ImportSavedModel(dir, options).status();
  EXPECT_THAT(s.message(),
              HasSubstr("the MetaGraph tagged {serve} has no signature 'predict' (signatures: "
                        "'relu_only', 'serving_default'); choose one with --signature"));
}

TEST(SavedModel, FunctionCallsAndOddFilesAreRefused) {
  const std::string graph =
      Placeholder("serving_default_x", {1, 2}) +
      Node("v", "VarHandleOp", {}, Float() + Attr("shape", Shape({2}))) +
      Node("StatefulPartitionedCall", "StatefulPartitionedCall", {"serving_default_x", "v"},
           Attr("f", "func { name: '__inference_signature_wrapper_42' }"));
  const fs::path dir =
      WriteSavedModel("tf2_function",
                      MetaGraph({"serve"}, graph,
                                Signature("serving_default", {{"x", "serving_default_x:0"}},
                                          {{"y", "StatefulPartitionedCall:0"}})),
                      Tf2Bundle());
  absl::Status s = ImportSavedModel(dir, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(),
              HasSubstr("signature 'serving_default' is computed by StatefulPartitionedCall "
                        "'StatefulPartitionedCall', a call of function "
                        "'__inference_signature_wrapper_42'"));

  const fs::path empty = fs::path(::testing::TempDir()) / "empty_dir";
  fs::create_directories(empty);
  s = TensorflowFrontend::Get().Import({empty.string()}, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("without saved_model.pb or saved_model.pbtxt"));

  WriteFile(dir / "saved_model.pb", "\x0a\xff garbage");
  s = ImportSavedModel(dir, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("saved_model.pb: not a binary SavedModel, or truncated"));

  // A frozen GraphDef has one graph.
  WriteFile(empty / "g.pbtxt", Placeholder("x", {1}));
  frontends::ImportOptions options;
  options.signature = "serving_default";
  s = TensorflowFrontend::Get().Import({(empty / "g.pbtxt").string()}, options).status();
  EXPECT_THAT(s.message(), HasSubstr("a frozen GraphDef has one graph"));
}

}  // namespace
}  // namespace ncc::tensorflow_frontend
