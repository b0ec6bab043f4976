// neuron-cc: compiles a trained model into a NEFF for a NeuronCore.
//
//   neuron-cc compile MODEL --framework ONNX --output out.neff
//   neuron-cc compile NAME-symbol.json NAME-0000.params --framework MXNET ...
//             [--input-shape NAME=1,3,224,224 ...] [--io-config JSON|@FILE]
//             [--freeze-input NAME=FILE.npy ...] [--verbose]
//   neuron-cc list-operators --framework ONNX [--json]
//
// Exit codes: 0 success, 1 usage, 2 unreadable or invalid model (including
// dynamic shapes left unpinned), 3 unsupported operators, 4 compilation
// failed (e.g. on-chip memory exhausted), 5 the output could not be written
// or was refused (a symlink, directory, device or FIFO, or one of the
// command's input files: see fileio/safe_write.h).
//
// Flags are parsed by //tools/cli; the tool reaches the compiler only through
// the driver (compiler/driver) and the frontend registry (frontends/).
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "compiler/accuracy/accuracy.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/pass_flags.h"
#include "fileio/bounded_read.h"
#include "fileio/safe_write.h"
#include "frontends/freeze_input.h"
#include "frontends/io_config.h"
#include "frontends/registry.h"
#include "neff/format.h"
#include "tools/cli/flags.h"
#include "tools/neuron_cc/report_json.h"

namespace {

constexpr int kExitUsage = 1;
constexpr int kExitBadModel = 2;
constexpr int kExitUnsupported = 3;
constexpr int kExitCompile = 4;
constexpr int kExitOutput = 5;

constexpr char kUsage[] =
    "usage: neuron-cc compile MODEL [MODEL_FILE...] --framework ONNX --output OUT.neff\n"
    "                 [--input-shape NAME=D0,D1,...]... [--io-config JSON|@FILE]\n"
    "                 [--freeze-input NAME=FILE.npy]... [--tags T,...] [--signature S]\n"
    "                 [--report FILE] [--quiet] [--verbose]\n"
    "       neuron-cc list-operators --framework ONNX [--json]\n"
    "       neuron-cc --version\n"
    "\n"
    "  --framework NAME      source framework: ONNX, PYTORCH (TorchScript .pt),\n"
    "                        TENSORFLOW (GraphDef .pb/.pbtxt, SavedModel directory,\n"
    "                        TF.js model.json) or MXNET (two files: the symbol\n"
    "                        NAME-symbol.json and its NAME-0000.params)\n"
    "  --output FILE         NEFF to write (default: the first MODEL file with .neff)\n"
    "  --input-shape N=DIMS  pin a model input's shape (repeatable), e.g.\n"
    "                        --input-shape x=1,3,224,224\n"
    "  --io-config JSON      neuron-cc style I/O config, inline or @file:\n"
    "                        '{\"inputs\": {\"x\": [[1,3,224,224], \"float32\"]},\n"
    "                          \"outputs\": [\"y\"]}'\n"
    "  --freeze-input N=F.npy  compile input N as the constant in F.npy (repeatable):\n"
    "                        for inputs that set the model's structure (Slice\n"
    "                        starts/ends, Resize scales/sizes, Pad pads, axes);\n"
    "                        shapes derived from it become static and N is no\n"
    "                        longer an input of the NEFF\n"
    "  --tags T,...          SavedModel: the tag set of the MetaGraph (default serve)\n"
    "  --signature S         SavedModel: the signature (default serving_default);\n"
    "                        its input and output keys name the NEFF's tensors\n"
    "  --report FILE         also write the compile report as JSON: estimates,\n"
    "                        instruction counts, SBUF/PSUM peaks, the I/O\n"
    "                        signature (no wall times or host details, so it is\n"
    "                        as reproducible as the NEFF)\n"
    "  --quiet, -q           print nothing on success but notes and warnings\n"
    "  --neuroncore-pipeline-cores N  pipeline the model over N NeuronCores (1-16):\n"
    "                        N stages balanced by estimated time, each core\n"
    "                        keeping its stage's weights resident in SBUF where\n"
    "                        they fit (docs/pipeline.md); one NEFF holds all\n"
    "                        stages\n"
    "  --verbose, --timings  print per-stage and per-pass wall time, op counts,\n"
    "                        instruction counts per engine, SBUF/PSUM peaks and\n"
    "                        the estimated latency\n"
    "\n"
    "graph passes and auto-cast (docs/passes.md):\n"
    "  --auto-cast MODE      none (default), matmult or all (neuronx-cc)\n"
    "  --auto-cast-type T    bf16 (default) or fp16\n"
    "  --auto-cast-exclude L op types kept in FP32, e.g. Gemm,Conv\n"
    "  --fast-math VALUES    neuron-cc cast method: none, all, fp32-cast-all,\n"
    "                        fp32-cast-matmult[-bf16|-fp16], fp32-cast-all-fp16,\n"
    "                        no-fast-relayout\n"
    "  --print-ir-after NAME print the IR after pass NAME (repeatable)\n"
    "  --print-ir-after-all  print the IR after every pass\n"
    "  --verify-ir           verify the IR after every pass\n"
    "  --no-sbuf-residency   load every intermediate back from device DRAM instead\n"
    "                        of reading the producer's tile in SBUF\n"
    "  --verify-schedule     check that every pair of conflicting memory accesses\n"
    "                        is ordered by queues and semaphores (slow: O(n^2))\n"
    "  --verify-accuracy[=N] run the FP32 and auto-cast programs on the simulator\n"
    "                        on N samples (default 32) and report the error\n"
    "  --accuracy-seed S     seed of the random samples (default 0)\n"
    "  --accuracy-inputs N=F.npy  samples for input N ([S, ...shape] or shape)\n"
    "  --accuracy-min-cosine C    warn below this cosine (default 0.999)\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 invalid model or unpinned dynamic shape,\n"
    "            3 unsupported operators, 4 compilation failed, 5 cannot write output\n";

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "neuron-cc: error: %s\n", message.c_str());
  return code;
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnimplemented:
      return kExitUnsupported;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kFailedPrecondition:
      return kExitBadModel;
    default:
      return kExitCompile;
  }
}

