// neff: inspect and check NEFF files, and embed them in C/C++ libraries.
//
//   neff info FILE     metadata, I/O signature, section sizes and checksums,
//                      instruction counts per engine, load queues (weights
//                      made SBUF-resident); a pipelined file's stages, each
//                      with its inputs' sources and its own summary
//   neff dump FILE     every queue's instructions (load queues first) with
//                      access patterns, waits/signals and graph node names;
//                      a pipelined file's, stage by stage
//   neff verify FILE   the runtime's full load-time check (structure, the
//                      seal, instruction verifier, deadlock check), of every
//                      stage of a pipelined file too; an unsealed file fails
//                      unless --allow-unsealed is given
//   neff embed MODEL.neff --symbol SYMBOL --incbin PATH --header OUT.h
//              --asm OUT.S --source OUT.cc [--label LABEL]
//                      after verify's check (and --allow-unsealed), the
//                      header, assembly and C++ table of a library that
//                      carries the NEFF (the Bazel rule cc_neff_library;
//                      see tools/neff/embed.h and bazel/embedded_neff.h)
//
// Exit codes: 0 ok (verify: the file is valid), 1 the file is invalid
// (verify, embed) or unreadable as a NEFF (info, dump), 2 usage or
// unreadable file, 3 an output of embed could not be written.
// Errors are one line on stderr.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "fileio/safe_write.h"
#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/inspect.h"
#include "runtime/neff_loader.h"
#include "tools/cli/flags.h"
#include "tools/neff/embed.h"

