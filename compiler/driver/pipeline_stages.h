// NeuronCore Pipeline (--neuroncore-pipeline-cores N): the graph, in its
// topological order, is cut into N consecutive stages, one per core.
//
// Cuts balance the stages' estimated time (each op costed on the target's
// cost model from a lowering of the whole graph) under a second
// constraint: the constants a stage reads should fit the SBUF its weights
// may stay resident in. The planner minimises the slowest stage (binary
// search on the bottleneck, greedy fill), first with the weights
// constraint and, when N cores cannot hold all weights, without it (the
// weights that do not fit then stream from device memory at every
// execution, and the report says how many bytes).
//
// A stage is extracted as a graph of its own: values it reads from earlier
// stages or the model become its inputs, values later stages or the model
// read become its outputs, and the constants it reads are copied into it.
#ifndef NCC_COMPILER_DRIVER_PIPELINE_STAGES_H_
#define NCC_COMPILER_DRIVER_PIPELINE_STAGES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/tile_program.h"
#include "neff/writer.h"
#include "target/neuroncore.h"

namespace ncc::driver {

inline constexpr int kMaxPipelineCores = 16;

// What decided where a stage ends.
enum class StageCut {
  kTime,     // the next op would make it slower than the bottleneck
  kWeights,  // the next op's constants would not fit its SBUF budget
  kCount,    // the remaining ops are needed to give every core a stage
  kEnd,      // the last stage
};
const char* StageCutName(StageCut cut);

struct StagePlan {
  int first_op = 0;  // [first_op, end_op) of graph.ops()
  int end_op = 0;
  double estimated_ns = 0;   // sum of its ops' costs (planning estimate)
  int64_t weight_bytes = 0;  // constants its ops read
  StageCut cut = StageCut::kEnd;
};

// Per-op estimated cost (ns) on the target: from a lowering of the whole
// graph, each op's instructions summed per engine, the busiest engine
// counted; loads of weights are left out (a pipelined core keeps them
// resident) and DMA time is shared by the DMA queues. Ops that lower to
// no instruction cost 0.
std::vector<double> EstimateOpCosts(const ir::Graph& graph, const lower::TileProgram& program,
                                    const target::CoreSpec& spec);

// Bytes of the constants each op reads that could stay in SBUF, each
// constant counted at its first reader (tables Gather ops read rows from
// are left out: they stay in device memory).
std::vector<int64_t> OpWeightBytes(const ir::Graph& graph);

// Cuts ops into exactly `num_stages` non-empty consecutive stages.
// `weight_budget` is the bytes of constants one stage should hold at most.
// InvalidArgument when there are fewer ops than stages.
absl::StatusOr<std::vector<StagePlan>> PlanStages(const std::vector<double>& op_ns,
                                                  const std::vector<int64_t>& op_weight_bytes,
                                                  int num_stages, int64_t weight_budget);

struct StageGraph {
  std::unique_ptr<ir::Graph> graph;
  // Where each of the stage graph's inputs comes from.
  std::vector<neff::TensorSourceSpec> input_sources;
  // Bytes it receives from earlier stages (the inter-core transfers).
  int64_t bytes_in = 0;
};

struct PipelineGraphs {
  std::vector<StageGraph> stages;
  // Where each of the model's outputs comes from.
  std::vector<neff::TensorSourceSpec> output_sources;
};

// The stage graphs of `plans` over `graph`. InvalidArgument when a model
// output is a constant (no stage produces it).
absl::StatusOr<PipelineGraphs> ExtractStages(const ir::Graph& graph,
                                             const std::vector<StagePlan>& plans);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_PIPELINE_STAGES_H_
