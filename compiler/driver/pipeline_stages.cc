#include "compiler/driver/pipeline_stages.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "compiler/schedule/schedule.h"
#include "text/printable.h"

namespace ncc::driver {
namespace {

bool IsWeightLoad(const lower::TileProgram& program, const lower::TileInst& inst) {
  return inst.opcode == neff::Opcode::DMA_COPY && inst.src0.valid() &&
         program.buffers[inst.src0.buffer].space == lower::Space::WEIGHTS;
}

// Greedy fill under a bottleneck `limit`: the number of stages it makes
// (cutting before an op that would pass the limit or the weight budget).
int CountStages(const std::vector<double>& op_ns, const std::vector<int64_t>& op_w, double limit,
                int64_t weight_budget) {
  int stages = 1;
  double ns = 0;
  int64_t w = 0;
  bool empty = true;
  for (size_t i = 0; i < op_ns.size(); ++i) {
    if (!empty && (ns + op_ns[i] > limit || w + op_w[i] > weight_budget)) {
      ++stages;
      ns = 0;
      w = 0;
    }
    ns += op_ns[i];
    w += op_w[i];
    empty = false;
  }
  return stages;
}

}  // namespace

const char* StageCutName(StageCut cut) {
  switch (cut) {
    case StageCut::kTime:
      return "time balance";
    case StageCut::kWeights:
      return "SBUF weights budget";
    case StageCut::kCount:
      return "one stage per core";
    case StageCut::kEnd:
      return "end of model";
  }
  return "";
}

std::vector<double> EstimateOpCosts(const ir::Graph& graph, const lower::TileProgram& program,
                                    const target::CoreSpec& spec) {
  // program.nodes follows graph order, one entry per op that emitted a node
  // (ops folded into their consumers' loads have none).
  const auto& ops = graph.ops();
  std::vector<int> op_of_node(program.nodes.size(), -1);
  size_t next_op = 0;
  for (size_t n = 0; n < program.nodes.size() && next_op < ops.size(); ++n) {
    for (size_t i = next_op; i < ops.size(); ++i) {
      if (ops[i]->Describe() == program.nodes[n]) {
        op_of_node[n] = static_cast<int>(i);
        next_op = i + 1;
        break;
      }
    }
  }
  std::vector<std::array<double, 5>> per_engine(ops.size(), std::array<double, 5>{});
  for (const lower::TileInst& inst : program.insts) {
    if (inst.node < 0 || inst.node >= static_cast<int>(op_of_node.size())) continue;
    const int op = op_of_node[inst.node];
    if (op < 0 || IsWeightLoad(program, inst)) continue;
    per_engine[op][static_cast<int>(inst.engine)] +=
        schedule::InstructionCostNs(inst, program, spec);
  }
  std::vector<double> cost(ops.size(), 0.0);
  for (size_t i = 0; i < ops.size(); ++i) {
    // Large copies are spread over every DMA queue when scheduled.
    per_engine[i][static_cast<int>(target::Engine::kDma)] /= spec.dma_queues;
    cost[i] = *std::max_element(per_engine[i].begin(), per_engine[i].end());
  }
  return cost;
}

std::vector<int64_t> OpWeightBytes(const ir::Graph& graph) {
  std::vector<int64_t> bytes;
  std::set<const ir::Value*> seen;
  for (const auto& op : graph.ops()) {
    int64_t b = 0;
    for (size_t k = 0; k < op->inputs.size(); ++k) {
      const ir::Value* v = op->inputs[k];
      if (v == nullptr || !v->is_constant || !seen.insert(v).second) continue;
      // A table a Gather picks rows from stays in device memory (only the
      // rows it needs are read), so it takes no SBUF.
      if (k == 0 && absl::StartsWith(op->type, "Gather")) continue;
      b += v->size_bytes();
    }
    bytes.push_back(b);
  }
  return bytes;
}

absl::StatusOr<std::vector<StagePlan>> PlanStages(const std::vector<double>& op_ns,
                                                  const std::vector<int64_t>& op_weight_bytes,
                                                  int num_stages, int64_t weight_budget) {
  const int n = static_cast<int>(op_ns.size());
  if (num_stages < 1) return absl::InvalidArgumentError("a pipeline needs at least one stage");
  if (n < num_stages) {
    return absl::InvalidArgumentError(
        absl::StrCat("the model has ", n, " op", n == 1 ? "" : "s", " after optimisation, fewer "
                     "than the ", num_stages, " pipeline stages asked for (one per core); use at "
                     "most ", n, " cores"));
  }
  double total = 0, largest = 0;
  for (double c : op_ns) {
    total += c;
    largest = std::max(largest, c);
  }
  // The weights constraint holds only when the weights fit the cores at
  // all (else every cut would end at the budget and leave time unbalanced).
  int64_t budget = weight_budget;
  if (CountStages(std::vector<double>(n, 0.0), op_weight_bytes, 1.0, budget) > num_stages) {
    budget = INT64_MAX;
  }
  double lo = largest, hi = std::max(total, largest);
  if (CountStages(op_ns, op_weight_bytes, hi, budget) <= num_stages) {
    for (int iter = 0; iter < 64 && hi - lo > 1e-3 * std::max(1.0, lo); ++iter) {
      const double mid = (lo + hi) / 2;
      if (CountStages(op_ns, op_weight_bytes, mid, budget) <= num_stages) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
  }
  const double limit = hi;

  std::vector<StagePlan> plans;
  StagePlan current;
  bool empty = true;
  for (int i = 0; i < n; ++i) {
    const int stages_left = num_stages - static_cast<int>(plans.size()) - 1;
    std::optional<StageCut> cut;
    if (!empty && stages_left > 0) {
      if (n - i == stages_left) {
        cut = StageCut::kCount;
      } else if (current.weight_bytes + op_weight_bytes[i] > budget) {
        cut = StageCut::kWeights;
      } else if (current.estimated_ns + op_ns[i] > limit) {
        cut = StageCut::kTime;
      }
    }
    if (cut.has_value()) {
      current.end_op = i;
      current.cut = *cut;
      plans.push_back(current);
      current = StagePlan();
      current.first_op = i;
    }
    current.estimated_ns += op_ns[i];
    current.weight_bytes += op_weight_bytes[i];
    empty = false;
  }
  current.end_op = n;
  current.cut = StageCut::kEnd;
  plans.push_back(current);
  // Fewer stages than cores (a few ops dominate): split the stages with the
  // most ops until every core has one; never raises the bottleneck.
  while (static_cast<int>(plans.size()) < num_stages) {
    size_t widest = 0;
    for (size_t s = 1; s < plans.size(); ++s) {
      if (plans[s].end_op - plans[s].first_op > plans[widest].end_op - plans[widest].first_op) {
        widest = s;
      }
    }
    StagePlan& p = plans[widest];
    StagePlan tail;
    tail.end_op = p.end_op;
    tail.cut = p.cut;
    // The split point halving its time.
    double half = p.estimated_ns / 2, run = 0;
    int split = p.first_op + 1;
    for (int i = p.first_op; i < p.end_op - 1; ++i) {
      run += op_ns[i];
      split = i + 1;
      if (run >= half) break;
    }
    tail.first_op = split;
    p.end_op = split;
    p.cut = StageCut::kCount;
    p.estimated_ns = tail.estimated_ns = 0;
    p.weight_bytes = tail.weight_bytes = 0;
    for (int i = p.first_op; i < p.end_op; ++i) {
      p.estimated_ns += op_ns[i];
      p.weight_bytes += op_weight_bytes[i];
    }
    for (int i = tail.first_op; i < tail.end_op; ++i) {
      tail.estimated_ns += op_ns[i];
      tail.weight_bytes += op_weight_bytes[i];
    }
    plans.insert(plans.begin() + widest + 1, tail);
  }
  return plans;
}

absl::StatusOr<PipelineGraphs> ExtractStages(const ir::Graph& graph,
                                             const std::vector<StagePlan>& plans) {
  const auto& ops = graph.ops();
  // Which stage produces each value (-1: a model input or a constant).
  std::map<const ir::Value*, int> stage_of;
  for (size_t s = 0; s < plans.size(); ++s) {
    for (int i = plans[s].first_op; i < plans[s].end_op; ++i) {
      for (const ir::Value* v : ops[i]->outputs) stage_of[v] = static_cast<int>(s);
    }
  }
  // The last stage reading each value; a model output counts as read after
  // every stage.
  std::map<const ir::Value*, int> last_reader;
  for (size_t s = 0; s < plans.size(); ++s) {
    for (int i = plans[s].first_op; i < plans[s].end_op; ++i) {
      for (const ir::Value* v : ops[i]->inputs) {
        if (v != nullptr) last_reader[v] = static_cast<int>(s);
      }
    }
  }
  for (const ir::Value* v : graph.outputs()) last_reader[v] = static_cast<int>(plans.size());
  std::map<const ir::Value*, int> model_input;
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    model_input[graph.inputs()[i]] = static_cast<int>(i);
  }

  PipelineGraphs out;
  // Output index of each value a stage exports.
  std::map<const ir::Value*, int> exported_index;
  for (size_t s = 0; s < plans.size(); ++s) {
    StageGraph stage;
    stage.graph = std::make_unique<ir::Graph>(absl::StrCat(graph.name(), "/stage", s));
    stage.graph->set_opset(graph.opset());
    ir::Graph& g = *stage.graph;
    std::map<const ir::Value*, ir::Value*> mapped;
    auto map_input = [&](const ir::Value* v) -> ir::Value* {
      auto it = mapped.find(v);
      if (it != mapped.end()) return it->second;
      ir::Value* nv;
      if (v->is_constant) {
        nv = g.AddConstant(v->name, v->dtype, v->shape, v->data);
      } else {
        nv = g.AddValue(v->name, v->dtype, v->shape);
        g.inputs().push_back(nv);
        auto src = stage_of.find(v);
        if (src == stage_of.end()) {
          stage.input_sources.push_back({-1, static_cast<uint32_t>(model_input.at(v))});
        } else {
          stage.input_sources.push_back(
              {src->second, static_cast<uint32_t>(exported_index.at(v))});
          stage.bytes_in += v->size_bytes();
        }
      }
      mapped[v] = nv;
      return nv;
    };
    for (int i = plans[s].first_op; i < plans[s].end_op; ++i) {
      const ir::Op& op = *ops[i];
      std::vector<ir::Value*> inputs;
      for (const ir::Value* v : op.inputs) inputs.push_back(v == nullptr ? nullptr : map_input(v));
      std::vector<ir::Value*> outputs;
      for (const ir::Value* v : op.outputs) {
        ir::Value* nv = g.AddValue(v->name, v->dtype, v->shape);
        mapped[v] = nv;
        outputs.push_back(nv);
      }
      ir::Op* copy = g.AddOp(op.type, op.name, inputs, outputs);
      copy->attrs = op.attrs;
    }
    // Exports: what later stages or the model read, in production order.
    for (int i = plans[s].first_op; i < plans[s].end_op; ++i) {
      for (const ir::Value* v : ops[i]->outputs) {
        auto reader = last_reader.find(v);
        if (reader == last_reader.end() || reader->second <= static_cast<int>(s)) continue;
        exported_index[v] = static_cast<int>(g.outputs().size());
        g.outputs().push_back(mapped.at(v));
      }
    }
    if (g.outputs().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pipeline stage ", s, " (ops ", plans[s].first_op, "-", plans[s].end_op - 1,
          ") produces nothing later stages or the model read"));
    }
    if (auto st = ir::Verify(g); !st.ok()) {
      return absl::InternalError(absl::StrCat("pipeline stage ", s, ": ", st.message()));
    }
    out.stages.push_back(std::move(stage));
  }
  for (const ir::Value* v : graph.outputs()) {
    if (auto it = model_input.find(v); it != model_input.end()) {
      out.output_sources.push_back({-1, static_cast<uint32_t>(it->second)});
    } else if (auto st = stage_of.find(v); st != stage_of.end()) {
      out.output_sources.push_back({st->second, static_cast<uint32_t>(exported_index.at(v))});
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("model output ", ncc::text::QuotedName(v->name),
                       " is a constant; a pipelined model's outputs must be computed"));
    }
  }
  return out;
}

}  // namespace ncc::driver