namespace {

constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;
constexpr int kExitOutput = 3;
constexpr char kInspectUsage[] =
    "usage: neff info FILE | neff dump FILE | neff verify [--allow-unsealed] FILE";
constexpr char kEmbedUsage[] =
    "usage: neff embed MODEL.neff --symbol SYMBOL --incbin PATH --header OUT.h --asm OUT.S "
    "--source OUT.cc [--label LABEL] [--allow-unsealed]";
constexpr char kUsage[] =
    "usage: neff info FILE | neff dump FILE | neff verify [--allow-unsealed] FILE\n"
    "       neff embed MODEL.neff --symbol SYMBOL --incbin PATH --header OUT.h --asm OUT.S\n"
    "                  --source OUT.cc [--label LABEL] [--allow-unsealed]\n"
    "\n"
    "  info     metadata, I/O signature, sections and checksums, instruction counts\n"
    "  dump     every queue's instructions\n"
    "  verify   the runtime's full load-time check\n"
    "  embed    after verify's check, write the header, assembly (.incbin PATH) and\n"
    "           C++ table that build the NEFF into a C/C++ library, as the table\n"
    "           SYMBOL (bazel/embedded_neff.h); LABEL names the NEFF in them\n";

struct EmbedFlags {
  std::string header, assembly, source;
  ncc::tools::EmbedOptions options;
};

// Maps `path` and runs the runtime's checks; prints the error and returns
// the exit code on failure. `image` owns the bytes `*model` points into.
std::optional<int> LoadChecked(const std::string& command, const std::string& path,
                               bool allow_unsealed, std::unique_ptr<ncc::runtime::NeffImage>* image,
                               const neff::Model** model) {
  auto mapped = ncc::runtime::NeffImage::MapFile(path);
  if (!mapped.ok()) {
    std::fprintf(stderr, "neff %s: %s\n", command.c_str(),
                 std::string(mapped.status().message()).c_str());
    return kExitUsage;
  }
  *image = std::move(*mapped);
  ncc::runtime::LoadOptions options;
  options.allow_unsealed = allow_unsealed;
  auto checked = ncc::runtime::CheckNeff((*image)->bytes(), options);
  if (!checked.ok()) {
    std::string message(checked.status().message());
    if (checked.status().code() == absl::StatusCode::kFailedPrecondition) {
      message += " (neff " + command + " --allow-unsealed)";
    }
    std::fprintf(stderr, "neff %s: %s: %s\n", command.c_str(), path.c_str(), message.c_str());
    return kExitInvalid;
  }
  *model = *checked;
  return std::nullopt;
}

const char* SealNote(const neff::Model& model) {
  return neff::IsSealed(model) ? ", checksums verified"
                               : ", NOT SEALED (accepted: --allow-unsealed)";
}

int Run(const std::string& command, const std::string& path, bool allow_unsealed) {
  if (command == "verify") {
    std::unique_ptr<ncc::runtime::NeffImage> image;
    const neff::Model* model = nullptr;
    if (auto exit_code = LoadChecked(command, path, allow_unsealed, &image, &model)) {
      return *exit_code;
    }
    // One line per stage. LoadChecked verified every stage (seal, program,
    // wiring) with the file; opening one again is only to describe it.
    std::vector<std::string> stage_lines;
    if (const auto* stages = model->stages()) {
      for (flatbuffers::uoffset_t k = 0; k < stages->size(); ++k) {
        const auto* neff = stages->Get(k)->neff();
        const absl::string_view bytes =
            neff == nullptr
                ? absl::string_view()
                : absl::string_view(reinterpret_cast<const char*>(neff->data()), neff->size());
        auto stage = neff::OpenModel(bytes);
        if (!stage.ok()) {
          std::fprintf(stderr, "neff verify: %s: stage %u: %s\n", path.c_str(), k,
                       std::string(stage.status().message()).c_str());
          return kExitInvalid;
        }
        stage_lines.push_back(absl::StrFormat("  stage %u: valid NEFF %d.%d, %d bytes%s\n", k,
                                              (*stage)->version_major(), (*stage)->version_minor(),
                                              bytes.size(), SealNote(**stage)));
      }
    }
    std::printf(
        "%s: valid NEFF %d.%d%s%s\n", path.c_str(), model->version_major(), model->version_minor(),
        SealNote(*model),
        stage_lines.empty() ? "" : absl::StrFormat(", %d stages", stage_lines.size()).c_str());
    for (const std::string& line : stage_lines) std::fputs(line.c_str(), stdout);
    return 0;
  }
  auto image = ncc::runtime::NeffImage::MapFile(path);
  if (!image.ok()) {
    std::fprintf(stderr, "neff %s: %s\n", command.c_str(),
                 std::string(image.status().message()).c_str());
    return kExitUsage;
  }
  const absl::string_view bytes = (*image)->bytes();
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) {
    std::fprintf(stderr, "neff %s: %s: %s\n", command.c_str(), path.c_str(),
                 std::string(model.status().message()).c_str());
    return kExitInvalid;
  }
  const std::string text =
      command == "info" ? neff::DescribeNeff(bytes, **model) : neff::DumpNeff(**model);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

int Embed(const ncc::cli::CommandLine& cli, const std::string& path, const EmbedFlags& flags,
          bool allow_unsealed) {
  const std::pair<const char*, const std::string*> required[] = {
      {"--symbol", &flags.options.symbol}, {"--incbin", &flags.options.incbin_path},
      {"--header", &flags.header},         {"--asm", &flags.assembly},
      {"--source", &flags.source},
  };
  for (const auto& [name, value] : required) {
    if (value->empty())
      return cli.UsageError(std::string("embed needs ") + name + "; " + kEmbedUsage);
  }
  if (absl::Status s = ncc::tools::CheckEmbedOptions(flags.options); !s.ok()) {
    return cli.UsageError(std::string(s.message()));
  }
  const std::vector<std::string> outputs = {flags.header, flags.assembly, flags.source};
  if (flags.header == flags.assembly || flags.header == flags.source ||
      flags.assembly == flags.source) {
    return cli.UsageError("embed: --header, --asm and --source must be three different files");
  }
  // Refused before reading the NEFF, so a bad output fails at once.
  const std::vector<std::string> inputs = {path};
  for (const std::string& output : outputs) {
    if (absl::Status s = ncc::fileio::CheckOutputPath(output, inputs); !s.ok()) {
      std::fprintf(stderr, "neff embed: %s\n", std::string(s.message()).c_str());
      return kExitOutput;
    }
  }
  std::unique_ptr<ncc::runtime::NeffImage> image;
  const neff::Model* model = nullptr;
  if (auto exit_code = LoadChecked("embed", path, allow_unsealed, &image, &model)) {
    return *exit_code;
  }
  auto sources = ncc::tools::GenerateEmbedSources(image->bytes(), *model, flags.options);
  if (!sources.ok()) {
    std::fprintf(stderr, "neff embed: %s: %s\n", path.c_str(),
                 std::string(sources.status().message()).c_str());
    return kExitInvalid;
  }
  const std::pair<const std::string*, const std::string*> files[] = {
      {&flags.header, &sources->header},
      {&flags.assembly, &sources->assembly},
      {&flags.source, &sources->source},
  };
  for (const auto& [output, text] : files) {
    if (absl::Status s = ncc::fileio::WriteFileSafely(*output, *text, inputs); !s.ok()) {
      std::fprintf(stderr, "neff embed: %s\n", std::string(s.message()).c_str());
      return kExitOutput;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ncc::cli::CommandLine cli("neff", kUsage, kExitUsage);
  cli.UsageIfNoArguments();
  constexpr const char* kInspectCommands[] = {"info", "dump", "verify"};
  std::vector<std::string> files;
  std::vector<ncc::cli::Command*> commands;
  bool allow_unsealed = false;
  for (const char* name : kInspectCommands) {
    commands.push_back(&cli.Subcommand(name));
    commands.back()->Positionals(&files);
  }
  commands[2]->Switch("--allow-unsealed", &allow_unsealed);

  EmbedFlags embed_flags;
  ncc::cli::Command& embed = cli.Subcommand("embed");
  embed.Positionals(&files);
  embed.Value("--symbol", &embed_flags.options.symbol, "a C identifier");
  embed.Value("--incbin", &embed_flags.options.incbin_path, "a path");
  embed.Value("--header", &embed_flags.header, "a file name");
  embed.Value("--asm", &embed_flags.assembly, "a file name");
  embed.Value("--source", &embed_flags.source, "a file name");
  embed.Value("--label", &embed_flags.options.label, "a Bazel label");
  embed.Switch("--allow-unsealed", &allow_unsealed);

  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (embed.chosen()) {
    if (files.size() != 1) {
      return cli.UsageError(std::string("embed needs one MODEL.neff; ") + kEmbedUsage);
    }
    return Embed(cli, files[0], embed_flags, allow_unsealed);
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!commands[i]->chosen()) continue;
    if (files.size() != 1) {
      return cli.UsageError(std::string(kInspectCommands[i]) + " needs one FILE; " + kInspectUsage);
    }
    return Run(kInspectCommands[i], files[0], allow_unsealed);
  }
  return cli.UsageError(std::string("no command given; ") + kUsage);
}
