// The integer kernels' Arm variants (DSP on Cortex-M4, Helium on Cortex-M55) against their
// portable reference, in the guest: random shapes and data, every output byte compared.
// Built and run by qkernels_test.sh; also builds for the host (where both paths are the
// reference). Ends with "qkernels: N passed, M failed" and exits 1 on a failure. Then it
// times one KWS-sized layer per kernel, reference then variant, as regions 0..7 (for
// tools/count-insns.sh).
#include <string.h>

#include "kernels/qconv.hpp"
#include "kernels/qelementwise.hpp"
#include "kernels/qgemm.hpp"
#include "kernels/qpool.hpp"
#include "kernels/quant.hpp"
#include "guest_random.h"
#include "rig.h"

namespace {

using guest::next;
using guest::uniform;

constexpr int kBuf = 20000;
alignas(16) int8_t g_x[kBuf + 16];
constexpr int kGemmBenchWeights = 128 * 640;  // bench_gemm's AD layer
alignas(16) int8_t g_w[kGemmBenchWeights + 16];
alignas(16) int8_t g_y_ref[kBuf];
alignas(16) int8_t g_y_var[kBuf];
alignas(16) int8_t g_scratch[4096];
int32_t g_bias[512], g_mult[512], g_shift[512];

int g_passed = 0, g_failed = 0;

void check(bool ok, const char* what, int trial) {
  if (ok) {
    ++g_passed;
    return;
  }
  ++g_failed;
  rig_puts("FAIL ");
  rig_puts(what);
  rig_puts(" trial ");
  rig_put_int(trial);
  rig_puts("\n");
}

void random_bytes(int8_t* p, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<int8_t>(next());
}

// Multipliers like a real layer's: 2^-5 .. 2^-12, random mantissa; with wide, every shift from
// 2^0 to 2^-33, past both ends of the vector requantisation's range (qout4). One time in four
// the mantissa is 1 or 3/2 (2^30, 3 * 2^29): products often fall exactly halfway (one in 2^6 ..
// 2^12), so the round-half-to-even ties are tested. Half the wide draws instead take shifts
// from 2^-8 to 2^3, or up to 2^29 (multipliers of 1/4 and more, as many of VWW's channels have: Helium's
// qout4_wide), sometimes with the multiplier 0 that lower-qdq gives a zero rescale factor.
void random_requant(int n, bool wide = false) {
  const bool ties = uniform(0, 3) == 0, large = wide && uniform(0, 1);
  for (int i = 0; i < n; ++i) {
    g_mult[i] = ties ? (uniform(0, 1) ? 1 << 30 : 3 << 29) : static_cast<int32_t>((1u << 30) + (next() & 0x3fffffffu));
    g_shift[i] = large ? (uniform(0, 3) ? uniform(-8, 3) : uniform(4, 29)) : wide ? -uniform(0, 33) : -uniform(4, 11);
    if (large && g_shift[i] >= -1 && uniform(0, 15) == 0) g_mult[i] = 0;
    g_bias[i] = uniform(-20000, 20000);
  }
}

void dot_trials() {
  for (int t = 0; t < 200; ++t) {
    const int n = uniform(0, 70), oa = uniform(0, 3), ob = uniform(0, 3);
    random_bytes(g_x, 80);
    random_bytes(g_w, 160);
    const int8_t* a = g_x + oa;
    const int8_t* b0 = g_w + ob;
    const int8_t* b1 = g_w + 80 + ob;
    int32_t r0, r1, v0, v1;
    o2m::qdot2_ref(a, b0, b1, n, &r0, &r1);
    o2m::qdot2(a, b0, b1, n, &v0, &v1);
    check(o2m::qdot_ref(a, b0, n) == o2m::qdot(a, b0, n) && r0 == v0 && r1 == v1, "qdot", t);
  }
}

// Random data, weights, requantisation (wide multipliers one time in wide_one_in) and zero
// points for the geometry in p, then the reference and the variant compared byte for byte.
template <typename TX, typename TY>
void qconv_trial(o2m::QConvParams& p, int wide_one_in, const char* what, int t) {
  const o2m::ConvParams& c = p.conv;
  const int kg = c.c_in / c.group * c.k[1] * c.k[2];
  const int in_n = c.c_in * c.in[1] * c.in[2], out_n = c.c_out * c.out[1] * c.out[2];
  if (in_n > kBuf || kg * c.c_out > kBuf || out_n > kBuf || o2m::qconv_scratch_bytes(c) > 4096 ||
      o2m::qconv_pointwise_few_scratch_bytes(c) > 4096)
    return;
  random_bytes(g_x, in_n);
  random_bytes(g_w, kg * c.c_out);
  random_requant(c.c_out, uniform(1, wide_one_in) == 1);
  p.x_zp = uniform(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  p.y_zp = uniform(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  const bool full = uniform(0, 1);  // the type's whole range (the DSP blocks saturate in one step), or narrowed
  p.act_min = o2m::QRange<TY>::lo + (full ? 0 : uniform(1, 10));
  p.act_max = o2m::QRange<TY>::hi - (full ? 0 : uniform(0, 10));
  p.per_channel = uniform(0, 1);
  const TX* x = reinterpret_cast<const TX*>(g_x);
  o2m::qconv<TX, TY, true>(p, x, g_w, g_bias, g_mult, g_shift, reinterpret_cast<TY*>(g_y_ref), g_scratch);
  o2m::qconv<TX, TY>(p, x, g_w, g_bias, g_mult, g_shift, reinterpret_cast<TY*>(g_y_var), g_scratch);
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, what, t);
  // with a random output table (qconv_lut, a fused QLut): the plain reference's bytes through
  // it, from the reference and from the variant
  static int8_t table[256];
  random_bytes(table, 256);
  const TY* tab = reinterpret_cast<const TY*>(table);
  auto through_table = [&]() {
    const TY* r = reinterpret_cast<const TY*>(g_y_ref);
    const TY* v = reinterpret_cast<const TY*>(g_y_var);
    for (int i = 0; i < out_n; ++i)
      if (v[i] != tab[static_cast<int>(r[i]) - o2m::QRange<TY>::lo]) return false;
    return true;
  };
  o2m::qconv_lut<TX, TY, true>(p, x, g_w, g_bias, g_mult, g_shift, tab, reinterpret_cast<TY*>(g_y_var), g_scratch);
  check(through_table(), "qconv_lut reference", t);
  o2m::qconv_lut<TX, TY>(p, x, g_w, g_bias, g_mult, g_shift, tab, reinterpret_cast<TY*>(g_y_var), g_scratch);
  check(through_table(), "qconv_lut", t);
  if (o2m::qconv_pointwise_few_pays(c)) {  // the lowering's entry for few input channels, with and without the table
    auto few = [&](auto tiles) {              // as the lowering: its tiles for 8 and 16 input channels
      constexpr int32_t k = decltype(tiles)::value;
      o2m::qconv_pointwise_few<TX, TY, true, k>(p, x, g_w, g_bias, g_mult, g_shift, tab, reinterpret_cast<TY*>(g_y_var), g_scratch);
      check(through_table(), "qconv_pointwise_few lut", t);
      o2m::qconv_pointwise_few<TX, TY, false, k>(p, x, g_w, g_bias, g_mult, g_shift, nullptr, reinterpret_cast<TY*>(g_y_var),
                                                  g_scratch);
      check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "qconv_pointwise_few", t);
    };
    switch (o2m::qconv_pointwise_tiles_cin(c.c_in)) {
      case 8: few(o2m::Constant<int32_t, 8>{}); break;
      case 16: few(o2m::Constant<int32_t, 16>{}); break;
      default: few(o2m::Constant<int32_t, 0>{});
    }
  }
  if (o2m::qconv_one_channel_3x3(c)) {  // the lowering's entry for one input channel, with and without the table
    o2m::qconv_depthwise_only<TX, TY, true, true>(p, x, g_w, g_bias, g_mult, g_shift, tab, reinterpret_cast<TY*>(g_y_var),
                                                  g_scratch);
    check(through_table(), "qconv_depthwise_only one-channel lut", t);
    o2m::qconv_depthwise_only<TX, TY, false, true>(p, x, g_w, g_bias, g_mult, g_shift, nullptr,
                                                   reinterpret_cast<TY*>(g_y_var), g_scratch);
    check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "qconv_depthwise_only one-channel", t);
  }
  if (o2m::qconv_depthwise_2d(c)) {  // the lowering's entry for a 2-D depthwise conv, with and without the table
    o2m::qconv_depthwise_only<TX, TY, true>(p, x, g_w, g_bias, g_mult, g_shift, tab, reinterpret_cast<TY*>(g_y_var),
                                            g_scratch);
    check(through_table(), "qconv_depthwise_only lut", t);
    o2m::qconv_depthwise_only<TX, TY>(p, x, g_w, g_bias, g_mult, g_shift, nullptr, reinterpret_cast<TY*>(g_y_var),
                                      g_scratch);
    check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "qconv_depthwise_only", t);
    if (o2m::qconv_in_place(c)) {  // y written over x, as the planner runs it
      memcpy(g_y_var, g_x, static_cast<size_t>(in_n));
      o2m::qconv_depthwise_only<TX, TY, true>(p, reinterpret_cast<const TX*>(g_y_var), g_w, g_bias, g_mult, g_shift, tab,
                                              reinterpret_cast<TY*>(g_y_var), g_scratch);
      check(through_table(), "qconv_depthwise_only lut in place", t);
      memcpy(g_y_var, g_x, static_cast<size_t>(in_n));
      o2m::qconv_depthwise_only<TX, TY>(p, reinterpret_cast<const TX*>(g_y_var), g_w, g_bias, g_mult, g_shift, nullptr,
                                        reinterpret_cast<TY*>(g_y_var), g_scratch);
      check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "qconv_depthwise_only in place", t);
    }
  }
  if (!o2m::qconv_in_place(c)) return;
  // as the planner runs it (src/planner/memory_plan.cpp): y written over x
  memcpy(g_y_var, g_x, static_cast<size_t>(in_n));
  o2m::qconv_lut<TX, TY>(p, reinterpret_cast<const TX*>(g_y_var), g_w, g_bias, g_mult, g_shift, tab,
                         reinterpret_cast<TY*>(g_y_var), g_scratch);
  check(through_table(), "qconv_lut in place", t);
  memcpy(g_y_var, g_x, static_cast<size_t>(in_n));
  o2m::qconv<TX, TY>(p, reinterpret_cast<const TX*>(g_y_var), g_w, g_bias, g_mult, g_shift, reinterpret_cast<TY*>(g_y_var),
                     g_scratch);
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "in place", t);
}

