#include "compiler/driver/compile.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/alloc/allocate.h"
#include "compiler/alloc/pin_weights.h"
#include "compiler/alloc/residency.h"
#include "compiler/driver/pipeline_stages.h"
#include "compiler/driver/resource_limits.h"
#include "compiler/driver/sha256.h"
#include "compiler/emit/emit_neff.h"
#include "compiler/lower/lower_context.h"
#include "compiler/passes/pipeline.h"
#include "compiler/schedule/schedule.h"
#include "compiler/schedule/split_dma.h"
#include "fileio/bounded_read.h"
#include "frontends/frontend.h"
#include "frontends/registry.h"
#include "neff/format.h"
#include "text/printable.h"

namespace ncc::driver {

// "<model path>: <message>", keeping the status code.
absl::Status WithModel(const std::string& model_path, const absl::Status& status);

namespace {

class StageTimer {
 public:
  explicit StageTimer(CompileReport* report) : report_(report) {}
  // Prefixes the next stages' names (e.g. "stage 2: ").
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  void Done(absl::string_view stage) {
    auto now = std::chrono::steady_clock::now();
    report_->stage_ms.emplace_back(std::string(prefix_) + std::string(stage),
                                   std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  CompileReport* report_;
  std::string prefix_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Residency first, then allocation. Residency budgets live SBUF per
// instruction but not fragmentation, so when the tiles it kept on chip
// cannot be placed, it runs again on a smaller budget, and finally not at
// all (every intermediate then makes its DRAM round trip). Measured on the
// real models, 75% was as good as or better than smaller budgets once the
// allocator reserved double-buffering space buffer by buffer (ResNet-50
// 2129 us against 2252 at 45% and 2309 at 30%, estimates).
absl::Status AllocateWithResidency(const CompileOptions& options, const target::CoreSpec& spec,
                                   lower::TileProgram& program, alloc::AllocationStats* alloc_stats,
                                   alloc::ResidencyStats* residency,
                                   int64_t pinned_sbuf_bytes = 0) {
  if (!options.sbuf_residency) return alloc::Allocate(program, spec, alloc_stats);
  // Resident weights (alloc::PinWeights) hold their SBUF for the whole
  // program: residency budgets what is left.
  target::CoreSpec residency_spec = spec;
  residency_spec.sbuf_partition_bytes -= pinned_sbuf_bytes;
  // Only the instructions change between tries; the buffers (and the
  // weights they hold) are shared.
  const std::vector<lower::TileInst> original = program.insts;
  absl::Status status;
  for (double budget : {0.75, 0.5, 0.25, 0.0}) {
    program.insts = original;
    for (lower::Buffer& b : program.buffers) {
      b.address = -1;
      b.reuses.clear();
    }
    *residency = {};
    if (budget > 0) alloc::KeepTilesResident(program, residency_spec, {budget}, residency);
    status = alloc::Allocate(program, spec, alloc_stats);
    if (status.code() != absl::StatusCode::kResourceExhausted) return status;
  }
  return status;
}

// One core's program, lowered, allocated and scheduled.
struct CoreProgram {
  lower::TileProgram program;
  alloc::AllocationStats alloc;
  alloc::ResidencyStats residency;
  alloc::PinWeightsStats pinned;
  schedule::SplitDmaStats split;
  schedule::Schedule schedule;
};

// Allocates and schedules a lowered program; `pin_share` > 0 first pins
// weight tiles in that share of SBUF (they are then loaded once, at load).
// `original` is the lowered instruction list, restored first, so that the
// same lowering can be tried with several shares.
absl::Status AllocateAndSchedule(const target::CoreSpec& spec, const CompileOptions& options,
                                 const std::vector<lower::TileInst>& original, double pin_share,
                                 CoreProgram& core) {
  lower::TileProgram& p = core.program;
  p.insts = original;
  p.load_insts.clear();
  for (lower::Buffer& b : p.buffers) {
    if (b.space == lower::Space::SBUF) b.pinned = false;
  }
  core.pinned = {};
  if (pin_share > 0) {
    core.pinned = alloc::PinWeights(
        p, static_cast<int64_t>(pin_share * static_cast<double>(spec.sbuf_partition_bytes)));
  }
  if (auto s = AllocateWithResidency(options, spec, p, &core.alloc, &core.residency,
                                     core.pinned.sbuf_bytes);
      !s.ok()) {
    return s;
  }
  core.split = schedule::SplitLargeDmas(p, spec);
  auto sched = schedule::ScheduleProgram(p, spec);
  if (!sched.ok()) return sched.status();
  core.schedule = *std::move(sched);
  return absl::OkStatus();
}

// Lowers, allocates and schedules `graph` for one core. With
// `resident_weights`, weight tiles are pinned in SBUF (loaded once at
// load). Weights held on chip leave less SBUF for the working set (fewer
// intermediates served on chip, less double buffering), so several shares
// of SBUF for them are tried and the one with the shortest estimate kept.
absl::StatusOr<std::unique_ptr<CoreProgram>> BuildCoreProgram(const ir::Graph& graph,
                                                              const target::CoreSpec& spec,
                                                              const CompileOptions& options,
                                                              bool resident_weights,
                                                              StageTimer& timer) {
  auto core = std::make_unique<CoreProgram>();
  auto program = lower::Lower(graph, spec);
  if (!program.ok()) return program.status();
  core->program = *std::move(program);
  timer.Done("lower");

  const std::vector<lower::TileInst> original = core->program.insts;
  if (!resident_weights) {
    lower::TileProgram& p = core->program;
    if (auto s = AllocateWithResidency(options, spec, p, &core->alloc, &core->residency);
        !s.ok()) {
      return s;
    }
    timer.Done("allocate");
    core->split = schedule::SplitLargeDmas(p, spec);
    auto sched = schedule::ScheduleProgram(p, spec);
    if (!sched.ok()) return sched.status();
    core->schedule = *std::move(sched);
    if (options.verify_schedule) {
      if (auto s = schedule::VerifySchedule(p, core->schedule); !s.ok()) return s;
    }
    timer.Done("schedule");
    return core;
  }
  {
    constexpr double kShares[] = {0.85, 0.7, 0.55, 0.4, 0.25, 0.0};
    double best_share = -1, best_ns = std::numeric_limits<double>::max();
    // The share `core` holds the program of now (-1: none, after a failure).
    double current = -1;
    absl::Status first_error;
    int64_t last_pinned = -1;
    for (double share : kShares) {
      const auto budget =
          static_cast<int64_t>(share * static_cast<double>(spec.sbuf_partition_bytes));
      // Everything fitted in the last share and still fits this one: the
      // same program again.
      if (last_pinned >= 0 && last_pinned <= budget) continue;
      absl::Status s = AllocateAndSchedule(spec, options, original, share, *core);
      current = s.ok() ? share : -1;
      if (s.code() == absl::StatusCode::kResourceExhausted) {
        if (first_error.ok()) first_error = s;
        continue;
      }
      if (!s.ok()) return s;
      if (core->schedule.estimated_ns < best_ns) {
        best_ns = core->schedule.estimated_ns;
        best_share = share;
      }
      last_pinned = core->pinned.streamed_bytes == 0 ? core->pinned.sbuf_bytes : -1;
    }
    if (best_share < 0) return first_error;
    if (best_share != current) {
      if (auto s = AllocateAndSchedule(spec, options, original, best_share, *core); !s.ok()) {
        return s;
      }
    }
  }
  if (options.verify_schedule) {
    if (auto s = schedule::VerifySchedule(core->program, core->schedule); !s.ok()) return s;
  }
  timer.Done("allocate and schedule");
  return core;
}

// A model pipelined over several cores: the stage graphs, their programs,
// their single-core NEFFs, and the figures of each stage.
struct BuiltPipeline {
  std::vector<StagePlan> plans;
  std::unique_ptr<PipelineGraphs> graphs;
  std::vector<std::unique_ptr<CoreProgram>> cores;
  std::vector<std::string> stage_neffs;
  std::vector<StageReport> stages;
  double latency_ns = 0;
  double interval_ns = 0;
};

// Builds the stages of `plans`, each for its core with resident weights
// (stages on consecutive cores from core 0, for the transfer estimates).
absl::StatusOr<BuiltPipeline> BuildStages(const ir::Graph& graph, std::vector<StagePlan> plans,
                                          const target::CoreSpec& spec,
                                          const CompileOptions& options,
                                          const std::string& model_path,
                                          const neff::MetadataSpec& metadata,
                                          const std::string& label, StageTimer& timer) {
  auto graphs = ExtractStages(graph, plans);
  if (!graphs.ok()) return WithModel(model_path, graphs.status());
  BuiltPipeline built;
  built.graphs = std::make_unique<PipelineGraphs>(*std::move(graphs));
  const target::ChipSpec& chip = target::Inferentia2();
  for (size_t s = 0; s < plans.size(); ++s) {
    const StagePlan& plan = plans[s];
    const StageGraph& stage = built.graphs->stages[s];
    timer.set_prefix(absl::StrCat(label, "stage ", s, ": "));
    auto core = BuildCoreProgram(*stage.graph, spec, options, /*resident_weights=*/true, timer);
    timer.set_prefix("");
    if (!core.ok()) {
      return absl::Status(core.status().code(),
                          absl::StrCat(model_path, ": pipeline stage ", s, " of ", plans.size(),
                                       " (", graph.ops()[plan.first_op]->Describe(), " to ",
                                       graph.ops()[plan.end_op - 1]->Describe(),
                                       "): ", core.status().message()));
    }
    const CoreProgram& c = **core;
    neff::MetadataSpec stage_metadata = metadata;
    stage_metadata.estimated_latency_ns = c.schedule.estimated_ns;
    built.stage_neffs.push_back(
        emit::EmitNeff(c.program, c.schedule, c.alloc, std::move(stage_metadata)));

    // Activations from each earlier stage, one transfer per source core.
    std::map<int, int64_t> bytes_from;
    for (size_t k = 0; k < stage.input_sources.size(); ++k) {
      const int from = stage.input_sources[k].stage;
      if (from >= 0) bytes_from[from] += stage.graph->inputs()[k]->size_bytes();
    }
    StageReport r;
    for (const auto& [from, bytes] : bytes_from) {
      r.transfer_in_ns += target::InterCoreTransferNs(chip, bytes, from, static_cast<int>(s));
    }
    r.first_op = plan.first_op;
    r.end_op = plan.end_op;
    r.first_node = graph.ops()[plan.first_op]->Describe();
    r.last_node = graph.ops()[plan.end_op - 1]->Describe();
    r.cut = StageCutName(plan.cut);
    r.planned_ns = plan.estimated_ns;
    r.estimated_ns = c.schedule.estimated_ns;
    r.bytes_in = stage.bytes_in;
    r.weight_bytes = plan.weight_bytes;
    r.resident_bytes = c.pinned.resident_bytes;
    r.streamed_bytes = c.pinned.streamed_bytes;
    r.sbuf_resident_bytes = c.pinned.sbuf_bytes;
    r.sbuf_peak_bytes = c.alloc.sbuf_peak_bytes;
    for (int64_t n : c.schedule.instruction_counts) r.instructions += n;
    r.busy_ns = c.schedule.busy_ns;
    for (const lower::TileInst& inst : c.program.load_insts) {
      r.load_ns += schedule::InstructionCostNs(inst, c.program, spec);
    }
    built.latency_ns += r.transfer_in_ns + r.estimated_ns;
    built.interval_ns = std::max(built.interval_ns, r.transfer_in_ns + r.estimated_ns);
    built.stages.push_back(std::move(r));
    built.cores.push_back(*std::move(core));
  }
  built.plans = std::move(plans);
  return built;
}

// Plans and builds the pipeline. The planner's per-op costs ignore how ops
// overlap on a core, so after a first build each stage's ops are rescaled
// by how far its scheduled estimate fell from the plan, and the stages are
// planned and built once more when that promises a shorter interval; the
// better of the two builds is kept.
absl::StatusOr<BuiltPipeline> BuildPipeline(const ir::Graph& graph, const target::CoreSpec& spec,
                                            const CompileOptions& options,
                                            const std::string& model_path,
                                            const neff::MetadataSpec& metadata,
                                            StageTimer& timer) {
  const int num_cores = options.pipeline_cores;
  if (num_cores > kMaxPipelineCores) {
    return absl::InvalidArgumentError(absl::StrCat("--neuroncore-pipeline-cores ", num_cores,
                                                   ": at most ", kMaxPipelineCores,
                                                   " NeuronCores"));
  }
  std::vector<double> op_ns;
  {
    // The planner's costs: the whole graph lowered once, for its cost model.
    auto whole = lower::Lower(graph, spec);
    if (!whole.ok()) return whole.status();
    op_ns = EstimateOpCosts(graph, *whole, spec);
  }
  // Constants a stage may hold: half of SBUF. Pinned tiles take about 1.3x
  // their weight bytes (partitions they leave unused) and the working set
  // needs the rest (BERT-base, 16 cores: interval 152 us at 50%, 244 us at
  // 70%, estimates).
  const int64_t weight_budget =
      static_cast<int64_t>(0.5 * static_cast<double>(spec.sbuf_partition_bytes)) * spec.partitions;
  const std::vector<int64_t> op_weights = OpWeightBytes(graph);
  auto plans = PlanStages(op_ns, op_weights, num_cores, weight_budget);
  if (!plans.ok()) return WithModel(model_path, plans.status());
  timer.Done("plan stages");
  auto built = BuildStages(graph, *plans, spec, options, model_path, metadata, "", timer);
  if (!built.ok()) return built.status();

  // Calibrate each op by its stage's scheduled / planned time.
  double slowest = 0, fastest = std::numeric_limits<double>::max();
  for (size_t s = 0; s < built->stages.size(); ++s) {
    const StageReport& r = built->stages[s];
    slowest = std::max(slowest, r.estimated_ns);
    fastest = std::min(fastest, r.estimated_ns);
    if (r.planned_ns <= 0) continue;
    const double scale = r.estimated_ns / r.planned_ns;
    for (int i = r.first_op; i < r.end_op; ++i) op_ns[i] *= scale;
  }
  // Balanced within 10% already: a second build would not pay for itself.
  if (slowest <= 1.1 * fastest) return built;
  auto replanned = PlanStages(op_ns, op_weights, num_cores, weight_budget);
  if (!replanned.ok()) return built;
  bool same = true;
  for (size_t s = 0; s < replanned->size(); ++s) {
    same &= (*replanned)[s].first_op == built->plans[s].first_op &&
            (*replanned)[s].end_op == built->plans[s].end_op;
  }
  if (same) return built;
  timer.Done("replan stages");
  auto second =
      BuildStages(graph, *replanned, spec, options, model_path, metadata, "replanned ", timer);
  if (!second.ok() || second->interval_ns >= built->interval_ns) return built;
  return second;
}

// The pipelined NEFF: the stages' NEFFs and how they connect.
std::string EmitPipeline(const ir::Graph& graph, const PipelineGraphs& graphs,
                         const std::vector<std::string>& stage_neffs, neff::MetadataSpec metadata) {
  neff::Writer writer;
  for (size_t s = 0; s < stage_neffs.size(); ++s) {
    writer.AddStage(stage_neffs[s], graphs.stages[s].input_sources);
  }
  auto spec_of = [](const ir::Value& v) {
    return neff::TensorSpec{v.name, lower::ToNeffDType(v.dtype).value_or(neff::DType::F32),
                            v.shape, 0};
  };
  for (const ir::Value* v : graph.inputs()) writer.AddInput(spec_of(*v));
  for (const ir::Value* v : graph.outputs()) writer.AddOutput(spec_of(*v));
  for (const neff::TensorSourceSpec& source : graphs.output_sources) {
    writer.AddOutputSource(source);
  }
  writer.set_metadata(std::move(metadata));
  return writer.Finish();
}

// The SHA-256 of a file's bytes, read in pieces: the frontend holds the
// model in memory already, the digest needs no second copy of it. Empty
// when the file cannot be read.
std::string FileSha256(const std::string& path) {
  constexpr int64_t kPiece = int64_t{1} << 20;
  auto file = fileio::RegularFile::Open(path);
  if (!file.ok()) return "";
  Sha256 sha;
  for (;;) {
    auto piece = file->Read(kPiece);
    if (!piece.ok()) return "";
    if (piece->empty()) break;
    sha.Update(*piece);
  }
  return sha.HexDigest();
}

// The source digest in the NEFF metadata: for one file (every ONNX model),
// the SHA-256 of its bytes, as it has always been; for several files or a
// directory, the SHA-256 of a manifest listing each file's path and digest.
// Empty when a file cannot be read (the frontend reports that).
std::string SourceSha256(const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (files.size() == 1 && !fs::is_directory(files[0], error)) {
    return FileSha256(files[0]);
  }
  std::string manifest;
  for (const std::string& file : files) {
    std::vector<std::string> paths;
    if (fs::is_directory(file, error)) {
      for (const auto& entry : fs::recursive_directory_iterator(file, error)) {
        if (entry.is_regular_file(error)) paths.push_back(entry.path().string());
      }
      std::sort(paths.begin(), paths.end());
    } else {
      paths.push_back(file);
    }
    // Named relative to the directory given (a file given by name: its base
    // name), so that the digest does not depend on where the model lives.
    for (const std::string& path : paths) {
      const std::string digest = FileSha256(path);
      if (digest.empty()) return "";
      const fs::path name = path == file ? fs::path(path).filename()
                                         : fs::path(path).lexically_relative(file);
      absl::StrAppend(&manifest, name.string(), "\n", digest, "\n");
    }
  }
  return Sha256Hex(manifest);
}

// The digest of the files given, extended by the files the import read
// besides them, each by the name the model refers to it (so the digest does
// not depend on where the model lives).
std::string WithFilesAlsoRead(const std::string& digest,
                              const std::vector<std::pair<std::string, std::string>>& also_read) {
  if (also_read.empty() || digest.empty()) return digest;
  std::string manifest = digest + "\n";
  for (const auto& [name, path] : also_read) {
    const std::string digest = FileSha256(path);
    if (digest.empty()) return "";
    absl::StrAppend(&manifest, name, "\n", digest, "\n");
  }
  return Sha256Hex(manifest);
}

// The pipeline after import, shared by CompileFile and CompileInMemory.
using Importer = std::function<absl::StatusOr<frontends::ImportedModel>()>;
absl::StatusOr<CompileResult> Compile(const Importer& import, absl::string_view framework,
                                      const std::string& model_path,
                                      const std::shared_future<std::string>& source_sha256,
                                      const CompileOptions& options, CompileReport* report_out);

}  // namespace

absl::Status WithModel(const std::string& model_path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(model_path, ": ", status.message()));
}

std::string DescribeUnsupported(const std::vector<lower::UnsupportedOp>& ops) {
  // Grouped by op type and reason, in first-seen order, with counts.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  std::map<std::string, size_t> index;
  for (const lower::UnsupportedOp& op : ops) {
    // Reasons quote IR value names, which come from the model: escaped whole.
    std::string key = absl::StrCat(ncc::text::PrintableName(op.op_type), ": ",
                                   ncc::text::PrintableName(op.reason));
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({key, {}});
    groups[it->second].second.push_back(op.node_name);
  }
  std::vector<std::string> parts;
  for (const auto& [key, names] : groups) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < std::min<size_t>(3, names.size()); ++i) {
      shown.push_back(ncc::text::QuotedName(names[i]));
    }
    parts.push_back(absl::StrCat(key, " (x", names.size(), ": ", absl::StrJoin(shown, ", "),
                                 names.size() > 3 ? ", ..." : "", ")"));
  }
  return absl::StrCat(ops.size(), " unsupported op", ops.size() == 1 ? "" : "s", ": ",
                      absl::StrJoin(parts, "; "));
}

absl::StatusOr<CompileResult> CompileFile(const std::vector<std::string>& model_files,
                                          absl::string_view framework,
                                          const CompileOptions& options,
                                          CompileReport* report_out) {
  const frontends::Frontend* frontend = frontends::FindFrontend(framework);
  if (frontend == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "framework ", ncc::text::QuotedName(framework), " is not supported yet (supported: ",
        absl::StrJoin(frontends::RegisteredFrameworks(), ", "), ")"));
  }
  if (model_files.empty()) return absl::InvalidArgumentError("no model file given");
  // Messages about the whole model start with where it came from.
  const std::string model_path = absl::StrJoin(model_files, ", ");
  // The source digest for the metadata runs on the second core while the
  // model is imported and compiled (hashing 100 MB takes about half a second).
  std::shared_future<std::string> source_sha256 =
      std::async(std::launch::async, [&model_files] { return SourceSha256(model_files); })
          .share();
  frontends::ImportOptions import_options;
  import_options.input_shapes = options.input_shapes;
  import_options.input_dtypes = options.input_dtypes;
  import_options.frozen_inputs = options.frozen_inputs;
  import_options.outputs = options.outputs;
  import_options.tags = options.tags;
  import_options.signature = options.signature;
  auto import = [frontend, &model_files, import_options] {
    return frontend->Import(model_files, import_options);
  };
  return Compile(import, frontend->name(), model_path, source_sha256, options, report_out);
}

