#include "compiler/lower/conv.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Per-partition byte budgets: resident weights (every contraction tile of
// one output-channel group), one streamed weight tile, one input tile. They
// leave room for the output tiles and the allocator's double buffering.
int64_t ResidentWeightBudget(const target::CoreSpec& spec) { return spec.sbuf_partition_bytes / 2; }
int64_t StreamedWeightBudget(const target::CoreSpec& spec) { return spec.sbuf_partition_bytes / 8; }
int64_t InputTileBudget(const target::CoreSpec& spec) { return spec.sbuf_partition_bytes / 4; }

}  // namespace

absl::StatusOr<ConvGeometry> ConvGeometryOf(const ir::Op& op, const ir::Shape& x,
                                            const ir::Shape& wt, const ir::Shape& y) {
  const size_t rank = x.size() - 2;
  if (rank < 1 || rank > 3 || wt.size() != x.size() || y.size() != x.size()) {
    return Unsupported("x, w and y must be rank 3, 4 or 5 alike");
  }
  const std::vector<int64_t> strides = op.GetInts("strides", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> dilations = op.GetInts("dilations", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> pads = op.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (strides.size() != rank || dilations.size() != rank || pads.size() != 2 * rank) {
    return Unsupported(
        absl::StrCat("strides/dilations/pads must describe ", rank, " spatial axes"));
  }
  const std::string auto_pad = op.GetString("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return Unsupported(absl::StrCat("auto_pad '", auto_pad, "'"));
  }
  // Per spatial axis, outer to inner: {in, kernel, stride, dilation, begin
  // pad, end pad, out}; a missing height (1-D) or depth (1-D, 2-D) is a unit
  // axis.
  std::vector<ConvAxis> axes(3);
  for (size_t j = 0; j < rank; ++j) {
    ConvAxis& a = axes[3 - rank + j];
    a.in = x[2 + j], a.kernel = wt[2 + j], a.stride = strides[j], a.dilation = dilations[j];
    a.out = y[2 + j];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t total =
          std::max<int64_t>(0, (a.out - 1) * a.stride + (a.kernel - 1) * a.dilation + 1 - a.in);
      a.front = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.back = total - a.front;
    } else if (auto_pad == "NOTSET") {
      a.front = pads[j], a.back = pads[j + rank];
    }
  }
  ConvGeometry g;
  g.n = x[0], g.c = x[1], g.co = wt[0];
  g.groups = op.GetInt("group", 1);
  g.has_depth = rank == 3;
  g.depth = axes[0];
  const ConvAxis& ah = axes[1];
  const ConvAxis& aw = axes[2];
  g.h = ah.in, g.w = aw.in, g.kh = ah.kernel, g.kw = aw.kernel;
  g.sh = ah.stride, g.sw = aw.stride, g.dh = ah.dilation, g.dw = aw.dilation;
  g.pt = ah.front, g.pl = aw.front, g.pb = ah.back, g.pr = aw.back;
  g.ho = ah.out, g.wo = aw.out;
  return g;
}

namespace {

absl::StatusOr<ConvGeometry> Geometry(const ir::Op& op) {
  return ConvGeometryOf(op, op.input(0)->shape, op.input(1)->shape, op.outputs[0]->shape);
}

// Output channels [co0, co0 + cot) of constant weights W[co, ci, tap]
// re-laid out as [ci, tap, co] (the stationary tiles' order) in a weights
// buffer of their own.
DramTensor ConvWeightBlock(LowerContext& ctx, const DramTensor& w,
                           absl::Span<const uint8_t> contents, int64_t co0, int64_t cot,
                           int64_t cig, int64_t taps) {
  const int64_t elem = ElemSize(w.dtype);
  Buffer buf;
  buf.name = ctx.Name(absl::StrCat("weights_co", co0));
  buf.space = Space::WEIGHTS;
  buf.bytes = cig * taps * cot * elem;
  buf.data.resize(buf.bytes);
  // A transposition of fixed-size elements; typed copies so that each one is
  // a move, not a memcpy call. In kTile x kTile tiles, whose source and
  // destination lines stay in cache: a whole row or column at a time strides
  // through megabytes, a cache line per element.
  auto relayout = [&](auto element) {
    using T = decltype(element);
    constexpr int64_t kTile = 16;
    const T* src = reinterpret_cast<const T*>(contents.data());
    T* dst = reinterpret_cast<T*>(buf.data.data());
    const int64_t n = cig * taps;
    for (int64_t i0 = 0; i0 < n; i0 += kTile) {
      const int64_t i1 = std::min(n, i0 + kTile);
      for (int64_t c0 = 0; c0 < cot; c0 += kTile) {
        const int64_t c1 = std::min(cot, c0 + kTile);
        for (int64_t i = i0; i < i1; ++i) {
          T* row = dst + i * cot;
          for (int64_t co = c0; co < c1; ++co) row[co] = src[(co0 + co) * n + i];
        }
      }
    }
  };
  if (elem == 4) {
    relayout(uint32_t{});
  } else if (elem == 2) {
    relayout(uint16_t{});
  } else {
    relayout(uint8_t{});
  }
  DramTensor t;
  t.buffer = ctx.program().AddBuffer(std::move(buf));
  t.space = Space::WEIGHTS;
  t.dtype = w.dtype;
  t.shape = {cig, taps, cot};
  return t;
}

// Output channels [co0, co0 + cot) of constant weights W[co, ci, kh, kw]
// re-laid out as [kw, ci, kh, co]: for kernel row r, partition s*ci + c
// holds W[co, c, r, s] (the stationary tiles when kernel columns are folded
// into the contraction).
DramTensor FoldedColumnWeights(LowerContext& ctx, const DramTensor& w,
                               absl::Span<const uint8_t> contents, int64_t co0, int64_t cot,
                               int64_t ci, int64_t kh, int64_t kw) {
  const int64_t elem = ElemSize(w.dtype);
  Buffer buf;
  buf.name = ctx.Name(absl::StrCat("weights_folded_co", co0));
  buf.space = Space::WEIGHTS;
  buf.bytes = kw * ci * kh * cot * elem;
  buf.data.resize(buf.bytes);
  for (int64_t co = 0; co < cot; ++co) {
    for (int64_t c = 0; c < ci; ++c) {
      for (int64_t r = 0; r < kh; ++r) {
        for (int64_t q = 0; q < kw; ++q) {
          const int64_t from = (((co0 + co) * ci + c) * kh + r) * kw + q;
          const int64_t to = ((q * ci + c) * kh + r) * cot + co;
          std::memcpy(buf.data.data() + to * elem, contents.data() + from * elem, elem);
        }
      }
    }
  }
  DramTensor t;
  t.buffer = ctx.program().AddBuffer(std::move(buf));
  t.space = Space::WEIGHTS;
  t.dtype = w.dtype;
  t.shape = {kw * ci, kh, cot};
  return t;
}

}  // namespace

absl::Status CheckConv(const ir::Op& op) {
  if (auto s = RequireMatmulTypes(op); !s.ok()) return s;
  if (op.input(0) == nullptr || op.input(1) == nullptr) {
    return Unsupported("needs inputs X and W");
  }
  const size_t rank = op.input(0)->shape.size();
  if (rank < 3 || rank > 5) {
    return Unsupported(absl::StrCat("only 1-D, 2-D and 3-D convolution; input has rank ", rank));
  }
  auto g = Geometry(op);
  if (!g.ok()) return g.status();
  return CheckFusedActivation(op);
}

namespace {

// Depthwise convolution (one input and one output channel per group) on the
// Vector and GpSimd engines: channels on partitions, and per kernel tap
// acc += window * w[c, tap] with the weight as a per-partition scalar. On
// the Tensor engine each group would be a K=1 matmul that uses one PE row.
absl::Status EmitDepthwise(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands) {
  const DramTensor& x = operands.x;
  const DramTensor& wt = operands.w;
  const DramTensor& y = operands.y;
  const DramTensor* bias = operands.bias;
  const neff::ActivationFunction func = operands.func;
  const int64_t part = ctx.spec().partitions;
  const int64_t taps = g.kh * g.kw;
  const int64_t wp = g.w + g.pl + g.pr;
  const int64_t rows_per_tile = std::min<int64_t>(g.ho, std::max<int64_t>(1, 4096 / g.wo));
  const bool padded = g.pt || g.pl || g.pb || g.pr;
  for (int64_t c0 = 0; c0 < g.c; c0 += part) {
    const int ct = static_cast<int>(std::min(part, g.c - c0));
    auto wb = ctx.Sbuf("w", ct, taps * 4);
    if (!wb.ok()) return wb.status();
    ctx.Dma(ctx.Tile(*wb, ct, taps), ctx.View(wt, c0 * taps, ct, taps, {Dim{1, taps}}));
    Operand bias_tile;
    if (bias != nullptr) {
      auto bb = ctx.Sbuf("bias", ct, 4);
      if (!bb.ok()) return bb.status();
      bias_tile = ctx.Tile(*bb, ct, 1);
      ctx.Dma(bias_tile, ctx.View(*bias, c0, ct, 1, {Dim{1, 1}}));
    }
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t oh0 = 0; oh0 < g.ho; oh0 += rows_per_tile) {
        const int64_t rows = std::min(rows_per_tile, g.ho - oh0);
        const int64_t rows_in = (rows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
        const int64_t top = oh0 * g.sh;
        auto ib = ctx.Sbuf("in", ct, rows_in * wp * 4);
        if (!ib.ok()) return ib.status();
        if (padded) ctx.Memset(ctx.Tile(*ib, ct, rows_in * wp), 0.0f);
        const int64_t ih0 = std::max<int64_t>(0, top - g.pt);
        const int64_t ih1 = std::min<int64_t>(g.h, top + rows_in - g.pt);
        if (ih1 > ih0) {
          Operand dst = ctx.Tile(*ib, ct, 0, ((ih0 + g.pt - top) * wp + g.pl) * 4);
          dst.dims = {Dim{wp, ih1 - ih0}, Dim{1, g.w}};
          if (auto st = ctx.LoadRows(dst, x, ((n * g.c + c0) * g.h + ih0) * g.w, g.h * g.w,
                                     ih1 - ih0, g.w);
              !st.ok()) {
            return st;
          }
        }
        auto ab = ctx.Sbuf("acc", ct, rows * g.wo * 4);
        auto tb = ctx.Sbuf("product", ct, rows * g.wo * 4);
        if (!ab.ok()) return ab.status();
        if (!tb.ok()) return tb.status();
        Operand acc = ctx.Tile(*ab, ct, rows * g.wo), product = ctx.Tile(*tb, ct, rows * g.wo);
        for (int64_t r = 0; r < g.kh; ++r) {
          for (int64_t s = 0; s < g.kw; ++s) {
            const int64_t tap = r * g.kw + s;
            Operand window = ctx.Tile(*ib, ct, 0, (r * g.dh * wp + s * g.dw) * 4);
            window.dims = {Dim{g.sh * wp, rows}, Dim{g.sw, g.wo}};
            Operand weight = ctx.Tile(*wb, ct, 1, tap * 4);
            Operand target = tap == 0 ? acc : product;
            target.dims = {Dim{g.wo, rows}, Dim{1, g.wo}};
            ctx.TensorScalarPerPartition(target, window, neff::AluOp::MULTIPLY, &weight, 0.0f,
                                         neff::AluOp::BYPASS, nullptr, 0.0f);
            if (tap > 0)
              ctx.TensorTensor(acc, acc, product, neff::AluOp::ADD, target::Engine::kGpSimd);
          }
        }
        ctx.Activation(acc, acc, func, 1.0f, bias ? &bias_tile : nullptr);
        ctx.ApplyFusedClip(acc);
        ctx.Dma(ctx.View(y, ((n * g.c + c0) * g.ho + oh0) * g.wo, ct, g.ho * g.wo,
                         {Dim{1, rows * g.wo}}),
                acc);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerConv(const ir::Op& op, LowerContext& ctx) {
  auto geometry = Geometry(op);
  if (!geometry.ok()) return geometry.status();
  ConvOperands operands;
  operands.x = ctx.Tensor(op.input(0));
  operands.w = ctx.Tensor(op.input(1));
  operands.y = ctx.Tensor(op.outputs[0]);
  if (op.input(2) != nullptr) operands.bias = &ctx.Tensor(op.input(2));
  if (op.input(1)->is_constant) operands.w_host = op.input(1)->data.span();
  ActivationFor(op.GetString("fused_activation", ""), &operands.func);
  return EmitConv(ctx, *geometry, operands);
}

namespace {

// A 3-D convolution as one 2-D convolution over depth-folded channels (see
// conv.h).
absl::Status EmitConv3d(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands) {
  const ConvAxis& d = g.depth;
  const int64_t hw = g.h * g.w, howo = g.ho * g.wo;
  // folded[n*Do + od][c*kd + k] = x[n][c][od*sd + k*dd - front], or zeros.
  DramTensor folded =
      ctx.ScratchDram("depth_folded", operands.x.dtype, {g.n * d.out, g.c * d.kernel, g.h, g.w});
  folded.load_dtype = operands.x.load_dtype;
  // Tap k of output slice od reads input slice od*sd + shift(k): inside the
  // input for od in [first, last].
  auto shift = [&](int64_t k) { return k * d.dilation - d.front; };
  auto first = [&](int64_t k) { return std::max<int64_t>(0, CeilDiv(-shift(k), d.stride)); };
  auto last = [&](int64_t k) {
    return std::min<int64_t>(d.out - 1, FloorDiv(d.in - 1 - shift(k), d.stride));
  };
  bool all_inside = true;
  for (int64_t k = 0; k < d.kernel; ++k) all_inside &= first(k) == 0 && last(k) == d.out - 1;
  if (!all_inside) {
    if (absl::Status s = EmitFill(ctx, folded, 0.0f); !s.ok()) return s;
  }
  for (int64_t k = 0; k < d.kernel; ++k) {
    const int64_t od0 = first(k), count = last(k) - od0 + 1;
    if (count <= 0) continue;
    EmitStridedCopy(ctx, operands.x, (od0 * d.stride + shift(k)) * hw,
                    {g.c * d.in * hw, d.stride * hw, d.in * hw, 1}, folded,
                    (od0 * g.c * d.kernel + k) * hw,
                    {d.out * g.c * d.kernel * hw, g.c * d.kernel * hw, d.kernel * hw, 1},
                    {g.n, count, g.c, hw});
  }
  ConvGeometry flat = g;
  flat.has_depth = false;
  flat.depth = ConvAxis{};
  flat.n = g.n * d.out;
  flat.c = g.c * d.kernel;
  ConvOperands flat_operands = operands;
  flat_operands.x = folded;
  // [co, c/groups, kd, kh, kw] is [co, (c/groups)*kd, kh, kw] in memory.
  flat_operands.w.shape = {g.co, g.c / g.groups * d.kernel, g.kh, g.kw};
  flat_operands.y =
      ctx.ScratchDram("depth_slices", operands.y.dtype, {g.n * d.out, g.co, g.ho, g.wo});
  if (absl::Status s = EmitConv(ctx, flat, flat_operands); !s.ok()) return s;
  // [n*Do + od][co] -> y[n][co][od].
  EmitStridedCopy(ctx, flat_operands.y, 0, {d.out * g.co * howo, g.co * howo, howo, 1}, operands.y,
                  0, {g.co * d.out * howo, howo, d.out * howo, 1}, {g.n, d.out, g.co, howo});
  return absl::OkStatus();
}

}  // namespace

namespace {

// A convolution with few input channels (an image's 3) uses few rows of the
// 128-row PE array per tap. With kernel columns folded into the contraction,
// partition s*C + c of the input tile holds channel c shifted left by s
// kernel columns, so one matmul per kernel row covers all its columns:
// kh matmuls per output tile instead of kh*kw. The shifted copies are
// loaded row by row, so the rows must be long enough for the DMA (at least
// a quarter of its full-rate run): an image stem (ResNet-50's 224 columns:
// 2.13 -> 1.52 ms estimated), not a 32-pixel one (the bundled CNN: 43 -> 201
// us when folded). Constant weights, one group, at most 4 channels.
bool FoldsColumns(const ConvGeometry& g, const ConvOperands& operands,
                  const target::CoreSpec& spec) {
  const int64_t row_bytes = g.w * ElemSize(operands.x.tile_dtype());
  const int64_t padded_row_bytes = (g.w + g.pl + g.pr) * ElemSize(operands.x.tile_dtype());
  const int64_t kernel_rows = (g.kh - 1) * g.dh + 1;
  // Its tiles must fit as they are (a bank of output columns, the kernel
  // rows' padded input rows, every kernel row's weights).
  const bool fits = g.wo <= spec.matmul_max_moving_free &&
                    kernel_rows * padded_row_bytes <= InputTileBudget(spec) &&
                    g.kh * spec.matmul_max_stationary_free * ElemSize(operands.w.tile_dtype()) <=
                        StreamedWeightBudget(spec);
  return operands.w_host.has_value() && g.groups == 1 && g.kw > 1 && g.c <= 4 &&
         g.c * g.kw <= spec.partitions && 4 * row_bytes >= spec.dma_efficient_contiguous_bytes &&
         fits;
}

absl::Status EmitConvFoldedColumns(LowerContext& ctx, const ConvGeometry& g,
                                   const ConvOperands& operands) {
  const target::CoreSpec& spec = ctx.spec();
  const DramTensor& x = operands.x;
  const DramTensor& wt = operands.w;
  const DramTensor* bias = operands.bias;
  const int64_t k = g.c * g.kw;  // contraction rows
  const int64_t wp = g.w + g.pl + g.pr;
  const neff::DType xt = x.tile_dtype(), wtt = wt.tile_dtype();
  const int xs = ElemSize(xt), ws = ElemSize(wtt);
  // Output rows per tile: a bank of columns, and input rows that fit the
  // input-tile budget (a 16x16-stride patch embedding reads 16 input rows
  // per output row; FoldsColumns made sure one output row fits).
  const int64_t kernel_rows = (g.kh - 1) * g.dh + 1;
  const int64_t fit_rows =
      (InputTileBudget(spec) / (wp * xs) - kernel_rows) / std::max<int64_t>(1, g.sh) + 1;
  const int64_t rows_per_tile = std::min<int64_t>(
      {g.ho, std::max<int64_t>(1, spec.matmul_max_moving_free / g.wo),
       std::max<int64_t>(1, fit_rows)});
  for (int64_t co0 = 0; co0 < g.co; co0 += spec.matmul_max_stationary_free) {
    const int64_t cot = std::min<int64_t>(spec.matmul_max_stationary_free, g.co - co0);
    const DramTensor block =
        FoldedColumnWeights(ctx, wt, *operands.w_host, co0, cot, g.c, g.kh, g.kw);
    auto wbuf = ctx.Sbuf("w_folded", static_cast<int>(k), g.kh * cot * ws);
    if (!wbuf.ok()) return wbuf.status();
    ctx.Dma(ctx.TypedTile(*wbuf, wtt, static_cast<int>(k), g.kh * cot),
            ctx.View(block, 0, static_cast<int>(k), g.kh * cot, {Dim{1, g.kh * cot}}));
    Operand bias_tile;
    if (bias != nullptr) {
      auto buf = ctx.Sbuf("bias", cot, 4);
      if (!buf.ok()) return buf.status();
      bias_tile = ctx.Tile(*buf, cot, 1);
      ctx.Dma(bias_tile, ctx.View(*bias, co0, cot, 1, {Dim{1, 1}}));
    }
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t oh0 = 0; oh0 < g.ho; oh0 += rows_per_tile) {
        const int64_t rows = std::min(rows_per_tile, g.ho - oh0);
        const int64_t rows_in = (rows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
        const int64_t top = oh0 * g.sh;  // first padded input row
        auto ibuf = ctx.Sbuf("in_folded", static_cast<int>(k), rows_in * wp * xs);
        if (!ibuf.ok()) return ibuf.status();
        ctx.Memset(ctx.TypedTile(*ibuf, xt, static_cast<int>(k), rows_in * wp), 0.0f);
        const int64_t ih0 = std::max<int64_t>(0, top - g.pt);
        const int64_t ih1 = std::min<int64_t>(g.h, top + rows_in - g.pt);
        for (int64_t q = 0; q < g.kw && ih1 > ih0; ++q) {
          // Tile column j of block q holds padded column j + q*dw, i.e.
          // input column j + q*dw - pl.
          const int64_t shift = q * g.dw - g.pl;
          const int64_t j0 = std::max<int64_t>(0, -shift);
          const int64_t j1 = std::min<int64_t>(wp, g.w - shift);
          if (j1 <= j0) continue;
          Operand dst = ctx.TypedTile(*ibuf, xt, static_cast<int>(g.c), 0,
                                      ((ih0 + g.pt - top) * wp + j0) * xs);
          dst.start_partition = static_cast<int>(q * g.c);
          dst.dims = {Dim{wp, ih1 - ih0}, Dim{1, j1 - j0}};
          ctx.Dma(dst, ctx.View(x, (n * g.c * g.h + ih0) * g.w + j0 + shift, static_cast<int>(g.c),
                                g.h * g.w, {Dim{g.w, ih1 - ih0}, Dim{1, j1 - j0}}));
        }
        auto psum = ctx.Psum("acc", cot, rows * g.wo * 4);
        if (!psum.ok()) return psum.status();
        Operand acc = ctx.Tile(*psum, cot, rows * g.wo);
        for (int64_t r = 0; r < g.kh; ++r) {
          Operand stationary = ctx.TypedTile(*wbuf, wtt, static_cast<int>(k), cot, r * cot * ws);
          Operand moving = ctx.TypedTile(*ibuf, xt, static_cast<int>(k), 0, r * g.dh * wp * xs);
          moving.dims = {Dim{g.sh * wp, rows}, Dim{g.sw, g.wo}};
          ctx.Matmul(acc, stationary, moving, r == 0, r == g.kh - 1);
        }
        auto obuf = ctx.Sbuf("out", cot, rows * g.wo * 4);
        if (!obuf.ok()) return obuf.status();
        Operand out = ctx.Tile(*obuf, cot, rows * g.wo);
        ctx.Activation(out, acc, operands.func, 1.0f, bias ? &bias_tile : nullptr);
        ctx.ApplyFusedClip(out);
        const int64_t dst_off = ((n * g.co + co0) * g.ho + oh0) * g.wo;
        ctx.Dma(ctx.View(operands.y, dst_off, cot, g.ho * g.wo, {Dim{1, rows * g.wo}}), out);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// How the TensorE convolution is cut into tiles. Every axis that can outgrow
// the chip is split: input channels into 128-partition contraction tiles,
// kernel taps into chunks whose weight tiles fit a budget (all accumulated
// into one PSUM tile, start on the first matmul and stop on the last),
// output channels into 128-column stationary tiles, and output positions
// into moving tiles of at most 512 columns (rows of a bank, or column
// chunks of one row when a row is longer than a bank or its input tile does
// not fit). Shapes whose tiles fit keep the layout they always had: whole
// padded input rows and the weights of a whole output-channel group
// resident.
struct ConvTiling {
  int64_t ci_tiles;
  int64_t cols;           // output columns per tile
  int64_t rows;           // output rows per tile
  bool column_chunks;     // cols < wo: tiles hold only their own input span
  int64_t in_width;       // input tile row pitch (padded columns)
  int64_t co_group;       // output-channel tiles per weight load
  int64_t tap_chunk;      // taps per weight tile
  bool weights_resident;  // loaded once per output-channel group
};

ConvTiling PlanConvTiling(const target::CoreSpec& spec, const ConvGeometry& g,
                          const ConvOperands& operands) {
  ConvTiling t;
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  const int64_t taps = g.kh * g.kw;
  const int64_t xs = ElemSize(operands.x.tile_dtype()), ws = ElemSize(operands.w.tile_dtype());
  const int64_t bank = spec.matmul_max_moving_free;
  const int64_t kh_ext = (g.kh - 1) * g.dh + 1, kw_ext = (g.kw - 1) * g.dw + 1;
  const int64_t wp = g.w + g.pl + g.pr;
  const int64_t budget = InputTileBudget(spec);
  t.ci_tiles = CeilDiv(cig, spec.partitions);
  auto rows_in = [&](int64_t rows) { return (rows - 1) * g.sh + kh_ext; };
  auto span = [&](int64_t cols) { return (cols - 1) * g.sw + kw_ext; };
  t.cols = std::min<int64_t>(g.wo, bank);
  t.column_chunks = t.cols < g.wo || rows_in(1) * wp * xs > budget;
  if (t.column_chunks) {
    // The widest column chunk whose input span fits (at least one column).
    const int64_t fit = (budget / (rows_in(1) * xs) - kw_ext) / g.sw + 1;
    t.cols = std::clamp<int64_t>(fit, 1, t.cols);
  }
  t.in_width = t.column_chunks ? span(t.cols) : wp;
  t.rows = std::min<int64_t>(g.ho, std::max<int64_t>(1, bank / t.cols));
  while (t.rows > 1 && rows_in(t.rows) * t.in_width * xs > budget) t.rows = (t.rows + 1) / 2;

  // Constant weights for several output-channel tiles arrive in one DMA
  // when one tile's run would be short of the DMA's full rate (a 1x1
  // convolution's 128 fp32 columns are 512 bytes).
  const bool constant_w = operands.w_host.has_value();
  const int64_t co_tile = spec.matmul_max_stationary_free;
  const int64_t run = taps * co_tile * ws;
  t.co_group =
      constant_w ? std::clamp<int64_t>(spec.dma_efficient_contiguous_bytes / run, 1, 8) : 1;
  auto resident_bytes = [&](int64_t co_group) {
    return t.ci_tiles * taps * std::min(co_group * co_tile, cog) * ws;
  };
  if (resident_bytes(t.co_group) > ResidentWeightBudget(spec)) t.co_group = 1;
  t.weights_resident = resident_bytes(t.co_group) <= ResidentWeightBudget(spec);
  t.tap_chunk = taps;
  if (!t.weights_resident) {
    t.tap_chunk =
        std::clamp<int64_t>(StreamedWeightBudget(spec) / (std::min(co_tile, cog) * ws), 1, taps);
  }
  return t;
}

// The TensorE convolution under `t`'s tiling (see ConvTiling).
absl::Status EmitConvTiled(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands,
                           const ConvTiling& t) {
  const target::CoreSpec& spec = ctx.spec();
  const DramTensor& x = operands.x;
  const DramTensor& wt = operands.w;
  const DramTensor& y = operands.y;
  const DramTensor* bias = operands.bias;
  const neff::DType xt = x.tile_dtype(), wtt = wt.tile_dtype();
  const int xs = ElemSize(xt), ws = ElemSize(wtt);
  const int64_t part = spec.partitions;
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  const int64_t taps = g.kh * g.kw;
  const int64_t co_tile = spec.matmul_max_stationary_free;
  const bool constant_w = operands.w_host.has_value();
  const bool padded = g.pt || g.pl || g.pb || g.pr;
  const int64_t tap_chunks = CeilDiv(taps, t.tap_chunk);

  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      // Stationary weights per input-channel tile: [ci, tap, co]. Constant
      // weights are stored in that order at compile time, so each
      // partition's load is one contiguous run; others are gathered by a
      // strided DMA.
      std::vector<Operand> weights;
      DramTensor block;
      int64_t g0 = 0, gw = 0;  // the loaded group's first channel and width
      // Weight tile for contraction tile `ci_t`, taps [tap0, tap0 + tc) of
      // the group's channels [g0, g0 + gw).
      auto load_weights = [&](int64_t ci_t, int64_t tap0, int64_t tc,
                              absl::string_view name) -> absl::StatusOr<Operand> {
        const int64_t ci0 = ci_t * part, cis = std::min(part, cig - ci0);
        auto buf = ctx.Sbuf(name, static_cast<int>(cis), tc * gw * ws);
        if (!buf.ok()) return buf.status();
        Operand dst = ctx.TypedTile(*buf, wtt, static_cast<int>(cis), tc * gw);
        if (constant_w) {
          ctx.Dma(dst, ctx.View(block, (ci0 * taps + tap0) * gw, static_cast<int>(cis), taps * gw,
                                {Dim{1, tc * gw}}));
        } else {
          dst.dims = {Dim{gw, tc}, Dim{1, gw}};
          ctx.Dma(dst, ctx.View(wt, ((grp * cog + g0) * cig + ci0) * taps + tap0,
                                static_cast<int>(cis), taps, {Dim{1, tc}, Dim{cig * taps, gw}}));
        }
        return ctx.TypedTile(*buf, wtt, static_cast<int>(cis), tc * gw);
      };
      for (int64_t co0 = 0; co0 < cog; co0 += co_tile) {
        const int64_t cot = std::min<int64_t>(co_tile, cog - co0);
        const int64_t co_abs = grp * cog + co0;
        if (co0 % (t.co_group * co_tile) == 0) {
          g0 = co0;
          gw = std::min(t.co_group * co_tile, cog - co0);
          if (constant_w) block = ConvWeightBlock(ctx, wt, *operands.w_host, co_abs, gw, cig, taps);
          weights.clear();
          for (int64_t ci_t = 0; ci_t < t.ci_tiles && t.weights_resident; ++ci_t) {
            auto w = load_weights(ci_t, 0, taps, absl::StrCat("w", ci_t));
            if (!w.ok()) return w.status();
            weights.push_back(*w);
          }
        }
        Operand bias_tile;
        if (bias != nullptr) {
          auto buf = ctx.Sbuf("bias", cot, 4);
          if (!buf.ok()) return buf.status();
          bias_tile = ctx.Tile(*buf, cot, 1);
          ctx.Dma(bias_tile, ctx.View(*bias, co_abs, cot, 1, {Dim{1, 1}}));
        }
        for (int64_t oh0 = 0; oh0 < g.ho; oh0 += t.rows) {
          const int64_t rows = std::min(t.rows, g.ho - oh0);
          const int64_t rows_in = (rows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
          const int64_t top = oh0 * g.sh;  // first padded input row
          for (int64_t ow0 = 0; ow0 < g.wo; ow0 += t.cols) {
            const int64_t cols = std::min(t.cols, g.wo - ow0);
            const int64_t left = t.column_chunks ? ow0 * g.sw : 0;  // first padded column
            auto psum = ctx.Psum("acc", cot, rows * cols * 4);
            if (!psum.ok()) return psum.status();
            Operand acc = ctx.Tile(*psum, cot, rows * cols);
            if (cols < g.wo) acc.dims = {Dim{cols, rows}, Dim{1, cols}};
            for (int64_t ci_t = 0; ci_t < t.ci_tiles; ++ci_t) {
              const int64_t ci0 = ci_t * part, cis = std::min(part, cig - ci0);
              auto buf = ctx.Sbuf(absl::StrCat("in", ci_t), cis, rows_in * t.in_width * xs);
              if (!buf.ok()) return buf.status();
              Operand tile = ctx.TypedTile(*buf, xt, cis, rows_in * t.in_width);
              // Valid input rows [ih0, ih1) land at tile row ih + pt - top,
              // valid columns [iw0, iw1) at tile column iw + pl - left.
              const int64_t ih0 = std::max<int64_t>(0, top - g.pt);
              const int64_t ih1 = std::min<int64_t>(g.h, top + rows_in - g.pt);
              const int64_t iw0 = std::max<int64_t>(0, left - g.pl);
              const int64_t iw1 = std::min<int64_t>(g.w, left + t.in_width - g.pl);
              const bool partial = ih0 != top - g.pt || ih1 != top + rows_in - g.pt ||
                                   iw0 != left - g.pl || iw1 != left + t.in_width - g.pl;
              if (padded || (t.column_chunks && partial)) ctx.Memset(tile, 0.0f);
              if (ih1 > ih0 && iw1 > iw0) {
                Operand dst = ctx.TypedTile(
                    *buf, xt, cis, 0, ((ih0 + g.pt - top) * t.in_width + iw0 + g.pl - left) * xs);
                dst.dims = {Dim{t.in_width, ih1 - ih0}, Dim{1, iw1 - iw0}};
                const int64_t src_off = ((n * g.c + grp * cig + ci0) * g.h + ih0) * g.w + iw0;
                if (!t.column_chunks) {
                  if (auto st = ctx.LoadRows(dst, x, src_off, g.h * g.w, ih1 - ih0, g.w);
                      !st.ok()) {
                    return st;
                  }
                } else {
                  ctx.Dma(dst, ctx.View(x, src_off, static_cast<int>(cis), g.h * g.w,
                                        {Dim{g.w, ih1 - ih0}, Dim{1, iw1 - iw0}}));
                }
              }
              for (int64_t chunk = 0; chunk < tap_chunks; ++chunk) {
                const int64_t tap0 = chunk * t.tap_chunk;
                const int64_t tc = std::min(t.tap_chunk, taps - tap0);
                Operand w_tile;
                if (t.weights_resident) {
                  w_tile = weights[ci_t];
                } else {
                  auto w = load_weights(ci_t, tap0, tc, absl::StrCat("w", ci_t, "_taps", tap0));
                  if (!w.ok()) return w.status();
                  w_tile = *w;
                }
                const int64_t first_tap = t.weights_resident ? tap0 : 0;  // w_tile's first tap
                for (int64_t tap = tap0; tap < tap0 + tc; ++tap) {
                  const int64_t r = tap / g.kw, s = tap % g.kw;
                  Operand stationary =
                      ctx.TypedTile(w_tile.buffer, wtt, cis, cot,
                                    ((tap - tap0 + first_tap) * gw + co0 - g0) * ws);
                  Operand moving =
                      ctx.TypedTile(*buf, xt, cis, 0, (r * g.dh * t.in_width + s * g.dw) * xs);
                  moving.dims = {Dim{g.sh * t.in_width, rows}, Dim{g.sw, cols}};
                  const bool first = ci_t == 0 && tap == 0;
                  const bool last = ci_t == t.ci_tiles - 1 && tap == taps - 1;
                  ctx.Matmul(acc, stationary, moving, first, last);
                }
              }
            }
            auto obuf = ctx.Sbuf("out", cot, rows * cols * 4);
            if (!obuf.ok()) return obuf.status();
            Operand out = ctx.Tile(*obuf, cot, rows * cols);
            ctx.Activation(out, acc, operands.func, 1.0f, bias ? &bias_tile : nullptr);
            ctx.ApplyFusedClip(out);
            const int64_t dst_off = ((n * g.co + co_abs) * g.ho + oh0) * g.wo + ow0;
            std::vector<Dim> dst_dims = {Dim{1, rows * cols}};
            if (cols < g.wo) dst_dims = {Dim{g.wo, rows}, Dim{1, cols}};
            ctx.Dma(ctx.View(y, dst_off, cot, g.ho * g.wo, dst_dims), out);
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// Kernel taps folded into the contraction for convolutions with few input
// channels and long kernels (an STFT written as a Conv: 1 channel, 512
// taps). Without the fold each tap is a matmul with one PE row per input
// channel. With it, partition c*T + j of a chunk holds channel c at kernel
// column s0 + j, gathered straight from DRAM at the output positions'
// columns (an im2col of T taps by a DMA whose partition stride is the
// dilation), and one matmul per chunk and kernel row covers T taps.
struct TapFold {
  int64_t taps_per_chunk;  // T
  int64_t chunks;
  int64_t cols, rows;  // output positions per tile
};

std::optional<TapFold> PlanTapFold(const target::CoreSpec& spec, const ConvGeometry& g,
                                   const ConvOperands& operands) {
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  if (cig > 32 || g.kw < 8) return std::nullopt;
  TapFold f;
  f.taps_per_chunk = std::min<int64_t>(g.kw, spec.partitions / cig);
  f.chunks = CeilDiv(g.kw, f.taps_per_chunk);
  const int64_t xs = ElemSize(operands.x.tile_dtype()), ws = ElemSize(operands.w.tile_dtype());
  // Every chunk's weights for the group's output channels stay resident.
  if (f.chunks * g.kh * cog * ws > ResidentWeightBudget(spec)) return std::nullopt;
  const int64_t kh_ext = (g.kh - 1) * g.dh + 1;
  auto bytes = [&](int64_t rows, int64_t cols) {
    return f.chunks * ((rows - 1) * g.sh + kh_ext) * cols * xs;
  };
  f.cols = std::min<int64_t>(g.wo, spec.matmul_max_moving_free);
  f.rows = std::min<int64_t>(g.ho, std::max<int64_t>(1, spec.matmul_max_moving_free / f.cols));
  while (f.rows > 1 && bytes(f.rows, f.cols) > InputTileBudget(spec)) f.rows = (f.rows + 1) / 2;
  while (f.cols > 1 && bytes(f.rows, f.cols) > InputTileBudget(spec)) f.cols = (f.cols + 1) / 2;
  if (bytes(f.rows, f.cols) > InputTileBudget(spec)) return std::nullopt;
  return f;
}

// Constant weights of group `grp`, kernel columns [s0, s0 + tc): partition
// c*tc + j, kernel row r, output channel co holds W[grp*cog + co][c][r][s0 + j].
DramTensor TapFoldWeights(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands,
                          int64_t grp, int64_t s0, int64_t tc) {
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  const int64_t elem = ElemSize(operands.w.dtype);
  const absl::Span<const uint8_t> contents = *operands.w_host;
  Buffer buf;
  buf.name = ctx.Name(absl::StrCat("weights_g", grp, "_taps", s0));
  buf.space = Space::WEIGHTS;
  buf.bytes = cig * tc * g.kh * cog * elem;
  buf.data.resize(buf.bytes);
  for (int64_t co = 0; co < cog; ++co) {
    for (int64_t c = 0; c < cig; ++c) {
      for (int64_t r = 0; r < g.kh; ++r) {
        for (int64_t j = 0; j < tc; ++j) {
          const int64_t from = (((grp * cog + co) * cig + c) * g.kh + r) * g.kw + s0 + j;
          const int64_t to = ((c * tc + j) * g.kh + r) * cog + co;
          std::memcpy(buf.data.data() + to * elem, contents.data() + from * elem, elem);
        }
      }
    }
  }
  DramTensor t;
  t.buffer = ctx.program().AddBuffer(std::move(buf));
  t.space = Space::WEIGHTS;
  t.dtype = operands.w.dtype;
  t.shape = {cig * tc, g.kh, cog};
  return t;
}

absl::Status EmitConvTapFold(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands,
                             const TapFold& f) {
  const target::CoreSpec& spec = ctx.spec();
  const DramTensor& x = operands.x;
  const DramTensor& wt = operands.w;
  const DramTensor* bias = operands.bias;
  const neff::DType xt = x.tile_dtype(), wtt = wt.tile_dtype();
  const int xs = ElemSize(xt), ws = ElemSize(wtt);
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  const int64_t co_tile = spec.matmul_max_stationary_free;
  const int64_t kh_ext = (g.kh - 1) * g.dh + 1;
  auto chunk_taps = [&](int64_t q) {
    return std::min(f.taps_per_chunk, g.kw - q * f.taps_per_chunk);
  };
  for (int64_t grp = 0; grp < g.groups; ++grp) {
    std::vector<int> weights;  // per chunk: [cig * tc, kh * cog]
    for (int64_t q = 0; q < f.chunks; ++q) {
      const int64_t s0 = q * f.taps_per_chunk, tc = chunk_taps(q);
      const int k = static_cast<int>(cig * tc);
      auto buf = ctx.Sbuf(absl::StrCat("w_taps", s0), k, g.kh * cog * ws);
      if (!buf.ok()) return buf.status();
      if (operands.w_host.has_value()) {
        const DramTensor block = TapFoldWeights(ctx, g, operands, grp, s0, tc);
        ctx.Dma(ctx.TypedTile(*buf, wtt, k, g.kh * cog),
                ctx.View(block, 0, k, g.kh * cog, {Dim{1, g.kh * cog}}));
      } else {
        for (int64_t c = 0; c < cig; ++c) {
          Operand dst = ctx.TypedTile(*buf, wtt, static_cast<int>(tc), g.kh * cog);
          dst.start_partition = static_cast<int>(c * tc);
          dst.dims = {Dim{cog, g.kh}, Dim{1, cog}};
          ctx.Dma(dst,
                  ctx.View(wt, ((grp * cog) * cig + c) * g.kh * g.kw + s0, static_cast<int>(tc), 1,
                           {Dim{g.kw, g.kh}, Dim{cig * g.kh * g.kw, cog}}));
        }
      }
      weights.push_back(*buf);
    }
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t oh0 = 0; oh0 < g.ho; oh0 += f.rows) {
        const int64_t rows = std::min(f.rows, g.ho - oh0);
        const int64_t rows_in = (rows - 1) * g.sh + kh_ext;
        const int64_t top = oh0 * g.sh;  // first padded input row
        const int64_t ri0 = std::max<int64_t>(0, g.pt - top);
        const int64_t ri1 = std::min<int64_t>(rows_in, g.h + g.pt - top);
        for (int64_t ow0 = 0; ow0 < g.wo; ow0 += f.cols) {
          const int64_t cols = std::min(f.cols, g.wo - ow0);
          // in[q][c*tc + j][ri][jo] = x[c][top + ri - pt][(ow0 + jo)*sw + (s0 + j)*dw - pl].
          // Output columns [lo, hi) of kernel column s read inside the input.
          auto valid = [&](int64_t s) {
            const int64_t base = ow0 * g.sw + s * g.dw - g.pl;  // column of jo = 0
            const int64_t lo = std::clamp<int64_t>(CeilDiv(-base, g.sw), 0, cols);
            const int64_t hi = std::clamp<int64_t>(FloorDiv(g.w - 1 - base, g.sw) + 1, lo, cols);
            return std::make_pair(lo, hi);
          };
          const std::pair<int64_t, int64_t> all_cols(0, cols);
          // A strided 1-D convolution of one channel whose frames all lie
          // inside the input (an STFT): the gather would move one element
          // per DMA run, so the frames are loaded whole instead (one
          // position per partition, kw contiguous samples) and turned into
          // [taps, positions] by TensorE transposes.
          const bool frames = cig == 1 && g.h == 1 && g.kh == 1 && g.dw == 1 && g.sw > 1 &&
                              valid(0) == all_cols && valid(g.kw - 1) == all_cols;
          std::vector<int> inputs;
          for (int64_t q = 0; q < f.chunks; ++q) {
            const int64_t s0 = q * f.taps_per_chunk, tc = chunk_taps(q);
            const int k = static_cast<int>(cig * tc);
            auto buf = ctx.Sbuf(absl::StrCat("in_taps", s0), k, rows_in * cols * xs);
            if (!buf.ok()) return buf.status();
            inputs.push_back(*buf);
            if (frames) continue;
            bool whole = ri0 == 0 && ri1 == rows_in;
            for (int64_t j = 0; j < tc && whole; ++j) whole = valid(s0 + j) == all_cols;
            if (!whole) ctx.Memset(ctx.TypedTile(*buf, xt, k, rows_in * cols), 0.0f);
            if (ri1 <= ri0) continue;
            for (int64_t c = 0; c < cig; ++c) {
              const int64_t plane = ((n * g.c + grp * cig + c) * g.h + top + ri0 - g.pt) * g.w;
              // Runs of kernel columns with the same valid output columns: one
              // DMA each, partition stride dw.
              for (int64_t j0 = 0; j0 < tc;) {
                const auto range = valid(s0 + j0);
                int64_t j1 = j0 + 1;
                while (j1 < tc && valid(s0 + j1) == range) ++j1;
                const auto [lo, hi] = range;
                if (hi > lo) {
                  Operand dst =
                      ctx.TypedTile(*buf, xt, static_cast<int>(j1 - j0), 0, (ri0 * cols + lo) * xs);
                  dst.start_partition = static_cast<int>(c * tc + j0);
                  dst.dims = {Dim{cols, ri1 - ri0}, Dim{1, hi - lo}};
                  const int64_t col = (ow0 + lo) * g.sw + (s0 + j0) * g.dw - g.pl;
                  ctx.Dma(dst, ctx.View(x, plane + col, static_cast<int>(j1 - j0), g.dw,
                                        {Dim{g.w, ri1 - ri0}, Dim{g.sw, hi - lo}}));
                }
                j0 = j1;
              }
            }
          }
          for (int64_t p0 = 0; frames && p0 < cols; p0 += spec.partitions) {
            const int pc = static_cast<int>(std::min<int64_t>(spec.partitions, cols - p0));
            auto fb = ctx.Sbuf("frames", pc, g.kw * xs);
            if (!fb.ok()) return fb.status();
            const int64_t first = (n * g.c + grp) * g.w + (ow0 + p0) * g.sw - g.pl;
            ctx.Dma(ctx.TypedTile(*fb, xt, pc, g.kw), ctx.View(x, first, pc, g.sw, {Dim{1, g.kw}}));
            for (int64_t q = 0; q < f.chunks; ++q) {
              const int64_t s0 = q * f.taps_per_chunk, tc = chunk_taps(q);
              auto tp = ctx.Psum("frames_t", static_cast<int>(tc), pc * 4);
              if (!tp.ok()) return tp.status();
              Operand transposed = ctx.Tile(*tp, static_cast<int>(tc), pc);
              ctx.Transpose(transposed, ctx.TypedTile(*fb, xt, pc, tc, s0 * xs));
              ctx.TensorCopy(ctx.TypedTile(inputs[q], xt, static_cast<int>(tc), pc, p0 * xs),
                             transposed);
            }
          }
          for (int64_t co0 = 0; co0 < cog; co0 += co_tile) {
            const int64_t cot = std::min<int64_t>(co_tile, cog - co0);
            const int64_t co_abs = grp * cog + co0;
            Operand bias_tile;
            if (bias != nullptr) {
              auto buf = ctx.Sbuf("bias", cot, 4);
              if (!buf.ok()) return buf.status();
              bias_tile = ctx.Tile(*buf, cot, 1);
              ctx.Dma(bias_tile, ctx.View(*bias, co_abs, cot, 1, {Dim{1, 1}}));
            }
            auto psum = ctx.Psum("acc", cot, rows * cols * 4);
            if (!psum.ok()) return psum.status();
            Operand acc = ctx.Tile(*psum, cot, rows * cols);
            for (int64_t q = 0; q < f.chunks; ++q) {
              const int k = static_cast<int>(cig * chunk_taps(q));
              for (int64_t r = 0; r < g.kh; ++r) {
                Operand stationary = ctx.TypedTile(weights[q], wtt, k, cot, (r * cog + co0) * ws);
                Operand moving = ctx.TypedTile(inputs[q], xt, k, 0, r * g.dh * cols * xs);
                moving.dims = {Dim{g.sh * cols, rows}, Dim{1, cols}};
                ctx.Matmul(acc, stationary, moving, q == 0 && r == 0,
                           q == f.chunks - 1 && r == g.kh - 1);
              }
            }
            auto obuf = ctx.Sbuf("out", cot, rows * cols * 4);
            if (!obuf.ok()) return obuf.status();
            Operand out = ctx.Tile(*obuf, cot, rows * cols);
            ctx.Activation(out, acc, operands.func, 1.0f, bias ? &bias_tile : nullptr);
            ctx.ApplyFusedClip(out);
            const int64_t dst_off = ((n * g.co + co_abs) * g.ho + oh0) * g.wo + ow0;
            std::vector<Dim> dst_dims = {Dim{1, rows * cols}};
            if (cols < g.wo) dst_dims = {Dim{g.wo, rows}, Dim{1, cols}};
            ctx.Dma(ctx.View(operands.y, dst_off, cot, g.ho * g.wo, dst_dims), out);
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

// EmitDepthwise keeps whole padded input rows and fp32 rows of outputs per
// tile; longer rows or kernels take the TensorE tiling (one channel per
// contraction tile) instead.
bool DepthwiseFits(const ConvGeometry& g, const target::CoreSpec& spec) {
  const int64_t rows_in = (g.kh - 1) * g.dh + 1, wp = g.w + g.pl + g.pr;
  const int64_t out_row = std::max<int64_t>(g.wo, 4096);
  return (rows_in * wp + 2 * out_row) * 4 <= InputTileBudget(spec) &&
         g.kh * g.kw * 4 <= StreamedWeightBudget(spec);
}

absl::Status EmitConv(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands) {
  if (g.has_depth) return EmitConv3d(ctx, g, operands);
  if (!IsDepthwise(g) && FoldsColumns(g, operands, ctx.spec())) {
    return EmitConvFoldedColumns(ctx, g, operands);
  }
  // Depthwise runs on the Vector/GpSimd engines in fp32 whatever the storage
  // type (bf16 operands are widened by the load DMAs).
  if (IsDepthwise(g) && DepthwiseFits(g, ctx.spec())) return EmitDepthwise(ctx, g, operands);
  if (auto fold = PlanTapFold(ctx.spec(), g, operands))
    return EmitConvTapFold(ctx, g, operands, *fold);
  return EmitConvTiled(ctx, g, operands, PlanConvTiling(ctx.spec(), g, operands));
}

}  // namespace ncc::lower
