// The compile report as JSON (`neuron-cc compile --report FILE`): what a
// build system keeps next to the NEFF. It holds the compiler's estimates,
// instruction counts, on-chip memory peaks and the NEFF's I/O signature, and
// nothing that depends on when, where or by whom the compile ran (no wall
// times, no paths but those written in the recorded flags, no host names),
// so the same model and flags give byte-identical reports anywhere.
#ifndef NCC_TOOLS_NEURON_CC_REPORT_JSON_H_
#define NCC_TOOLS_NEURON_CC_REPORT_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/driver/compile.h"

namespace ncc::tools {

// The report for a compile that produced `neff` (its bytes, read back for the
// I/O signature and the metadata). Fails only when `neff` is not a NEFF.
absl::StatusOr<std::string> CompileReportJson(const driver::CompileReport& report,
                                              const std::string& neff);

}  // namespace ncc::tools

#endif  // NCC_TOOLS_NEURON_CC_REPORT_JSON_H_
