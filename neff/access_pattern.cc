#include "neff/access_pattern.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "neff/format.h"

namespace neff {

const char* SpaceName(MemorySpace space) {
  switch (space) {
    case MemorySpace::DRAM:
      return "DRAM";
    case MemorySpace::WEIGHTS:
      return "WEIGHTS";
    case MemorySpace::SBUF:
      return "SBUF";
    case MemorySpace::PSUM:
      return "PSUM";
  }
  return "?";
}

namespace {

using Wide = __int128;

std::string WideStr(Wide v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return absl::StrCat(static_cast<int64_t>(v));
  return v < 0 ? "< -2^63" : "> 2^63";
}

}  // namespace

absl::StatusOr<ApGeometry> ResolveAccessPattern(const AccessPattern& ap, const SpaceSizes& sizes) {
  ApGeometry g;
  if (ap.space() > MemorySpace::MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown memory space ", static_cast<int>(ap.space())));
  }
  if (ap.dtype() > DType::MAX) {
    return absl::InvalidArgumentError(absl::StrCat("unknown dtype ", static_cast<int>(ap.dtype())));
  }
  g.space = ap.space();
  g.dtype = ap.dtype();
  g.elem_size = DTypeSize(g.dtype);
  const Wide elem = g.elem_size;
  const char* space = SpaceName(g.space);
  if (ap.offset() % static_cast<uint64_t>(g.elem_size) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(space, " offset ", ap.offset(),
                                                   " is not aligned to the ", g.elem_size, "-byte ",
                                                   DTypeName(g.dtype), " element size"));
  }
  const auto* dims = ap.dims();
  if (dims != nullptr && dims->size() > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("access pattern has ", dims->size(), " free dims, at most 3"));
  }
  if (ap.num_partitions() == 0) {
    return absl::InvalidArgumentError("access pattern has 0 partitions");
  }
  const bool partitioned = g.space == MemorySpace::SBUF || g.space == MemorySpace::PSUM;

  // Element count, checked against the cap as it grows (each factor < 2^32,
  // so the running product never overflows 128 bits before the check).
  Wide count = ap.num_partitions();
  Wide free_size = 1;
  int first = dims == nullptr ? 3 : 3 - static_cast<int>(dims->size());
  for (int d = first; d < 3; ++d) {
    const Dim* dim = dims->Get(d - first);
    if (dim->size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("free dim ", d - first, " has size 0"));
    }
    free_size *= dim->size();
    count *= dim->size();
    if (count > kMaxOperandElements) {
      return absl::InvalidArgumentError(
          absl::StrCat("access pattern has more than ", kMaxOperandElements, " elements"));
    }
  }
  if (count > kMaxOperandElements) {
    return absl::InvalidArgumentError(
        absl::StrCat("access pattern has more than ", kMaxOperandElements, " elements"));
  }

  // Byte extent within one partition (or, for DRAM/WEIGHTS, of the whole
  // pattern, with the partition dim as one more dim).
  Wide lo = 0, hi = 0;
  Wide strides[3] = {0, 0, 0};
  for (int d = first; d < 3; ++d) {
    const Dim* dim = dims->Get(d - first);
    g.size[d] = dim->size();
    if (dim->size() > 1) {
      strides[d] = Wide(dim->stride()) * elem;
      Wide reach = strides[d] * (dim->size() - 1);
      if (reach < 0)
        lo += reach;
      else
        hi += reach;
    }
  }
  Wide plo = lo, phi = hi;  // within one partition
  Wide pstride = 0;
  if (!partitioned && ap.num_partitions() > 1) {
    pstride = Wide(ap.partition_stride()) * elem;
    Wide reach = pstride * (ap.num_partitions() - 1);
    if (reach < 0)
      lo += reach;
    else
      hi += reach;
  }
  hi += elem - 1;
  phi += elem - 1;
  const Wide offset = ap.offset();

  if (partitioned) {
    const int64_t part_bytes =
        g.space == MemorySpace::SBUF ? sizes.sbuf_partition : sizes.psum_partition;
    if (Wide(ap.start_partition()) + ap.num_partitions() > sizes.partitions) {
      return absl::InvalidArgumentError(
          absl::StrCat(space, " partitions [", ap.start_partition(), ", ",
                       int64_t{ap.start_partition()} + ap.num_partitions(), ") exceed the ",
                       sizes.partitions, " partitions"));
    }
    if (offset + lo < 0 || offset + hi >= part_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(space, " access touches bytes [", WideStr(offset + lo), ", ",
                       WideStr(offset + hi), "] of a ", part_bytes, "-byte partition"));
    }
    g.start =
        static_cast<int64_t>(ap.start_partition()) * part_bytes + static_cast<int64_t>(offset);
    g.partition_stride = part_bytes;
  } else {
    const int64_t space_bytes = g.space == MemorySpace::DRAM ? sizes.dram : sizes.weights;
    if (offset + lo < 0 || offset + hi >= space_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(space, " access touches bytes [", WideStr(offset + lo), ", ",
                       WideStr(offset + hi), "] of a ", space_bytes, "-byte space"));
    }
    g.start = static_cast<int64_t>(offset);
    g.partition_stride = static_cast<int64_t>(pstride);
  }
  // Now every reachable byte fits in int64.
  for (int d = 0; d < 3; ++d) g.stride[d] = static_cast<int64_t>(strides[d]);
  g.num_partitions = ap.num_partitions();
  g.free_size = static_cast<int64_t>(free_size);
  g.count = static_cast<int64_t>(count);
  g.partition_lo = static_cast<int64_t>(offset + plo);
  g.partition_hi = static_cast<int64_t>(offset + phi);

  // Contiguity: walk dims inner to outer while each continues the run.
  int64_t run = g.elem_size;
  bool broken = false;
  for (int d = 2; d >= 0; --d) {
    if (g.size[d] == 1) continue;
    if (g.stride[d] != run) {
      broken = true;
      break;
    }
    run *= g.size[d];
  }
  g.free_contiguous = !broken;
  if (!broken && !partitioned && g.num_partitions > 1 && g.partition_stride == run) {
    run *= g.num_partitions;
  }
  g.contiguous_bytes = run;
  return g;
}

}  // namespace neff
