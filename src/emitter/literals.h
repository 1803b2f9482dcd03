// Exact C++ literals. Every float in generated code goes through float_literal.
#pragma once
#include <cstdint>
#include <string>

namespace onnx2mcu {

// Shortest decimal that reads back to the same float, with an 'f' suffix: "0.1f", "-3.f",
// "1e-07f"; NaN and infinities as compiler builtins.
std::string float_literal(float v);
std::string double_literal(double v);
std::string int_literal(int64_t v, bool is_unsigned = false);
// "\"name\"" with quotes, backslashes and every byte outside printable ASCII as a three-digit
// octal escape, so any ONNX name is a valid, exact C string literal.
std::string string_literal(const std::string& s);

}  // namespace onnx2mcu
