#include "ir/tensor.h"

#include <limits>

#include "kernels/common.hpp"
#include "onnx2mcu/error.h"

namespace onnx2mcu {

int64_t shape_elems(const Shape& s) {
  // The product of the non-zero dims must fit too: an empty [0,2^40,2^40] would otherwise
  // let the partial products that shape rules compute (rows * cols, ...) overflow.
  int64_t n = 1;
  bool empty = false;
  for (int64_t d : s) {
    if (d < 0) throw Error("shape " + shape_str(s) + " has an unknown dim");
    if (d == 0) {
      empty = true;
      continue;
    }
    if (n > std::numeric_limits<int64_t>::max() / d)
      throw Error("shape " + shape_str(s) + " has more elements than fit in 64 bits");
    n *= d;
  }
  return empty ? 0 : n;
}

int64_t shape_bytes(const Shape& s, size_t elem_size) {
  const int64_t n = shape_elems(s), size = static_cast<int64_t>(elem_size);
  if (size != 0 && n > std::numeric_limits<int64_t>::max() / size)
    throw Error("shape " + shape_str(s) + " has more bytes than fit in 64 bits");
  return n * size;
}

int64_t shape_bits_bytes(const Shape& s, int bits) {
  if (bits % 8 == 0) return shape_bytes(s, static_cast<size_t>(bits / 8));
  const int64_t n = shape_elems(s);
  return n / 8 * bits + (n % 8 * bits + 7) / 8;  // no overflow: bits < 8
}

bool shape_known(const Shape& s) {
  for (int64_t d : s)
    if (d < 0) return false;
  return true;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += s[i] < 0 ? "?" : std::to_string(s[i]);
  }
  return out + "]";
}

std::string shape_x(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += "x";
    out += s[i] < 0 ? "?" : std::to_string(s[i]);
  }
  return out.empty() ? "scalar" : out;
}

// Scalar inputs (Pad's constant_value, Range's start, ...) are read as element 0: a model may
// hand an empty tensor there, so every read is checked (found by fuzz_graphs, issue 13).
static void check_index(const Tensor& t, int64_t i) {
  if (i < 0 || i >= t.elems())
    throw Error("reads element " + std::to_string(i) + " of a tensor of shape " + shape_str(t.shape) +
                ", which has " + std::to_string(t.elems()) + " elements (a scalar was expected)");
}

int64_t Tensor::int_at(int64_t i) const {
  return visit_any_dtype(dtype, [&](auto t) -> int64_t {
    using T = decltype(t);
    check_index(*this, i);
    return o2m::convert<int64_t>(o2m::load(data<T>(), static_cast<int32_t>(i)));
  });
}

double Tensor::float_at(int64_t i) const {
  return visit_any_dtype(dtype, [&](auto t) -> double {
    using T = decltype(t);
    check_index(*this, i);
    return o2m::convert<double>(o2m::load(data<T>(), static_cast<int32_t>(i)));
  });
}

std::vector<int64_t> Tensor::to_ints() const {
  std::vector<int64_t> v(static_cast<size_t>(elems()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = int_at(static_cast<int64_t>(i));
  return v;
}

}  // namespace onnx2mcu
