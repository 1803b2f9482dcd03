// Shape, Size, ConstantOfShape, Range, EyeLike, OneHot, NonZero, Hann/Hamming/BlackmanWindow
// -> templates/kernels/generate.hpp.
// Their output shapes come from input shapes or constant inputs; Shape, Size and EyeLike read
// only shapes, so they fold even when their input is runtime data.
#include "kernels/generate.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "ops/index_math.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// ---- Shape, Size ----

// Shape's [start, end) range of dims (opset 15), clamped to the rank.
std::pair<int64_t, int64_t> shape_range(const Node& n) {
  const auto rank = static_cast<int64_t>(required_input(n, 0).shape.size());
  auto fix = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = fix(n.attr_int("start", 0)), end = fix(n.attr_int("end", rank));
  return {start, std::max(start, end)};
}

void infer_shape(Node& n) {
  expect_arity(n, 1, 1);
  auto [start, end] = shape_range(n);
  set_output(n, 0, DType::I64, {end - start});
}

std::vector<KernelCall> lower_shape(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  auto [start, end] = shape_range(n);
  o2m::ValuesParams p{};
  if (end - start > 8) n.fail("supports at most 8 dims");
  p.n = i32(n, end - start);
  for (int64_t d = start; d < end; ++d) p.values[d - start] = i32(n, x[static_cast<size_t>(d)]);
  return {make_call(O2M_KERNEL("generate.hpp", o2m::write_values, int64_t), "o2m::ValuesParams", p, {}, {n.outputs[0]})};
}

void infer_size(Node& n) {
  expect_arity(n, 1, 1);
  set_output(n, 0, DType::I64, {});
}

std::vector<KernelCall> lower_size(const Node& n) {
  o2m::ValuesParams p{};
  p.n = 1;
  p.values[0] = i32(n, required_input(n, 0).elems());
  return {make_call(O2M_KERNEL("generate.hpp", o2m::write_values, int64_t), "o2m::ValuesParams", p, {}, {n.outputs[0]})};
}

// ---- ConstantOfShape ----

Tensor fill_value(const Node& n) {
  auto it = n.attrs.find("value");
  if (it == n.attrs.end()) {
    Tensor t(DType::F32, {1});
    t.data<float>()[0] = 0.0f;
    return t;
  }
  if (it->second.kind != Attr::Kind::Tensor || !it->second.t || it->second.t->elems() != 1)
    n.fail("value must be a one-element tensor");
  return *it->second.t;
}

void infer_constant_of_shape(Node& n) {
  expect_arity(n, 1, 1);
  Shape s = constant_input(n, 0, "ConstantOfShape's shape").to_ints();
  for (int64_t d : s)
    if (d < 0) n.fail("shape " + shape_str(s) + " has a negative dim");
  set_output(n, 0, fill_value(n).dtype, s);
}

std::vector<KernelCall> lower_constant_of_shape(const Node& n) {
  const Tensor v = fill_value(n);
  uint64_t bits = 0;
  if (dtype_is_float(v.dtype) || dtype_is_small_float(v.dtype))
    std::memcpy(&bits, v.bytes.data(), v.bytes.size());  // little-endian host
  else bits = static_cast<uint64_t>(v.int_at(0));
  o2m::FillParams p{i32(n, n.outputs[0]->elems()), static_cast<int32_t>(static_cast<uint32_t>(bits)),
                    static_cast<int32_t>(static_cast<uint32_t>(bits >> 32))};
  return {visit_dtype(v.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("generate.hpp", o2m::fill, T), "o2m::FillParams", p, {}, {n.outputs[0]});
  })};
}

// ---- Range ----

