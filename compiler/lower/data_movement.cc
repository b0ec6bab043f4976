#include "compiler/lower/data_movement.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// DMA descriptors are split so that copies above this many bytes spread
// over several queues.
constexpr int64_t kSplitBytes = 64 * 1024;
constexpr int64_t kMaxSplits = 8;

int64_t NormalizeAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// Reads a constant integer tensor (i64 or i32) as int64s.
absl::StatusOr<std::vector<int64_t>> ConstInts(const ir::Value* v, absl::string_view what) {
  if (v == nullptr) return std::vector<int64_t>{};
  if (!v->is_constant) {
    return Unsupported(absl::StrCat(what, " '", v->name, "' must be a compile-time constant"));
  }
  std::vector<int64_t> out(v->num_elements());
  for (int64_t i = 0; i < v->num_elements(); ++i) {
    if (v->dtype == ir::DType::kI64) {
      out[i] = v->data_as<int64_t>()[i];
    } else if (v->dtype == ir::DType::kI32) {
      out[i] = v->data_as<int32_t>()[i];
    } else {
      return Unsupported(absl::StrCat(what, " '", v->name, "' must be integer"));
    }
  }
  return out;
}

struct SliceSpec {
  std::vector<int64_t> start, step;  // per axis
};

absl::StatusOr<SliceSpec> ResolveSlice(const ir::Op& op) {
  const ir::Shape& in = op.input(0)->shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (op.inputs.size() >= 3) {
    auto s = ConstInts(op.input(1), "starts");
    auto e = ConstInts(op.input(2), "ends");
    auto a = ConstInts(op.input(3), "axes");
    auto st = ConstInts(op.input(4), "steps");
    for (auto* r : {&s, &e, &a, &st}) {
      if (!r->ok()) return r->status();
    }
    starts = *s, ends = *e, axes = *a, steps = *st;
  } else {
    starts = op.GetInts("starts", {});
    ends = op.GetInts("ends", {});
    axes = op.GetInts("axes", {});
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  SliceSpec spec;
  spec.start.assign(rank, 0);
  spec.step.assign(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = NormalizeAxis(axes[i], rank);
    if (axis < 0 || axis >= rank || steps[i] == 0) return Unsupported("invalid axes or steps");
    const int64_t dim = in[axis];
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    if (steps[i] > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
    }
    spec.start[axis] = start;
    spec.step[axis] = steps[i];
  }
  return spec;
}

// out[a][b][c] = in[b][a][c] with both sides contiguous: the two outer axes
// swap and runs of C elements stay whole (attention's [s, h, d] -> [h, s, d]
// and back). A direct DRAM -> DRAM copy moves runs of C elements, which DMA
// handles at a fraction of its rate when short. Staged through SBUF
// instead, the longer of A and B goes on the partitions, so that every
// transfer is a contiguous [rows, C] block but one, a contiguous sweep of
// whole rows:
//   B on partitions: per a, load in[b][a][:] ([rows, C] blocks of one row
//     each) into column block a of [rows, A*C]; per a, store block a.
//   A on partitions: per b, load in[b] ([A, C], contiguous) into column
//     block b of [rows, B*C]; one store of whole output rows.
// The per-block loads are what SBUF residency can serve from the
// producer's tiles. Returns false (emitting nothing) when the copy is not
// of that form or would not gain.
bool EmitStagedSwap(LowerContext& ctx, const DramTensor& src, int64_t src_offset,
                    const std::vector<int64_t>& sz, const std::vector<int64_t>& ss,
                    const DramTensor& dst, int64_t dst_offset, const std::vector<int64_t>& ds) {
  if (sz.size() != 3) return false;
  const int64_t a_n = sz[0], b_n = sz[1], c_n = sz[2];
  const bool swap = ss[2] == 1 && ds[2] == 1 && ss[0] == c_n && ss[1] == a_n * c_n &&
                    ds[0] == b_n * c_n && ds[1] == c_n;
  const int elem = ElemSize(src.dtype);
  const target::CoreSpec& spec = ctx.spec();
  const bool a_rows = a_n > b_n;  // which axis goes on the partitions
  const int64_t row_bytes = (a_rows ? b_n : a_n) * c_n * elem;
  if (!swap || c_n * elem >= spec.dma_efficient_contiguous_bytes || std::max(a_n, b_n) < 8 ||
      row_bytes > 64 * 1024) {
    return false;
  }
  const int64_t partitions = spec.partitions;
  const int64_t outer = a_rows ? a_n : b_n, inner = a_rows ? b_n : a_n;
  for (int64_t r0 = 0; r0 < outer; r0 += partitions) {
    const int rows = static_cast<int>(std::min(partitions, outer - r0));
    auto buf = ctx.Sbuf("swap", rows, row_bytes);
    if (!buf.ok()) return false;  // nothing emitted for this chunk yet
    for (int64_t k = 0; k < inner; ++k) {
      // Block k: rows r0.. of in[.][k][:] (B on partitions) or in[k][r0..][:].
      const int64_t from = a_rows ? k * ss[1] + r0 * ss[0] : k * ss[0] + r0 * ss[1];
      ctx.Dma(ctx.TypedTile(*buf, src.dtype, rows, c_n, k * c_n * elem),
              ctx.View(src, src_offset + from, rows, a_rows ? ss[0] : ss[1], {Dim{1, c_n}}));
    }
    if (a_rows) {
      ctx.Dma(ctx.View(dst, dst_offset + r0 * ds[0], rows, ds[0], {Dim{1, b_n * c_n}}),
              ctx.TypedTile(*buf, src.dtype, rows, b_n * c_n));
      continue;
    }
    for (int64_t a = 0; a < a_n; ++a) {
      ctx.Dma(ctx.View(dst, dst_offset + a * ds[0] + r0 * ds[1], rows, ds[1], {Dim{1, c_n}}),
              ctx.TypedTile(*buf, src.dtype, rows, c_n, a * c_n * elem));
    }
  }
  return true;
}

// out[m][b] = in[b][m], f32: a 2-D transpose (after merging, e.g.
// attention's keys [s, h*d] -> [h*d, s]), rows of both sides contiguous. As
// a DMA every element would be its own run. Instead, with B on the
// partitions, each [rows, <=128] column block of in is loaded, transposed on
// TensorE into PSUM (several per bank), copied to SBUF and stored as a
// contiguous block of out's rows. Returns false (emitting nothing) when the
// copy is not of that form.
bool EmitTensorTranspose(LowerContext& ctx, const DramTensor& src, int64_t src_offset,
                         const std::vector<int64_t>& sz, const std::vector<int64_t>& ss,
                         const DramTensor& dst, int64_t dst_offset,
                         const std::vector<int64_t>& ds) {
  if (sz.size() != 2 || src.dtype != neff::DType::F32 || dst.dtype != neff::DType::F32) {
    return false;
  }
  const int64_t m_n = sz[0], b_n = sz[1];
  const target::CoreSpec& spec = ctx.spec();
  const int64_t partitions = spec.partitions;
  if (ss[0] != 1 || ds[1] != 1 || ss[1] < m_n || ds[0] < b_n || m_n < 8 || b_n < 8 ||
      m_n * 4 > 64 * 1024) {
    return false;
  }
  const int64_t blocks = (m_n + partitions - 1) / partitions;
  const int64_t bank_floats = spec.psum_bank_bytes / 4;
  for (int64_t b0 = 0; b0 < b_n; b0 += partitions) {
    const int rows = static_cast<int>(std::min(partitions, b_n - b0));
    const int64_t per_bank = std::max<int64_t>(1, bank_floats / rows);
    auto in_tile = ctx.Sbuf("transpose_in", rows, m_n * 4);
    auto out_tile =
        ctx.Sbuf("transpose_out", static_cast<int>(std::min(partitions, m_n)), blocks * rows * 4);
    if (!in_tile.ok() || !out_tile.ok()) return false;  // nothing emitted yet
    auto block_size = [&](int64_t k) {
      return static_cast<int>(std::min(partitions, m_n - k * partitions));
    };
    for (int64_t k = 0; k < blocks; ++k) {
      const int64_t m0 = k * partitions;
      ctx.Dma(ctx.Tile(*in_tile, rows, block_size(k), m0 * 4),
              ctx.View(src, src_offset + b0 * ss[1] + m0, rows, ss[1], {Dim{1, block_size(k)}}));
    }
    for (int64_t k0 = 0; k0 < blocks; k0 += per_bank) {
      const int64_t group = std::min(per_bank, blocks - k0);
      auto psum = ctx.Psum("transpose", block_size(k0), group * rows * 4);
      if (!psum.ok()) return false;
      for (int64_t k = k0; k < k0 + group; ++k) {
        ctx.Transpose(ctx.Tile(*psum, block_size(k), rows, (k - k0) * rows * 4),
                      ctx.Tile(*in_tile, rows, block_size(k), k * partitions * 4));
      }
      // One copy for blocks of equal height; the short last block alone.
      const int64_t full = block_size(k0 + group - 1) == block_size(k0) ? group : group - 1;
      if (full > 0) {
        ctx.TensorCopy(ctx.Tile(*out_tile, block_size(k0), full * rows, k0 * rows * 4),
                       ctx.Tile(*psum, block_size(k0), full * rows));
      }
      if (full < group) {
        const int64_t k = k0 + group - 1;
        ctx.TensorCopy(ctx.Tile(*out_tile, block_size(k), rows, k * rows * 4),
                       ctx.Tile(*psum, block_size(k), rows, (k - k0) * rows * 4));
      }
    }
    for (int64_t k = 0; k < blocks; ++k) {
      ctx.Dma(ctx.View(dst, dst_offset + k * partitions * ds[0] + b0, block_size(k), ds[0],
                       {Dim{1, rows}}),
              ctx.Tile(*out_tile, block_size(k), rows, k * rows * 4));
    }
  }
  return true;
}

}  // namespace

