// Attention, RotaryEmbedding, LinearAttention and CausalConvWithState (opsets 23-27)
// -> templates/kernels/transformer.hpp. Native kernels rather than the ops' function bodies:
// one pass over the data, no [B, H, S, T] temporaries beyond one row of scores.
#include <cmath>

#include "kernels/transformer.hpp"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

int64_t positive_attr(const Node& n, const char* name) {
  if (!n.has_attr(name)) n.fail(std::string("the ") + name + " attribute is required");
  const int64_t v = n.attr_int(name, 0);
  if (v < 1) n.fail(std::string(name) + " must be positive, got " + std::to_string(v));
  return v;
}

void expect_rank(const Node& n, const Value& v, size_t rank) {
  if (v.shape.size() != rank)
    n.fail("input '" + v.name + "' must have rank " + std::to_string(rank) + ", got " + shape_str(v.shape));
}

// ---- Attention ----

// Q, K, V as [batch, heads, sequence, head size], whatever their rank (3-D packs the heads
// into the last dim), with (batch, head, sequence) element strides for the kernel.
struct HeadsView {
  int64_t batch = 0, heads = 0, seq = 0, size = 0;
  int32_t strides[3] = {0, 0, 0};
};

HeadsView heads_view(const Node& n, const Value& v, const char* heads_attr) {
  HeadsView h;
  const Shape& s = v.shape;
  h.batch = s[0];
  if (s.size() == 4) {
    h.heads = s[1], h.seq = s[2], h.size = s[3];
    h.strides[0] = i32(n, s[1] * s[2] * s[3]), h.strides[1] = i32(n, s[2] * s[3]), h.strides[2] = i32(n, s[3]);
    return h;
  }
  h.heads = positive_attr(n, heads_attr);
  if (s[2] % h.heads != 0)
    n.fail("the last dim of '" + v.name + "' " + shape_str(s) + " is not a multiple of " + heads_attr + " " +
           std::to_string(h.heads));
  h.seq = s[1], h.size = s[2] / h.heads;
  h.strides[0] = i32(n, s[1] * s[2]), h.strides[1] = i32(n, h.size), h.strides[2] = i32(n, s[2]);
  return h;
}

struct AttentionShape {
  HeadsView q, k, v;
  int64_t past = 0;
  int64_t total() const { return past + k.seq; }
};

AttentionShape attention_shape(const Node& n) {
  const Value& q = required_input(n, 0);
  const Value& k = required_input(n, 1);
  const Value& v = required_input(n, 2);
  const size_t rank = q.shape.size();
  if (rank != 3 && rank != 4) n.fail("Q must have rank 3 or 4, got " + shape_str(q.shape));
  expect_rank(n, k, rank);
  expect_rank(n, v, rank);
  AttentionShape a{heads_view(n, q, "q_num_heads"), heads_view(n, k, "kv_num_heads"), heads_view(n, v, "kv_num_heads")};
  if (a.k.batch != a.q.batch || a.v.batch != a.q.batch) n.fail("Q, K and V need the same batch size");
  if (a.k.heads != a.v.heads || a.k.seq != a.v.seq) n.fail("K and V need the same heads and sequence length");
  if (a.k.heads < 1 || a.q.heads % a.k.heads != 0)
    n.fail("query heads " + std::to_string(a.q.heads) + " must be a multiple of key/value heads " +
           std::to_string(a.k.heads));
  if (a.q.size != a.k.size) n.fail("Q and K need the same head size");
  const Value* pk = n.input(4);
  const Value* pv = n.input(5);
  if (!pk != !pv) n.fail("past_key and past_value must be given together");
  if (pk) {
    expect_rank(n, *pk, 4);
    expect_rank(n, *pv, 4);
    a.past = pk->shape[2];
    if (pk->shape != Shape{a.q.batch, a.k.heads, a.past, a.k.size} ||
        pv->shape != Shape{a.q.batch, a.k.heads, a.past, a.v.size})
      n.fail("past_key " + shape_str(pk->shape) + " and past_value " + shape_str(pv->shape) +
             " must be [batch, kv_num_heads, past, head size]");
  }
  return a;
}

