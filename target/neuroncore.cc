#include "target/neuroncore.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ncc::target {

const CoreSpec& NeuronCoreV2() {
  static const CoreSpec spec = {
      /*name=*/"NeuronCore-v2",
      /*partitions=*/128,
      /*sbuf_partition_bytes=*/192 * 1024,
      /*psum_partition_bytes=*/16 * 1024,
      /*psum_banks=*/8,
      /*psum_bank_bytes=*/2048,
      /*matmul_max_stationary_free=*/128,
      /*matmul_max_moving_free=*/512,
      /*tensor_ghz=*/2.8,
      /*vector_ghz=*/1.12,
      /*scalar_ghz=*/1.4,
      /*gpsimd_ghz=*/1.4,
      /*dma_queues=*/16,
      /*dma_queue_gbps=*/22.0,
      /*dma_start_latency_ns=*/1300.0,
      /*dma_efficient_contiguous_bytes=*/2048,
      /*semaphores=*/256,
      /*instruction_overhead_cycles=*/100,
      /*min_instruction_cycles=*/64,
      /*device_memory_bytes=*/int64_t{16} << 30,
      /*max_instructions=*/int64_t{1} << 22,
  };
  return spec;
}

const CoreSpec* FindCoreSpec(absl::string_view name) {
  const CoreSpec& v2 = NeuronCoreV2();
  return name == v2.name ? &v2 : nullptr;
}

absl::StatusOr<const CoreSpec*> CoreSpecForTarget(absl::string_view name) {
  if (name.empty()) return &NeuronCoreV2();
  if (const CoreSpec* spec = FindCoreSpec(name)) return spec;
  return absl::InvalidArgumentError(absl::StrCat(
      "NEFF load: unknown target '", name, "' (this runtime runs ", NeuronCoreV2().name, ")"));
}

double MatmulNs(const CoreSpec& spec, int64_t m, int64_t n, int elem_bytes) {
  // max(min(64, N_stationary), N_moving) cycles; fp32 at quarter rate.
  double cycles = std::max<int64_t>(std::min<int64_t>(64, m), n);
  if (elem_bytes >= 4) cycles *= 4;
  return (cycles + spec.instruction_overhead_cycles) / spec.tensor_ghz;
}

double ActivationNs(const CoreSpec& spec, int64_t free_elems) {
  double cycles = std::max<int64_t>(spec.min_instruction_cycles, free_elems);
  return (cycles + spec.instruction_overhead_cycles) / spec.scalar_ghz;
}

double VectorNs(const CoreSpec& spec, int64_t free_elems, int num_inputs) {
  int64_t work = num_inputs >= 2 ? 2 * free_elems : free_elems;
  double cycles = std::max<int64_t>(spec.min_instruction_cycles, work);
  return (cycles + spec.instruction_overhead_cycles) / spec.vector_ghz;
}

double GpSimdNs(const CoreSpec& spec, int64_t free_elems) {
  // 8 cores x 512-bit: 16 fp32 lanes each across 128 partitions -> about one
  // element per partition per cycle, plus its ~150-cycle start.
  double cycles = 150 + std::max<int64_t>(spec.min_instruction_cycles, free_elems);
  return cycles / spec.gpsimd_ghz;
}

double DmaNs(const CoreSpec& spec, int64_t bytes, int64_t contiguous_bytes) {
  // Short contiguous runs waste descriptor bandwidth: scale the rate by the
  // fraction of an efficient burst each run fills.
  double efficiency =
      std::min<double>(1.0, std::max<int64_t>(contiguous_bytes, 64) /
                                static_cast<double>(spec.dma_efficient_contiguous_bytes));
  double gbps = spec.dma_queue_gbps * std::max(efficiency, 0.05);
  return spec.dma_start_latency_ns + bytes / gbps;
}

const ChipSpec& Inferentia2() {
  static const ChipSpec chip = {
      /*name=*/"Inferentia2",
      /*cores_per_chip=*/2,
      /*same_chip_gbps=*/500.0,
      /*chip_link_gbps=*/192.0,
      /*hand_off_ns=*/2000.0,
  };
  return chip;
}

double InterCoreTransferNs(const ChipSpec& chip, int64_t bytes, int from, int to) {
  const bool same_chip = from / chip.cores_per_chip == to / chip.cores_per_chip;
  const double gbps = same_chip ? chip.same_chip_gbps : chip.chip_link_gbps;
  return chip.hand_off_ns * (same_chip ? 1 : 2) + static_cast<double>(bytes) / gbps;
}

}  // namespace ncc::target
