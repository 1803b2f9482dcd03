// The conv2d_fast and conv2d_dw instance for a run-time kernel width and stride, as the
// lowering would pick it; shared by the host kernel test and the Cortex-M guest test (no gtest).
#pragma once
#include "kernels/conv_fast.hpp"

namespace conv_fast_dispatch {

using Fn = void (*)(const o2m::Conv2dParams&, const float*, const float*, const float*, float*);

template <int KW>
Fn fast_for(int stride_w) {
  return stride_w == 1 ? &o2m::conv2d_fast<float, KW, 1> : &o2m::conv2d_fast<float, KW, 2>;
}

// k_w 1-7, stride_w 1 or 2.
inline Fn fast_for(int k_w, int stride_w) {
  switch (k_w) {
    case 1: return fast_for<1>(stride_w);
    case 2: return fast_for<2>(stride_w);
    case 3: return fast_for<3>(stride_w);
    case 4: return fast_for<4>(stride_w);
    case 5: return fast_for<5>(stride_w);
    case 6: return fast_for<6>(stride_w);
    default: return fast_for<7>(stride_w);
  }
}

// Depthwise: k_w 3 or 5, stride_w 1 or 2.
inline Fn dw_for(int k_w, int stride_w) {
  if (k_w == 3) return stride_w == 1 ? &o2m::conv2d_dw<float, 3, 1> : &o2m::conv2d_dw<float, 3, 2>;
  return stride_w == 1 ? &o2m::conv2d_dw<float, 5, 1> : &o2m::conv2d_dw<float, 5, 2>;
}

}  // namespace conv_fast_dispatch
