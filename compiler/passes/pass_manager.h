// Runs named graph passes in order. Between passes it can print the IR
// (--print-ir-after=NAME / --print-ir-after-all) and verify it (always in
// debug builds and tests, on request otherwise), and it records each pass's
// wall time and op count so that `neuron-cc --verbose` can show them.
#ifndef NCC_COMPILER_PASSES_PASS_MANAGER_H_
#define NCC_COMPILER_PASSES_PASS_MANAGER_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

// A pass returns whether it changed the graph.
using PassFn = std::function<absl::StatusOr<bool>(ir::Graph&)>;

struct PassManagerOptions {
  // Pass names after which the IR text is printed; "all" matches every pass.
  std::set<std::string> print_ir_after;
  // Receives "// IR after <name>\n<text>" for every print; defaults to stderr.
  std::function<void(absl::string_view)> print_sink;
#ifdef NDEBUG
  bool verify_between_passes = false;
#else
  bool verify_between_passes = true;
#endif
};

struct PassRecord {
  std::string name;
  double wall_ms = 0;  // measured host time
  bool changed = false;
  int64_t ops_after = 0;
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions options = {});

  void Add(std::string name, PassFn pass);
  std::vector<std::string> PassNames() const;

  // Fails (naming the bad name and listing the known ones) when a
  // print_ir_after entry is not a pass of this pipeline.
  absl::Status CheckOptions() const;

  // Runs every pass once, in order. Returns whether any pass changed the
  // graph. An IR that fails verification after a pass is an internal error
  // naming that pass.
  absl::StatusOr<bool> Run(ir::Graph& graph);

  // Per-pass records of the last Run, in order.
  const std::vector<PassRecord>& records() const { return records_; }

 private:
  struct NamedPass {
    std::string name;
    PassFn fn;
  };
  PassManagerOptions options_;
  std::vector<NamedPass> passes_;
  std::vector<PassRecord> records_;
};

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_PASS_MANAGER_H_
