// Transformer and linear-recurrence blocks (opsets 23-27): Attention (scaled dot product with
// GQA, masks, causal, softcap, KV cache), RotaryEmbedding, LinearAttention and
// CausalConvWithState. Each follows the ONNX reference implementation step by step.
#pragma once
#include <math.h>

#include "common.hpp"
#include "softmax.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Q, K, V and Y are read through (batch, head, sequence) element strides, the head's vector
// contiguous: a 4-D [B, H, S, D] tensor has strides {H*S*D, S*D, D}, a 3-D [B, S, H*D] one
// {S*H*D, D, H*D}. past_key/past_value and present_key/present_value are [B, Hkv, S, D].
struct AttentionParams {
  int32_t batch, q_heads, kv_heads;
  int32_t q_len, kv_len, past_len;  // total length = past_len + kv_len
  int32_t head_size, v_head_size;
  int32_t q_strides[3], k_strides[3], v_strides[3], y_strides[3];
  // Mask broadcast to (batch, q_head, query, key): element strides (0 along repeated dims) and
  // its last-dim length; keys at or past mask_len are masked out (-inf), as the spec pads.
  int32_t mask_strides[4];
  int32_t mask_len;
  int32_t is_causal;
  int32_t qk_mode;  // what qk_out holds: 0 Q*K^T*scale, 1 after softcap, 2 plus the mask, 3 softmax
  float scale, softcap;  // softcap 0: none
  O2M_FIELDS(batch, q_heads, kv_heads, q_len, kv_len, past_len, head_size, v_head_size, q_strides, k_strides,
             v_strides, y_strides, mask_strides, mask_len, is_causal, qk_mode, scale, softcap)
};

// Scratch: one row of attention scores.
template <typename T>
inline int32_t attention_scratch_bytes(const AttentionParams& p) {
  return (p.past_len + p.kv_len) * static_cast<int32_t>(sizeof(T));
}

// True where a boolean mask lets the key take part; a float mask is added to the score.
template <typename T, typename M>
inline T attention_mask_bias(M m) {
  if constexpr (Num<M>::is_float) return static_cast<T>(m);
  else return m ? T(0) : -static_cast<T>(INFINITY);
}

// mask (bool or T), past_key, past_value, nonpad_kv_seqlen, present_key, present_value and
// qk_out may each be nullptr. nonpad_kv_seqlen[b] masks out keys at or past it; with is_causal
// and no past it also moves the causal frontier to the end of the valid keys.
template <typename T, typename M>
inline void attention(const AttentionParams& p, const T* q, const T* k, const T* v, const M* mask, const T* past_key,
                      const T* past_value, const int64_t* nonpad_kv_seqlen, T* y, T* present_key, T* present_value,
                      T* qk_out, void* scratch) {
  T* row = static_cast<T*>(scratch);
  const int32_t total = p.past_len + p.kv_len, group = p.q_heads / p.kv_heads;
  const T neg_inf = -static_cast<T>(INFINITY);
  for (int32_t b = 0; b < p.batch; ++b) {
    // Clamped far outside [0, total] so that the offset arithmetic below cannot overflow.
    const int64_t big = int64_t(1) << 40;
    const int64_t np = nonpad_kv_seqlen ? nonpad_kv_seqlen[b] : total;
    const int64_t valid = np < -big ? -big : (np > big ? big : np);
    const int64_t causal_offset = past_key || !nonpad_kv_seqlen ? p.past_len : valid - p.q_len;
    for (int32_t h = 0; h < p.q_heads; ++h) {
      const int32_t kh = h / group;  // each KV head serves `group` neighbouring query heads
      for (int32_t i = 0; i < p.q_len; ++i) {
        const T* qv = q + b * p.q_strides[0] + h * p.q_strides[1] + i * p.q_strides[2];
        T* qk = qk_out ? qk_out + ((b * p.q_heads + h) * p.q_len + i) * total : nullptr;
        for (int32_t t = 0; t < total; ++t) {
          const T* kv = t < p.past_len ? past_key + ((b * p.kv_heads + kh) * p.past_len + t) * p.head_size
                                       : k + b * p.k_strides[0] + kh * p.k_strides[1] + (t - p.past_len) * p.k_strides[2];
          T s = T(0);
          for (int32_t d = 0; d < p.head_size; ++d) s += qv[d] * kv[d];
          s *= static_cast<T>(p.scale);
          if (qk && p.qk_mode == 0) qk[t] = s;
          if (p.softcap > 0.0f) s = static_cast<T>(p.softcap) * static_cast<T>(tanh(s / static_cast<T>(p.softcap)));
          if (qk && p.qk_mode == 1) qk[t] = s;
          if (mask) {
            s += t < p.mask_len ? attention_mask_bias<T>(mask[b * p.mask_strides[0] + h * p.mask_strides[1] +
                                                              i * p.mask_strides[2] + t * p.mask_strides[3]])
                                : neg_inf;
          }
          if (p.is_causal && t > i + causal_offset) s += neg_inf;
          if (t >= valid) s += neg_inf;
          if (qk && p.qk_mode == 2) qk[t] = s;
          row[t] = s;
        }
        softmax(SoftmaxParams{1, total, 1}, row, row);
        if (qk && p.qk_mode == 3)
          for (int32_t t = 0; t < total; ++t) qk[t] = row[t];
        T* yv = y + b * p.y_strides[0] + h * p.y_strides[1] + i * p.y_strides[2];
        for (int32_t d = 0; d < p.v_head_size; ++d) yv[d] = T(0);
        for (int32_t t = 0; t < total; ++t) {
          const T* vv = t < p.past_len
                            ? past_value + ((b * p.kv_heads + kh) * p.past_len + t) * p.v_head_size
                            : v + b * p.v_strides[0] + kh * p.v_strides[1] + (t - p.past_len) * p.v_strides[2];
          for (int32_t d = 0; d < p.v_head_size; ++d) yv[d] += row[t] * vv[d];
        }
      }
    }
  }
  // present = concat(past, new) along the sequence, as [B, Hkv, total, D].
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t h = 0; h < p.kv_heads; ++h)
      for (int32_t t = 0; t < total; ++t) {
        const bool past = t < p.past_len;
        const int32_t at = (b * p.kv_heads + h) * total + t, from = (b * p.kv_heads + h) * p.past_len + t;
        const int32_t tn = t - p.past_len;
        if (present_key)
          for (int32_t d = 0; d < p.head_size; ++d)
            present_key[at * p.head_size + d] =
                past ? past_key[from * p.head_size + d]
                     : k[b * p.k_strides[0] + h * p.k_strides[1] + tn * p.k_strides[2] + d];
        if (present_value)
          for (int32_t d = 0; d < p.v_head_size; ++d)
            present_value[at * p.v_head_size + d] =
                past ? past_value[from * p.v_head_size + d]
                     : v[b * p.v_strides[0] + h * p.v_strides[1] + tn * p.v_strides[2] + d];
      }
}

