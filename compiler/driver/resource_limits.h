// The target's memory limits checked on the graph before lowering, which
// emits work per tile and would otherwise run for minutes (and grow without
// bound) on a tensor no device could hold.
#ifndef NCC_COMPILER_DRIVER_RESOURCE_LIMITS_H_
#define NCC_COMPILER_DRIVER_RESOURCE_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "target/neuroncore.h"

namespace ncc::driver {

// ResourceExhausted naming the first tensor larger than the target's device
// memory, or the total of weights, inputs and outputs (which stay resident)
// when that exceeds it.
absl::Status CheckResourceLimits(const ir::Graph& graph, const target::CoreSpec& spec);

// "16 GiB", "1.5 TiB", "512 bytes".
std::string DescribeBytes(int64_t bytes);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_RESOURCE_LIMITS_H_