template <typename TX, typename TY>
void conv_trial(int t) {
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  const int kind = uniform(0, 2);  // 0: dense, 1: depthwise, 2: two groups
  c.n = 1;
  c.c_in = uniform(1, 24);
  c.group = kind == 1 ? c.c_in : 1;
  if (kind == 2) {
    c.c_in = 2 * uniform(1, 12);
    c.group = 2;
  }
  c.c_out = kind == 1 ? c.c_in : c.group * uniform(1, 12);
  c.in[0] = 1;
  c.in[1] = uniform(1, 12);
  c.in[2] = uniform(1, 12);
  c.k[0] = 1;
  c.k[1] = uniform(1, 3);
  c.k[2] = uniform(1, 4);
  c.stride[0] = c.dil[0] = 1;
  c.pad[0] = 0;
  // the depthwise 3x3 fast paths and the dense conv's unrolled 3-wide window rows, often
  const bool k3x3 = kind != 2 && uniform(0, 1);
  if (k3x3) c.k[1] = c.k[2] = 3;
  for (int d = 1; d < 3; ++d) {
    c.stride[d] = uniform(1, 2);
    c.dil[d] = k3x3 ? 1 : uniform(1, 2);
    c.pad[d] = uniform(0, 1);
    const int eff = (c.k[d] - 1) * c.dil[d] + 1;
    const int span = c.in[d] + 2 * c.pad[d] - eff;
    if (span < 0) return;
    c.out[d] = span / c.stride[d] + 1;
  }
  c.out[0] = 1;
  qconv_trial<TX, TY>(p, 4, "qconv", t);
}

