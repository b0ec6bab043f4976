#include "text/printable.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ncc::text {
namespace {

// Length of the valid UTF-8 sequence at text[i] and its code point, or 0
// when the bytes there are not one (overlong forms and surrogates included).
int DecodeUtf8(absl::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  int length;
  uint32_t cp, min;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, cp = lead & 0x1f, min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, cp = lead & 0x0f, min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (int k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  *code_point = cp;
  return length;
}

// C1 controls (0x9b is CSI on some terminals), line and paragraph
// separators, and the characters that reorder displayed text.
bool IsControlCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string PrintableName(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    uint32_t cp = 0;
    const int length = c >= 0x80 ? DecodeUtf8(text, i, &cp) : 1;
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x80 && length > 0 && IsControlCodePoint(cp)) {
      out += absl::StrFormat("\\u%04x", cp);
    } else if (c >= 0x80 && length > 0) {
      out.append(text.data() + i, length);
    } else {
      out += absl::StrFormat("\\x%02x", c);
    }
    i += length > 0 ? length : 1;
  }
  return out;
}

std::string QuotedName(absl::string_view text) {
  return absl::StrCat("'", PrintableName(text), "'");
}

}  // namespace ncc::text