void infer_attention(Node& n) {
  expect_arity(n, 3, 7);
  const Value& q = required_input(n, 0);
  if (q.dtype != DType::F32 && q.dtype != DType::F64) n.fail(std::string("expects float data, got ") + dtype_name(q.dtype));
  for (size_t i : {1, 2, 4, 5})
    if (n.input(i) && n.input(i)->dtype != q.dtype) n.fail("Q, K, V, past_key and past_value need one dtype");
  const AttentionShape a = attention_shape(n);
  const int64_t total = a.total();
  if (const Value* m = n.input(3)) {
    if (m->dtype != DType::Bool && m->dtype != q.dtype)
      n.fail(std::string("attn_mask must be bool or Q's dtype, got ") + dtype_name(m->dtype));
    const Shape full{a.q.batch, a.q.heads, a.q.seq, total};
    if (m->shape.empty() || m->shape.size() > 4) n.fail("attn_mask must have rank 1 to 4, got " + shape_str(m->shape));
    for (size_t i = 0; i < m->shape.size(); ++i) {
      const int64_t d = m->shape[m->shape.size() - 1 - i], want = full[3 - i];
      if (i == 0 ? d > want : d != 1 && d != want)
        n.fail("attn_mask " + shape_str(m->shape) + " does not broadcast to " + shape_str(full));
    }
  }
  if (const Value* s = n.input(6)) {
    if (s->dtype != DType::I64 || s->shape != Shape{a.q.batch}) n.fail("nonpad_kv_seqlen must be int64 [batch]");
    if (n.input(4)) n.fail("nonpad_kv_seqlen cannot be used with past_key and past_value");
  }
  const int64_t mode = n.attr_int("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3) n.fail("qk_matmul_output_mode must be 0 to 3, got " + std::to_string(mode));
  if (q.shape.size() == 4) set_output(n, 0, q.dtype, {a.q.batch, a.q.heads, a.q.seq, a.v.size});
  else set_output(n, 0, q.dtype, {a.q.batch, a.q.seq, a.q.heads * a.v.size});
  set_output(n, 1, q.dtype, {a.q.batch, a.k.heads, total, a.k.size});
  set_output(n, 2, q.dtype, {a.q.batch, a.k.heads, total, a.v.size});
  set_output(n, 3, q.dtype, {a.q.batch, a.q.heads, a.q.seq, total});
}

std::vector<KernelCall> lower_attention(const Node& n) {
  const AttentionShape a = attention_shape(n);
  o2m::AttentionParams p{};
  p.batch = i32(n, a.q.batch), p.q_heads = i32(n, a.q.heads), p.kv_heads = i32(n, a.k.heads);
  p.q_len = i32(n, a.q.seq), p.kv_len = i32(n, a.k.seq), p.past_len = i32(n, a.past);
  p.head_size = i32(n, a.q.size), p.v_head_size = i32(n, a.v.size);
  for (int d = 0; d < 3; ++d) p.q_strides[d] = a.q.strides[d], p.k_strides[d] = a.k.strides[d], p.v_strides[d] = a.v.strides[d];
  // Y has Q's layout with V's head size.
  const HeadsView y = heads_view(n, *n.outputs[0], "q_num_heads");
  for (int d = 0; d < 3; ++d) p.y_strides[d] = y.strides[d];
  const Value* mask = n.input(3);
  if (mask) {
    const Shape& m = mask->shape;
    const std::vector<int64_t> st = strides_of(m);
    const size_t off = 4 - m.size();
    for (size_t d = 0; d < m.size(); ++d) p.mask_strides[off + d] = m[d] == 1 && d + 1 < m.size() ? 0 : i32(n, st[d]);
    p.mask_len = i32(n, m.back());
  }
  p.is_causal = n.attr_int("is_causal", 0) != 0 ? 1 : 0;
  p.qk_mode = i32(n, n.attr_int("qk_matmul_output_mode", 0));
  p.scale = n.attr_float("scale", static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.q.size))));
  p.softcap = n.attr_float("softcap", 0.0f);
  const std::vector<const Value*> ins{n.inputs[0], n.inputs[1], n.inputs[2], mask, n.input(4), n.input(5), n.input(6)};
  const std::vector<const Value*> outs{n.outputs[0], output_or_null(n, 1), output_or_null(n, 2), output_or_null(n, 3)};
  return {visit_float(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = mask && mask->dtype == DType::Bool
                       ? make_call(O2M_KERNEL2("transformer.hpp", o2m::attention, T, bool), "o2m::AttentionParams", p, ins, outs)
                       : make_call(O2M_KERNEL2("transformer.hpp", o2m::attention, T, T), "o2m::AttentionParams", p, ins, outs);
    c.scratch_bytes = o2m::attention_scratch_bytes<T>(p);
    return c;
  })};
}

// ---- RotaryEmbedding ----

struct RotaryShape {
  o2m::RotaryParams p{};
  int64_t half = 0;
};

