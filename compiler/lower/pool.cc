#include "compiler/lower/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// Free elements per partition of one pooling output tile.
constexpr int64_t kMaxOutFree = 2048;
// Floats per partition of one input tile (half of SBUF).
constexpr int64_t kMaxInFloats = 24 * 1024;

struct PoolGeometry {
  int64_t n, c, h, w, ho, wo;
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t pt, pl, pb, pr;
  int64_t declared_pb, declared_pr;  // before the ceil_mode extension
  // Where row i, column j of the (h, w) plane is in x's plane: element
  // (row_origin + i * row_step) * x_width + col_origin + j * col_step. The
  // identity unless Decimate() kept only the rows and columns windows read.
  int64_t x_width = 0, row_origin = 0, row_step = 1, col_origin = 0, col_step = 1;
};

// One spatial axis: input and output sizes, kernel, stride, dilation, pads.
struct PoolAxis {
  int64_t in, out, kernel, stride, dilation, begin, end;
  int64_t declared_end;  // before the ceil_mode extension
};

// An axis that pooling leaves alone.
PoolAxis UnitAxis(int64_t size) { return PoolAxis{size, size, 1, 1, 1, 0, 0, 0}; }

absl::StatusOr<std::vector<PoolAxis>> Axes(const ir::Op& op) {
  const ir::Shape& x = op.input(0)->shape;
  const ir::Shape& y = op.outputs[0]->shape;
  if (x.size() < 3 || x.size() > 5) {
    return Unsupported(absl::StrCat("only 1-D, 2-D and 3-D pooling; input rank ", x.size()));
  }
  const size_t rank = x.size() - 2;
  const std::vector<int64_t> k = op.GetInts("kernel_shape", {});
  const std::vector<int64_t> s = op.GetInts("strides", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> d = op.GetInts("dilations", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> p = op.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (k.size() != rank || s.size() != rank || d.size() != rank || p.size() != 2 * rank) {
    return Unsupported(
        absl::StrCat("kernel_shape/strides/dilations/pads must describe ", rank, " spatial axes"));
  }
  const std::string auto_pad = op.GetString("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return Unsupported(absl::StrCat("auto_pad '", auto_pad, "'"));
  }
  std::vector<PoolAxis> axes;
  for (size_t j = 0; j < rank; ++j) {
    PoolAxis a{x[2 + j], y[2 + j], k[j], s[j], d[j], 0, 0, 0};
    const int64_t extent = (a.kernel - 1) * a.dilation + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + extent - a.in);
      a.begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.end = total - a.begin;
    } else if (auto_pad == "NOTSET") {
      a.begin = p[j], a.end = p[j + rank];
    }
    a.declared_end = a.end;
    // ceil_mode can make the last windows run past the padded input: extend
    // the end padding so every window fits (those cells never count).
    a.end = std::max(a.end, (a.out - 1) * a.stride + extent - a.in - a.begin);
    axes.push_back(a);
  }
  return axes;
}

PoolGeometry PlaneGeometry(int64_t n, int64_t c, const PoolAxis& ah, const PoolAxis& aw) {
  PoolGeometry g;
  g.n = n, g.c = c, g.h = ah.in, g.w = aw.in, g.ho = ah.out, g.wo = aw.out;
  g.kh = ah.kernel, g.kw = aw.kernel, g.sh = ah.stride, g.sw = aw.stride;
  g.dh = ah.dilation, g.dw = aw.dilation;
  g.pt = ah.begin, g.pl = aw.begin, g.pb = ah.end, g.pr = aw.end;
  g.declared_pb = ah.declared_end, g.declared_pr = aw.declared_end;
  g.x_width = g.w;
  return g;
}

