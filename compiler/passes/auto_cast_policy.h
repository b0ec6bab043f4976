// What auto-cast does: which ops compute in a 16-bit float type and which
// one. Built from neuronx-cc's `--auto-cast {none,matmult,all}` with
// `--auto-cast-type {bf16,fp16}`, or from neuron-cc's `--fast-math` values;
// `--auto-cast-exclude=Gemm,Conv` keeps op types in FP32. See docs/passes.md.
#ifndef NCC_COMPILER_PASSES_AUTO_CAST_POLICY_H_
#define NCC_COMPILER_PASSES_AUTO_CAST_POLICY_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/dtype.h"

namespace ncc::passes {

enum class AutoCastMode {
  kNone,     // every op computes in the model's types
  kMatmult,  // Conv/Gemm/MatMul operands in 16 bits, FP32 accumulate/output
  kAll,      // every float compute op in 16 bits (FP32 PSUM accumulation)
};

struct AutoCastPolicy {
  AutoCastMode mode = AutoCastMode::kNone;
  ir::DType type = ir::DType::kBF16;  // kBF16 or kF16
  std::set<std::string> exclude;      // op types that stay FP32

  bool enabled() const { return mode != AutoCastMode::kNone; }
  // "none", "matmult/bf16", "all/fp16 excluding Gemm,Conv"
  std::string Describe() const;
};

absl::StatusOr<AutoCastMode> ParseAutoCastMode(absl::string_view text);
absl::StatusOr<ir::DType> ParseAutoCastType(absl::string_view text);
// "Gemm,Conv" -> {"Conv", "Gemm"}; op types must look like ONNX op types.
absl::StatusOr<std::set<std::string>> ParseAutoCastExclude(absl::string_view text);

// neuron-cc `--fast-math` values, space or comma separated: all, none,
// fp32-cast-all, fp32-cast-matmult, fp32-cast-matmult-bf16,
// fp32-cast-all-fp16, fp32-cast-matmult-fp16, no-fast-relayout (accepted:
// transposes here never use 16-bit Tensor-engine relayout). fast-relayout is
// rejected with the reason. Two cast methods that disagree are an error.
absl::StatusOr<AutoCastPolicy> PolicyFromFastMath(absl::string_view values);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_AUTO_CAST_POLICY_H_
