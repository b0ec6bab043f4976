#include "text/json_text.h"

#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::text {

absl::Status CheckJsonText(absl::string_view json, absl::string_view origin,
                           absl::string_view what, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": a NUL byte at offset ", i, "; ", what, " must be JSON text"));
    }
    if (in_string) {
      if (c == '\\' && i + 1 < json.size() && json[i + 1] != '\0') ++i;
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if ((c == '{' || c == '[') && ++depth > max_depth) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": JSON nested deeper than ",
                                                     max_depth, " levels at offset ", i));
    }
    if ((c == '}' || c == ']') && depth > 0) --depth;
  }
  return absl::OkStatus();
}

std::string JsonErrorMessage(absl::string_view exception_what) {
  const size_t tag_end = exception_what.find("] ");
  if (exception_what.substr(0, 1) == "[" && tag_end != absl::string_view::npos) {
    exception_what.remove_prefix(tag_end + 2);
  }
  return PrintableName(exception_what);
}

}  // namespace ncc::text
