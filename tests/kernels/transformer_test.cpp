// templates/kernels/transformer.hpp against plain double references written from the ONNX
// definitions: Attention (MHA/GQA, 3-D and 4-D layouts, float/bool masks shorter than the keys,
// causal, softcap, KV cache, nonpad_kv_seqlen, every qk_matmul_output mode), RotaryEmbedding,
// LinearAttention (all four update rules, GQA) and CausalConvWithState. Float results must match
// within 2e-5 relative + 2e-5 absolute: each output sums at most a few dozen float products.
#include "kernels/transformer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using Vec = std::vector<float>;

Vec random_vec(size_t n, std::mt19937& rng, float lo = -1, float hi = 1) {
  std::uniform_real_distribution<float> dist(lo, hi);
  Vec v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

void expect_close(const Vec& got, const std::vector<double>& ref, const char* what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i])) {  // a row with every key masked out: softmax divides 0 by 0
      EXPECT_TRUE(std::isnan(got[i])) << what << "[" << i << "]";
      continue;
    }
    if (std::isinf(ref[i])) {
      EXPECT_EQ(got[i], ref[i]) << what << "[" << i << "]";
      continue;
    }
    ASSERT_NEAR(got[i], ref[i], 2e-5 * std::fabs(ref[i]) + 2e-5) << what << "[" << i << "]";
  }
}

// ---- Attention ----

struct AttnCase {
  int b, hq, hkv, sq, skv, past, d, dv;
  bool packed;       // 3-D [B, S, H*D] inputs and output
  int mask_kind;     // 0 none, 1 float [Sq, mask_len], 2 bool [B, 1, Sq, mask_len]
  int mask_len;
  bool causal, nonpad;
  int mode;
  float softcap;
};

// [B, H, S, D] element (b, h, s, d) of a tensor stored 4-D or packed 3-D.
size_t at4(bool packed, int H, int S, int D, int b, int h, int s, int d) {
  return packed ? ((size_t(b) * S + s) * H + h) * D + d : ((size_t(b) * H + h) * S + s) * D + d;
}