// A 3x3 depthwise conv over larger planes and more channels, stride 1 (Helium: the in-place
// path) or 2 in either direction (Helium: the end-to-end gather path, odd and narrow widths);
// with wide multipliers some channels take them and some do not, so the plane's padding is
// rewritten between them.
template <typename TX, typename TY>
void depthwise3x3_trial(int t) {
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  c.n = 1;
  c.c_in = c.c_out = c.group = uniform(1, 40);
  c.in[0] = c.out[0] = c.k[0] = c.stride[0] = c.dil[0] = 1;
  c.pad[0] = 0;
  for (int d = 1; d < 3; ++d) {
    c.in[d] = uniform(1, t % 4 == 1 ? 8 : 50);  // narrow: fewer than four outputs a row
    if (t % 8 == 3) c.in[d] = d == 1 ? uniform(1, 6) : uniform(100, 240);  // wide rows, past the DSP blocks' sums
    c.k[d] = 3;
    c.dil[d] = 1;
    c.stride[d] = t % 2 ? uniform(1, 2) : 1;
    c.pad[d] = uniform(0, 1);
    if (c.in[d] + 2 * c.pad[d] < 3) return;
    c.out[d] = (c.in[d] + 2 * c.pad[d] - 3) / c.stride[d] + 1;
  }
  qconv_trial<TX, TY>(p, 3, "qconv depthwise3x3", t);
}

