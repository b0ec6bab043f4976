// neuron-run: runs a compiled NEFF on the (simulated) NeuronCore through the
// nrt_* C API, reports its outputs and the simulator's timing estimates, and
// checks outputs against reference .npy files (--expect; exit 5 on a
// mismatch, so a build rule can use it as a test). --requests streams
// requests through the model (a pipelined one from several host threads);
// --list-cores lists the NeuronCores and what is loaded on them.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "npy/npy.h"
#include "runtime/kernels/cast.h"
#include "runtime/nrt.h"
#include "text/printable.h"
#include "tools/cli/flags.h"
#include "tools/neuron_run/core_table.h"
#include "tools/neuron_run/expect.h"
#include "tools/neuron_run/requests.h"
#include "tools/neuron_run/stream.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitBadNeff = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitExecFailure = 4;
constexpr int kExitMismatch = 5;

constexpr char kUsage[] =
    "usage: neuron-run MODEL.neff [--input NAME=FILE.npy ...] "
    "[--expect NAME=FILE.npy ...] [--tolerance RTOL[,ATOL]] [--output-dir DIR] [--seed N] "
    "[--requests K] [--iterations N [--warmup W]] [--start-nc N] [--nc-count N] [--quiet] "
    "[--allow-unsealed]\n"
    "       neuron-run --list-cores [--json] [MODEL.neff [--start-nc N] [--nc-count N] "
    "[--allow-unsealed]]\n"
    "\n"
    "Loads MODEL.neff, executes it once on the simulated NeuronCore(s)\n"
    "(NeuronCore-v2 timing model) and prints each output's dtype, shape,\n"
    "first values and min/max/mean, the measured host wall time, and the\n"
    "simulator's estimated device latency and per-engine busy time (and, for a\n"
    "model pipelined over several NeuronCores, each stage's). With --expect it\n"
    "then checks outputs against reference .npy files.\n"
    "\n"
    "  --input NAME=FILE.npy  value for model input NAME (repeatable). Inputs\n"
    "                         not given are random: uniform [-1, 1) for floats,\n"
    "                         small integers otherwise, from --seed.\n"
    "                         The .npy dtype must match the input ('<f8' is\n"
    "                         accepted for float32, '<f4' for bfloat16) and its\n"
    "                         shape must equal the model's.\n"
    "  --expect NAME=FILE.npy compare output NAME with FILE.npy after the run\n"
    "                         (repeatable). The shape must equal the output's\n"
    "                         and the dtype match it ('<f8' is accepted for\n"
    "                         float32; bfloat16 outputs compare as float32).\n"
    "                         Prints \"expect 'NAME': ok (...)\" on stdout, or\n"
    "                         \"expect 'NAME': MISMATCH at [i, j, ...]: ...\" on\n"
    "                         stderr with the first value (C order) outside the\n"
    "                         tolerance and the number of such values.\n"
    "  --tolerance RTOL[,ATOL]\n"
    "                         a float value passes --expect when |got - want| <=\n"
    "                         ATOL + RTOL * |want| (default 1e-4,1e-5; ATOL\n"
    "                         stays 1e-5 if omitted). NaN matches only NaN, an\n"
    "                         infinity only itself; integer and bool outputs\n"
    "                         must be equal.\n"
    "  --output-dir DIR       write each output to DIR/<name>.npy (characters\n"
    "                         other than [A-Za-z0-9._-] in NAME become '_';\n"
    "                         bfloat16 outputs are written as '<f4'). An\n"
    "                         existing DIR/<name>.npy is replaced only if it is\n"
    "                         a regular file and not one of the inputs or an\n"
    "                         --expect file.\n"
    "  --seed N               seed for random inputs (default 0).\n"
    "  --requests K           stream K requests (1-100000, the same inputs) through\n"
    "                         the model and also print the estimated latency of one\n"
    "                         request and the estimated steady-state throughput\n"
    "                         (simulator estimates, from a timeline of the K\n"
    "                         requests over the model's stages), and the host wall\n"
    "                         time and host throughput (host measurements). A\n"
    "                         pipelined model's requests come from min(K, stages)\n"
    "                         host threads, so its stages overlap; a single-core\n"
    "                         model's run one after another. Every request gives\n"
    "                         the same outputs (checked), which are printed and\n"
    "                         compared as for one run.\n"
    "  --iterations N         after the run, time N more executions (1-100000) one\n"
    "                         after another and print the host time per execution:\n"
    "                         min, median, max (host measurements of the simulator,\n"
    "                         not device time).\n"
    "  --warmup W             untimed executions before those (default 1).\n"
    "  --start-nc N           first logical NeuronCore of the model (nrt_load's\n"
    "                         start_nc; default 0).\n"
    "  --nc-count N           how many NeuronCores it may use (nrt_load's nc_count;\n"
    "                         default -1: as many as a pipelined model has stages,\n"
    "                         all visible from --start-nc for a single-core model).\n"
    "  --list-cores           list the NeuronCores visible to this process and what\n"
    "                         is loaded on each, after loading MODEL.neff if given\n"
    "                         (nothing is executed), as a table: NC PHYSICAL CHIP\n"
    "                         MODEL STAGE USE NAME (docs/runtime.md).\n"
    "  --json                 with --list-cores: print JSON instead.\n"
    "  --quiet                print nothing on success (MISMATCH lines still go\n"
    "                         to stderr).\n"
    "  --allow-unsealed       run MODEL.neff even if it has no seal (section\n"
    "                         checksums), e.g. one built by a test tool; its\n"
    "                         program is still verified. Without it an\n"
    "                         unsealed file is a bad NEFF.\n"
    "  --help                 this text.\n"
    "\n"
    "exit codes: 0 success, 1 usage error, 2 bad NEFF (unreadable, corrupt or\n"
    "rejected by the verifier), 3 bad input (missing or malformed .npy, unknown\n"
    "input or output name, wrong dtype or shape, for --input and --expect),\n"
    "4 execution failure (including failing to write an output), 5 an output\n"
    "differs from its --expect reference. A bad NEURON_SIM_THREADS,\n"
    "NEURON_RT_SIM_CORES, NEURON_RT_VISIBLE_CORES or NEURON_RT_NUM_CORES, and\n"
    "NeuronCores that cannot take the model (--start-nc, --nc-count, cores\n"
    "too few), are usage errors.\n"
    "Names from the model are printed with control characters escaped (\\xNN).\n";

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "neuron-run: error: %s\n", message.c_str());
  return code;
}

