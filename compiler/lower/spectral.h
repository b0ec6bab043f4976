// Spectral ops: DFT and STFT as TensorE contractions against compile-time
// cos/sin matrices (the real and imaginary parts are separate matmuls
// accumulated in one PSUM tile each), and MelWeightMatrix, a compile-time
// constant computed on the host per the ONNX reference and copied out.
#ifndef NCC_COMPILER_LOWER_SPECTRAL_H_
#define NCC_COMPILER_LOWER_SPECTRAL_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckDft(const ir::Op& op);
absl::Status LowerDft(const ir::Op& op, LowerContext& ctx);
absl::Status CheckStft(const ir::Op& op);
absl::Status LowerStft(const ir::Op& op, LowerContext& ctx);
absl::Status CheckMelWeightMatrix(const ir::Op& op);
absl::Status LowerMelWeightMatrix(const ir::Op& op, LowerContext& ctx);

// The [dft_length / 2 + 1, num_mel_bins] row-major matrix of triangular
// filters, as ONNX's reference computes it (mel(f) = 2595 log10(1 + f / 700),
// num_mel_bins + 2 edges spaced by (mel(upper) - mel(lower)) /
// (num_mel_bins + 2), each edge's bin floor((dft_length + 1) f / sample_rate)).
// Fails when an edge falls outside the spectrogram's bins.
absl::StatusOr<std::vector<double>> MelWeights(int64_t num_mel_bins, int64_t dft_length,
                                               int64_t sample_rate, double lower_edge_hertz,
                                               double upper_edge_hertz);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_SPECTRAL_H_
