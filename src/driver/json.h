// JSON text for the reports that scripts read (inspect --json, verify --json).
#pragma once
#include <fmt/format.h>

#include <cmath>
#include <string>

namespace onnx2mcu {

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// JSON has no inf or nan: they are null.
inline std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace onnx2mcu