const char* NpyDescr(nrt_dtype_t dtype) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32:
      return "<f4";
    case NRT_DTYPE_FLOAT16:
      return "<f2";
    case NRT_DTYPE_BFLOAT16:
      return "<f4";  // numpy has no bfloat16
    case NRT_DTYPE_INT8:
      return "|i1";
    case NRT_DTYPE_UINT8:
      return "|u1";
    case NRT_DTYPE_INT32:
      return "<i4";
    case NRT_DTYPE_INT64:
      return "<i8";
    case NRT_DTYPE_BOOL:
      return "|b1";
    case NRT_DTYPE_FLOAT64:
      return "<f8";
    case NRT_DTYPE_INT16:
      return "<i2";
    case NRT_DTYPE_UINT16:
      return "<u2";
    case NRT_DTYPE_UINT32:
      return "<u4";
    case NRT_DTYPE_UINT64:
      return "<u8";
    case NRT_DTYPE_UNKNOWN:
      return "";
  }
  return "";
}

template <typename T>
T LoadAt(const uint8_t* data, size_t i) {
  T v;
  std::memcpy(&v, data + sizeof(T) * i, sizeof(T));
  return v;
}

std::string ShapeStr(const int64_t* shape, uint32_t ndim) {
  return absl::StrCat("[", absl::StrJoin(shape, shape + ndim, ", "), "]");
}

// Reads element i of a tensor's raw bytes as a double, for display.
double ElementAt(nrt_dtype_t dtype, const uint8_t* data, size_t i) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32: {
      float v;
      std::memcpy(&v, data + 4 * i, 4);
      return v;
    }
    case NRT_DTYPE_FLOAT16:
    case NRT_DTYPE_BFLOAT16: {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      return dtype == NRT_DTYPE_FLOAT16 ? ncc::kernels::F16ToF32(h) : ncc::kernels::Bf16ToF32(h);
    }
    case NRT_DTYPE_INT8:
      return static_cast<int8_t>(data[i]);
    case NRT_DTYPE_UINT8:
      return data[i];
    case NRT_DTYPE_BOOL:
      return data[i] != 0;
    case NRT_DTYPE_INT32: {
      int32_t v;
      std::memcpy(&v, data + 4 * i, 4);
      return v;
    }
    case NRT_DTYPE_INT64: {
      int64_t v;
      std::memcpy(&v, data + 8 * i, 8);
      return static_cast<double>(v);
    }
    case NRT_DTYPE_FLOAT64: {
      double v;
      std::memcpy(&v, data + 8 * i, 8);
      return v;
    }
    case NRT_DTYPE_INT16:
      return LoadAt<int16_t>(data, i);
    case NRT_DTYPE_UINT16:
      return LoadAt<uint16_t>(data, i);
    case NRT_DTYPE_UINT32:
      return LoadAt<uint32_t>(data, i);
    case NRT_DTYPE_UINT64:
      return static_cast<double>(LoadAt<uint64_t>(data, i));
    case NRT_DTYPE_UNKNOWN:
      return 0;
  }
  return 0;
}

