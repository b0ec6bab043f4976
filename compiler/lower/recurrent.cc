#include "compiler/lower/recurrent.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

using neff::ActivationFunction;
using neff::AluOp;

enum class Cell { kRnn, kGru, kLstm };

// ONNX input and output positions shared by the three ops.
enum Inputs { kX = 0, kW, kR, kB, kSequenceLens, kInitialH, kInitialC, kPeepholes };
enum Outputs { kY = 0, kYh, kYc };

// Everything the lowering needs, validated once by SpecOf.
struct RecurrentSpec {
  Cell cell = Cell::kRnn;
  int gates = 1;      // rows of W per direction, in units of hidden
  int functions = 1;  // activation functions per direction
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int directions = 1;
  bool reverse = false;      // a single reverse direction
  bool batch_major = false;  // layout = 1
  bool linear_before_reset = false;
  std::optional<float> clip;
  bool masked = false;                    // a runtime sequence_lens input
  std::vector<ActivationFunction> funcs;  // functions * directions
};

bool FunctionFor(absl::string_view name, ActivationFunction* func) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "tanh") {
    *func = ActivationFunction::TANH;
  } else if (lower == "sigmoid") {
    *func = ActivationFunction::SIGMOID;
  } else if (lower == "relu") {
    *func = ActivationFunction::RELU;
  } else if (lower == "softplus") {
    *func = ActivationFunction::SOFTPLUS;
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<RecurrentSpec> SpecOf(const ir::Op& op) {
  RecurrentSpec s;
  std::vector<std::string> defaults;
  if (op.type == "RNN") {
    s.cell = Cell::kRnn;
    s.gates = 1;
    defaults = {"Tanh"};
  } else if (op.type == "GRU") {
    s.cell = Cell::kGru;
    s.gates = 3;
    defaults = {"Sigmoid", "Tanh"};
  } else {
    s.cell = Cell::kLstm;
    s.gates = 4;
    defaults = {"Sigmoid", "Tanh", "Tanh"};
  }
  s.functions = static_cast<int>(defaults.size());
  const ir::Value* x = op.input(kX);
  const ir::Value* w = op.input(kW);
  const ir::Value* r = op.input(kR);
  if (x == nullptr || w == nullptr || r == nullptr) {
    return Unsupported("inputs X, W and R are required");
  }
  if (x->shape.size() != 3 || w->shape.size() != 3 || r->shape.size() != 3) {
    return Unsupported("X, W and R must have rank 3");
  }
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const ir::Value* v = op.inputs[i];
    if (v == nullptr) continue;
    const ir::DType want = i == kSequenceLens ? ir::DType::kI32 : ir::DType::kF32;
    if (v->dtype != want) {
      return Unsupported(absl::StrCat("input '", v->name, "' is ", ir::DTypeName(v->dtype), " (",
                                      ir::DTypeName(want), " only)"));
    }
  }
  for (const ir::Value* v : op.outputs) {
    if (v->dtype != ir::DType::kF32) {
      return Unsupported(
          absl::StrCat("output '", v->name, "' is ", ir::DTypeName(v->dtype), " (f32 only)"));
    }
  }

  const int64_t layout = op.GetInt("layout", 0);
  if (layout != 0 && layout != 1) return Unsupported(absl::StrCat("layout ", layout));
  s.batch_major = layout == 1;
  s.seq = s.batch_major ? x->shape[1] : x->shape[0];
  s.batch = s.batch_major ? x->shape[0] : x->shape[1];
  s.input = x->shape[2];
  const std::string direction = op.GetString("direction", "forward");
  if (direction == "forward" || direction == "reverse") {
    s.directions = 1;
    s.reverse = direction == "reverse";
  } else if (direction == "bidirectional") {
    s.directions = 2;
  } else {
    return Unsupported(absl::StrCat("direction '", direction, "'"));
  }
  s.hidden = op.GetInt("hidden_size", r->shape[2]);
  const ir::Shape w_want = {s.directions, s.gates * s.hidden, s.input};
  const ir::Shape r_want = {s.directions, s.gates * s.hidden, s.hidden};
  if (w->shape != w_want || r->shape != r_want) {
    return Unsupported(absl::StrCat("W [", absl::StrJoin(w->shape, ","), "] and R [",
                                    absl::StrJoin(r->shape, ","), "] do not match [",
                                    absl::StrJoin(w_want, ","), "] and [",
                                    absl::StrJoin(r_want, ","), "]"));
  }
  if (s.hidden > 128) {
    return Unsupported(
        absl::StrCat("hidden_size ", s.hidden, " above 128 (the state sits on the partitions)"));
  }
  if (s.batch > 512) {
    return Unsupported(
        absl::StrCat("batch ", s.batch, " above 512 (one matmul's moving free size)"));
  }
  if (const ir::Value* b = op.input(kB);
      b != nullptr && b->shape != ir::Shape{s.directions, 2 * s.gates * s.hidden}) {
    return Unsupported(absl::StrCat("B has shape [", absl::StrJoin(b->shape, ","), "]"));
  }
  if (const ir::Value* p = op.input(kPeepholes);
      p != nullptr && p->shape != ir::Shape{s.directions, 3 * s.hidden}) {
    return Unsupported(absl::StrCat("P has shape [", absl::StrJoin(p->shape, ","), "]"));
  }
  const ir::Shape state = s.batch_major ? ir::Shape{s.batch, s.directions, s.hidden}
                                        : ir::Shape{s.directions, s.batch, s.hidden};
  for (int i : {kInitialH, kInitialC}) {
    const ir::Value* v = op.input(i);
    if (v != nullptr && v->shape != state) {
      return Unsupported(absl::StrCat("initial state '", v->name, "' has shape [",
                                      absl::StrJoin(v->shape, ","), "], not [",
                                      absl::StrJoin(state, ","), "]"));
    }
  }
  if (const ir::Value* lens = op.input(kSequenceLens); lens != nullptr) {
    if (lens->shape != ir::Shape{s.batch}) {
      return Unsupported(
          absl::StrCat("sequence_lens has shape [", absl::StrJoin(lens->shape, ","), "]"));
    }
    if (lens->is_constant) {
      for (int64_t b = 0; b < s.batch; ++b) {
        if (lens->data_as<int32_t>()[b] != s.seq) {
          return Unsupported(absl::StrCat("constant sequence_lens[", b,
                                          "] = ", lens->data_as<int32_t>()[b],
                                          " differs from the sequence length ", s.seq));
        }
      }
    } else {
      s.masked = true;
    }
  }
  if (op.type == "LSTM" && op.GetInt("input_forget", 0) != 0) {
    return Unsupported("attribute 'input_forget'=1 (coupled input and forget gates)");
  }
  s.linear_before_reset = op.GetInt("linear_before_reset", 0) != 0;
  if (op.has_attr("clip")) {
    s.clip = op.GetFloat("clip", 0.0f);
    if (!(*s.clip > 0.0f))
      return Unsupported(absl::StrCat("clip ", *s.clip, " (must be positive)"));
  }
  if (s.seq == 0) return Unsupported("an empty sequence (seq_length 0)");

  std::vector<std::string> names = op.GetStrings("activations", {});
  if (names.empty()) {
    for (int d = 0; d < s.directions; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != static_cast<size_t>(s.functions * s.directions)) {
    return Unsupported(absl::StrCat("'activations' lists ", names.size(), " functions; ", op.type,
                                    " needs ", s.functions, " per direction"));
  }
  for (const std::string& name : names) {
    ActivationFunction func;
    if (!FunctionFor(name, &func)) {
      return Unsupported(
          absl::StrCat("activation '", name, "' (supported: Tanh, Sigmoid, Relu, Softplus)"));
    }
    s.funcs.push_back(func);
  }
  return s;
}

// Views of the op's DRAM tensors for one direction, and the on-chip
// building blocks of a step.
class Unroller {
 public:
  Unroller(const ir::Op& op, LowerContext& ctx, const RecurrentSpec& s)
      : op_(op), ctx_(ctx), s_(s) {}

  absl::Status Run() {
    const int64_t k_tiles = (s_.input + 127) / 128;
    // X^T for every step at once: [input, seq * batch], column t * batch + b.
    const DramTensor& x = ctx_.Tensor(op_.input(kX));
    for (int64_t kt = 0; kt < k_tiles; ++kt) {
      const int64_t k0 = kt * 128, ks = std::min<int64_t>(128, s_.input - k0);
      auto buf = ctx_.Sbuf(absl::StrCat("xT", kt), static_cast<int>(ks), s_.seq * s_.batch * 4);
      if (!buf.ok()) return buf.status();
      const std::vector<Dim> dims =
          s_.batch_major
              ? std::vector<Dim>{Dim{s_.input, s_.seq}, Dim{s_.seq * s_.input, s_.batch}}
              : std::vector<Dim>{Dim{s_.batch * s_.input, s_.seq}, Dim{s_.input, s_.batch}};
      Operand tile = ctx_.Tile(*buf, static_cast<int>(ks), s_.seq * s_.batch);
      ctx_.Dma(tile, ctx_.View(x, k0, static_cast<int>(ks), 1, dims));
      x_tiles_.push_back(*buf);
    }
    if (s_.masked) {
      // lengths[h][b] = sequence_lens[b] on every partition, as f32.
      auto buf = ctx_.Sbuf("lengths", H(), s_.batch * 4);
      if (!buf.ok()) return buf.status();
      lengths_ = ctx_.Tile(*buf, H(), s_.batch);
      ctx_.Dma(*lengths_,
               ctx_.View(ctx_.Tensor(op_.input(kSequenceLens)), 0, H(), 0, {Dim{1, s_.batch}}));
      auto zero = ctx_.Sbuf("zero", H(), s_.batch * 4);
      if (!zero.ok()) return zero.status();
      zero_ = ctx_.Tile(*zero, H(), s_.batch);
      ctx_.Memset(*zero_, 0.0f);
    }
    for (int d = 0; d < s_.directions; ++d) {
      if (absl::Status st = Direction(d); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

 private:
  int H() const { return static_cast<int>(s_.hidden); }
  int64_t B() const { return s_.batch; }
  ActivationFunction Func(int d, int i) const { return s_.funcs[d * s_.functions + i]; }

  absl::StatusOr<Operand> NewTile(absl::string_view what) {
    auto buf = ctx_.Sbuf(what, H(), B() * 4);
    if (!buf.ok()) return buf.status();
    return ctx_.Tile(*buf, H(), B());
  }

  // A [hidden, batch] view of a state-shaped tensor (initial_h, Y_h, ...)
  // of direction d; `step` >= 0 picks Y's time step instead.
  Operand StateView(const DramTensor& t, int d, int64_t step) const {
    const int64_t hb = s_.hidden;
    int64_t offset, batch_stride;
    if (step < 0) {
      offset = s_.batch_major ? d * hb : d * B() * hb;
      batch_stride = s_.batch_major ? s_.directions * hb : hb;
    } else if (s_.batch_major) {  // Y [batch, seq, directions, hidden]
      offset = (step * s_.directions + d) * hb;
      batch_stride = s_.seq * s_.directions * hb;
    } else {  // Y [seq, directions, batch, hidden]
      offset = (step * s_.directions + d) * B() * hb;
      batch_stride = hb;
    }
    return ctx_.View(t, offset, H(), 1, {Dim{batch_stride, B()}});
  }

  // W_g^T k-tiles ([input, hidden]) and R_g^T ([hidden, hidden]) of gate g.
  absl::Status LoadWeights(int d, int g, std::vector<Operand>* w_tiles, Operand* r_tile) {
    const DramTensor& w = ctx_.Tensor(op_.input(kW));
    const DramTensor& r = ctx_.Tensor(op_.input(kR));
    const int64_t rows = (d * s_.gates + g) * s_.hidden;
    for (size_t kt = 0; kt < x_tiles_.size(); ++kt) {
      const int64_t k0 = kt * 128, ks = std::min<int64_t>(128, s_.input - k0);
      auto buf = ctx_.Sbuf(absl::StrCat("wT", g, "_", kt), static_cast<int>(ks), s_.hidden * 4);
      if (!buf.ok()) return buf.status();
      Operand tile = ctx_.Tile(*buf, static_cast<int>(ks), s_.hidden);
      ctx_.Dma(tile, ctx_.View(w, rows * s_.input + k0, static_cast<int>(ks), 1,
                               {Dim{s_.input, s_.hidden}}));
      w_tiles->push_back(tile);
    }
    auto buf = ctx_.Sbuf(absl::StrCat("rT", g), H(), s_.hidden * 4);
    if (!buf.ok()) return buf.status();
    *r_tile = ctx_.Tile(*buf, H(), s_.hidden);
    ctx_.Dma(*r_tile, ctx_.View(r, rows * s_.hidden, H(), 1, {Dim{s_.hidden, s_.hidden}}));
    return absl::OkStatus();
  }

  // One [hidden, 1] column of B (half 0: Wb, half 1: Rb) for gate g, or
  // nothing without B.
  absl::StatusOr<std::optional<Operand>> LoadBias(int d, int half, int g) {
    if (op_.input(kB) == nullptr) return std::optional<Operand>();
    auto buf = ctx_.Sbuf(absl::StrCat("bias", half, "_", g), H(), 4);
    if (!buf.ok()) return buf.status();
    Operand tile = ctx_.Tile(*buf, H(), 1);
    const int64_t offset = (2 * d + half) * s_.gates * s_.hidden + g * s_.hidden;
    ctx_.Dma(tile, ctx_.View(ctx_.Tensor(op_.input(kB)), offset, H(), 1, {Dim{1, 1}}));
    return std::optional<Operand>(tile);
  }

  // Wb_g + Rb_g, the bias that fuses into gate g's activation.
  absl::StatusOr<std::optional<Operand>> GateBias(int d, int g) {
    auto wb = LoadBias(d, 0, g);
    if (!wb.ok() || !wb->has_value()) return wb;
    auto rb = LoadBias(d, 1, g);
    if (!rb.ok()) return rb.status();
    ctx_.TensorTensor(**wb, **wb, **rb, AluOp::ADD);
    return wb;
  }

  // psum = W_g X_t^T (+ R_g h^T when `h` is given), [hidden, batch].
  absl::StatusOr<Operand> Project(const std::vector<Operand>& w_tiles, const Operand* r_tile,
                                  const Operand* h, int64_t t, absl::string_view what) {
    auto buf = ctx_.Psum(what, H(), B() * 4);
    if (!buf.ok()) return buf.status();
    Operand acc = ctx_.Tile(*buf, H(), B());
    const size_t n = w_tiles.size() + (h != nullptr ? 1 : 0);
    for (size_t kt = 0; kt < w_tiles.size(); ++kt) {
      Operand xt = ctx_.Tile(x_tiles_[kt], w_tiles[kt].num_partitions, B(), t * B() * 4);
      ctx_.Matmul(acc, w_tiles[kt], xt, kt == 0, kt + 1 == n);
    }
    if (h != nullptr) ctx_.Matmul(acc, *r_tile, *h, n == 1, true);
    return acc;
  }

  // func(pre + bias), with `clip` bounding the activation's input.
  absl::StatusOr<Operand> Gate(const Operand& pre, const std::optional<Operand>& bias,
                               ActivationFunction func, absl::string_view what) {
    auto out = NewTile(what);
    if (!out.ok()) return out.status();
    if (!s_.clip.has_value()) {
      ctx_.Activation(*out, pre, func, 1.0f, bias ? &*bias : nullptr);
      return out;
    }
    const float c = *s_.clip;
    ctx_.TensorScalarPerPartition(*out, pre, AluOp::ADD, bias ? &*bias : nullptr, 0.0f,
                                  AluOp::MINIMUM, nullptr, c);
    ctx_.TensorScalar(*out, *out, AluOp::MAXIMUM, -c);
    ctx_.Activation(*out, *out, func, 1.0f, nullptr);
    return out;
  }

  // pre + p ⊙ c, for the LSTM's peephole connections.
  absl::StatusOr<Operand> Peephole(const Operand& pre, const std::optional<Operand>& p,
                                   const Operand& c) {
    if (!p.has_value()) return pre;
    auto sum = NewTile("peephole");
    if (!sum.ok()) return sum.status();
    ctx_.TensorScalarPerPartition(*sum, c, AluOp::MULTIPLY, &*p, 0.0f, AluOp::BYPASS, nullptr,
                                  0.0f);
    ctx_.TensorTensor(*sum, *sum, pre, AluOp::ADD);
    return sum;
  }

  // The initial state from `input` (zeros without it).
  absl::StatusOr<Operand> InitialState(int input, int d, absl::string_view what) {
    auto tile = NewTile(what);
    if (!tile.ok()) return tile.status();
    if (op_.input(input) != nullptr) {
      ctx_.Dma(*tile, StateView(ctx_.Tensor(op_.input(input)), d, -1));
    } else {
      ctx_.Memset(*tile, 0.0f);
    }
    return tile;
  }

  // With a runtime sequence_lens: batch entries whose sequence has ended
  // (t >= length) keep `old`.
  absl::StatusOr<Operand> Masked(const Operand& mask, const Operand& fresh, const Operand& old,
                                 absl::string_view what) {
    auto out = NewTile(what);
    if (!out.ok()) return out.status();
    ctx_.Select(*out, mask, fresh, old);
    return out;
  }

  absl::Status Direction(int d) {
    const bool reverse = s_.reverse || d == 1;
    std::vector<std::vector<Operand>> w(s_.gates);
    std::vector<Operand> r(s_.gates);
    std::vector<std::optional<Operand>> bias(s_.gates);
    for (int g = 0; g < s_.gates; ++g) {
      if (absl::Status st = LoadWeights(d, g, &w[g], &r[g]); !st.ok()) return st;
    }
    // GRU's linear_before_reset keeps the candidate gate's Wb and Rb apart.
    const bool split_h = s_.cell == Cell::kGru && s_.linear_before_reset;
    std::optional<Operand> wbh, rbh;
    for (int g = 0; g < s_.gates; ++g) {
      if (split_h && g == 2) {
        auto wb = LoadBias(d, 0, g);
        auto rb = wb.ok() ? LoadBias(d, 1, g) : wb;
        if (!rb.ok()) return rb.status();
        wbh = *wb;
        rbh = *rb;
        continue;
      }
      auto b = GateBias(d, g);
      if (!b.ok()) return b.status();
      bias[g] = *b;
    }
    std::optional<Operand> peep[3];  // i, o, f
    if (s_.cell == Cell::kLstm && op_.input(kPeepholes) != nullptr) {
      for (int j = 0; j < 3; ++j) {
        auto buf = ctx_.Sbuf(absl::StrCat("peep", j), H(), 4);
        if (!buf.ok()) return buf.status();
        peep[j] = ctx_.Tile(*buf, H(), 1);
        ctx_.Dma(*peep[j], ctx_.View(ctx_.Tensor(op_.input(kPeepholes)), (3 * d + j) * s_.hidden,
                                     H(), 1, {Dim{1, 1}}));
      }
    }

    auto h0 = InitialState(kInitialH, d, "h");
    if (!h0.ok()) return h0.status();
    Operand h = *h0;
    Operand c;
    if (s_.cell == Cell::kLstm) {
      auto c0 = InitialState(kInitialC, d, "c");
      if (!c0.ok()) return c0.status();
      c = *c0;
    }
    const ir::Value* y = op_.outputs.size() > kY ? op_.outputs[kY] : nullptr;
    for (int64_t step = 0; step < s_.seq; ++step) {
      const int64_t t = reverse ? s_.seq - 1 - step : step;
      Operand h_new, c_new;
      if (s_.cell == Cell::kRnn) {
        auto pre = Project(w[0], &r[0], &h, t, "gates");
        if (!pre.ok()) return pre.status();
        auto out = Gate(*pre, bias[0], Func(d, 0), "h");
        if (!out.ok()) return out.status();
        h_new = *out;
      } else if (s_.cell == Cell::kGru) {
        // Gates z, r, h; f = Func(d, 0), g = Func(d, 1).
        auto zp = Project(w[0], &r[0], &h, t, "z_psum");
        if (!zp.ok()) return zp.status();
        auto z = Gate(*zp, bias[0], Func(d, 0), "z");
        if (!z.ok()) return z.status();
        auto rp = Project(w[1], &r[1], &h, t, "r_psum");
        if (!rp.ok()) return rp.status();
        auto rg = Gate(*rp, bias[1], Func(d, 0), "r");
        if (!rg.ok()) return rg.status();
        absl::StatusOr<Operand> cand;
        if (!split_h) {
          // g(W_h x + R_h (r ⊙ h) + Wb_h + Rb_h)
          auto rh = NewTile("r_h");
          if (!rh.ok()) return rh.status();
          ctx_.TensorTensor(*rh, *rg, h, AluOp::MULTIPLY);
          auto hp = Project(w[2], &r[2], &*rh, t, "h_psum");
          if (!hp.ok()) return hp.status();
          cand = Gate(*hp, bias[2], Func(d, 1), "candidate");
        } else {
          // g(W_h x + r ⊙ (R_h h + Rb_h) + Wb_h)
          auto xp = Project(w[2], nullptr, nullptr, t, "hx_psum");
          if (!xp.ok()) return xp.status();
          auto hbuf = ctx_.Psum("hr_psum", H(), B() * 4);
          if (!hbuf.ok()) return hbuf.status();
          Operand hr = ctx_.Tile(*hbuf, H(), B());
          ctx_.Matmul(hr, r[2], h, true, true);
          auto sum = NewTile("r_hr");
          if (!sum.ok()) return sum.status();
          ctx_.TensorScalarPerPartition(*sum, hr, AluOp::ADD, rbh ? &*rbh : nullptr, 0.0f,
                                        AluOp::BYPASS, nullptr, 0.0f);
          ctx_.TensorTensor(*sum, *sum, *rg, AluOp::MULTIPLY);
          ctx_.TensorTensor(*sum, *sum, *xp, AluOp::ADD);
          cand = Gate(*sum, wbh, Func(d, 1), "candidate");
        }
        if (!cand.ok()) return cand.status();
        // (1 - z) ⊙ cand + z ⊙ h = cand + z ⊙ (h - cand)
        auto out = NewTile("h");
        if (!out.ok()) return out.status();
        ctx_.TensorTensor(*out, h, *cand, AluOp::SUBTRACT);
        ctx_.TensorTensor(*out, *out, *z, AluOp::MULTIPLY);
        ctx_.TensorTensor(*out, *out, *cand, AluOp::ADD);
        h_new = *out;
      } else {
        // Gates i, o, f, c; f = Func(d, 0), g = Func(d, 1), h = Func(d, 2).
        auto ip = Project(w[0], &r[0], &h, t, "i_psum");
        if (!ip.ok()) return ip.status();
        auto ipre = Peephole(*ip, peep[0], c);
        if (!ipre.ok()) return ipre.status();
        auto ig = Gate(*ipre, bias[0], Func(d, 0), "i");
        if (!ig.ok()) return ig.status();
        auto fp = Project(w[2], &r[2], &h, t, "f_psum");
        if (!fp.ok()) return fp.status();
        auto fpre = Peephole(*fp, peep[2], c);
        if (!fpre.ok()) return fpre.status();
        auto fg = Gate(*fpre, bias[2], Func(d, 0), "f");
        if (!fg.ok()) return fg.status();
        auto cp = Project(w[3], &r[3], &h, t, "c_psum");
        if (!cp.ok()) return cp.status();
        auto cg = Gate(*cp, bias[3], Func(d, 1), "cell_input");
        if (!cg.ok()) return cg.status();
        auto cell = NewTile("c");
        if (!cell.ok()) return cell.status();
        ctx_.TensorTensor(*cell, *fg, c, AluOp::MULTIPLY);
        ctx_.TensorTensor(*cg, *cg, *ig, AluOp::MULTIPLY);
        ctx_.TensorTensor(*cell, *cell, *cg, AluOp::ADD);
        auto outp = Project(w[1], &r[1], &h, t, "o_psum");
        if (!outp.ok()) return outp.status();
        auto opre = Peephole(*outp, peep[1], *cell);
        if (!opre.ok()) return opre.status();
        auto og = Gate(*opre, bias[1], Func(d, 0), "o");
        if (!og.ok()) return og.status();
        auto out = NewTile("h");
        if (!out.ok()) return out.status();
        ctx_.Activation(*out, *cell, Func(d, 2), 1.0f, nullptr);
        ctx_.TensorTensor(*out, *out, *og, AluOp::MULTIPLY);
        h_new = *out;
        c_new = *cell;
      }
      Operand y_t = h_new;
      if (s_.masked) {
        auto mask = NewTile("mask");
        if (!mask.ok()) return mask.status();
        ctx_.TensorScalar(*mask, *lengths_, AluOp::IS_GT, static_cast<float>(t));
        auto kept = Masked(*mask, h_new, h, "h_kept");
        if (!kept.ok()) return kept.status();
        auto padded = Masked(*mask, h_new, *zero_, "y_t");
        if (!padded.ok()) return padded.status();
        if (s_.cell == Cell::kLstm) {
          auto c_kept = Masked(*mask, c_new, c, "c_kept");
          if (!c_kept.ok()) return c_kept.status();
          c_new = *c_kept;
        }
        h_new = *kept;
        y_t = *padded;
      }
      if (y != nullptr) ctx_.Dma(StateView(ctx_.Tensor(y), d, t), y_t);
      h = h_new;
      if (s_.cell == Cell::kLstm) c = c_new;
    }
    if (op_.outputs.size() > kYh) ctx_.Dma(StateView(ctx_.Tensor(op_.outputs[kYh]), d, -1), h);
    if (s_.cell == Cell::kLstm && op_.outputs.size() > kYc) {
      ctx_.Dma(StateView(ctx_.Tensor(op_.outputs[kYc]), d, -1), c);
    }
    return absl::OkStatus();
  }

  const ir::Op& op_;
  LowerContext& ctx_;
  const RecurrentSpec& s_;
  std::vector<int> x_tiles_;  // SBUF buffers of X^T, one per 128 inputs
  std::optional<Operand> lengths_, zero_;
};

}  // namespace

absl::Status CheckRecurrent(const ir::Op& op) { return SpecOf(op).status(); }

absl::Status LowerRecurrent(const ir::Op& op, LowerContext& ctx) {
  auto spec = SpecOf(op);
  if (!spec.ok()) return spec.status();
  if (spec->batch == 0) return absl::OkStatus();
  return Unroller(op, ctx, *spec).Run();
}

}  // namespace ncc::lower