// RotaryEmbedding. x and y share one layout, read through (batch, sequence, head) strides with
// the head's vector contiguous. cos/sin hold rot_dim/2 values per position: rows picked by
// position_ids[b * seq + s] (clamped to [0, max_pos)) or, without ids, row b * seq + s.
struct RotaryParams {
  int32_t batch, seq, heads, head_size;
  int32_t rot_dim;      // leading elements of each head that rotate; the rest are copied
  int32_t interleaved;  // 1: pairs (2j, 2j+1); 0: pairs (j, j + rot_dim/2)
  int32_t max_pos;      // rows of cos/sin when position_ids index them
  int32_t strides[3];
  O2M_FIELDS(batch, seq, heads, head_size, rot_dim, interleaved, max_pos, strides)
};

template <typename T, typename I>
inline void rotary_embedding(const RotaryParams& p, const T* x, const T* cos_cache, const T* sin_cache,
                             const I* position_ids, T* y) {
  const int32_t half = p.rot_dim / 2;
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t s = 0; s < p.seq; ++s) {
      int64_t r = b * p.seq + s;
      if (position_ids) {
        const int64_t id = static_cast<int64_t>(position_ids[r]);
        r = id < 0 ? 0 : (id >= p.max_pos ? p.max_pos - 1 : id);
      }
      const T* c = cos_cache + r * half;
      const T* sn = sin_cache + r * half;
      for (int32_t h = 0; h < p.heads; ++h) {
        const int32_t at = b * p.strides[0] + s * p.strides[1] + h * p.strides[2];
        const T* xv = x + at;
        T* yv = y + at;
        for (int32_t j = 0; j < half; ++j) {
          const int32_t i1 = p.interleaved ? 2 * j : j, i2 = p.interleaved ? 2 * j + 1 : j + half;
          const T x1 = xv[i1], x2 = xv[i2];
          yv[i1] = c[j] * x1 - sn[j] * x2;
          yv[i2] = sn[j] * x1 + c[j] * x2;
        }
        for (int32_t d = p.rot_dim; d < p.head_size; ++d) yv[d] = xv[d];
      }
    }
}

// LinearAttention: one recurrent state S [d_k, d_v] per (batch, KV head), updated token by
// token (update rules in the spec); query head h reads the state of KV head h / (q_heads /
// kv_heads). Inputs are packed [B, T, H*D]; decay is per key dim (decay_per_key) or per head;
// beta holds kv_heads values per token or one (beta_per_head 0).
struct LinearAttentionParams {
  int32_t batch, seq, q_heads, kv_heads, dk, dv;
  int32_t gated, delta;  // decay (gated) and beta (delta) are used
  int32_t decay_per_key, beta_per_head;
  float scale;
  O2M_FIELDS(batch, seq, q_heads, kv_heads, dk, dv, gated, delta, decay_per_key, beta_per_head, scale)
};

