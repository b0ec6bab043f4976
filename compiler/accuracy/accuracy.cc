#include "compiler/accuracy/accuracy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "neff/format.h"
#include "text/printable.h"
#include "npy/npy.h"
#include "runtime/nrt.h"

namespace ncc::accuracy {

using driver::AccuracyOptions;
using driver::OutputAccuracy;

OutputComparison::OutputComparison(std::string name, std::vector<int64_t> shape)
    : name_(std::move(name)), shape_(std::move(shape)) {
  acc_.name = name_;
}

void OutputComparison::AddSample(const std::vector<float>& ref, const std::vector<float>& cand) {
  double ref_max = 0;
  for (float r : ref) ref_max = std::max(ref_max, std::fabs(static_cast<double>(r)));
  const double floor = std::max(1e-3 * ref_max, 1e-30);
  double dot = 0, nr = 0, nc = 0;
  for (size_t i = 0; i < ref.size() && i < cand.size(); ++i) {
    const double r = ref[i], c = cand[i];
    const double err = std::fabs(c - r);
    acc_.max_abs_error = std::max(acc_.max_abs_error, err);
    acc_.max_rel_error = std::max(acc_.max_rel_error, err / std::max(std::fabs(r), floor));
    dot += r * c;
    nr += r * r;
    nc += c * c;
  }
  // Two all-zero outputs agree exactly.
  const double cosine = (nr == 0 && nc == 0) ? 1.0 : dot / std::sqrt(std::max(nr * nc, 1e-300));
  acc_.min_cosine = std::min(acc_.min_cosine, cosine);
  if (shape_.size() != 2 || shape_[1] < 2) return;
  const int64_t b = shape_[0], c = shape_[1];
  for (int64_t row = 0; row < b; ++row) {
    const float* r = ref.data() + row * c;
    const float* k = cand.data() + row * c;
    const int64_t ref_top = std::max_element(r, r + c) - r;
    std::vector<int64_t> order(c);
    std::iota(order.begin(), order.end(), 0);
    const int64_t top = std::min<int64_t>(5, c);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int64_t x, int64_t y) { return k[x] > k[y] || (k[x] == k[y] && x < y); });
    ++rows_;
    top1_ += order[0] == ref_top;
    top5_ += std::find(order.begin(), order.begin() + top, ref_top) != order.begin() + top;
  }
}

OutputAccuracy OutputComparison::Result() const {
  OutputAccuracy r = acc_;
  if (rows_ > 0) {
    r.top1_agreement = static_cast<double>(top1_) / rows_;
    r.top5_agreement = static_cast<double>(top5_) / rows_;
  }
  return r;
}