int64_t range_count(const Node& n) {
  const Tensor& start = constant_input(n, 0, "Range's start");
  const Tensor& limit = constant_input(n, 1, "Range's limit");
  const Tensor& delta = constant_input(n, 2, "Range's delta");
  // Scalars by the spec; an empty tensor here has no element 0 to read.
  for (const Tensor* t : {&start, &limit, &delta})
    if (t->elems() != 1) n.fail("start, limit and delta must be scalars, got a tensor of " + std::to_string(t->elems()) + " elements");
  double count;
  if (dtype_is_float(start.dtype)) {
    count = std::ceil((limit.float_at(0) - start.float_at(0)) / delta.float_at(0));
  } else {
    int64_t span = 0;
    const int64_t step = delta.int_at(0);
    if (step == 0) n.fail("delta is 0");
    // limit - start can wrap (INT64_MIN to INT64_MAX), and INT64_MIN / -1 traps.
    if (__builtin_sub_overflow(limit.int_at(0), start.int_at(0), &span) || (span == INT64_MIN && step == -1))
      n.fail("the range has more elements than fit in 64 bits");
    count = static_cast<double>(span / step + (span % step != 0 && (span < 0) == (step < 0)));
  }
  if (!(count < 2147483647.0)) n.fail("the range does not end (delta 0 or too many elements)");
  return count > 0 ? static_cast<int64_t>(count) : 0;
}

void infer_range(Node& n) {
  expect_arity(n, 3, 3);
  const Value& start = required_input(n, 0);
  expect_same_dtype(n, start.dtype);
  set_output(n, 0, start.dtype, {range_count(n)});
}

std::vector<KernelCall> lower_range(const Node& n) {
  o2m::RangeParams p{i32(n, range_count(n))};
  return {visit_numeric(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("generate.hpp", o2m::range, T), "o2m::RangeParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

// ---- EyeLike ----

DType eye_dtype(const Node& n) {
  if (!n.has_attr("dtype")) return required_input(n, 0).dtype;
  const DType t = dtype_from_onnx(static_cast<int>(n.attr_int("dtype", 0)));
  if (t == DType::Undefined) n.fail("unsupported dtype " + std::to_string(n.attr_int("dtype", 0)));
  return t;
}

void infer_eye_like(Node& n) {
  expect_arity(n, 1, 1);
  const Shape& x = required_input(n, 0).shape;
  if (x.size() != 2) n.fail("expects a 2-D input, got " + shape_str(x));
  set_output(n, 0, eye_dtype(n), x);
}

std::vector<KernelCall> lower_eye_like(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const int64_t k = std::clamp<int64_t>(n.attr_int("k", 0), -x[0] - 1, x[1] + 1);
  o2m::EyeParams p{i32(n, x[0]), i32(n, x[1]), i32(n, k)};
  return {visit_dtype(eye_dtype(n), [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("generate.hpp", o2m::eye_like, T), "o2m::EyeParams", p, {}, {n.outputs[0]});
  })};
}

// ---- OneHot ----

struct OneHotGeometry {
  size_t axis;
  int64_t depth;
};

OneHotGeometry one_hot_geometry(const Node& n) {
  const Shape& idx = required_input(n, 0).shape;
  const Tensor& depth = constant_input(n, 1, "OneHot's depth");
  if (depth.elems() != 1) n.fail("depth must hold one value");
  // A float depth is truncated, as ONNX says; NaN or past int range cannot be (undefined cast).
  const double dv = depth.float_at(0);
  if (!(dv >= 1 && dv < 2147483648.0)) n.fail("depth must be a positive number below 2^31, got " + std::to_string(dv));
  const auto d = static_cast<int64_t>(dv);
  return {static_cast<size_t>(normalize_axis(n, n.attr_int("axis", -1), static_cast<int64_t>(idx.size()) + 1)), d};
}

void infer_one_hot(Node& n) {
  expect_arity(n, 3, 3);
  const Value& values = required_input(n, 2);
  if (values.elems() != 2) n.fail("values must hold [off_value, on_value]");
  OneHotGeometry g = one_hot_geometry(n);
  Shape out = required_input(n, 0).shape;
  out.insert(out.begin() + static_cast<long>(g.axis), g.depth);
  set_output(n, 0, values.dtype, out);
}

std::vector<KernelCall> lower_one_hot(const Node& n) {
  const Value& idx = required_input(n, 0);
  const Value& values = required_input(n, 2);
  OneHotGeometry g = one_hot_geometry(n);
  o2m::OneHotParams p{i32(n, prod(idx.shape, 0, g.axis)), i32(n, g.depth), i32(n, prod(idx.shape, g.axis, idx.shape.size()))};
  return {visit_dtype(values.dtype, [&](auto t) {
    return visit_numeric(n, idx.dtype, [&](auto i) {
      using T = decltype(t);
      using I = decltype(i);
      return make_call(O2M_KERNEL2("generate.hpp", o2m::one_hot, T, I), "o2m::OneHotParams", p, {&idx, &values},
                       {n.outputs[0]});
    });
  })};
}

// ---- NonZero: its output shape depends on the data, so it must fold ----

void infer_nonzero(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const Tensor& data = shape_deciding_input(n, 0);
  if (x.shape.empty()) n.fail("expects rank >= 1");
  int64_t count = 0;
  for (int64_t i = 0; i < x.elems(); ++i) count += data.float_at(i) != 0;
  set_output(n, 0, DType::I64, {static_cast<int64_t>(x.shape.size()), count});
}

std::vector<KernelCall> lower_nonzero(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::NonZeroParams p{};
  p.n = i32(n, x.elems());
  p.rank = i32(n, static_cast<int64_t>(x.shape.size()));
  p.count = i32(n, n.outputs[0]->shape[1]);
  if (x.shape.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  for (size_t d = 0; d < x.shape.size(); ++d) p.dims[d] = i32(n, x.shape[d]);
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("generate.hpp", o2m::nonzero, T), "o2m::NonZeroParams", p, {&x}, {n.outputs[0]});
  })};
}

