// Host memory for the simulated core's large memories (SBUF, PSUM, the DRAM
// arena): zeroed (anonymous mappings, touched pages only), 2 MiB aligned
// and, where the kernel allows it (Linux
// transparent huge pages in "madvise" mode, the Debian default), backed by
// huge pages. SBUF rows are a partition (192 KiB) apart, so an operand of
// 128 partitions touches 128 pages: with 4 KiB pages every matmul panel and
// partition-by-partition copy missed the TLB.
#ifndef NCC_RUNTIME_SIM_HOST_MEMORY_H_
#define NCC_RUNTIME_SIM_HOST_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ncc::sim {

struct HostMemoryDeleter {
  void operator()(uint8_t* p) const;
};
using HostMemory = std::unique_ptr<uint8_t, HostMemoryDeleter>;

// `bytes` zeroed bytes (at least 1), huge pages requested for them. Null
// when the host has not that much memory.
HostMemory AllocateHostMemory(size_t bytes);

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_HOST_MEMORY_H_
