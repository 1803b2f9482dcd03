// Shared by the quantized op files (qlinear_*.cpp) and the lower-qdq pass: 8-bit type
// dispatch, constant quantisation parameters, conv geometry, compile-time multipliers.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "kernels/conv.hpp"

namespace onnx2mcu {

bool is_q8(DType t);

// Calls f(T{}) for int8 or uint8; fails the node for other types.
template <typename F>
auto visit_q8(const Node& n, DType t, F&& f) {
  if (t == DType::I8) return f(int8_t{});
  if (t == DType::U8) return f(uint8_t{});
  n.fail(std::string("expects int8 or uint8 data, got ") + dtype_name(t));
}

// Internal 8-bit ops record their output type as attribute "y_signed" (1 = int8, 0 = uint8).
DType q8_type_attr(const Node& n);
void set_q8_type_attr(Node& n, DType t);

// Element i of a constant float input (a scale); fails when it is only known at run time.
float const_float(const Node& n, size_t input, int64_t i = 0);
// Element i of a constant integer input (a zero point); 0 when the input is omitted.
int32_t const_int(const Node& n, size_t input, int64_t i = 0);
// True when input i is absent or constant.
bool const_or_absent(const Node& n, size_t input);

// Conv geometry from the node's attributes; w is the weight shape [c_out, c_in/group, k...].
Shape qconv_output_shape(const Node& n, const Shape& x, const Shape& w);
o2m::ConvParams qconv_params(const Node& n, const Shape& x, const Shape& w, const Shape& y);

// A real multiplier as the kernels' fixed-point pair (see quant.hpp); fails the node when it
// is out of the representable range.
void quantize_multiplier_checked(const Node& n, double m, int32_t* mult, int32_t* shift);

// The int attribute, failing when absent (internal ops always carry it).
int32_t attr_i32(const Node& n, const char* key);

}  // namespace onnx2mcu
