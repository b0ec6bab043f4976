#include "tools/neuron_run/stream.h"

#include <algorithm>
#include <vector>

namespace ncc::neuron_run {

StreamTimeline SimulateStream(const std::vector<std::vector<StageTime>>& requests) {
  StreamTimeline t;
  t.requests = static_cast<int>(requests.size());
  if (requests.empty() || requests[0].empty()) return t;
  const size_t stages = requests[0].size();
  std::vector<double> stage_free(stages, 0.0);  // end(r-1, s)
  double first_done = 0;
  for (size_t r = 0; r < requests.size(); ++r) {
    double ready = 0;  // end(r, s-1)
    for (size_t s = 0; s < stages; ++s) {
      const StageTime& st = requests[r][s];
      const double start = std::max(ready, stage_free[s]);
      ready = stage_free[s] = start + (s == 0 ? 0.0 : st.transfer_ns) + st.latency_ns;
    }
    if (r == 0) first_done = ready;
    t.makespan_ns = ready;
  }
  t.first_latency_ns = first_done;  // nothing ahead of it waits
  t.interval_ns = requests.size() == 1
                      ? first_done
                      : (t.makespan_ns - first_done) / static_cast<double>(requests.size() - 1);
  t.throughput_per_s = t.interval_ns > 0 ? 1e9 / t.interval_ns : 0;
  return t;
}

}  // namespace ncc::neuron_run
