// Runs the neuron-run binary on NEFFs built here and checks its output files,
// messages and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "neff/test_builder.h"
#include "npy/npy.h"

namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::DType;
using neff::EngineType;

std::string TmpDir() { return std::getenv("TEST_TMPDIR"); }

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RunResult {
  int exit_code;
  std::string out, err;
};

// The NEFFs here come from neff::test_builder, which does not seal them, so
// runs ask for unsealed loading explicitly unless a test says otherwise.
RunResult RunTool(const std::string& args, bool allow_unsealed = true) {
  const std::string out = TmpDir() + "/stdout.txt", err = TmpDir() + "/stderr.txt";
  std::string cmd = std::string("tools/neuron_run/neuron-run ") +
                    (allow_unsealed ? "--allow-unsealed " : "") + args + " >" + out + " 2>" + err;
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(out);
  r.err = ReadText(err);
  return r;
}

// y = relu(x) + 1, x and y f32 [2, 4]; output named "out/y:0" to check
// file-name sanitising.
std::string ModelPath() {
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("out/y:0", DType::F32, {2, 4}, 32);
  int dma = b.AddQueue(EngineType::DMA);
  int act = b.AddQueue(EngineType::SCALAR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(act, Activation(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}),
                        neff::ActivationFunction::RELU)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(1, 1));
  const std::string path = TmpDir() + "/relu.neff";
  WriteFile(path, b.Build());
  return path;
}

std::string WriteNpy(const std::string& name, const std::string& descr, std::vector<int64_t> shape,
                     const std::vector<float>& values) {
  ncc::npy::Array a;
  a.dtype_descr = descr;
  a.shape = std::move(shape);
  a.data.resize(values.size() * 4);
  std::memcpy(a.data.data(), values.data(), a.data.size());
  const std::string path = TmpDir() + "/" + name;
  EXPECT_TRUE(ncc::npy::Write(path, a).ok());
  return path;
}

TEST(NeuronRun, RunsWithNpyInputAndWritesOutputs) {
  const std::string model = ModelPath();
  const std::string x = WriteNpy("x.npy", "<f4", {2, 4}, {-2, -1, 0, 1, 2, 3, -0.5f, 0.5f});
  const std::string dir = TmpDir() + "/outs";
  RunResult r = RunTool(model + " --input x=" + x + " --output-dir " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output 'out/y:0': float32 [2, 4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("values: [0, 0, 0, 1, 2, 3, 0, 0.5]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("min 0  max 3  mean 0.8125"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("host wall time: "), std::string::npos);
  EXPECT_NE(r.out.find("estimated device latency (simulator estimate, NeuronCore-v2): "),
            std::string::npos);
  EXPECT_NE(r.out.find("Scalar "), std::string::npos);
  auto y = ncc::npy::Read(dir + "/out_y_0.npy");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype_descr, "<f4");
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 4}));
  std::vector<float> ys(8);
  std::memcpy(ys.data(), y->data.data(), 32);
  EXPECT_EQ(ys, (std::vector<float>{0, 0, 0, 1, 2, 3, 0, 0.5f}));
}

TEST(NeuronRun, UnsealedNeffRunsOnlyWithAllowUnsealed) {
  const std::string model = ModelPath();
  RunResult refused = RunTool(model, /*allow_unsealed=*/false);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("is not sealed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("(--allow-unsealed)"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  RunResult allowed = RunTool(model + " --quiet");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

// y = x for one f32 [4] tensor each, with the given names.
std::string CopyModel(const std::string& file, const std::string& in, const std::string& out) {
  NeffBuilder b;
  b.set_dram_size(32);
  b.AddInput(in, DType::F32, {4}, 0);
  b.AddOutput(out, DType::F32, {4}, 16);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(16, 1, 0, {{1, 4}}), Dram(0, 1, 0, {{1, 4}})));
  const std::string path = TmpDir() + "/" + file;
  WriteFile(path, b.Build());
  return path;
}

TEST(NeuronRun, RunsModelsWithLongNames) {
  const std::string in(300, 'i'), out(1000, 'o');
  const std::string model = CopyModel("long.neff", in, out);
  const std::string x = WriteNpy("long_x.npy", "<f4", {4}, {1, 2, 3, 4});
  RunResult r = RunTool(model + " --input " + in + "=" + x);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output '" + out + "': float32 [4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("values: [1, 2, 3, 4]"), std::string::npos) << r.out;
}