size_t ElemSize(nrt_dtype_t dtype) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32:
    case NRT_DTYPE_INT32:
    case NRT_DTYPE_UINT32:
      return 4;
    case NRT_DTYPE_FLOAT16:
    case NRT_DTYPE_BFLOAT16:
    case NRT_DTYPE_INT16:
    case NRT_DTYPE_UINT16:
      return 2;
    case NRT_DTYPE_INT64:
    case NRT_DTYPE_FLOAT64:
    case NRT_DTYPE_UINT64:
      return 8;
    case NRT_DTYPE_INT8:
    case NRT_DTYPE_UINT8:
    case NRT_DTYPE_BOOL:
    case NRT_DTYPE_UNKNOWN:
      return 1;
  }
  return 1;
}

// Random bytes for one input (uniform [-1, 1) for floats).
std::vector<uint8_t> RandomInput(const nrt_tensor_info_t& info, std::mt19937_64& rng) {
  std::vector<uint8_t> out(info.size);
  const size_t n = info.size / std::max<size_t>(1, ElemSize(info.dtype));
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(-8, 8);
  for (size_t i = 0; i < n; ++i) {
    switch (info.dtype) {
      case NRT_DTYPE_FLOAT32: {
        float v = real(rng);
        std::memcpy(out.data() + 4 * i, &v, 4);
        break;
      }
      case NRT_DTYPE_FLOAT16:
      case NRT_DTYPE_BFLOAT16: {
        float v = real(rng);
        uint16_t h = info.dtype == NRT_DTYPE_FLOAT16 ? ncc::kernels::F32ToF16(v)
                                                     : ncc::kernels::F32ToBf16(v);
        std::memcpy(out.data() + 2 * i, &h, 2);
        break;
      }
      case NRT_DTYPE_INT32: {
        int32_t v = small(rng);
        std::memcpy(out.data() + 4 * i, &v, 4);
        break;
      }
      case NRT_DTYPE_INT64: {
        int64_t v = small(rng);
        std::memcpy(out.data() + 8 * i, &v, 8);
        break;
      }
      case NRT_DTYPE_FLOAT64: {
        double v = real(rng);
        std::memcpy(out.data() + 8 * i, &v, 8);
        break;
      }
      case NRT_DTYPE_INT8:
        out[i] = static_cast<uint8_t>(small(rng));
        break;
      case NRT_DTYPE_UINT8:
        out[i] = static_cast<uint8_t>(small(rng) + 8);
        break;
      case NRT_DTYPE_BOOL:
        out[i] = small(rng) > 0;
        break;
      case NRT_DTYPE_INT16: {
        int16_t v = static_cast<int16_t>(small(rng));
        std::memcpy(out.data() + 2 * i, &v, 2);
        break;
      }
      case NRT_DTYPE_UINT16: {
        uint16_t v = static_cast<uint16_t>(small(rng) + 8);
        std::memcpy(out.data() + 2 * i, &v, 2);
        break;
      }
      case NRT_DTYPE_UINT32: {
        uint32_t v = static_cast<uint32_t>(small(rng) + 8);
        std::memcpy(out.data() + 4 * i, &v, 4);
        break;
      }
      case NRT_DTYPE_UINT64: {
        uint64_t v = static_cast<uint64_t>(small(rng) + 8);
        std::memcpy(out.data() + 8 * i, &v, 8);
        break;
      }
      case NRT_DTYPE_UNKNOWN:
        break;
    }
  }
  return out;
}

