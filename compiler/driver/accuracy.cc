#include "compiler/driver/accuracy.h"

#include "absl/strings/str_format.h"

namespace ncc::driver {

std::string FormatAccuracy(const std::vector<OutputAccuracy>& figures) {
  std::string text;
  for (const OutputAccuracy& f : figures) {
    absl::StrAppendFormat(&text, "  %s: max abs %.3e, max rel %.3e, cosine %.6f", f.name,
                          f.max_abs_error, f.max_rel_error, f.min_cosine);
    if (f.top1_agreement >= 0) {
      absl::StrAppendFormat(&text, ", top-1 %.1f%%, top-5 %.1f%%", 100 * f.top1_agreement,
                            100 * f.top5_agreement);
    }
    if (f.input_rounding_cosine >= 0) {
      absl::StrAppendFormat(&text, "; FP32 with only its inputs rounded: cosine %.6f",
                            f.input_rounding_cosine);
    }
    text += "\n";
  }
  return text;
}

}  // namespace ncc::driver
