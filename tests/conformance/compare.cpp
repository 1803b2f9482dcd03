#include "compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace conformance {
namespace {

using onnx2mcu::DType;
using onnx2mcu::Tensor;

// Every number in a message goes through here: enough digits to tell float32 values apart.
std::string num(double v, DType t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, t == DType::F64 ? "%.17g" : "%.9g", v);
  return buf;
}

bool close(double got, double ref, double rtol, double atol) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  return std::fabs(got - ref) <= atol + rtol * std::fabs(ref);  // false for a NaN or inf got
}

}  // namespace

std::string compare_output(const Tensor& ref, const std::vector<uint8_t>& got_bytes, double rtol, double atol) {
  if (got_bytes.size() != ref.bytes.size())
    return "the program printed " + std::to_string(got_bytes.size()) + " bytes, the reference has " +
           std::to_string(ref.bytes.size());
  Tensor got = ref;
  got.bytes = got_bytes;
  // float16, bfloat16, the float8 and float4 formats compare as their float values.
  const bool is_float = onnx2mcu::dtype_is_float(ref.dtype) || onnx2mcu::dtype_is_small_float(ref.dtype);
  const bool packed = onnx2mcu::dtype_is_packed(ref.dtype);  // int4, ...: element by element
  const size_t width = got_bytes.size() / static_cast<size_t>(std::max<int64_t>(1, ref.elems()));
  int64_t bad = 0, first = -1;
  double max_err = 0;
  for (int64_t i = 0; i < ref.elems(); ++i) {
    bool ok;
    if (is_float) {
      const double g = got.float_at(i), r = ref.float_at(i);
      ok = close(g, r, rtol, atol);
      if (!ok) max_err = std::isfinite(g - r) ? std::max(max_err, std::fabs(g - r)) : INFINITY;
    } else if (packed) {
      ok = got.int_at(i) == ref.int_at(i);
    } else {
      ok = std::memcmp(&got_bytes[static_cast<size_t>(i) * width], &ref.bytes[static_cast<size_t>(i) * width], width) == 0;
    }
    if (ok) continue;
    if (bad++ == 0) first = i;
  }
  if (bad == 0) return "";
  auto value = [&](const Tensor& t, int64_t i) {
    if (is_float) return num(t.float_at(i), t.dtype);
    if (t.dtype == DType::U64) return std::to_string(t.data<uint64_t>()[i]);
    if (t.dtype == DType::Bool) return std::string(t.data<uint8_t>()[i] ? "true" : "false");
    return std::to_string(t.int_at(i));
  };
  std::string s = std::to_string(bad) + " of " + std::to_string(ref.elems()) + " elements differ; first [" +
                  std::to_string(first) + "]: got " + value(got, first) + ", expected " + value(ref, first);
  if (is_float) s += "; max abs err " + num(max_err, DType::F32);
  return s;
}

}  // namespace conformance