RotaryShape rotary_shape(const Node& n) {
  const Value& x = required_input(n, 0);
  const Shape& s = x.shape;
  RotaryShape r;
  o2m::RotaryParams& p = r.p;
  if (s.size() == 4) {  // [B, H, S, D]
    p.batch = i32(n, s[0]), p.heads = i32(n, s[1]), p.seq = i32(n, s[2]), p.head_size = i32(n, s[3]);
    p.strides[0] = i32(n, s[1] * s[2] * s[3]), p.strides[1] = i32(n, s[3]), p.strides[2] = i32(n, s[2] * s[3]);
  } else if (s.size() == 3) {  // [B, S, H * D]
    const int64_t heads = positive_attr(n, "num_heads");
    if (s[2] % heads != 0) n.fail("hidden size " + std::to_string(s[2]) + " is not a multiple of num_heads");
    p.batch = i32(n, s[0]), p.seq = i32(n, s[1]), p.heads = i32(n, heads), p.head_size = i32(n, s[2] / heads);
    p.strides[0] = i32(n, s[1] * s[2]), p.strides[1] = i32(n, s[2]), p.strides[2] = p.head_size;
  } else {
    n.fail("X must have rank 3 or 4, got " + shape_str(s));
  }
  const int64_t rot = n.attr_int("rotary_embedding_dim", 0);
  p.rot_dim = rot == 0 ? p.head_size : i32(n, rot);
  if (p.rot_dim < 0 || p.rot_dim > p.head_size || p.rot_dim % 2 != 0)
    n.fail("rotary_embedding_dim " + std::to_string(p.rot_dim) + " must be even and at most the head size " +
           std::to_string(p.head_size));
  p.interleaved = n.attr_int("interleaved", 0) != 0 ? 1 : 0;
  r.half = p.rot_dim / 2;
  const Value& cos = required_input(n, 1);
  const Shape want = n.input(3) ? Shape{cos.shape.empty() ? 0 : cos.shape[0], r.half} : Shape{s[0], p.seq, r.half};
  if (cos.shape != want || required_input(n, 2).shape != want)
    n.fail("cos_cache and sin_cache must be " + shape_str(want) + ", got " + shape_str(cos.shape) + " and " +
           shape_str(n.inputs[2]->shape));
  p.max_pos = i32(n, want[0]);
  if (const Value* ids = n.input(3)) {
    if (ids->shape != Shape{s[0], p.seq}) n.fail("position_ids must be [batch, sequence], got " + shape_str(ids->shape));
    if (p.max_pos < 1) n.fail("cos_cache has no rows for position_ids to pick");
  }
  return r;
}

void infer_rotary(Node& n) {
  expect_arity(n, 3, 4);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != x.dtype || required_input(n, 2).dtype != x.dtype)
    n.fail("X, cos_cache and sin_cache need one dtype");
  rotary_shape(n);
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_rotary(const Node& n) {
  const o2m::RotaryParams p = rotary_shape(n).p;
  const Value* ids = n.input(3);
  return {visit_float(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return visit_index(n, ids ? ids->dtype : DType::I64, [&](auto i) {
      using I = decltype(i);
      return make_call(O2M_KERNEL2("transformer.hpp", o2m::rotary_embedding, T, I), "o2m::RotaryParams", p,
                       {n.inputs[0], n.inputs[1], n.inputs[2], ids}, {n.outputs[0]});
    });
  })};
}

// ---- LinearAttention ----

o2m::LinearAttentionParams linear_attention_params(const Node& n) {
  const Value& q = required_input(n, 0);
  const Value& k = required_input(n, 1);
  const Value& v = required_input(n, 2);
  for (const Value* x : {&q, &k, &v}) expect_rank(n, *x, 3);
  const int64_t hq = positive_attr(n, "q_num_heads"), hkv = positive_attr(n, "kv_num_heads");
  if (hq % hkv != 0) n.fail("q_num_heads must be a multiple of kv_num_heads");
  const int64_t b = q.shape[0], t = q.shape[1];
  if (k.shape[0] != b || v.shape[0] != b || k.shape[1] != t || v.shape[1] != t)
    n.fail("query, key and value need the same batch and sequence length");
  if (q.shape[2] % hq != 0 || v.shape[2] % hkv != 0) n.fail("the last dims must be multiples of the head counts");
  const int64_t dk = q.shape[2] / hq, dv = v.shape[2] / hkv;
  if (k.shape[2] != hkv * dk) n.fail("key must be [batch, sequence, kv_num_heads * d_k], got " + shape_str(k.shape));
  const std::string rule = n.attr_string("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
    n.fail("update_rule must be linear, gated, delta or gated_delta, got '" + rule + "'");
  o2m::LinearAttentionParams p{};
  p.batch = i32(n, b), p.seq = i32(n, t), p.q_heads = i32(n, hq), p.kv_heads = i32(n, hkv), p.dk = i32(n, dk),
  p.dv = i32(n, dv);
  p.gated = rule == "gated" || rule == "gated_delta";
  p.delta = rule == "delta" || rule == "gated_delta";
  const Value* decay = n.input(4);
  const Value* beta = n.input(5);
  if (p.gated != (decay != nullptr)) n.fail("update_rule '" + rule + "' " + (p.gated ? "needs" : "forbids") + " decay");
  if (p.delta != (beta != nullptr)) n.fail("update_rule '" + rule + "' " + (p.delta ? "needs" : "forbids") + " beta");
  if (decay) {
    expect_rank(n, *decay, 3);
    const int64_t last = decay->shape[2];
    if (decay->shape[0] != b || decay->shape[1] != t || (last != hkv && last != hkv * dk))
      n.fail("decay must be [batch, sequence, kv_num_heads] or [.., kv_num_heads * d_k], got " + shape_str(decay->shape));
    p.decay_per_key = last == hkv * dk;
  }
  if (beta) {
    expect_rank(n, *beta, 3);
    const int64_t last = beta->shape[2];
    if (beta->shape[0] != b || beta->shape[1] != t || (last != hkv && last != 1))
      n.fail("beta must be [batch, sequence, kv_num_heads or 1], got " + shape_str(beta->shape));
    p.beta_per_head = last == hkv && hkv != 1;
  }
  if (const Value* past = n.input(3))
    if (past->shape != Shape{b, hkv, dk, dv}) n.fail("past_state must be [batch, kv_num_heads, d_k, d_v], got " + shape_str(past->shape));
  const float scale = n.attr_float("scale", 0.0f);
  p.scale = scale != 0.0f ? scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(dk)));
  return p;
}

