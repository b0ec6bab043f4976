// Runs a graph written in the IR's text form through the whole back end
// (lower, allocate, schedule, emit the NEFF) and on the simulated NeuronCore,
// with the host-side helpers the per-family lowering tests share: random
// data, bf16/f16 conversions, per-dtype element I/O and a comparison with a
// reference.
#ifndef NCC_COMPILER_LOWER_TESTING_LOWERING_HARNESS_H_
#define NCC_COMPILER_LOWER_TESTING_LOWERING_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/alloc/residency.h"
#include "target/isa_generated.h"

namespace ncc::lower::harness {

using Tensor = std::vector<float>;

// `n` floats uniform in [-1, 1), the same for the same seed.
std::vector<float> Random(int64_t n, uint32_t seed);

// Host <-> device element conversions for the test's I/O.
uint16_t ToBf16(float f);
float FromBf16(uint16_t h);
float RoundBf16(float f);
// Element `i` of a device buffer of `dtype` at `base`, as a float.
void StoreAs(neff::DType dtype, float v, uint8_t* base, size_t i);
float LoadAs(neff::DType dtype, const uint8_t* base, size_t i);

// Compiles `text` and runs it on the simulator with `inputs` (by name);
// `opset` 0 means the latest semantics. The execution must succeed unless
// `run_status` is given, which then receives its status. Intermediates stay
// in SBUF where they fit (as in the driver); `residency` receives what that
// did.
std::map<std::string, Tensor> CompileAndRun(const std::string& text,
                                            const std::map<std::string, Tensor>& inputs,
                                            bool fuse = true, int64_t opset = 0,
                                            absl::Status* run_status = nullptr,
                                            alloc::ResidencyStats* residency = nullptr);

// The largest absolute error, relative to the largest reference magnitude,
// is at most `tol`.
void ExpectClose(const Tensor& got, const Tensor& want, double tol = 1e-5);

// A fused activation by name ("Relu", "Sigmoid", "Tanh", "Exp"; identity
// otherwise).
float Act(const std::string& name, float x);

// Dims as the IR text writes them: "2,3,4".
std::string Dims(const std::vector<int64_t>& d);

// A float attribute in the IR text form (always with a '.').
std::string FloatAttr(float f);
// Floats as a constant's values in the IR text form: "1.0, -0.5".
std::string FloatList(const Tensor& v);

}  // namespace ncc::lower::harness

#endif  // NCC_COMPILER_LOWER_TESTING_LOWERING_HARNESS_H_