void run_attention_case(const AttnCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const int total = c.past + c.skv, group = c.hq / c.hkv;
  const Vec q = random_vec(size_t(c.b) * c.hq * c.sq * c.d, rng), k = random_vec(size_t(c.b) * c.hkv * c.skv * c.d, rng),
            v = random_vec(size_t(c.b) * c.hkv * c.skv * c.dv, rng);
  const Vec pk = random_vec(size_t(c.b) * c.hkv * c.past * c.d, rng), pv = random_vec(size_t(c.b) * c.hkv * c.past * c.dv, rng);
  Vec fmask = random_vec(size_t(c.sq) * c.mask_len, rng, -2, 1);
  std::vector<uint8_t> bmask_bytes(size_t(c.b) * c.sq * c.mask_len);
  for (auto& m : bmask_bytes) m = rng() % 4 != 0;
  bool* bmask = reinterpret_cast<bool*>(bmask_bytes.data());
  std::vector<int64_t> nonpad(c.b);
  for (int b = 0; b < c.b; ++b) nonpad[b] = total - b;  // a shorter valid prefix in each later batch

  o2m::AttentionParams p{};
  p.batch = c.b, p.q_heads = c.hq, p.kv_heads = c.hkv, p.q_len = c.sq, p.kv_len = c.skv, p.past_len = c.past;
  p.head_size = c.d, p.v_head_size = c.dv;
  auto strides = [&](int32_t* s, int H, int S, int D) {
    s[0] = H * S * D;
    s[1] = c.packed ? D : S * D;
    s[2] = c.packed ? H * D : D;
  };
  strides(p.q_strides, c.hq, c.sq, c.d);
  strides(p.k_strides, c.hkv, c.skv, c.d);
  strides(p.v_strides, c.hkv, c.skv, c.dv);
  strides(p.y_strides, c.hq, c.sq, c.dv);
  if (c.mask_kind == 1) p.mask_strides[2] = c.mask_len, p.mask_strides[3] = 1;
  if (c.mask_kind == 2) p.mask_strides[0] = c.sq * c.mask_len, p.mask_strides[2] = c.mask_len, p.mask_strides[3] = 1;
  p.mask_len = c.mask_len, p.is_causal = c.causal, p.qk_mode = c.mode;
  p.scale = 1.0f / std::sqrt(float(c.d)) * 1.3f;
  p.softcap = c.softcap;

  Vec y(size_t(c.b) * c.hq * c.sq * c.dv, NAN), pres_k(size_t(c.b) * c.hkv * total * c.d, NAN),
      pres_v(size_t(c.b) * c.hkv * total * c.dv, NAN), qk(size_t(c.b) * c.hq * c.sq * total, NAN), scratch(total);
  const float* past_k = c.past ? pk.data() : nullptr;
  const float* past_v = c.past ? pv.data() : nullptr;
  const int64_t* np = c.nonpad ? nonpad.data() : nullptr;
  if (c.mask_kind == 2)
    o2m::attention<float, bool>(p, q.data(), k.data(), v.data(), bmask, past_k, past_v, np, y.data(), pres_k.data(),
                                pres_v.data(), qk.data(), scratch.data());
  else
    o2m::attention<float, float>(p, q.data(), k.data(), v.data(), c.mask_kind ? fmask.data() : nullptr, past_k, past_v,
                                 np, y.data(), pres_k.data(), pres_v.data(), qk.data(), scratch.data());

  // Reference: present = concat(past, new); scores; bias; softmax; weighted sum of values.
  auto key = [&](int b, int h, int t, int d) -> double {
    return t < c.past ? pk[((size_t(b) * c.hkv + h) * c.past + t) * c.d + d]
                      : k[at4(c.packed, c.hkv, c.skv, c.d, b, h, t - c.past, d)];
  };
  auto val = [&](int b, int h, int t, int d) -> double {
    return t < c.past ? pv[((size_t(b) * c.hkv + h) * c.past + t) * c.dv + d]
                      : v[at4(c.packed, c.hkv, c.skv, c.dv, b, h, t - c.past, d)];
  };
  std::vector<double> ry(y.size()), rqk(qk.size()), rk(pres_k.size()), rv(pres_v.size());
  const double inf = INFINITY;
  for (int b = 0; b < c.b; ++b)
    for (int h = 0; h < c.hq; ++h)
      for (int i = 0; i < c.sq; ++i) {
        std::vector<double> s(total);
        for (int t = 0; t < total; ++t) {
          double dot = 0;
          for (int d = 0; d < c.d; ++d) dot += double(q[at4(c.packed, c.hq, c.sq, c.d, b, h, i, d)]) * key(b, h / group, t, d);
          double x = dot * p.scale;
          double& out = rqk[((size_t(b) * c.hq + h) * c.sq + i) * total + t];
          if (c.mode == 0) out = x;
          if (c.softcap > 0) x = c.softcap * std::tanh(x / c.softcap);
          if (c.mode == 1) out = x;
          if (c.mask_kind == 1) x += t < c.mask_len ? fmask[size_t(i) * c.mask_len + t] : -inf;
          if (c.mask_kind == 2) x += t < c.mask_len && bmask[(size_t(b) * c.sq + i) * c.mask_len + t] ? 0 : -inf;
          const int offset = c.nonpad && !c.past ? int(nonpad[b]) - c.sq : c.past;
          if (c.causal && t > i + offset) x = -inf;
          if (c.nonpad && t >= nonpad[b]) x = -inf;
          if (c.mode == 2) out = x;
          s[t] = x;
        }
        double mx = -inf, sum = 0;
        for (double x : s) mx = std::max(mx, x);
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (int t = 0; t < total; ++t) {
          s[t] /= sum;
          if (c.mode == 3) rqk[((size_t(b) * c.hq + h) * c.sq + i) * total + t] = s[t];
        }
        for (int d = 0; d < c.dv; ++d) {
          double acc = 0;
          for (int t = 0; t < total; ++t) acc += s[t] * val(b, h / group, t, d);
          ry[at4(c.packed, c.hq, c.sq, c.dv, b, h, i, d)] = acc;
        }
      }
  for (int b = 0; b < c.b; ++b)
    for (int h = 0; h < c.hkv; ++h)
      for (int t = 0; t < total; ++t) {
        for (int d = 0; d < c.d; ++d) rk[((size_t(b) * c.hkv + h) * total + t) * c.d + d] = key(b, h, t, d);
        for (int d = 0; d < c.dv; ++d) rv[((size_t(b) * c.hkv + h) * total + t) * c.dv + d] = val(b, h, t, d);
      }
  expect_close(y, ry, "Y");
  expect_close(qk, rqk, "qk_matmul_output");
  expect_close(pres_k, rk, "present_key");
  expect_close(pres_v, rv, "present_value");
}

