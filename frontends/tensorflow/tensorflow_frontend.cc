#include "frontends/tensorflow/tensorflow_frontend.h"

#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fileio/bounded_read.h"
#include "frontends/tensorflow/graphdef_import.h"
#include "frontends/tensorflow/op_table.h"
#include "frontends/tensorflow/saved_model.h"
#include "frontends/tensorflow/tfjs_model.h"

namespace ncc::tensorflow_frontend {

const TensorflowFrontend& TensorflowFrontend::Get() {
  static const auto* const kFrontend = new TensorflowFrontend;
  return *kFrontend;
}

absl::StatusOr<frontends::ImportedModel> TensorflowFrontend::Import(
    absl::Span<const std::string> files, const frontends::ImportOptions& options) const {
  if (files.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a TensorFlow model is one frozen GraphDef (.pb or .pbtxt), got ", files.size(),
        " files"));
  }
  const std::string& path = files[0];
  if (absl::EndsWithIgnoreCase(path, ".json")) return ImportTfjsModel(path, options);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return ImportSavedModel(path, options);
  }
  if (!options.tags.empty() || !options.signature.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": --tags and --signature choose a graph of a TensorFlow SavedModel; a frozen "
              "GraphDef has one graph"));
  }
  auto file = fileio::RegularFile::Open(path);
  if (!file.ok()) return file.status();
  // Checked before reading: protobuf cannot parse 2 GiB or more.
  if (file->size() > kProtobufLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the graph is ", fileio::FormatBytes(file->size()),
        "; protobuf cannot read a GraphDef of 2 GiB or more (save the model as a SavedModel, "
        "whose weights live outside the graph)"));
  }
  auto bytes = file->ReadAll(kProtobufLimit, "a GraphDef");
  if (!bytes.ok()) return bytes.status();
  const bool text = absl::EndsWithIgnoreCase(path, ".pbtxt") ||
                    absl::EndsWithIgnoreCase(path, ".pbtext") ||
                    absl::EndsWithIgnoreCase(path, ".txt");
  return ImportGraphDefBytes(*bytes, text, path, options);
}

absl::StatusOr<frontends::ImportedModel> ImportGraphDefBytes(
    const std::string& bytes, bool text, absl::string_view origin,
    const frontends::ImportOptions& options) {
  auto graph = ParseGraphDef(bytes, text, origin);
  if (!graph.ok()) return graph.status();
  return ImportGraphDef(*graph, origin, options);
}

std::string TensorflowFrontend::FormatOperatorTable() const {
  return tensorflow_frontend::FormatOperatorTable();
}

std::string TensorflowFrontend::FormatOperatorJson() const {
  return tensorflow_frontend::FormatOperatorJson();
}

}  // namespace ncc::tensorflow_frontend
