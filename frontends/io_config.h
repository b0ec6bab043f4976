// Parsers for the two ways a user pins a model's input shapes on the command
// line: `--input-shape NAME=1,3,224,224` (repeatable) and neuron-cc's
// `--io-config` JSON. Framework-neutral: every frontend gets their result.
#ifndef NCC_FRONTENDS_IO_CONFIG_H_
#define NCC_FRONTENDS_IO_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/dtype.h"
#include "frontends/options.h"

namespace ncc::frontends {

// Parses one occurrence of `--input-shape NAME=D0,D1,...` into {NAME: dims}.
// Every dimension must be a positive integer. The name is everything before
// the last '=', so tensor names containing '=' still work.
absl::StatusOr<InputShapes> ParseInputShapeFlag(absl::string_view flag);

// neuron-cc's --io-config:
//   {"inputs": {"x": [[1,3,224,224], "float32"]}, "outputs": ["y"]}
// "inputs" is required (it may be empty), "outputs" is optional. Dtypes are
// numpy names: float32, float16, bfloat16, int64, int32, int8, uint8, bool.
struct IoConfig {
  InputShapes input_shapes;
  std::map<std::string, ir::DType> input_dtypes;
  // Graph outputs to keep, in this order; empty keeps the model's outputs.
  std::vector<std::string> outputs;
};

// Strict: JSON (parsed by nlohmann-json) restricted to objects, arrays,
// strings and integers, no duplicate keys, \u escapes of ASCII only. Errors
// give the line, column and byte offset of the problem.
absl::StatusOr<IoConfig> ParseIoConfig(absl::string_view json);

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_IO_CONFIG_H_