std::vector<int64_t> RowMajorStrides(const ir::Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

void EmitStridedCopy(LowerContext& ctx, const DramTensor& src, int64_t src_offset,
                     std::vector<int64_t> src_strides, const DramTensor& dst, int64_t dst_offset,
                     std::vector<int64_t> dst_strides, std::vector<int64_t> shape) {
  // Drop size-1 dims, then merge dims that are contiguous on both sides.
  std::vector<int64_t> sz, ss, ds;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return;
    if (shape[i] == 1) continue;
    if (!sz.empty() && ss.back() == src_strides[i] * shape[i] &&
        ds.back() == dst_strides[i] * shape[i]) {
      sz.back() *= shape[i];
      ss.back() = src_strides[i];
      ds.back() = dst_strides[i];
      continue;
    }
    sz.push_back(shape[i]);
    ss.push_back(src_strides[i]);
    ds.push_back(dst_strides[i]);
  }
  if (sz.empty()) sz = {1}, ss = {1}, ds = {1};
  if (EmitStagedSwap(ctx, src, src_offset, sz, ss, dst, dst_offset, ds) ||
      EmitTensorTranspose(ctx, src, src_offset, sz, ss, dst, dst_offset, ds)) {
    return;
  }
  // More than four dims, or a batch of swaps: one copy per index of the
  // leading dim.
  const bool batched_swap = sz.size() == 4 && sz[0] > 1 && ss[3] == 1 && ds[3] == 1 &&
                            ss[1] == sz[3] && ds[2] == sz[3] && ds[1] == sz[2] * sz[3] &&
                            ss[2] == sz[1] * sz[3];
  if (sz.size() > 4 || batched_swap) {
    std::vector<int64_t> rest(sz.begin() + 1, sz.end());
    std::vector<int64_t> rs(ss.begin() + 1, ss.end()), rd(ds.begin() + 1, ds.end());
    for (int64_t i = 0; i < sz[0]; ++i) {
      EmitStridedCopy(ctx, src, src_offset + i * ss[0], rs, dst, dst_offset + i * ds[0], rd, rest);
    }
    return;
  }
  while (sz.size() < 2)
    sz.insert(sz.begin(), 1), ss.insert(ss.begin(), 0), ds.insert(ds.begin(), 0);
  // The first dim becomes the (logical) partition dim; split it across queues.
  int64_t total = ElemSize(dst.dtype);
  for (int64_t s : sz) total *= s;
  const int64_t splits =
      std::min<int64_t>(sz[0], std::max<int64_t>(1, std::min(kMaxSplits, total / kSplitBytes)));
  const int64_t per = (sz[0] + splits - 1) / splits;
  auto free_dims = [&](const std::vector<int64_t>& strides) {
    std::vector<Dim> dims;
    for (size_t i = 1; i < sz.size(); ++i) dims.push_back(Dim{strides[i], sz[i]});
    return dims;
  };
  for (int64_t p0 = 0; p0 < sz[0]; p0 += per) {
    const int p = static_cast<int>(std::min(per, sz[0] - p0));
    ctx.Dma(ctx.View(dst, dst_offset + p0 * ds[0], p, ds[0], free_dims(ds)),
            ctx.View(src, src_offset + p0 * ss[0], p, ss[0], free_dims(ss)));
  }
}

