// neuron-profile: runs a NEFF once on the simulated NeuronCore and reports
// where the (estimated) device time goes: a Chrome/Perfetto trace and a
// summary table. Every device time it prints is a simulator estimate.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fileio/safe_write.h"
#include "neff/format.h"
#include "npy/npy.h"
#include "runtime/kernels/cast.h"
#include "runtime/neff_loader.h"
#include "runtime/sim/simulator.h"
#include "text/printable.h"
#include "tools/cli/flags.h"
#include "tools/neuron_profile/profile.h"

namespace {

constexpr int kExitUsage = 1;
constexpr int kExitBadNeff = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitExecFailure = 4;
constexpr int kExitTraceNotWritten = 5;

constexpr char kUsage[] =
    "usage: neuron-profile MODEL.neff [--input NAME=FILE.npy ...] "
    "[--trace OUT.json] [--top N] [--seed N] [--stage K] [--allow-unsealed]\n"
    "\n"
    "Runs MODEL.neff once on the simulated NeuronCore and prints the\n"
    "estimated device latency, per-engine busy time and utilisation, and the\n"
    "top N graph nodes by estimated busy time (all simulator estimates of a\n"
    "NeuronCore-v2, not measurements). A model pipelined over several\n"
    "NeuronCores (neuron-cc --neuroncore-pipeline-cores) is profiled stage by\n"
    "stage, each on its own core.\n"
    "\n"
    "  --input NAME=FILE.npy  value for model input NAME (repeatable); others\n"
    "                         are random, uniform [-1, 1), from --seed.\n"
    "  --allow-unsealed       profile MODEL.neff even if it has no seal (section\n"
    "                         checksums); without it an unsealed file is a bad NEFF.\n"
    "  --trace OUT.json       write a Chrome/Perfetto trace (open it in\n"
    "                         ui.perfetto.dev or chrome://tracing): one track\n"
    "                         per engine and DMA queue, one slice per\n"
    "                         instruction, named by opcode, with the graph "
    "node\n"
    "                         in its args; semaphore waits as their own "
    "slices.\n"
    "  --top N                nodes in the summary (default 10).\n"
    "  --seed N               seed for random inputs (default 0).\n"
    "  --stage K              pipelined model: profile stage K only (needed\n"
    "                         with --trace). A stage's inputs from earlier\n"
    "                         stages are random; --input sets model inputs.\n"
    "\n"
    "exit codes: 0 success, 1 usage error, 2 bad NEFF, 3 bad input,\n"
    "4 execution failure, 5 trace not written.\n";

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "neuron-profile: error: %s\n", message.c_str());
  return code;
}

const char* NpyDescr(neff::DType dtype) {
  switch (dtype) {
    case neff::DType::F32:
      return "<f4";
    case neff::DType::BF16:
      return "<f4";  // numpy has no bfloat16
    case neff::DType::F16:
      return "<f2";
    case neff::DType::I32:
      return "<i4";
    case neff::DType::I64:
      return "<i8";
    case neff::DType::BOOL:
      return "|b1";
    case neff::DType::I8:
      return "|i1";
    case neff::DType::U8:
      return "|u1";
    case neff::DType::F64:
      return "<f8";
    case neff::DType::I16:
      return "<i2";
    case neff::DType::U16:
      return "<u2";
    case neff::DType::U32:
      return "<u4";
    case neff::DType::U64:
      return "<u8";
  }
  return "";
}

// Writes one input into the DRAM arena; errors name the file and input.
std::string PlaceInput(const neff::TensorInfo& t, const std::string& path,
                       const ncc::npy::Array& array, uint8_t* dram) {
  std::vector<int64_t> shape;
  if (t.shape() != nullptr) shape.assign(t.shape()->begin(), t.shape()->end());
  if (shape != array.shape) {
    return absl::StrCat(path, ": input '", ncc::text::PrintableName(t.name()->str()),
                        "' expects shape [", absl::StrJoin(shape, ", "), "] but the file has [",
                        absl::StrJoin(array.shape, ", "), "]");
  }
  const int64_t n = array.NumElements();
  uint8_t* at = dram + t.dram_offset();
  if (t.dtype() == neff::DType::F32 && array.dtype_descr == "<f8") {
    for (int64_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, array.data.data() + 8 * i, 8);
      const float f = static_cast<float>(d);
      std::memcpy(at + 4 * i, &f, 4);
    }
    return "";
  }
  if (array.dtype_descr != NpyDescr(t.dtype())) {
    return absl::StrCat(path, ": input '", ncc::text::PrintableName(t.name()->str()), "' is ",
                        neff::DTypeName(t.dtype()), " but the file holds '", array.dtype_descr,
                        "'");
  }
  if (t.dtype() == neff::DType::BF16) {
    for (int64_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, array.data.data() + 4 * i, 4);
      const uint16_t h = ncc::kernels::F32ToBf16(f);
      std::memcpy(at + 2 * i, &h, 2);
    }
    return "";
  }
  std::memcpy(at, array.data.data(), array.data.size());
  return "";
}