// Converts a .npy array to the bytes of model input `info`, or explains why
// it does not fit.
bool InputBytes(const nrt_tensor_info_t& info, const std::string& path,
                const ncc::npy::Array& array, std::vector<uint8_t>* out, std::string* error) {
  const std::string want_shape = ShapeStr(info.shape, info.ndim);
  const std::string got_shape =
      ShapeStr(array.shape.data(), static_cast<uint32_t>(array.shape.size()));
  if (want_shape != got_shape) {
    *error = absl::StrCat(path, ": input '", ncc::text::PrintableName(info.name),
                          "' expects shape ", want_shape, " but the file has ", got_shape);
    return false;
  }
  const std::string want = NpyDescr(info.dtype);
  const size_t n = static_cast<size_t>(array.NumElements());
  if (info.dtype == NRT_DTYPE_FLOAT32 && array.dtype_descr == "<f8") {
    out->resize(n * 4);
    for (size_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, array.data.data() + 8 * i, 8);
      float f = static_cast<float>(d);
      std::memcpy(out->data() + 4 * i, &f, 4);
    }
    return true;
  }
  if (info.dtype == NRT_DTYPE_BFLOAT16 && array.dtype_descr == "<f4") {
    out->resize(n * 2);
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, array.data.data() + 4 * i, 4);
      uint16_t h = ncc::kernels::F32ToBf16(f);
      std::memcpy(out->data() + 2 * i, &h, 2);
    }
    return true;
  }
  if (array.dtype_descr != want) {
    *error = absl::StrCat(path, ": input '", ncc::text::PrintableName(info.name), "' is ",
                          nrt_dtype_as_str(info.dtype), " (npy '", want, "') but the file holds '",
                          array.dtype_descr, "'");
    return false;
  }
  *out = array.data;
  return true;
}

// Output bytes as a .npy array (bfloat16 widened to float32).
ncc::npy::Array OutputArray(const nrt_tensor_info_t& info, const std::vector<uint8_t>& bytes) {
  ncc::npy::Array a;
  a.dtype_descr = NpyDescr(info.dtype);
  a.shape.assign(info.shape, info.shape + info.ndim);
  if (info.dtype == NRT_DTYPE_BFLOAT16) {
    const size_t n = bytes.size() / 2;
    a.data.resize(n * 4);
    for (size_t i = 0; i < n; ++i) {
      float f = static_cast<float>(ElementAt(info.dtype, bytes.data(), i));
      std::memcpy(a.data.data() + 4 * i, &f, 4);
    }
  } else {
    a.data = bytes;
  }
  return a;
}

std::string Sanitise(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out == "." || out == "..") out = "output" + out;
  return out;
}

std::string Fmt(double v) { return absl::StrCat(v); }

using NamedFiles = std::vector<std::pair<std::string, std::string>>;  // name, path

// Splits the NAME=FILE.npy values of `flag`, or explains which one is not.
bool SplitNamedFiles(const std::string& flag, const std::vector<std::string>& values,
                     NamedFiles* out, std::string* error) {
  for (const std::string& v : values) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      *error = absl::StrCat(flag, " '", v, "' is not NAME=FILE.npy");
      return false;
    }
    out->emplace_back(v.substr(0, eq), v.substr(eq + 1));
  }
  return true;
}

// The model's input or output called `name`, or null.
const nrt_tensor_info_t* FindTensor(const nrt_tensor_info_array_t& info, nrt_tensor_usage_t usage,
                                    const std::string& name) {
  for (uint64_t i = 0; i < info.tensor_count; ++i) {
    const nrt_tensor_info_t& t = info.tensor_array[i];
    if (t.usage == usage && name == t.name) return &t;
  }
  return nullptr;
}