absl::Status EmitFill(LowerContext& ctx, const DramTensor& dst, float value) {
  const int64_t total = ir::NumElements(dst.shape);
  if (total == 0) return absl::OkStatus();
  const int64_t partitions = ctx.spec().partitions;
  const int64_t free =
      std::max<int64_t>(1, std::min<int64_t>(2048, (total + partitions - 1) / partitions));
  const int rows = static_cast<int>(std::min<int64_t>(partitions, (total + free - 1) / free));
  auto fill = ctx.Sbuf("fill", rows, free * 4);
  if (!fill.ok()) return fill.status();
  ctx.Memset(ctx.Tile(*fill, rows, free), value);
  for (int64_t c = 0; c < total;) {
    const int64_t full_rows = std::min<int64_t>(rows, (total - c) / free);
    if (full_rows > 0) {
      ctx.Dma(ctx.View(dst, c, static_cast<int>(full_rows), free, {Dim{1, free}}),
              ctx.Tile(*fill, static_cast<int>(full_rows), free));
      c += full_rows * free;
    } else {
      ctx.Dma(ctx.View(dst, c, 1, 0, {Dim{1, total - c}}), ctx.Tile(*fill, 1, total - c));
      c = total;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTranspose(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerTranspose(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  std::vector<int64_t> perm = op.GetInts("perm", {});
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  std::vector<int64_t> in_strides = RowMajorStrides(in.shape), src_strides(rank);
  for (int64_t i = 0; i < rank; ++i) src_strides[i] = in_strides[perm[i]];
  EmitStridedCopy(ctx, in, 0, src_strides, out, 0, RowMajorStrides(out.shape), out.shape);
  return absl::OkStatus();
}

absl::Status CheckSlice(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  auto spec = ResolveSlice(op);
  return spec.ok() ? absl::OkStatus() : spec.status();
}

absl::Status LowerSlice(const ir::Op& op, LowerContext& ctx) {
  auto spec = ResolveSlice(op);
  if (!spec.ok()) return spec.status();
  const DramTensor& in = ctx.Tensor(op.input(0));
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  std::vector<int64_t> in_strides = RowMajorStrides(in.shape), src_strides(in_strides.size());
  int64_t offset = 0;
  for (size_t i = 0; i < in_strides.size(); ++i) {
    offset += spec->start[i] * in_strides[i];
    src_strides[i] = spec->step[i] * in_strides[i];
  }
  EmitStridedCopy(ctx, in, offset, src_strides, out, 0, RowMajorStrides(out.shape), out.shape);
  return absl::OkStatus();
}

absl::Status CheckConcat(const ir::Op& op) {
  for (const ir::Value* v : op.inputs) {
    if (v == nullptr) return Unsupported("missing input");
  }
  return absl::OkStatus();
}

absl::Status LowerConcat(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(out.shape.size());
  const int64_t axis = NormalizeAxis(op.GetInt("axis", 0), rank);
  const std::vector<int64_t> out_strides = RowMajorStrides(out.shape);
  int64_t position = 0;
  for (const ir::Value* v : op.inputs) {
    const DramTensor& in = ctx.Tensor(v);
    EmitStridedCopy(ctx, in, 0, RowMajorStrides(in.shape), out, position * out_strides[axis],
                    out_strides, in.shape);
    position += in.shape[axis];
  }
  return absl::OkStatus();
}

absl::Status CheckSplit(const ir::Op& op) {
  // The pieces' sizes come from the outputs' static shapes, so a split-size
  // input computed at run time is fine.
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerSplit(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  const int64_t axis = NormalizeAxis(op.GetInt("axis", 0), rank);
  const std::vector<int64_t> in_strides = RowMajorStrides(in.shape);
  int64_t position = 0;
  for (const ir::Value* out_value : op.outputs) {
    const DramTensor& out = ctx.Tensor(out_value);
    EmitStridedCopy(ctx, in, position * in_strides[axis], in_strides, out, 0,
                    RowMajorStrides(out.shape), out.shape);
    position += out.shape[axis];
  }
  return absl::OkStatus();
}

namespace {

// Pad's amounts, [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
absl::StatusOr<std::vector<int64_t>> PadAmounts(const ir::Op& op) {
  std::vector<int64_t> pads = op.GetInts("pads", {});
  if (op.input(1) != nullptr) {
    auto p = ConstInts(op.input(1), "pads");
    if (!p.ok()) return p.status();
    pads = *p;
  }
  const size_t rank = op.input(0)->shape.size();
  if (pads.size() != 2 * rank) {
    return Unsupported(
        absl::StrCat(pads.size(), " pads for rank ", rank, " (need ", 2 * rank, ")"));
  }
  return pads;
}

// Fills out's borders from its own interior, axis by axis: before axis d is
// done, axes < d span the whole output and axes >= d only the interior, so
// each border slice along d copies one interior slice (edge: the outermost;
// reflect: the mirror image, not repeating the edge; wrap: the slice the
// index lands on modulo the axis size, for any pad length).
void FillBordersFromInterior(LowerContext& ctx, const DramTensor& out, const ir::Shape& in_shape,
                             const std::vector<int64_t>& pads, const std::string& mode) {
  const bool reflect = mode == "reflect", wrap = mode == "wrap";
  const int64_t rank = static_cast<int64_t>(in_shape.size());
  const std::vector<int64_t> strides = RowMajorStrides(out.shape);
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t before = pads[d], after = pads[d + rank], n = in_shape[d];
    std::vector<int64_t> slice(rank);
    int64_t base = 0;
    for (int64_t i = 0; i < rank; ++i) {
      slice[i] = i < d ? out.shape[i] : i == d ? 1 : in_shape[i];
      if (i > d) base += pads[i] * strides[i];
    }
    auto copy = [&](int64_t from, int64_t to) {
      EmitStridedCopy(ctx, out, base + from * strides[d], strides, out, base + to * strides[d],
                      strides, slice);
    };
    auto wrapped = [&](int64_t i) { return before + ((i % n) + n) % n; };
    for (int64_t j = 0; j < before; ++j) {
      copy(wrap ? wrapped(j - before) : reflect ? 2 * before - j : before, j);
    }
    for (int64_t t = 0; t < after; ++t) {
      copy(wrap ? wrapped(n + t) : reflect ? before + n - 2 - t : before + n - 1, before + n + t);
    }
  }
}

}  // namespace

absl::Status CheckPad(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  const std::string mode = op.GetString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") {
    return Unsupported(absl::StrCat("mode '", mode, "' (constant, reflect, edge or wrap)"));
  }
  if (op.input(1) != nullptr && !op.input(1)->is_constant) {
    return Unsupported("pads must be a compile-time constant");
  }
  if (op.input(2) != nullptr && !op.input(2)->is_constant) {
    return Unsupported("constant_value must be a compile-time constant");
  }
  if (op.input(3) != nullptr) return Unsupported("the axes input");
  auto pads = PadAmounts(op);
  if (!pads.ok()) return pads.status();
  if (mode == "constant") return absl::OkStatus();
  const ir::Shape& shape = op.input(0)->shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t before = (*pads)[d], after = (*pads)[d + rank];
    if (before < 0 || after < 0) {
      return Unsupported(absl::StrCat("negative pads with mode '", mode, "'"));
    }
    if ((before > 0 || after > 0) && shape[d] == 0) {
      return Unsupported(absl::StrCat("mode '", mode, "' on an empty axis ", d));
    }
    if (mode == "reflect" && std::max(before, after) >= shape[d] && (before > 0 || after > 0)) {
      return Unsupported(absl::StrCat("reflect pad of ", std::max(before, after), " on axis ", d,
                                      " of size ", shape[d], " (at most size - 1)"));
    }
  }
  return absl::OkStatus();
}

absl::Status LowerPad(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  auto amounts = PadAmounts(op);
  if (!amounts.ok()) return amounts.status();
  const std::vector<int64_t>& pads = *amounts;
  const std::string mode = op.GetString("mode", "constant");
  float value = op.GetFloat("value", 0.0f);
  if (const ir::Value* cv = op.input(2); cv != nullptr && cv->num_elements() == 1) {
    if (cv->dtype == ir::DType::kF32) value = cv->data_as<float>()[0];
    if (cv->dtype == ir::DType::kI64) value = static_cast<float>(cv->data_as<int64_t>()[0]);
    if (cv->dtype == ir::DType::kI32) value = static_cast<float>(cv->data_as<int32_t>()[0]);
  }
  if (mode == "constant") {
    // Fill the whole output, then copy the interior (negative pads crop).
    if (absl::Status s = EmitFill(ctx, out, value); !s.ok()) return s;
  }
  const std::vector<int64_t> in_strides = RowMajorStrides(in.shape);
  const std::vector<int64_t> out_strides = RowMajorStrides(out.shape);
  std::vector<int64_t> shape(rank);
  int64_t src_off = 0, dst_off = 0;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t before = pads[i], after = pads[i + rank];
    const int64_t skip = std::max<int64_t>(0, -before);
    shape[i] = in.shape[i] - skip - std::max<int64_t>(0, -after);
    src_off += skip * in_strides[i];
    dst_off += std::max<int64_t>(0, before) * out_strides[i];
    if (shape[i] <= 0) return absl::OkStatus();
  }
  EmitStridedCopy(ctx, in, src_off, in_strides, out, dst_off, out_strides, shape);
  if (mode != "constant") FillBordersFromInterior(ctx, out, in.shape, pads, mode);
  return absl::OkStatus();
}

absl::Status CheckCast(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerCast(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  EmitStridedCopy(ctx, in, 0, RowMajorStrides(in.shape), out, 0, RowMajorStrides(out.shape),
                  out.shape);
  return absl::OkStatus();
}

absl::Status CheckExpand(const ir::Op& op) {
  // The result's static shape is all the lowering needs.
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerExpand(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& in = ctx.Tensor(op.input(0));
  const DramTensor& out = ctx.Tensor(op.outputs[0]);
  const size_t rank = out.shape.size();
  ir::Shape padded(rank, 1);
  std::copy(in.shape.begin(), in.shape.end(), padded.end() - in.shape.size());
  std::vector<int64_t> strides = RowMajorStrides(padded);
  for (size_t i = 0; i < rank; ++i) {
    if (padded[i] == 1) strides[i] = 0;
  }
  EmitStridedCopy(ctx, in, 0, strides, out, 0, RowMajorStrides(out.shape), out.shape);
  return absl::OkStatus();
}

absl::Status CheckDepthSpace(const ir::Op& op) {
  if (op.input(0) == nullptr || op.input(0)->shape.size() != 4)
    return Unsupported("input must be 4-D");
  const std::string mode = op.GetString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return Unsupported(absl::StrCat("mode '", mode, "'"));
  return absl::OkStatus();
}

absl::Status LowerDepthSpace(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t b = op.GetInt("blocksize", 1);
  const bool to_space = op.type == "DepthToSpace";
  const bool crd = op.GetString("mode", "DCR") == "CRD";
  // View the deep tensor as [n, (b, b, c) or (c, b, b), h, w] and the
  // spatial one as [n, c, h, b, w, b]; the op is a 6-D permutation.
  const ir::Shape& deep = to_space ? x.shape : y.shape;
  const int64_t n = deep[0], c = deep[1] / (b * b), h = deep[2], w = deep[3];
  // Strides of the deep tensor for (n, c, h, i, w, j).
  const int64_t hw = h * w;
  std::vector<int64_t> deep_strides = {
      deep[1] * hw, crd ? b * b * hw : hw, w, crd ? b * hw : b * c * hw, 1, crd ? hw : c * hw};
  // Strides of the spatial tensor [n, c, h*b, w*b] for (n, c, h, i, w, j).
  const int64_t sw = w * b;
  std::vector<int64_t> space_strides = {c * h * b * sw, h * b * sw, b * sw, sw, b, 1};
  const std::vector<int64_t> shape = {n, c, h, b, w, b};
  if (to_space) {
    EmitStridedCopy(ctx, x, 0, deep_strides, y, 0, space_strides, shape);
  } else {
    EmitStridedCopy(ctx, x, 0, space_strides, y, 0, deep_strides, shape);
  }
  return absl::OkStatus();
}

absl::Status CheckTile(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  if (op.input(1) == nullptr) return Unsupported("missing repeats");
  const int64_t blocks = ir::NumElements(op.outputs[0]->shape) /
                         std::max<int64_t>(1, ir::NumElements(op.input(0)->shape));
  if (blocks > 4096) return Unsupported("more than 4096 repeated blocks");
  return absl::OkStatus();
}

absl::Status LowerTile(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const size_t rank = x.shape.size();
  if (ir::NumElements(x.shape) == 0) return absl::OkStatus();
  // One strided copy of the whole input per repeated block.
  std::vector<int64_t> repeats(rank);
  for (size_t d = 0; d < rank; ++d) repeats[d] = y.shape[d] / x.shape[d];
  const std::vector<int64_t> y_strides = RowMajorStrides(y.shape);
  const int64_t blocks = ir::NumElements(repeats);
  for (int64_t blk = 0; blk < blocks; ++blk) {
    int64_t rem = blk, offset = 0;
    for (size_t d = rank; d-- > 0;) {
      offset += (rem % repeats[d]) * x.shape[d] * y_strides[d];
      rem /= repeats[d];
    }
    EmitStridedCopy(ctx, x, 0, RowMajorStrides(x.shape), y, offset, y_strides, x.shape);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
