// The compiler pipeline as a library: model files -> IR (through the
// frontend registered for the framework) -> passes -> tile program ->
// allocation -> schedule -> NEFF bytes. Every tool calls this.
#ifndef NCC_COMPILER_DRIVER_COMPILE_H_
#define NCC_COMPILER_DRIVER_COMPILE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/alloc/residency.h"
#include "compiler/driver/accuracy.h"
#include "compiler/ir/dtype.h"
#include "compiler/lower/lower.h"
#include "compiler/passes/auto_cast_policy.h"
#include "compiler/passes/pass_manager.h"
#include "frontends/frontend.h"
#include "frontends/options.h"

namespace ncc::driver {

inline constexpr char kCompilerVersion[] = "0.1.0";

struct CompileOptions {
  // Pins for dynamic input dimensions (--input-shape / --io-config).
  frontends::InputShapes input_shapes;
  // Input dtypes the model must declare (--io-config).
  std::map<std::string, ir::DType> input_dtypes;
  // Graph inputs fixed at compile time (--freeze-input NAME=FILE.npy): each
  // becomes a constant before shape inference, so shapes and structural
  // parameters derived from it (Slice starts, Resize scales, Pad pads, ...)
  // are static; it is not an input of the NEFF.
  std::map<std::string, frontends::FrozenInput> frozen_inputs;
  // Outputs to keep (from --io-config); empty keeps the model's.
  std::vector<std::string> outputs;
  // Which graph of a multi-graph format to read (--tags, --signature; see
  // frontends::ImportOptions).
  std::vector<std::string> tags;
  std::string signature;
  // The command line as given, recorded in the NEFF metadata.
  std::vector<std::string> flags;
  // Graph passes: auto-cast policy (--auto-cast / --fast-math), pass names
  // to print the IR after ("all" for every pass), where to print it
  // (default stderr), and IR verification between passes even in optimised
  // builds (always on in debug builds).
  passes::AutoCastPolicy auto_cast;
  std::set<std::string> print_ir_after;
  std::function<void(absl::string_view)> print_ir_sink;
  bool verify_ir = false;
  // Serve loads of intermediates from the producer's SBUF tile
  // (alloc::KeepTilesResident); --no-sbuf-residency turns it off.
  bool sbuf_residency = true;
  // --verify-schedule: independent O(n^2) race check of the schedule.
  bool verify_schedule = false;
  // --neuroncore-pipeline-cores: NeuronCores the model is pipelined over
  // (1 to kMaxPipelineCores). Above 1 the graph is cut into that many
  // stages, each compiled for its own core with its weights kept resident
  // in SBUF where they fit (compiler/driver/pipeline_stages.h).
  int pipeline_cores = 1;
  // --verify-accuracy[=N]: when > 0, the FP32 program is compiled too and
  // both run on the simulator on this many samples; the figures go into the
  // report and the NEFF metadata.
  int verify_accuracy_samples = 0;
  AccuracyOptions accuracy;
  // Runs both programs and compares them (compiler/accuracy's
  // CompareOnSimulator); required when verify_accuracy_samples > 0. A
  // callback because running a NEFF needs the runtime, which the driver does
  // not depend on.
  AccuracyComparer compare_accuracy;
  // Outputs whose cosine falls below this are listed in
  // CompileReport::accuracy_warnings.
  double accuracy_min_cosine = 0.999;
};

// One stage of a pipelined model (CompileReport::stages).
struct StageReport {
  int first_op = 0, end_op = 0;  // ops of the optimised graph, [first, end)
  std::string first_node, last_node;
  std::string cut;           // what decided where it ends (StageCutName)
  double planned_ns = 0;     // the planner's estimate
  double estimated_ns = 0;   // the scheduled stage's estimate
  double transfer_in_ns = 0; // estimated inter-core transfer into it
  int64_t bytes_in = 0;      // activations received from earlier stages
  int64_t weight_bytes = 0;  // constants its ops read
  // Weight bytes loaded once into SBUF at load / still loaded at every
  // execution, and the SBUF per partition the resident ones occupy.
  int64_t resident_bytes = 0;
  int64_t streamed_bytes = 0;
  int64_t sbuf_resident_bytes = 0;
  int64_t sbuf_peak_bytes = 0;  // per partition, resident weights included
  int64_t instructions = 0;
  std::array<double, 5> busy_ns{};  // per engine, as CompileReport::busy_ns
  // Estimated time of the weight loads run once at load (not per request).
  double load_ns = 0;
};

struct CompileReport {
  std::vector<std::pair<std::string, double>> stage_ms;  // in pipeline order
  int64_t ops_imported = 0;
  int64_t ops_after_passes = 0;
  std::array<int64_t, 5> instructions{};  // Tensor, Vector, Scalar, GpSimd, DMA
  std::array<double, 5> busy_ns{};        // estimates
  // The critical path's time and instructions per engine (estimates).
  std::array<double, 5> critical_ns{};
  std::array<int64_t, 5> critical_count{};
  int64_t semaphore_waits = 0;
  int64_t sbuf_peak_bytes = 0;  // per partition
  // Instructions for which freed SBUF stays idle before reuse (alloc's
  // double-buffering distance).
  int64_t sbuf_reuse_distance = 0;
  int64_t psum_peak_bytes = 0;  // per partition
  int64_t dram_bytes = 0;
  int64_t weights_bytes = 0;
  // Loads served from SBUF, stores dropped, and spills (tiles left as a
  // DRAM round trip for lack of SBUF).
  alloc::ResidencyStats residency;
  int64_t dma_bytes = 0;
  // Large DMA_COPYs spread over the DMA queues, and the pieces they became.
  int64_t dma_split = 0;
  int64_t dma_pieces = 0;
  // Layout changes the lowering placed on the Tensor engine (TensorE
  // transposes through PSUM) and those done by strided DRAM copies.
  int64_t tensor_transposes = 0;
  int64_t dma_transposes = 0;
  double estimated_latency_ns = 0;  // estimate on the target's cost model
  // Pipelined models (--neuroncore-pipeline-cores > 1): the stages, and the
  // estimated steady-state interval between results with requests streamed
  // (the slowest stage with its incoming transfer). 0 when not pipelined.
  std::vector<StageReport> stages;
  double estimated_interval_ns = 0;
  std::vector<lower::UnsupportedOp> unsupported;
  std::vector<passes::PassRecord> passes;  // per pass: wall time, op count
  std::vector<OutputAccuracy> accuracy;    // --verify-accuracy
  std::vector<std::string> accuracy_warnings;
  // Not errors, but worth a line on stderr (e.g. float64 computed in float32).
  std::vector<std::string> notes;
};

struct CompileResult {
  std::string neff;  // the file's bytes
  CompileReport report;
};

// Compiles the model in `model_files` (one .onnx file; other frameworks may
// take several files or a directory) with the frontend registered for
// `framework` (frontends/registry.h, case-insensitive); an unknown framework
// is INVALID_ARGUMENT naming the registered ones. On unsupported ops the
// status is UNIMPLEMENTED and `report->unsupported` (when given) lists every
// one of them.
absl::StatusOr<CompileResult> CompileFile(const std::vector<std::string>& model_files,
                                          absl::string_view framework,
                                          const CompileOptions& options,
                                          CompileReport* report = nullptr);

// A model a framework integration holds in memory (frameworks/pytorch: one
// section of a traced model). `import` builds its IR; it is called twice with
// --verify-accuracy (once more for the FP32 reference).
struct InMemoryModel {
  std::string framework;      // recorded in the NEFF metadata ("PYTORCH")
  std::string label;          // prefixes messages, like a model path
  std::string source_sha256;  // recorded in the NEFF metadata; may be empty
  std::function<absl::StatusOr<frontends::ImportedModel>()> import;
};

// CompileFile for a model in memory.
absl::StatusOr<CompileResult> CompileInMemory(const InMemoryModel& model,
                                              const CompileOptions& options,
                                              CompileReport* report = nullptr);

// One line summarising unsupported ops: "2 unsupported ops: Foo (x1: 'a'),
// Bar (x1: 'b': reason)".
std::string DescribeUnsupported(const std::vector<lower::UnsupportedOp>& ops);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_COMPILE_H_
