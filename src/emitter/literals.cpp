#include "emitter/literals.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace onnx2mcu {
namespace {

// Tries increasing precision until the text reads back exactly: short and exact.
template <typename T>
std::string shortest(T v, int max_digits, const char* suffix) {
  if (std::isnan(v)) return std::string(std::signbit(v) ? "-" : "") + (sizeof(T) == 4 ? "__builtin_nanf(\"\")" : "__builtin_nan(\"\")");
  if (std::isinf(v)) return std::string(v < 0 ? "-" : "") + (sizeof(T) == 4 ? "__builtin_inff()" : "__builtin_inf()");
  char buf[64];
  for (int prec = 1; prec <= max_digits; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, static_cast<double>(v));
    T back = sizeof(T) == 4 ? static_cast<T>(std::strtof(buf, nullptr)) : static_cast<T>(std::strtod(buf, nullptr));
    if (back == v && std::signbit(back) == std::signbit(v)) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".";
  return s + suffix;
}

}  // namespace

std::string float_literal(float v) { return shortest(v, 9, "f"); }
std::string double_literal(double v) { return shortest(v, 17, ""); }

std::string int_literal(int64_t v, bool is_unsigned) {
  // INT64_MIN has no literal of its own: spell it as an expression.
  if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807LL - 1)";
  std::string s = std::to_string(v);
  if (is_unsigned) return s + "u";
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()) s += "LL";
  return s;
}

std::string string_literal(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f || c == '?') {  // '?': no trigraph in older C
      const char oct[] = {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)), static_cast<char>('0' + (c & 7)), 0};
      out += oct;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace onnx2mcu
