// The Tensor engine's matmul: out[m][n] = (accumulate ? out[m][n] : 0) +
// sum_k stationary[k][m] * moving[k][n], accumulated in fp32.
//
// fp32 inputs: the sum starts at 0 and takes k in order with a fused
// multiply-add (sum = fma(st, mv, sum)), then is added to the accumulator.
// Every fp32 path (scalar reference, AVX2 FMA, AVX-512 FMA) keeps exactly
// that order, so they are bit-identical.
//
// bf16 inputs: products of two bf16 values are exact in fp32; the reference
// sums them in k order. The AVX512-BF16 (vdpbf16ps) and AMX (tdpbf16ps)
// paths add k in pairs, round differently and flush denormals, so they
// agree with the reference to fp32 accumulation error (tests bound it).
#ifndef NCC_RUNTIME_KERNELS_MATMUL_H_
#define NCC_RUNTIME_KERNELS_MATMUL_H_

#include <cstdint>

namespace ncc::kernels {

// Row k of stationary starts at stationary + k * stationary_ld (M contiguous
// floats); row k of moving at moving + k * moving_ld (N floats); row m of out
// at out + m * out_ld (N floats).
struct MatmulArgs {
  int k;
  int m;
  int n;
  const float* stationary;
  int64_t stationary_ld;
  const float* moving;
  int64_t moving_ld;
  float* out;
  int64_t out_ld;
  bool accumulate;
};

// As MatmulArgs with bf16 operands (raw bits); lds in elements.
struct MatmulBf16Args {
  int k;
  int m;
  int n;
  const uint16_t* stationary;
  int64_t stationary_ld;
  const uint16_t* moving;
  int64_t moving_ld;
  float* out;
  int64_t out_ld;
  bool accumulate;
};

// Implementations a caller (benchmarks, tests) may ask for by name.
enum class MatmulPath : uint8_t {
  kReference,  // scalar
  kPortable,   // AVX2 + FMA (x86-64-v3), the scalar reference without them;
               // bf16: widened to fp32, then AVX-512F FMA where the CPU has
               // it (AVX-512 without AVX512-BF16), else AVX2 + FMA
  kAvx512,     // fp32: AVX-512F FMA; bf16: AVX512-BF16 vdpbf16ps
  kAmx,        // bf16 only: AMX tiles (tdpbf16ps)
};
const char* MatmulPathName(MatmulPath path);

// Whether this CPU (and OS) can run `path` for fp32 / bf16 inputs. kAmx asks
// the kernel for tile-data permission (arch_prctl) on first use.
bool MatmulF32PathAvailable(MatmulPath path);
bool MatmulBf16PathAvailable(MatmulPath path);

// The best available path (what MatmulF32 / MatmulBf16 use).
MatmulPath BestMatmulF32Path();
MatmulPath BestMatmulBf16Path();

void MatmulF32Reference(const MatmulArgs& args);
// Best path; k, m <= 128 and n <= 512 run fast, larger shapes fall back to
// the reference. Bit-identical to the reference.
void MatmulF32(const MatmulArgs& args);
// `path` must be available for fp32 (kAmx is not).
void MatmulF32With(MatmulPath path, const MatmulArgs& args);

void MatmulBf16Reference(const MatmulBf16Args& args);
void MatmulBf16(const MatmulBf16Args& args);
// `path` must be available for bf16.
void MatmulBf16With(MatmulPath path, const MatmulBf16Args& args);

}  // namespace ncc::kernels

#endif  // NCC_RUNTIME_KERNELS_MATMUL_H_
