// neuron-run --requests: the simulated timeline of requests streamed through
// a model's stages (one stage for a single-core model), from each request's
// per-stage simulator estimates. Request r enters stage s once it has left
// stage s-1 and stage s is done with request r-1; its activations then pass
// to the stage's core, which computes after they have arrived:
//   start(r, s) = max(end(r, s-1), end(r-1, s))
//   end(r, s)   = start(r, s) + transfer(r, s) + latency(r, s)
// (all requests are ready at time 0). The hand-off occupies the receiving
// stage, as in nrt's estimated_interval_ns and the compiler's
// Metadata.estimated_interval_ns, so the steady state here is the slowest
// stage's transfer + latency: the three figures agree. Device time only:
// every figure is a simulator estimate.
#ifndef NCC_TOOLS_NEURON_RUN_STREAM_H_
#define NCC_TOOLS_NEURON_RUN_STREAM_H_

#include <vector>

namespace ncc::neuron_run {

// One stage of one request (ns, simulator estimates).
struct StageTime {
  double latency_ns = 0;
  double transfer_ns = 0;  // into the stage, from earlier stages
};

struct StreamTimeline {
  int requests = 0;
  // The first request's latency through every stage, transfers included.
  double first_latency_ns = 0;
  // When the last request leaves the last stage.
  double makespan_ns = 0;
  // Steady state: the mean time between consecutive results, over the
  // requests after the first (the first request's latency with 1 request).
  double interval_ns = 0;
  // 1e9 / interval_ns (0 when the interval is 0).
  double throughput_per_s = 0;
};

// `requests[r][s]`: request r at stage s; every request has the same number
// of stages. No requests: all zero.
StreamTimeline SimulateStream(const std::vector<std::vector<StageTime>>& requests);

}  // namespace ncc::neuron_run

#endif  // NCC_TOOLS_NEURON_RUN_STREAM_H_
