#include "compiler/lower/conv.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/support.h"

namespace ncc::lower {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

absl::StatusOr<ConvGeometry> ConvGeometryOf(const ir::Op& op, const ir::Shape& x,
                                            const ir::Shape& wt, const ir::Shape& y) {
  ConvGeometry g;
  // A 1-D convolution is a 2-D one with height 1.
  const bool one_d = x.size() == 3;
  g.n = x[0], g.c = x[1], g.h = one_d ? 1 : x[2], g.w = one_d ? x[2] : x[3];
  g.co = wt[0], g.kh = one_d ? 1 : wt[2], g.kw = one_d ? wt[2] : wt[3];
  g.groups = op.GetInt("group", 1);
  std::vector<int64_t> strides = op.GetInts("strides", one_d ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 1});
  std::vector<int64_t> dilations = op.GetInts("dilations", one_d ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 1});
  std::vector<int64_t> pads = op.GetInts("pads", one_d ? std::vector<int64_t>{0, 0} : std::vector<int64_t>{0, 0, 0, 0});
  if (one_d && strides.size() == 1 && dilations.size() == 1 && pads.size() == 2) {
    strides = {1, strides[0]};
    dilations = {1, dilations[0]};
    pads = {0, pads[0], 0, pads[1]};
  }
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    return Unsupported("strides/dilations/pads must describe 2 spatial axes");
  }
  g.sh = strides[0], g.sw = strides[1];
  g.dh = dilations[0], g.dw = dilations[1];
  g.ho = one_d ? 1 : y[2], g.wo = one_d ? y[2] : y[3];
  std::string auto_pad = op.GetString("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    int64_t total_h = std::max<int64_t>(0, (g.ho - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h);
    int64_t total_w = std::max<int64_t>(0, (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w);
    bool upper = auto_pad == "SAME_UPPER";
    g.pt = upper ? total_h / 2 : total_h - total_h / 2;
    g.pb = total_h - g.pt;
    g.pl = upper ? total_w / 2 : total_w - total_w / 2;
    g.pr = total_w - g.pl;
  } else if (auto_pad == "VALID" || auto_pad == "NOTSET") {
    if (auto_pad == "VALID") pads = {0, 0, 0, 0};
    g.pt = pads[0], g.pl = pads[1], g.pb = pads[2], g.pr = pads[3];
  } else {
    return Unsupported(absl::StrCat("auto_pad '", auto_pad, "'"));
  }
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
                           const std::vector<uint8_t>& contents, int64_t co0, int64_t cot,
                           int64_t cig, int64_t taps) {
  const int64_t elem = ElemSize(w.dtype);
  Buffer buf;
  buf.name = ctx.Name(absl::StrCat("weights_co", co0));
  buf.space = Space::WEIGHTS;
  buf.bytes = cig * taps * cot * elem;
  buf.data.resize(buf.bytes);
  // A transposition of fixed-size elements; typed copies so that each one is
  // a move, not a memcpy call.
  auto relayout = [&](auto element) {
    using T = decltype(element);
    const T* src = reinterpret_cast<const T*>(contents.data());
    T* dst = reinterpret_cast<T*>(buf.data.data());
    for (int64_t co = 0; co < cot; ++co) {
      const T* row = src + (co0 + co) * cig * taps;
      for (int64_t i = 0; i < cig * taps; ++i) dst[i * cot + co] = row[i];
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

}  // namespace

absl::Status CheckConv(const ir::Op& op) {
  if (auto s = RequireMatmulTypes(op); !s.ok()) return s;
  if (op.input(0) == nullptr || op.input(1) == nullptr) {
    return Unsupported("needs inputs X and W");
  }
  if (op.input(0)->shape.size() != 4 && op.input(0)->shape.size() != 3) {
    return Unsupported(absl::StrCat("only 1-D and 2-D convolution; input has rank ",
                                        op.input(0)->shape.size()));
  }
  auto g = Geometry(op);
  if (!g.ok()) return g.status();
  if (g->wo > 512) {
    return Unsupported("output width above 512 (one PSUM bank row)");
  }
  return CheckFusedActivation(op);
}

namespace {

// Depthwise convolution (one input and one output channel per group) on the
// Vector and GpSimd engines: channels on partitions, and per kernel tap
// acc += window * w[c, tap] with the weight as a per-partition scalar. On
// the Tensor engine each group would be a K=1 matmul that uses one PE row.
absl::Status EmitDepthwise(LowerContext& ctx, const ConvGeometry& g,
                           const ConvOperands& operands) {
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
            if (tap > 0) ctx.TensorTensor(acc, acc, product, neff::AluOp::ADD, target::Engine::kGpSimd);
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
  if (op.input(1)->is_constant) operands.w_host = &op.input(1)->data;
  ActivationFor(op.GetString("fused_activation", ""), &operands.func);
  return EmitConv(ctx, *geometry, operands);
}

absl::Status EmitConv(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands) {
  // Depthwise runs on the Vector/GpSimd engines in fp32 whatever the storage
  // type (bf16 operands are widened by the load DMAs).
  if (IsDepthwise(g)) return EmitDepthwise(ctx, g, operands);
  const target::CoreSpec& spec = ctx.spec();
  const DramTensor& x = operands.x;
  const DramTensor& wt = operands.w;
  const DramTensor& y = operands.y;
  const DramTensor* bias = operands.bias;
  const neff::ActivationFunction func = operands.func;

  const int64_t part = spec.partitions;
  const int64_t cig = g.c / g.groups, cog = g.co / g.groups;
  const int64_t taps = g.kh * g.kw;
  const int64_t wp = g.w + g.pl + g.pr;
  const int64_t rows_per_tile =
      std::min<int64_t>(g.ho, std::max<int64_t>(1, spec.matmul_max_moving_free / g.wo));
  const int64_t ci_tiles = CeilDiv(cig, part);
  const bool padded = g.pt || g.pl || g.pb || g.pr;

  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      for (int64_t co0 = 0; co0 < cog; co0 += spec.matmul_max_stationary_free) {
        const int64_t cot = std::min<int64_t>(spec.matmul_max_stationary_free, cog - co0);
        const int64_t co_abs = grp * cog + co0;
        // Stationary weights per input-channel tile: [ci, tap, co]. Constant
        // weights are stored in that order at compile time, so each
        // partition's load is one contiguous run; others are gathered by a
        // strided DMA.
        const bool constant_w = operands.w_host != nullptr;
        DramTensor block;
        if (constant_w) block = ConvWeightBlock(ctx, wt, *operands.w_host, co_abs, cot, cig, taps);
        std::vector<Operand> weights;
        for (int64_t t = 0; t < ci_tiles; ++t) {
          const int64_t ci0 = t * part, cis = std::min(part, cig - ci0);
          auto buf = ctx.Sbuf(absl::StrCat("w", t), cis, taps * cot * ElemSize(wt.tile_dtype()));
          if (!buf.ok()) return buf.status();
          Operand dst = ctx.TypedTile(*buf, wt.tile_dtype(), cis, taps * cot);
          if (constant_w) {
            ctx.Dma(dst, ctx.View(block, ci0 * taps * cot, cis, taps * cot, {Dim{1, taps * cot}}));
          } else {
            dst.dims = {Dim{cot, taps}, Dim{1, cot}};
            ctx.Dma(dst, ctx.View(wt, (co_abs * cig + ci0) * taps, cis, taps,
                                  {Dim{1, taps}, Dim{cig * taps, cot}}));
          }
          weights.push_back(ctx.TypedTile(*buf, wt.tile_dtype(), cis, taps * cot));
        }
        Operand bias_tile;
        if (bias != nullptr) {
          auto buf = ctx.Sbuf("bias", cot, 4);
          if (!buf.ok()) return buf.status();
          bias_tile = ctx.Tile(*buf, cot, 1);
          ctx.Dma(bias_tile, ctx.View(*bias, co_abs, cot, 1, {Dim{1, 1}}));
        }
        for (int64_t oh0 = 0; oh0 < g.ho; oh0 += rows_per_tile) {
          const int64_t rows = std::min(rows_per_tile, g.ho - oh0);
          const int64_t rows_in = (rows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
          const int64_t top = oh0 * g.sh;  // first padded input row
          auto psum = ctx.Psum("acc", cot, rows * g.wo * 4);
          if (!psum.ok()) return psum.status();
          Operand acc = ctx.Tile(*psum, cot, rows * g.wo);
          for (int64_t t = 0; t < ci_tiles; ++t) {
            const int64_t ci0 = t * part, cis = std::min(part, cig - ci0);
            const int xs = ElemSize(x.tile_dtype());
            auto buf = ctx.Sbuf(absl::StrCat("in", t), cis, rows_in * wp * xs);
            if (!buf.ok()) return buf.status();
            Operand tile = ctx.TypedTile(*buf, x.tile_dtype(), cis, rows_in * wp);
            if (padded) ctx.Memset(tile, 0.0f);
            // Valid input rows [ih0, ih1) land at tile row ih + pt - top.
            const int64_t ih0 = std::max<int64_t>(0, top - g.pt);
            const int64_t ih1 = std::min<int64_t>(g.h, top + rows_in - g.pt);
            if (ih1 > ih0) {
              Operand dst = ctx.TypedTile(*buf, x.tile_dtype(), cis, 0, ((ih0 + g.pt - top) * wp + g.pl) * xs);
              dst.dims = {Dim{wp, ih1 - ih0}, Dim{1, g.w}};
              const int64_t src_off = ((n * g.c + grp * cig + ci0) * g.h + ih0) * g.w;
              if (auto st = ctx.LoadRows(dst, x, src_off, g.h * g.w, ih1 - ih0, g.w); !st.ok()) {
                return st;
              }
            }
            for (int64_t r = 0; r < g.kh; ++r) {
              for (int64_t s = 0; s < g.kw; ++s) {
                const int64_t tap = r * g.kw + s;
                Operand stationary = ctx.TypedTile(weights[t].buffer, wt.tile_dtype(), cis, cot,
                                                   tap * cot * ElemSize(wt.tile_dtype()));
                Operand moving = ctx.TypedTile(*buf, x.tile_dtype(), cis, 0, (r * g.dh * wp + s * g.dw) * xs);
                moving.dims = {Dim{g.sh * wp, rows}, Dim{g.sw, g.wo}};
                const bool first = t == 0 && tap == 0;
                const bool last = t == ci_tiles - 1 && tap == taps - 1;
                ctx.Matmul(acc, stationary, moving, first, last);
              }
            }
          }
          auto obuf = ctx.Sbuf("out", cot, rows * g.wo * 4);
          if (!obuf.ok()) return obuf.status();
          Operand out = ctx.Tile(*obuf, cot, rows * g.wo);
          ctx.Activation(out, acc, func, 1.0f, bias ? &bias_tile : nullptr);
          ctx.ApplyFusedClip(out);
          const int64_t dst_off = ((n * g.co + co_abs) * g.ho + oh0) * g.wo;
          ctx.Dma(ctx.View(y, dst_off, cot, g.ho * g.wo, {Dim{1, rows * g.wo}}), out);
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