namespace {

absl::Status NrtError(const char* what, NRT_STATUS s) {
  return absl::InternalError(absl::StrCat("accuracy report: ", what, " failed: ",
                                          nrt_get_status_as_str(s), ": ", nrt_get_last_error()));
}

struct ModelDeleter {
  void operator()(nrt_model_t* m) const { nrt_unload(m); }
};
using ModelPtr = std::unique_ptr<nrt_model_t, ModelDeleter>;

struct InfoDeleter {
  void operator()(nrt_tensor_info_array_t* i) const { nrt_free_model_tensor_info(i); }
};

struct TensorSpec {
  std::string name;
  nrt_dtype_t dtype;
  std::vector<int64_t> shape;
  size_t size;
};

struct LoadedModel {
  ModelPtr model;
  std::vector<TensorSpec> inputs, outputs;
};

absl::StatusOr<LoadedModel> Load(const std::string& neff, const char* which, int start_nc,
                                 int nc_count) {
  nrt_model_t* raw = nullptr;
  if (NRT_STATUS s = nrt_load(neff.data(), neff.size(), start_nc, nc_count, &raw);
      s != NRT_SUCCESS) {
    return NrtError(absl::StrCat("loading the ", which, " program").c_str(), s);
  }
  LoadedModel m;
  m.model.reset(raw);
  nrt_tensor_info_array_t* info_raw = nullptr;
  if (NRT_STATUS s = nrt_get_model_tensor_info(raw, &info_raw); s != NRT_SUCCESS) {
    return NrtError("nrt_get_model_tensor_info", s);
  }
  std::unique_ptr<nrt_tensor_info_array_t, InfoDeleter> info(info_raw);
  for (uint64_t i = 0; i < info->tensor_count; ++i) {
    const nrt_tensor_info_t& t = info->tensor_array[i];
    TensorSpec spec{t.name, t.dtype, std::vector<int64_t>(t.shape, t.shape + t.ndim), t.size};
    (t.usage == NRT_TENSOR_USAGE_INPUT ? m.inputs : m.outputs).push_back(std::move(spec));
  }
  return m;
}

int64_t Elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Sample `s` of input `spec` as bytes in the input's dtype.
absl::StatusOr<std::string> MakeInput(const TensorSpec& spec, int s, const npy::Array* given,
                                      std::mt19937_64& rng) {
  const int64_t n = Elements(spec.shape);
  const int64_t item = n == 0 ? 0 : static_cast<int64_t>(spec.size) / n;
  std::string bytes(spec.size, '\0');
  if (given != nullptr) {
    if (given->NumElements() % std::max<int64_t>(n, 1) != 0 ||
        given->data.size() % spec.size != 0) {
      return absl::InvalidArgumentError(absl::StrCat("--accuracy-inputs: the file for input '",
                                                     spec.name, "' does not hold whole samples of ",
                                                     spec.size, " bytes"));
    }
    const size_t stack = given->data.size() / spec.size;
    std::memcpy(bytes.data(), given->data.data() + (s % stack) * spec.size, spec.size);
    return bytes;
  }
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int64_t> integer(0, 99);
  for (int64_t i = 0; i < n; ++i) {
    char* p = bytes.data() + i * item;
    switch (spec.dtype) {
      case NRT_DTYPE_FLOAT32: {
        float v = real(rng);
        std::memcpy(p, &v, 4);
        break;
      }
      case NRT_DTYPE_FLOAT64: {
        double v = real(rng);
        std::memcpy(p, &v, 8);
        break;
      }
      case NRT_DTYPE_INT64: {
        int64_t v = integer(rng);
        std::memcpy(p, &v, 8);
        break;
      }
      case NRT_DTYPE_INT32: {
        int32_t v = static_cast<int32_t>(integer(rng));
        std::memcpy(p, &v, 4);
        break;
      }
      default:
        return absl::UnimplementedError(absl::StrCat("accuracy report: input ", ncc::text::QuotedName(spec.name), " is ",
                                                     nrt_dtype_as_str(spec.dtype),
                                                     "; give it with --accuracy-inputs"));
    }
  }
  return bytes;
}

struct TensorDeleter {
  void operator()(nrt_tensor_t* t) const { nrt_tensor_free(&t); }
};
using TensorPtr = std::unique_ptr<nrt_tensor_t, TensorDeleter>;
struct SetDeleter {
  void operator()(nrt_tensor_set_t* s) const { nrt_destroy_tensor_set(&s); }
};
using SetPtr = std::unique_ptr<nrt_tensor_set_t, SetDeleter>;

// `bytes` of float32 input `spec` with each mantissa rounded to `bits` bits
// (to nearest, ties to even), as a cast to a 16-bit float would.
std::string RoundMantissas(const TensorSpec& spec, const std::string& bytes, int bits) {
  std::string out = bytes;
  if (spec.dtype != NRT_DTYPE_FLOAT32 || bits <= 0 || bits >= 23) return out;
  const int drop = 23 - bits;
  for (size_t off = 0; off + 4 <= out.size(); off += 4) {
    uint32_t u;
    std::memcpy(&u, out.data() + off, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) continue;  // inf, NaN
    const uint32_t half = (1u << (drop - 1)) - 1 + ((u >> drop) & 1u);
    u = (u + half) & ~((1u << drop) - 1);
    std::memcpy(out.data() + off, &u, 4);
  }
  return out;
}

// Runs `model` on `inputs` (bytes per model input) and returns each output
// as floats.
absl::StatusOr<std::vector<std::vector<float>>> Execute(const LoadedModel& m,
                                                        const std::vector<std::string>& inputs) {
  std::vector<TensorPtr> tensors;
  nrt_tensor_set_t* in_raw = nullptr;
  nrt_tensor_set_t* out_raw = nullptr;
  if (NRT_STATUS s = nrt_allocate_tensor_set(&in_raw); s != NRT_SUCCESS)
    return NrtError("tensor set", s);
  SetPtr in_set(in_raw);
  if (NRT_STATUS s = nrt_allocate_tensor_set(&out_raw); s != NRT_SUCCESS)
    return NrtError("tensor set", s);
  SetPtr out_set(out_raw);
  auto add = [&](const TensorSpec& spec, nrt_tensor_set_t* set) -> absl::StatusOr<nrt_tensor_t*> {
    nrt_tensor_t* t = nullptr;
    if (NRT_STATUS s =
            nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, spec.size, spec.name.c_str(), &t);
        s != NRT_SUCCESS) {
      return NrtError("nrt_tensor_allocate", s);
    }
    tensors.emplace_back(t);
    if (NRT_STATUS s = nrt_add_tensor_to_tensor_set(set, spec.name.c_str(), t); s != NRT_SUCCESS) {
      return NrtError("nrt_add_tensor_to_tensor_set", s);
    }
    return t;
  };
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    auto t = add(m.inputs[i], in_set.get());
    if (!t.ok()) return t.status();
    if (NRT_STATUS s = nrt_tensor_write(*t, inputs[i].data(), 0, inputs[i].size());
        s != NRT_SUCCESS) {
      return NrtError("nrt_tensor_write", s);
    }
  }
  std::vector<nrt_tensor_t*> outs;
  for (const TensorSpec& spec : m.outputs) {
    auto t = add(spec, out_set.get());
    if (!t.ok()) return t.status();
    outs.push_back(*t);
  }
  if (NRT_STATUS s = nrt_execute(m.model.get(), in_set.get(), out_set.get()); s != NRT_SUCCESS) {
    return NrtError("nrt_execute", s);
  }
  std::vector<std::vector<float>> results;
  for (size_t i = 0; i < outs.size(); ++i) {
    const TensorSpec& spec = m.outputs[i];
    if (spec.dtype != NRT_DTYPE_FLOAT32) {
      return absl::UnimplementedError(absl::StrCat("accuracy report: output ", ncc::text::QuotedName(spec.name), " is ",
                                                   nrt_dtype_as_str(spec.dtype), ", not float32"));
    }
    std::vector<float> v(spec.size / 4);
    if (NRT_STATUS s = nrt_tensor_read(outs[i], v.data(), 0, spec.size); s != NRT_SUCCESS) {
      return NrtError("nrt_tensor_read", s);
    }
    results.push_back(std::move(v));
  }
  return results;
}

}  // namespace