void PrintStages(const ncc::driver::CompileReport& r);

void PrintReport(const ncc::driver::CompileReport& r) {
  std::printf("stages (host wall time):\n");
  for (const auto& [stage, ms] : r.stage_ms) std::printf("  %-10s %9.2f ms\n", stage.c_str(), ms);
  std::printf("ops: %lld imported, %lld after passes\n", static_cast<long long>(r.ops_imported),
              static_cast<long long>(r.ops_after_passes));
  std::printf("passes (host wall time, ops after):\n");
  for (const auto& p : r.passes) {
    std::printf("  %-20s %8.3f ms  %6lld ops%s\n", p.name.c_str(), p.wall_ms,
                static_cast<long long>(p.ops_after), p.changed ? "  (changed)" : "");
  }
  static const char* const kEngines[] = {"Tensor", "Vector", "Scalar", "GpSimd", "DMA"};
  std::printf("instructions per engine (estimated busy time):\n");
  for (int e = 0; e < 5; ++e) {
    std::printf("  %-7s %8lld  (%.1f us)\n", kEngines[e], static_cast<long long>(r.instructions[e]),
                r.busy_ns[e] / 1000.0);
  }
  std::printf("critical path (estimate):");
  for (int e = 0; e < 5; ++e) {
    if (r.critical_count[e] == 0) continue;
    std::printf(" %s %.1f us (%lld)", kEngines[e], r.critical_ns[e] / 1000.0,
                static_cast<long long>(r.critical_count[e]));
  }
  std::printf("\n");
  std::printf("semaphore waits: %lld\n", static_cast<long long>(r.semaphore_waits));
  std::printf("TensorE utilisation: %.1f%% of the estimated latency (estimate)\n",
              r.estimated_latency_ns > 0 ? 100.0 * r.busy_ns[0] / r.estimated_latency_ns : 0.0);
  std::printf("transposes: %lld on TensorE (through PSUM), %lld Transpose ops as strided DMA\n",
              static_cast<long long>(r.tensor_transposes),
              static_cast<long long>(r.dma_transposes));
  std::printf(
      "SBUF peak: %lld bytes/partition (freed space idle for %lld instructions before "
      "reuse), PSUM peak: %lld bytes/partition\n",
      static_cast<long long>(r.sbuf_peak_bytes), static_cast<long long>(r.sbuf_reuse_distance),
      static_cast<long long>(r.psum_peak_bytes));
  const auto& res = r.residency;
  std::printf(
      "SBUF residency: %lld loads of intermediates served on chip (%lld in place, "
      "%lld bytes), %lld stores dropped (%lld bytes); spills: %lld tiles (%lld bytes) "
      "kept as DRAM round trips for lack of SBUF (budget %.0f%% of SBUF)\n",
      static_cast<long long>(res.loads_forwarded), static_cast<long long>(res.loads_in_place),
      static_cast<long long>(res.bytes_forwarded), static_cast<long long>(res.stores_removed),
      static_cast<long long>(res.store_bytes_removed), static_cast<long long>(res.spilled_loads),
      static_cast<long long>(res.spill_bytes), 100.0 * res.sbuf_budget);
  std::printf("DRAM arena: %lld bytes, weights: %lld bytes, DMA traffic: %lld bytes\n",
              static_cast<long long>(r.dram_bytes), static_cast<long long>(r.weights_bytes),
              static_cast<long long>(r.dma_bytes));
  std::printf("DMA: %lld large copies spread over the queues as %lld pieces\n",
              static_cast<long long>(r.dma_split), static_cast<long long>(r.dma_pieces));
  if (!r.stages.empty()) PrintStages(r);
}

