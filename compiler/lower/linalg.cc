#include "compiler/lower/linalg.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// The largest matrix with a closed form here (3x3: six products).
constexpr int64_t kMaxDetSize = 3;

}  // namespace

absl::Status CheckDet(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  const ir::Shape& shape = op.input(0)->shape;
  const size_t rank = shape.size();
  if (rank < 2 || shape[rank - 1] != shape[rank - 2]) {
    return Unsupported("input must be [..., n, n] (square matrices)");
  }
  const int64_t n = shape[rank - 1];
  if (n < 1 || n > kMaxDetSize) {
    return Unsupported(absl::StrCat(n, "x", n, " matrices (closed forms up to 3x3)"));
  }
  return absl::OkStatus();
}

absl::Status LowerDet(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t n = x.shape.back(), area = n * n;
  const int64_t batch = ir::NumElements(x.shape) / area;
  const int64_t partitions = ctx.spec().partitions;
  for (int64_t b0 = 0; b0 < batch; b0 += partitions) {
    const int rows = static_cast<int>(std::min(partitions, batch - b0));
    auto mb = ctx.Sbuf("matrix", rows, area * 4);
    auto db = ctx.Sbuf("det", rows, 4);
    auto tb = ctx.Sbuf("term", rows, 2 * 4);
    for (auto* b : {&mb, &db, &tb}) {
      if (!b->ok()) return b->status();
    }
    ctx.Dma(ctx.Tile(*mb, rows, area), ctx.View(x, b0 * area, rows, area, {Dim{1, area}}));
    // Element (i, j) of each partition's matrix, and two scratch columns.
    auto a = [&](int64_t i, int64_t j) { return ctx.Tile(*mb, rows, 1, 4 * (i * n + j)); };
    const Operand det = ctx.Tile(*db, rows, 1);
    const Operand t0 = ctx.Tile(*tb, rows, 1), t1 = ctx.Tile(*tb, rows, 1, 4);
    // dst = p * q - r * s
    auto cross = [&](const Operand& dst, const Operand& p, const Operand& q, const Operand& r,
                     const Operand& s) {
      ctx.TensorTensor(dst, p, q, neff::AluOp::MULTIPLY);
      ctx.TensorTensor(t1, r, s, neff::AluOp::MULTIPLY);
      ctx.TensorTensor(dst, dst, t1, neff::AluOp::SUBTRACT);
    };
    if (n == 1) {
      ctx.TensorCopy(det, a(0, 0));
    } else if (n == 2) {
      cross(det, a(0, 0), a(1, 1), a(0, 1), a(1, 0));
    } else {
      // Expansion along row 0: sum_j (-1)^j a0j * minor(0, j).
      for (int64_t j = 0; j < 3; ++j) {
        const int64_t c0 = j == 0 ? 1 : 0, c1 = j == 2 ? 1 : 2;
        cross(t0, a(1, c0), a(2, c1), a(1, c1), a(2, c0));
        ctx.TensorTensor(t0, t0, a(0, j), neff::AluOp::MULTIPLY);
        if (j == 0) {
          ctx.TensorCopy(det, t0);
        } else {
          ctx.TensorTensor(det, det, t0, j == 1 ? neff::AluOp::SUBTRACT : neff::AluOp::ADD);
        }
      }
    }
    ctx.Dma(ctx.View(y, b0, rows, 1, {Dim{1, 1}}), det);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
