#include "runtime/sim/write_set.h"

#include <algorithm>
#include <cstring>

namespace ncc::sim {

WriteSet::WriteSet(int64_t partitions, int64_t part_bytes)
    : partitions_(partitions), part_bytes_(part_bytes), ranges_(partitions) {}

void WriteSet::Add(int64_t p, int64_t lo, int64_t hi) {
  lo = std::max<int64_t>(lo, 0);
  hi = std::min(hi, part_bytes_);
  if (p < 0 || p >= partitions_ || lo >= hi) return;
  ranges_[p].emplace_back(lo, hi);
}

void WriteSet::Add(const neff::ApGeometry& g) {
  if (partitions_ == 1) {
    // Unpartitioned (DRAM): partition_lo / hi are absolute offsets, and
    // "partitions" are further strides.
    const int64_t span = (g.num_partitions - 1) * g.partition_stride;
    Add(0, g.partition_lo + std::min<int64_t>(0, span),
        g.partition_hi + std::max<int64_t>(0, span) + 1);
    return;
  }
  const int64_t p0 = g.start / part_bytes_;
  if (g.partition_stride > 0 && g.partition_stride % part_bytes_ == 0) {
    const int64_t step = g.partition_stride / part_bytes_;
    for (int64_t i = 0; i < g.num_partitions; ++i) {
      Add(p0 + i * step, g.partition_lo, g.partition_hi + 1);
    }
    return;
  }
  // Partitions not whole ones apart (verified in bounds): every partition
  // the extent spans, whole.
  const int64_t span = (g.num_partitions - 1) * g.partition_stride;
  const int64_t first = (p0 * part_bytes_ + std::min<int64_t>(0, span)) / part_bytes_;
  const int64_t last =
      (p0 * part_bytes_ + std::max<int64_t>(0, span) + g.partition_hi) / part_bytes_;
  for (int64_t p = first; p <= last; ++p) Add(p, 0, part_bytes_);
}

void WriteSet::Finish() {
  for (auto& r : ranges_) {
    std::sort(r.begin(), r.end());
    size_t out = 0;
    for (size_t i = 0; i < r.size(); ++i) {
      if (out > 0 && r[i].first <= r[out - 1].second) {
        r[out - 1].second = std::max(r[out - 1].second, r[i].second);
      } else {
        r[out++] = r[i];
      }
    }
    r.resize(out);
    r.shrink_to_fit();
  }
}

void WriteSet::Zero(uint8_t* base) const {
  for (int64_t p = 0; p < partitions_; ++p) {
    for (const auto& [lo, hi] : ranges_[p]) std::memset(base + p * part_bytes_ + lo, 0, hi - lo);
  }
}

int64_t WriteSet::bytes() const {
  int64_t n = 0;
  for (const auto& r : ranges_) {
    for (const auto& [lo, hi] : r) n += hi - lo;
  }
  return n;
}

}  // namespace ncc::sim