// A 3x3 conv of one input channel (a model's first, on a grey image; on the DSP extension a
// depthwise conv with a channel multiplier: qconv_one_channel_3x3), mostly stride 2.
template <typename TX, typename TY>
void one_channel3x3_trial(int t) {
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  c.n = 1;
  c.c_in = c.group = 1;
  c.c_out = uniform(2, 20);
  c.in[0] = c.out[0] = c.k[0] = c.stride[0] = c.dil[0] = 1;
  c.pad[0] = 0;
  for (int d = 1; d < 3; ++d) {
    c.in[d] = uniform(1, 40);
    c.k[d] = 3;
    c.dil[d] = 1;
    c.stride[d] = t % 4 ? 2 : uniform(1, 2);
    c.pad[d] = uniform(0, 1);
    if (c.in[d] + 2 * c.pad[d] < 3) return;
    c.out[d] = (c.in[d] + 2 * c.pad[d] - 3) / c.stride[d] + 1;
  }
  qconv_trial<TX, TY>(p, 3, "qconv one channel 3x3", t);
}

// A pointwise (1x1) conv with wider channel counts: Helium's blocks of four output channels
// over several 16-byte steps and a tail, then the two- and one-channel remainders.
template <typename TX, typename TY>
void pointwise_trial(int t) {
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  c = {1, uniform(1, 80), uniform(1, 40), 1, {1, uniform(1, 9), uniform(1, 9)}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  c.out[1] = c.in[1];
  c.out[2] = c.in[2];
  if (t % 3 == 0) c.c_out = c.c_in;  // a shape that runs in place
  if (t % 3 == 1) c.c_in = 2 * uniform(1, 8);  // few input channels: the DSP path across pixels
  if (t % 6 == 1) c.c_in = t % 12 == 1 ? 8 : 16;  // (qconv_pointwise8_dsp: tiles, odd tails, ties, odd zero points)
  if (t % 5 == 1) {                  // two groups (the DSP block per group)
    c.group = 2;
    c.c_in = 2 * uniform(1, 40);
    c.c_out = 2 * uniform(1, 20);
  }
  qconv_trial<TX, TY>(p, 4, "qconv pointwise", t);
}

template <typename TX, typename TY>
void gemm_trial(int t) {
  o2m::QGemmParams p{};
  p.m = uniform(1, 4);
  p.n = uniform(1, 40);
  p.k = uniform(1, 300);
  random_bytes(g_x, p.m * p.k);
  random_bytes(g_w, p.n * p.k);
  random_requant(p.n, uniform(1, 4) == 1);  // sometimes past qout4's range
  p.y_zp = uniform(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  const bool full = uniform(0, 1);  // the type's whole range (the DSP blocks saturate in one step), or narrowed
  p.act_min = o2m::QRange<TY>::lo + (full ? 0 : uniform(1, 10));
  p.act_max = o2m::QRange<TY>::hi - (full ? 0 : uniform(0, 10));
  p.per_channel = uniform(0, 1);
  const TX* x = reinterpret_cast<const TX*>(g_x);
  o2m::qgemm<TX, TY, true>(p, x, g_w, g_bias, g_mult, g_shift, reinterpret_cast<TY*>(g_y_ref), g_scratch);
  o2m::qgemm<TX, TY>(p, x, g_w, g_bias, g_mult, g_shift, reinterpret_cast<TY*>(g_y_var), g_scratch);
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(p.m * p.n)) == 0, "qgemm", t);
}

