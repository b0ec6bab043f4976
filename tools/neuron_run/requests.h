// neuron-run --requests: K requests through a loaded model from several
// host threads (so a pipelined model's stages overlap), with each request's
// per-stage simulator estimates for the timeline (stream.h), and the
// report lines for a pipelined model's stages and for the stream.
#ifndef NCC_TOOLS_NEURON_RUN_REQUESTS_H_
#define NCC_TOOLS_NEURON_RUN_REQUESTS_H_

#include <string>
#include <vector>

#include "runtime/nrt.h"
#include "tools/neuron_run/stream.h"

namespace ncc::neuron_run {

struct Requests {
  NRT_STATUS status = NRT_SUCCESS;  // of the first failure
  std::string error;                // its message
  nrt_execution_stats_t first{};    // request 0's stats
  // times[r][s]: request r (in the order requests started) at stage s.
  std::vector<std::vector<StageTime>> times;
  double wall_ms = 0;  // host wall time of all of them (measured)
};

// Runs `requests` executions of `model` (tensor info `info`) on `inputs`
// from `threads` host threads: thread 0 (the caller's) into `outputs`, the
// others into output tensors of their own, which must end up equal to
// `outputs` (the inputs are the same; a difference is an error). If thread 0
// ran no request, `outputs` gets another thread's results.
Requests RunRequests(nrt_model_t* model, const nrt_tensor_info_array_t& info,
                     const nrt_tensor_set_t* inputs, nrt_tensor_set_t* outputs, int requests,
                     int threads);

// neuron-run --iterations: host time of single executions, one after
// another on the caller's thread (host measurements).
struct IterationTimes {
  NRT_STATUS status = NRT_SUCCESS;  // of the first failure
  std::string error;
  std::vector<double> ms;  // per timed execution, in order
  double Min() const;
  double Median() const;
  double Max() const;
};

// Runs `warmup` untimed then `iterations` timed executions of `model`.
IterationTimes TimeIterations(nrt_model_t* model, const nrt_tensor_set_t* inputs,
                              nrt_tensor_set_t* outputs, int warmup, int iterations);

// "host time per execution (host measurement, N iterations after W
// warm-up): min ... ms, median ... ms, max ... ms".
void PrintIterations(const IterationTimes& times, int warmup);

// "  stage k of N on physical NeuronCore c: ... us ..." per stage and the
// estimated steady-state interval of a pipelined model (simulator
// estimates).
void PrintStages(const nrt_execution_stats_t& stats);

// The --requests report: the timeline's estimates and the host measurements.
void PrintStream(const StreamTimeline& timeline, uint32_t stages, int threads, double wall_ms);

}  // namespace ncc::neuron_run

#endif  // NCC_TOOLS_NEURON_RUN_REQUESTS_H_
