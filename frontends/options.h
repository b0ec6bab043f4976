// What every frontend is given besides the model's files: input shape pins,
// input dtypes, frozen inputs and the outputs to keep. Framework-neutral; the
// command-line flags that fill them are parsed in io_config.h and
// freeze_input.h.
#ifndef NCC_FRONTENDS_OPTIONS_H_
#define NCC_FRONTENDS_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/dtype.h"

namespace ncc::frontends {

// Graph input name -> its dimensions (--input-shape / --io-config).
using InputShapes = std::map<std::string, std::vector<int64_t>>;

// A graph input fixed at compile time (neuron-cc --freeze-input): it becomes
// a constant before constant propagation and shape inference, so the shapes
// and parameters derived from it are static, and it is no longer an input of
// the compiled program.
struct FrozenInput {
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  std::vector<uint8_t> data;  // little-endian, row-major
};

struct ImportOptions {
  // Pins graph input shapes. A pin must name a graph input and match its
  // rank.
  InputShapes input_shapes;
  // Optional dtypes (from --io-config); a mismatch with the model is an error.
  std::map<std::string, ir::DType> input_dtypes;
  // Graph inputs to freeze. Each must name a graph input and match its
  // declared dtype and shape (a dynamic dimension takes any size).
  std::map<std::string, FrozenInput> frozen_inputs;
  // When non-empty, these tensors become the graph outputs, in this order,
  // and ops that do not feed them are dropped.
  std::vector<std::string> outputs;
  // For model formats that hold several graphs (a TensorFlow SavedModel): the
  // tag set of the graph to read (neuron-cc --tags; empty: the format's
  // default, "serve") and its signature (--signature; empty: the default,
  // "serving_default"). Frontends of single-graph formats refuse them.
  std::vector<std::string> tags;
  std::string signature;
  // Checks every node against the frontend's operator table and reports all
  // unsupported ones at once as UNIMPLEMENTED. Off only for tools and tests
  // that want the graph of a model neuron-cc cannot compile.
  bool check_operator_support = true;
};

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_OPTIONS_H_
