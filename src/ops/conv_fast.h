// Picking o2m::conv2d_fast (templates/kernels/conv_fast.hpp) for a Conv or ConvPool: which
// geometries it takes, its template instantiation, and the fused activation attributes.
#pragma once
#include <string>
#include <type_traits>

#include "ir/graph.h"
#include "kernels/conv_fast.hpp"

namespace onnx2mcu {

// True when a float conv with this kernel width, horizontal stride and dilation can run on
// conv2d_fast (its KW and S are template parameters; the rest is read at run time).
inline bool fast_conv_fits(int64_t k_w, int64_t stride_w, int64_t dil_w) {
  return k_w >= 1 && k_w <= o2m::kMaxFastKw && stride_w >= 1 && stride_w <= o2m::kMaxFastStride && dil_w == 1;
}

// Calls f(std::integral_constant<int, KW>, std::integral_constant<int, S>) for a geometry
// fast_conv_fits accepted, so the generator holds every instantiation the device may call.
template <typename F>
auto with_fast_conv(int32_t k_w, int32_t stride_w, F&& f) {
  auto by_stride = [&](auto kw) {
    if (stride_w == 1) return f(kw, std::integral_constant<int, 1>{});
    return f(kw, std::integral_constant<int, 2>{});
  };
  switch (k_w) {
    case 1: return by_stride(std::integral_constant<int, 1>{});
    case 2: return by_stride(std::integral_constant<int, 2>{});
    case 3: return by_stride(std::integral_constant<int, 3>{});
    case 4: return by_stride(std::integral_constant<int, 4>{});
    case 5: return by_stride(std::integral_constant<int, 5>{});
    case 6: return by_stride(std::integral_constant<int, 6>{});
    default: return by_stride(std::integral_constant<int, 7>{});
  }
}

// "<float, 5, 1>": the template arguments as generated code spells them.
inline std::string fast_conv_targs(const std::string& ctype, int kw, int s) {
  return "<" + ctype + ", " + std::to_string(kw) + ", " + std::to_string(s) + ">";
}

// True when this Conv's geometry and type fit conv2d_fast / conv2d_dw (conv.cpp takes them once
// pass pack-conv-weights has packed the weights, which needs them constant).
bool conv_takes_fast_kernels(const Node& n);

// True when lower_conv (conv.cpp) will take conv2d_fast for this Conv node, which applies the
// node's activation attributes; the reference conv does not.
bool conv_takes_activation(const Node& n);

// The activation a fusion pass recorded on a Conv or ConvPool node ("act", "act_lo",
// "act_hi", "act_alpha", "act_beta"; see passes/rewrite.h take_activation), none by default.
inline o2m::ActParams activation_attrs(const Node& n, const std::string& prefix = "act") {
  o2m::ActParams a{};
  a.kind = static_cast<int32_t>(n.attr_int(prefix, 0));
  a.lo = n.attr_float(prefix + "_lo", 0.0f);
  a.hi = n.attr_float(prefix + "_hi", 0.0f);
  a.alpha = n.attr_float(prefix + "_alpha", 0.0f);
  a.beta = n.attr_float(prefix + "_beta", 0.0f);
  return a;
}

}  // namespace onnx2mcu
