#include "tools/cli/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ncc::cli {
namespace {

using Tokens = std::vector<std::string>;

constexpr char kUsage[] = "usage: tool [flags] FILE...\n";

// Runs Parse with stdout and stderr captured.
struct Parsed {
  std::optional<int> exit_code;
  std::string out, err;
};

Parsed ParseCaptured(CommandLine& cli, const std::vector<std::string>& args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Parsed p;
  p.exit_code = cli.Parse(args);
  p.out = testing::internal::GetCapturedStdout();
  p.err = testing::internal::GetCapturedStderr();
  return p;
}

// A tool shaped like neuron-run: flags, repeatable flags, a switch, positionals.
struct RunLike {
  CommandLine cli{"tool", kUsage};
  std::string seed = "0", dir;
  std::vector<std::string> inputs, positionals;
  bool quiet = false;
  RunLike() {
    cli.Value("--seed", &seed, "an integer");
    cli.Value("--output-dir,-d", &dir);
    cli.Repeated("--input", &inputs, "NAME=FILE.npy");
    cli.Switch("--quiet,-q", &quiet);
    cli.Positionals(&positionals);
  }
};

TEST(Flags, BothValueFormsRepeatsInOrderAndPositionals) {
  RunLike t;
  Parsed p = ParseCaptured(t.cli, {"m.neff", "--input", "x=a.npy", "--seed=7", "--input=y=b.npy",
                                   "-q", "--seed", "-3", "extra", "-d", "out"});
  ASSERT_FALSE(p.exit_code) << p.err;
  EXPECT_EQ(t.inputs, (Tokens{"x=a.npy", "y=b.npy"}));
  EXPECT_EQ(t.seed, "-3");  // the last one wins; a negative number is a value
  EXPECT_EQ(t.dir, "out");
  EXPECT_TRUE(t.quiet);
  EXPECT_EQ(t.positionals, (Tokens{"m.neff", "extra"}));
}

TEST(Flags, RepeatedTakesOneValuePerOccurrence) {
  RunLike t;
  ASSERT_FALSE(ParseCaptured(t.cli, {"--input", "x=a.npy", "m.neff"}).exit_code);
  EXPECT_EQ(t.inputs, (Tokens{"x=a.npy"}));
  EXPECT_EQ(t.positionals, (Tokens{"m.neff"}));
}

TEST(Flags, AValueFlagTakesTheNextArgumentWhateverItLooksLike) {
  RunLike t;
  ASSERT_FALSE(ParseCaptured(t.cli, {"--output-dir", "--quiet"}).exit_code);
  EXPECT_EQ(t.dir, "--quiet");
  EXPECT_FALSE(t.quiet);
}

TEST(Flags, HelpPrintsTheToolsUsageOnStdout) {
  for (const char* flag : {"--help", "-h"}) {
    RunLike t;
    Parsed p = ParseCaptured(t.cli, {"m.neff", flag});
    EXPECT_EQ(p.exit_code, 0);
    EXPECT_EQ(p.out, kUsage);
    EXPECT_EQ(p.err, "");
  }
}

TEST(Flags, UsageErrorsAreOneLineWithTheUsageExitCode) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"m.neff", "--seed"}, "tool: error: --seed needs an integer\n"},
      {{"m.neff", "-d"}, "tool: error: --output-dir needs a value\n"},
      {{"m.neff", "--input"}, "tool: error: --input needs NAME=FILE.npy\n"},
      {{"m.neff", "--frobnicate", "x"},
       "tool: error: unknown option '--frobnicate' (see tool --help)\n"},
      {{"-z"}, "tool: error: unknown option '-z' (see tool --help)\n"},
  };
  for (const Case& c : cases) {
    RunLike t;
    Parsed p = ParseCaptured(t.cli, c.args);
    EXPECT_EQ(p.exit_code, 1) << c.args[1];
    EXPECT_EQ(p.err, c.err);
    EXPECT_EQ(p.out, "");
  }
  RunLike t;
  EXPECT_EQ(ParseCaptured(t.cli, {}).exit_code, std::nullopt);  // the tool says what is missing
  testing::internal::CaptureStderr();
  EXPECT_EQ(t.cli.UsageError("no MODEL.neff\ngiven"), 1);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "tool: error: no MODEL.neff given\n");
}

