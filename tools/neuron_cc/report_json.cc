#include "tools/neuron_cc/report_json.h"

#include <array>
#include <cstdint>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "compiler/driver/sha256.h"
#include "neff/format.h"
#include "nlohmann/json.hpp"

namespace ncc::tools {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kEngines[] = {"tensor", "vector", "scalar", "gpsimd", "dma"};

std::string Str(const flatbuffers::String* s) { return s != nullptr ? s->str() : std::string(); }

Json Tensors(const flatbuffers::Vector<flatbuffers::Offset<neff::TensorInfo>>* tensors) {
  Json list = Json::array();
  if (tensors == nullptr) return list;
  for (const neff::TensorInfo* t : *tensors) {
    Json shape = Json::array();
    int64_t bytes = neff::DTypeSize(t->dtype());
    if (t->shape() != nullptr) {
      for (int64_t d : *t->shape()) {
        shape.push_back(d);
        bytes *= d;
      }
    }
    const char* dtype = neff::DTypeUserName(t->dtype());
    list.push_back(Json{{"name", Str(t->name())},
                        {"dtype", dtype != nullptr ? dtype : "unknown"},
                        {"shape", shape},
                        {"bytes", bytes}});
  }
  return list;
}

// Per engine, in the NEFF's engine order.
template <typename T>
Json PerEngine(const std::array<T, 5>& values, double scale = 1.0) {
  Json out = Json::object();
  for (int e = 0; e < 5; ++e) {
    if constexpr (std::is_floating_point_v<T>) {
      out[kEngines[e]] = values[e] * scale;
    } else {
      out[kEngines[e]] = values[e];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> CompileReportJson(const driver::CompileReport& r,
                                              const std::string& neff_bytes) {
  auto model = neff::OpenModel(neff_bytes);
  if (!model.ok()) return model.status();
  const neff::Metadata* meta = (*model)->metadata();

  Json report;
  report["report"] = "neuron-cc compile report";
  report["report_version"] = 1;
  report["compiler_version"] = driver::kCompilerVersion;
  report["neff_format"] =
      absl::StrCat((*model)->version_major(), ".", (*model)->version_minor());
  report["neff_bytes"] = neff_bytes.size();
  report["neff_sha256"] = driver::Sha256Hex(neff_bytes);
  if (meta != nullptr) {
    report["framework"] = Str(meta->source_framework());
    report["source_sha256"] = Str(meta->source_sha256());
    Json flags = Json::array();
    if (meta->compile_flags() != nullptr) {
      for (const flatbuffers::String* f : *meta->compile_flags()) flags.push_back(f->str());
    }
    report["flags"] = flags;
  }
  report["target"] = std::string(neff::TargetName(**model));
  report["inputs"] = Tensors((*model)->inputs());
  report["outputs"] = Tensors((*model)->outputs());

  Json estimate;
  estimate["what"] = "compiler cost-model estimates of one NeuronCore-v2, not measurements";
  estimate["latency_us"] = r.estimated_latency_ns / 1000.0;
  estimate["busy_us"] = PerEngine(r.busy_ns, 1e-3);
  estimate["critical_path_us"] = PerEngine(r.critical_ns, 1e-3);
  estimate["critical_path_instructions"] = PerEngine(r.critical_count);
  estimate["tensor_engine_utilisation"] =
      r.estimated_latency_ns > 0 ? r.busy_ns[0] / r.estimated_latency_ns : 0.0;
  report["estimate"] = estimate;

  Json instructions = PerEngine(r.instructions);
  int64_t total = 0;
  for (int64_t n : r.instructions) total += n;
  instructions["total"] = total;
  report["instructions"] = instructions;
  report["semaphore_waits"] = r.semaphore_waits;
  report["ops"] = Json{{"imported", r.ops_imported}, {"after_passes", r.ops_after_passes}};

  report["memory"] = Json{{"sbuf_peak_bytes_per_partition", r.sbuf_peak_bytes},
                          {"sbuf_reuse_distance_instructions", r.sbuf_reuse_distance},
                          {"psum_peak_bytes_per_partition", r.psum_peak_bytes},
                          {"dram_arena_bytes", r.dram_bytes},
                          {"weights_bytes", r.weights_bytes},
                          {"dma_traffic_bytes", r.dma_bytes}};
  const alloc::ResidencyStats& res = r.residency;
  report["sbuf_residency"] = Json{{"budget_fraction_of_sbuf", res.sbuf_budget},
                                  {"loads_served_on_chip", res.loads_forwarded},
                                  {"loads_in_place", res.loads_in_place},
                                  {"bytes_not_loaded", res.bytes_forwarded},
                                  {"stores_removed", res.stores_removed},
                                  {"store_bytes_removed", res.store_bytes_removed},
                                  {"spilled_loads", res.spilled_loads},
                                  {"spill_bytes", res.spill_bytes}};
  report["dma"] = Json{{"large_copies_split", r.dma_split},
                       {"pieces", r.dma_pieces},
                       {"transposes", r.dma_transposes}};
  report["tensor_engine_transposes"] = r.tensor_transposes;
  if (!r.stages.empty()) {
    // --neuroncore-pipeline-cores: per stage, what it holds and its figures.
    Json stages = Json::array();
    for (size_t s = 0; s < r.stages.size(); ++s) {
      const driver::StageReport& st = r.stages[s];
      stages.push_back(Json{{"stage", s},
                            {"ops", Json::array({st.first_op, st.end_op - 1})},
                            {"first_node", st.first_node},
                            {"last_node", st.last_node},
                            {"cut", st.cut},
                            {"latency_us", st.estimated_ns / 1000.0},
                            {"transfer_in_us", st.transfer_in_ns / 1000.0},
                            {"bytes_in", st.bytes_in},
                            {"busy_us", PerEngine(st.busy_ns, 1e-3)},
                            {"weights_bytes", st.weight_bytes},
                            {"weights_resident_bytes", st.resident_bytes},
                            {"weights_streamed_bytes", st.streamed_bytes},
                            {"sbuf_resident_bytes_per_partition", st.sbuf_resident_bytes},
                            {"sbuf_peak_bytes_per_partition", st.sbuf_peak_bytes},
                            {"weights_load_us", st.load_ns / 1000.0},
                            {"instructions", st.instructions}});
    }
    report["pipeline"] = Json{
        {"what", "compiler cost-model estimates; stage k runs on the k-th core of the model"},
        {"cores", r.stages.size()},
        {"latency_us", r.estimated_latency_ns / 1000.0},
        {"interval_us", r.estimated_interval_ns / 1000.0},
        {"throughput_per_s", r.estimated_interval_ns > 0 ? 1e9 / r.estimated_interval_ns : 0.0},
        {"stages", stages}};
  }
  if (!r.accuracy.empty()) {
    Json accuracy = Json::array();
    for (const driver::OutputAccuracy& a : r.accuracy) {
      accuracy.push_back(Json{{"output", a.name},
                              {"max_abs_error", a.max_abs_error},
                              {"max_rel_error", a.max_rel_error},
                              {"min_cosine", a.min_cosine},
                              {"top1_agreement", a.top1_agreement},
                              {"top5_agreement", a.top5_agreement},
                              {"input_rounding_cosine", a.input_rounding_cosine}});
    }
    report["accuracy"] = accuracy;
    report["accuracy_warnings"] = r.accuracy_warnings;
  }
  report["notes"] = r.notes;
  // Names come from the model: invalid UTF-8 is replaced, never thrown on.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace ncc::tools
