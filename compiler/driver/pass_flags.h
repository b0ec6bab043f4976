// The graph-pass flags of CompileOptions, checked before compiling so that a
// tool reports a bad value as a usage error without knowing the passes.
#ifndef NCC_COMPILER_DRIVER_PASS_FLAGS_H_
#define NCC_COMPILER_DRIVER_PASS_FLAGS_H_

#include <string>

#include "absl/status/status.h"
#include "compiler/driver/compile.h"

namespace ncc::driver {

// The auto-cast flags as given on the command line; empty when not given.
struct AutoCastFlags {
  std::string fast_math;          // --fast-math (neuron-cc)
  std::string auto_cast;          // --auto-cast (neuronx-cc)
  std::string auto_cast_type;     // --auto-cast-type
  std::string auto_cast_exclude;  // --auto-cast-exclude
};

// Sets options->auto_cast from `flags`. INVALID_ARGUMENT, with the message a
// user sees, for a bad value or a bad combination.
absl::Status ApplyAutoCastFlags(const AutoCastFlags& flags, CompileOptions* options);

// INVALID_ARGUMENT when options.print_ir_after names a pass that the default
// pipeline (under options.auto_cast) does not run.
absl::Status CheckPrintIrAfter(const CompileOptions& options);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_PASS_FLAGS_H_
