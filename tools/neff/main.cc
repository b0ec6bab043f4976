// neff: inspect and check NEFF files.
//
//   neff info FILE     metadata, I/O signature, section sizes and checksums,
//                      instruction counts per engine
//   neff dump FILE     every queue's instructions with access patterns,
//                      waits/signals and graph node names
//   neff verify FILE   the runtime's full load-time check (structure,
//                      checksums, instruction verifier, deadlock check)
//
// Exit codes: 0 ok (verify: the file is valid), 1 the file is invalid
// (verify) or unreadable as a NEFF (info, dump), 2 usage or unreadable file.
// Errors are one line on stderr.
#include <cstdio>
#include <cstring>
#include <string>

#include "neff/format.h"
#include "neff/inspect.h"
#include "runtime/neff_loader.h"

namespace {

constexpr char kUsage[] = "usage: neff info FILE | neff dump FILE | neff verify FILE\n";

int Run(const std::string& command, const std::string& path) {
  auto image = ncc::runtime::NeffImage::MapFile(path);
  if (!image.ok()) {
    std::fprintf(stderr, "neff %s: %s\n", command.c_str(),
                 std::string(image.status().message()).c_str());
    return 2;
  }
  const absl::string_view bytes = (*image)->bytes();
  if (command == "verify") {
    auto model = ncc::runtime::CheckNeff(bytes, ncc::runtime::LoadOptions());
    if (!model.ok()) {
      std::fprintf(stderr, "neff verify: %s: %s\n", path.c_str(),
                   std::string(model.status().message()).c_str());
      return 1;
    }
    std::printf("%s: valid NEFF %d.%d%s\n", path.c_str(), (*model)->version_major(),
                (*model)->version_minor(),
                (*model)->checksums() ? ", checksums verified" : ", not sealed");
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
  if (argc != 3) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command != "info" && command != "dump" && command != "verify") {
    std::fprintf(stderr, "neff: unknown command '%s'; %s", argv[1], kUsage);
    return 2;
  }
  return Run(command, argv[2]);
}