// When an axis's stride and dilation share a factor f, windows read only
// every f-th padded cell: those form a smaller input with stride and
// dilation divided by f. Valid for maxima (padding never counts); averages
// and Indices keep the full geometry.
void DecimateAxis(int64_t* in, int64_t* stride, int64_t* dilation, int64_t* begin, int64_t* end,
                  int64_t out, int64_t kernel, int64_t* origin, int64_t* step) {
  const int64_t f = std::gcd(*stride, *dilation);
  if (f <= 1) return;
  // Padded cell t = f * k is input cell f * k - begin.
  const int64_t first = (*begin + f - 1) / f;
  const int64_t last = (*in - 1 + *begin) / f;
  *origin = f * first - *begin;
  *step = f;
  *in = std::max<int64_t>(0, last - first + 1);
  *stride /= f, *dilation /= f, *begin = first;
  *end = std::max<int64_t>(0, (out - 1) * *stride + (kernel - 1) * *dilation + 1 - first - *in);
}

PoolGeometry Decimate(PoolGeometry g) {
  DecimateAxis(&g.h, &g.sh, &g.dh, &g.pt, &g.pb, g.ho, g.kh, &g.row_origin, &g.row_step);
  DecimateAxis(&g.w, &g.sw, &g.dw, &g.pl, &g.pr, g.wo, g.kw, &g.col_origin, &g.col_step);
  g.declared_pb = g.pb, g.declared_pr = g.pr;
  return g;
}

// How EmitPool tiles a plane: `rows` x `cols` outputs per tile, the kernel's
// rows taken `kernel_rows` at a time, each group's input window in one SBUF
// tile of at most kMaxInFloats per partition. With every output column in
// one tile the input rows are loaded whole (`full_width`).
struct PoolTiling {
  int64_t rows, cols, kernel_rows, in_width;
  bool full_width;
};

absl::StatusOr<PoolTiling> Tiling(const PoolGeometry& g) {
  const int64_t extent_w = (g.kw - 1) * g.dw + 1, extent_h = (g.kh - 1) * g.dh + 1;
  if (extent_w > kMaxInFloats) {
    return Unsupported(absl::StrCat("a window spanning ", extent_w, " input columns (at most ",
                                    kMaxInFloats, ": the kernel's width is not tiled)"));
  }
  PoolTiling t;
  const int64_t padded_w = g.w + g.pl + g.pr;
  t.full_width = padded_w * extent_h <= kMaxInFloats && g.wo <= kMaxOutFree;
  if (t.full_width) {
    t.cols = g.wo, t.in_width = padded_w, t.kernel_rows = g.kh;
    t.rows = std::min<int64_t>(g.ho, std::max<int64_t>(1, kMaxOutFree / g.wo));
    t.rows = std::min(t.rows, (kMaxInFloats / padded_w - extent_h) / g.sh + 1);
    return t;
  }
  t.cols = std::min<int64_t>({g.wo, kMaxOutFree, (kMaxInFloats - extent_w) / g.sw + 1});
  t.in_width = (t.cols - 1) * g.sw + extent_w;
  const int64_t max_rows_in = kMaxInFloats / t.in_width;
  if (max_rows_in >= extent_h) {
    t.kernel_rows = g.kh;
    t.rows = std::min<int64_t>(
        {g.ho, std::max<int64_t>(1, kMaxOutFree / t.cols), (max_rows_in - extent_h) / g.sh + 1});
  } else {
    t.kernel_rows = (max_rows_in - 1) / g.dh + 1;
    t.rows = 1;
  }
  return t;
}

// The 2-D pooling passes of `op`: one for 1-D (height 1) and 2-D pooling;
// two for 3-D, whose box windows are separable: first over (H, W) of every
// depth slice ([N, C*D, H, W] -> [N, C*D, Ho, Wo]), then over depth with
// each output plane as one long row ([N, C, D, Ho*Wo] -> [N, C, Do, Ho*Wo]).
// Maxima compose, and so do averages: a window's count of cells (real, or
// declared padding with count_include_pad) is the product of its per-axis
// counts.
absl::StatusOr<std::vector<PoolGeometry>> Passes(const ir::Op& op) {
  auto axes = Axes(op);
  if (!axes.ok()) return axes.status();
  const ir::Shape& x = op.input(0)->shape;
  const std::vector<PoolAxis>& a = *axes;
  switch (a.size()) {
    case 1:
      return std::vector<PoolGeometry>{PlaneGeometry(x[0], x[1], UnitAxis(1), a[0])};
    case 2:
      return std::vector<PoolGeometry>{PlaneGeometry(x[0], x[1], a[0], a[1])};
    default:
      return std::vector<PoolGeometry>{
          PlaneGeometry(x[0], x[1] * x[2], a[1], a[2]),
          PlaneGeometry(x[0], x[1], a[0], UnitAxis(a[1].out * a[2].out))};
  }
}

