#include "compiler/lower/matmul.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// From this many output rows (and columns) on, rows go on partitions.
constexpr int64_t kRowsOnPartitionsMinRows = 32;

// A row-major matrix view of `t` with shape [rows, cols], optionally
// transposed.
MatrixView RowMajor(const DramTensor& t, int64_t offset, int64_t rows, int64_t cols,
                    bool transposed) {
  MatrixView v;
  v.tensor = t;
  v.offset = offset;
  if (!transposed) {
    v.rows = rows;
    v.cols = cols;
    v.row_stride = cols;
    v.col_stride = 1;
  } else {
    v.rows = cols;
    v.cols = rows;
    v.row_stride = 1;
    v.col_stride = cols;
  }
  return v;
}

// A constant 2-D matrix [R, C] transposed into a new weights buffer [C, R].
DramTensor TransposedConstant(LowerContext& ctx, const ir::Value& v) {
  const int64_t rows = v.shape[0], cols = v.shape[1], elem = ir::DTypeSize(v.dtype);
  Buffer buf;
  buf.name = absl::StrCat(v.name, "/transposed");
  buf.space = Space::WEIGHTS;
  buf.bytes = rows * cols * elem;
  buf.data.resize(buf.bytes);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      std::memcpy(buf.data.data() + (c * rows + r) * elem, v.data.data() + (r * cols + c) * elem,
                  elem);
    }
  }
  DramTensor t;
  t.buffer = ctx.program().AddBuffer(std::move(buf));
  t.space = Space::WEIGHTS;
  t.dtype = ToNeffDType(v.dtype).value_or(neff::DType::F32);
  t.shape = {cols, rows};
  return t;
}

// Right-aligned broadcast of a tensor of `shape` (rank <= 2) to [M, N].
MatrixView BroadcastView(const DramTensor& t, int64_t m, int64_t n) {
  MatrixView v;
  v.tensor = t;
  v.rows = m;
  v.cols = n;
  const ir::Shape& s = t.shape;
  int64_t s_cols = s.empty() ? 1 : s.back();
  int64_t s_rows = s.size() >= 2 ? s[s.size() - 2] : 1;
  v.col_stride = s_cols == 1 ? 0 : 1;
  v.row_stride = s_rows == 1 ? 0 : s_cols;
  return v;
}

}  // namespace

