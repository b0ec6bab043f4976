#include "compiler/passes/auto_cast_policy.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace ncc::passes {

std::string AutoCastPolicy::Describe() const {
  if (mode == AutoCastMode::kNone) return "none";
  std::string s = absl::StrCat(mode == AutoCastMode::kAll ? "all" : "matmult", "/",
                               type == ir::DType::kF16 ? "fp16" : "bf16");
  if (!exclude.empty()) absl::StrAppend(&s, " excluding ", absl::StrJoin(exclude, ","));
  return s;
}

absl::StatusOr<AutoCastMode> ParseAutoCastMode(absl::string_view text) {
  if (text == "none") return AutoCastMode::kNone;
  if (text == "matmult") return AutoCastMode::kMatmult;
  if (text == "all") return AutoCastMode::kAll;
  return absl::InvalidArgumentError(
      absl::StrCat("--auto-cast: unknown mode '", text, "' (expected none, matmult or all)"));
}

absl::StatusOr<ir::DType> ParseAutoCastType(absl::string_view text) {
  if (text == "bf16") return ir::DType::kBF16;
  if (text == "fp16") return ir::DType::kF16;
  return absl::InvalidArgumentError(
      absl::StrCat("--auto-cast-type: unknown type '", text, "' (expected bf16 or fp16)"));
}

absl::StatusOr<std::set<std::string>> ParseAutoCastExclude(absl::string_view text) {
  std::set<std::string> types;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    bool ok = !part.empty() && absl::ascii_isupper(part[0]);
    for (char c : part) ok &= absl::ascii_isalnum(c);
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("--auto-cast-exclude: '", part, "' is not an op type (e.g. Gemm,Conv)"));
    }
    types.insert(std::string(part));
  }
  return types;
}

absl::StatusOr<AutoCastPolicy> PolicyFromFastMath(absl::string_view values) {
  struct Method {
    const char* name;
    AutoCastMode mode;
    ir::DType type;
  };
  static const Method kMethods[] = {
      {"none", AutoCastMode::kNone, ir::DType::kBF16},
      {"all", AutoCastMode::kAll, ir::DType::kBF16},
      {"fp32-cast-all", AutoCastMode::kAll, ir::DType::kBF16},
      {"fp32-cast-matmult", AutoCastMode::kMatmult, ir::DType::kBF16},
      {"fp32-cast-matmult-bf16", AutoCastMode::kMatmult, ir::DType::kBF16},
      {"fp32-cast-all-fp16", AutoCastMode::kAll, ir::DType::kF16},
      {"fp32-cast-matmult-fp16", AutoCastMode::kMatmult, ir::DType::kF16},
  };
  std::optional<Method> chosen;
  std::string chosen_name;
  for (absl::string_view token : absl::StrSplit(values, absl::ByAnyChar(", "), absl::SkipEmpty())) {
    if (token == "no-fast-relayout") continue;
    if (token == "fast-relayout") {
      return absl::InvalidArgumentError(
          "--fast-math fast-relayout: 16-bit transposes on the Tensor engine are not "
          "implemented for this target (transposes are DMA/Vector-engine copies); "
          "leave it out or pass no-fast-relayout");
    }
    const Method* found = nullptr;
    for (const Method& m : kMethods) {
      if (token == m.name) found = &m;
    }
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--fast-math: unknown value '", token,
          "' (expected all, none, fp32-cast-all, fp32-cast-matmult, fp32-cast-matmult-bf16, "
          "fp32-cast-all-fp16, fp32-cast-matmult-fp16, no-fast-relayout)"));
    }
    if (chosen && (chosen->mode != found->mode || chosen->type != found->type)) {
      return absl::InvalidArgumentError(absl::StrCat("--fast-math: '", chosen_name, "' and '",
                                                     token, "' choose different cast methods"));
    }
    chosen = *found;
    chosen_name = std::string(token);
  }
  AutoCastPolicy policy;  // relayout switches alone keep the default (none)
  if (!chosen) return policy;
  policy.mode = chosen->mode;
  policy.type = chosen->type;
  return policy;
}

}  // namespace ncc::passes