void infer_linear_attention(Node& n) {
  expect_arity(n, 3, 6);
  const Value& q = required_input(n, 0);
  expect_same_dtype(n, q.dtype);
  const o2m::LinearAttentionParams p = linear_attention_params(n);
  set_output(n, 0, q.dtype, {p.batch, p.seq, int64_t{p.q_heads} * p.dv});
  set_output(n, 1, n.input(3) ? n.input(3)->dtype : q.dtype, {p.batch, p.kv_heads, p.dk, p.dv});
}

std::vector<KernelCall> lower_linear_attention(const Node& n) {
  const o2m::LinearAttentionParams p = linear_attention_params(n);
  return {visit_float(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("transformer.hpp", o2m::linear_attention, T), "o2m::LinearAttentionParams", p,
                             {n.inputs[0], n.inputs[1], n.inputs[2], n.input(3), n.input(4), n.input(5)},
                             {n.outputs[0], output_or_null(n, 1)});
    c.scratch_bytes = o2m::linear_attention_scratch_bytes<T>(p);
    return c;
  })};
}

// ---- CausalConvWithState ----

o2m::CausalConvParams causal_conv_params(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  expect_rank(n, x, 3);
  expect_rank(n, w, 3);
  const int64_t c = x.shape[1], k = w.shape[2];
  if (w.shape[0] != c || w.shape[1] != 1 || k < 1)
    n.fail("weight must be [channels, 1, k] with k >= 1, got " + shape_str(w.shape));
  if (const Value* b = n.input(2))
    if (b->shape != Shape{c}) n.fail("bias must be [channels], got " + shape_str(b->shape));
  if (const Value* s = n.input(3))
    if (s->shape != Shape{x.shape[0], c, k - 1}) n.fail("past_state must be [batch, channels, k - 1], got " + shape_str(s->shape));
  const std::string act = n.attr_string("activation", "none");
  if (act != "none" && act != "silu" && act != "swish") n.fail("activation must be none, silu or swish, got '" + act + "'");
  return {i32(n, x.shape[0]), i32(n, c), i32(n, x.shape[2]), i32(n, k), act == "none" ? 0 : 1};
}

void infer_causal_conv(Node& n) {
  expect_arity(n, 2, 4);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  const o2m::CausalConvParams p = causal_conv_params(n);
  set_output(n, 0, x.dtype, x.shape);
  set_output(n, 1, x.dtype, {p.batch, p.channels, p.k - 1});
}

std::vector<KernelCall> lower_causal_conv(const Node& n) {
  const o2m::CausalConvParams p = causal_conv_params(n);
  return {visit_float(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("transformer.hpp", o2m::causal_conv_with_state, T), "o2m::CausalConvParams", p,
                     {n.inputs[0], n.inputs[1], n.input(2), n.input(3)}, {n.outputs[0], output_or_null(n, 1)});
  })};
}

}  // namespace

void register_transformer_ops(OpTable& t) {
  add_op(t, {"Attention", "", infer_attention, lower_attention, false});
  add_op(t, {"RotaryEmbedding", "", infer_rotary, lower_rotary, false});
  add_op(t, {"LinearAttention", "", infer_linear_attention, lower_linear_attention, false});
  add_op(t, {"CausalConvWithState", "", infer_causal_conv, lower_causal_conv, false});
}

}  // namespace onnx2mcu