void RandomInput(const neff::TensorInfo& t, std::mt19937_64& rng, uint8_t* dram) {
  int64_t n = 1;
  if (t.shape() != nullptr) {
    for (int64_t d : *t.shape()) n *= d;
  }
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  uint8_t* at = dram + t.dram_offset();
  const int size = neff::DTypeSize(t.dtype());
  for (int64_t i = 0; i < n; ++i) {
    const float v = real(rng);
    switch (t.dtype()) {
      case neff::DType::F32:
        std::memcpy(at + 4 * i, &v, 4);
        break;
      case neff::DType::BF16: {
        const uint16_t h = ncc::kernels::F32ToBf16(v);
        std::memcpy(at + 2 * i, &h, 2);
        break;
      }
      case neff::DType::F16: {
        const uint16_t h = ncc::kernels::F32ToF16(v);
        std::memcpy(at + 2 * i, &h, 2);
        break;
      }
      default: {
        // Small non-negative integers: safe as indices into small tables.
        const int64_t k = static_cast<int64_t>((v + 1.0f) * 2.0f);
        std::memcpy(at + size * i, &k, size);  // little-endian truncation
        break;
      }
    }
  }
}

}  // namespace

// Runs one single-core program once and prints its profile (and writes its
// trace). Inputs named in `inputs` are read from their files, the others are
// random; with `strict_inputs`, a name the program lacks is an error.
int ProfileOne(const neff::Model& model, const std::map<std::string, std::string>& inputs,
               bool strict_inputs, uint64_t seed, int top, const std::string& trace_path,
               const std::vector<std::string>& input_files, const std::string& model_path) {
  std::vector<uint8_t> dram(model.dram_size());
  std::mt19937_64 rng(seed);
  std::map<std::string, bool> used;
  if (const auto* list = model.inputs()) {
    for (const neff::TensorInfo* t : *list) {
      const std::string name = t->name()->str();
      auto it = inputs.find(name);
      if (it == inputs.end()) {
        RandomInput(*t, rng, dram.data());
        continue;
      }
      used[name] = true;
      auto array = ncc::npy::Read(it->second);
      if (!array.ok()) return Fail(kExitBadInput, std::string(array.status().message()));
      std::string error = PlaceInput(*t, it->second, *array, dram.data());
      if (!error.empty()) return Fail(kExitBadInput, error);
    }
  }
  for (const auto& [name, path] : inputs) {
    if (strict_inputs && !used.count(name)) {
      return Fail(kExitBadInput,
                  absl::StrCat("--input ", ncc::text::PrintableName(name), "=", path,
                               ": the model has no input '", ncc::text::PrintableName(name), "'"));
    }
  }

  ncc::sim::ExecutionStats stats;
  ncc::sim::ExecutionTrace trace;
  if (absl::Status s = ncc::sim::ExecuteVerified(model, dram.data(), &stats, &trace); !s.ok()) {
    return Fail(kExitExecFailure, absl::StrCat(model_path, ": ", s.message()));
  }
  std::fputs(ncc::profile::Summary(model, trace, stats, top).c_str(), stdout);
  if (!trace_path.empty()) {
    if (absl::Status s = ncc::fileio::WriteFileSafely(
            trace_path, ncc::profile::TraceJson(model, trace, stats), input_files);
        !s.ok()) {
      return Fail(kExitTraceNotWritten, absl::StrCat("cannot write the trace: ", s.message()));
    }
    std::printf("\nTrace (simulator estimates): %s (%zu instructions)\n", trace_path.c_str(),
                trace.events.size());
  }
  return 0;
}

