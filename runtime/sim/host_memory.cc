#include "runtime/sim/host_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace ncc::sim {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Every memory has a header just in front of it: the anonymous mapping it
// lives in (large memories: zero pages, faulted in on first touch, so a
// small program pays only for what it uses; 2 MiB aligned), or none (small
// ones, from calloc).
struct Header {
  void* map = nullptr;
  size_t map_bytes = 0;
};

}  // namespace

void HostMemoryDeleter::operator()(uint8_t* p) const {
  if (p == nullptr) return;
  const auto* h = reinterpret_cast<const Header*>(p - sizeof(Header));
  if (h->map == nullptr) {
    std::free(const_cast<Header*>(h));
    return;
  }
  munmap(h->map, h->map_bytes);
}

HostMemory AllocateHostMemory(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes < kHugePage) {
    // Small memories (tests, tiny models): calloc, with the header in front.
    void* block = std::calloc(1, sizeof(Header) + bytes);
    if (block == nullptr) return nullptr;
    new (block) Header();
    return HostMemory(static_cast<uint8_t*>(block) + sizeof(Header));
  }
  // One huge page in front holds the header; the memory starts on the next
  // 2 MiB boundary.
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t map_bytes = rounded + 2 * kHugePage;
  void* map = mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return nullptr;
  const uintptr_t base = reinterpret_cast<uintptr_t>(map);
  const uintptr_t start = (base + sizeof(Header) + kHugePage - 1) / kHugePage * kHugePage;
  // Advice only: without transparent huge pages the memory is still valid.
  (void)madvise(reinterpret_cast<void*>(start), rounded, MADV_HUGEPAGE);
  auto* h = new (reinterpret_cast<void*>(start - sizeof(Header))) Header();
  h->map = map;
  h->map_bytes = map_bytes;
  return HostMemory(reinterpret_cast<uint8_t*>(start));
}

}  // namespace ncc::sim