TEST(Attention, MultiHead4D) { run_attention_case({2, 3, 3, 4, 6, 0, 8, 8, false, 0, 6, false, false, 0, 0}, 1); }
TEST(Attention, GroupedQueryPackedWithShortFloatMaskAndSoftcap) {
  run_attention_case({2, 6, 2, 3, 5, 0, 4, 7, true, 1, 4, false, false, 1, 0.5f}, 2);
  run_attention_case({1, 4, 1, 5, 5, 0, 6, 3, true, 1, 5, false, false, 2, 2.0f}, 3);
}
TEST(Attention, PastCausalBoolMask) {
  run_attention_case({2, 4, 2, 3, 3, 4, 5, 6, false, 2, 7, true, false, 3, 0}, 4);
  run_attention_case({1, 2, 2, 2, 1, 3, 8, 8, true, 0, 4, true, false, 2, 0}, 5);
}
TEST(Attention, NonpadKvSeqlenWithCausal) {
  run_attention_case({3, 2, 2, 2, 6, 0, 4, 4, false, 0, 6, true, true, 2, 0}, 6);
  run_attention_case({2, 2, 1, 3, 6, 0, 4, 5, true, 1, 6, false, true, 0, 0}, 7);
}

// Any nonpad_kv_seqlen value is defined: past the keys it masks nothing (and moves the causal
// frontier past them too), at or below zero it masks every key (a NaN row, as in the reference).
TEST(Attention, ExtremeNonpadKvSeqlen) {
  const Vec q = {0.5f, -1, 2, 0.25f}, k = {1, 2, -1, 0.5f, 0, 3}, v = {1, 2, 3, 4, 5, 6};
  o2m::AttentionParams p{};
  p.batch = 2, p.q_heads = 1, p.kv_heads = 1, p.q_len = 1, p.kv_len = 3, p.head_size = 2, p.v_head_size = 2;
  const int32_t qs[3] = {2, 2, 2}, ks[3] = {0, 6, 2}, vs[3] = {0, 6, 2};
  for (int d = 0; d < 3; ++d) p.q_strides[d] = qs[d], p.k_strides[d] = ks[d], p.v_strides[d] = vs[d], p.y_strides[d] = qs[d];
  p.scale = 1, p.is_causal = 1;
  const int64_t nonpad[2] = {INT64_MAX, INT64_MIN};
  Vec y(4, 0), scratch(3);
  o2m::attention<float, float>(p, q.data(), k.data(), v.data(), nullptr, nullptr, nullptr, nonpad, y.data(), nullptr,
                               nullptr, nullptr, scratch.data());
  double s[3], sum = 0;  // batch 0: all three keys take part (K and V are shared: batch stride 0)
  for (int t = 0; t < 3; ++t) sum += s[t] = std::exp(double(q[0]) * k[2 * t] + double(q[1]) * k[2 * t + 1]);
  for (int d = 0; d < 2; ++d) {
    double ref = 0;
    for (int t = 0; t < 3; ++t) ref += s[t] / sum * v[2 * t + d];
    EXPECT_NEAR(y[d], ref, 1e-5);
  }
  EXPECT_TRUE(std::isnan(y[2]) && std::isnan(y[3]));
}

// ---- RotaryEmbedding ----

