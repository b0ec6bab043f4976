#include "tools/cli/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

namespace ncc::cli {

enum FlagKind { kValue, kRepeated, kSwitch, kOptionalValue };

struct Command::FlagSpec {
  std::string name;  // first declared name, as CLI11's Option::get_name() gives it
  std::vector<std::string> long_names, short_names;
  FlagKind kind;
  std::string needs;
  bool* given = nullptr;  // kOptionalValue
  std::optional<std::string>* optional_value = nullptr;
};

namespace {

// CLI11's rule: "-x..." is a flag, but "-3" is a negative number (no tool has a digit flag).
bool LooksLikeFlag(const std::string& token) {
  return token.size() >= 2 && token[0] == '-' && !(token[1] >= '0' && token[1] <= '9');
}

std::string OneLine(std::string message) {
  while (!message.empty() && message.back() == '\n') message.pop_back();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

std::string ExpectedList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

Command::Command(CLI::App* app) : app_(app) {
  // Unknown flags and extra arguments are collected and reported in the tools' own words.
  app_->allow_extras();
}

Command::~Command() = default;

Command::FlagSpec* Command::Declare(const std::string& names, int kind, const std::string& needs) {
  auto spec = std::make_unique<FlagSpec>();
  spec->kind = static_cast<FlagKind>(kind);
  spec->needs = needs;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    const std::string name = names.substr(start, comma - start);
    if (name.rfind("--", 0) == 0) {
      spec->long_names.push_back(name.substr(2));
    } else if (name.rfind("-", 0) == 0) {
      spec->short_names.push_back(name.substr(1));
    }
    if (spec->name.empty()) spec->name = name;
    start = comma + 1;
  }
  flags_.push_back(std::move(spec));
  return flags_.back().get();
}

void Command::Value(const std::string& names, std::string* out, const std::string& needs) {
  Declare(names, kValue, needs);
  app_->add_option(names, *out)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void Command::Repeated(const std::string& names, std::vector<std::string>* out,
                       const std::string& needs) {
  Declare(names, kRepeated, needs);
  // One value per occurrence: `--input a b` leaves b to the positionals.
  app_->add_option(names, *out)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void Command::Switch(const std::string& names, bool* out) {
  Declare(names, kSwitch, "");
  app_->add_flag(names, *out)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void Command::OptionalValue(const std::string& names, bool* given,
                            std::optional<std::string>* value) {
  FlagSpec* spec = Declare(names, kOptionalValue, "");
  spec->given = given;
  spec->optional_value = value;
  // A CLI11 flag accepts --name=VALUE and never consumes the next argument; the value is read
  // back from the command line in RecordFlagsInOrder.
  app_->add_flag(names);
}

void Command::Positionals(std::vector<std::string>* out) { app_->add_option("args", *out); }

Command& Command::Subcommand(const std::string& name) {
  app_->require_subcommand(0, 1);
  subcommands_.push_back(std::unique_ptr<Command>(new Command(app_->add_subcommand(name))));
  return *subcommands_.back();
}

bool Command::chosen() const { return app_->get_parent() == nullptr || app_->parsed(); }

// The flag `token` names among this command's own, with its `=VALUE` or short-flag rest.
const Command::FlagSpec* Command::Find(const std::string& token, std::string* inline_value,
                                       bool* has_inline) const {
  *has_inline = false;
  inline_value->clear();
  if (token.size() < 2 || token[0] != '-') return nullptr;
  if (token.rfind("--", 0) == 0) {
    const size_t eq = token.find('=');
    const std::string name = token.substr(2, eq == std::string::npos ? eq : eq - 2);
    for (const auto& spec : flags_) {
      if (std::find(spec->long_names.begin(), spec->long_names.end(), name) ==
          spec->long_names.end()) {
        continue;
      }
      if (eq != std::string::npos) {
        *has_inline = true;
        *inline_value = token.substr(eq + 1);
      }
      return spec.get();
    }
    return nullptr;
  }
  const std::string name = token.substr(1, 1);
  for (const auto& spec : flags_) {
    if (std::find(spec->short_names.begin(), spec->short_names.end(), name) ==
        spec->short_names.end()) {
      continue;
    }
    if (token.size() > 2) {
      *has_inline = true;
      *inline_value = token.substr(2);
    }
    return spec.get();
  }
  return nullptr;
}

CommandLine::CommandLine(const std::string& tool, const std::string& usage, int usage_exit_code)
    : Command(new CLI::App(tool, tool)),
      root_(app_),
      tool_(tool),
      usage_(usage),
      usage_exit_code_(usage_exit_code) {
  // The tool prints its own usage text; CLI11's only has to recognise the flag.
  root_->set_help_flag("--help,-h");
}

CommandLine::~CommandLine() = default;

int CommandLine::UsageError(const std::string& message) const {
  std::fprintf(stderr, "%s: error: %s\n", tool_.c_str(), OneLine(message).c_str());
  return usage_exit_code_;
}

std::optional<int> CommandLine::Parse(int argc, const char* const* argv) {
  return Parse(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}

std::optional<int> CommandLine::Parse(const std::vector<std::string>& args) {
  if (args.empty() && usage_if_no_arguments_) {
    std::fputs(usage_.c_str(), stderr);
    return usage_exit_code_;
  }
  // git-style `tool help` where the tool has subcommands.
  if (!args.empty() && args[0] == "help" && !subcommands_.empty()) {
    std::fputs(usage_.c_str(), stdout);
    return 0;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    root_->parse(reversed);
  } catch (const CLI::Success&) {  // --help
    std::fputs(usage_.c_str(), stdout);
    return 0;
  } catch (const CLI::ArgumentMismatch& e) {
    // A value flag with nothing after it: say what it needs, in the tool's words.
    const std::string what = e.what();
    std::vector<const Command*> commands = {this};
    for (const auto& sub : subcommands_) commands.push_back(sub.get());
    for (const Command* command : commands) {
      for (const auto& spec : command->flags_) {
        if (!spec->needs.empty() && what.rfind(spec->name + ":", 0) == 0) {
          return UsageError(spec->name + " needs " + spec->needs);
        }
      }
    }
    return UsageError(what);
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  // Unknown flags, unknown subcommands and unexpected arguments, the command's own first.
  std::vector<const Command*> commands = {this};
  for (const auto& sub : subcommands_) {
    if (sub->chosen()) commands.push_back(sub.get());
  }
  for (const Command* command : commands) {
    for (const std::string& extra : command->app_->remaining()) {
      if (LooksLikeFlag(extra)) {
        return UsageError("unknown option '" + extra + "' (see " + tool_ + " --help)");
      }
      if (!command->subcommands_.empty()) {
        std::vector<std::string> names;
        for (const auto& sub : command->subcommands_) names.push_back(sub->app_->get_name());
        return UsageError("unknown command '" + extra + "' (expected " + ExpectedList(names) + ")");
      }
      return UsageError("unexpected argument '" + extra + "'");
    }
  }
  RecordFlagsInOrder(args);
  return std::nullopt;
}

// Walks the arguments the way CLI11 consumed them (a value flag without `=VALUE` takes the next
// argument, whatever it looks like; a short switch may be followed by more in one token) to keep
// each flag's tokens exactly as written.
void CommandLine::RecordFlagsInOrder(const std::vector<std::string>& args) {
  Command* command = this;
  bool positionals_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string token = args[i];
    if (positionals_only) continue;
    if (token == "--") {
      positionals_only = true;
      continue;
    }
    if (command == this) {
      auto sub = std::find_if(subcommands_.begin(), subcommands_.end(),
                              [&](const auto& s) { return s->app_->get_name() == token; });
      if (sub != subcommands_.end()) {
        command = sub->get();
        continue;
      }
    }
    while (!token.empty()) {
      std::string inline_value;
      bool has_inline = false;
      const FlagSpec* spec = command->Find(token, &inline_value, &has_inline);
      if (spec == nullptr) break;  // a positional, or --help
      FlagUse use{spec->name, {token}, std::nullopt};
      std::string rest;  // more short switches in the same token
      const bool is_short = token.rfind("--", 0) != 0;
      if (spec->kind == kValue || spec->kind == kRepeated) {
        if (has_inline && !inline_value.empty()) {
          use.value = inline_value;
        } else if (i + 1 < args.size()) {
          use.tokens.push_back(args[++i]);
          use.value = use.tokens.back();
        }
      } else if (is_short && has_inline) {
        use.tokens = {token.substr(0, 2)};
        rest = "-" + inline_value;
      } else if (spec->kind == kOptionalValue && has_inline) {
        use.value = inline_value;
      }
      if (spec->kind == kOptionalValue) {
        *spec->given = true;
        *spec->optional_value = use.value;
      }
      command->flags_in_order_.push_back(std::move(use));
      token = rest;
    }
  }
}

}  // namespace ncc::cli