// The pipeline's stages: where each was cut and why, its estimate, and
// how much of its weights stay in SBUF.
void PrintStages(const ncc::driver::CompileReport& r) {
  std::printf("pipeline: %zu stages; estimated latency %.1f us, interval %.1f us "
              "(%.0f inferences/s streamed), simulator cost model estimates\n",
              r.stages.size(), r.estimated_latency_ns / 1000.0, r.estimated_interval_ns / 1000.0,
              r.estimated_interval_ns > 0 ? 1e9 / r.estimated_interval_ns : 0.0);
  for (size_t s = 0; s < r.stages.size(); ++s) {
    const ncc::driver::StageReport& st = r.stages[s];
    std::printf(
        "  stage %zu (core %zu): ops %d-%d, %s .. %s\n"
        "    est. %.1f us (planned %.1f us) + %.1f us transfer in (%lld bytes); cut: %s\n"
        "    weights %.2f MiB: %.2f MiB resident in SBUF (%lld bytes/partition), %.2f MiB "
        "streamed per inference; SBUF peak %lld bytes/partition; %lld instructions\n"
        "    busy (estimates): Tensor %.1f us, Vector %.1f us, Scalar %.1f us, GpSimd %.1f us, "
        "DMA %.1f us over the queues; weights load %.1f us once\n",
        s, s, st.first_op, st.end_op - 1, st.first_node.c_str(), st.last_node.c_str(),
        st.estimated_ns / 1000.0, st.planned_ns / 1000.0, st.transfer_in_ns / 1000.0,
        static_cast<long long>(st.bytes_in), st.cut.c_str(), st.weight_bytes / 1048576.0,
        st.resident_bytes / 1048576.0, static_cast<long long>(st.sbuf_resident_bytes),
        st.streamed_bytes / 1048576.0, static_cast<long long>(st.sbuf_peak_bytes),
        static_cast<long long>(st.instructions), st.busy_ns[0] / 1000.0, st.busy_ns[1] / 1000.0,
        st.busy_ns[2] / 1000.0, st.busy_ns[3] / 1000.0, st.busy_ns[4] / 1000.0,
        st.load_ns / 1000.0);
  }
}

int ListOperators(const std::string& framework, bool json) {
  const ncc::frontends::Frontend* frontend = ncc::frontends::FindFrontend(framework);
  if (frontend == nullptr) {
    return Fail(kExitUsage,
                absl::StrCat("only --framework ",
                             absl::StrJoin(ncc::frontends::RegisteredFrameworks(), " or "),
                             " is supported"));
  }
  // The same table the importer checks every node against.
  const std::string listing =
      json ? frontend->FormatOperatorJson() : frontend->FormatOperatorTable();
  std::fputs(listing.c_str(), stdout);
  return 0;
}

// Where the flags library stores `compile`'s flags. Compile reads them back
// from FlagsInOrder() instead, in command-line order, so that --input-shape
// and --io-config pins override each other as they always have.
struct CompileFlagStorage {
  std::string value;
  std::vector<std::string> repeated;
  bool switched = false;
  bool verify_accuracy = false;
  std::optional<std::string> verify_accuracy_samples;
  std::vector<std::string> positionals;
};

