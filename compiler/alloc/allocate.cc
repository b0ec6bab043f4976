#include "compiler/alloc/allocate.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::alloc {
namespace {

using lower::Buffer;
using lower::Operand;
using lower::Space;
using lower::TileProgram;

struct Interval {
  int buffer;
  int64_t start;  // first instruction touching the buffer
  int64_t end;    // last instruction touching it
  int64_t size;
};

int64_t AlignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

// Which buffer last occupied each byte range of a space; used to record
// the reuse edges the scheduler turns into dependencies.
class Occupancy {
 public:
  // Marks [lo, hi) as held by `buffer`; returns the previous holders.
  std::vector<int> Take(int64_t lo, int64_t hi, int buffer) {
    std::vector<int> previous;
    auto it = segments_.upper_bound(lo);
    if (it != segments_.begin()) --it;
    while (it != segments_.end() && it->first < hi) {
      const int64_t s = it->first, e = it->second.first;
      const int holder = it->second.second;
      if (e <= lo) {
        ++it;
        continue;
      }
      if (std::find(previous.begin(), previous.end(), holder) == previous.end()) {
        previous.push_back(holder);
      }
      it = segments_.erase(it);
      if (s < lo) segments_[s] = {lo, holder};
      if (e > hi) segments_[hi] = {e, holder};
    }
    segments_[lo] = {hi, buffer};
    return previous;
  }

 private:
  std::map<int64_t, std::pair<int64_t, int>> segments_;  // start -> (end, buffer)
};

// Linear-scan first fit over [0, capacity). A buffer's space stays reserved
// for up to `slacks[0]` instructions after its last use, so that the next
// tile's loads can overlap this tile's compute; a buffer that cannot be
// placed that way takes the next, shorter reservation in `slacks`, and so
// on. `*shortest` receives the shortest reservation any buffer needed. On
// failure, `*failed` (when given) receives the interval that did not fit and
// `*live_bytes` the bytes held by buffers live at its start.
bool FirstFit(std::vector<Interval>& intervals, std::vector<Buffer>& buffers, int64_t capacity,
              int64_t align, const std::vector<int64_t>& slacks, int64_t* peak, int64_t* shortest,
              const Interval** failed = nullptr, int64_t* live_bytes = nullptr) {
  struct Active {
    int64_t end;
    int64_t lo, hi;
  };
  std::vector<Active> active;
  *peak = 0;
  *shortest = slacks.front();
  for (const Interval& iv : intervals) {
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](const Active& a) { return a.end + slacks.front() < iv.start; }),
                 active.end());
    std::sort(active.begin(), active.end(),
              [](const Active& a, const Active& b) { return a.lo < b.lo; });
    bool placed = false;
    for (int64_t slack : slacks) {
      int64_t candidate = 0;
      for (const Active& a : active) {
        if (a.end + slack < iv.start) continue;  // free again at this reservation
        if (candidate + iv.size <= a.lo) break;
        candidate = std::max(candidate, AlignUp(a.hi, align));
      }
      if (candidate + iv.size > capacity) continue;
      buffers[iv.buffer].address = candidate;
      active.push_back({iv.end, candidate, candidate + iv.size});
      *peak = std::max(*peak, candidate + iv.size);
      *shortest = std::min(*shortest, slack);
      placed = true;
      break;
    }
    if (!placed) {
      if (failed != nullptr) *failed = &iv;
      if (live_bytes != nullptr) {
        *live_bytes = 0;
        for (const Active& a : active) {
          if (a.end >= iv.start) *live_bytes += a.hi - a.lo;
        }
      }
      return false;
    }
  }
  return true;
}

// "Add 'y'" for the op whose instruction first writes `buffer`, or a
// description of where the buffer comes from.
std::string Producer(const TileProgram& program, int buffer) {
  for (const lower::TileInst& inst : program.insts) {
    if (inst.dst.buffer != buffer) continue;
    if (inst.node >= 0 && inst.node < static_cast<int>(program.nodes.size())) {
      return absl::StrCat("written by ", program.nodes[inst.node]);
    }
    break;
  }
  return program.buffers[buffer].pinned ? "a model input or output" : "an intermediate";
}

std::vector<Interval> LiveIntervals(const TileProgram& program, Space space) {
  const int64_t n = static_cast<int64_t>(program.insts.size());
  std::vector<int64_t> first(program.buffers.size(), -1), last(program.buffers.size(), -1);
  auto touch = [&](const Operand& op, int64_t i) {
    if (!op.valid()) return;
    if (first[op.buffer] < 0) first[op.buffer] = i;
    last[op.buffer] = i;
  };
  // Load-time instructions fill pinned SBUF from weights: they only need
  // the weights they read to be placed.
  for (const lower::TileInst& inst : program.load_insts) {
    touch(inst.dst, 0);
    touch(inst.src0, 0);
  }
  for (int64_t i = 0; i < n; ++i) {
    const lower::TileInst& inst = program.insts[i];
    touch(inst.dst, i);
    touch(inst.src0, i);
    touch(inst.src1, i);
    touch(inst.bias, i);
    touch(inst.src2, i);
    touch(inst.accum, i);
  }
  std::vector<Interval> intervals;
  for (size_t b = 0; b < program.buffers.size(); ++b) {
    const Buffer& buf = program.buffers[b];
    if (buf.space != space) continue;
    if (buf.pinned) {
      intervals.push_back({static_cast<int>(b), -1, n, buf.bytes});
    } else if (first[b] >= 0) {
      intervals.push_back({static_cast<int>(b), first[b], last[b], buf.bytes});
    }
  }
  std::stable_sort(intervals.begin(), intervals.end(),
                   [](const Interval& a, const Interval& b) { return a.start < b.start; });
  return intervals;
}

