// DFT (opset 17: axis attribute; opset 20: axis input), STFT, MelWeightMatrix
// -> templates/kernels/signal.hpp.
#include "kernels/signal.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// A scalar integer input that shapes the output, so it must be a constant.
int64_t constant_scalar(const Node& n, size_t i, const char* what) {
  const Tensor& t = constant_input(n, i, what);
  if (t.elems() != 1) n.fail(std::string(what) + " must hold one value, got " + std::to_string(t.elems()));
  return t.int_at(0);
}

// The last dim holds [re] or [re, im].
bool complex_last_dim(const Node& n, const Shape& s) {
  if (s.size() < 2 || (s.back() != 1 && s.back() != 2))
    n.fail("expects [..., 1] (real) or [..., 2] (complex) data, got " + shape_str(s));
  return s.back() == 2;
}

// ---- DFT ----

struct DftGeometry {
  size_t axis;
  int64_t outer, inner, n_in, length, n_out;
  bool complex_in, inverse, onesided;
};

DftGeometry dft_geometry(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  DftGeometry g{};
  g.complex_in = complex_last_dim(n, x);
  g.inverse = n.attr_int("inverse", 0) != 0;
  g.onesided = n.attr_int("onesided", 0) != 0;
  const auto rank = static_cast<int64_t>(x.size());
  int64_t axis = n.opset < 20 ? n.attr_int("axis", 1) : (n.input(2) ? constant_scalar(n, 2, "DFT's axis") : -2);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank - 2)
    n.fail("axis must be a signal dim, in [-" + std::to_string(rank) + ", -2] or [0, " + std::to_string(rank - 2) + "]");
  g.axis = static_cast<size_t>(axis);
  g.n_in = x[g.axis];
  g.outer = prod(x, 0, g.axis);
  g.inner = prod(x, g.axis + 1, x.size() - 1);
  const bool irfft = g.onesided && g.inverse;
  if (g.onesided && !g.inverse && g.complex_in) n.fail("onesided=1 (RFFT) needs real input, got complex [..., 2]");
  if (irfft && !g.complex_in) n.fail("onesided=1 with inverse=1 (IRFFT) needs complex input [..., 2]");
  g.length = n.input(1) ? constant_scalar(n, 1, "DFT's dft_length") : (irfft ? 2 * (g.n_in - 1) : g.n_in);
  if (g.length < 1 || g.length > 1 << 20) n.fail("dft_length " + std::to_string(g.length) + " is out of range");
  g.n_out = g.onesided && !g.inverse ? g.length / 2 + 1 : g.length;
  return g;
}

void infer_dft(Node& n) {
  expect_arity(n, 1, 3);
  const Value& x = required_input(n, 0);
  const DftGeometry g = dft_geometry(n);
  Shape out = x.shape;
  out[g.axis] = g.n_out;
  out.back() = g.onesided && g.inverse ? 1 : 2;
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_dft(const Node& n) {
  const Value& x = required_input(n, 0);
  const DftGeometry g = dft_geometry(n);
  const o2m::DftParams p{i32(n, g.outer), i32(n, g.inner), i32(n, g.n_in), i32(n, g.length), i32(n, g.n_out),
                         g.complex_in, g.inverse, g.onesided && g.inverse};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("signal.hpp", o2m::dft, T), "o2m::DftParams", p, {&x}, {n.outputs[0]});
    c.scratch_bytes = 2 * g.length * static_cast<int64_t>(sizeof(double));  // the twiddle table
    return c;
  })};
}

// ---- STFT ----

