// The simulated NeuronCores behind the nrt_* C API: how many there are
// (NEURON_RT_SIM_CORES), which this process sees (NEURON_RT_VISIBLE_CORES,
// NEURON_RT_NUM_CORES), which models sit on each, and the placement rule:
// a model that keeps state on its cores (a pipelined model, or one with
// load queues) has them to itself; streaming models share theirs.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/device.h"
#include "runtime/nrt.h"
#include "runtime/nrt_internal.h"
#include "target/neuroncore.h"
#include "text/printable.h"

using ncc::runtime::nrt_internal::CheckInit;
using ncc::runtime::nrt_internal::Core;
using ncc::runtime::nrt_internal::Fail;
using ncc::runtime::nrt_internal::registry;

namespace {

// The device kind behind every core (registered by the library that
// implements it).
constexpr char kDeviceKind[] = "simulator";

constexpr int kDefaultSimCores = 2;  // one Inferentia2 chip
constexpr int kMaxSimCores = 64;
static_assert(kMaxSimCores == NRT_MAX_STAGES);

int CoresPerChip() { return ncc::target::Inferentia2().cores_per_chip; }

// "the simulator has NeuronCores 0-3 on 2 Inferentia2 chips; NEURON_RT_SIM_CORES
// sets how many", for errors about core ids.
std::string SimulatedCores(int total) {
  const int chips = (total + CoresPerChip() - 1) / CoresPerChip();
  return absl::StrCat(
      "the simulator has NeuronCore", total == 1 ? " 0" : absl::StrCat("s 0-", total - 1), " on ",
      chips, " Inferentia2 chip", chips == 1 ? "" : "s", "; NEURON_RT_SIM_CORES sets how many");
}

// NEURON_RT_SIM_CORES: how many NeuronCores the simulator provides.
absl::StatusOr<int> SimCoresFromEnvironment() {
  const char* env = std::getenv("NEURON_RT_SIM_CORES");
  if (env == nullptr || *env == '\0') return kDefaultSimCores;
  int n = 0;
  if (!absl::SimpleAtoi(env, &n) || n < 1 || n > kMaxSimCores) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NEURON_RT_SIM_CORES='", env, "': must be 1-", kMaxSimCores, " (simulated NeuronCores, ",
        CoresPerChip(), " per Inferentia2 chip; default ", kDefaultSimCores, ")"));
  }
  return n;
}

// Parses NEURON_RT_VISIBLE_CORES ("1", "0-1", "0,1") and
// NEURON_RT_NUM_CORES into the visible physical core ids among `total`, or
// an error.
absl::StatusOr<std::vector<int>> VisibleCoresFromEnvironment(int total) {
  std::vector<int> visible;
  const char* list = std::getenv("NEURON_RT_VISIBLE_CORES");
  if (list == nullptr || *list == '\0') {
    for (int c = 0; c < total; ++c) visible.push_back(c);
  } else {
    for (absl::string_view part : absl::StrSplit(list, ',')) {
      std::vector<absl::string_view> range = absl::StrSplit(part, '-');
      int lo = -1, hi = -1;
      if (range.size() > 2 || !absl::SimpleAtoi(range[0], &lo) ||
          !absl::SimpleAtoi(range.back(), &hi) || lo < 0 || hi < lo) {
        return absl::InvalidArgumentError(absl::StrCat("NEURON_RT_VISIBLE_CORES='", list, "': '",
                                                       part,
                                                       "' is not a core id or a range like 0-1"));
      }
      if (hi >= total) {
        return absl::InvalidArgumentError(absl::StrCat("NEURON_RT_VISIBLE_CORES='", list,
                                                       "': NeuronCore ", hi, " does not exist (",
                                                       SimulatedCores(total), ")"));
      }
      for (int c = lo; c <= hi; ++c) {
        for (int v : visible) {
          if (v == c) {
            return absl::InvalidArgumentError(absl::StrCat(
                "NEURON_RT_VISIBLE_CORES='", list, "': NeuronCore ", c, " is listed twice"));
          }
        }
        visible.push_back(c);
      }
    }
  }
  if (const char* num = std::getenv("NEURON_RT_NUM_CORES"); num != nullptr && *num != '\0') {
    int n = 0;
    if (!absl::SimpleAtoi(num, &n) || n < 1 || n > static_cast<int>(visible.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEURON_RT_NUM_CORES='", num, "': must be 1-", visible.size(),
                       " (the NeuronCores visible to this process; ", SimulatedCores(total), ")"));
    }
    visible.resize(n);
  }
  return visible;
}

std::vector<std::shared_ptr<Core>> MakeCores(int total) {
  std::vector<std::shared_ptr<Core>> cores;
  for (int id = 0; id < total; ++id) {
    auto core = std::make_shared<Core>();
    core->physical_id = id;
    auto device = ncc::runtime::CreateDevice(kDeviceKind, id);
    if (device.ok()) {
      core->device = *std::move(device);
    } else {
      core->device_error = std::string(device.status().message());
    }
    cores.push_back(std::move(core));
  }
  return cores;
}