// The names of the model's inputs or outputs, escaped, for an error message.
std::string TensorNames(const nrt_tensor_info_array_t& info, nrt_tensor_usage_t usage) {
  std::vector<std::string> names;
  for (uint64_t i = 0; i < info.tensor_count; ++i) {
    const nrt_tensor_info_t& t = info.tensor_array[i];
    if (t.usage == usage) names.push_back(ncc::text::PrintableName(t.name));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// Owns every runtime object, so each early return cleans up.
struct Session {
  nrt_model_t* model = nullptr;
  nrt_tensor_info_array_t* info = nullptr;
  nrt_tensor_set_t* inputs = nullptr;
  nrt_tensor_set_t* outputs = nullptr;
  std::vector<nrt_tensor_t*> tensors;
  bool initialized = false;

  ~Session() {
    nrt_destroy_tensor_set(&inputs);
    nrt_destroy_tensor_set(&outputs);
    for (nrt_tensor_t*& t : tensors) nrt_tensor_free(&t);
    if (info) nrt_free_model_tensor_info(info);
    if (model) nrt_unload(model);
    if (initialized) nrt_close();
  }
};

// An integer flag's value in [lo, hi], or nullopt.
std::optional<int> IntIn(const std::string& text, int lo, int hi) {
  int v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < lo || v > hi) return std::nullopt;
  return v;
}

// Prints the NeuronCores and what is loaded on each (--list-cores).
int ListCores(bool json) {
  nrt_core_info_array_t* cores = nullptr;
  if (nrt_get_core_info(&cores) != NRT_SUCCESS) return Fail(kExitExecFailure, nrt_get_last_error());
  const std::string text =
      json ? ncc::neuron_run::CoreJson(*cores) : ncc::neuron_run::CoreTable(*cores);
  nrt_free_core_info(cores);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

int Main(int argc, char** argv) {
  std::string output_dir, seed_text = "0", tolerance_text, requests_text = "1", start_nc_text = "0",
                          nc_count_text = "-1";
  std::vector<std::string> input_flags, expect_flags, positionals;
  bool quiet = false, allow_unsealed = false, list_cores = false, json = false;
  ncc::cli::CommandLine cli("neuron-run", kUsage, kExitUsage);
  cli.Repeated("--input", &input_flags, "NAME=FILE.npy");
  cli.Repeated("--expect", &expect_flags, "NAME=FILE.npy");
  cli.Value("--tolerance", &tolerance_text, "RTOL[,ATOL]");
  cli.Value("--output-dir", &output_dir, "a directory");
  cli.Value("--seed", &seed_text, "a non-negative integer");
  cli.Switch("--quiet,-q", &quiet);
  cli.Switch("--allow-unsealed", &allow_unsealed);
  cli.Value("--requests", &requests_text, "a count");
  std::string iterations_text, warmup_text = "1";
  cli.Value("--iterations", &iterations_text, "a count");
  cli.Value("--warmup", &warmup_text, "a count");
  cli.Value("--start-nc", &start_nc_text, "a NeuronCore id");
  cli.Value("--nc-count", &nc_count_text, "a count or -1");
  cli.Switch("--list-cores", &list_cores);
  cli.Switch("--json", &json);
  cli.Positionals(&positionals);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  NamedFiles given, expect_given;
  std::string error;
  if (!SplitNamedFiles("--input", input_flags, &given, &error) ||
      !SplitNamedFiles("--expect", expect_flags, &expect_given, &error)) {
    return Fail(kExitUsage, error);
  }
  bool tolerance_given = false;
  for (const ncc::cli::FlagUse& flag : cli.FlagsInOrder()) {
    if (flag.name == "--output-dir" && output_dir.empty()) {
      return Fail(kExitUsage, "--output-dir needs a directory");
    }
    tolerance_given |= flag.name == "--tolerance";
  }
  ncc::neuron_run::Tolerance tolerance;
  if (tolerance_given) {
    std::optional<ncc::neuron_run::Tolerance> parsed =
        ncc::neuron_run::ParseTolerance(tolerance_text);
    if (!parsed) {
      return Fail(kExitUsage, absl::StrCat("--tolerance '", tolerance_text,
                                           "' is not RTOL[,ATOL] (non-negative numbers)"));
    }
    tolerance = *parsed;
  }
  if (seed_text.empty() || seed_text.find_first_not_of("0123456789") != std::string::npos ||
      seed_text.size() > 19) {
    return Fail(kExitUsage, "--seed needs a non-negative integer");
  }
  const uint64_t seed = std::stoull(seed_text);
  const std::optional<int> requests = IntIn(requests_text, 1, 100000);
  if (!requests)
    return Fail(kExitUsage, absl::StrCat("--requests '", requests_text, "' is not 1-100000"));
  int iterations = 0;
  if (!iterations_text.empty()) {
    const std::optional<int> n = IntIn(iterations_text, 1, 100000);
    if (!n) {
      return Fail(kExitUsage, absl::StrCat("--iterations '", iterations_text, "' is not 1-100000"));
    }
    iterations = *n;
  }
  const std::optional<int> warmup = IntIn(warmup_text, 0, 100000);
  if (!warmup) {
    return Fail(kExitUsage, absl::StrCat("--warmup '", warmup_text, "' is not 0-100000"));
  }
  for (const ncc::cli::FlagUse& flag : cli.FlagsInOrder()) {
    if (flag.name == "--warmup" && iterations == 0) {
      return Fail(kExitUsage, "--warmup goes with --iterations");
    }
  }
  const std::optional<int> start_nc = IntIn(start_nc_text, 0, 1 << 20);
  if (!start_nc)
    return Fail(kExitUsage, absl::StrCat("--start-nc '", start_nc_text,
                                         "' is not a NeuronCore id (0, 1, ...)"));
  const std::optional<int> nc_count = IntIn(nc_count_text, -1, 1 << 20);
  if (!nc_count || *nc_count == 0) {
    return Fail(kExitUsage,
                absl::StrCat("--nc-count '", nc_count_text, "' is not a count (1, 2, ...) or -1"));
  }
  if (json && !list_cores) return Fail(kExitUsage, "--json goes with --list-cores");
  if (list_cores) {
    // Listing runs nothing: flags about a run make no sense with it.
    for (const ncc::cli::FlagUse& flag : cli.FlagsInOrder()) {
      if (flag.name != "--list-cores" && flag.name != "--json" && flag.name != "--start-nc" &&
          flag.name != "--nc-count" && flag.name != "--allow-unsealed") {
        return Fail(kExitUsage, absl::StrCat(flag.name,
                                             " does not go with --list-cores (which "
                                             "loads MODEL.neff, if given, but runs nothing)"));
      }
    }
  } else if (positionals.empty()) {
    return Fail(kExitUsage, "no MODEL.neff given");
  }
  if (positionals.size() > 1) {
    return Fail(kExitUsage,
                absl::StrCat("unexpected argument '", positionals[1], "' (one MODEL.neff only)"));
  }

  Session s;
  if (nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "") != NRT_SUCCESS) {
    // NRT_INVALID: NEURON_RT_SIM_CORES, NEURON_RT_VISIBLE_CORES or
    // NEURON_RT_NUM_CORES.
    return Fail(kExitUsage, nrt_get_last_error());
  }
  s.initialized = true;
  if (list_cores && positionals.empty()) return ListCores(json);
  const std::string& model_path = positionals[0];
  nrt_load_options_t load_options{};
  load_options.allow_unsealed = allow_unsealed ? 1 : 0;
  NRT_STATUS st = nrt_load_from_file_with_options(model_path.c_str(), *start_nc, *nc_count,
                                                  &load_options, &s.model);
  if (st != NRT_SUCCESS) {
    std::string message = nrt_get_last_error();
    // NRT_INVALID is the environment's configuration (NEURON_SIM_THREADS,
    // NEURON_RT_VISIBLE_CORES) or --start-nc / --nc-count, not the file; so
    // are NeuronCores too few for the model: usage errors.
    if (st == NRT_INVALID) return Fail(kExitUsage, message);
    if (st == NRT_LOAD_NOT_ENOUGH_NC) {
      return Fail(kExitUsage, message +
                                  " (--start-nc, --nc-count; NEURON_RT_SIM_CORES sets how many "
                                  "NeuronCores the simulator has)");
    }
    if (message.find("is not sealed") != std::string::npos) message += " (--allow-unsealed)";
    return Fail(kExitBadNeff, message);
  }
  if (list_cores) return ListCores(json);
  if (nrt_get_model_tensor_info(s.model, &s.info) != NRT_SUCCESS) {
    return Fail(kExitExecFailure, nrt_get_last_error());
  }

  // Check every --input names a model input, once.
  std::map<std::string, std::string> by_name;
  for (const auto& [name, path] : given) {
    if (!FindTensor(*s.info, NRT_TENSOR_USAGE_INPUT, name)) {
      return Fail(kExitBadInput, absl::StrCat("--input '", ncc::text::PrintableName(name),
                                              "': the model has no such input (inputs: ",
                                              TensorNames(*s.info, NRT_TENSOR_USAGE_INPUT), ")"));
    }
    if (!by_name.emplace(name, path).second) {
      return Fail(kExitBadInput,
                  absl::StrCat("--input '", ncc::text::PrintableName(name), "' given twice"));
    }
  }

  // Check every --expect names a model output, once, with a reference that
  // fits it, before spending time on the run.
  std::map<std::string, ncc::npy::Array> expected;
  for (const auto& [name, path] : expect_given) {
    const std::string flag = absl::StrCat("--expect '", ncc::text::PrintableName(name), "'");
    const nrt_tensor_info_t* output = FindTensor(*s.info, NRT_TENSOR_USAGE_OUTPUT, name);
    if (!output) {
      return Fail(kExitBadInput,
                  absl::StrCat(flag, " (", path, "): the model has no such output (outputs: ",
                               TensorNames(*s.info, NRT_TENSOR_USAGE_OUTPUT), ")"));
    }
    if (expected.count(name)) return Fail(kExitBadInput, absl::StrCat(flag, " given twice"));
    auto array = ncc::npy::Read(path);
    if (!array.ok()) return Fail(kExitBadInput, absl::StrCat(flag, ": ", array.status().message()));
    if (absl::Status fits = ncc::neuron_run::CheckComparable(
            NpyDescr(output->dtype), absl::MakeConstSpan(output->shape, output->ndim), *array,
            path);
        !fits.ok()) {
      return Fail(kExitBadInput, absl::StrCat(flag, ": ", fits.message()));
    }
    expected.emplace(name, *std::move(array));
  }

  if (nrt_allocate_tensor_set(&s.inputs) != NRT_SUCCESS ||
      nrt_allocate_tensor_set(&s.outputs) != NRT_SUCCESS) {
    return Fail(kExitExecFailure, nrt_get_last_error());
  }
  std::mt19937_64 rng(seed);
  std::vector<std::pair<const nrt_tensor_info_t*, nrt_tensor_t*>> outputs;
  for (uint64_t i = 0; i < s.info->tensor_count; ++i) {
    const nrt_tensor_info_t& t = s.info->tensor_array[i];
    nrt_tensor_t* tensor = nullptr;
    if (nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, t.size, t.name, &tensor) !=
        NRT_SUCCESS) {
      return Fail(kExitExecFailure, nrt_get_last_error());
    }
    s.tensors.push_back(tensor);
    if (t.usage == NRT_TENSOR_USAGE_OUTPUT) {
      nrt_add_tensor_to_tensor_set(s.outputs, t.name, tensor);
      outputs.emplace_back(&t, tensor);
      continue;
    }
    std::vector<uint8_t> bytes;
    auto it = by_name.find(t.name);
    if (it == by_name.end()) {
      bytes = RandomInput(t, rng);
    } else {
      auto array = ncc::npy::Read(it->second);
      if (!array.ok()) return Fail(kExitBadInput, std::string(array.status().message()));
      std::string error;
      if (!InputBytes(t, it->second, *array, &bytes, &error)) {
        return Fail(kExitBadInput, error);
      }
    }
    if (nrt_tensor_write(tensor, bytes.data(), 0, bytes.size()) != NRT_SUCCESS ||
        nrt_add_tensor_to_tensor_set(s.inputs, t.name, tensor) != NRT_SUCCESS) {
      return Fail(kExitBadInput, nrt_get_last_error());
    }
  }

  nrt_execution_stats_t stats{};
  // A pipelined model's requests come from several threads, so that one
  // request's stage 1 runs while the next one's stage 0 does.
  int stages = 1;
  {
    nrt_core_info_array_t* cores = nullptr;
    if (nrt_get_core_info(&cores) == NRT_SUCCESS) {
      for (uint32_t c = 0; c < cores->core_count; ++c) {
        for (uint32_t m = 0; m < cores->cores[c].model_count; ++m) {
          stages = std::max(stages, static_cast<int>(cores->cores[c].models[m].num_stages));
        }
      }
      nrt_free_core_info(cores);
    }
  }
  const int threads = std::min(*requests, stages);
  ncc::neuron_run::Requests run =
      ncc::neuron_run::RunRequests(s.model, *s.info, s.inputs, s.outputs, *requests, threads);
  if (run.status != NRT_SUCCESS) {
    return Fail(run.status == NRT_EXEC_BAD_INPUT ? kExitBadInput : kExitExecFailure, run.error);
  }
  stats = run.first;
  ncc::neuron_run::IterationTimes timed;
  if (iterations > 0) {
    timed = ncc::neuron_run::TimeIterations(s.model, s.inputs, s.outputs, *warmup, iterations);
    if (timed.status != NRT_SUCCESS) {
      return Fail(timed.status == NRT_EXEC_BAD_INPUT ? kExitBadInput : kExitExecFailure,
                  timed.error);
    }
  }

  // Outputs never replace the NEFF, an --input or an --expect file
  // (npy::Write checks).
  std::vector<std::string> input_files = {model_path};
  for (const auto& [name, path] : given) input_files.push_back(path);
  for (const auto& [name, path] : expect_given) input_files.push_back(path);
  if (!output_dir.empty()) {
    struct stat sb;
    if (stat(output_dir.c_str(), &sb) != 0 && mkdir(output_dir.c_str(), 0755) != 0) {
      return Fail(kExitExecFailure,
                  absl::StrCat(output_dir, ": cannot create the output directory"));
    }
  }
  std::vector<std::string> expect_ok, expect_mismatch;  // "expect 'NAME': ..." lines
  for (const auto& [info, tensor] : outputs) {
    std::vector<uint8_t> bytes(info->size);
    if (nrt_tensor_read(tensor, bytes.data(), 0, bytes.size()) != NRT_SUCCESS) {
      return Fail(kExitExecFailure, nrt_get_last_error());
    }
    if (!output_dir.empty()) {
      const std::string path = absl::StrCat(output_dir, "/", Sanitise(info->name), ".npy");
      if (absl::Status w = ncc::npy::Write(path, OutputArray(*info, bytes), input_files); !w.ok()) {
        return Fail(kExitExecFailure, std::string(w.message()));
      }
    }
    if (auto want = expected.find(info->name); want != expected.end()) {
      const ncc::neuron_run::Comparison c =
          ncc::neuron_run::Compare(OutputArray(*info, bytes), want->second, tolerance);
      (c.mismatches == 0 ? expect_ok : expect_mismatch)
          .push_back(absl::StrCat("expect '", ncc::text::PrintableName(info->name),
                                  "': ", ncc::neuron_run::Describe(c, tolerance)));
    }
    if (quiet) continue;
    const size_t n = info->size / ElemSize(info->dtype);
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    std::vector<std::string> first;
    for (size_t i = 0; i < n; ++i) {
      double v = ElementAt(info->dtype, bytes.data(), i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      if (i < 8) first.push_back(Fmt(v));
    }
    std::printf("output '%s': %s %s\n", ncc::text::PrintableName(info->name).c_str(),
                nrt_dtype_as_str(info->dtype), ShapeStr(info->shape, info->ndim).c_str());
    std::printf("  values: [%s%s] (first %zu of %zu)\n", absl::StrJoin(first, ", ").c_str(),
                n > first.size() ? ", ..." : "", first.size(), n);
    if (n > 0) {
      std::printf("  min %s  max %s  mean %s\n", Fmt(lo).c_str(), Fmt(hi).c_str(),
                  Fmt(sum / n).c_str());
    }
  }
  if (!quiet) {
    if (*requests == 1) std::printf("host wall time: %.3f ms\n", run.wall_ms);
    if (iterations > 0) ncc::neuron_run::PrintIterations(timed, *warmup);
    std::printf("estimated device latency (simulator estimate, NeuronCore-v2): %.3f us\n",
                stats.estimated_latency_ns / 1000.0);
    std::printf(
        "  engine busy (simulator estimates): Tensor %.3f us (%llu instr), "
        "Vector %.3f us (%llu), Scalar %.3f us (%llu), GpSimd %.3f us (%llu), "
        "DMA %.3f us (%llu, %llu bytes)\n",
        stats.tensor_busy_ns / 1000.0, static_cast<unsigned long long>(stats.tensor_instructions),
        stats.vector_busy_ns / 1000.0, static_cast<unsigned long long>(stats.vector_instructions),
        stats.scalar_busy_ns / 1000.0, static_cast<unsigned long long>(stats.scalar_instructions),
        stats.gpsimd_busy_ns / 1000.0, static_cast<unsigned long long>(stats.gpsimd_instructions),
        stats.dma_busy_ns / 1000.0, static_cast<unsigned long long>(stats.dma_instructions),
        static_cast<unsigned long long>(stats.dma_bytes));
    std::printf(
        "  Tensor engine utilisation (estimate): %.1f%%; semaphore waits "
        "(estimate): %.3f us\n",
        stats.tensor_utilization * 100.0, stats.semaphore_wait_ns / 1000.0);
    if (stats.num_stages > 1) ncc::neuron_run::PrintStages(stats);
    if (*requests > 1) {
      ncc::neuron_run::PrintStream(ncc::neuron_run::SimulateStream(run.times), stats.num_stages,
                                   threads, run.wall_ms);
    }
    for (const std::string& line : expect_ok) std::printf("%s\n", line.c_str());
  }
  for (const std::string& line : expect_mismatch) std::fprintf(stderr, "%s\n", line.c_str());
  return expect_mismatch.empty() ? kExitOk : kExitMismatch;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
