#include "compiler/driver/compile.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/alloc/allocate.h"
#include "compiler/alloc/residency.h"
#include "compiler/driver/resource_limits.h"
#include "compiler/driver/sha256.h"
#include "compiler/emit/emit_neff.h"
#include "compiler/passes/pipeline.h"
#include "compiler/schedule/schedule.h"
#include "compiler/schedule/split_dma.h"
#include "frontends/frontend.h"
#include "frontends/registry.h"
#include "neff/format.h"
#include "text/printable.h"

namespace ncc::driver {
namespace {

class StageTimer {
 public:
  explicit StageTimer(CompileReport* report) : report_(report) {}
  void Done(const char* stage) {
    auto now = std::chrono::steady_clock::now();
    report_->stage_ms.emplace_back(stage,
                                   std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  CompileReport* report_;
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
                                   alloc::ResidencyStats* residency) {
  if (!options.sbuf_residency) return alloc::Allocate(program, spec, alloc_stats);
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
    if (budget > 0) alloc::KeepTilesResident(program, spec, {budget}, residency);
    status = alloc::Allocate(program, spec, alloc_stats);
    if (status.code() != absl::StatusCode::kResourceExhausted) return status;
  }
  return status;
}

// The source digest in the NEFF metadata: for one file (every ONNX model),
// the SHA-256 of its bytes, as it has always been; for several files or a
// directory, the SHA-256 of a manifest listing each file's path and digest.
// Empty when a file cannot be read (the frontend reports that).
std::string SourceSha256(const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (files.size() == 1 && !fs::is_directory(files[0], error)) {
    auto bytes = neff::ReadFile(files[0]);
    return bytes.ok() ? Sha256Hex(*bytes) : "";
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
      auto bytes = neff::ReadFile(path);
      if (!bytes.ok()) return "";
      const fs::path name = path == file ? fs::path(path).filename()
                                         : fs::path(path).lexically_relative(file);
      absl::StrAppend(&manifest, name.string(), "\n", Sha256Hex(*bytes), "\n");
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
    auto bytes = neff::ReadFile(path);
    if (!bytes.ok()) return "";
    absl::StrAppend(&manifest, name, "\n", Sha256Hex(*bytes), "\n");
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
  auto program = lower::Lower(graph, spec);
  if (!program.ok()) return program.status();
  timer.Done("lower");

  alloc::AllocationStats alloc_stats;
  if (auto s = AllocateWithResidency(options, spec, *program, &alloc_stats, &report.residency);
      !s.ok()) {
    return s;
  }
  timer.Done("allocate");

  const schedule::SplitDmaStats split = schedule::SplitLargeDmas(*program, spec);
  report.dma_split = split.split;
  report.dma_pieces = split.pieces;
  auto sched = schedule::ScheduleProgram(*program, spec);
  if (!sched.ok()) return sched.status();
  if (options.verify_schedule) {
    if (auto s = schedule::VerifySchedule(*program, *sched); !s.ok()) return s;
  }
  timer.Done("schedule");

  neff::MetadataSpec metadata;
  metadata.framework = std::string(framework);
  metadata.source_sha256 = WithFilesAlsoRead(source_sha256.get(), imported->also_read);
  metadata.compiler_version = kCompilerVersion;
  metadata.flags = options.flags;
  metadata.target = spec.name;
  metadata.estimated_latency_ns = sched->estimated_ns;
  result.neff = emit::EmitNeff(*program, *sched, alloc_stats, metadata);
  timer.Done("emit NEFF");
  if (options.verify_accuracy_samples > 0) {
    // The FP32 program is the reference; the figures go into the metadata,
    // so the NEFF is emitted again (emission is deterministic).
    CompileOptions fp32 = options;
    fp32.auto_cast = passes::AutoCastPolicy{};
    fp32.verify_accuracy_samples = 0;
    fp32.print_ir_after.clear();
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
    result.neff = emit::EmitNeff(*program, *sched, alloc_stats, metadata);
    timer.Done("accuracy");
  }

  report.instructions = sched->instruction_counts;
  report.busy_ns = sched->busy_ns;
  report.critical_ns = sched->critical_ns;
  report.critical_count = sched->critical_count;
  report.semaphore_waits = sched->semaphore_waits;
  report.sbuf_peak_bytes = alloc_stats.sbuf_peak_bytes;
  report.sbuf_reuse_distance = alloc_stats.reuse_distance;
  report.psum_peak_bytes = alloc_stats.psum_peak_bytes;
  report.dram_bytes = alloc_stats.dram_bytes;
  report.weights_bytes = alloc_stats.weights_bytes;
  report.dma_bytes = sched->dma_bytes;
  for (const lower::TileInst& inst : program->insts) {
    report.tensor_transposes += inst.opcode == neff::Opcode::TRANSPOSE;
  }
  for (const auto& op : graph.ops()) report.dma_transposes += op->type == "Transpose";
  report.estimated_latency_ns = sched->estimated_ns;
  if (report_out) *report_out = report;
  return result;
}

}  // namespace
}  // namespace ncc::driver
