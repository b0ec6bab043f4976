// compare: times one model on our runtime (the NEFF on the simulated
// NeuronCore, through the nrt_* C API) against ONNX Runtime's C API on the
// same ONNX file, with the same inputs and thread count, batch 1,
// alternating A B A B after a warm-up. Prints a human-readable summary and
// one machine-readable "RESULT\t..." line (benchmarks/compare/run.sh
// collects those into benchmarks/RESULTS.md).
//
// ONNX Runtime is optional at build time and at run time: its C API header
// is used only when benchmarks/compare/run.sh has installed it
// (benchmarks/compare/ort_capi/, git-ignored), and libonnxruntime.so.1 is
// opened with dlopen at run time (--ort_lib). Without them only our side
// runs (--ort_lib=none), which is what the smoke test does.
//
// Every time measured here is host wall time; the "estimated device
// latency" is the simulator's NeuronCore-v2 estimate, not a measurement.

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "npy/npy.h"
#include "runtime/nrt.h"

#if !defined(NCC_COMPARE_NO_ORT) && __has_include("benchmarks/compare/ort_capi/onnxruntime_c_api.h")
#include "benchmarks/compare/ort_capi/onnxruntime_c_api.h"
#define NCC_COMPARE_HAS_ORT 1
#else
#define NCC_COMPARE_HAS_ORT 0
#endif

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Options {
  std::string neff;
  std::string onnx;
  std::string inputs_dir;
  std::string ort_lib = "none";
  std::string label = "model";
  int threads = 1;
  int warmup = 3;
  int iterations = 10;
  int loads = 3;
  // Pause between two timed runs, so that a side's thread pool has gone
  // idle before the other side runs: ORT's intra-op workers spin for more
  // than 10 ms after a Run (measured 2026-12-08: with a 10 ms gap our
  // 2-thread BERT took 42.6 ms in this harness against 15.5 ms without ORT
  // in the process; with 50 ms, 19 ms).
  int gap_ms = 50;
};

struct Summary {
  double median = 0, min = 0, max = 0;
};

Summary Summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.min = v.front();
  s.max = v.back();
  return s;
}

// Peak resident set of this process so far (VmHWM), in MiB.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      int64_t kb = 0;
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) {
        return kb / 1024.0;
      }
    }
  }
  return 0;
}

absl::Status NrtError(absl::string_view what, NRT_STATUS s) {
  return absl::InternalError(
      absl::StrCat(what, " failed (NRT_STATUS ", s, "): ", nrt_get_last_error()));
}

// Reads every model input from `dir`/<name>.npy.
absl::StatusOr<std::map<std::string, ncc::npy::Array>> ReadInputs(
    const std::string& dir, const std::vector<std::string>& names) {
  std::map<std::string, ncc::npy::Array> inputs;
  for (const std::string& name : names) {
    auto array = ncc::npy::Read(absl::StrCat(dir, "/", name, ".npy"));
    if (!array.ok()) return array.status();
    inputs[name] = *std::move(array);
  }
  return inputs;
}

// Our side: the NEFF loaded through nrt with `threads` simulator threads.
class OursRunner {
 public:
  ~OursRunner() {
    for (auto* t : tensors_) nrt_tensor_free(&t);
    if (inputs_) nrt_destroy_tensor_set(&inputs_);
    if (outputs_) nrt_destroy_tensor_set(&outputs_);
    if (info_) nrt_free_model_tensor_info(info_);
    if (model_) nrt_unload(model_);
  }