// QAdd: lower-qdq's multipliers (below 2^31, one shift; 10..31 takes the DSP loops, 16..31 with b
// full the two-SMLAD one unless a multiplier is within 2^15 of 2^31, and 16..31 the Helium one,
// the rest the portable one), lengths 1..300 (Helium's 4-lane tails, the DSP's pairs), often
// multiples of 2^(shift - 1) so that ties to even occur, b full or one element, the output range
// whole or narrowed.
template <typename TX, typename TY>
void qadd_trial(int t) {
  o2m::QAddParams p{};
  p.n = uniform(1, 300);
  p.b_scalar = uniform(0, 3) == 0;
  p.a_zp = uniform(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  p.b_zp = uniform(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  p.y_zp = uniform(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  p.shift = uniform(0, 4) == 0 ? uniform(1, 40) : uniform(16, 31);
  p.a_mult = static_cast<int32_t>(next() & 0x7fffffffu);
  p.b_mult = static_cast<int32_t>(next() & 0x7fffffffu) >> uniform(0, 8);
  if (uniform(0, 7) == 0) p.a_mult = 0x7fffffff - uniform(0, 0x7fff);  // its high half 2^15: no 16-bit split
  if (p.shift <= 31 && uniform(0, 1)) {  // multiples of 2^(shift - 1): half the sums are ties
    const uint32_t low = (1u << (p.shift - 1)) - 1;
    p.a_mult = static_cast<int32_t>(static_cast<uint32_t>(p.a_mult) & ~low);
    p.b_mult = static_cast<int32_t>(static_cast<uint32_t>(p.b_mult) & ~low);
  }
  const bool full = uniform(0, 1);
  p.act_min = o2m::QRange<TY>::lo + (full ? 0 : uniform(1, 10));
  p.act_max = o2m::QRange<TY>::hi - (full ? 0 : uniform(0, 10));
  random_bytes(g_x, p.n);
  random_bytes(g_w, p.n);
  const TX* a = reinterpret_cast<const TX*>(g_x);
  const TX* b = reinterpret_cast<const TX*>(g_w);
  o2m::qadd<TX, TX, TY, true>(p, a, b, reinterpret_cast<TY*>(g_y_ref));
  o2m::qadd<TX, TX, TY>(p, a, b, reinterpret_cast<TY*>(g_y_var));
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(p.n)) == 0, "qadd", t);
}

// QuantizeLinear to int8 / uint8, per tensor or per axis: scales a power of two with inputs
// (k + 1/2) * scale (exact ties), or random; inputs far out of range (saturation), +-inf, NaN,
// -0; lengths 1..300 (Helium's 4-lane tails).
float g_f[300];
template <typename T>
void quantize_trial(int t) {
  o2m::QuantParams p{};
  p.outer = uniform(1, 2);
  p.axis = uniform(0, 1) ? 1 : uniform(2, 3);
  p.inner = uniform(1, 300 / (p.outer * p.axis));
  const int32_t n = p.outer * p.axis * p.inner;
  float scale[3];
  T zp[3];
  const bool ties = uniform(0, 1);
  for (int a = 0; a < p.axis; ++a) {
    scale[a] = ties ? 1.0f / static_cast<float>(1 << uniform(0, 10)) : static_cast<float>(uniform(1, 100000)) * 1e-6f;
    zp[a] = static_cast<T>(uniform(o2m::QRange<T>::lo, o2m::QRange<T>::hi));
  }
  for (int32_t i = 0; i < n; ++i) {
    const float s = scale[(i / p.inner) % p.axis];
    float v = ties ? (static_cast<float>(uniform(-300, 300)) + 0.5f) * s
                   : static_cast<float>(static_cast<int32_t>(next())) * 1e-9f * s * 300.0f;
    switch (uniform(0, 15)) {
      case 0: v = 1e30f; break;
      case 1: v = -1e30f; break;
      case 2: v = 1.0f / 0.0f; break;
      case 3: v = -1.0f / 0.0f; break;
      case 4: v = 0.0f / 0.0f; break;
      case 5: v = -0.0f; break;
      default: break;
    }
    g_f[i] = v;
  }
  o2m::quantize_linear<T, true>(p, g_f, scale, zp, reinterpret_cast<T*>(g_y_ref));
  o2m::quantize_linear<T>(p, g_f, scale, zp, reinterpret_cast<T*>(g_y_var));
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(n)) == 0, "quantize", t);
}