void DeclareCompileFlags(ncc::cli::Command& compile, CompileFlagStorage* s) {
  compile.Value("--framework", &s->value);
  compile.Value("--output,-o", &s->value, "a file name");
  compile.Repeated("--input-shape", &s->repeated, "NAME=D0,D1,...");
  compile.Repeated("--io-config", &s->repeated, "JSON or @FILE");
  compile.Repeated("--freeze-input", &s->repeated, "NAME=FILE.npy");
  compile.Value("--tags", &s->value, "comma-separated tags");
  compile.Value("--signature", &s->value, "a signature name");
  compile.Switch("--verbose,--timings,-v", &s->switched);
  compile.Switch("--quiet,-q", &s->switched);
  compile.Value("--report", &s->value, "a file name");
  compile.Value("--neuroncore-pipeline-cores", &s->value, "a core count");
  compile.Value("--fast-math", &s->value);
  compile.Value("--auto-cast", &s->value, "none, matmult or all");
  compile.Value("--auto-cast-type", &s->value, "bf16 or fp16");
  compile.Value("--auto-cast-exclude", &s->value, "op types");
  compile.Switch("--print-ir-after-all", &s->switched);
  compile.Repeated("--print-ir-after", &s->repeated, "a pass name");
  compile.Switch("--verify-ir", &s->switched);
  compile.Switch("--verify-schedule", &s->switched);
  compile.Switch("--no-sbuf-residency", &s->switched);
  compile.OptionalValue("--verify-accuracy", &s->verify_accuracy, &s->verify_accuracy_samples);
  compile.Value("--accuracy-seed", &s->value, "an integer");
  compile.Repeated("--accuracy-inputs", &s->repeated, "NAME=FILE.npy");
  compile.Value("--accuracy-min-cosine", &s->value, "a number");
  compile.Positionals(&s->positionals);
}

