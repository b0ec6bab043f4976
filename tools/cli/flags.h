// Command-line flags for the tools, one behaviour for all of them (parsed by CLI11, which stays
// out of this header so a tool's main does not compile it):
//
//   --name VALUE and --name=VALUE; a repeated flag accumulates in order, a single one keeps the
//   last; --name[=VALUE] flags never take the next argument; subcommands (`neuron-cc compile`);
//   --help/-h prints the tool's own usage on stdout and exits 0; a usage error is one line
//   "<tool>: error: <message>" on stderr and the tool's usage exit code.
//
// A tool declares its flags, parses, then checks the values itself:
//
//   ncc::cli::CommandLine cli("neuron-run", kUsage);
//   std::string output_dir, seed;
//   std::vector<std::string> inputs, positionals;
//   bool quiet = false;
//   cli.Value("--output-dir", &output_dir, "a directory");
//   cli.Value("--seed", &seed, "a non-negative integer");
//   cli.Repeated("--input", &inputs, "NAME=FILE.npy");
//   cli.Switch("--quiet,-q", &quiet);
//   cli.Positionals(&positionals);
//   if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
//   if (positionals.empty()) return cli.UsageError("no MODEL.neff given");
//
// With subcommands, declare each one's flags on the Command that Subcommand() returns and ask
// chosen() after Parse:
//
//   ncc::cli::Command& compile = cli.Subcommand("compile");
//   compile.Value("--output,-o", &output, "a file name");
//   compile.OptionalValue("--verify-accuracy", &verify, &samples);  // --verify-accuracy[=N]
//   ...
//   if (compile.chosen()) ...
//
// FlagsInOrder() hands back a command's flags as written, e.g. neuron-cc's NEFF metadata (every
// compile flag but the output path, tokens unchanged):
//
//   for (const ncc::cli::FlagUse& flag : compile.FlagsInOrder()) {
//     if (flag.name == "--output") continue;
//     options.flags.insert(options.flags.end(), flag.tokens.begin(), flag.tokens.end());
//   }
#ifndef NCC_TOOLS_CLI_FLAGS_H_
#define NCC_TOOLS_CLI_FLAGS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace ncc::cli {

// One flag as it appeared on the command line.
struct FlagUse {
  std::string name;                  // the flag's first declared name: "--output" for "-o"
  std::vector<std::string> tokens;   // as written: {"--seed", "7"}, {"--seed=7"} or {"-q"}
  std::optional<std::string> value;  // "7"; none for a switch or a bare --name[=VALUE] flag
};

// The flags, positionals and subcommands of one command (the tool itself or a subcommand).
// Names are comma-separated, long first: "--output,-o". The pointers must outlive Parse.
class Command {
 public:
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  ~Command();

  // --name VALUE or --name=VALUE; the last one given wins. A missing value is the error
  // "<name> needs <needs>".
  void Value(const std::string& names, std::string* out, const std::string& needs = "a value");
  // Like Value, but every occurrence is appended to *out, in command-line order.
  void Repeated(const std::string& names, std::vector<std::string>* out,
                const std::string& needs = "a value");
  // --name: sets *out to true.
  void Switch(const std::string& names, bool* out);
  // --name or --name=VALUE (never the next argument): *given becomes true and *value holds the
  // last occurrence's VALUE, or nullopt if that one was bare.
  void OptionalValue(const std::string& names, bool* given, std::optional<std::string>* value);
  // Arguments that are not flags, in order; without this, any is a usage error. The tool
  // checks how many it got.
  void Positionals(std::vector<std::string>* out);
  // A subcommand ("compile"); at most one is given per command line.
  Command& Subcommand(const std::string& name);

  // After Parse: whether this command was given (the tool itself always is).
  bool chosen() const;
  // After Parse: this command's flags in command-line order (not --help or a subcommand's).
  const std::vector<FlagUse>& FlagsInOrder() const { return flags_in_order_; }

 private:
  friend class CommandLine;
  struct FlagSpec;
  explicit Command(CLI::App* app);
  FlagSpec* Declare(const std::string& names, int kind, const std::string& needs);
  const FlagSpec* Find(const std::string& token, std::string* inline_value, bool* has_inline) const;

  CLI::App* app_;  // owned by the CommandLine's root CLI::App
  std::vector<std::unique_ptr<FlagSpec>> flags_;
  std::vector<std::unique_ptr<Command>> subcommands_;
  std::vector<FlagUse> flags_in_order_;
};

// The tool's whole command line: its name, usage text and usage exit code.
class CommandLine : public Command {
 public:
  CommandLine(const std::string& tool, const std::string& usage, int usage_exit_code = 1);
  ~CommandLine();

  // No arguments at all prints the usage on stderr and exits with the usage exit code
  // (otherwise the tool reports what is missing itself).
  void UsageIfNoArguments() { usage_if_no_arguments_ = true; }

  // Parses argv. Returns the exit code when the tool should stop now: 0 after --help (or a
  // bare `help` before a subcommand), the usage exit code after an error it has printed.
  // Returns nullopt when the tool should run.
  std::optional<int> Parse(int argc, const char* const* argv);
  std::optional<int> Parse(const std::vector<std::string>& args);  // without argv[0]

  // Prints "<tool>: error: <message>" on stderr; returns the usage exit code.
  int UsageError(const std::string& message) const;

 private:
  void RecordFlagsInOrder(const std::vector<std::string>& args);

  std::unique_ptr<CLI::App> root_;
  std::string tool_, usage_;
  int usage_exit_code_;
  bool usage_if_no_arguments_ = false;
};

}  // namespace ncc::cli

#endif  // NCC_TOOLS_CLI_FLAGS_H_