absl::StatusOr<CompileResult> CompileInMemory(const InMemoryModel& model,
                                              const CompileOptions& options,
                                              CompileReport* report_out) {
  if (!model.import) return absl::InvalidArgumentError("CompileInMemory: no import function");
  std::promise<std::string> digest;
  digest.set_value(model.source_sha256);
  return Compile(model.import, model.framework, model.label, digest.get_future().share(),
                 options, report_out);
}

namespace {

absl::StatusOr<CompileResult> Compile(const Importer& import, absl::string_view framework,
                                      const std::string& model_path,
                                      const std::shared_future<std::string>& source_sha256,
                                      const CompileOptions& options, CompileReport* report_out) {
  CompileResult result;
  CompileReport& report = result.report;
  StageTimer timer(&report);
  auto imported = import();
  if (!imported.ok()) return imported.status();
  ir::Graph& graph = *imported->graph;
  report.ops_imported = static_cast<int64_t>(graph.ops().size());
  report.notes = imported->notes;
  timer.Done("import");
  const target::CoreSpec& spec = target::NeuronCoreV2();
  // Before the passes too: folding and layout passes walk every element.
  if (auto s = CheckResourceLimits(graph, spec); !s.ok()) return WithModel(model_path, s);

  passes::PassManagerOptions pass_options;
  pass_options.print_ir_after = options.print_ir_after;
  pass_options.print_sink = options.print_ir_sink;
  pass_options.verify_between_passes |= options.verify_ir;
  passes::PassManager pass_manager(pass_options);
  passes::AddDefaultPipeline(pass_manager, options.auto_cast);
  if (auto changed = pass_manager.Run(graph); !changed.ok()) return changed.status();
  report.passes = pass_manager.records();
  if (auto s = ir::Verify(graph); !s.ok()) {
    return absl::InternalError(absl::StrCat("IR invalid after passes: ", s.message()));
  }
  report.ops_after_passes = static_cast<int64_t>(graph.ops().size());
  timer.Done("passes");

  if (options.auto_cast.mode == passes::AutoCastMode::kAll) {
    lower::LegalizeSixteenBitFloats(graph);
    if (auto s = ir::Verify(graph); !s.ok()) {
      return absl::InternalError(
          absl::StrCat("IR invalid after 16-bit legalization: ", s.message()));
    }
  }
  report.unsupported = lower::FindUnsupported(graph);
  if (!report.unsupported.empty()) {
    if (report_out) *report_out = report;
    return absl::UnimplementedError(
        absl::StrCat(model_path, ": ", DescribeUnsupported(report.unsupported)));
  }
  if (auto s = CheckResourceLimits(graph, spec); !s.ok()) return WithModel(model_path, s);

  neff::MetadataSpec metadata;
  metadata.framework = std::string(framework);
  metadata.compiler_version = kCompilerVersion;
  metadata.flags = options.flags;
  metadata.target = spec.name;

  // The programs, and how to write the NEFF from them with given metadata
  // (written again when the accuracy figures join the metadata).
  std::vector<std::unique_ptr<CoreProgram>> cores;
  std::function<std::string(neff::MetadataSpec)> emit;
  std::unique_ptr<PipelineGraphs> pipeline;
  // The source digest is computed on the second core since the start;
  // waited for as late as possible (a 400 MB model's takes longer than its
  // import).
  auto digest = [&] { return WithFilesAlsoRead(source_sha256.get(), imported->also_read); };
  if (options.pipeline_cores <= 1) {
    auto core = BuildCoreProgram(graph, spec, options, /*resident_weights=*/false, timer);
    if (!core.ok()) return core.status();
    metadata.source_sha256 = digest();
    cores.push_back(*std::move(core));
    metadata.estimated_latency_ns = cores[0]->schedule.estimated_ns;
    report.estimated_latency_ns = cores[0]->schedule.estimated_ns;
    const CoreProgram* c = cores[0].get();
    emit = [c](neff::MetadataSpec m) {
      return emit::EmitNeff(c->program, c->schedule, c->alloc, std::move(m));
    };
  } else {
    metadata.source_sha256 = digest();  // the stages' NEFFs carry it too
    auto built = BuildPipeline(graph, spec, options, model_path, metadata, timer);
    if (!built.ok()) return built.status();
    pipeline = std::move(built->graphs);
    cores = std::move(built->cores);
    report.stages = std::move(built->stages);
    report.estimated_latency_ns = built->latency_ns;
    report.estimated_interval_ns = built->interval_ns;
    metadata.num_cores = static_cast<uint32_t>(cores.size());
    metadata.estimated_latency_ns = report.estimated_latency_ns;
    metadata.estimated_interval_ns = report.estimated_interval_ns;
    emit = [stage_neffs = std::move(built->stage_neffs), graphs = pipeline.get(),
            &graph](neff::MetadataSpec m) {
      return EmitPipeline(graph, *graphs, stage_neffs, std::move(m));
    };
  }
  result.neff = emit(metadata);
  timer.Done("emit NEFF");

  if (options.verify_accuracy_samples > 0) {
    // The FP32 program is the reference; the figures go into the metadata,
    // so the NEFF is emitted again (emission is deterministic).
    CompileOptions fp32 = options;
    fp32.auto_cast = passes::AutoCastPolicy{};
    fp32.verify_accuracy_samples = 0;
    fp32.print_ir_after.clear();
    // The reference runs on one core: a pipelined program computes what the
    // single-core one does (tests/end_to_end:pipeline_models_test).
    fp32.pipeline_cores = 1;
    if (!options.compare_accuracy) {
      return absl::FailedPreconditionError(
          "--verify-accuracy needs CompileOptions::compare_accuracy (compiler/accuracy)");
    }
    auto reference = Compile(import, framework, model_path, source_sha256, fp32, nullptr);
    if (!reference.ok()) return reference.status();
    AccuracyOptions accuracy_options = options.accuracy;
    accuracy_options.samples = options.verify_accuracy_samples;
    accuracy_options.round_inputs_mantissa_bits =
        options.auto_cast.type == ir::DType::kF16 ? 10 : 7;
    auto figures = options.compare_accuracy(reference->neff, result.neff, accuracy_options);
    if (!figures.ok()) return figures.status();
    report.accuracy = *figures;
    for (const OutputAccuracy& f : *figures) {
      if (f.min_cosine < options.accuracy_min_cosine) {
        std::string why;
        if (f.input_rounding_cosine >= 0 && f.input_rounding_cosine < options.accuracy_min_cosine) {
          why = absl::StrCat("; FP32 itself reaches only ", f.input_rounding_cosine,
                             " when just its inputs are rounded to the cast type, so the model's "
                             "sensitivity, not the cast program, bounds this figure");
        }
        report.accuracy_warnings.push_back(
            absl::StrCat("output ", ncc::text::QuotedName(f.name), ": cosine ", f.min_cosine,
                         " against FP32 is below ", options.accuracy_min_cosine, " (auto-cast ",
                         options.auto_cast.Describe(), ")", why));
      }
    }
    for (const OutputAccuracy& f : *figures) {
      metadata.accuracy.push_back({f.name, f.max_abs_error, f.max_rel_error, f.min_cosine,
                                   f.top1_agreement, f.top5_agreement, f.input_rounding_cosine});
    }
    metadata.accuracy_auto_cast = options.auto_cast.Describe();
    metadata.accuracy_samples = static_cast<uint32_t>(options.verify_accuracy_samples);
    result.neff = emit(metadata);
    timer.Done("accuracy");
  }

  // Whole-model figures: summed over the cores (peaks: the largest).
  for (const auto& core : cores) {
    const schedule::Schedule& sched = core->schedule;
    for (int e = 0; e < 5; ++e) {
      report.instructions[e] += sched.instruction_counts[e];
      report.busy_ns[e] += sched.busy_ns[e];
      report.critical_ns[e] += sched.critical_ns[e];
      report.critical_count[e] += sched.critical_count[e];
    }
    report.semaphore_waits += sched.semaphore_waits;
    report.sbuf_peak_bytes = std::max(report.sbuf_peak_bytes, core->alloc.sbuf_peak_bytes);
    report.sbuf_reuse_distance = std::max<int64_t>(report.sbuf_reuse_distance,
                                                   core->alloc.reuse_distance);
    report.psum_peak_bytes = std::max(report.psum_peak_bytes, core->alloc.psum_peak_bytes);
    report.dram_bytes = std::max(report.dram_bytes, core->alloc.dram_bytes);
    report.weights_bytes += core->alloc.weights_bytes;
    report.dma_bytes += sched.dma_bytes;
    report.dma_split += core->split.split;
    report.dma_pieces += core->split.pieces;
    const alloc::ResidencyStats& r = core->residency;
    report.residency.sbuf_budget = r.sbuf_budget;
    report.residency.loads_forwarded += r.loads_forwarded;
    report.residency.loads_in_place += r.loads_in_place;
    report.residency.bytes_forwarded += r.bytes_forwarded;
    report.residency.stores_removed += r.stores_removed;
    report.residency.store_bytes_removed += r.store_bytes_removed;
    report.residency.spilled_loads += r.spilled_loads;
    report.residency.spill_bytes += r.spill_bytes;
    for (const lower::TileInst& inst : core->program.insts) {
      report.tensor_transposes += inst.opcode == neff::Opcode::TRANSPOSE;
    }
  }
  for (const auto& op : graph.ops()) report.dma_transposes += op->type == "Transpose";
  if (report_out) *report_out = report;
  return result;
}

}  // namespace
}  // namespace ncc::driver