TEST(Flags, ArgumentsWithoutPositionalsAreUnexpected) {
  CommandLine cli("tool", kUsage, 2);
  std::string v;
  cli.Value("--v", &v);
  Parsed p = ParseCaptured(cli, {"--v", "1", "stray"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.err, "tool: error: unexpected argument 'stray'\n");
}

// A tool shaped like neuron-cc: subcommands, a version switch, an optional-value flag, and the
// flags recorded as written.
struct CcLike {
  CommandLine cli{"cc", kUsage};
  bool version = false, verbose = false, verify = false, json = false;
  std::string framework, output, list_framework;
  std::optional<std::string> samples;
  std::vector<std::string> shapes, positionals;
  Command& compile = cli.Subcommand("compile");
  Command& list = cli.Subcommand("list-operators");
  CcLike() {
    cli.UsageIfNoArguments();
    cli.Switch("--version", &version);
    compile.Value("--framework", &framework);
    compile.Value("--output,-o", &output, "a file name");
    compile.Repeated("--input-shape", &shapes, "NAME=D0,D1,...");
    compile.Switch("--verbose,--timings,-v", &verbose);
    compile.OptionalValue("--verify-accuracy", &verify, &samples);
    compile.Positionals(&positionals);
    list.Value("--framework", &list_framework);
    list.Switch("--json", &json);
  }
};

TEST(Flags, SubcommandsAndOptionalValues) {
  CcLike t;
  ASSERT_FALSE(ParseCaptured(t.cli, {"compile", "--verify-accuracy", "m.onnx", "--framework=ONNX"})
                   .exit_code);
  EXPECT_TRUE(t.compile.chosen());
  EXPECT_FALSE(t.list.chosen());
  EXPECT_TRUE(t.verify);
  EXPECT_EQ(t.samples, std::nullopt);            // bare
  EXPECT_EQ(t.positionals, (Tokens{"m.onnx"}));  // never taken as the flag's value
  EXPECT_EQ(t.framework, "ONNX");

  CcLike u;
  ASSERT_FALSE(ParseCaptured(u.cli, {"compile", "m.onnx", "--verify-accuracy=8"}).exit_code);
  EXPECT_EQ(u.samples, "8");
  CcLike last;  // the last occurrence decides, as for any flag
  ASSERT_FALSE(
      ParseCaptured(last.cli, {"compile", "--verify-accuracy=8", "--verify-accuracy"}).exit_code);
  EXPECT_EQ(last.samples, std::nullopt);
  CcLike empty;  // the tool rejects an empty count itself
  ASSERT_FALSE(ParseCaptured(empty.cli, {"compile", "--verify-accuracy="}).exit_code);
  EXPECT_EQ(empty.samples, "");

  CcLike v;
  ASSERT_FALSE(ParseCaptured(v.cli, {"list-operators", "--json", "--framework", "ONNX"}).exit_code);
  EXPECT_TRUE(v.list.chosen());
  EXPECT_TRUE(v.json);
  EXPECT_EQ(v.list_framework, "ONNX");

  CcLike w;
  ASSERT_FALSE(ParseCaptured(w.cli, {"--version"}).exit_code);
  EXPECT_TRUE(w.version);
  EXPECT_FALSE(w.compile.chosen());

  // Only one subcommand: a later subcommand name is a positional.
  CcLike x;
  ASSERT_FALSE(ParseCaptured(x.cli, {"compile", "list-operators"}).exit_code);
  EXPECT_EQ(x.positionals, (Tokens{"list-operators"}));
  EXPECT_FALSE(x.list.chosen());
}

TEST(Flags, SubcommandUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string out, err;
  } cases[] = {
      {{}, 1, "", kUsage},
      {{"help"}, 0, kUsage, ""},
      {{"compile", "--help"}, 0, kUsage, ""},
      {{"frob"}, 1, "", "cc: error: unknown command 'frob' (expected compile or list-operators)\n"},
      {{"compile", "m", "--bogus"}, 1, "", "cc: error: unknown option '--bogus' (see cc --help)\n"},
      {{"compile", "m", "-o"}, 1, "", "cc: error: --output needs a file name\n"},
      {{"list-operators", "--verbose"},
       1,
       "",
       "cc: error: unknown option '--verbose' (see cc --help)\n"},
      {{"list-operators", "x"}, 1, "", "cc: error: unexpected argument 'x'\n"},
  };
  for (const Case& c : cases) {
    CcLike t;
    Parsed p = ParseCaptured(t.cli, c.args);
    EXPECT_EQ(p.exit_code, c.exit_code);
    EXPECT_EQ(p.out, c.out);
    EXPECT_EQ(p.err, c.err);
  }
}

// neuron-cc records its flags, minus --output/-o and the model path, in the NEFF.
TEST(Flags, FlagsInOrderKeepsTheTokensAsWritten) {
  CcLike t;
  ASSERT_FALSE(ParseCaptured(
                   t.cli, {"compile", "m.onnx", "--framework", "ONNX", "-o", "m.neff",
                           "--input-shape=x=1,2", "-v", "--input-shape", "y=3", "--verify-accuracy",
                           "--verify-accuracy=8", "--output=o.neff", "--timings"})
                   .exit_code);
  std::vector<std::string> recorded;
  for (const FlagUse& flag : t.compile.FlagsInOrder()) {
    if (flag.name == "--output") continue;
    recorded.insert(recorded.end(), flag.tokens.begin(), flag.tokens.end());
  }
  EXPECT_EQ(recorded, (Tokens{"--framework", "ONNX", "--input-shape=x=1,2", "-v", "--input-shape",
                              "y=3", "--verify-accuracy", "--verify-accuracy=8", "--timings"}));
  const std::vector<FlagUse>& flags = t.compile.FlagsInOrder();
  ASSERT_EQ(flags.size(), 9u);
  EXPECT_EQ(flags[1].name, "--output");
  EXPECT_EQ(flags[1].tokens, (Tokens{"-o", "m.neff"}));
  EXPECT_EQ(flags[1].value, "m.neff");
  EXPECT_EQ(flags[3].name, "--verbose");
  EXPECT_EQ(flags[3].value, std::nullopt);
  EXPECT_EQ(flags[6].value, "8");
  EXPECT_EQ(t.output, "o.neff");
  EXPECT_EQ(t.shapes, (Tokens{"x=1,2", "y=3"}));
  EXPECT_TRUE(t.cli.FlagsInOrder().empty());
}

TEST(Flags, ShortSwitchesMayShareAToken) {
  CcLike t;
  t.compile.Switch("--quiet,-q", &t.json);
  ASSERT_FALSE(ParseCaptured(t.cli, {"compile", "-vqo", "out", "m"}).exit_code);
  EXPECT_TRUE(t.verbose);
  EXPECT_TRUE(t.json);
  EXPECT_EQ(t.output, "out");
  ASSERT_EQ(t.compile.FlagsInOrder().size(), 3u);
  EXPECT_EQ(t.compile.FlagsInOrder()[2].tokens, (Tokens{"-o", "out"}));
  EXPECT_EQ(t.positionals, (Tokens{"m"}));
}

}  // namespace
}  // namespace ncc::cli