void RecordReuse(std::vector<Interval>& intervals, std::vector<Buffer>& buffers) {
  Occupancy occupancy;
  for (const Interval& iv : intervals) {
    Buffer& buf = buffers[iv.buffer];
    buf.reuses =
        occupancy.Take(buf.address, buf.address + std::max<int64_t>(iv.size, 1), iv.buffer);
  }
}

absl::Status AllocateOnChip(TileProgram& program, Space space, int64_t capacity, int64_t align,
                            int64_t* peak, int* reuse_distance) {
  std::vector<Interval> intervals = LiveIntervals(program, space);
  for (Interval& iv : intervals) iv.size = AlignUp(iv.size, align);
  // Keep freed space idle for a while (double buffering) where memory
  // allows, buffer by buffer; when reserving that way leaves no room for
  // some later buffer, reserve less for all.
  const std::vector<int64_t> slacks = {256, 64, 16, 0};
  for (size_t first = 0; first < slacks.size(); ++first) {
    int64_t shortest = 0;
    if (FirstFit(intervals, program.buffers, capacity, align,
                 std::vector<int64_t>(slacks.begin() + first, slacks.end()), peak, &shortest)) {
      RecordReuse(intervals, program.buffers);
      *reuse_distance = static_cast<int>(shortest);
      return absl::OkStatus();
    }
  }
  // Name the first buffer that cannot be placed even without slack.
  int64_t unused_peak, unused_shortest;
  std::vector<Interval> prefix;
  for (const Interval& iv : intervals) {
    prefix.push_back(iv);
    if (!FirstFit(prefix, program.buffers, capacity, align, {0}, &unused_peak, &unused_shortest)) {
      return absl::ResourceExhaustedError(
          absl::StrCat(neff::EnumNameMemorySpace(space), " exhausted: cannot place '",
                       program.buffers[iv.buffer].name, "' (", iv.size,
                       " bytes per partition) within ", capacity, " bytes"));
    }
  }
  return absl::InternalError("allocation failed");
}

}  // namespace

absl::Status Allocate(TileProgram& program, const target::CoreSpec& spec, AllocationStats* stats) {
  int sbuf_slack = 0, psum_slack = 0;
  if (auto s = AllocateOnChip(program, Space::SBUF, spec.sbuf_partition_bytes, 64,
                              &stats->sbuf_peak_bytes, &sbuf_slack);
      !s.ok()) {
    return s;
  }
  if (auto s = AllocateOnChip(program, Space::PSUM, spec.psum_partition_bytes, spec.psum_bank_bytes,
                              &stats->psum_peak_bytes, &psum_slack);
      !s.ok()) {
    return s;
  }
  stats->reuse_distance = sbuf_slack;

  // Weights: the ones the program reads, packed in buffer order
  // (deterministic), 64-byte aligned.
  std::vector<Interval> weights = LiveIntervals(program, Space::WEIGHTS);
  std::sort(weights.begin(), weights.end(),
            [](const Interval& a, const Interval& b) { return a.buffer < b.buffer; });
  int64_t offset = 0;
  for (const Interval& iv : weights) {
    program.buffers[iv.buffer].address = offset;
    offset = AlignUp(offset + iv.size, 64);
  }
  stats->weights_bytes = offset;

  // DRAM arena: intermediates share space by liveness; inputs and outputs
  // are pinned for the whole execution. It shares the device memory with
  // the weights.
  const int64_t arena_capacity = std::max<int64_t>(0, spec.device_memory_bytes - offset);
  std::vector<Interval> dram = LiveIntervals(program, Space::DRAM);
  int64_t unused_shortest;
  const Interval* failed = nullptr;
  int64_t live_bytes = 0;
  if (!FirstFit(dram, program.buffers, arena_capacity, 64, {0}, &stats->dram_bytes,
                &unused_shortest, &failed, &live_bytes)) {
    const Buffer& buf = program.buffers[failed->buffer];
    return absl::ResourceExhaustedError(absl::StrCat(
        "DRAM arena exhausted: tensor ", ncc::text::QuotedName(buf.name), " (", failed->size,
        " bytes, ", Producer(program, failed->buffer), ") does not fit beside the ", live_bytes,
        " bytes of tensors live at that point, in the ", arena_capacity, " bytes of the ",
        spec.device_memory_bytes, "-byte device memory of a ", spec.name,
        " left after the weights"));
  }
  RecordReuse(dram, program.buffers);
  stats->dram_bytes = AlignUp(stats->dram_bytes, 64);
  return absl::OkStatus();
}

}  // namespace ncc::alloc
