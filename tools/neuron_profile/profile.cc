#include "tools/neuron_profile/profile.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "text/printable.h"

namespace ncc::profile {
namespace {

// One track per engine (tid 1-4) and per DMA queue (tid 100 + index).
int TrackOf(neff::EngineType engine, uint32_t index) {
  switch (engine) {
    case neff::EngineType::TENSOR:
      return 1;
    case neff::EngineType::VECTOR:
      return 2;
    case neff::EngineType::SCALAR:
      return 3;
    case neff::EngineType::GPSIMD:
      return 4;
    case neff::EngineType::DMA:
      return 100 + static_cast<int>(index);
  }
  return 0;
}

std::string TrackName(neff::EngineType engine, uint32_t index) {
  switch (engine) {
    case neff::EngineType::TENSOR:
      return "Tensor engine";
    case neff::EngineType::VECTOR:
      return "Vector engine";
    case neff::EngineType::SCALAR:
      return "Scalar engine";
    case neff::EngineType::GPSIMD:
      return "GpSimd engine";
    case neff::EngineType::DMA:
      return absl::StrCat("DMA queue ", index);
  }
  return "?";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string NodeName(const neff::Model& model, int node) {
  if (node < 0 || model.nodes() == nullptr || node >= static_cast<int>(model.nodes()->size())) {
    return "(no node)";
  }
  const auto* name = model.nodes()->Get(node);
  return name == nullptr ? "(no node)" : name->str();
}

std::string Us(double ns) { return absl::StrFormat("%.4f", ns / 1000.0); }

}  // namespace

std::string TraceJson(const neff::Model& model, const sim::ExecutionTrace& trace,
                      const sim::ExecutionStats& stats) {
  std::string out = "{\"displayTimeUnit\":\"ns\",\"otherData\":{";
  absl::StrAppend(&out,
                  "\"note\":\"all times are simulator estimates of a "
                  "NeuronCore-v2, not measurements\",",
                  "\"estimated_latency_ns\":", absl::StrFormat("%.3f", stats.estimated_latency_ns),
                  "},");
  out += "\"traceEvents\":[\n";
  out +=
      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":"
      "{\"name\":\"NeuronCore 0 (simulator estimate)\"}}";
  std::map<int, std::string> tracks;
  if (model.queues() != nullptr) {
    for (const neff::Queue* q : *model.queues()) {
      tracks[TrackOf(q->engine(), q->index())] = TrackName(q->engine(), q->index());
    }
  }
  for (const auto& [tid, name] : tracks) {
    absl::StrAppend(&out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":", tid,
                    ",\"args\":{\"name\":", JsonString(name), "}}");
    absl::StrAppend(&out, ",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":", tid,
                    ",\"args\":{\"sort_index\":", tid, "}}");
  }
  for (const sim::TraceEvent& e : trace.events) {
    const int tid = TrackOf(e.engine, e.queue_index);
    const std::string queue =
        absl::StrCat(neff::EnumNameEngineType(e.engine), "[", e.queue_index, "]");
    if (e.wait_semaphore >= 0 && e.start_ns > e.ready_ns) {
      absl::StrAppend(&out, ",\n{\"name\":",
                      JsonString(absl::StrCat("wait sem ", e.wait_semaphore, " >= ", e.wait_value)),
                      ",\"cat\":\"semaphore_wait\",\"ph\":\"X\",\"pid\":1,\"tid\":", tid,
                      ",\"ts\":", Us(e.ready_ns), ",\"dur\":", Us(e.start_ns - e.ready_ns),
                      ",\"args\":{\"semaphore\":", e.wait_semaphore, ",\"value\":", e.wait_value,
                      ",\"queue\":", JsonString(queue), "}}");
    }
    absl::StrAppend(&out, ",\n{\"name\":", JsonString(neff::EnumNameOpcode(e.opcode)),
                    ",\"cat\":", JsonString(neff::EnumNameEngineType(e.engine)),
                    ",\"ph\":\"X\",\"pid\":1,\"tid\":", tid, ",\"ts\":", Us(e.start_ns),
                    ",\"dur\":", Us(e.end_ns - e.start_ns),
                    ",\"args\":{\"node\":", JsonString(NodeName(model, e.node)),
                    ",\"node_index\":", e.node, ",\"queue\":", JsonString(queue),
                    ",\"instruction\":", e.instruction, "}}");
  }
  out += "\n]}\n";
  return out;
}

std::string Summary(const neff::Model& model, const sim::ExecutionTrace& trace,
                    const sim::ExecutionStats& stats, int top) {
  const double latency = stats.estimated_latency_ns;
  std::string out = absl::StrFormat(
      "Estimated device latency: %.3f us (simulator estimate, NeuronCore-v2)\n", latency / 1000.0);
  absl::StrAppend(&out, "\nEngine utilisation (simulator estimate):\n");
  absl::StrAppend(&out, absl::StrFormat("  %-8s %12s %14s %12s\n", "engine", "instructions",
                                        "busy (us)", "busy/latency"));
  // DMA: busy time summed over its queues, utilisation per queue in use.
  int dma_queues = 0;
  if (model.queues() != nullptr) {
    for (const neff::Queue* q : *model.queues()) {
      dma_queues += q->engine() == neff::EngineType::DMA;
    }
  }
  const std::string dma_name = absl::StrCat("DMA x", std::max(dma_queues, 1));
  const char* names[] = {"Tensor", "Vector", "Scalar", "GpSimd", dma_name.c_str()};
  for (int e = 0; e < sim::kNumEngines; ++e) {
    const double lanes = e == sim::kNumEngines - 1 ? std::max(dma_queues, 1) : 1;
    absl::StrAppend(
        &out, absl::StrFormat("  %-8s %12d %14.3f %11.1f%%\n", names[e], stats.instructions[e],
                              stats.busy_ns[e] / 1000.0,
                              latency > 0 ? 100.0 * stats.busy_ns[e] / (latency * lanes) : 0.0));
  }
  absl::StrAppend(
      &out, absl::StrFormat("  DMA bytes %lld; semaphore wait %.3f us; Tensor "
                            "engine utilisation %.1f%% (estimates; the DMA row sums "
                            "its queues' busy time and averages their utilisation)\n",
                            static_cast<long long>(stats.dma_bytes),
                            stats.semaphore_wait_ns / 1000.0, 100.0 * stats.tensor_utilization));

  struct NodeTime {
    double busy_ns = 0;
    int64_t instructions = 0;
    double first_ns = 1e300, last_ns = 0;
  };
  std::map<int, NodeTime> nodes;
  for (const sim::TraceEvent& e : trace.events) {
    NodeTime& t = nodes[e.node];
    t.busy_ns += e.end_ns - e.start_ns;
    ++t.instructions;
    t.first_ns = std::min(t.first_ns, e.start_ns);
    t.last_ns = std::max(t.last_ns, e.end_ns);
  }
  std::vector<std::pair<int, NodeTime>> sorted(nodes.begin(), nodes.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.busy_ns > b.second.busy_ns;
  });
  absl::StrAppend(&out, absl::StrFormat("\nTop %d nodes by estimated busy time (summed over "
                                        "engines; simulator estimate):\n",
                                        std::min<int>(top, static_cast<int>(sorted.size()))));
  absl::StrAppend(&out, absl::StrFormat("  %-32s %6s %12s %7s %14s\n", "node", "instrs",
                                        "busy (us)", "share", "span (us)"));
  double total = 0;
  for (const auto& [node, t] : sorted) total += t.busy_ns;
  for (int i = 0; i < top && i < static_cast<int>(sorted.size()); ++i) {
    const auto& [node, t] = sorted[i];
    std::string name = ncc::text::PrintableName(NodeName(model, node));
    if (name.size() > 32) name = name.substr(0, 29) + "...";
    absl::StrAppend(&out,
                    absl::StrFormat("  %-32s %6d %12.3f %6.1f%% %14.3f\n", name, t.instructions,
                                    t.busy_ns / 1000.0, total > 0 ? 100.0 * t.busy_ns / total : 0.0,
                                    (t.last_ns - t.first_ns) / 1000.0));
  }
  return out;
}

}  // namespace ncc::profile
