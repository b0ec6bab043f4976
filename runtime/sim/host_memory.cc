#include "runtime/sim/host_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

namespace ncc::sim {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void HostMemoryDeleter::operator()(uint8_t* p) const { std::free(p); }

HostMemory AllocateHostMemory(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes < kHugePage) {
    // Small memories (tests, tiny models): no 2 MiB rounding.
    return HostMemory(static_cast<uint8_t*>(std::calloc(bytes, 1)));
  }
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = nullptr;
  if (posix_memalign(&p, kHugePage, rounded) != 0) return nullptr;
  // Advice only: without transparent huge pages the memory is still valid.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  std::memset(p, 0, bytes);
  return HostMemory(static_cast<uint8_t*>(p));
}

}  // namespace ncc::sim