absl::StatusOr<std::vector<OutputAccuracy>> CompareOnSimulator(const std::string& reference_neff,
                                                               const std::string& candidate_neff,
                                                               const AccuracyOptions& options) {
  if (options.samples < 1) {
    return absl::InvalidArgumentError("--verify-accuracy: the sample count must be at least 1");
  }
  // A candidate pipelined over N NeuronCores takes cores 0..N-1 to itself;
  // the reference (compiled for one core) runs on core N. Unless the
  // environment sizes the simulated chip, it gets the N + 1 cores needed
  // (before nrt_init, which reads it; neuron-cc runs no other thread here).
  int stages = 1;
  if (auto model = neff::OpenModel(candidate_neff); model.ok() && (*model)->stages() != nullptr) {
    stages = std::max<int>(1, static_cast<int>((*model)->stages()->size()));
  }
  if (stages > 1 && std::getenv("NEURON_RT_SIM_CORES") == nullptr) {
    setenv("NEURON_RT_SIM_CORES", std::to_string(std::max(2, stages + 1)).c_str(), 0);
  }
  // nrt_init may already have been called by the embedding process; a
  // second call is harmless here, and the runtime stays up afterwards.
  if (NRT_STATUS s = nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""); s != NRT_SUCCESS) {
    return NrtError("nrt_init", s);
  }
  auto cand = Load(candidate_neff, "auto-cast", 0, stages);
  if (!cand.ok()) return cand.status();
  auto ref = Load(reference_neff, "FP32", stages > 1 ? stages : 0, 1);
  if (!ref.ok()) return ref.status();
  if (ref->inputs.size() != cand->inputs.size() || ref->outputs.size() != cand->outputs.size()) {
    return absl::InternalError("accuracy report: the FP32 and auto-cast programs differ in I/O");
  }
  std::map<std::string, npy::Array> given;
  for (const auto& [name, path] : options.input_files) {
    bool known = false;
    for (const TensorSpec& s : ref->inputs) known |= s.name == name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("--accuracy-inputs: the model has no input named ", ncc::text::QuotedName(name)));
    }
    auto array = npy::Read(path);
    if (!array.ok()) return array.status();
    given[name] = *std::move(array);
  }
  std::vector<OutputComparison> comparisons, sensitivity;
  for (const TensorSpec& s : ref->outputs) {
    comparisons.emplace_back(s.name, s.shape);
    sensitivity.emplace_back(s.name, s.shape);
  }
  // Only float inputs are rounded; without one the run would repeat FP32.
  bool float_input = false;
  for (const TensorSpec& s : ref->inputs) float_input |= s.dtype == NRT_DTYPE_FLOAT32;
  const int bits = float_input ? options.round_inputs_mantissa_bits : 0;
  std::mt19937_64 rng(options.seed);
  for (int sample = 0; sample < options.samples; ++sample) {
    std::vector<std::string> inputs;
    for (const TensorSpec& spec : ref->inputs) {
      auto it = given.find(spec.name);
      auto bytes = MakeInput(spec, sample, it == given.end() ? nullptr : &it->second, rng);
      if (!bytes.ok()) return bytes.status();
      inputs.push_back(*std::move(bytes));
    }
    auto r = Execute(*ref, inputs);
    if (!r.ok()) return r.status();
    auto c = Execute(*cand, inputs);
    if (!c.ok()) return c.status();
    for (size_t i = 0; i < comparisons.size(); ++i) comparisons[i].AddSample((*r)[i], (*c)[i]);
    if (bits > 0) {
      std::vector<std::string> rounded;
      for (size_t i = 0; i < inputs.size(); ++i) {
        rounded.push_back(RoundMantissas(ref->inputs[i], inputs[i], bits));
      }
      auto rr = Execute(*ref, rounded);
      if (!rr.ok()) return rr.status();
      for (size_t i = 0; i < sensitivity.size(); ++i) sensitivity[i].AddSample((*r)[i], (*rr)[i]);
    }
  }
  std::vector<OutputAccuracy> figures;
  for (size_t i = 0; i < comparisons.size(); ++i) {
    figures.push_back(comparisons[i].Result());
    if (bits > 0) figures.back().input_rounding_cosine = sensitivity[i].Result().min_cosine;
  }
  return figures;
}

}  // namespace ncc::accuracy