TEST(NeuronRun, PrintsModelNamesEscaped) {
  const std::string model = CopyModel("escape.neff", "in\x1b]0;owned\x07", "out\x1b[2J\r");
  RunResult r = RunTool(model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output 'out\\x1b[2J\\x0d': float32 [4]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  // Unknown --input: the list of the model's inputs is escaped too.
  r = RunTool(model + " --input nope=" + TmpDir() + "/none.npy");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("(inputs: in\\x1b]0;owned\\x07)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

TEST(NeuronRun, RandomInputsAreSeededAndQuietIsQuiet) {
  const std::string model = ModelPath();
  RunResult a = RunTool(model + " --seed 7 --quiet --output-dir " + TmpDir() + "/a");
  RunResult b = RunTool(model + " --seed=7 --quiet --output-dir=" + TmpDir() + "/b");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, "");
  auto ya = ncc::npy::Read(TmpDir() + "/a/out_y_0.npy");
  auto yb = ncc::npy::Read(TmpDir() + "/b/out_y_0.npy");
  ASSERT_TRUE(ya.ok() && yb.ok());
  EXPECT_EQ(ya->data, yb->data);
  std::vector<float> ys(8);
  std::memcpy(ys.data(), ya->data.data(), 32);
  for (float v : ys) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, 1.0f);
  }
}

void ExpectError(const RunResult& r, int code, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.err.rfind("neuron-run: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(NeuronRun, UsageErrorsExit1) {
  ExpectError(RunTool(""), 1, "no MODEL.neff given");
  ExpectError(RunTool("m.neff --frobnicate"), 1, "unknown option '--frobnicate'");
  ExpectError(RunTool("m.neff --input x"), 1, "is not NAME=FILE.npy");
  ExpectError(RunTool("m.neff --seed -3"), 1, "--seed");
  ExpectError(RunTool("m.neff --output-dir"), 1, "--output-dir needs a directory");
  ExpectError(RunTool("a.neff b.neff"), 1, "unexpected argument 'b.neff' (one MODEL.neff only)");
  EXPECT_EQ(RunTool("m.neff --input").err, "neuron-run: error: --input needs NAME=FILE.npy\n");
  for (const char* flag : {"--help", "-h"}) {
    RunResult help = RunTool(flag);
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_EQ(help.err, "");
    EXPECT_NE(help.out.find("exit codes: 0 success, 1 usage error, 2 bad NEFF"), std::string::npos);
  }
}

TEST(NeuronRun, BadNeffExits2) {
  ExpectError(RunTool(TmpDir() + "/missing.neff"), 2, "cannot open file");
  std::ifstream in(ModelPath(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WriteFile(TmpDir() + "/trunc.neff", bytes.substr(0, bytes.size() / 2));
  ExpectError(RunTool(TmpDir() + "/trunc.neff"), 2, "truncated");
  NeffBuilder oob;
  oob.set_dram_size(16);
  oob.Add(oob.AddQueue(EngineType::DMA),
          DmaCopy(Sbuf(0, 1, 0, {{1, 64}}), Dram(0, 1, 0, {{1, 64}})));
  WriteFile(TmpDir() + "/oob.neff", oob.Build());
  ExpectError(RunTool(TmpDir() + "/oob.neff"), 2, "NEFF verify: queue DMA[0]");
}

TEST(NeuronRun, BadInputsExit3) {
  const std::string model = ModelPath();
  ExpectError(RunTool(model + " --input nope=" + TmpDir() + "/x.npy"), 3,
              "--input 'nope': the model has no such input (inputs: x)");
  ExpectError(RunTool(model + " --input x=" + TmpDir() + "/absent.npy"), 3,
              "absent.npy: cannot open file");
  const std::string shape = WriteNpy("shape.npy", "<f4", {4, 2}, std::vector<float>(8));
  ExpectError(RunTool(model + " --input x=" + shape), 3,
              "input 'x' expects shape [2, 4] but the file has [4, 2]");
  const std::string ints = WriteNpy("ints.npy", "<i4", {2, 4}, std::vector<float>(8));
  ExpectError(RunTool(model + " --input x=" + ints), 3,
              "input 'x' is float32 (npy '<f4') but the file holds '<i4'");
  WriteFile(TmpDir() + "/junk.npy", "not numpy");
  ExpectError(RunTool(model + " --input x=" + TmpDir() + "/junk.npy"), 3, "junk.npy: not a .npy");
}

// A wait that can never be met is caught by the loader's static deadlock
// check, so the NEFF is rejected (exit 2) before anything runs.
TEST(NeuronRun, DeadlockedNeffIsRejectedAtLoadExits2) {
  NeffBuilder b;
  b.Add(b.AddQueue(EngineType::VECTOR), Memset(Sbuf(0, 1, 0, {{1, 4}}), 0.0f).Wait(0, 1));
  WriteFile(TmpDir() + "/deadlock.neff", b.Build());
  ExpectError(RunTool(TmpDir() + "/deadlock.neff"), 2, "deadlock-free semaphore waits");
}

}  // namespace