TEST(RotaryEmbedding, HalvesAndInterleavedWithPartialRotation) {
  for (int interleaved : {0, 1})
    for (int packed : {0, 1})
      for (int with_ids : {0, 1}) {
        SCOPED_TRACE("interleaved " + std::to_string(interleaved) + " packed " + std::to_string(packed) + " ids " +
                     std::to_string(with_ids));
        std::mt19937 rng(11 + interleaved * 4 + packed * 2 + with_ids);
        const int B = 2, S = 3, H = 2, D = 10, rot = 6, half = rot / 2, max_pos = 9;
        const Vec x = random_vec(size_t(B) * S * H * D, rng);
        const int rows = with_ids ? max_pos : B * S;
        const Vec cs = random_vec(size_t(rows) * half, rng), sn = random_vec(size_t(rows) * half, rng);
        std::vector<int64_t> ids(B * S);
        for (auto& id : ids) id = rng() % max_pos;
        ids[1] = -3, ids[2] = 40;  // out of range: clamped
        o2m::RotaryParams p{B, S, H, D, rot, interleaved, max_pos, {0, 0, 0}};
        p.strides[0] = S * H * D;
        p.strides[1] = packed ? H * D : D;
        p.strides[2] = packed ? D : S * D;
        Vec y(x.size(), NAN);
        o2m::rotary_embedding<float, int64_t>(p, x.data(), cs.data(), sn.data(), with_ids ? ids.data() : nullptr, y.data());
        std::vector<double> ref(x.size());
        for (int b = 0; b < B; ++b)
          for (int s = 0; s < S; ++s) {
            int64_t r = b * S + s;
            if (with_ids) r = std::min<int64_t>(std::max<int64_t>(ids[r], 0), max_pos - 1);
            for (int h = 0; h < H; ++h) {
              const size_t base = at4(packed, H, S, D, b, h, s, 0);
              for (int d = 0; d < D; ++d) ref[base + d] = x[base + d];
              for (int j = 0; j < half; ++j) {
                const int i1 = interleaved ? 2 * j : j, i2 = interleaved ? 2 * j + 1 : j + half;
                const double c = cs[r * half + j], si = sn[r * half + j];
                ref[base + i1] = c * x[base + i1] - si * x[base + i2];
                ref[base + i2] = si * x[base + i1] + c * x[base + i2];
              }
            }
          }
        expect_close(y, ref, "rotary");
      }
}

// ---- LinearAttention ----

TEST(LinearAttention, AllUpdateRulesMatchTheRecurrence) {
  struct Case {
    int gated, delta, per_key, beta_per_head, hq, hkv, with_past;
  };
  const Case cases[] = {{0, 0, 0, 0, 2, 2, 0}, {1, 0, 1, 0, 4, 2, 1}, {0, 1, 0, 1, 2, 2, 1},
                        {1, 1, 0, 0, 3, 1, 0}, {1, 1, 1, 1, 4, 2, 1}};
  uint32_t seed = 20;
  for (const Case& c : cases) {
    SCOPED_TRACE("case seed " + std::to_string(seed));
    std::mt19937 rng(seed++);
    const int B = 2, T = 4, dk = 3, dv = 5;
    const Vec q = random_vec(size_t(B) * T * c.hq * dk, rng), k = random_vec(size_t(B) * T * c.hkv * dk, rng),
              v = random_vec(size_t(B) * T * c.hkv * dv, rng), past = random_vec(size_t(B) * c.hkv * dk * dv, rng);
    const Vec decay = random_vec(size_t(B) * T * c.hkv * (c.per_key ? dk : 1), rng, -0.5f, 0);
    const Vec beta = random_vec(size_t(B) * T * (c.beta_per_head ? c.hkv : 1), rng, 0, 1);
    o2m::LinearAttentionParams p{B, T, c.hq, c.hkv, dk, dv, c.gated, c.delta, c.per_key, c.beta_per_head, 0.4f};
    Vec y(size_t(B) * T * c.hq * dv, NAN), present(past.size(), NAN), scratch(dk * dv + dv);
    o2m::linear_attention<float>(p, q.data(), k.data(), v.data(), c.with_past ? past.data() : nullptr,
                                 c.gated ? decay.data() : nullptr, c.delta ? beta.data() : nullptr, y.data(),
                                 present.data(), scratch.data());
    std::vector<double> ry(y.size()), rs(present.size());
    for (int b = 0; b < B; ++b)
      for (int kh = 0; kh < c.hkv; ++kh) {
        std::vector<double> S(dk * dv, 0.0);
        if (c.with_past)
          for (int i = 0; i < dk * dv; ++i) S[i] = past[(size_t(b) * c.hkv + kh) * dk * dv + i];
        for (int t = 0; t < T; ++t) {
          const size_t tok = size_t(b) * T + t;
          if (c.gated)
            for (int d = 0; d < dk; ++d)
              for (int m = 0; m < dv; ++m)
                S[d * dv + m] *= std::exp(double(c.per_key ? decay[(tok * c.hkv + kh) * dk + d] : decay[tok * c.hkv + kh]));
          std::vector<double> w(dv);
          for (int m = 0; m < dv; ++m) {
            double kS = 0;
            for (int d = 0; d < dk; ++d) kS += S[d * dv + m] * k[(tok * c.hkv + kh) * dk + d];
            const double bt = beta[c.beta_per_head ? tok * c.hkv + kh : tok];
            w[m] = c.delta ? bt * (v[(tok * c.hkv + kh) * dv + m] - kS) : v[(tok * c.hkv + kh) * dv + m];
          }
          for (int d = 0; d < dk; ++d)
            for (int m = 0; m < dv; ++m) S[d * dv + m] += k[(tok * c.hkv + kh) * dk + d] * w[m];
          for (int h = 0; h < c.hq; ++h) {
            if (h / (c.hq / c.hkv) != kh) continue;
            for (int m = 0; m < dv; ++m) {
              double o = 0;
              for (int d = 0; d < dk; ++d) o += q[(tok * c.hq + h) * dk + d] * S[d * dv + m];
              ry[(tok * c.hq + h) * dv + m] = 0.4 * o;
            }
          }
        }
        for (int i = 0; i < dk * dv; ++i) rs[(size_t(b) * c.hkv + kh) * dk * dv + i] = S[i];
      }
    expect_close(y, ry, "output");
    expect_close(present, rs, "present_state");
  }
}