// 1 / (number of window cells that are inside the real input, or inside the
// declared padding with count_include_pad) for every output position.
std::vector<float> ReciprocalCounts(const PoolGeometry& g, const ir::Op& op) {
  const bool include_pad = op.GetInt("count_include_pad", 0) != 0;
  // With count_include_pad the declared pads count, the ceil_mode extension
  // does not.
  const int64_t lo_h = include_pad ? -g.pt : 0, hi_h = include_pad ? g.h + g.declared_pb : g.h;
  const int64_t lo_w = include_pad ? -g.pl : 0, hi_w = include_pad ? g.w + g.declared_pr : g.w;
  std::vector<float> counts(g.ho * g.wo);
  for (int64_t i = 0; i < g.ho; ++i) {
    for (int64_t j = 0; j < g.wo; ++j) {
      int64_t n = 0;
      for (int64_t r = 0; r < g.kh; ++r) {
        for (int64_t s = 0; s < g.kw; ++s) {
          const int64_t ih = i * g.sh + r * g.dh - g.pt, iw = j * g.sw + s * g.dw - g.pl;
          if (ih >= lo_h && ih < hi_h && iw >= lo_w && iw < hi_w) ++n;
        }
      }
      counts[i * g.wo + j] = n > 0 ? 1.0f / static_cast<float>(n) : 0.0f;
    }
  }
  return counts;
}

// MaxPool's Indices: for kernel offset (r, s) and output position (i, j),
// the flat spatial index of the input cell the window reads there (row-major,
// or column-major with storage_order=1); cells in the padding are never the
// maximum of a window that holds a real cell.
std::vector<float> WindowIndices(const PoolGeometry& g, bool column_major) {
  std::vector<float> table(g.kh * g.kw * g.ho * g.wo);
  for (int64_t r = 0; r < g.kh; ++r) {
    for (int64_t s = 0; s < g.kw; ++s) {
      for (int64_t i = 0; i < g.ho; ++i) {
        for (int64_t j = 0; j < g.wo; ++j) {
          const int64_t ih = i * g.sh + r * g.dh - g.pt, iw = j * g.sw + s * g.dw - g.pl;
          table[((r * g.kw + s) * g.ho + i) * g.wo + j] =
              static_cast<float>(column_major ? iw * g.h + ih : ih * g.w + iw);
        }
      }
    }
  }
  return table;
}

bool HasIndices(const ir::Op& op) { return op.outputs.size() > 1 && op.outputs[1] != nullptr; }

}  // namespace

absl::Status CheckPool(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  const ir::DType dtype = op.input(0)->dtype;
  // The max of 8-bit integers is exact in fp32; DMA converts on load and store.
  const bool eight_bit_max =
      op.type == "MaxPool" && (dtype == ir::DType::kU8 || dtype == ir::DType::kI8);
  if ((dtype != ir::DType::kF32 && !eight_bit_max) || op.outputs[0]->dtype != dtype) {
    return Unsupported("only f32 pooling (and u8/i8 MaxPool)");
  }
  if (HasIndices(op)) {
    if (op.type != "MaxPool" || op.outputs[1]->dtype != ir::DType::kI64) {
      return Unsupported("an Indices output must be MaxPool's, int64");
    }
    // Indices are computed in fp32: exact below 2^24.
    if (op.input(0)->num_elements() >= (int64_t{1} << 24)) {
      return Unsupported("Indices of an input of 2^24 elements or more");
    }
    if (op.input(0)->shape.size() != 4) {
      return Unsupported(
          absl::StrCat("Indices of ", op.input(0)->shape.size() - 2, "-D pooling (only 2-D)"));
    }
  }
  auto passes = Passes(op);
  if (!passes.ok()) return passes.status();
  const bool decimate = op.type == "MaxPool" && !HasIndices(op);
  for (const PoolGeometry& g : *passes) {
    auto tiling = Tiling(decimate ? Decimate(g) : g);
    if (!tiling.ok()) return tiling.status();
  }
  return absl::OkStatus();
}

