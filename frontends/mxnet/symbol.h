// MXNet symbol files (prefix-symbol.json), as Symbol.save writes them:
//
//   {"nodes": [{"op": "null" | OP, "name": NAME, "attrs": {KEY: "VALUE"},
//               "inputs": [[NODE, OUTPUT, VERSION], ...]}, ...],
//    "arg_nodes": [...], "node_row_ptr": [...], "heads": [[NODE, OUTPUT, VERSION]],
//    "attrs": {"mxnet_version": ["int", 10901]}}
//
// Variables are "null" nodes. Releases before 0.12 wrote a node's operator
// parameters under "param" and its user attributes under "attr", and input
// entries as [NODE, OUTPUT]; both are read. Parsed with nlohmann-json.
#ifndef NCC_FRONTENDS_MXNET_SYMBOL_H_
#define NCC_FRONTENDS_MXNET_SYMBOL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ncc::mxnet_frontend {

struct NodeEntry {
  int64_t node = 0;
  int64_t output = 0;
};

struct SymbolNode {
  std::string op;  // "null" for a variable
  std::string name;
  // Operator parameters and user attributes ("__shape__", ...), every
  // value a string as MXNet prints it: "(3, 3)", "True", "1e-05".
  std::map<std::string, std::string> attrs;
  std::vector<NodeEntry> inputs;  // each names an earlier node
  bool is_variable() const { return op == "null"; }
};

struct Symbol {
  std::vector<SymbolNode> nodes;  // topological order
  std::vector<NodeEntry> heads;
  int64_t mxnet_version = 0;  // attrs.mxnet_version (10901 = 1.9.1); 0 when absent
};

// Parses and checks the JSON: INVALID_ARGUMENT naming the node (by index
// and name) and key for anything that is not a symbol, one line starting
// with `origin`.
absl::StatusOr<Symbol> ParseSymbol(absl::string_view json, absl::string_view origin);

// Reads and parses the file at `path` (a regular file of at most 1 GiB).
absl::StatusOr<Symbol> ReadSymbolFile(const std::string& path);

// "1.9.1" for 10901.
std::string FormatMxnetVersion(int64_t version);

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_SYMBOL_H_