  // Loads the NEFF `loads` times (the last one stays loaded) and records
  // the median load time.
  absl::Status Load(const Options& opt) {
    std::vector<double> times;
    nrt_load_options_t load_options = {};
    load_options.sim_threads = static_cast<uint32_t>(opt.threads);
    for (int i = 0; i < std::max(1, opt.loads); ++i) {
      if (model_) nrt_unload(model_);
      model_ = nullptr;
      const Clock::time_point start = Clock::now();
      NRT_STATUS s =
          nrt_load_from_file_with_options(opt.neff.c_str(), 0, -1, &load_options, &model_);
      times.push_back(MsSince(start));
      if (s != NRT_SUCCESS) return NrtError("nrt_load_from_file", s);
    }
    load_ms_ = Summarize(times).median;
    if (NRT_STATUS s = nrt_get_model_tensor_info(model_, &info_); s != NRT_SUCCESS) {
      return NrtError("nrt_get_model_tensor_info", s);
    }
    for (uint64_t i = 0; i < info_->tensor_count; ++i) {
      const nrt_tensor_info_t& t = info_->tensor_array[i];
      if (t.usage == NRT_TENSOR_USAGE_INPUT) input_names_.push_back(t.name);
    }
    return absl::OkStatus();
  }

  const std::vector<std::string>& input_names() const { return input_names_; }
  double load_ms() const { return load_ms_; }

  absl::Status Bind(const std::map<std::string, ncc::npy::Array>& inputs) {
    if (NRT_STATUS s = nrt_allocate_tensor_set(&inputs_); s != NRT_SUCCESS) {
      return NrtError("nrt_allocate_tensor_set", s);
    }
    if (NRT_STATUS s = nrt_allocate_tensor_set(&outputs_); s != NRT_SUCCESS) {
      return NrtError("nrt_allocate_tensor_set", s);
    }
    for (uint64_t i = 0; i < info_->tensor_count; ++i) {
      const nrt_tensor_info_t& t = info_->tensor_array[i];
      nrt_tensor_t* tensor = nullptr;
      if (NRT_STATUS s =
              nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, t.size, t.name, &tensor);
          s != NRT_SUCCESS) {
        return NrtError("nrt_tensor_allocate", s);
      }
      tensors_.push_back(tensor);
      if (t.usage == NRT_TENSOR_USAGE_INPUT) {
        const ncc::npy::Array& a = inputs.at(t.name);
        if (a.data.size() != t.size) {
          return absl::InvalidArgumentError(absl::StrCat("input '", t.name, "' has ", a.data.size(),
                                                         " bytes; the NEFF expects ", t.size));
        }
        if (NRT_STATUS s = nrt_tensor_write(tensor, a.data.data(), 0, t.size); s != NRT_SUCCESS) {
          return NrtError("nrt_tensor_write", s);
        }
      }
      nrt_tensor_set_t* set = t.usage == NRT_TENSOR_USAGE_INPUT ? inputs_ : outputs_;
      if (NRT_STATUS s = nrt_add_tensor_to_tensor_set(set, t.name, tensor); s != NRT_SUCCESS) {
        return NrtError("nrt_add_tensor_to_tensor_set", s);
      }
    }
    return absl::OkStatus();
  }

  // One execution; returns host wall ms of the nrt_execute call.
  absl::StatusOr<double> Run() {
    nrt_execution_stats_t stats = {};
    const Clock::time_point start = Clock::now();
    NRT_STATUS s = nrt_execute_with_stats(model_, inputs_, outputs_, &stats);
    const double ms = MsSince(start);
    if (s != NRT_SUCCESS) return NrtError("nrt_execute", s);
    estimated_ms_ = stats.estimated_latency_ns / 1e6;
    return ms;
  }

  double estimated_ms() const { return estimated_ms_; }

 private:
  nrt_model_t* model_ = nullptr;
  nrt_tensor_info_array_t* info_ = nullptr;
  nrt_tensor_set_t* inputs_ = nullptr;
  nrt_tensor_set_t* outputs_ = nullptr;
  std::vector<nrt_tensor_t*> tensors_;
  std::vector<std::string> input_names_;
  double load_ms_ = 0;
  double estimated_ms_ = 0;
};