// Stage k of N of `m` runs on physical core `c`.
uint32_t StageOn(const nrt_model& m, int c) {
  if (m.stages.empty()) return 0;
  for (size_t k = 0; k < m.cores.size(); ++k) {
    if (m.cores[k] == c) return static_cast<uint32_t>(k);
  }
  return 0;
}

// "model 3 ('/tmp/a.neff', stage 1 of 2, exclusive)".
std::string Holder(const nrt_model& m, int c) {
  const std::string from = m.path.empty() ? "loaded from memory" : ncc::text::QuotedName(m.path);
  const std::string stage =
      m.stages.empty() ? "" : absl::StrCat(", stage ", StageOn(m, c), " of ", m.stages.size());
  return absl::StrCat("model ", m.id, " (", from, stage, m.exclusive ? ", exclusive" : ", shared",
                      ")");
}

// "NeuronCore 1" or "NeuronCores 1-2", by logical id, for consecutive
// visible physical cores.
std::string LogicalRange(const std::vector<int>& physical) {
  const std::vector<int>& visible = registry().visible_cores;
  auto logical = [&](int p) {
    for (size_t l = 0; l < visible.size(); ++l) {
      if (visible[l] == p) return static_cast<int>(l);
    }
    return p;
  };
  if (physical.size() == 1) return absl::StrCat("NeuronCore ", logical(physical[0]));
  return absl::StrCat("NeuronCores ", logical(physical.front()), "-", logical(physical.back()));
}

}  // namespace

namespace ncc::runtime::nrt_internal {

NRT_STATUS InitCoresLocked() {
  Registry& r = registry();
  absl::StatusOr<int> total = SimCoresFromEnvironment();
  if (!total.ok()) return Fail(NRT_INVALID, absl::StrCat("nrt_init: ", total.status().message()));
  auto visible = VisibleCoresFromEnvironment(*total);
  if (!visible.ok()) {
    return Fail(NRT_INVALID, absl::StrCat("nrt_init: ", visible.status().message()));
  }
  // Models (loaded, or being loaded) hold cores of the current table only
  // while the runtime is up: after nrt_close, loads still in progress will
  // fail, so a new table is safe.
  bool in_use = false;
  if (r.initialized && !r.closed) {
    for (const auto& core : r.cores) in_use |= !core->models.empty();
  }
  if (in_use && static_cast<int>(r.cores.size()) != *total) {
    return Fail(NRT_INVALID, absl::StrCat("nrt_init: NEURON_RT_SIM_CORES=", *total,
                                          " but loaded models use the ", r.cores.size(),
                                          " NeuronCores simulated now; nrt_close() first"));
  }
  if (!in_use) {
    r.cores = MakeCores(*total);
    r.next_model_id = 1;
  }
  r.visible_cores = *std::move(visible);
  return NRT_SUCCESS;
}

std::string CoreName(int physical_id) {
  const std::vector<int>& visible = registry().visible_cores;
  for (size_t logical = 0; logical < visible.size(); ++logical) {
    if (visible[logical] != physical_id) continue;
    if (static_cast<int>(logical) == physical_id) return absl::StrCat("NeuronCore ", logical);
    return absl::StrCat("NeuronCore ", logical, " (physical ", physical_id, ")");
  }
  return absl::StrCat("physical NeuronCore ", physical_id);
}

NRT_STATUS PlaceLocked(nrt_model* m, const char* fn) {
  Registry& r = registry();
  std::vector<std::string> taken;
  for (int c : m->cores) {
    std::vector<std::string> holders;
    for (const nrt_model* other : r.cores[c]->models) {
      if (m->exclusive || other->exclusive) holders.push_back(Holder(*other, c));
    }
    if (!holders.empty()) {
      taken.push_back(absl::StrCat(CoreName(c), " is taken by ", absl::StrJoin(holders, " and ")));
    }
  }
  if (!taken.empty()) {
    std::string why;
    if (!m->stages.empty()) {
      why = absl::StrCat("this pipelined model (", m->stages.size(), " stages) needs ",
                         LogicalRange(m->cores), " to itself");
    } else if (m->exclusive) {
      why = absl::StrCat("this model keeps its weights resident (load queues) and needs ",
                         LogicalRange(m->cores), " to itself");
    } else {
      why = "a model there holds it exclusively";
    }
    return Fail(NRT_LOAD_NOT_ENOUGH_NC,
                absl::StrCat(fn, ": ", absl::StrJoin(taken, "; "), "; ", why,
                             ": nrt_unload that model or choose other NeuronCores with "
                             "start_nc"));
  }
  m->id = r.next_model_id++;
  for (int c : m->cores) {
    r.cores[c]->models.push_back(m);
    m->core_refs.push_back(r.cores[c]);
  }
  return NRT_SUCCESS;
}

void ReleaseLocked(nrt_model* m) {
  for (const std::shared_ptr<Core>& core : m->core_refs) {
    auto& models = core->models;
    for (auto it = models.begin(); it != models.end();) {
      it = *it == m ? models.erase(it) : it + 1;
    }
  }
}

}  // namespace ncc::runtime::nrt_internal