// Scratch: the state of one head and one retrieved value vector.
template <typename T>
inline int32_t linear_attention_scratch_bytes(const LinearAttentionParams& p) {
  return (p.dk * p.dv + p.dv) * static_cast<int32_t>(sizeof(T));
}

// past_state, decay, beta and present_state may be nullptr.
template <typename T>
inline void linear_attention(const LinearAttentionParams& p, const T* q, const T* k, const T* v, const T* past_state,
                             const T* decay, const T* beta, T* y, T* present_state, void* scratch) {
  T* st = static_cast<T*>(scratch);
  T* retrieved = st + p.dk * p.dv;
  const int32_t group = p.q_heads / p.kv_heads, state_size = p.dk * p.dv;
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t kh = 0; kh < p.kv_heads; ++kh) {
      const int32_t s0 = (b * p.kv_heads + kh) * state_size;
      for (int32_t i = 0; i < state_size; ++i) st[i] = past_state ? past_state[s0 + i] : T(0);
      for (int32_t t = 0; t < p.seq; ++t) {
        const int32_t tok = b * p.seq + t;
        const T* kt = k + (tok * p.kv_heads + kh) * p.dk;
        const T* vt = v + (tok * p.kv_heads + kh) * p.dv;
        if (p.gated) {
          for (int32_t d = 0; d < p.dk; ++d) {
            const T g = static_cast<T>(
                exp(p.decay_per_key ? decay[(tok * p.kv_heads + kh) * p.dk + d] : decay[tok * p.kv_heads + kh]));
            for (int32_t m = 0; m < p.dv; ++m) st[d * p.dv + m] *= g;
          }
        }
        // retrieved holds the value written for this token: v, or beta * (v - S^T k).
        for (int32_t m = 0; m < p.dv; ++m) retrieved[m] = vt[m];
        if (p.delta) {
          const T bt = beta[p.beta_per_head ? tok * p.kv_heads + kh : tok];
          for (int32_t m = 0; m < p.dv; ++m) {
            T r = T(0);
            for (int32_t d = 0; d < p.dk; ++d) r += st[d * p.dv + m] * kt[d];
            retrieved[m] = bt * (vt[m] - r);
          }
        }
        for (int32_t d = 0; d < p.dk; ++d)
          for (int32_t m = 0; m < p.dv; ++m) st[d * p.dv + m] += kt[d] * retrieved[m];
        for (int32_t h = kh * group; h < (kh + 1) * group; ++h) {
          const T* qt = q + (tok * p.q_heads + h) * p.dk;
          T* yt = y + (tok * p.q_heads + h) * p.dv;
          for (int32_t m = 0; m < p.dv; ++m) {
            T o = T(0);
            for (int32_t d = 0; d < p.dk; ++d) o += qt[d] * st[d * p.dv + m];
            yt[m] = static_cast<T>(p.scale) * o;
          }
        }
      }
      if (present_state)
        for (int32_t i = 0; i < state_size; ++i) present_state[s0 + i] = st[i];
    }
}

// CausalConvWithState: depthwise 1-D convolution of [B, C, L] with a [C, 1, k] kernel over the
// sequence left-padded by past_state [B, C, k-1] (zeros when absent); present_state gets the
// last k-1 positions of that padded sequence. silu 1: y = conv * sigmoid(conv).
struct CausalConvParams {
  int32_t batch, channels, length, k;
  int32_t silu;
  O2M_FIELDS(batch, channels, length, k, silu)
};

// bias, past_state and present_state may be nullptr. present_state may share past_state's
// buffer: position j is written only after every read of positions >= j.
template <typename T>
inline void causal_conv_with_state(const CausalConvParams& p, const T* x, const T* w, const T* bias,
                                   const T* past_state, T* y, T* present_state) {
  const int32_t pad = p.k - 1;
  for (int32_t r = 0; r < p.batch * p.channels; ++r) {
    const int32_t c = r % p.channels;
    const T* xr = x + r * p.length;
    const T* pr = past_state ? past_state + r * pad : nullptr;
    // Position j of the padded sequence.
    auto at = [&](int32_t j) { return j >= pad ? xr[j - pad] : (pr ? pr[j] : T(0)); };
    for (int32_t t = 0; t < p.length; ++t) {
      T s = bias ? bias[c] : T(0);
      for (int32_t j = 0; j < p.k; ++j) s += w[c * p.k + j] * at(t + j);
      y[r * p.length + t] = p.silu ? s / (T(1) + static_cast<T>(exp(-s))) : s;
    }
    if (present_state)
      for (int32_t j = 0; j < pad; ++j) present_state[r * pad + j] = at(p.length + j);
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
