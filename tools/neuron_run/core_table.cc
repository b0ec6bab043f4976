#include "tools/neuron_run/core_table.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "text/printable.h"

namespace ncc::neuron_run {
namespace {

std::string Row(const std::string& nc, const std::string& physical, const std::string& chip,
                const std::string& model, const std::string& stage, const std::string& use,
                const std::string& name) {
  return absl::StrFormat("%-3s %-9s %-5s %-6s %-6s %-10s %s\n", nc, physical, chip, model, stage,
                         use, name);
}

// A JSON string literal of `s` (bytes >= 0x80 pass through: names are UTF-8).
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string CoreTable(const nrt_core_info_array_t& info) {
  std::string out = Row("NC", "PHYSICAL", "CHIP", "MODEL", "STAGE", "USE", "NAME");
  for (uint32_t i = 0; i < info.core_count; ++i) {
    const nrt_core_info_t& c = info.cores[i];
    const std::string nc = absl::StrCat(c.logical_nc), physical = absl::StrCat(c.physical_nc),
                      chip = absl::StrCat(c.chip);
    if (c.model_count == 0) out += Row(nc, physical, chip, "-", "-", "free", "-");
    for (uint32_t j = 0; j < c.model_count; ++j) {
      const nrt_core_model_info_t& m = c.models[j];
      const std::string name = *m.name == '\0' ? "(memory)" : text::PrintableName(m.name);
      out +=
          Row(nc, physical, chip, absl::StrCat(m.model_id),
              absl::StrCat(m.stage, "/", m.num_stages), m.exclusive ? "exclusive" : "shared", name);
    }
  }
  return out;
}

std::string CoreJson(const nrt_core_info_array_t& info) {
  std::string out =
      absl::StrCat("{\n  \"total_cores\": ", info.total_core_count, ",\n  \"cores\": [");
  for (uint32_t i = 0; i < info.core_count; ++i) {
    const nrt_core_info_t& c = info.cores[i];
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"nc\": ", c.logical_nc,
                    ", \"physical\": ", c.physical_nc, ", \"chip\": ", c.chip, ", \"models\": [");
    for (uint32_t j = 0; j < c.model_count; ++j) {
      const nrt_core_model_info_t& m = c.models[j];
      absl::StrAppend(&out, j == 0 ? "" : ", ", "{\"id\": ", m.model_id,
                      ", \"name\": ", JsonString(m.name), ", \"stage\": ", m.stage,
                      ", \"num_stages\": ", m.num_stages,
                      ", \"exclusive\": ", m.exclusive ? "true" : "false", "}");
    }
    out += "]}";
  }
  return out + (info.core_count == 0 ? "]\n}\n" : "\n  ]\n}\n");
}

}  // namespace ncc::neuron_run