extern "C" {

NRT_STATUS nrt_get_visible_nc_count(uint32_t* nc_count) {
  if (NRT_STATUS s = CheckInit("nrt_get_visible_nc_count"); s != NRT_SUCCESS) return s;
  if (nc_count == nullptr) return Fail(NRT_INVALID, "nrt_get_visible_nc_count: null argument");
  std::lock_guard<std::mutex> lock(registry().mu);
  *nc_count = static_cast<uint32_t>(registry().visible_cores.size());
  return NRT_SUCCESS;
}

NRT_STATUS nrt_get_total_nc_count(uint32_t* nc_count) {
  if (NRT_STATUS s = CheckInit("nrt_get_total_nc_count"); s != NRT_SUCCESS) return s;
  if (nc_count == nullptr) return Fail(NRT_INVALID, "nrt_get_total_nc_count: null argument");
  std::lock_guard<std::mutex> lock(registry().mu);
  *nc_count = static_cast<uint32_t>(registry().cores.size());
  return NRT_SUCCESS;
}

NRT_STATUS nrt_get_core_info(nrt_core_info_array_t** info) {
  if (info == nullptr) return Fail(NRT_INVALID, "nrt_get_core_info: null argument");
  *info = nullptr;
  std::lock_guard<std::mutex> lock(registry().mu);
  if (NRT_STATUS s = ncc::runtime::nrt_internal::CheckInitLocked("nrt_get_core_info");
      s != NRT_SUCCESS) {
    return s;
  }
  const std::vector<int>& visible = registry().visible_cores;
  auto* out = static_cast<nrt_core_info_array_t*>(std::calloc(1, sizeof(nrt_core_info_array_t)));
  if (out == nullptr) return Fail(NRT_RESOURCE, "nrt_get_core_info: out of memory");
  out->total_core_count = static_cast<uint32_t>(registry().cores.size());
  out->cores = static_cast<nrt_core_info_t*>(
      std::calloc(visible.empty() ? 1 : visible.size(), sizeof(nrt_core_info_t)));
  if (out->cores == nullptr) {
    std::free(out);
    return Fail(NRT_RESOURCE, "nrt_get_core_info: out of memory");
  }
  for (size_t logical = 0; logical < visible.size(); ++logical) {
    const int physical = visible[logical];
    const Core& core = *registry().cores[physical];
    nrt_core_info_t& c = out->cores[logical];
    out->core_count = static_cast<uint32_t>(logical + 1);
    c.logical_nc = static_cast<int32_t>(logical);
    c.physical_nc = physical;
    c.chip = physical / CoresPerChip();
    c.models = static_cast<nrt_core_model_info_t*>(
        std::calloc(core.models.empty() ? 1 : core.models.size(), sizeof(nrt_core_model_info_t)));
    if (c.models == nullptr) {
      nrt_free_core_info(out);
      return Fail(NRT_RESOURCE, "nrt_get_core_info: out of memory");
    }
    for (const nrt_model* m : core.models) {
      nrt_core_model_info_t& mi = c.models[c.model_count];
      char* name = static_cast<char*>(std::malloc(m->path.size() + 1));
      if (name == nullptr) {
        nrt_free_core_info(out);
        return Fail(NRT_RESOURCE, "nrt_get_core_info: out of memory");
      }
      std::memcpy(name, m->path.c_str(), m->path.size() + 1);
      mi.name = name;
      mi.model_id = m->id;
      mi.stage = StageOn(*m, physical);
      mi.num_stages = m->stages.empty() ? 1 : static_cast<uint32_t>(m->stages.size());
      mi.exclusive = m->exclusive ? 1 : 0;
      ++c.model_count;
    }
  }
  *info = out;
  return NRT_SUCCESS;
}

NRT_STATUS nrt_free_core_info(nrt_core_info_array_t* info) {
  if (info == nullptr) return NRT_SUCCESS;
  for (uint32_t i = 0; i < info->core_count; ++i) {
    nrt_core_info_t& c = info->cores[i];
    for (uint32_t j = 0; j < c.model_count; ++j) std::free(const_cast<char*>(c.models[j].name));
    std::free(c.models);
  }
  std::free(info->cores);
  std::free(info);
  return NRT_SUCCESS;
}

}  // extern "C"