#if NCC_COMPARE_HAS_ORT
// ONNX Runtime's side, through its C API opened with dlopen.
class OrtRunner {
 public:
  ~OrtRunner() {
    if (api_ == nullptr) return;
    for (OrtValue* v : inputs_) api_->ReleaseValue(v);
    if (session_) api_->ReleaseSession(session_);
    if (memory_info_) api_->ReleaseMemoryInfo(memory_info_);
    if (env_) api_->ReleaseEnv(env_);
  }

  absl::Status Load(const Options& opt, const std::map<std::string, ncc::npy::Array>& inputs) {
    void* lib = dlopen(opt.ort_lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot open ", opt.ort_lib, ": ", dlerror()));
    }
    using GetApiBase = const OrtApiBase* (*)();
    auto get_base = reinterpret_cast<GetApiBase>(dlsym(lib, "OrtGetApiBase"));
    if (get_base == nullptr) {
      return absl::NotFoundError(absl::StrCat(opt.ort_lib, " has no OrtGetApiBase"));
    }
    const OrtApiBase* base = get_base();
    version_ = base->GetVersionString();
    // The header's API version must not exceed the library's.
    api_ = base->GetApi(ORT_API_VERSION);
    if (api_ == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "ONNX Runtime ", version_, " does not provide C API ", "version ", ORT_API_VERSION));
    }
    OrtSessionOptions* so = nullptr;
    absl::Status s = Check(api_->CreateEnv(ORT_LOGGING_LEVEL_WARNING, "compare", &env_));
    if (s.ok()) s = Check(api_->CreateSessionOptions(&so));
    if (s.ok()) s = Check(api_->SetIntraOpNumThreads(so, opt.threads));
    if (s.ok()) s = Check(api_->SetInterOpNumThreads(so, 1));
    if (s.ok()) {
      s = Check(api_->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL));
    }
    if (s.ok()) {
      s = Check(api_->CreateSession(env_, opt.onnx.c_str(), so, &session_));
    }
    if (so) api_->ReleaseSessionOptions(so);
    if (!s.ok()) return s;
    s = Check(api_->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory_info_));
    if (!s.ok()) return s;
    OrtAllocator* allocator = nullptr;
    if (s = Check(api_->GetAllocatorWithDefaultOptions(&allocator)); !s.ok()) {
      return s;
    }
    size_t num_inputs = 0, num_outputs = 0;
    if (s = Check(api_->SessionGetInputCount(session_, &num_inputs)); !s.ok()) {
      return s;
    }
    if (s = Check(api_->SessionGetOutputCount(session_, &num_outputs)); !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < num_inputs + num_outputs; ++i) {
      char* name = nullptr;
      const bool is_input = i < num_inputs;
      s = Check(is_input ? api_->SessionGetInputName(session_, i, allocator, &name)
                         : api_->SessionGetOutputName(session_, i - num_inputs, allocator, &name));
      if (!s.ok()) return s;
      (is_input ? input_names_ : output_names_).push_back(name);
      allocator->Free(allocator, name);
    }
    for (const std::string& name : input_names_) {
      auto it = inputs.find(name);
      if (it == inputs.end()) {
        return absl::NotFoundError(absl::StrCat("no sample input for ORT input '", name, "'"));
      }
      const ncc::npy::Array& a = it->second;
      ONNXTensorElementDataType type;
      if (a.dtype_descr == "<f4") {
        type = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      } else if (a.dtype_descr == "<i8") {
        type = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
      } else if (a.dtype_descr == "<i4") {
        type = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
      } else {
        return absl::UnimplementedError(
            absl::StrCat("input '", name, "': dtype ", a.dtype_descr, " not handled"));
      }
      OrtValue* value = nullptr;
      s = Check(api_->CreateTensorWithDataAsOrtValue(
          memory_info_, const_cast<uint8_t*>(a.data.data()), a.data.size(), a.shape.data(),
          a.shape.size(), type, &value));
      if (!s.ok()) return s;
      inputs_.push_back(value);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<double> Run() {
    std::vector<const char*> in_names, out_names;
    for (const auto& n : input_names_) in_names.push_back(n.c_str());
    for (const auto& n : output_names_) out_names.push_back(n.c_str());
    std::vector<OrtValue*> outputs(out_names.size(), nullptr);
    const Clock::time_point start = Clock::now();
    absl::Status s =
        Check(api_->Run(session_, nullptr, in_names.data(), inputs_.data(), inputs_.size(),
                        out_names.data(), out_names.size(), outputs.data()));
    const double ms = MsSince(start);
    for (OrtValue* v : outputs) {
      if (v) api_->ReleaseValue(v);
    }
    if (!s.ok()) return s;
    return ms;
  }

  const std::string& version() const { return version_; }

 private:
  absl::Status Check(OrtStatus* status) {
    if (status == nullptr) return absl::OkStatus();
    absl::Status s =
        absl::InternalError(absl::StrCat("ONNX Runtime: ", api_->GetErrorMessage(status)));
    api_->ReleaseStatus(status);
    return s;
  }

  const OrtApi* api_ = nullptr;
  std::string version_;
  OrtEnv* env_ = nullptr;
  OrtSession* session_ = nullptr;
  OrtMemoryInfo* memory_info_ = nullptr;
  std::vector<std::string> input_names_, output_names_;
  std::vector<OrtValue*> inputs_;
};
#endif  // NCC_COMPARE_HAS_ORT