// Average pooling: windows of whole rows (one run of bytes, as KWS's global pool), windows
// inside rows, dilated ones, padding; row sums of up to 900 bytes (the DSP sums run 256 at a time).
template <typename TX, typename TY>
void avgpool_trial(int t) {
  o2m::QAvgPoolParams q{};
  o2m::PoolParams& p = q.pool;
  p.nc = uniform(1, 8);
  p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dil[0] = 1;
  const bool global = uniform(0, 2) == 0;
  for (int d = 1; d < 3; ++d) {
    p.in[d] = uniform(1, 30);
    p.k[d] = global ? p.in[d] : uniform(1, 4);
    p.stride[d] = global ? 1 : uniform(1, 3);
    p.dil[d] = global ? 1 : uniform(1, 2);
    p.pad_begin[d] = global ? 0 : uniform(0, 1);
    p.pad_end[d] = global ? 0 : uniform(0, 1);
    const int span = p.in[d] + p.pad_begin[d] + p.pad_end[d] - ((p.k[d] - 1) * p.dil[d] + 1);
    if (span < 0) return;
    p.out[d] = span / p.stride[d] + 1;
  }
  p.count_include_pad = uniform(0, 1);
  q.uniform = global ? 1 : 0;  // else one multiplier per window count 0 .. 16
  random_requant(q.uniform ? 1 : p.k[1] * p.k[2] + 1);
  q.x_zp = uniform(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  q.y_zp = uniform(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  q.act_min = o2m::QRange<TY>::lo;
  q.act_max = o2m::QRange<TY>::hi;
  const int in_n = p.nc * p.in[1] * p.in[2], out_n = p.nc * p.out[1] * p.out[2];
  random_bytes(g_x, in_n);
  const TX* x = reinterpret_cast<const TX*>(g_x);
  o2m::qavg_pool<TX, TY, true>(q, x, g_mult, g_shift, reinterpret_cast<TY*>(g_y_ref));
  o2m::qavg_pool<TX, TY>(q, x, g_mult, g_shift, reinterpret_cast<TY*>(g_y_var));
  check(memcmp(g_y_ref, g_y_var, static_cast<size_t>(out_n)) == 0, "qavg_pool", t);
}

// One KWS DS-CNN layer (64 channels, 25x5): reference then variant, one region each.
void bench_conv(int k, int group) {
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  c = {1, 64, 64, group, {1, 25, 5}, {1, 25, 5}, {1, k, k}, {1, 1, 1}, {1, 1, 1}, {0, k / 2, k / 2}};
  random_bytes(g_x, 64 * 125);
  random_bytes(g_w, 64 * 64 / group * k * k);
  random_requant(64);
  p.x_zp = -128;
  p.y_zp = -128;
  p.act_min = -128;
  p.act_max = 127;
  p.per_channel = 1;
  rig_region_begin();
  o2m::qconv<int8_t, int8_t, true>(p, g_x, g_w, g_bias, g_mult, g_shift, g_y_ref, g_scratch);
  rig_region_end();
  rig_region_begin();
  o2m::qconv<int8_t, int8_t>(p, g_x, g_w, g_bias, g_mult, g_shift, g_y_var, g_scratch);
  rig_region_end();
  check(memcmp(g_y_ref, g_y_var, 64 * 125) == 0, "bench conv", k);
}

void bench_gemm() {
  o2m::QGemmParams p{1, 128, 640, 0, -128, 127, 1};  // an AD autoencoder layer, 81920 MACs
  random_bytes(g_x, 640);
  random_bytes(g_w, kGemmBenchWeights);
  random_requant(128);
  rig_region_begin();
  o2m::qgemm<int8_t, int8_t, true>(p, g_x, g_w, g_bias, g_mult, g_shift, g_y_ref, g_scratch);
  rig_region_end();
  rig_region_begin();
  o2m::qgemm<int8_t, int8_t>(p, g_x, g_w, g_bias, g_mult, g_shift, g_y_var, g_scratch);
  rig_region_end();
  check(memcmp(g_y_ref, g_y_var, 128) == 0, "bench gemm", 0);
}

}  // namespace

int main() {
  dot_trials();
  for (int t = 0; t < 100; ++t) {
    conv_trial<int8_t, int8_t>(t);
    conv_trial<uint8_t, uint8_t>(t);
    conv_trial<uint8_t, int8_t>(t);
    depthwise3x3_trial<int8_t, int8_t>(t);
    depthwise3x3_trial<uint8_t, int8_t>(t);
    one_channel3x3_trial<uint8_t, uint8_t>(t);
    one_channel3x3_trial<int8_t, int8_t>(t);
    pointwise_trial<int8_t, int8_t>(t);
    pointwise_trial<uint8_t, uint8_t>(t);
    gemm_trial<int8_t, int8_t>(t);
    gemm_trial<uint8_t, uint8_t>(t);
    avgpool_trial<int8_t, int8_t>(t);
    avgpool_trial<uint8_t, uint8_t>(t);
    qadd_trial<int8_t, int8_t>(t);
    qadd_trial<uint8_t, uint8_t>(t);
    quantize_trial<int8_t>(t);
    quantize_trial<uint8_t>(t);
  }
  bench_conv(1, 1);   // regions 0, 1: pointwise 64 -> 64, 512000 MACs
  bench_conv(3, 64);  // regions 2, 3: depthwise 3x3, 72000 MACs
  bench_gemm();       // regions 4, 5: 640 -> 128, 81920 MACs
  rig_puts("qkernels: ");
  rig_put_int(g_passed);
  rig_puts(" passed, ");
  rig_put_int(g_failed);
  rig_puts(" failed\n");
  return g_failed ? 1 : 0;
}
