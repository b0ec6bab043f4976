#include "compiler/passes/pass_manager.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

constexpr char kGraph[] = R"(graph g(%x: f32[4]) -> (%y) {
  %a: f32[4] = Relu(%x)
  %y: f32[4] = Exp(%a)
}
)";

absl::StatusOr<bool> RemoveFirstOp(ir::Graph& g) {
  g.RemoveOp(g.ops().front().get());
  return true;
}

TEST(PassManager, RunsPassesInOrderAndRecordsThem) {
  auto graph = ir::Parse(kGraph);
  ASSERT_TRUE(graph.ok()) << graph.status();
  std::string order;
  PassManager pm;
  pm.Add("first", [&](ir::Graph&) -> absl::StatusOr<bool> {
    order += "1";
    return false;
  });
  pm.Add("second", [&](ir::Graph&) -> absl::StatusOr<bool> {
    order += "2";
    return true;
  });
  auto changed = pm.Run(**graph);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(order, "12");
  ASSERT_EQ(pm.records().size(), 2u);
  EXPECT_EQ(pm.records()[0].name, "first");
  EXPECT_FALSE(pm.records()[0].changed);
  EXPECT_TRUE(pm.records()[1].changed);
  EXPECT_EQ(pm.records()[1].ops_after, 2);
  EXPECT_GE(pm.records()[1].wall_ms, 0.0);
}

TEST(PassManager, PrintsIrAfterNamedPassOrAll) {
  auto graph = ir::Parse(kGraph);
  ASSERT_TRUE(graph.ok());
  std::string printed;
  PassManagerOptions options;
  options.print_ir_after = {"noop2"};
  options.print_sink = [&](absl::string_view s) { printed += std::string(s); };
  PassManager pm(options);
  pm.Add("noop1", [](ir::Graph&) -> absl::StatusOr<bool> { return false; });
  pm.Add("noop2", [](ir::Graph&) -> absl::StatusOr<bool> { return false; });
  ASSERT_TRUE(pm.Run(**graph).ok());
  EXPECT_EQ(printed, std::string("// IR after noop2\n") + kGraph);

  printed.clear();
  options.print_ir_after = {"all"};
  PassManager all(options);
  all.Add("noop1", [](ir::Graph&) -> absl::StatusOr<bool> { return false; });
  all.Add("noop2", [](ir::Graph&) -> absl::StatusOr<bool> { return false; });
  ASSERT_TRUE(all.Run(**graph).ok());
  EXPECT_NE(printed.find("// IR after noop1"), std::string::npos);
  EXPECT_NE(printed.find("// IR after noop2"), std::string::npos);
}

TEST(PassManager, RejectsUnknownPrintIrAfterName) {
  PassManagerOptions options;
  options.print_ir_after = {"nosuchpass"};
  PassManager pm(options);
  pm.Add("dce", [](ir::Graph&) -> absl::StatusOr<bool> { return false; });
  absl::Status s = pm.CheckOptions();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no pass named 'nosuchpass' (passes: dce)"), std::string::npos) << s;
}

TEST(PassManager, VerifiesBetweenPassesAndNamesTheBrokenPass) {
  auto graph = ir::Parse(kGraph);
  ASSERT_TRUE(graph.ok());
  PassManagerOptions options;
  options.verify_between_passes = true;
  PassManager pm(options);
  pm.Add("breaks-ir", RemoveFirstOp);  // Exp now reads an undefined value
  pm.Add("never-runs", [](ir::Graph&) -> absl::StatusOr<bool> {
    ADD_FAILURE() << "ran after a broken pass";
    return false;
  });
  auto result = pm.Run(**graph);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("after pass breaks-ir"), std::string::npos)
      << result.status();
}

TEST(PassManager, PassErrorsNameThePass) {
  auto graph = ir::Parse(kGraph);
  ASSERT_TRUE(graph.ok());
  PassManager pm;
  pm.Add("fails",
         [](ir::Graph&) -> absl::StatusOr<bool> { return absl::InvalidArgumentError("bad op"); });
  auto result = pm.Run(**graph);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "pass fails: bad op");
}

}  // namespace
}  // namespace ncc::passes
