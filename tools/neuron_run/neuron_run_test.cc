// Runs the neuron-run binary on NEFFs built here and checks its output files,
// messages and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "neff/test_builder.h"
#include "npy/npy.h"
#include "runtime/test_pipelines.h"

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
    EXPECT_NE(help.out.find("5 an output\ndiffers from its --expect reference"), std::string::npos);
    EXPECT_NE(help.out.find("[--expect NAME=FILE.npy ...] [--tolerance RTOL[,ATOL]]"),
              std::string::npos);
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

template <typename T>
std::string WriteTypedNpy(const std::string& name, const std::string& descr,
                          std::vector<int64_t> shape, const std::vector<T>& values) {
  ncc::npy::Array a;
  a.dtype_descr = descr;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(T));
  std::memcpy(a.data.data(), values.data(), a.data.size());
  const std::string path = TmpDir() + "/" + name;
  EXPECT_TRUE(ncc::npy::Write(path, a).ok());
  return path;
}

// y = x, both `dtype` (`size` bytes an element) of `shape`.
std::string IdentityModel(const std::string& file, DType dtype, int size,
                          std::vector<int64_t> shape) {
  uint32_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint32_t>(d);
  NeffBuilder b;
  b.set_dram_size(2 * n * size);
  b.AddInput("x", dtype, shape, 0);
  b.AddOutput("y", dtype, shape, n * size);
  b.Add(b.AddQueue(EngineType::DMA),
        DmaCopy(Dram(n * size, 1, 0, {{1, n}}, dtype), Dram(0, 1, 0, {{1, n}}, dtype)));
  const std::string path = TmpDir() + "/" + file;
  WriteFile(path, b.Build());
  return path;
}

// The relu model on a fixed x: y = [[0, 0, 0, 1], [2, 3, 0, 0.5]].
std::string ReluRun(const std::string& expect_args) {
  const std::string x = WriteNpy("x.npy", "<f4", {2, 4}, {-2, -1, 0, 1, 2, 3, -0.5f, 0.5f});
  return ModelPath() + " --input x=" + x + " " + expect_args;
}

