// `--freeze-input NAME=FILE.npy`: reads the .npy file into the frozen value
// of input NAME. Framework-neutral, like the shape flags in io_config.h.
#ifndef NCC_FRONTENDS_FREEZE_INPUT_H_
#define NCC_FRONTENDS_FREEZE_INPUT_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "frontends/options.h"

namespace ncc::frontends {

// Adds one occurrence of the flag to `frozen`. Errors (INVALID_ARGUMENT) name
// the flag: a malformed value, an input frozen twice, an unreadable file or
// an unsupported dtype.
absl::Status ParseFreezeInputFlag(absl::string_view flag,
                                  std::map<std::string, FrozenInput>* frozen);

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_FREEZE_INPUT_H_
