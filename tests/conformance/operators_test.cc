// The operator registry is the one truth: the importer checks nodes against
// it, `neuron-cc list-operators` prints it, and the lowering implements
// exactly its ops.
//
// Usage (from Bazel): operators_test PATH_TO_NEURON_CC
#include <sys/wait.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/lower/lower.h"
#include "frontends/onnx/op_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/defs/schema.h"

namespace ncc {
namespace {

using onnx_frontend::OnnxOpSupport;
using onnx_frontend::OnnxSupportedOps;

std::string g_neuron_cc;

// Runs a command and returns its stdout; *exit_code gets the exit status.
std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string Diff(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> only;
  for (const std::string& x : a) {
    if (b.count(x) == 0) only.push_back(x);
  }
  return absl::StrJoin(only, ", ");
}

TEST(OperatorsTest, RegistryAndLoweringListTheSameOps) {
  std::set<std::string> registry, lowering;
  for (const OnnxOpSupport& op : OnnxSupportedOps()) {
    if ((op.flags & onnx_frontend::kFrontendOnly) == 0) registry.insert(op.op_type);
  }
  // IR-only ops (produced by compiler/passes, e.g. Gelu, which ai.onnx only
  // gains in opset 20, after the bundled ONNX's 17) are not ONNX operators.
  for (const std::string& op : lower::SupportedOpTypes()) {
    if (onnx::OpSchemaRegistry::Schema(op, onnx_frontend::kLatestOnnxOpset, "") != nullptr) {
      lowering.insert(op);
    }
  }
  EXPECT_EQ(Diff(lowering, registry), "")
      << "lowered in compiler/lower but missing from frontends/onnx/op_registry.cc: add a "
         "row to kOps";
  EXPECT_EQ(Diff(registry, lowering), "")
      << "in frontends/onnx/op_registry.cc but not lowered by compiler/lower";
}

TEST(OperatorsTest, CliJsonIsTheRegistry) {
  int code = -1;
  std::string json = RunCommand(g_neuron_cc + " list-operators --framework ONNX --json", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(json, onnx_frontend::FormatOperatorJson());
  // Every listed op is one the importer's check accepts, and no other.
  std::set<std::string> listed;
  for (size_t pos = 0; (pos = json.find("\"op_type\": \"", pos)) != std::string::npos;) {
    pos += 12;
    listed.insert(json.substr(pos, json.find('"', pos) - pos));
  }
  std::set<std::string> accepted;
  for (const OnnxOpSupport& op : OnnxSupportedOps()) {
    onnx::NodeProto node;
    node.set_op_type(op.op_type);
    for (const auto& u : onnx_frontend::CheckOnnxNode(node, "n", op.max_opset, {})) {
      EXPECT_NE(u.reason, "op type is not supported") << op.op_type;
    }
    accepted.insert(op.op_type);
  }
  EXPECT_EQ(listed, accepted);
  onnx::NodeProto softmax;
  softmax.set_op_type("Hardmax");
  EXPECT_EQ(listed.count("Hardmax") > 0,
            onnx_frontend::CheckOnnxNode(softmax, "n", 13, {}).empty());
}

TEST(OperatorsTest, CliTableIsTheRegistry) {
  int code = -1;
  std::string table = RunCommand(g_neuron_cc + " list-operators --framework ONNX", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(table, onnx_frontend::FormatOperatorTable());
  EXPECT_THAT(table, ::testing::HasSubstr(absl::StrCat(OnnxSupportedOps().size(), " operators")));
  RunCommand(g_neuron_cc + " list-operators --framework Caffe 2>/dev/null", &code);
  EXPECT_EQ(code, 1);
}

}  // namespace
}  // namespace ncc

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: operators_test PATH_TO_NEURON_CC\n");
    return 2;
  }
  ncc::g_neuron_cc = argv[1];
  return RUN_ALL_TESTS();
}