namespace {

// Evacuates a matmul's PSUM accumulator into an SBUF tile of the same shape:
// act(alpha * acc + bias) with `bias` a per-partition scalar (or none), or,
// given `addend` (C laid out as the tile), act(alpha * acc + beta * C); then
// the fused clip, and the store to `y`.
absl::Status EmitMatmulEpilogue(LowerContext& ctx, const Operand& acc, float alpha, float beta,
                                neff::ActivationFunction func, const Operand* bias,
                                const std::optional<Operand>& addend, const Operand& y) {
  const int partitions = acc.num_partitions;
  const int64_t free = acc.free_size();
  auto obuf = ctx.Sbuf("out", partitions, free * 4);
  if (!obuf.ok()) return obuf.status();
  Operand out = ctx.Tile(*obuf, partitions, free);
  ctx.Activation(out, acc, addend ? neff::ActivationFunction::IDENTITY : func, alpha, bias);
  if (addend) {
    auto cbuf = ctx.Sbuf("addend", partitions, free * 4);
    if (!cbuf.ok()) return cbuf.status();
    Operand c = ctx.Tile(*cbuf, partitions, free);
    ctx.Dma(c, *addend);
    if (beta != 1.0f) ctx.TensorScalar(c, c, neff::AluOp::MULTIPLY, beta);
    ctx.TensorTensor(out, out, c, neff::AluOp::ADD);
    if (func != neff::ActivationFunction::IDENTITY) ctx.Activation(out, out, func, 1.0f, nullptr);
  }
  ctx.ApplyFusedClip(out);
  ctx.Dma(y, out);
  return absl::OkStatus();
}

// Rows on partitions: out[M rows, N] = (a^T)^T x b with a^T as the
// stationary operand and b's rows as the moving one, so that the output tile
// is [rows, columns] like Y in DRAM and stores in contiguous runs. a is loaded
// in its natural row-major layout and turned into a^T tiles by TensorE
// transposes (through PSUM) instead of by element-strided DMA. A bias varying
// along N is added on the Vector engine from a broadcast row tile.
absl::Status EmitMatmulRows(LowerContext& ctx, const MatrixView& a, const MatrixView& b,
                            const MatrixView* c, float alpha, float beta,
                            neff::ActivationFunction func, const MatrixView& y) {
  const target::CoreSpec& spec = ctx.spec();
  const int64_t M = a.rows, K = a.cols, N = b.cols;
  const int64_t kPart = spec.partitions;
  const int64_t kMaxMoving = spec.matmul_max_moving_free;
  const int64_t k_tiles = CeilDiv(K, kPart);
  const neff::DType at = a.tensor.tile_dtype(), bt = b.tensor.tile_dtype();
  const int64_t group =
      b.col_stride == 1
          ? std::max<int64_t>(1, spec.dma_efficient_contiguous_bytes / (kMaxMoving * ElemSize(bt)))
          : 1;
  for (int64_t m0 = 0; m0 < M; m0 += kPart) {
    const int mt = static_cast<int>(std::min(kPart, M - m0));
    std::vector<Operand> lhs_t;
    if (a.col_stride == 1 && K * ElemSize(at) <= 64 * 1024) {
      auto rows = ctx.Sbuf("lhs", mt, K * ElemSize(at));
      if (!rows.ok()) return rows.status();
      ctx.Dma(ctx.TypedTile(*rows, at, mt, K),
              ctx.View(a.tensor, a.offset + m0 * a.row_stride, mt, a.row_stride, {Dim{1, K}}));
      for (int64_t kt = 0; kt < k_tiles; ++kt) {
        const int64_t k0 = kt * kPart, ks = std::min(kPart, K - k0);
        auto tp = ctx.Psum("lhsT_psum", static_cast<int>(ks), mt * 4);
        if (!tp.ok()) return tp.status();
        Operand transposed = ctx.Tile(*tp, static_cast<int>(ks), mt);
        ctx.Transpose(transposed, ctx.TypedTile(*rows, at, mt, ks, k0 * ElemSize(at)));
        auto lb = ctx.Sbuf(absl::StrCat("lhsT", kt), static_cast<int>(ks), mt * ElemSize(at));
        if (!lb.ok()) return lb.status();
        Operand tile = ctx.TypedTile(*lb, at, static_cast<int>(ks), mt);
        ctx.TensorCopy(tile, transposed);
        lhs_t.push_back(tile);
      }
    } else {
      for (int64_t kt = 0; kt < k_tiles; ++kt) {
        const int64_t k0 = kt * kPart, ks = std::min(kPart, K - k0);
        auto lb = ctx.Sbuf(absl::StrCat("lhsT", kt), static_cast<int>(ks), mt * ElemSize(at));
        if (!lb.ok()) return lb.status();
        Operand tile = ctx.TypedTile(*lb, at, static_cast<int>(ks), mt);
        ctx.Dma(tile, ctx.View(a.tensor, a.offset + m0 * a.row_stride + k0 * a.col_stride,
                               static_cast<int>(ks), a.col_stride, {Dim{a.row_stride, mt}}));
        lhs_t.push_back(tile);
      }
    }
    // B's rows for `group` adjacent column chunks arrive in one DMA, so
    // that each partition receives a run long enough for the DMA's full
    // rate (512 bf16 columns are 1 KiB; two chunks make 2 KiB); each chunk
    // accumulates in its own PSUM bank.
    for (int64_t g0 = 0; g0 < N; g0 += group * kMaxMoving) {
      const int64_t gw = std::min(group * kMaxMoving, N - g0);
      std::vector<Operand> accs;
      for (int64_t n0 = g0; n0 < g0 + gw; n0 += kMaxMoving) {
        const int64_t nt = std::min(kMaxMoving, g0 + gw - n0);
        auto psum = ctx.Psum("acc", mt, nt * 4);
        if (!psum.ok()) return psum.status();
        accs.push_back(ctx.Tile(*psum, mt, nt));
      }
      for (int64_t kt = 0; kt < k_tiles; ++kt) {
        const int64_t k0 = kt * kPart, ks = std::min(kPart, K - k0);
        auto wb = ctx.Sbuf(absl::StrCat("rhs", kt), static_cast<int>(ks), gw * ElemSize(bt));
        if (!wb.ok()) return wb.status();
        ctx.Dma(ctx.TypedTile(*wb, bt, static_cast<int>(ks), gw),
                ctx.View(b.tensor, b.offset + k0 * b.row_stride + g0 * b.col_stride,
                         static_cast<int>(ks), b.row_stride, {Dim{b.col_stride, gw}}));
        for (size_t j = 0; j < accs.size(); ++j) {
          const int64_t nt = accs[j].free_size();
          Operand w = ctx.TypedTile(*wb, bt, static_cast<int>(ks), nt,
                                    static_cast<int64_t>(j) * kMaxMoving * ElemSize(bt));
          ctx.Matmul(accs[j], lhs_t[kt], w, kt == 0, kt == k_tiles - 1);
        }
      }
      for (size_t j = 0; j < accs.size(); ++j) {
        const int64_t n0 = g0 + static_cast<int64_t>(j) * kMaxMoving, nt = accs[j].free_size();
        std::optional<Operand> addend;
        if (c != nullptr) {
          addend = ctx.View(c->tensor, c->offset + m0 * c->row_stride + n0 * c->col_stride, mt,
                            c->row_stride, {Dim{c->col_stride, nt}});
        }
        const Operand out = ctx.View(y.tensor, y.offset + m0 * y.row_stride + n0 * y.col_stride, mt,
                                     y.row_stride, {Dim{y.col_stride, nt}});
        if (auto st = EmitMatmulEpilogue(ctx, accs[j], alpha, beta, func, nullptr, addend, out);
            !st.ok()) {
          return st;
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitMatmul(LowerContext& ctx, const MatrixView& a, const MatrixView& b,
                        const MatrixView* c, float alpha, float beta, neff::ActivationFunction func,
                        const MatrixView& y) {
  const target::CoreSpec& spec = ctx.spec();
  // Many rows: put them on partitions so loads and stores are row-contiguous
  // (see EmitMatmulRows). Few rows (batch-1 MLPs): put the output features
  // on partitions instead, where the bias fuses into the activation.
  if (a.rows >= kRowsOnPartitionsMinRows && b.cols >= kRowsOnPartitionsMinRows) {
    return EmitMatmulRows(ctx, a, b, c, alpha, beta, func, y);
  }
  const int64_t M = a.rows, K = a.cols, N = b.cols;
  const int64_t kPart = spec.partitions;
  const int64_t kMaxMoving = spec.matmul_max_moving_free;
  const int64_t kMaxStationary = spec.matmul_max_stationary_free;
  const int64_t k_tiles = CeilDiv(K, kPart);
  // A bias that is constant along M sits on the output's partitions (N) and
  // fuses into the activation; anything else is added after it.
  const bool fused_bias = c != nullptr && c->row_stride == 0;

  for (int64_t m0 = 0; m0 < M; m0 += kMaxMoving) {
    const int64_t mt = std::min(kMaxMoving, M - m0);
    // Moving operands: a^T tiles, K on partitions.
    std::vector<Operand> lhs_t;
    for (int64_t kt = 0; kt < k_tiles; ++kt) {
      const int64_t k0 = kt * kPart, ks = std::min(kPart, K - k0);
      // Operands keep their storage type on chip (bf16/fp16 after
      // auto-cast: half the SBUF and DMA bytes, full-rate TensorE).
      const neff::DType at = a.tensor.tile_dtype();
      auto buf = ctx.Sbuf(absl::StrCat("lhsT", kt), ks, mt * ElemSize(at));
      if (!buf.ok()) return buf.status();
      Operand tile = ctx.TypedTile(*buf, at, ks, mt);
      ctx.Dma(tile, ctx.View(a.tensor, a.offset + m0 * a.row_stride + k0 * a.col_stride, ks,
                             a.col_stride, {Dim{a.row_stride, mt}}));
      lhs_t.push_back(tile);
    }
    // B's rows for `group` adjacent output-feature tiles arrive in one DMA
    // when one tile's 128 columns are short of the DMA's full rate (512
    // bytes of fp32) and B is large enough for bandwidth to matter (from 1
    // MiB; a small B's first matmul would wait for the wider load: the
    // bundled MLP 31.3 -> 33.9 us estimated); each tile accumulates in its
    // own PSUM bank.
    const neff::DType bt = b.tensor.tile_dtype();
    const bool large_b = K * N * ElemSize(bt) >= (int64_t{1} << 20);
    const int64_t group =
        b.col_stride == 1 && large_b
            ? std::clamp<int64_t>(
                  spec.dma_efficient_contiguous_bytes / (kMaxStationary * ElemSize(bt)), 1, 4)
            : 1;
    for (int64_t g0 = 0; g0 < N; g0 += group * kMaxStationary) {
      const int64_t gw = std::min(group * kMaxStationary, N - g0);
      std::vector<Operand> accs;
      for (int64_t n0 = g0; n0 < g0 + gw; n0 += kMaxStationary) {
        const int64_t nt = std::min(kMaxStationary, g0 + gw - n0);
        auto psum = ctx.Psum("acc", nt, mt * 4);
        if (!psum.ok()) return psum.status();
        Operand acc = ctx.Tile(*psum, nt, mt);
        acc.dtype = neff::DType::F32;
        accs.push_back(acc);
      }
      for (int64_t kt = 0; kt < k_tiles; ++kt) {
        const int64_t k0 = kt * kPart, ks = std::min(kPart, K - k0);
        auto wbuf = ctx.Sbuf(absl::StrCat("rhs", kt), ks, gw * ElemSize(bt));
        if (!wbuf.ok()) return wbuf.status();
        ctx.Dma(ctx.TypedTile(*wbuf, bt, ks, gw),
                ctx.View(b.tensor, b.offset + k0 * b.row_stride + g0 * b.col_stride, ks,
                         b.row_stride, {Dim{b.col_stride, gw}}));
        for (size_t j = 0; j < accs.size(); ++j) {
          Operand w = ctx.TypedTile(*wbuf, bt, ks, accs[j].num_partitions,
                                    static_cast<int64_t>(j) * kMaxStationary * ElemSize(bt));
          ctx.Matmul(accs[j], w, lhs_t[kt], kt == 0, kt == k_tiles - 1);
        }
      }
      for (size_t j = 0; j < accs.size(); ++j) {
        const int64_t n0 = g0 + static_cast<int64_t>(j) * kMaxStationary;
        const int64_t nt = accs[j].num_partitions;
        const Operand& acc = accs[j];
        Operand bias;
        if (fused_bias) {
          auto bbuf = ctx.Sbuf("bias", nt, 4);
          if (!bbuf.ok()) return bbuf.status();
          bias = ctx.Tile(*bbuf, nt, 1);
          ctx.Dma(bias, ctx.View(c->tensor, c->offset + n0 * c->col_stride, nt, c->col_stride,
                                 {Dim{1, 1}}));
          if (beta != 1.0f) ctx.TensorScalar(bias, bias, neff::AluOp::MULTIPLY, beta);
        }
        std::optional<Operand> addend;
        if (c != nullptr && !fused_bias) {
          addend = ctx.View(c->tensor, c->offset + m0 * c->row_stride + n0 * c->col_stride, nt,
                            c->col_stride, {Dim{c->row_stride, mt}});
        }
        const Operand out = ctx.View(y.tensor, y.offset + m0 * y.row_stride + n0 * y.col_stride, nt,
                                     y.col_stride, {Dim{y.row_stride, mt}});
        if (auto st = EmitMatmulEpilogue(ctx, acc, alpha, beta, func, fused_bias ? &bias : nullptr,
                                         addend, out);
            !st.ok()) {
          return st;
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckGemm(const ir::Op& op) {
  if (auto s = RequireMatmulTypes(op); !s.ok()) return s;
  if (op.inputs.size() < 2 || op.input(0) == nullptr || op.input(1) == nullptr) {
    return Unsupported("needs inputs A and B");
  }
  if (op.input(0)->shape.size() != 2 || op.input(1)->shape.size() != 2) {
    return Unsupported("A and B must be 2-D");
  }
  if (const ir::Value* c = op.input(2); c != nullptr && c->shape.size() > 2) {
    return Unsupported("C must have rank <= 2");
  }
  return CheckFusedActivation(op);
}

absl::Status LowerGemm(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& at = ctx.Tensor(op.input(0));
  const DramTensor& bt = ctx.Tensor(op.input(1));
  const bool trans_a = op.GetInt("transA", 0) != 0;
  const bool trans_b = op.GetInt("transB", 0) != 0;
  MatrixView a = RowMajor(at, 0, at.shape[0], at.shape[1], trans_a);
  MatrixView b = RowMajor(bt, 0, bt.shape[0], bt.shape[1], trans_b);
  if (trans_b && op.input(1)->is_constant) {
    // Constant weights stored [N, K] (PyTorch's Linear): transpose them at
    // compile time so that every tile load reads contiguous rows.
    b = RowMajor(TransposedConstant(ctx, *op.input(1)), 0, bt.shape[1], bt.shape[0], false);
  }
  const DramTensor& yt = ctx.Tensor(op.outputs[0]);
  MatrixView y = RowMajor(yt, 0, a.rows, b.cols, false);
  MatrixView c;
  const bool has_c = op.input(2) != nullptr;
  if (has_c) c = BroadcastView(ctx.Tensor(op.input(2)), a.rows, b.cols);
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.GetString("fused_activation", ""), &func);
  return EmitMatmul(ctx, a, b, has_c ? &c : nullptr, op.GetFloat("alpha", 1.0f),
                    op.GetFloat("beta", 1.0f), func, y);
}

absl::Status CheckMatMul(const ir::Op& op) {
  if (auto s = RequireMatmulTypes(op); !s.ok()) return s;
  const ir::Value* a = op.input(0);
  const ir::Value* b = op.input(1);
  if (a == nullptr || b == nullptr) return Unsupported("needs two inputs");
  if (a->shape.empty() || b->shape.empty()) return Unsupported("scalar operands");
  if (b->shape.size() > 2 && a->shape.size() != b->shape.size()) {
    return Unsupported("batched B must have A's rank");
  }
  if (b->shape.size() > 2) {
    for (size_t i = 0; i + 2 < a->shape.size(); ++i) {
      if (a->shape[i] != b->shape[i] && b->shape[i] != 1) {
        return Unsupported("batch dimensions must match or broadcast in B");
      }
    }
  }
  return CheckFusedActivation(op);
}

absl::Status LowerMatMul(const ir::Op& op, LowerContext& ctx) {
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.GetString("fused_activation", ""), &func);
  return EmitBatchedMatMul(ctx, ctx.Tensor(op.input(0)), ctx.Tensor(op.input(1)),
                           ctx.Tensor(op.outputs[0]), func);
}

absl::Status EmitBatchedMatMul(LowerContext& ctx, const DramTensor& at, const DramTensor& bt,
                               const DramTensor& yt, neff::ActivationFunction func) {
  const ir::Shape& as = at.shape;
  const ir::Shape& bs = bt.shape;
  const int64_t K = as.back();
  const int64_t N = bs.size() == 1 ? 1 : bs.back();
  const int64_t M = as.size() == 1 ? 1 : as[as.size() - 2];
  // B without batch dims: fold all of A's batch into M (A is row-major).
  if (bs.size() <= 2) {
    int64_t rows = at.shape.size() == 1 ? 1 : ir::NumElements(as) / K;
    MatrixView a = RowMajor(at, 0, rows, K, false);
    MatrixView b = RowMajor(bt, 0, K, N, false);
    MatrixView y = RowMajor(yt, 0, rows, N, false);
    return EmitMatmul(ctx, a, b, nullptr, 1.0f, 1.0f, func, y);
  }
  // Batched: one matmul per batch index, B's batch broadcast where 1.
  const int64_t batch = ir::NumElements(as) / (M * K);
  const size_t batch_rank = as.size() - 2;
  for (int64_t bi = 0; bi < batch; ++bi) {
    int64_t rem = bi, b_index = 0, b_scale = 1;
    for (size_t d = batch_rank; d-- > 0;) {
      const int64_t idx = rem % as[d];
      rem /= as[d];
      if (bs[d] != 1) b_index += idx * b_scale;
      b_scale *= bs[d];
    }
    MatrixView a = RowMajor(at, bi * M * K, M, K, false);
    MatrixView b = RowMajor(bt, b_index * K * N, K, N, false);
    MatrixView y = RowMajor(yt, bi * M * N, M, N, false);
    if (auto s = EmitMatmul(ctx, a, b, nullptr, 1.0f, 1.0f, func, y); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// CumSum along an axis as a TensorE matmul with a constant triangular
// matrix of ones: y[r, j] = sum_k x[r, k] T[k, j], T[k, j] = 1 where k is
// before j (or after, for reverse), and where k == j unless exclusive.
absl::Status CheckCumSum(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  const ir::Value* axis = op.input(1);
  if (x == nullptr || x->dtype != ir::DType::kF32 || x->shape.empty()) {
    return Unsupported("only f32 inputs of rank >= 1");
  }
  if (axis == nullptr || !axis->is_constant || axis->num_elements() != 1 ||
      (axis->dtype != ir::DType::kI64 && axis->dtype != ir::DType::kI32)) {
    return Unsupported("axis must be a compile-time constant integer");
  }
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  int64_t a =
      axis->dtype == ir::DType::kI64 ? axis->data_as<int64_t>()[0] : axis->data_as<int32_t>()[0];
  if (a < 0) a += rank;
  if (a < 0 || a >= rank) return Unsupported("axis out of range");
  if (x->shape[a] > 1024) return Unsupported("axes longer than 1024 elements");
  return absl::OkStatus();
}

absl::Status LowerCumSum(const ir::Op& op, LowerContext& ctx) {
  const ir::Value* axis_value = op.input(1);
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = axis_value->dtype == ir::DType::kI64 ? axis_value->data_as<int64_t>()[0]
                                                      : axis_value->data_as<int32_t>()[0];
  if (axis < 0) axis += rank;
  const bool exclusive = op.GetInt("exclusive", 0) != 0, reverse = op.GetInt("reverse", 0) != 0;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
  const int64_t len = x.shape[axis];
  std::vector<float> ones(len * len);
  for (int64_t k = 0; k < len; ++k) {
    for (int64_t j = 0; j < len; ++j) {
      const bool include = reverse ? (exclusive ? k > j : k >= j) : (exclusive ? k < j : k <= j);
      ones[k * len + j] = include ? 1.0f : 0.0f;
    }
  }
  const DramTensor triangle = ctx.F32Weights("triangle", {len, len}, ones);
  MatrixView b = RowMajor(triangle, 0, len, len, false);
  if (inner == 1) {
    MatrixView a = RowMajor(x, 0, outer, len, false);
    MatrixView out = RowMajor(y, 0, outer, len, false);
    return EmitMatmul(ctx, a, b, nullptr, 1.0f, 1.0f, neff::ActivationFunction::IDENTITY, out);
  }
  for (int64_t o = 0; o < outer; ++o) {
    // Rows are the inner positions (stride 1), columns the axis (stride inner).
    MatrixView a{x, o * len * inner, inner, len, 1, inner};
    MatrixView out{y, o * len * inner, inner, len, 1, inner};
    if (auto s =
            EmitMatmul(ctx, a, b, nullptr, 1.0f, 1.0f, neff::ActivationFunction::IDENTITY, out);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