TEST(NeuronRun, ExpectPassesWithinTolerance) {
  const std::string exact = WriteNpy("y.npy", "<f4", {2, 4}, {0, 0, 0, 1, 2, 3, 0, 0.5f});
  RunResult r = RunTool(ReluRun("--expect out/y:0=" + exact));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // The verdict comes last, after the output report and the timing.
  EXPECT_NE(r.out.find("values: [0, 0, 0, 1, 2, 3, 0, 0.5]"), std::string::npos) << r.out;
  const std::string ok =
      "expect 'out/y:0': ok (max abs err 0.0e+00, max rel err 0.0e+00, 8 values)\n";
  ASSERT_GE(r.out.size(), ok.size());
  EXPECT_EQ(r.out.substr(r.out.size() - ok.size()), ok) << r.out;

  // A '<f8' reference, 5e-5 off at [0, 3]: inside atol 1e-5 + rtol 1e-4 * 1.
  const std::string near =
      WriteTypedNpy<double>("y_f8.npy", "<f8", {2, 4}, {0, 0, 0, 1.00005, 2, 3, 0, 0.5});
  r = RunTool(ReluRun("--expect out/y:0=" + near));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("expect 'out/y:0': ok (max abs err 5.0e-05, max rel err 5.0e-05, 8 values)"),
            std::string::npos)
      << r.out;

  r = RunTool(ReluRun("--quiet --expect out/y:0=" + near));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(NeuronRun, ExpectMismatchExits5AndNamesTheFirstIndex) {
  // Wrong at [1, 2] and [1, 3]; the first in C order is reported.
  const std::string off = WriteNpy("y_off.npy", "<f4", {2, 4}, {0, 0, 0, 1, 2, 3, 0.25f, 0.75f});
  const std::string line =
      "expect 'out/y:0': MISMATCH at [1, 2]: got 0, want 0.25 (|diff| 2.5e-01 > tolerance "
      "3.5e-05); 2 of 8 values outside rtol 1e-4, atol 1e-5\n";
  RunResult r = RunTool(ReluRun("--expect out/y:0=" + off));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.err, line);
  EXPECT_NE(r.out.find("output 'out/y:0': float32 [2, 4]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("expect "), std::string::npos) << r.out;

  r = RunTool(ReluRun("--expect out/y:0=" + off + " --quiet"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, line);

  // A wider tolerance lets the 0.25 error at [1, 3] through (0.1 + 0.4 * 0.75),
  // not the one at [1, 2] (0.1 + 0.4 * 0.25).
  r = RunTool(ReluRun("--expect out/y:0=" + off + " --tolerance 0.4,0.1 --quiet"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.err,
            "expect 'out/y:0': MISMATCH at [1, 2]: got 0, want 0.25 (|diff| 2.5e-01 > tolerance "
            "2.0e-01); 1 of 8 values outside rtol 0.4, atol 0.1\n");
  r = RunTool(ReluRun("--expect out/y:0=" + off + " --tolerance=0,0.25 --quiet"));
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // RTOL alone keeps the default ATOL.
  r = RunTool(ReluRun("--expect out/y:0=" + off + " --tolerance 1e-3 --quiet"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("; 2 of 8 values outside rtol 0.001, atol 1e-5\n"), std::string::npos)
      << r.err;
}

TEST(NeuronRun, ExpectMultiIndexFollowsTheOutputShape) {
  const std::string model = IdentityModel("id3.neff", DType::F32, 4, {2, 3, 4});
  std::vector<float> x(24);
  for (int i = 0; i < 24; ++i) x[i] = static_cast<float>(i);
  std::vector<float> want = x;
  want[23] = 23.5f;  // [1, 2, 3]
  RunResult r = RunTool(model + " --input x=" + WriteNpy("x3.npy", "<f4", {2, 3, 4}, x) +
                        " --expect y=" + WriteNpy("y3.npy", "<f4", {2, 3, 4}, want));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("expect 'y': MISMATCH at [1, 2, 3]: got 23, want 23.5 (|diff| 5.0e-01"),
            std::string::npos)
      << r.err;
}

TEST(NeuronRun, ExpectNanMatchesOnlyNanAndInfinityOnlyItself) {
  const float nan = std::nanf(""), inf = INFINITY;
  const std::string model = IdentityModel("id_nan.neff", DType::F32, 4, {4});
  const std::string run =
      model + " --quiet --input x=" + WriteNpy("x_nan.npy", "<f4", {4}, {nan, 1, 5, -inf});
  auto expect = [&](const std::string& file, const std::vector<float>& want) {
    return RunTool(run + " --expect y=" + WriteNpy(file, "<f4", {4}, want));
  };
  RunResult r = expect("same.npy", {nan, 1, 5, -inf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = expect("not_nan.npy", {0, 1, 5, -inf});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err,
            "expect 'y': MISMATCH at [0]: got nan, want 0 (NaN matches only NaN); 1 of 4 values "
            "outside rtol 1e-4, atol 1e-5\n");
  r = expect("want_nan.npy", {nan, nan, 5, -inf});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("MISMATCH at [1]: got 1, want nan (NaN matches only NaN)"),
            std::string::npos)
      << r.err;
  // An infinite reference would allow any finite value by the formula alone.
  r = expect("want_inf.npy", {nan, 1, inf, inf});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("MISMATCH at [2]: got 5, want inf (an infinity matches only itself); 2 of "
                       "4 values"),
            std::string::npos)
      << r.err;
}

TEST(NeuronRun, ExpectIntegerOutputsMustBeEqual) {
  const std::string model = IdentityModel("id_i32.neff", DType::I32, 4, {2, 3});
  const std::string run = model + " --input x=" +
                          WriteTypedNpy<int32_t>("x_i32.npy", "<i4", {2, 3}, {1, 2, 3, 4, 5, 6});
  RunResult r = RunTool(run + " --expect y=" +
                        WriteTypedNpy<int32_t>("y_i32.npy", "<i4", {2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("expect 'y': ok (all 6 values equal)\n"), std::string::npos) << r.out;
  // No tolerance applies to integers.
  const std::string off =
      WriteTypedNpy<int32_t>("y_i32_off.npy", "<i4", {2, 3}, {1, 2, 3, 5, 5, 6});
  r = RunTool(run + " --quiet --tolerance 10,10 --expect y=" + off);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.err, "expect 'y': MISMATCH at [1, 0]: got 4, want 5; 1 of 6 values differ\n");
  // Integer dtypes must match exactly.
  const std::string floats = WriteNpy("y_i32_f4.npy", "<f4", {2, 3}, std::vector<float>(6));
  ExpectError(RunTool(run + " --expect y=" + floats), 3,
              "--expect 'y': " + floats + " holds '<f4' but the output needs '<i4'");
}

TEST(NeuronRun, ExpectBfloat16OutputsCompareAsFloat32) {
  const std::string model = IdentityModel("id_bf16.neff", DType::BF16, 2, {4});
  const std::string run =
      model + " --quiet --input x=" + WriteNpy("x_bf16.npy", "<f4", {4}, {1, 0.5f, -2, 3});
  RunResult r =
      RunTool(run + " --expect y=" + WriteNpy("y_bf16.npy", "<f4", {4}, {1, 0.5f, -2, 3}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunTool(run + " --expect y=" + WriteNpy("y_bf16_off.npy", "<f4", {4}, {1, 0.5f, -2, 3.01f}));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("MISMATCH at [3]: got 3, want 3.01 ("), std::string::npos) << r.err;
}

TEST(NeuronRun, ExpectAndToleranceUsageErrorsExit1) {
  ExpectError(RunTool("m.neff --expect y"), 1, "--expect 'y' is not NAME=FILE.npy");
  ExpectError(RunTool("m.neff --expect =y.npy"), 1, "--expect '=y.npy' is not NAME=FILE.npy");
  EXPECT_EQ(RunTool("m.neff --tolerance").err,
            "neuron-run: error: --tolerance needs RTOL[,ATOL]\n");
  for (const char* bad :
       {"abc", "1e-4,", ",1e-5", "-1", "1e-4,-1e-5", "1,2,3", "nan", "inf", "1e-4;1e-5"}) {
    ExpectError(RunTool(std::string("m.neff --tolerance '") + bad + "'"), 1,
                std::string("--tolerance '") + bad + "' is not RTOL[,ATOL] (non-negative numbers)");
  }
  ExpectError(RunTool("m.neff --tolerance="), 1, "--tolerance needs RTOL[,ATOL]");
}

TEST(NeuronRun, BadExpectReferencesExit3) {
  const std::string model = ModelPath();
  const std::string y = WriteNpy("y_ok.npy", "<f4", {2, 4}, std::vector<float>(8));
  ExpectError(RunTool(model + " --expect nope=" + y), 3,
              "--expect 'nope' (" + y + "): the model has no such output (outputs: out/y:0)");
  ExpectError(RunTool(model + " --expect x=" + y), 3, "the model has no such output");
  ExpectError(RunTool(model + " --expect out/y:0=" + TmpDir() + "/absent.npy"), 3,
              "--expect 'out/y:0': " + TmpDir() + "/absent.npy: cannot open file");
  WriteFile(TmpDir() + "/junk_y.npy", "not numpy");
  ExpectError(RunTool(model + " --expect out/y:0=" + TmpDir() + "/junk_y.npy"), 3,
              "--expect 'out/y:0': " + TmpDir() + "/junk_y.npy: not a .npy");
  const std::string shape = WriteNpy("y_shape.npy", "<f4", {4, 2}, std::vector<float>(8));
  ExpectError(RunTool(model + " --expect out/y:0=" + shape), 3,
              "--expect 'out/y:0': " + shape + " has shape [4, 2] but the output's is [2, 4]");
  const std::string flat = WriteNpy("y_flat.npy", "<f4", {8}, std::vector<float>(8));
  ExpectError(RunTool(model + " --expect out/y:0=" + flat), 3,
              "has shape [8] but the output's is [2, 4]");
  const std::string ints = WriteNpy("y_ints.npy", "<i4", {2, 4}, std::vector<float>(8));
  ExpectError(RunTool(model + " --expect out/y:0=" + ints), 3,
              "--expect 'out/y:0': " + ints + " holds '<i4' but the output needs '<f4' or '<f8'");
  ExpectError(RunTool(model + " --expect out/y:0=" + y + " --expect out/y:0=" + y), 3,
              "--expect 'out/y:0' given twice");
  // Each error is one line.
  RunResult r = RunTool(model + " --expect out/y:0=" + shape);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(NeuronRun, OutputDirNeverReplacesAnExpectFile) {
  const std::string dir = TmpDir() + "/refs";
  RunResult r = RunTool(ReluRun("--quiet --output-dir " + dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The written output is its own reference; writing it again over itself is refused.
  const std::string ref = dir + "/out_y_0.npy";
  r = RunTool(ReluRun("--quiet --expect out/y:0=" + ref));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunTool(ReluRun("--quiet --expect out/y:0=" + ref + " --output-dir " + dir));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(ncc::npy::Read(ref).ok());
}

// ---- Several NeuronCores: pipelined models, --requests, --list-cores ----

namespace tp = ncc::runtime::test_pipelines;

std::string PipelinePath() {
  const std::string path = TmpDir() + "/pipe.neff";
  WriteFile(path, tp::TwoStagePipeline());
  return path;
}

TEST(NeuronRun, RunsAPipelinedModelOnTwoCores) {
  const std::string model = PipelinePath();
  const std::string x = WriteNpy("px.npy", "<f4", {2, 4}, {-2, -1, 0, 1, 2, 3, -0.5f, 0.5f});
  RunResult r = RunTool(model + " --input x=" + x);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // y = 6x + 2
  EXPECT_NE(r.out.find("values: [-10, -4, 2, 8, 14, 20, -1, 5]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  stage 0 of 2 on physical NeuronCore 0: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  stage 1 of 2 on physical NeuronCore 1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" us of transfer from earlier stages (estimate)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("estimated steady-state interval (simulator estimate): "), std::string::npos)
      << r.out;
  // Requests from two threads give the same outputs, checked by --expect.
  const std::string y = WriteNpy("py.npy", "<f4", {2, 4}, {-10, -4, 2, 8, 14, 20, -1, 5});
  r = RunTool(model + " --input x=" + x + " --expect y=" + y + " --requests 6");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("expect 'y': ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("requests: 6 through 2 stages from 2 host threads"), std::string::npos)
      << r.out;
}

TEST(NeuronRun, StreamsRequests) {
  RunResult r = RunTool(PipelinePath() + " --requests 8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("requests: 8 through 2 stages from 2 host threads\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  estimated latency of one request (simulator estimate): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  estimated steady-state throughput (simulator estimate, timeline of 8 "
                       "requests): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  host wall time for 8 requests (host measurement): "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  host throughput (host measurement): "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("host wall time: "), std::string::npos) << r.out;

  r = RunTool(ModelPath() + " --requests 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("requests: 3 through 1 stage from 1 host thread\n"), std::string::npos)
      << r.out;
  // One stage, back to back: a result every <latency>.
  EXPECT_EQ(r.out.find("stage 0 of"), std::string::npos) << r.out;
}

// The --list-cores table, its JSON, and which NeuronCores hold a model.
TEST(NeuronRun, ListsCores) {
  RunResult r = RunTool("--list-cores");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NC  PHYSICAL  CHIP  MODEL  STAGE  USE        NAME\n"
            "0   0         0     -      -      free       -\n"
            "1   1         0     -      -      free       -\n");
  const std::string model = PipelinePath();
  r = RunTool("--list-cores " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NC  PHYSICAL  CHIP  MODEL  STAGE  USE        NAME\n"
            "0   0         0     1      0/2    exclusive  " +
                model +
                "\n"
                "1   1         0     1      1/2    exclusive  " +
                model + "\n");
  r = RunTool("--list-cores --json " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\n  \"total_cores\": 2,\n  \"cores\": [\n"
            "    {\"nc\": 0, \"physical\": 0, \"chip\": 0, \"models\": [{\"id\": 1, "
            "\"name\": \"" +
                model +
                "\", \"stage\": 0, \"num_stages\": 2, "
                "\"exclusive\": true}]},\n"
                "    {\"nc\": 1, \"physical\": 1, \"chip\": 0, \"models\": [{\"id\": 1, "
                "\"name\": \"" +
                model +
                "\", \"stage\": 1, \"num_stages\": 2, "
                "\"exclusive\": true}]}\n  ]\n}\n");
  // A single-core model on the NeuronCores --start-nc / --nc-count give it.
  r = RunTool("--list-cores " + ModelPath() + " --start-nc 1 --nc-count 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0   0         0     -      -      free       -\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1   1         0     1      0/1    shared     " + TmpDir() + "/relu.neff"),
            std::string::npos)
      << r.out;
}

TEST(NeuronRun, SimulatedCoresComeFromTheEnvironment) {
  const std::string tool = "NEURON_RT_SIM_CORES=4 NEURON_RT_VISIBLE_CORES=1-3 ";
  const std::string out = TmpDir() + "/env_out.txt", err = TmpDir() + "/env_err.txt";
  auto run = [&](const std::string& env, const std::string& args) {
    const std::string cmd =
        env + " tools/neuron_run/neuron-run --allow-unsealed " + args + " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    return RunResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadText(out), ReadText(err)};
  };
  RunResult r = run(tool, "--list-cores " + PipelinePath() + " --start-nc 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NC  PHYSICAL  CHIP  MODEL  STAGE  USE        NAME\n"
            "0   1         0     -      -      free       -\n"
            "1   2         1     1      0/2    exclusive  " +
                PipelinePath() +
                "\n"
                "2   3         1     1      1/2    exclusive  " +
                PipelinePath() + "\n");
  r = run("NEURON_RT_SIM_CORES=99", "--list-cores");
  ExpectError(r, 1, "NEURON_RT_SIM_CORES='99': must be 1-64");
  r = run("NEURON_RT_SIM_CORES=1", PipelinePath());
  ExpectError(r, 1, "needs 2 NeuronCores");
  EXPECT_NE(r.err.find("NEURON_RT_SIM_CORES sets how many NeuronCores the simulator has"),
            std::string::npos)
      << r.err;
}

TEST(NeuronRun, CoresTooFewAreUsageErrors) {
  const std::string model = PipelinePath();
  ExpectError(RunTool(model + " --start-nc 1"), 1,
              "needs 2 NeuronCores, consecutive from start_nc 1");
  ExpectError(RunTool(model + " --nc-count 1"), 1, "nc_count 1 is too few");
  ExpectError(RunTool(model + " --start-nc 2"), 1, "start_nc 2 is out of range");
  ExpectError(RunTool(model + " --requests 0"), 1, "--requests '0' is not 1-100000");
  ExpectError(RunTool(model + " --nc-count 0"), 1, "--nc-count '0' is not a count");
  ExpectError(RunTool(model + " --start-nc -1"), 1, "--start-nc '-1' is not a NeuronCore id");
  ExpectError(RunTool(model + " --json"), 1, "--json goes with --list-cores");
  ExpectError(RunTool("--list-cores --requests 2"), 1, "--requests does not go with --list-cores");
}

}  // namespace

namespace {

TEST(NeuronRun, TimesIterations) {
  RunResult r = RunTool(ModelPath() + " --iterations 5 --warmup 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t at =
      r.out.find("host time per execution (host measurement, 5 iterations after 2 warm-up): min ");
  ASSERT_NE(at, std::string::npos) << r.out;
  double lo = 0, median = 0, hi = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str() + r.out.find("min ", at), "min %lf ms, median %lf ms, max %lf ms",
                        &lo, &median, &hi),
            3)
      << r.out;
  EXPECT_GT(lo, 0);
  EXPECT_LE(lo, median);
  EXPECT_LE(median, hi);
  // The outputs are still printed, once.
  EXPECT_NE(r.out.find("output '"), std::string::npos) << r.out;

  r = RunTool(ModelPath() + " --warmup 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--warmup goes with --iterations"), std::string::npos) << r.err;
  r = RunTool(ModelPath() + " --iterations 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--iterations '0' is not 1-100000"), std::string::npos) << r.err;
}

}  // namespace
