// neuron-run --list-cores: the NeuronCores visible to the process and what
// is loaded on each (nrt_get_core_info), as a plain-text table or JSON.
// Scripts read these, so both formats are stable (docs/runtime.md,
// "Several NeuronCores"): new columns or keys may be added, never renamed.
//
// Table: a header line, then one line per (core, model) and one line for a
// core with nothing loaded; columns separated by spaces, the last (NAME)
// taking the rest of the line:
//   NC  PHYSICAL  CHIP  MODEL  STAGE  USE        NAME
//   0   0         0     1      0/2    exclusive  /models/pipe.neff
//   1   1         0     1      1/2    exclusive  /models/pipe.neff
//   2   2         1     -      -      free       -
// MODEL is the load-order id, STAGE k/N the stage the core runs (0/1 for a
// single-core model), USE free / shared / exclusive, NAME the model's file
// ("(memory)" for a model loaded from memory), escaped as in messages.
//
// JSON: {"total_cores": N, "cores": [{"nc": 0, "physical": 0, "chip": 0,
//   "models": [{"id": 1, "name": "...", "stage": 0, "num_stages": 2,
//   "exclusive": true}]}, ...]}.
#ifndef NCC_TOOLS_NEURON_RUN_CORE_TABLE_H_
#define NCC_TOOLS_NEURON_RUN_CORE_TABLE_H_

#include <string>

#include "runtime/nrt.h"

namespace ncc::neuron_run {

std::string CoreTable(const nrt_core_info_array_t& info);
std::string CoreJson(const nrt_core_info_array_t& info);

}  // namespace ncc::neuron_run

#endif  // NCC_TOOLS_NEURON_RUN_CORE_TABLE_H_
