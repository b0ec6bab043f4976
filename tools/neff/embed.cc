#include "tools/neff/embed.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "neff/checksum.h"
#include "neff/format.h"
#include "text/printable.h"

namespace ncc::tools {
namespace {

using ncc::text::QuotedName;

// Names the symbol may not take: C and C++ keywords (C23 and C++20
// included), and the names the generated files themselves use or include.
constexpr const char* kTakenNames[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return",
    "co_yield", "compl", "concept", "const", "const_cast", "consteval", "constexpr", "constinit",
    "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "main", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try",
    "typedef", "typeid", "typename", "typeof", "typeof_unqual", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    // bazel/embedded_neff.h, <stddef.h>, <stdint.h>.
    "ncc_embedded_neff", "ncc_embedded_tensor", "NULL", "offsetof"};

bool IsIdentifierStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentifierChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

absl::Status CheckSymbol(const std::string& symbol) {
  const std::string quoted = QuotedName(symbol);
  if (symbol.empty()) return absl::InvalidArgumentError("--symbol is empty");
  bool identifier = IsIdentifierStart(symbol[0]);
  for (char c : symbol) identifier &= IsIdentifierChar(c);
  if (!identifier) {
    return absl::InvalidArgumentError(
        absl::StrCat("--symbol ", quoted, " is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)"));
  }
  // C reserves file-scope names that begin with an underscore, and C++ every
  // name holding "__"; S_data and S_NUM_INPUTS must not be reserved either.
  if (symbol[0] == '_' || symbol.find("__") != std::string::npos || symbol.back() == '_') {
    return absl::InvalidArgumentError(
        absl::StrCat("--symbol ", quoted, " would make a reserved identifier (it or ", symbol,
                     "_data would begin with an underscore or hold \"__\")"));
  }
  if (absl::EndsWith(symbol, "_t")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--symbol ", quoted, " ends in _t, which names types (and POSIX reserves)"));
  }
  for (const char* taken : kTakenNames) {
    if (symbol == taken) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--symbol ", quoted, " is a C or C++ keyword or a name the generated code uses"));
    }
  }
  return absl::OkStatus();
}

bool HasControlCharacter(absl::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string OctalEscape(unsigned char c) { return absl::StrFormat("\\%03o", c); }

// A string for the GNU assembler, quotes included. Control characters were
// refused; '?' is escaped like the rest because the .S file goes through
// the C preprocessor, which may read "??/" as a backslash.
std::string AssemblerString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '\\' || c == '"' || c == '?') {
      out += OctalEscape(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Text for a /* */ or // comment: printable ASCII but the characters that
// could end the comment, continue the line or form a trigraph.
std::string CommentText(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    const bool plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '*' && c != '?';
    out += plain ? std::string(1, static_cast<char>(c)) : OctalEscape(c);
  }
  return out;
}

// The shortest decimal that reads back as `value` (deterministic, and
// exact, unlike %g).
std::string DoubleLiteral(double value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string out(buffer, error == std::errc() ? end : buffer);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

struct Tensor {
  std::string literal;  // the name as a C string literal
  const char* dtype;
  std::vector<int64_t> shape;
  uint64_t bytes;
};

absl::StatusOr<std::vector<Tensor>> ReadTensors(
    const flatbuffers::Vector<flatbuffers::Offset<neff::TensorInfo>>* infos, const char* kind) {
  std::vector<Tensor> tensors;
  if (infos == nullptr) return tensors;
  for (const neff::TensorInfo* info : *infos) {
    Tensor t;
    if (info->name() == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(kind, " ", tensors.size(), " has no name"));
    }
    t.literal = CStringLiteral(info->name()->str());
    t.dtype = neff::DTypeUserName(info->dtype());
    if (t.dtype == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(kind, " ", t.literal, " has an unknown dtype"));
    }
    uint64_t bytes = neff::DTypeSize(info->dtype());
    if (info->shape() != nullptr) {
      for (int64_t d : *info->shape()) {
        // CheckNeff has refused negative dims and tensors larger than the
        // DRAM arena; checked again because the table must not wrap.
        if (d < 0 || (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d)) {
          return absl::InvalidArgumentError(absl::StrCat(kind, " ", t.literal, " has a bad shape"));
        }
        bytes *= d;
        t.shape.push_back(d);
      }
    }
    if (t.shape.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return absl::InvalidArgumentError(absl::StrCat(kind, " ", t.literal, " has too many dims"));
    }
    t.bytes = bytes;
    tensors.push_back(std::move(t));
  }
  return tensors;
}

std::string Describe(const Tensor& t) {
  return absl::StrCat(t.literal, " ", t.dtype, " [", absl::StrJoin(t.shape, ", "), "], ", t.bytes,
                      " bytes");
}

std::string GeneratedBy(const EmbedOptions& options) {
  return options.label.empty() ? "Generated by cc_neff_library (neff embed). Do not edit."
                               : absl::StrCat("Generated by cc_neff_library (neff embed) from ",
                                              CommentText(options.label), ". Do not edit.");
}

std::string Header(const EmbedOptions& options, uint64_t size, const std::vector<Tensor>& inputs,
                   const std::vector<Tensor>& outputs, double latency_us) {
  const std::string& s = options.symbol;
  const std::string upper = absl::AsciiStrToUpper(s);
  const std::string guard = absl::StrCat("NCC_EMBEDDED_", upper, "_H_");
  std::string out = absl::StrCat("/* ", GeneratedBy(options), "\n *\n * ", s, ": a NEFF of ", size,
                                 " bytes embedded in this library. Load it with\n *   nrt_load(", s,
                                 ".data, ", s, ".size, 0, -1, &model);\n",
                                 " * (runtime/nrt.h). bazel/embedded_neff.h describes the fields.\n"
                                 " *\n * inputs:\n");
  for (const Tensor& t : inputs) absl::StrAppend(&out, " *   ", Describe(t), "\n");
  absl::StrAppend(&out, " * outputs:\n");
  for (const Tensor& t : outputs) absl::StrAppend(&out, " *   ", Describe(t), "\n");
  if (latency_us > 0) {
    absl::StrAppendFormat(&out,
                          " * estimated latency: %.1f us (the compiler's cost-model estimate, not"
                          " a measurement)\n",
                          latency_us);
  } else {
    absl::StrAppend(&out, " * estimated latency: not in the NEFF (0)\n");
  }
  absl::StrAppend(&out, " */\n#ifndef ", guard, "\n#define ", guard, "\n\n",
                  "#include \"bazel/embedded_neff.h\"\n\n",                //
                  "#define ", upper, "_NUM_INPUTS ", inputs.size(), "\n",  //
                  "#define ", upper, "_NUM_OUTPUTS ", outputs.size(), "\n\n",
                  "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
                  "extern const ncc_embedded_neff_t ", s, ";\n\n",
                  "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n",  //
                  "#endif /* ", guard, " */\n");
  return out;
}

std::string Assembly(const EmbedOptions& options, absl::string_view bytes) {
  const std::string data = absl::StrCat(options.symbol, "_data");
  return absl::StrFormat(
      "/* %s\n"
      " * The bytes of %s: a NEFF of %zu bytes, xxh64 %#018x, read from\n"
      " * the .incbin file when this is assembled. The hash is here so that\n"
      " * another NEFF of the same size changes this file (and the object is\n"
      " * rebuilt). */\n"
      "\t.section \".rodata.%s\",\"a\"\n"
      "\t.balign 64\n"
      "\t.globl %s\n"
      "\t.type %s, @object\n"
      "%s:\n"
      "\t.incbin %s\n"
      "\t/* Another file there (a stale copy) would not match the table. */\n"
      "\t.if . - %s - %zu\n"
      "\t.error \"the .incbin file is not the %zu-byte NEFF this file was generated from\"\n"
      "\t.endif\n"
      "\t.size %s, %zu\n"
      "\t/* Without this note the linker would make the stack executable. */\n"
      "\t.section .note.GNU-stack,\"\",@progbits\n",
      GeneratedBy(options), options.symbol, bytes.size(),
      neff::Xxh64Hash(bytes.data(), bytes.size()), options.symbol, data, data, data,
      AssemblerString(options.incbin_path), data, bytes.size(), bytes.size(), data, bytes.size());
}

std::string Source(const EmbedOptions& options, uint64_t size, const std::vector<Tensor>& inputs,
                   const std::vector<Tensor>& outputs, double latency_us) {
  const std::string& s = options.symbol;
  std::string out = absl::StrCat(
      "// ", GeneratedBy(options), "\n// The table ", s, " (declared in its header). Its bytes, ",
      s, "_data,\n// come from its .S file.\n",
      "#include <stddef.h>\n#include <stdint.h>\n\n#include \"bazel/embedded_neff.h\"\n\n",
      "extern \"C\" const unsigned char ", s, "_data[];\n\nnamespace {\n");
  // Returns the table's name, or "nullptr" for an empty one.
  auto table = [&](const std::vector<Tensor>& tensors, const char* kind) -> std::string {
    if (tensors.empty()) return "nullptr";
    std::vector<std::string> rows;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const Tensor& t = tensors[i];
      std::string shape = "nullptr";
      if (!t.shape.empty()) {
        shape = absl::StrCat(s, "_", kind, i, "_shape");
        absl::StrAppend(&out, "\n// ", kind, " ", i, ": ", Describe(t), "\nconst int64_t ", shape,
                        "[] = {", absl::StrJoin(t.shape, ", "), "};\n");
      }
      rows.push_back(absl::StrCat("    {", t.literal, ", \"", t.dtype, "\", ", t.shape.size(), ", ",
                                  shape, ", ", t.bytes, "u},\n"));
    }
    const std::string name = absl::StrCat(s, "_", kind, "s");
    absl::StrAppend(&out, "\nconst ncc_embedded_tensor_t ", name, "[] = {\n",
                    absl::StrJoin(rows, ""), "};\n");
    return name;
  };
  const std::string input_table = table(inputs, "input");
  const std::string output_table = table(outputs, "output");
  absl::StrAppend(&out, "\n}  // namespace\n\n");
  absl::StrAppend(&out, "extern \"C\" const ncc_embedded_neff_t ", s, " = {\n");
  absl::StrAppend(&out, "    ", s, "_data,  // data\n");
  absl::StrAppend(&out, "    ", size, "u,  // size\n");
  absl::StrAppend(&out, "    ", input_table, ",  // inputs\n");
  absl::StrAppend(&out, "    ", inputs.size(), "u,  // num_inputs\n");
  absl::StrAppend(&out, "    ", output_table, ",  // outputs\n");
  absl::StrAppend(&out, "    ", outputs.size(), "u,  // num_outputs\n");
  absl::StrAppend(&out, "    ", DoubleLiteral(latency_us),
                  ",  // estimated_latency_us: the compiler's estimate, not a measurement\n");
  absl::StrAppend(&out, "    ", CStringLiteral(options.label), ",  // label\n};\n");
  return out;
}

}  // namespace

