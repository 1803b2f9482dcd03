#include "ops/qlinear.h"

#include <cmath>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/window.h"

namespace onnx2mcu {

bool is_q8(DType t) { return t == DType::I8 || t == DType::U8; }

DType q8_type_attr(const Node& n) { return n.attr_int("y_signed", 1) ? DType::I8 : DType::U8; }

void set_q8_type_attr(Node& n, DType t) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = t == DType::I8 ? 1 : 0;
  n.attrs["y_signed"] = a;
}

float const_float(const Node& n, size_t input, int64_t i) {
  const Tensor& t = constant_input(n, input, "a quantization scale");
  if (t.dtype != DType::F32) n.fail("expects a float32 scale");
  if (i >= t.elems()) n.fail("scale has " + std::to_string(t.elems()) + " values, needs " + std::to_string(i + 1));
  return t.data<float>()[i];
}

int32_t const_int(const Node& n, size_t input, int64_t i) {
  if (!n.input(input)) return 0;
  const Tensor& t = constant_input(n, input, "a zero point");
  if (i >= t.elems()) n.fail("zero point has " + std::to_string(t.elems()) + " values, needs " + std::to_string(i + 1));
  return static_cast<int32_t>(t.int_at(i));
}

bool const_or_absent(const Node& n, size_t input) { return !n.input(input) || n.input(input)->is_const(); }

Shape qconv_output_shape(const Node& n, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 5) n.fail("expects input of rank 3 to 5, got " + shape_str(x));
  if (w.size() != x.size()) n.fail("weight " + shape_str(w) + " does not match input " + shape_str(x));
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (n.has_attr("kernel_shape") && n.attr_ints("kernel_shape") != kernel)
    n.fail("kernel_shape attribute disagrees with the weight shape " + shape_str(w));
  const int64_t group = n.attr_int("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
    n.fail("weight " + shape_str(w) + " and group " + std::to_string(group) + " do not fit input " + shape_str(x));
  Window win = compute_window(n, x, kernel, false);
  Shape out{x[0], w[0]};
  out.insert(out.end(), win.out.begin(), win.out.end());
  return out;
}

o2m::ConvParams qconv_params(const Node& n, const Shape& x, const Shape& w, const Shape& y) {
  Window win = compute_window(n, x, std::vector<int64_t>(w.begin() + 2, w.end()), false);
  o2m::ConvParams p{};
  p.n = i32(n, x[0]);
  p.c_in = i32(n, x[1]);
  p.c_out = i32(n, y[1]);
  p.group = i32(n, n.attr_int("group", 1));
  spatial_array(n, Shape(x.begin() + 2, x.end()), p.in, 1);
  spatial_array(n, Shape(y.begin() + 2, y.end()), p.out, 1);
  spatial_array(n, win.kernel, p.k, 1);
  spatial_array(n, win.strides, p.stride, 1);
  spatial_array(n, win.dilations, p.dil, 1);
  spatial_array(n, win.pad_begin, p.pad, 0);
  return p;
}

void quantize_multiplier_checked(const Node& n, double m, int32_t* mult, int32_t* shift) {
  *mult = 0;
  *shift = 0;
  if (!(m >= 0.0) || std::isinf(m)) n.fail("quantization scales give a negative or invalid rescale factor " + std::to_string(m));
  if (m == 0.0) return;
  int e = 0;
  const double f = std::frexp(m, &e);  // m = f * 2^e, f in [0.5, 1)
  auto q = static_cast<int64_t>(std::llround(f * 2147483648.0));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++e;
  }
  if (e > 30) n.fail("rescale factor " + std::to_string(m) + " is too large for a fixed-point multiplier");
  if (e < -31) return;  // below 2^-62 of the accumulator: every output rounds to 0
  *mult = static_cast<int32_t>(q);
  *shift = e;
}

int32_t attr_i32(const Node& n, const char* key) {
  if (!n.has_attr(key)) n.fail(std::string("internal op lacks attribute '") + key + "'");
  return i32(n, n.attr_int(key, 0));
}

}  // namespace onnx2mcu
