// conv2d_fast's Cortex-M FPU assembly blocks (templates/kernels/conv_vfp.hpp) against the
// reference o2m::conv, in the guest: random geometries over every kernel width (1-7) and
// horizontal stride (1, 2) the lowering instantiates, and the depthwise conv2d_dw (3x3 and 5x5,
// small channels copied whole and large ones row by row), so every block shape (4, 2 and 1 pixels,
// pointwise, border windows, rows outside the input, groups, dilated rows, channel counts that
// are not a multiple of 4, ReLU on the way out) runs. Built and run by conv_fast_target_test.sh; also builds for the
// host (where the blocks are the C++ ones). Ends with "convfast: N passed, M failed".
#include <math.h>

#include "kernels/conv.hpp"
#include "kernels/conv_fast.hpp"
#include "../kernels/conv_fast_dispatch.h"
#include "guest_random.h"
#include "rig.h"

namespace {

using guest::next;
using guest::uniform;
float value() { return static_cast<float>(static_cast<int32_t>(next() % 2001u) - 1000) / 1000.0f; }

constexpr int kBuf = 6000;
float g_x[kBuf], g_w[kBuf], g_packed[kBuf], g_bias[64], g_ref[kBuf], g_mag[kBuf], g_y[kBuf];
float g_ax[kBuf], g_aw[kBuf], g_ab[64];
int g_passed = 0, g_failed = 0;

using conv_fast_dispatch::dw_for;
using conv_fast_dispatch::fast_for;

// One random conv with kernel width k_w and stride s, depthwise (conv2d_dw, k_w 3 or 5) or not
// (conv2d_fast); false when it did not fit the buffers.
bool trial(int t, int k_w, int s, bool depthwise) {
  o2m::BandConvParams c{};
  c.n = 1;
  c.group = uniform(1, 3) == 1 ? 2 : 1;
  c.c_in = c.group * uniform(1, 5);
  c.c_out = c.group * uniform(1, 9);
  c.k_h = uniform(1, 5);
  if (depthwise) {
    c.group = c.c_in = c.c_out = uniform(1, 6);
    c.k_h = uniform(1, 3) == 1 ? uniform(1, k_w) : k_w;
  }
  c.k_w = k_w;
  c.stride_h = uniform(1, 2);
  c.stride_w = s;
  c.dil_h = uniform(1, 4) == 1 ? 2 : 1;
  c.dil_w = 1;
  c.h_in = uniform(1, depthwise ? 20 : 9);
  c.w_in = uniform(1, depthwise ? 40 : 23);
  c.pad_top = uniform(0, 2);
  c.pad_left = uniform(0, k_w - 1 < 3 ? k_w - 1 : 3);
  const int pad_bottom = uniform(0, 2), pad_right = uniform(0, k_w - 1 < 3 ? k_w - 1 : 3);
  const int kh_ext = (c.k_h - 1) * c.dil_h + 1;
  if (c.h_in + c.pad_top + pad_bottom < kh_ext || c.w_in + c.pad_left + pad_right < k_w) return false;
  c.h_out = (c.h_in + c.pad_top + pad_bottom - kh_ext) / c.stride_h + 1;
  c.w_out = (c.w_in + c.pad_left + pad_right - k_w) / s + 1;
  const int cin_g = c.c_in / c.group, n_x = c.c_in * c.h_in * c.w_in, n_w = c.c_out * cin_g * c.k_h * k_w;
  const int n_y = c.c_out * c.h_out * c.w_out;
  if (n_x > kBuf || n_w > kBuf || n_y > kBuf) return false;
  for (int i = 0; i < n_x; ++i) g_ax[i] = fabsf(g_x[i] = value());
  for (int i = 0; i < n_w; ++i) g_aw[i] = fabsf(g_w[i] = value());
  for (int i = 0; i < c.c_out; ++i) g_ab[i] = fabsf(g_bias[i] = value());
  const bool with_bias = next() % 2u == 0;
  o2m::ConvParams r{};
  r.n = 1, r.c_in = c.c_in, r.c_out = c.c_out, r.group = c.group;
  const int in[3] = {1, c.h_in, c.w_in}, out[3] = {1, c.h_out, c.w_out}, k[3] = {1, c.k_h, k_w};
  const int stride[3] = {1, c.stride_h, s}, dil[3] = {1, c.dil_h, 1}, pad[3] = {0, c.pad_top, c.pad_left};
  for (int d = 0; d < 3; ++d) r.in[d] = in[d], r.out[d] = out[d], r.k[d] = k[d], r.stride[d] = stride[d], r.dil[d] = dil[d], r.pad[d] = pad[d];
  o2m::conv<float>(r, g_x, g_w, with_bias ? g_bias : nullptr, g_ref);
  o2m::conv<float>(r, g_ax, g_aw, with_bias ? g_ab : nullptr, g_mag);  // scale of the rounding error
  o2m::pack_conv_weights(c.c_out, c.group, cin_g * c.k_h * k_w, g_w, g_packed);
  for (int i = 0; i < n_y; ++i) g_y[i] = NAN;
  // ReLU half the time: the blocks apply it as they store.
  const bool relu = next() % 2u == 0;
  if (relu)
    for (int i = 0; i < n_y; ++i) g_ref[i] = g_ref[i] > 0 ? g_ref[i] : 0;
  const o2m::ActParams act{relu ? o2m::kActRelu : o2m::kActNone, 0, 0, 0, 0};
  (depthwise ? dw_for(k_w, s) : fast_for(k_w, s))(o2m::Conv2dParams{c, act}, g_x, g_packed, with_bias ? g_bias : nullptr, g_y);
  for (int i = 0; i < n_y; ++i) {
    if (!(fabsf(g_y[i] - g_ref[i]) <= 1e-5f * (g_mag[i] + 1e-2f))) {
      ++g_failed;
      rig_puts("FAIL trial ");
      rig_put_int(t);
      rig_puts(" k_w ");
      rig_put_int(k_w);
      rig_puts(" s ");
      rig_put_int(s);
      rig_puts(depthwise ? " depthwise" : "");
      rig_puts(" element ");
      rig_put_int(i);
      rig_puts("\n");
      return true;
    }
  }
  ++g_passed;
  return true;
}

}  // namespace

int main() {
  guest::rng_state() = 0x2468ace1u;
  for (int k_w = 1; k_w <= o2m::kMaxFastKw; ++k_w)
    for (int s = 1; s <= o2m::kMaxFastStride; ++s)
      for (int dw = 0; dw < ((k_w == 3 || k_w == 5) ? 2 : 1); ++dw)
        for (int t = 0, done = 0; done < 12 && t < 1000; ++t) done += trial(t, k_w, s, dw == 1) ? 1 : 0;
  rig_puts("convfast: ");
  rig_put_int(g_passed);
  rig_puts(" passed, ");
  rig_put_int(g_failed);
  rig_puts(" failed\n");
  return g_failed == 0 && g_passed > 0 ? 0 : 1;
}
