// Turns a simulator execution trace into a Chrome/Perfetto trace (JSON) and a
// text summary. Every time in both is a simulator estimate of a
// NeuronCore-v2, not a measurement.
#ifndef NCC_TOOLS_NEURON_PROFILE_PROFILE_H_
#define NCC_TOOLS_NEURON_PROFILE_PROFILE_H_

#include <string>

#include "neff/neff_generated.h"
#include "runtime/sim/simulator.h"

namespace ncc::profile {

// Chrome trace-event JSON: one "X" event per instruction (named by opcode,
// args naming the graph node and queue) and one per semaphore wait, on one
// track (tid) per engine and DMA queue, with thread_name metadata. ts/dur in
// microseconds of estimated device time.
std::string TraceJson(const neff::Model& model, const sim::ExecutionTrace& trace,
                      const sim::ExecutionStats& stats);

// The summary table: estimated latency, per-engine busy time and
// utilisation, and the `top` graph nodes by estimated busy time.
std::string Summary(const neff::Model& model, const sim::ExecutionTrace& trace,
                    const sim::ExecutionStats& stats, int top);

}  // namespace ncc::profile

#endif  // NCC_TOOLS_NEURON_PROFILE_PROFILE_H_
