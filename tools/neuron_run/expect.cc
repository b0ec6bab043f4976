#include "tools/neuron_run/expect.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/kernels/cast.h"

namespace ncc::neuron_run {
namespace {

template <typename T>
T LoadAt(const npy::Array& a, int64_t i) {
  T v;
  std::memcpy(&v, a.data.data() + sizeof(T) * i, sizeof(T));
  return v;
}

bool IsFloat(absl::string_view descr) { return descr == "<f2" || descr == "<f4" || descr == "<f8"; }

std::string ShapeText(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// The shortest text that reads back as `v` ("0.5123", "1e-4"), without the
// zero that to_chars pads one-digit exponents with.
template <typename T>
std::string Shortest(T v) {
  char buf[64];
  std::string s(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  const size_t e = s.find('e');
  if (e != std::string::npos && e + 3 < s.size() && s[e + 2] == '0') s.erase(e + 2, 1);
  return s;
}

// Element i of a float array, widened to double.
double FloatAt(const npy::Array& a, int64_t i) {
  if (a.dtype_descr == "<f8") return LoadAt<double>(a, i);
  if (a.dtype_descr == "<f4") return LoadAt<float>(a, i);
  return kernels::F16ToF32(LoadAt<uint16_t>(a, i));
}

// A float value as printed: shortest in the array's own precision.
std::string FloatText(const npy::Array& a, double v) {
  return a.dtype_descr == "<f8" ? Shortest(v) : Shortest(static_cast<float>(v));
}

// Element i of an integer or bool array, as printed.
std::string IntegerText(const npy::Array& a, int64_t i) {
  const std::string& d = a.dtype_descr;
  if (d == "|b1") return a.data[i] != 0 ? "true" : "false";
  if (d == "|i1") return absl::StrCat(static_cast<int>(LoadAt<int8_t>(a, i)));
  if (d == "|u1") return absl::StrCat(static_cast<int>(LoadAt<uint8_t>(a, i)));
  if (d == "<i2") return absl::StrCat(LoadAt<int16_t>(a, i));
  if (d == "<u2") return absl::StrCat(LoadAt<uint16_t>(a, i));
  if (d == "<i4") return absl::StrCat(LoadAt<int32_t>(a, i));
  if (d == "<u4") return absl::StrCat(LoadAt<uint32_t>(a, i));
  if (d == "<i8") return absl::StrCat(LoadAt<int64_t>(a, i));
  if (d == "<u8") return absl::StrCat(LoadAt<uint64_t>(a, i));
  return "?";
}

// Integers compare bit for bit; bools by truth, whatever byte holds it.
bool ExactlyEqual(const npy::Array& got, const npy::Array& want, int64_t i) {
  if (got.dtype_descr == "|b1") return (got.data[i] != 0) == (want.data[i] != 0);
  const int size = npy::ItemSize(got.dtype_descr);
  return std::memcmp(got.data.data() + size * i, want.data.data() + size * i, size) == 0;
}

std::vector<int64_t> MultiIndex(int64_t flat, absl::Span<const int64_t> shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

}  // namespace

std::optional<Tolerance> ParseTolerance(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  if (parts.size() > 2) return std::nullopt;
  Tolerance tolerance;
  double* fields[] = {&tolerance.rtol, &tolerance.atol};
  for (size_t i = 0; i < parts.size(); ++i) {
    double v;
    if (!absl::SimpleAtod(parts[i], &v) || !std::isfinite(v) || v < 0) return std::nullopt;
    *fields[i] = v;
  }
  return tolerance;
}

absl::Status CheckComparable(absl::string_view descr, absl::Span<const int64_t> shape,
                             const npy::Array& want, absl::string_view path) {
  if (absl::MakeConstSpan(want.shape) != shape) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has shape ", ShapeText(want.shape),
                                                   " but the output's is ", ShapeText(shape)));
  }
  const bool widened = descr == "<f4" && want.dtype_descr == "<f8";
  if (want.dtype_descr != descr && !widened) {
    return absl::InvalidArgumentError(absl::StrCat(path, " holds '", want.dtype_descr,
                                                   "' but the output needs '", descr, "'",
                                                   descr == "<f4" ? " or '<f8'" : ""));
  }
  return absl::OkStatus();
}

Comparison Compare(const npy::Array& got, const npy::Array& want, const Tolerance& tolerance) {
  Comparison c;
  c.exact = !IsFloat(got.dtype_descr);
  c.values = got.NumElements();
  for (int64_t i = 0; i < c.values; ++i) {
    std::string got_text, want_text, why;
    if (c.exact) {
      if (ExactlyEqual(got, want, i)) continue;
      got_text = IntegerText(got, i);
      want_text = IntegerText(want, i);
    } else {
      const double g = FloatAt(got, i), w = FloatAt(want, i);
      if (std::isnan(g) || std::isnan(w)) {
        if (std::isnan(g) && std::isnan(w)) continue;
        why = "NaN matches only NaN";
      } else if (std::isinf(g) || std::isinf(w)) {
        if (g == w) continue;
        why = "an infinity matches only itself";
      } else {
        const double diff = std::fabs(g - w);
        const double allowed = tolerance.atol + tolerance.rtol * std::fabs(w);
        c.max_abs_err = std::max(c.max_abs_err, diff);
        if (w != 0) c.max_rel_err = std::max(c.max_rel_err, diff / std::fabs(w));
        if (diff <= allowed) continue;
        why = absl::StrFormat("|diff| %.1e > tolerance %.1e", diff, allowed);
      }
      got_text = FloatText(got, g);
      want_text = FloatText(want, w);
    }
    if (c.mismatches++ > 0) continue;
    c.index = MultiIndex(i, got.shape);
    c.got = std::move(got_text);
    c.want = std::move(want_text);
    c.why = std::move(why);
  }
  return c;
}

std::string Describe(const Comparison& c, const Tolerance& tolerance) {
  if (c.mismatches == 0 && c.exact) return absl::StrCat("ok (all ", c.values, " values equal)");
  if (c.mismatches == 0) {
    return absl::StrFormat("ok (max abs err %.1e, max rel err %.1e, %d values)", c.max_abs_err,
                           c.max_rel_err, c.values);
  }
  std::string line = absl::StrCat("MISMATCH at ", ShapeText(c.index), ": got ", c.got, ", want ",
                                  c.want, c.why.empty() ? "" : absl::StrCat(" (", c.why, ")"), "; ",
                                  c.mismatches, " of ", c.values, " values ");
  if (c.exact) return absl::StrCat(line, "differ");
  return absl::StrCat(line, "outside rtol ", Shortest(tolerance.rtol), ", atol ",
                      Shortest(tolerance.atol));
}

}  // namespace ncc::neuron_run