constexpr char kUsage[] =
    "usage: compare --neff M.neff --inputs DIR [--onnx M.onnx --ort_lib "
    "LIB|none]\n"
    "               [--threads N] [--warmup N] [--iterations N] [--loads N] "
    "[--gap_ms N] [--label NAME]\n"
    "Times our runtime (NEFF on the simulated NeuronCore) against ONNX "
    "Runtime on\nthe same inputs (DIR/<input>.npy), alternating A B A B "
    "after the warm-up.\n--ort_lib none (the default) runs only our side.\n";

absl::StatusOr<Options> ParseArgs(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    std::pair<std::string, std::string> kv = absl::StrSplit(arg, absl::MaxSplits('=', 1));
    std::string key = kv.first, value = kv.second;
    if (arg.find('=') == absl::string_view::npos) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      }
      value = argv[++i];
    }
    auto as_int = [&](int* out) {
      if (!absl::SimpleAtoi(value, out) || *out < 0) {
        return absl::InvalidArgumentError(absl::StrCat(key, ": '", value, "' is not a count"));
      }
      return absl::OkStatus();
    };
    absl::Status s;
    if (key == "--neff") {
      opt.neff = value;
    } else if (key == "--onnx") {
      opt.onnx = value;
    } else if (key == "--inputs") {
      opt.inputs_dir = value;
    } else if (key == "--ort_lib") {
      opt.ort_lib = value;
    } else if (key == "--label") {
      opt.label = value;
    } else if (key == "--threads") {
      s = as_int(&opt.threads);
    } else if (key == "--warmup") {
      s = as_int(&opt.warmup);
    } else if (key == "--iterations") {
      s = as_int(&opt.iterations);
    } else if (key == "--loads") {
      s = as_int(&opt.loads);
    } else if (key == "--gap_ms") {
      s = as_int(&opt.gap_ms);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", key));
    }
    if (!s.ok()) return s;
  }
  if (opt.neff.empty() || opt.inputs_dir.empty()) {
    return absl::InvalidArgumentError("--neff and --inputs are required");
  }
  if (opt.threads < 1 || opt.iterations < 1) {
    return absl::InvalidArgumentError("--threads and --iterations must be >= 1");
  }
  if (opt.ort_lib != "none" && opt.onnx.empty()) {
    return absl::InvalidArgumentError("--ort_lib needs --onnx");
  }
  return opt;
}