// ---- HannWindow, HammingWindow, BlackmanWindow (opset 17) ----

int64_t window_size(const Node& n) {
  const Tensor& size = constant_input(n, 0, "the window's size");
  if (size.elems() != 1) n.fail("size must hold one value");
  const int64_t s = size.int_at(0);
  if (s < 0 || s > 1 << 24) n.fail("size " + std::to_string(s) + " is out of range");
  if (s == 1 && !n.attr_int("periodic", 1)) n.fail("a symmetric window needs size >= 2");
  return s;
}

void infer_window(Node& n) {
  expect_arity(n, 1, 1);
  const DType t = dtype_from_onnx(static_cast<int>(n.attr_int("output_datatype", 1)));
  if (t == DType::Undefined || t == DType::Bool) n.fail("output_datatype " + std::to_string(n.attr_int("output_datatype", 1)) + " is not supported");
  set_output(n, 0, t, {window_size(n)});
}

std::vector<KernelCall> lower_window(const Node& n) {
  // Coefficients as ONNX defines them: Hann 0.5/0.5, Hamming 25/46 and 21/46, Blackman 0.42/0.5/0.08.
  o2m::WindowParams p{i32(n, window_size(n)), n.attr_int("periodic", 1) ? 1 : 0, 0.5f, 0.5f, 0.0f};
  if (n.op == "HammingWindow") p.a0 = 25.0f / 46.0f, p.a1 = 21.0f / 46.0f;
  if (n.op == "BlackmanWindow") p.a0 = 0.42f, p.a1 = 0.5f, p.a2 = 0.08f;
  return {visit_numeric(n, n.outputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("generate.hpp", o2m::window, T), "o2m::WindowParams", p, {}, {n.outputs[0]});
  })};
}

}  // namespace

void register_generate_ops(OpTable& t) {
  add_op(t, {"HannWindow", "", infer_window, lower_window});
  add_op(t, {"HammingWindow", "", infer_window, lower_window});
  add_op(t, {"BlackmanWindow", "", infer_window, lower_window});
  add_op(t, {"Shape", "", infer_shape, lower_shape, false, true});
  add_op(t, {"Size", "", infer_size, lower_size, false, true});
  add_op(t, {"EyeLike", "", infer_eye_like, lower_eye_like, false, true});
  add_op(t, {"ConstantOfShape", "", infer_constant_of_shape, lower_constant_of_shape});
  add_op(t, {"Range", "", infer_range, lower_range});
  add_op(t, {"OneHot", "", infer_one_hot, lower_one_hot});
  add_op(t, {"NonZero", "", infer_nonzero, lower_nonzero});
}

}  // namespace onnx2mcu
