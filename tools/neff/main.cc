// neff: inspect and check NEFF files.
//
//   neff info FILE     metadata, I/O signature, section sizes and checksums,
//                      instruction counts per engine
//   neff dump FILE     every queue's instructions with access patterns,
//                      waits/signals and graph node names
//   neff verify FILE   the runtime's full load-time check (structure, the
//                      seal, instruction verifier, deadlock check); an
//                      unsealed file fails unless --allow-unsealed is given
//
// Exit codes: 0 ok (verify: the file is valid), 1 the file is invalid
// (verify) or unreadable as a NEFF (info, dump), 2 usage or unreadable file.
// Errors are one line on stderr.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/inspect.h"
#include "runtime/neff_loader.h"
#include "tools/cli/flags.h"

namespace {

constexpr int kExitUsage = 2;
constexpr char kUsage[] =
    "usage: neff info FILE | neff dump FILE | neff verify [--allow-unsealed] FILE\n";

int Run(const std::string& command, const std::string& path, bool allow_unsealed) {
  auto image = ncc::runtime::NeffImage::MapFile(path);
  if (!image.ok()) {
    std::fprintf(stderr, "neff %s: %s\n", command.c_str(),
                 std::string(image.status().message()).c_str());
    return 2;
  }
  const absl::string_view bytes = (*image)->bytes();
  if (command == "verify") {
    ncc::runtime::LoadOptions options;
    options.allow_unsealed = allow_unsealed;
    auto model = ncc::runtime::CheckNeff(bytes, options);
    if (!model.ok()) {
      std::string message(model.status().message());
      if (model.status().code() == absl::StatusCode::kFailedPrecondition) {
        message += " (neff verify --allow-unsealed)";
      }
      std::fprintf(stderr, "neff verify: %s: %s\n", path.c_str(), message.c_str());
      return 1;
    }
    std::printf("%s: valid NEFF %d.%d%s\n", path.c_str(), (*model)->version_major(),
                (*model)->version_minor(),
                neff::IsSealed(**model) ? ", checksums verified"
                                        : ", NOT SEALED (accepted: --allow-unsealed)");
    return 0;
  }
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) {
    std::fprintf(stderr, "neff %s: %s: %s\n", command.c_str(), path.c_str(),
                 std::string(model.status().message()).c_str());
    return 1;
  }
  const std::string text =
      command == "info" ? neff::DescribeNeff(bytes, **model) : neff::DumpNeff(**model);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ncc::cli::CommandLine cli("neff", kUsage, kExitUsage);
  cli.UsageIfNoArguments();
  constexpr const char* kCommands[] = {"info", "dump", "verify"};
  std::vector<std::string> files;
  std::vector<ncc::cli::Command*> commands;
  bool allow_unsealed = false;
  for (const char* name : kCommands) {
    commands.push_back(&cli.Subcommand(name));
    commands.back()->Positionals(&files);
  }
  commands[2]->Switch("--allow-unsealed", &allow_unsealed);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!commands[i]->chosen()) continue;
    if (files.size() != 1) {
      return cli.UsageError(std::string(kCommands[i]) + " needs one FILE; " + kUsage);
    }
    return Run(kCommands[i], files[0], allow_unsealed);
  }
  return cli.UsageError(std::string("no command given; ") + kUsage);
}