namespace {

// One 2-D pooling pass of `op` with geometry `full` (row-major x and y,
// [n, c, h, w] and [n, c, ho, wo]); MaxPool's Indices too when `indices`.
// Channels on partitions; each tile of outputs is a chain of max/add over
// strided windows of its input tile(s).
absl::Status EmitPool(LowerContext& ctx, const ir::Op& op, const PoolGeometry& full,
                      const DramTensor& x, const DramTensor& y, bool indices) {
  const bool is_max = op.type == "MaxPool";
  const PoolGeometry g = is_max && !indices ? Decimate(full) : full;
  auto tiling = Tiling(g);
  if (!tiling.ok()) return tiling.status();
  const PoolTiling& t = *tiling;
  const int64_t part = ctx.spec().partitions;
  const float fill = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
  const int64_t x_plane = full.h * full.w;

  // Average pooling: one divisor for all positions, or a per-position table.
  const std::vector<float> recip = is_max ? std::vector<float>{} : ReciprocalCounts(g, op);
  const bool uniform =
      !is_max && std::all_of(recip.begin(), recip.end(), [&](float r) { return r == recip[0]; });
  DramTensor recip_table;
  if (!is_max && !uniform) {
    recip_table = ctx.F32Weights("reciprocal_counts", {g.ho * g.wo}, recip);
  }
  // MaxPool's Indices: the winning offset's index, tracked beside the max.
  DramTensor index_table;
  if (indices) {
    index_table = ctx.F32Weights("window_indices", {g.kh * g.kw, g.ho * g.wo},
                                 WindowIndices(g, op.GetInt("storage_order", 0) != 0));
  }

  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t c0 = 0; c0 < g.c; c0 += part) {
      const int ct = static_cast<int>(std::min(part, g.c - c0));
      const int64_t plane0 = (n * g.c + c0) * g.ho * g.wo;
      for (int64_t oh0 = 0; oh0 < g.ho; oh0 += t.rows) {
        const int64_t rows = std::min(t.rows, g.ho - oh0);
        for (int64_t ow0 = 0; ow0 < g.wo; ow0 += t.cols) {
          const int64_t cols = std::min(t.cols, g.wo - ow0);
          const int64_t out_free = rows * cols;
          // This tile's positions in a [ho, wo] plane.
          auto out_view = [&](const DramTensor& tensor, int64_t base, int partitions,
                              int64_t partition_stride) {
            return ctx.View(tensor, base + oh0 * g.wo + ow0, partitions, partition_stride,
                            {Dim{g.wo, rows}, Dim{1, cols}});
          };
          auto acc_buf = ctx.Sbuf("acc", ct, out_free * 4);
          if (!acc_buf.ok()) return acc_buf.status();
          Operand acc = ctx.Tile(*acc_buf, ct, out_free);
          Operand acc_view = acc;
          acc_view.dims = {Dim{cols, rows}, Dim{1, cols}};
          Operand index, candidate, better;
          if (indices) {
            auto ib = ctx.Sbuf("index", ct, out_free * 4);
            auto cb = ctx.Sbuf("candidate", ct, out_free * 4);
            auto bb = ctx.Sbuf("better", ct, out_free * 4);
            for (auto* b : {&ib, &cb, &bb}) {
              if (!b->ok()) return b->status();
            }
            index = ctx.Tile(*ib, ct, out_free), candidate = ctx.Tile(*cb, ct, out_free);
            better = ctx.Tile(*bb, ct, out_free);
            better.dims = acc_view.dims;
          }
          for (int64_t r0 = 0; r0 < g.kh; r0 += t.kernel_rows) {
            const int64_t kernel_rows = std::min(t.kernel_rows, g.kh - r0);
            // The padded input window of these outputs and kernel rows.
            const int64_t top = oh0 * g.sh + r0 * g.dh, left = t.full_width ? 0 : ow0 * g.sw;
            const int64_t rows_in = (rows - 1) * g.sh + (kernel_rows - 1) * g.dh + 1;
            const int64_t wp = t.in_width;
            auto in_buf = ctx.Sbuf("in", ct, rows_in * wp * 4);
            if (!in_buf.ok()) return in_buf.status();
            const int64_t ih0 = std::max<int64_t>(0, top - g.pt);
            const int64_t ih1 = std::min<int64_t>(g.h, top + rows_in - g.pt);
            const int64_t iw0 = std::max<int64_t>(0, left - g.pl);
            const int64_t iw1 = std::min<int64_t>(g.w, left + wp - g.pl);
            const bool covered = ih1 - ih0 == rows_in && iw1 - iw0 == wp;
            if (!covered) ctx.Memset(ctx.Tile(*in_buf, ct, rows_in * wp), fill);
            if (ih1 > ih0 && iw1 > iw0) {
              Operand dst =
                  ctx.Tile(*in_buf, ct, 0, ((ih0 + g.pt - top) * wp + iw0 + g.pl - left) * 4);
              dst.dims = {Dim{wp, ih1 - ih0}, Dim{1, iw1 - iw0}};
              const int64_t src = (n * g.c + c0) * x_plane +
                                  (g.row_origin + ih0 * g.row_step) * g.x_width + g.col_origin +
                                  iw0 * g.col_step;
              if (g.row_step == 1 && g.col_step == 1 && iw1 - iw0 == g.w) {
                if (auto st = ctx.LoadRows(dst, x, src, x_plane, ih1 - ih0, g.w); !st.ok()) {
                  return st;
                }
              } else {
                ctx.Dma(dst, ctx.View(x, src, ct, x_plane,
                                      {Dim{g.row_step * g.x_width, ih1 - ih0},
                                       Dim{g.col_step, iw1 - iw0}}));
              }
            }
            for (int64_t r = r0; r < r0 + kernel_rows; ++r) {
              for (int64_t s = 0; s < g.kw; ++s) {
                Operand window = ctx.Tile(
                    *in_buf, ct, 0, ((r - r0) * g.dh * wp + (ow0 * g.sw - left) + s * g.dw) * 4);
                window.dims = {Dim{g.sh * wp, rows}, Dim{g.sw, cols}};
                const Operand offset_indices =
                    indices ? out_view(index_table, (r * g.kw + s) * g.ho * g.wo, ct, 0)
                            : Operand{};
                if (r == 0 && s == 0) {
                  ctx.TensorCopy(acc_view, window);
                  if (indices) ctx.Dma(index, offset_indices);
                  continue;
                }
                if (indices) {
                  // Strictly greater: the first maximum in window order wins.
                  ctx.TensorTensor(better, window, acc_view, neff::AluOp::IS_GT);
                  ctx.Dma(candidate, offset_indices);
                  ctx.Select(index, ctx.Tile(better.buffer, ct, out_free), candidate, index);
                }
                ctx.TensorTensor(acc_view, acc_view, window,
                                 is_max ? neff::AluOp::MAXIMUM : neff::AluOp::ADD);
              }
            }
          }
          if (indices) {
            // Plus the (n, c) plane's first element: flat indices into X.
            auto pb = ctx.Sbuf("plane", ct, 4);
            if (!pb.ok()) return pb.status();
            Operand plane = ctx.Tile(*pb, ct, 1);
            ctx.Iota(plane, static_cast<float>((n * g.c + c0) * x_plane),
                     static_cast<float>(x_plane), 0.0f);
            ctx.TensorScalarPerPartition(index, index, neff::AluOp::ADD, &plane, 0.0f,
                                         neff::AluOp::BYPASS, nullptr, 0.0f);
            ctx.Dma(out_view(ctx.Tensor(op.outputs[1]), plane0, ct, g.ho * g.wo), index);
          }
          if (!is_max && uniform) {
            ctx.TensorScalar(acc, acc, neff::AluOp::MULTIPLY, recip[0]);
          } else if (!is_max) {
            auto rbuf = ctx.Sbuf("recip", ct, out_free * 4);
            if (!rbuf.ok()) return rbuf.status();
            Operand r = ctx.Tile(*rbuf, ct, out_free);
            ctx.Dma(r, out_view(recip_table, 0, ct, 0));
            ctx.TensorTensor(acc, acc, r, neff::AluOp::MULTIPLY);
          }
          ctx.Dma(out_view(y, plane0, ct, g.ho * g.wo), acc);
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerPool(const ir::Op& op, LowerContext& ctx) {
  auto passes = Passes(op);
  if (!passes.ok()) return passes.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  if (passes->size() == 1) return EmitPool(ctx, op, passes->front(), x, y, HasIndices(op));
  const PoolGeometry& planes = (*passes)[0];
  DramTensor pooled = ctx.ScratchDram("planes_pooled", neff::DType::F32,
                                      {planes.n, planes.c, planes.ho, planes.wo});
  if (absl::Status s = EmitPool(ctx, op, planes, x, pooled, false); !s.ok()) return s;
  return EmitPool(ctx, op, (*passes)[1], pooled, y, false);
}

absl::Status CheckGlobalPool(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr || op.input(0)->shape.size() < 3) {
    return Unsupported("input must be [N, C, spatial...]");
  }
  return absl::OkStatus();
}

absl::Status LowerGlobalPool(const ir::Op& op, LowerContext& ctx) {
  const bool is_max = op.type == "GlobalMaxPool";
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t n_batch = x.shape[0], c = x.shape[1];
  const int64_t spatial = ir::NumElements(x.shape) / (n_batch * c);
  const int64_t part = ctx.spec().partitions;
  // Reduce chunks of the spatial axis into partial results, then those.
  constexpr int64_t kChunk = 4096;
  const int64_t chunks = (spatial + kChunk - 1) / kChunk;
  const neff::AluOp alu = is_max ? neff::AluOp::MAXIMUM : neff::AluOp::ADD;
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c0 = 0; c0 < c; c0 += part) {
      const int ct = static_cast<int>(std::min(part, c - c0));
      auto partial = ctx.Sbuf("partial", ct, chunks * 4);
      if (!partial.ok()) return partial.status();
      for (int64_t k = 0; k < chunks; ++k) {
        const int64_t len = std::min(kChunk, spatial - k * kChunk);
        auto buf = ctx.Sbuf("in", ct, len * 4);
        if (!buf.ok()) return buf.status();
        Operand t = ctx.Tile(*buf, ct, len);
        ctx.Dma(t, ctx.View(x, (n * c + c0) * spatial + k * kChunk, ct, spatial, {Dim{1, len}}));
        ctx.TensorReduce(ctx.Tile(*partial, ct, 1, k * 4), t, alu);
      }
      auto out = ctx.Sbuf("out", ct, 4);
      if (!out.ok()) return out.status();
      Operand result = ctx.Tile(*out, ct, 1);
      ctx.TensorReduce(result, ctx.Tile(*partial, ct, chunks), alu);
      if (!is_max) {
        ctx.TensorScalar(result, result, neff::AluOp::MULTIPLY, 1.0f / static_cast<float>(spatial));
      }
      ctx.Dma(ctx.View(y, n * c + c0, ct, 1, {Dim{1, 1}}), result);
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
