// NeuronCore-v2 hardware description and per-instruction cost model, from
// AWS's public figures (see ../shared/design/NEURONCORE_FACTS.md). Costs are
// estimates in nanoseconds of device time.
#ifndef NCC_TARGET_NEURONCORE_H_
#define NCC_TARGET_NEURONCORE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ncc::target {

enum class Engine : uint8_t { kTensor, kVector, kScalar, kGpSimd, kDma };
inline constexpr int kNumComputeEngines = 4;

struct CoreSpec {
  const char* name;
  int partitions;                // SBUF/PSUM partitions and PE rows
  int64_t sbuf_partition_bytes;  // per partition
  int64_t psum_partition_bytes;  // per partition
  int psum_banks;
  int64_t psum_bank_bytes;         // per partition per bank
  int matmul_max_stationary_free;  // M (PE columns)
  int matmul_max_moving_free;      // N
  double tensor_ghz;
  double vector_ghz;
  double scalar_ghz;
  double gpsimd_ghz;
  int dma_queues;
  double dma_queue_gbps;  // GB/s per DMA queue
  double dma_start_latency_ns;
  int64_t dma_efficient_contiguous_bytes;  // below this, DMA runs slower
  int semaphores;
  int instruction_overhead_cycles;  // fixed cost for tiny instructions
  int min_instruction_cycles;       // e.g. activation max(64, N)
  // Device memory (HBM) one core may use: every tensor, and the weights plus
  // the inputs and outputs together, must fit. Inf2/Trn1 have 32 GiB per
  // chip of two NeuronCore-v2s.
  int64_t device_memory_bytes = int64_t{16} << 30;
  // Most instructions one program may have: beyond it the compiler's own
  // memory (not the device's) is what runs out.
  int64_t max_instructions = int64_t{1} << 22;
};

const CoreSpec& NeuronCoreV2();

// The chip around the cores, for models pipelined over several NeuronCores
// (activations passing from one core to the next). Figures from AWS's
// Inferentia2 pages where published; the rest are assumptions, marked.
struct ChipSpec {
  const char* name;
  int cores_per_chip;  // Inferentia2: 2 NeuronCore-v2 per chip
  // Between two cores of one chip the activations stay in the chip's HBM:
  // one DMA copy at the chip's DMA bandwidth share of one core (AWS: 1 TB/s
  // of DMA per chip, so 500 GB/s per core).
  double same_chip_gbps;
  // Between chips: NeuronLink-v2 (AWS's Inf2 instance table: 192 GB/s
  // chip-to-chip per chip).
  double chip_link_gbps;
  // Fixed cost of a hand-off (assumption: one DMA start, 1.3 us, plus a
  // cross-core semaphore signal, ~0.7 us); crossing chips adds as much again.
  double hand_off_ns;
};

const ChipSpec& Inferentia2();

// Estimated time to pass `bytes` of activations from physical core `from`
// to core `to` (consecutive stages of a pipeline).
double InterCoreTransferNs(const ChipSpec& chip, int64_t bytes, int from, int to);

// The core whose CoreSpec::name is `name` (what the compiler writes into a
// NEFF's metadata as its target), or nullptr when no core has that name.
const CoreSpec* FindCoreSpec(absl::string_view name);

// The core a NEFF runs on, from the target its metadata names. An empty name
// (a NEFF without metadata, as hand-built test programs are) means
// NeuronCore-v2; an unknown name is an error that names it.
absl::StatusOr<const CoreSpec*> CoreSpecForTarget(absl::string_view name);

// Tensor engine: one matmul of stationary [K, m] and moving [K, n]
// (elem_bytes 4 runs at quarter rate).
double MatmulNs(const CoreSpec& spec, int64_t m, int64_t n, int elem_bytes);
// Scalar engine activation over `free_elems` per partition.
double ActivationNs(const CoreSpec& spec, int64_t free_elems);
// Vector engine element-wise work with one or two tensor inputs.
double VectorNs(const CoreSpec& spec, int64_t free_elems, int num_inputs);
// GpSimd element-wise work (memset, iota).
double GpSimdNs(const CoreSpec& spec, int64_t free_elems);
// One DMA descriptor on one queue moving `bytes`, in contiguous runs of
// `contiguous_bytes`.
double DmaNs(const CoreSpec& spec, int64_t bytes, int64_t contiguous_bytes);

}  // namespace ncc::target

#endif  // NCC_TARGET_NEURONCORE_H_