std::string CStringLiteral(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    const bool plain =
        absl::ascii_isalnum(c) || c == '_' || c == ' ' || c == '.' || c == '/' || c == '-';
    out += plain ? std::string(1, static_cast<char>(c)) : OctalEscape(c);
  }
  return out + "\"";
}

absl::Status CheckEmbedOptions(const EmbedOptions& options) {
  if (absl::Status s = CheckSymbol(options.symbol); !s.ok()) return s;
  if (options.incbin_path.empty()) return absl::InvalidArgumentError("--incbin is empty");
  if (HasControlCharacter(options.incbin_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--incbin ", QuotedName(options.incbin_path), " holds a control character"));
  }
  if (HasControlCharacter(options.label)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--label ", QuotedName(options.label), " holds a control character"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EmbedSources> GenerateEmbedSources(absl::string_view bytes, const neff::Model& model,
                                                  const EmbedOptions& options) {
  if (absl::Status s = CheckEmbedOptions(options); !s.ok()) return s;
  absl::StatusOr<std::vector<Tensor>> inputs = ReadTensors(model.inputs(), "input");
  if (!inputs.ok()) return inputs.status();
  absl::StatusOr<std::vector<Tensor>> outputs = ReadTensors(model.outputs(), "output");
  if (!outputs.ok()) return outputs.status();
  const double latency_ns =
      model.metadata() != nullptr ? model.metadata()->estimated_latency_ns() : 0.0;
  if (!std::isfinite(latency_ns) || latency_ns < 0) {
    return absl::InvalidArgumentError(absl::StrCat("metadata estimated_latency_ns ", latency_ns,
                                                   " is not a finite non-negative number"));
  }
  const double latency_us = latency_ns / 1000.0;
  EmbedSources sources;
  sources.header = Header(options, bytes.size(), *inputs, *outputs, latency_us);
  sources.assembly = Assembly(options, bytes);
  sources.source = Source(options, bytes.size(), *inputs, *outputs, latency_us);
  return sources;
}

}  // namespace ncc::tools