o2m::StftParams stft_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  if (x.size() != 3) n.fail("expects a signal [batch, length, 1 or 2], got " + shape_str(x));
  const bool complex_in = complex_last_dim(n, x);
  const bool onesided = n.attr_int("onesided", 1) != 0;
  if (onesided && complex_in) n.fail("onesided=1 needs a real signal, got complex [..., 2]");
  const int64_t step = constant_scalar(n, 1, "STFT's frame_step");
  const Value* window = n.input(2);
  if (window && window->shape.size() != 1) n.fail("window must be 1-D, got " + shape_str(window->shape));
  int64_t length;
  if (n.input(3)) {
    length = constant_scalar(n, 3, "STFT's frame_length");
    if (window && window->shape[0] != length)
      n.fail("window has " + std::to_string(window->shape[0]) + " samples but frame_length is " + std::to_string(length));
  } else if (window) {
    length = window->shape[0];
  } else {
    n.fail("needs a window or a frame_length");
  }
  if (step < 1) n.fail("frame_step must be positive, got " + std::to_string(step));
  if (length < 1 || length > x[1]) n.fail("frame length " + std::to_string(length) + " is outside [1, " + std::to_string(x[1]) + "]");
  const int64_t frames = (x[1] - length) / step + 1;
  return {i32(n, x[0]), i32(n, x[1]), complex_in, i32(n, frames), i32(n, step), i32(n, length),
          i32(n, onesided ? length / 2 + 1 : length)};
}

void infer_stft(Node& n) {
  expect_arity(n, 2, 4);
  const Value& x = required_input(n, 0);
  if (n.input(2) && n.inputs[2]->dtype != x.dtype) n.fail("window and signal must have the same dtype");
  const o2m::StftParams p = stft_params(n);
  set_output(n, 0, x.dtype, {p.batch, p.frames, p.bins, 2});
}

std::vector<KernelCall> lower_stft(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::StftParams p = stft_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("signal.hpp", o2m::stft, T), "o2m::StftParams", p, {&x, n.input(2)}, {n.outputs[0]});
    c.scratch_bytes = 2 * int64_t{p.length} * static_cast<int64_t>(sizeof(double));  // the twiddle table
    return c;
  })};
}

// ---- MelWeightMatrix: every input is a constant, so it always folds ----

o2m::MelParams mel_params(const Node& n) {
  const int64_t bins = constant_scalar(n, 0, "num_mel_bins");
  const int64_t length = constant_scalar(n, 1, "dft_length");
  const int64_t rate = constant_scalar(n, 2, "sample_rate");
  const Tensor& lo = constant_input(n, 3, "lower_edge_hertz");
  const Tensor& hi = constant_input(n, 4, "upper_edge_hertz");
  if (lo.elems() != 1 || hi.elems() != 1) n.fail("lower_edge_hertz and upper_edge_hertz must hold one value each");
  if (bins < 1 || length < 1 || rate < 1) n.fail("num_mel_bins, dft_length and sample_rate must be positive");
  return {i32(n, bins), i32(n, length), i32(n, rate), static_cast<float>(lo.float_at(0)), static_cast<float>(hi.float_at(0))};
}

DType mel_dtype(const Node& n) {
  const auto code = n.attr_int("output_datatype", 1);
  const DType t = dtype_from_onnx(static_cast<int>(code));
  if (t == DType::Undefined || t == DType::Bool) n.fail("output_datatype " + std::to_string(code) + " is not supported");
  return t;
}

void infer_mel(Node& n) {
  expect_arity(n, 5, 5);
  const o2m::MelParams p = mel_params(n);
  set_output(n, 0, mel_dtype(n), {p.dft_length / 2 + 1, p.mel_bins});
}

std::vector<KernelCall> lower_mel(const Node& n) {
  const o2m::MelParams p = mel_params(n);
  return {visit_numeric(n, mel_dtype(n), [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("signal.hpp", o2m::mel_weight_matrix, T), "o2m::MelParams", p, {}, {n.outputs[0]});
  })};
}

}  // namespace

void register_signal_ops(OpTable& t) {
  add_op(t, {"DFT", "", infer_dft, lower_dft});
  add_op(t, {"STFT", "", infer_stft, lower_stft});
  add_op(t, {"MelWeightMatrix", "", infer_mel, lower_mel});
}

}  // namespace onnx2mcu
