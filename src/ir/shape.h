// Static shapes. A dim < 0 is still unknown (symbolic); passes must resolve it or fail.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onnx2mcu {

using Shape = std::vector<int64_t>;
constexpr int64_t kUnknownDim = -1;

// Product of dims; 1 for a scalar. Throws onnx2mcu::Error on overflow or unknown dims.
int64_t shape_elems(const Shape& s);
// Bytes of a tensor of this shape: shape_elems(s) * elem_size, also checked for overflow.
int64_t shape_bytes(const Shape& s, size_t elem_size);
// The same for elements of `bits` bits packed into bytes (4 for int4): ceil(elems * bits / 8).
int64_t shape_bits_bytes(const Shape& s, int bits);
bool shape_known(const Shape& s);
std::string shape_str(const Shape& s);  // "[1,3,96,96]"; unknown dims print as "?"
std::string shape_x(const Shape& s);    // "1x3x96x96", the CLI's --shape spelling

}  // namespace onnx2mcu
