#include "compiler/passes/pass_manager.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/text.h"

namespace ncc::passes {

PassManager::PassManager(PassManagerOptions options) : options_(std::move(options)) {
  if (!options_.print_sink) {
    options_.print_sink = [](absl::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stderr);
    };
  }
}

void PassManager::Add(std::string name, PassFn pass) {
  passes_.push_back({std::move(name), std::move(pass)});
}

std::vector<std::string> PassManager::PassNames() const {
  std::vector<std::string> names;
  for (const NamedPass& p : passes_) names.push_back(p.name);
  return names;
}

absl::Status PassManager::CheckOptions() const {
  std::vector<std::string> names = PassNames();
  for (const std::string& wanted : options_.print_ir_after) {
    if (wanted == "all") continue;
    bool known = false;
    for (const std::string& n : names) known |= n == wanted;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("--print-ir-after: no pass named '", wanted,
                                                     "' (passes: ", absl::StrJoin(names, ", "),
                                                     ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> PassManager::Run(ir::Graph& graph) {
  if (absl::Status s = CheckOptions(); !s.ok()) return s;
  records_.clear();
  bool any_change = false;
  const bool print_all = options_.print_ir_after.count("all") > 0;
  for (const NamedPass& pass : passes_) {
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<bool> changed = pass.fn(graph);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!changed.ok()) {
      return absl::Status(changed.status().code(),
                          absl::StrCat("pass ", pass.name, ": ", changed.status().message()));
    }
    records_.push_back({pass.name, ms, *changed, static_cast<int64_t>(graph.ops().size())});
    any_change |= *changed;
    if (options_.verify_between_passes) {
      if (absl::Status s = ir::Verify(graph); !s.ok()) {
        return absl::InternalError(
            absl::StrCat("IR invalid after pass ", pass.name, ": ", s.message()));
      }
    }
    if (print_all || options_.print_ir_after.count(pass.name) > 0) {
      options_.print_sink(absl::StrCat("// IR after ", pass.name, "\n", ir::Print(graph)));
    }
  }
  return any_change;
}

}  // namespace ncc::passes