// ---- CausalConvWithState ----

TEST(CausalConvWithState, PaddedDepthwiseConvAndCarriedState) {
  struct Case {
    int len, k, with_bias, with_past, silu;
  };
  const Case cases[] = {{6, 4, 0, 0, 0}, {5, 3, 1, 1, 1}, {1, 4, 1, 1, 0}, {2, 5, 0, 1, 1}, {3, 1, 1, 0, 0}};
  uint32_t seed = 40;
  for (const Case& c : cases) {
    SCOPED_TRACE("len " + std::to_string(c.len) + " k " + std::to_string(c.k));
    std::mt19937 rng(seed++);
    const int B = 2, C = 3, pad = c.k - 1;
    const Vec x = random_vec(size_t(B) * C * c.len, rng), w = random_vec(size_t(C) * c.k, rng),
              bias = random_vec(C, rng), past = random_vec(size_t(B) * C * pad, rng);
    Vec y(x.size(), NAN), present(past.size(), NAN);
    o2m::causal_conv_with_state<float>({B, C, c.len, c.k, c.silu}, x.data(), w.data(), c.with_bias ? bias.data() : nullptr,
                                       c.with_past ? past.data() : nullptr, y.data(), present.data());
    std::vector<double> ry(y.size()), rp(present.size());
    for (int r = 0; r < B * C; ++r) {
      std::vector<double> seq;  // concat(past or zeros, x)
      for (int j = 0; j < pad; ++j) seq.push_back(c.with_past ? past[size_t(r) * pad + j] : 0.0);
      for (int t = 0; t < c.len; ++t) seq.push_back(x[size_t(r) * c.len + t]);
      for (int t = 0; t < c.len; ++t) {
        double s = c.with_bias ? bias[r % C] : 0;
        for (int j = 0; j < c.k; ++j) s += w[(r % C) * c.k + j] * seq[t + j];
        ry[size_t(r) * c.len + t] = c.silu ? s / (1 + std::exp(-s)) : s;
      }
      for (int j = 0; j < pad; ++j) rp[size_t(r) * pad + j] = seq[seq.size() - pad + j];
    }
    expect_close(y, ry, "output");
    expect_close(present, rp, "present_state");
  }
}

}  // namespace
