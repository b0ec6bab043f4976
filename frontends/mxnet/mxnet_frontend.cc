#include "frontends/mxnet/mxnet_frontend.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "frontends/mxnet/op_table.h"
#include "frontends/mxnet/params.h"
#include "frontends/mxnet/symbol.h"
#include "frontends/mxnet/symbol_import.h"

namespace ncc::mxnet_frontend {

const MxnetFrontend& MxnetFrontend::Get() {
  static const auto* const kFrontend = new MxnetFrontend;
  return *kFrontend;
}

absl::StatusOr<frontends::ImportedModel> MxnetFrontend::Import(
    absl::Span<const std::string> files, const frontends::ImportOptions& options) const {
  if (files.empty() || files.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an MXNet model is a symbol file and its params file (prefix-symbol.json "
        "prefix-0000.params), got ", files.size(), " files"));
  }
  if (!options.tags.empty() || !options.signature.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        files[0], ": --tags and --signature choose a graph of a TensorFlow SavedModel; an MXNet "
                  "symbol has one graph"));
  }
  size_t symbol_at = 0;
  if (files.size() == 2) {
    const bool first = absl::EndsWithIgnoreCase(files[0], ".json");
    const bool second = absl::EndsWithIgnoreCase(files[1], ".json");
    if (first == second) {
      return absl::InvalidArgumentError(absl::StrCat(
          files[0], ", ", files[1], ": want one symbol file (ending in .json) and one params file"));
    }
    symbol_at = first ? 0 : 1;
  }
  auto symbol = ReadSymbolFile(files[symbol_at]);
  if (!symbol.ok()) return symbol.status();
  std::vector<ParamArray> params;
  std::string params_path;
  if (files.size() == 2) {
    params_path = files[1 - symbol_at];
    auto read = ReadParamsFile(params_path);
    if (!read.ok()) return read.status();
    params = std::move(*read);
  }
  return ImportSymbol(*symbol, std::move(params), files[symbol_at],
                      params_path.empty() ? "(no params file)" : params_path, options);
}

std::string MxnetFrontend::FormatOperatorTable() const {
  return mxnet_frontend::FormatOperatorTable();
}

std::string MxnetFrontend::FormatOperatorJson() const {
  return mxnet_frontend::FormatOperatorJson();
}

}  // namespace ncc::mxnet_frontend