absl::Status Main(const Options& opt) {
  if (NRT_STATUS s = nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""); s != NRT_SUCCESS) {
    return NrtError("nrt_init", s);
  }
  OursRunner ours;
  if (absl::Status s = ours.Load(opt); !s.ok()) return s;
  auto inputs = ReadInputs(opt.inputs_dir, ours.input_names());
  if (!inputs.ok()) return inputs.status();
  if (absl::Status s = ours.Bind(*inputs); !s.ok()) return s;

  // Our warm-up runs first and alone, so that the peak RSS is ours only
  // (before ONNX Runtime is loaded into the process).
  for (int i = 0; i < opt.warmup; ++i) {
    if (auto r = ours.Run(); !r.ok()) return r.status();
  }
  const double ours_rss_mib = PeakRssMiB();

  const bool with_ort = opt.ort_lib != "none";
#if NCC_COMPARE_HAS_ORT
  std::unique_ptr<OrtRunner> ort;
  if (with_ort) {
    ort = std::make_unique<OrtRunner>();
    if (absl::Status s = ort->Load(opt, *inputs); !s.ok()) return s;
    for (int i = 0; i < opt.warmup; ++i) {
      if (auto r = ort->Run(); !r.ok()) return r.status();
    }
  }
#else
  if (with_ort) {
    return absl::FailedPreconditionError(
        "built without ONNX Runtime's C API header "
        "(benchmarks/compare/ort_capi/onnxruntime_c_api.h); run "
        "benchmarks/compare/run.sh, which installs it, or pass --ort_lib "
        "none");
  }
#endif

  std::vector<double> ours_ms, ort_ms;
  auto gap = [&] {
    if (opt.gap_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(opt.gap_ms));
    }
  };
  for (int i = 0; i < opt.iterations; ++i) {
    gap();
    auto a = ours.Run();
    if (!a.ok()) return a.status();
    ours_ms.push_back(*a);
#if NCC_COMPARE_HAS_ORT
    if (ort) {
      gap();
      auto b = ort->Run();
      if (!b.ok()) return b.status();
      ort_ms.push_back(*b);
    }
#endif
  }
  const Summary a = Summarize(ours_ms), b = Summarize(ort_ms);
  std::printf("%s threads=%d: ours median %.3f ms (min %.3f, max %.3f) over %d runs\n",
              opt.label.c_str(), opt.threads, a.median, a.min, a.max, opt.iterations);
  if (!ort_ms.empty()) {
    std::printf(
        "%s threads=%d: ORT  median %.3f ms (min %.3f, max %.3f); "
        "ours/ORT %.2fx\n",
        opt.label.c_str(), opt.threads, b.median, b.min, b.max, a.median / b.median);
  }
  std::printf(
      "%s: NEFF load %.2f ms (median of %d), peak RSS %.1f MiB (ours only), "
      "estimated device latency %.3f ms (simulator estimate)\n",
      opt.label.c_str(), ours.load_ms(), std::max(1, opt.loads), ours_rss_mib, ours.estimated_ms());
  // label threads ours(med,min,max) ort(med,min,max) load rss estimate
  std::printf(
      "RESULT\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.1f"
      "\t%.4f\n",
      opt.label.c_str(), opt.threads, a.median, a.min, a.max, ort_ms.empty() ? 0.0 : b.median,
      ort_ms.empty() ? 0.0 : b.min, ort_ms.empty() ? 0.0 : b.max, ours.load_ms(), ours_rss_mib,
      ours.estimated_ms());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = ParseArgs(argc, argv);
  if (!opt.ok()) {
    std::fprintf(stderr, "compare: %s\n%s", opt.status().ToString().c_str(), kUsage);
    return 1;
  }
  if (absl::Status s = Main(*opt); !s.ok()) {
    std::fprintf(stderr, "compare: %s\n", s.ToString().c_str());
    return 2;
  }
  return 0;
}