int main(int argc, char** argv) {
  std::string trace_path, top_text = "10", seed_text = "0";
  std::vector<std::string> input_flags, positionals;
  bool allow_unsealed = false;
  ncc::cli::CommandLine cli("neuron-profile", kUsage, kExitUsage);
  cli.Repeated("--input", &input_flags, "NAME=FILE.npy");
  cli.Value("--trace", &trace_path, "a path");
  cli.Value("--top", &top_text, "a non-negative integer");
  cli.Value("--seed", &seed_text, "an integer");
  std::string stage_text;
  cli.Value("--stage", &stage_text, "a stage number");
  cli.Switch("--allow-unsealed", &allow_unsealed);
  cli.Positionals(&positionals);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  std::map<std::string, std::string> inputs;
  for (const std::string& v : input_flags) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) return Fail(kExitUsage, "--input needs NAME=FILE.npy");
    inputs[v.substr(0, eq)] = v.substr(eq + 1);
  }
  int top = 10;
  if (!absl::SimpleAtoi(top_text, &top) || top < 0) {
    return Fail(kExitUsage, "--top needs a non-negative integer");
  }
  uint64_t seed = 0;
  if (!absl::SimpleAtoi(seed_text, &seed)) return Fail(kExitUsage, "--seed needs an integer");
  if (positionals.empty()) return Fail(kExitUsage, "no model given (see --help)");
  if (positionals.size() > 1) {
    return Fail(kExitUsage, absl::StrCat("unexpected argument ", positionals[1]));
  }
  const std::string& model_path = positionals[0];

  // The trace never replaces the NEFF, an --input file, a link, a device or a
  // directory; checked before the run so that a refusal is immediate.
  std::vector<std::string> input_files = {model_path};
  for (const auto& [name, path] : inputs) input_files.push_back(path);
  if (!trace_path.empty()) {
    if (absl::Status s = ncc::fileio::CheckOutputPath(trace_path, input_files); !s.ok()) {
      return Fail(kExitTraceNotWritten, absl::StrCat("cannot write the trace: ", s.message()));
    }
  }
  auto file = neff::ReadFile(model_path);
  if (!file.ok()) return Fail(kExitBadNeff, std::string(file.status().message()));
  // Weights are read in place: the buffer must be 64-byte aligned.
  std::unique_ptr<char, decltype(&std::free)> bytes(
      static_cast<char*>(std::aligned_alloc(neff::kWeightsAlignment,
                                            (file->size() + neff::kWeightsAlignment) /
                                                neff::kWeightsAlignment * neff::kWeightsAlignment)),
      &std::free);
  std::memcpy(bytes.get(), file->data(), file->size());
  // The runtime's whole load-time check, seal included: a profile runs the
  // program as neuron-run does.
  ncc::runtime::LoadOptions load_options;
  load_options.allow_unsealed = allow_unsealed;
  auto model = ncc::runtime::CheckNeff(absl::string_view(bytes.get(), file->size()), load_options);
  if (!model.ok()) {
    const bool unsealed = model.status().code() == absl::StatusCode::kFailedPrecondition;
    return Fail(kExitBadNeff, absl::StrCat(model_path, ": ", model.status().message(),
                                           unsealed ? " (--allow-unsealed)" : ""));
  }

  const auto* stages = (*model)->stages();
  if (stages == nullptr || stages->size() == 0) {
    if (!stage_text.empty()) {
      return Fail(kExitUsage, absl::StrCat("--stage: ", model_path,
                                           " is not pipelined (it runs on one NeuronCore)"));
    }
    return ProfileOne(**model, inputs, /*strict_inputs=*/true, seed, top, trace_path,
                      input_files, model_path);
  }
  const int num_stages = static_cast<int>(stages->size());
  int only = -1;
  if (!stage_text.empty() &&
      (!absl::SimpleAtoi(stage_text, &only) || only < 0 || only >= num_stages)) {
    return Fail(kExitUsage, absl::StrCat("--stage: '", stage_text, "' is not a stage of ",
                                         model_path, " (0-", num_stages - 1, ")"));
  }
  if (!trace_path.empty() && only < 0) {
    return Fail(kExitUsage, absl::StrCat(model_path, " is pipelined over ", num_stages,
                                         " NeuronCores: --trace needs --stage K (0-",
                                         num_stages - 1, ")"));
  }
  // --input names model inputs, which only some stages read.
  std::map<std::string, bool> known;
  for (const neff::TensorInfo* t : *(*model)->inputs()) known[t->name()->str()] = true;
  for (const auto& [name, path] : inputs) {
    if (!known.count(name)) {
      return Fail(kExitBadInput,
                  absl::StrCat("--input ", ncc::text::PrintableName(name), "=", path,
                               ": the model has no input '", ncc::text::PrintableName(name), "'"));
    }
  }
  const neff::Metadata* meta = (*model)->metadata();
  std::printf("%s: pipelined over %d NeuronCores; compiler estimates: latency %.1f us, "
              "interval %.1f us between results streamed\n",
              model_path.c_str(), num_stages, meta ? meta->estimated_latency_ns() / 1000 : 0.0,
              meta ? meta->estimated_interval_ns() / 1000 : 0.0);
  for (int k = 0; k < num_stages; ++k) {
    if (only >= 0 && k != only) continue;
    const auto* bytes_vec = stages->Get(k)->neff();
    // Checked by CheckNeff with the whole file (and 64-byte aligned in it).
    auto stage = neff::OpenModel(absl::string_view(
        reinterpret_cast<const char*>(bytes_vec->data()), bytes_vec->size()));
    if (!stage.ok()) {
      return Fail(kExitBadNeff, absl::StrCat(model_path, ": stage ", k, ": ",
                                             stage.status().message()));
    }
    std::printf("\n== stage %d of %d (its own NeuronCore) ==\n", k, num_stages);
    const std::string label = absl::StrCat(model_path, " stage ", k);
    if (int code = ProfileOne(**stage, inputs, /*strict_inputs=*/false, seed, top, trace_path,
                              input_files, label);
        code != 0) {
      return code;
    }
  }
  return 0;
}

