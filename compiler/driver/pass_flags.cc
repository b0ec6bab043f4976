#include "compiler/driver/pass_flags.h"

#include "compiler/passes/auto_cast_policy.h"
#include "compiler/passes/pass_manager.h"
#include "compiler/passes/pipeline.h"

namespace ncc::driver {

absl::Status ApplyAutoCastFlags(const AutoCastFlags& flags, CompileOptions* options) {
  if (!flags.fast_math.empty() && !flags.auto_cast.empty()) {
    return absl::InvalidArgumentError(
        "give either --fast-math (neuron-cc) or --auto-cast (neuronx-cc), not both");
  }
  if (!flags.fast_math.empty()) {
    auto policy = passes::PolicyFromFastMath(flags.fast_math);
    if (!policy.ok()) return policy.status();
    if (!flags.auto_cast_type.empty()) {
      return absl::InvalidArgumentError(
          "--auto-cast-type goes with --auto-cast; --fast-math names its type");
    }
    options->auto_cast = *policy;
  }
  if (!flags.auto_cast.empty()) {
    auto mode = passes::ParseAutoCastMode(flags.auto_cast);
    if (!mode.ok()) return mode.status();
    options->auto_cast.mode = *mode;
  }
  if (!flags.auto_cast_type.empty()) {
    auto type = passes::ParseAutoCastType(flags.auto_cast_type);
    if (!type.ok()) return type.status();
    options->auto_cast.type = *type;
  }
  if (!flags.auto_cast_exclude.empty()) {
    auto exclude = passes::ParseAutoCastExclude(flags.auto_cast_exclude);
    if (!exclude.ok()) return exclude.status();
    options->auto_cast.exclude = *exclude;
  }
  return absl::OkStatus();
}

absl::Status CheckPrintIrAfter(const CompileOptions& options) {
  passes::PassManagerOptions pass_options;
  pass_options.print_ir_after = options.print_ir_after;
  passes::PassManager pipeline(pass_options);
  passes::AddDefaultPipeline(pipeline, options.auto_cast);
  return pipeline.CheckOptions();
}

}  // namespace ncc::driver