int Compile(const ncc::cli::Command& compile, const std::vector<std::string>& positionals) {
  std::string model, output, framework;
  bool verbose = false;
  bool quiet = false;
  std::string report_path;
  ncc::driver::CompileOptions options;
  options.compare_accuracy = ncc::accuracy::CompareOnSimulator;
  ncc::driver::AutoCastFlags auto_cast;
  // Every file the command reads, which the output must never replace.
  std::vector<std::string> input_files;
  for (const ncc::cli::FlagUse& flag : compile.FlagsInOrder()) {
    const std::string& a = flag.name;
    const std::string v = flag.value.value_or("");
    // Flags that shape the result are recorded in the NEFF, as written; the
    // output path is not, so the same model and flags compiled anywhere give
    // byte-identical NEFFs.
    if (a != "--output" && a != "--report" && a != "--quiet")
      options.flags.insert(options.flags.end(), flag.tokens.begin(), flag.tokens.end());
    if (a == "--framework") {
      framework = v;
    } else if (a == "--output") {
      output = v;
    } else if (a == "--input-shape") {
      auto pin = ncc::frontends::ParseInputShapeFlag(v);
      if (!pin.ok()) return Fail(kExitUsage, std::string(pin.status().message()));
      for (auto& [name, dims] : *pin) options.input_shapes[name] = dims;
    } else if (a == "--io-config") {
      std::string json = v;
      if (absl::StartsWith(json, "@")) {
        input_files.push_back(json.substr(1));
        auto text = ncc::fileio::ReadRegularFile(json.substr(1), ncc::fileio::kConfigFileLimit,
                                                 "an --io-config file");
        if (!text.ok()) {
          return Fail(kExitUsage, absl::StrCat("--io-config: ", text.status().message()));
        }
        json = *text;
      }
      auto config = ncc::frontends::ParseIoConfig(json);
      if (!config.ok()) {
        return Fail(kExitUsage, absl::StrCat("--io-config: ", config.status().message()));
      }
      for (auto& [name, dims] : config->input_shapes) options.input_shapes[name] = dims;
      for (auto& [name, dtype] : config->input_dtypes) options.input_dtypes[name] = dtype;
      options.outputs = config->outputs;
    } else if (a == "--freeze-input") {
      if (size_t eq = v.find('='); eq != std::string::npos) input_files.push_back(v.substr(eq + 1));
      if (auto s = ncc::frontends::ParseFreezeInputFlag(v, &options.frozen_inputs); !s.ok()) {
        return Fail(kExitUsage, std::string(s.message()));
      }
    } else if (a == "--tags") {
      options.tags = absl::StrSplit(v, ',', absl::SkipWhitespace());
      if (options.tags.empty()) return Fail(kExitUsage, "--tags needs one or more tags, e.g. serve");
    } else if (a == "--signature") {
      if (v.empty()) return Fail(kExitUsage, "--signature needs a signature name");
      options.signature = v;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--report") {
      if (v.empty()) return Fail(kExitUsage, "--report needs a file name");
      report_path = v;
    } else if (a == "--neuroncore-pipeline-cores") {
      int cores = 0;
      if (!absl::SimpleAtoi(v, &cores) || cores < 1 || cores > 16) {
        return Fail(kExitUsage, absl::StrCat("--neuroncore-pipeline-cores: '", v,
                                             "' is not a core count (1..16)"));
      }
      options.pipeline_cores = cores;
    } else if (a == "--fast-math") {
      if (v.empty()) return Fail(kExitUsage, "--fast-math needs a value");
      auto_cast.fast_math = v;
    } else if (a == "--auto-cast") {
      if (v.empty()) return Fail(kExitUsage, "--auto-cast needs none, matmult or all");
      auto_cast.auto_cast = v;
    } else if (a == "--auto-cast-type") {
      if (v.empty()) return Fail(kExitUsage, "--auto-cast-type needs bf16 or fp16");
      auto_cast.auto_cast_type = v;
    } else if (a == "--auto-cast-exclude") {
      if (v.empty()) return Fail(kExitUsage, "--auto-cast-exclude needs op types");
      auto_cast.auto_cast_exclude = v;
    } else if (a == "--print-ir-after-all") {
      options.print_ir_after.insert("all");
    } else if (a == "--print-ir-after") {
      if (v.empty()) return Fail(kExitUsage, "--print-ir-after needs a pass name");
      options.print_ir_after.insert(v);
    } else if (a == "--verify-ir") {
      options.verify_ir = true;
    } else if (a == "--verify-schedule") {
      options.verify_schedule = true;
    } else if (a == "--no-sbuf-residency") {
      options.sbuf_residency = false;
    } else if (a == "--verify-accuracy" && !flag.value) {
      options.verify_accuracy_samples = 32;
    } else if (a == "--verify-accuracy") {
      int n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 100000) {
        return Fail(kExitUsage,
                    absl::StrCat("--verify-accuracy: '", v, "' is not a sample count (1..100000)"));
      }
      options.verify_accuracy_samples = n;
    } else if (a == "--accuracy-seed") {
      if (!absl::SimpleAtoi(v, &options.accuracy.seed)) {
        return Fail(kExitUsage, absl::StrCat("--accuracy-seed: '", v, "' is not an integer"));
      }
    } else if (a == "--accuracy-inputs") {
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        return Fail(kExitUsage, "--accuracy-inputs needs NAME=FILE.npy");
      }
      options.accuracy.input_files[v.substr(0, eq)] = v.substr(eq + 1);
      input_files.push_back(v.substr(eq + 1));
    } else if (a == "--accuracy-min-cosine") {
      if (!absl::SimpleAtod(v, &options.accuracy_min_cosine)) {
        return Fail(kExitUsage, absl::StrCat("--accuracy-min-cosine: '", v, "' is not a number"));
      }
    }
  }
  // One model file, or several for frameworks whose models span files (an
  // MXNet symbol and its params); the frontend says how many it takes.
  if (!positionals.empty()) model = positionals[0];
  if (model.empty()) return Fail(kExitUsage, "no model file given (see neuron-cc --help)");
  if (framework.empty()) return Fail(kExitUsage, "--framework is required (e.g. --framework ONNX)");
  if (ncc::frontends::FindFrontend(framework) == nullptr) {
    return Fail(kExitUsage,
                absl::StrCat("--framework ", framework, " is not supported yet (supported: ",
                             absl::StrJoin(ncc::frontends::RegisteredFrameworks(), ", "), ")"));
  }
  if (auto s = ncc::driver::ApplyAutoCastFlags(auto_cast, &options); !s.ok()) {
    return Fail(kExitUsage, std::string(s.message()));
  }
  // An unknown --print-ir-after name is a usage error, found before compiling.
  if (auto s = ncc::driver::CheckPrintIrAfter(options); !s.ok()) {
    return Fail(kExitUsage, std::string(s.message()));
  }
  if (output.empty()) {
    output = model;
    size_t dot = output.rfind('.');
    if (dot != std::string::npos && output.find('/', dot) == std::string::npos) output.resize(dot);
    output += ".neff";
  }
  input_files.insert(input_files.end(), positionals.begin(), positionals.end());
  // Refused before compiling, so a bad --output fails in milliseconds.
  if (auto s = ncc::fileio::CheckOutputPath(output, input_files); !s.ok()) {
    return Fail(kExitOutput, std::string(s.message()));
  }
  if (!report_path.empty()) {
    if (report_path == output) {
      return Fail(kExitUsage, absl::StrCat("--report ", report_path, " is also the --output NEFF"));
    }
    if (auto s = ncc::fileio::CheckOutputPath(report_path, input_files); !s.ok()) {
      return Fail(kExitOutput, absl::StrCat("--report: ", s.message()));
    }
  }

  auto start = std::chrono::steady_clock::now();
  ncc::driver::CompileReport report;
  auto result = ncc::driver::CompileFile(positionals, framework, options, &report);
  if (!result.ok())
    return Fail(ExitCodeFor(result.status()), std::string(result.status().message()));
  if (auto s = ncc::fileio::WriteFileSafely(output, result->neff, input_files); !s.ok()) {
    return Fail(kExitOutput, std::string(s.message()));
  }
  if (!report_path.empty()) {
    auto json = ncc::tools::CompileReportJson(result->report, result->neff);
    if (!json.ok()) return Fail(kExitCompile, std::string(json.status().message()));
    if (auto s = ncc::fileio::WriteFileSafely(report_path, *json, input_files); !s.ok()) {
      return Fail(kExitOutput, absl::StrCat("--report: ", s.message()));
    }
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (verbose) PrintReport(result->report);
  if (!result->report.accuracy.empty()) {
    std::printf("accuracy of auto-cast %s against FP32 (%d samples, simulator):\n%s",
                options.auto_cast.Describe().c_str(), options.verify_accuracy_samples,
                ncc::driver::FormatAccuracy(result->report.accuracy).c_str());
  }
  for (const std::string& note : result->report.notes) {
    std::fprintf(stderr, "neuron-cc: note: %s\n", note.c_str());
  }
  for (const std::string& w : result->report.accuracy_warnings) {
    std::fprintf(stderr, "neuron-cc: warning: %s\n", w.c_str());
  }
  if (quiet) return 0;
  std::printf("neuron-cc: compiled %s -> %s (%zu bytes) in %.1f ms\n",
              absl::StrJoin(positionals, " + ").c_str(),
              output.c_str(), result->neff.size(), ms);
  std::printf("estimated device latency: %.1f us (compiler cost-model estimate, %s)\n",
              result->report.estimated_latency_ns / 1000.0, "NeuronCore-v2");
  if (!result->report.stages.empty()) {
    std::printf("pipelined over %zu NeuronCores: estimated throughput %.0f inferences/s "
                "(one result every %.1f us with requests streamed; estimate)\n",
                result->report.stages.size(), 1e9 / result->report.estimated_interval_ns,
                result->report.estimated_interval_ns / 1000.0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ncc::cli::CommandLine cli("neuron-cc", kUsage, kExitUsage);
  cli.UsageIfNoArguments();
  bool version = false;
  cli.Switch("--version", &version);
  ncc::cli::Command& compile = cli.Subcommand("compile");
  CompileFlagStorage compile_flags;
  DeclareCompileFlags(compile, &compile_flags);
  ncc::cli::Command& list = cli.Subcommand("list-operators");
  std::string list_framework = "ONNX";
  bool list_json = false;
  list.Value("--framework", &list_framework);
  list.Switch("--json", &list_json);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (version) {
    std::printf("neuron-cc %s (NEFF format %d.%d)\n", ncc::driver::kCompilerVersion,
                neff::kVersionMajor, neff::kVersionMinor);
    return 0;
  }
  if (compile.chosen()) return Compile(compile, compile_flags.positionals);
  if (list.chosen()) return ListOperators(list_framework, list_json);
  return cli.UsageError("no command given (expected compile or list-operators)");
}
