// lower-qdq: quantized graphs onto integer kernels.
//
// 1. QOperator nodes whose weights and quantization parameters are constant (QLinearConv,
//    QLinearMatMul, com.microsoft.QGemm/QLinearAdd/QLinearMul/QLinearAveragePool/
//    QLinearGlobalAveragePool/QLinearConcat/QLinearLeakyRelu/QLinearSigmoid) become the
//    onnx2mcu integer ops, with fixed-point multipliers and folded biases as constants.
// 2. A per-tensor DequantizeLinear is moved below Reshape/Flatten/Squeeze/Unsqueeze/Transpose,
//    which then move the integer data.
// 3. DQ -> op [-> Relu | Clip] -> Q becomes one integer op: Conv (incl. depthwise), Gemm,
//    MatMul, Add, Mul, AveragePool, GlobalAveragePool, MaxPool, Concat; a unary op of 8-bit
//    data (Relu, Clip, LeakyRelu, Sigmoid, Tanh, or nothing: DQ -> Q) becomes a 256-entry table
//    computed with the reference's own float formula. Relu/Clip fold into the output clamp:
//    Q is monotonic, so Q(clip(v, lo, hi)) == clamp(Q(v), Q(lo), Q(hi)).
// 4. The DequantizeLinear nodes left with constant inputs (weights of float ops) are folded.
// 5. A table that only clamps what an integer op writes (e.g. QLinearConv -> DQ -> Relu6 -> Q
//    with the same scale and zero point on both sides) folds into the op's output clamp.
// 6. Any other table after a QConv of the same 8-bit type becomes the conv's output table: the
//    kernel looks each output up as it stores it (one load), instead of a pass of its own.
//
// The reference semantics of a QDQ graph are float ops between DQ and Q. The integer op
// computes the accumulator exactly and rescales it with a 31-bit multiplier rounding half to
// even, so it can differ from the float reference only where the float result lies within
// float rounding error of a rounding boundary (x.5): at most one step, rarely.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/qdot.hpp"
#include "kernels/quant.hpp"
#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "ops/qlinear.h"
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

bool is(const Node* n, const char* op, const char* domain = "") { return n && n->domain == domain && n->op == op; }

int32_t qlo(DType t) { return t == DType::I8 ? -128 : 0; }
int32_t qhi(DType t) { return t == DType::I8 ? 127 : 255; }
int32_t qoff(DType t) { return t == DType::U8 ? 128 : 0; }

// A DequantizeLinear's integer input and its parameters.
struct DQ {
  Node* node = nullptr;
  Value* q = nullptr;
  std::vector<float> scale;
  std::vector<int32_t> zp;  // one per scale
  int64_t axis = -1;        // -1: per tensor
};

bool read_dq(const Value* v, DQ& d) {
  if (!v || !is(v->producer, "DequantizeLinear")) return false;
  Node* n = v->producer;
  const Value* s = n->input(1);
  const Value* z = n->input(2);
  if (!n->input(0) || !s || !s->is_const() || s->dtype != DType::F32 || (z && !z->is_const())) return false;
  if (n->attr_int("block_size", 0) > 0) return false;  // blocked (opset 21): stays a float op
  d = DQ{};
  d.node = n;
  d.q = n->input(0);
  for (int64_t i = 0; i < s->elems(); ++i) {
    d.scale.push_back(s->constant->data<float>()[i]);
    d.zp.push_back(z ? static_cast<int32_t>(z->constant->int_at(z->elems() == 1 ? 0 : i)) : 0);
  }
  if (s->elems() != 1) {
    const auto rank = static_cast<int64_t>(d.q->shape.size());
    int64_t axis = n->attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    d.axis = axis;
  }
  return true;
}

// An activation: per-tensor 8-bit DQ.
bool read_act_dq(const Value* v, DQ& d) { return read_dq(v, d) && d.axis < 0 && is_q8(d.q->dtype); }

// A QuantizeLinear to 8 bits with constant per-tensor parameters.
struct Q {
  Node* node = nullptr;
  float scale = 1;
  int32_t zp = 0;
  DType type = DType::U8;
};

bool read_q(Node* n, Q& q) {
  if (!is(n, "QuantizeLinear")) return false;
  const Value* s = n->input(1);
  const Value* z = n->input(2);
  if (!s || !s->is_const() || s->elems() != 1 || (z && (!z->is_const() || z->elems() != 1))) return false;
  if (!is_q8(n->outputs[0]->dtype)) return false;
  q.node = n;
  q.scale = s->constant->data<float>()[0];
  q.zp = z ? static_cast<int32_t>(z->constant->int_at(0)) : 0;
  q.type = n->outputs[0]->dtype;
  return q.scale > 0;
}

// The float bounds of a Relu or Clip with constant bounds.
bool read_activation(const Node& a, float& lo, float& hi) {
  lo = -std::numeric_limits<float>::infinity();
  hi = std::numeric_limits<float>::infinity();
  if (is(&a, "Relu")) {
    lo = 0;
    return true;
  }
  if (!is(&a, "Clip")) return false;
  // Integer kernels take the bounds as float scalars only.
  for (size_t i = 1; i < 3; ++i)
    if (const Value* v = a.input(i); v && (v->dtype != DType::F32 || v->elems() != 1)) return false;
  return clip_bounds(a, lo, hi);
}

template <typename T>
int32_t quantize_bound(float v, const Q& q) {
  if (std::isinf(v)) return v < 0 ? o2m::QRange<T>::lo : o2m::QRange<T>::hi;
  return o2m::quantize_value<T>(v, q.scale, q.zp);
}

// The output clamp [lo, hi] of q's type, narrowed by an optional Relu/Clip.
std::pair<int32_t, int32_t> output_range(const Q& q, const Node* act) {
  std::pair<int32_t, int32_t> r{qlo(q.type), qhi(q.type)};
  float lo, hi;
  if (act && read_activation(*act, lo, hi)) {
    if (q.type == DType::I8) r = {quantize_bound<int8_t>(lo, q), quantize_bound<int8_t>(hi, q)};
    else r = {quantize_bound<uint8_t>(lo, q), quantize_bound<uint8_t>(hi, q)};
  }
  return r;
}

// The Q after v, optionally through a Relu/Clip; v and the activation must feed nothing else:
// a float sum that also feeds the next residual Add directly (zant_beer's blocks 4 and 5) stays
// float, since that Add reads it unrounded and a Q -> DQ in between would round it once more.
bool quantized_output(const Graph& g, const Value* v, Q& q, Node*& act) {
  act = nullptr;
  Node* next = sole_consumer(g, v);
  if (!next) return false;
  float lo, hi;
  if (read_activation(*next, lo, hi)) {
    act = next;
    next = sole_consumer(g, next->outputs[0]);
  }
  return read_q(next, q);
}

void set_int(Node& n, const char* key, int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  n.attrs[key] = a;
}

size_t index_of(const Graph& g, const Node* n) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].get() == n) return i;
  throw Error("lower-qdq: node not in graph (internal error)");
}

// A new node inserted before `before` (all its inputs are defined earlier).
Node* insert_node(Graph& g, const Node* before, const std::string& op, const std::string& domain, const std::string& name,
                  std::vector<Value*> inputs, Value* output) {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->domain = domain;
  n->name = name;
  n->opset = 1;
  n->inputs = std::move(inputs);
  n->outputs = {output};
  Node* p = n.get();
  g.nodes.insert(g.nodes.begin() + static_cast<long>(index_of(g, before)), std::move(n));
  output->producer = p;
  return p;
}

Value* new_value(Graph& g, const std::string& hint, DType t, const Shape& s) {
  std::string name = hint;
  for (int k = 2; g.find_value(name); ++k) name = hint + "_" + std::to_string(k);
  Value* v = g.add_value(name);
  v->dtype = t;
  v->shape = s;
  return v;
}

Value* i32_constant(Graph& g, const std::string& hint, const std::vector<int32_t>& v) {
  Tensor t(DType::I32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<int32_t>());
  return g.add_constant(hint, std::move(t));
}

void remove_nodes(Graph& g, const std::vector<const Node*>& dead) {
  GraphEdit e;
  for (const Node* n : dead) e.remove(*n);
  g.apply(e);
}

// mult/shift constants for per-channel multipliers (one entry when they are all equal).
std::pair<Value*, Value*> multipliers(Graph& g, const Node& at, const std::string& hint, const std::vector<double>& m) {
  std::vector<int32_t> mult(m.size()), shift(m.size());
  for (size_t i = 0; i < m.size(); ++i) quantize_multiplier_checked(at, m[i], &mult[i], &shift[i]);
  const bool uniform = std::all_of(m.begin(), m.end(), [&](double v) { return v == m[0]; });
  if (uniform) {
    mult.resize(1);
    shift.resize(1);
  }
  return {i32_constant(g, hint + "_mult", mult), i32_constant(g, hint + "_shift", shift)};
}

// ---- integer weights

// An integer weight as int8 with zero point 0 (w - zp, when that fits), rows along `axis`.
struct Weight {
  Tensor w;                   // int8, same shape as the source
  std::vector<float> scale;   // per row (rows = shape[axis]) or one
};

bool int8_weight(const DQ& d, int64_t axis, Weight& out) {
  if (!d.q->is_const() || !is_q8(d.q->dtype)) return false;
  if (d.axis >= 0 && d.axis != axis) return false;
  const Tensor& src = *d.q->constant;
  const Shape& s = src.shape;
  const int64_t rows = s[static_cast<size_t>(axis)];
  const int64_t inner = prod(s, static_cast<size_t>(axis) + 1, s.size());
  out.w = Tensor(DType::I8, s);
  for (int64_t i = 0; i < src.elems(); ++i) {
    const int64_t row = d.axis < 0 ? 0 : (i / inner) % rows;
    const int64_t v = src.int_at(i) - d.zp[static_cast<size_t>(row)];
    if (v < -128 || v > 127) return false;
    out.w.data<int8_t>()[i] = static_cast<int8_t>(v);
  }
  out.scale = d.scale;
  return true;
}

// [k, n] -> [n, k]
Tensor transpose2d(const Tensor& t) {
  Tensor o(t.dtype, {t.shape[1], t.shape[0]});
  const size_t es = dtype_size(t.dtype);
  for (int64_t r = 0; r < t.shape[0]; ++r)
    for (int64_t c = 0; c < t.shape[1]; ++c)
      std::copy_n(t.bytes.data() + (r * t.shape[1] + c) * es, es, o.bytes.data() + (c * t.shape[0] + r) * es);
  return o;
}

// An int32 bias in units of x_scale * w_scale[c]: a DQ of int32 (kept as is when its scale is
// that product, else rescaled) or a float constant; empty vector = no bias. False if unusable.
bool integer_bias(const Value* b, int64_t c_out, float sx, const std::vector<float>& sw, std::vector<int32_t>& out) {
  out.assign(static_cast<size_t>(c_out), 0);
  if (!b) return true;
  auto acc_scale = [&](int64_t c) { return static_cast<double>(sx) * sw[sw.size() == 1 ? 0 : static_cast<size_t>(c)]; };
  DQ d;
  if (read_dq(b, d) && d.q->is_const() && d.q->dtype == DType::I32 && d.q->elems() == c_out) {
    for (int64_t c = 0; c < c_out; ++c) {
      const size_t k = d.scale.size() == 1 ? 0 : static_cast<size_t>(c);
      const double v = static_cast<double>(d.q->constant->int_at(c) - d.zp[k]);
      const double ratio = d.scale[k] / acc_scale(c);
      out[static_cast<size_t>(c)] = std::fabs(ratio - 1.0) < 1e-6 ? static_cast<int32_t>(v) : static_cast<int32_t>(std::llround(v * ratio));
    }
    return true;
  }
  if (b->is_const() && b->dtype == DType::F32 && (b->elems() == c_out || b->elems() == 1)) {
    for (int64_t c = 0; c < c_out; ++c)
      out[static_cast<size_t>(c)] =
          static_cast<int32_t>(std::llround(b->constant->data<float>()[b->elems() == 1 ? 0 : c] / acc_scale(c)));
    return true;
  }
  return false;
}

// ---- builders shared by the QDQ patterns and the QOperator conversions

struct Act {
  Value* q;
  int32_t zp;
  DType type;
};

void copy_attrs(const Node& from, Node& to, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (from.has_attr(k)) to.attrs[k] = from.attrs.at(k);
}

// onnx2mcu.QConv writing `out`; w int8 [c_out, c_in/group, k...]; m[c]: x_scale*w_scale/y_scale.
void build_qconv(Graph& g, const Node& geometry, const Node& before, const Act& x, const Tensor& w,
                 const std::vector<int32_t>& bias, const std::vector<double>& m, int32_t y_zp, DType y_type,
                 std::pair<int32_t, int32_t> range, Value* out) {
  const std::string hint = geometry.name.empty() ? out->name : geometry.name;
  const int64_t c_out = w.shape[0];
  const auto kg = static_cast<int32_t>(w.elems() / c_out);
  std::vector<int32_t> folded(static_cast<size_t>(c_out));
  o2m::qfold_bias(static_cast<int32_t>(c_out), kg, w.data<int8_t>(), bias.data(), x.zp - qoff(x.type), folded.data());
  Value* wv = g.add_constant(hint + "_w", w);
  Value* bv = i32_constant(g, hint + "_bias", folded);
  auto ms = multipliers(g, geometry, hint, m);
  Node* n = insert_node(g, &before, "QConv", "onnx2mcu", hint, {x.q, wv, bv, ms.first, ms.second}, out);
  copy_attrs(geometry, *n, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
  set_int(*n, "x_zp", x.zp);
  set_int(*n, "y_zp", y_zp);
  set_int(*n, "act_min", range.first);
  set_int(*n, "act_max", range.second);
  set_q8_type_attr(*n, y_type);
}

// onnx2mcu.QGemm writing `out`; w int8 [n, k].
void build_qgemm(Graph& g, const Node& src, const Act& x, const Tensor& w, const std::vector<int32_t>& bias,
                 const std::vector<double>& m, int32_t y_zp, DType y_type, std::pair<int32_t, int32_t> range, Value* out) {
  const std::string hint = src.name.empty() ? out->name : src.name;
  std::vector<int32_t> folded(static_cast<size_t>(w.shape[0]));
  o2m::qfold_bias(static_cast<int32_t>(w.shape[0]), static_cast<int32_t>(w.shape[1]), w.data<int8_t>(), bias.data(),
                  x.zp - qoff(x.type), folded.data());
  Value* wv = g.add_constant(hint + "_w", w);
  Value* bv = i32_constant(g, hint + "_bias", folded);
  auto ms = multipliers(g, src, hint, m);
  Node* n = insert_node(g, &src, "QGemm", "onnx2mcu", hint, {x.q, wv, bv, ms.first, ms.second}, out);
  set_int(*n, "y_zp", y_zp);
  set_int(*n, "act_min", range.first);
  set_int(*n, "act_max", range.second);
  set_q8_type_attr(*n, y_type);
}

// A 256-entry table y = f(x) for 8-bit x, as onnx2mcu.QLut writing `out`.
template <typename F>
void build_lut(Graph& g, const Node& before, const std::string& hint, const Act& x, float sx, const Q& q, F f, Value* out) {
  Tensor t(q.type, {256});
  for (int32_t i = 0; i < 256; ++i) {
    const int32_t xv = qlo(x.type) + i;
    const float real = static_cast<float>(xv - x.zp) * sx;  // DequantizeLinear's formula
    const float y = f(real);
    if (q.type == DType::I8) t.data<int8_t>()[i] = o2m::quantize_value<int8_t>(y, q.scale, q.zp);
    else t.data<uint8_t>()[i] = o2m::quantize_value<uint8_t>(y, q.scale, q.zp);
  }
  Value* tv = g.add_constant(hint + "_table", std::move(t));
  insert_node(g, &before, "QLut", "onnx2mcu", hint, {x.q, tv}, out);
}

// onnx2mcu.QAdd: m_a, m_b are a_scale/y_scale and b_scale/y_scale.
void build_qadd(Graph& g, const Node& src, const std::string& name, const Act& a, const Act& b, double ma, double mb, const Q& q,
                std::pair<int32_t, int32_t> range, Value* out) {
  int e = 0;
  std::frexp(std::max(ma, mb), &e);
  int32_t shift = std::min(62, 31 - e);
  if (shift < 1) src.fail("rescale factors " + std::to_string(ma) + ", " + std::to_string(mb) + " are too large");
  auto fixed = [&](double m) { return std::llround(std::ldexp(m, shift)); };
  while (fixed(ma) >= (int64_t{1} << 31) || fixed(mb) >= (int64_t{1} << 31)) --shift;
  Node* n = insert_node(g, &src, "QAdd", "onnx2mcu", name, {a.q, b.q}, out);
  set_int(*n, "a_zp", a.zp);
  set_int(*n, "b_zp", b.zp);
  set_int(*n, "y_zp", q.zp);
  set_int(*n, "a_mult", fixed(ma));
  set_int(*n, "b_mult", fixed(mb));
  set_int(*n, "shift", shift);
  set_int(*n, "act_min", range.first);
  set_int(*n, "act_max", range.second);
  set_q8_type_attr(*n, q.type);
}

void build_qmul(Graph& g, const Node& src, const std::string& name, const Act& a, const Act& b, double m, const Q& q,
                std::pair<int32_t, int32_t> range, Value* out) {
  int32_t mult, shift;
  quantize_multiplier_checked(src, m, &mult, &shift);
  Node* n = insert_node(g, &src, "QMul", "onnx2mcu", name, {a.q, b.q}, out);
  set_int(*n, "a_zp", a.zp);
  set_int(*n, "b_zp", b.zp);
  set_int(*n, "y_zp", q.zp);
  set_int(*n, "mult", mult);
  set_int(*n, "shift", shift);
  set_int(*n, "act_min", range.first);
  set_int(*n, "act_max", range.second);
  set_q8_type_attr(*n, q.type);
}

// onnx2mcu.QAvgPool from an AveragePool-like node (or a global pool when `global`).
void build_qavg_pool(Graph& g, const Node& src, bool global, const Act& x, float sx, const Q& q,
                     std::pair<int32_t, int32_t> range, Value* out) {
  const Shape& xs = x.q->shape;
  std::vector<int64_t> kernel = global ? std::vector<int64_t>(xs.begin() + 2, xs.end()) : src.attr_ints("kernel_shape");
  int64_t k = 1;
  for (int64_t v : kernel) k *= v;
  const std::vector<int64_t> pads = global ? std::vector<int64_t>() : src.attr_ints("pads");
  const bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }) ||
                      (!global && src.attr_string("auto_pad", "NOTSET").rfind("SAME", 0) == 0);
  const bool uniform = global || (!src.attr_int("ceil_mode", 0) && (!padded || src.attr_int("count_include_pad", 0)));
  std::vector<double> m;
  if (uniform) {
    m.push_back(static_cast<double>(sx) / (static_cast<double>(q.scale) * static_cast<double>(k)));
  } else {
    m.push_back(0.0);
    for (int64_t c = 1; c <= k; ++c) m.push_back(static_cast<double>(sx) / (static_cast<double>(q.scale) * static_cast<double>(c)));
  }
  std::vector<int32_t> mult(m.size()), shift(m.size());
  for (size_t i = 0; i < m.size(); ++i) quantize_multiplier_checked(src, m[i], &mult[i], &shift[i]);
  const std::string hint = src.name.empty() ? out->name : src.name;
  Node* n = insert_node(g, &src, "QAvgPool", "onnx2mcu", hint,
                        {x.q, i32_constant(g, hint + "_mult", mult), i32_constant(g, hint + "_shift", shift)}, out);
  if (global) {
    Attr ks;
    ks.kind = Attr::Kind::Ints;
    ks.ints = kernel;
    n->attrs["kernel_shape"] = ks;
  } else {
    copy_attrs(src, *n, {"kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode", "count_include_pad"});
  }
  set_int(*n, "x_zp", x.zp);
  set_int(*n, "y_zp", q.zp);
  set_int(*n, "act_min", range.first);
  set_int(*n, "act_max", range.second);
  set_int(*n, "uniform", uniform ? 1 : 0);
  set_q8_type_attr(*n, q.type);
}

// ---- 1. QOperator nodes with constant parameters

bool all_const(const Node& n, std::initializer_list<size_t> inputs) {
  for (size_t i : inputs)
    if (!const_or_absent(n, i)) return false;
  return true;
}

Q q_of(const Node& n, size_t scale, size_t zp, DType type) {
  Q q;
  q.scale = const_float(n, scale);
  q.zp = const_int(n, zp);
  q.type = type;
  return q;
}

bool convert_qoperator(Graph& g, Node& n) {
  Value* y = n.outputs.empty() ? nullptr : n.outputs[0];
  if (!y) return false;
  if (is(&n, "QLinearConv")) {
    if (!all_const(n, {1, 2, 3, 4, 5, 6, 7, 8})) return false;
    DQ d;  // the weight as if dequantized: per-row scale and zero point along axis 0
    d.q = n.inputs[3];
    const Value* ws = n.inputs[4];
    for (int64_t i = 0; i < ws->elems(); ++i) {
      d.scale.push_back(ws->constant->data<float>()[i]);
      d.zp.push_back(const_int(n, 5, n.input(5) && n.input(5)->elems() > 1 ? i : 0));
    }
    d.axis = ws->elems() == 1 ? -1 : 0;
    Weight w;
    if (!int8_weight(d, 0, w)) return false;
    const float sx = const_float(n, 1), sy = const_float(n, 6);
    std::vector<double> m;
    for (float s : w.scale) m.push_back(static_cast<double>(sx * s / sy));  // float, as onnxruntime
    while (m.size() < static_cast<size_t>(w.w.shape[0])) m.push_back(m[0]);
    std::vector<int32_t> bias(static_cast<size_t>(w.w.shape[0]), 0);
    if (const Value* b = n.input(8))
      for (int64_t c = 0; c < b->elems(); ++c) bias[static_cast<size_t>(c)] = static_cast<int32_t>(b->constant->int_at(c));
    const Act x{n.inputs[0], const_int(n, 2), n.inputs[0]->dtype};
    build_qconv(g, n, n, x, w.w, bias, m, const_int(n, 7), y->dtype, {qlo(y->dtype), qhi(y->dtype)}, y);
    remove_nodes(g, {&n});
    return true;
  }
  if (is(&n, "QGemm", "com.microsoft") || is(&n, "QLinearMatMul")) {
    const bool qgemm = n.op == "QGemm";
    if (!all_const(n, {1, 2, 3, 4, 5, 6, 7, 8}) || !n.input(3) || !is_q8(y->dtype)) return false;
    if (qgemm && (n.attr_int("transA", 0) != 0 || !n.input(7))) return false;
    const Value& b = *n.inputs[3];
    if (b.shape.size() != 2) return false;
    const bool trans_b = qgemm && n.attr_int("transB", 0) != 0;
    DQ d;
    d.q = n.inputs[3];
    const Value* bs = n.inputs[4];
    for (int64_t i = 0; i < bs->elems(); ++i) {
      d.scale.push_back(bs->constant->data<float>()[i]);
      d.zp.push_back(const_int(n, 5, n.input(5) && n.input(5)->elems() > 1 ? i : 0));
    }
    d.axis = bs->elems() == 1 ? -1 : (trans_b ? 0 : 1);
    Weight w;
    if (!int8_weight(d, trans_b ? 0 : 1, w)) return false;
    if (!trans_b) w.w = transpose2d(w.w);
    const int64_t nn = w.w.shape[0];
    const float sa = const_float(n, 1), alpha = qgemm ? n.attr_float("alpha", 1.0f) : 1.0f;
    const size_t ys = qgemm ? 7 : 6, yz = qgemm ? 8 : 7;
    const float sy = const_float(n, ys);
    std::vector<double> m;
    for (int64_t c = 0; c < nn; ++c) m.push_back(static_cast<double>(alpha * sa * w.scale[w.scale.size() == 1 ? 0 : static_cast<size_t>(c)] / sy));
    std::vector<int32_t> bias(static_cast<size_t>(nn), 0);
    if (const Value* c = qgemm ? n.input(6) : nullptr) {
      if (c->elems() != nn && c->elems() != 1) return false;
      for (int64_t i = 0; i < nn; ++i) bias[static_cast<size_t>(i)] = static_cast<int32_t>(c->constant->int_at(c->elems() == 1 ? 0 : i));
    }
    const Act x{n.inputs[0], const_int(n, 2), n.inputs[0]->dtype};
    build_qgemm(g, n, x, w.w, bias, m, const_int(n, yz), y->dtype, {qlo(y->dtype), qhi(y->dtype)}, y);
    remove_nodes(g, {&n});
    return true;
  }
  if (is(&n, "QLinearAdd", "com.microsoft") || is(&n, "QLinearMul", "com.microsoft")) {
    if (!all_const(n, {1, 2, 4, 5, 6, 7})) return false;
    Act a{n.inputs[0], const_int(n, 2), n.inputs[0]->dtype}, b{n.inputs[3], const_int(n, 5), n.inputs[3]->dtype};
    float sa = const_float(n, 1), sb = const_float(n, 4);
    if (a.q->elems() == 1 && b.q->elems() != 1) {
      std::swap(a, b);
      std::swap(sa, sb);
    }
    if (b.q->elems() != 1 && b.q->shape != a.q->shape) return false;
    if (y->shape != a.q->shape) return false;
    const Q q = q_of(n, 6, 7, y->dtype);
    if (n.op == "QLinearAdd")
      build_qadd(g, n, n.name, a, b, static_cast<double>(sa / q.scale), static_cast<double>(sb / q.scale), q, {qlo(q.type), qhi(q.type)}, y);
    else
      build_qmul(g, n, n.name, a, b, static_cast<double>(sa * sb / q.scale), q, {qlo(q.type), qhi(q.type)}, y);
    remove_nodes(g, {&n});
    return true;
  }
  if (is(&n, "QLinearAveragePool", "com.microsoft") || is(&n, "QLinearGlobalAveragePool", "com.microsoft")) {
    if (!all_const(n, {1, 2, 3, 4})) return false;
    const Act x{n.inputs[0], const_int(n, 2), n.inputs[0]->dtype};
    const Q q = q_of(n, 3, 4, y->dtype);
    build_qavg_pool(g, n, n.op == "QLinearGlobalAveragePool", x, const_float(n, 1), q, {qlo(q.type), qhi(q.type)}, y);
    remove_nodes(g, {&n});
    return true;
  }
  if (is(&n, "QLinearLeakyRelu", "com.microsoft") || is(&n, "QLinearSigmoid", "com.microsoft")) {
    if (!all_const(n, {1, 2, 3, 4})) return false;
    const Act x{n.inputs[0], const_int(n, 2), n.inputs[0]->dtype};
    const Q q = q_of(n, 3, 4, y->dtype);
    const float alpha = n.attr_float("alpha", 0.01f);
    if (n.op == "QLinearSigmoid")
      build_lut(g, n, n.name, x, const_float(n, 1), q, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }, y);
    else
      build_lut(g, n, n.name, x, const_float(n, 1), q, [alpha](float v) { return v >= 0 ? v : v * alpha; }, y);
    remove_nodes(g, {&n});
    return true;
  }
  if (is(&n, "QLinearConcat", "com.microsoft")) {
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (i % 3 != 2 && !const_or_absent(n, i)) return false;
    const Q q = q_of(n, 0, 1, y->dtype);
    std::vector<Value*> parts;
    for (size_t i = 2; i + 2 < n.inputs.size(); i += 3) {
      const Act x{n.inputs[i], const_int(n, i + 2), n.inputs[i]->dtype};
      const float sx = const_float(n, i + 1);
      if (sx == q.scale && x.zp == q.zp && x.type == q.type) {
        parts.push_back(x.q);
        continue;
      }
      Value* r = new_value(g, x.q->name + "_requant", q.type, x.q->shape);
      build_lut(g, n, n.name + "_in" + std::to_string(i / 3), x, sx, q, [](float v) { return v; }, r);
      parts.push_back(r);
    }
    Node* c = insert_node(g, &n, "Concat", "", n.name, parts, y);
    c->opset = 13;
    copy_attrs(n, *c, {"axis"});
    remove_nodes(g, {&n});
    return true;
  }
  return false;
}

// ---- 2. DQ below data-movement ops

bool sink_dq(Graph& g, Node& v, const PassOptions& opts) {
  if (!only_moves_elements(v) || v.outputs.size() != 1 || !v.outputs[0]) return false;
  DQ d;
  if (!read_act_dq(v.input(0), d)) return false;
  Value* out = v.outputs[0];
  Value* moved = new_value(g, out->name + "_q", d.q->dtype, out->shape);
  v.inputs[0] = d.q;
  v.outputs[0] = moved;
  moved->producer = &v;
  // The new DQ goes right after v: its input is v's output.
  auto dq = std::make_unique<Node>();
  dq->op = "DequantizeLinear";
  dq->name = d.node->name + "_" + v.op;
  dq->opset = d.node->opset;
  dq->inputs = {moved, d.node->input(1), d.node->input(2)};
  dq->outputs = {out};
  out->producer = dq.get();
  g.nodes.insert(g.nodes.begin() + static_cast<long>(index_of(g, &v)) + 1, std::move(dq));
  // A weight (DQ of a constant) moved this way: fold the move now, so the weight stays integer.
  if (fold_node(g, v, opts)) {
    moved->producer = nullptr;
    remove_nodes(g, {&v});
  }
  return true;
}

// ---- 3. DQ -> op [-> act] -> Q

bool rewrite_conv(Graph& g, Node& n, const DQ& dx, const Q& q, Node* act) {
  DQ dw;
  Weight w;
  if (!read_dq(n.input(1), dw) || !int8_weight(dw, 0, w)) return false;
  const float sx = dx.scale[0];
  const int64_t c_out = w.w.shape[0];
  std::vector<int32_t> bias;
  if (!integer_bias(n.input(2), c_out, sx, w.scale, bias)) return false;
  std::vector<double> m;
  for (int64_t c = 0; c < c_out; ++c)
    m.push_back(static_cast<double>(sx) * w.scale[w.scale.size() == 1 ? 0 : static_cast<size_t>(c)] / q.scale);
  build_qconv(g, n, *q.node, {dx.q, dx.zp[0], dx.q->dtype}, w.w, bias, m, q.zp, q.type, output_range(q, act), q.node->outputs[0]);
  return true;
}

bool rewrite_gemm(Graph& g, Node& n, const DQ& dx, const Q& q, Node* act) {
  const bool gemm = n.op == "Gemm";
  if (gemm && (n.attr_int("transA", 0) != 0 || dx.q->shape.size() != 2)) return false;
  const bool trans_b = gemm && n.attr_int("transB", 0) != 0;
  DQ dw;
  Weight w;
  if (!read_dq(n.input(1), dw) || dw.q->shape.size() != 2 || !int8_weight(dw, trans_b ? 0 : 1, w)) return false;
  if (!trans_b) w.w = transpose2d(w.w);
  const int64_t nn = w.w.shape[0];
  const double alpha = gemm ? n.attr_float("alpha", 1.0f) : 1.0;
  const float beta = gemm ? n.attr_float("beta", 1.0f) : 1.0f;
  if (gemm && n.input(2) && beta != 1.0f) return false;
  const float sx = dx.scale[0];
  std::vector<float> acc_scale;
  for (float s : w.scale) acc_scale.push_back(static_cast<float>(alpha) * s);
  std::vector<int32_t> bias;
  if (!integer_bias(gemm ? n.input(2) : nullptr, nn, sx, acc_scale, bias)) return false;
  std::vector<double> m;
  for (int64_t c = 0; c < nn; ++c)
    m.push_back(alpha * sx * w.scale[w.scale.size() == 1 ? 0 : static_cast<size_t>(c)] / q.scale);
  build_qgemm(g, n, {dx.q, dx.zp[0], dx.q->dtype}, w.w, bias, m, q.zp, q.type, output_range(q, act), q.node->outputs[0]);
  return true;
}

bool rewrite_pattern(Graph& g, Node& n) {
  if (!n.domain.empty() || n.outputs.size() != 1 || !n.outputs[0] || n.outputs[0]->dtype != DType::F32) return false;
  Q q;
  Node* act = nullptr;
  const bool unary_act = is(&n, "Relu") || is(&n, "Clip");
  if (unary_act) {
    // A lone Relu/Clip between DQ and Q: a table (below); no activation to fold.
    if (!read_q(sole_consumer(g, n.outputs[0]), q)) return false;
  } else if (!quantized_output(g, n.outputs[0], q, act)) {
    return false;
  }
  Value* out = q.node->outputs[0];
  std::vector<const Node*> dead = {&n, q.node};
  if (act) dead.push_back(act);
  DQ dx;
  const std::string& op = n.op;
  if (op == "Conv" || op == "Gemm" || op == "MatMul") {
    if (!read_act_dq(n.input(0), dx)) return false;
    if (op == "Conv" ? !rewrite_conv(g, n, dx, q, act) : !rewrite_gemm(g, n, dx, q, act)) return false;
  } else if (op == "Add" || op == "Mul") {
    DQ da, db;
    if (n.inputs.size() != 2 || !read_act_dq(n.input(0), da) || !read_act_dq(n.input(1), db)) return false;
    if (da.q->elems() == 1 && db.q->elems() != 1) std::swap(da, db);
    if ((db.q->elems() != 1 && db.q->shape != da.q->shape) || n.outputs[0]->shape != da.q->shape) return false;
    const Act a{da.q, da.zp[0], da.q->dtype}, b{db.q, db.zp[0], db.q->dtype};
    if (op == "Add")
      build_qadd(g, *q.node, n.name, a, b, static_cast<double>(da.scale[0]) / q.scale, static_cast<double>(db.scale[0]) / q.scale, q,
                 output_range(q, act), out);
    else
      build_qmul(g, *q.node, n.name, a, b, static_cast<double>(da.scale[0]) * db.scale[0] / q.scale, q, output_range(q, act), out);
  } else if (op == "AveragePool" || op == "GlobalAveragePool") {
    if (!read_act_dq(n.input(0), dx)) return false;
    if (op == "AveragePool" && (n.attr_int("ceil_mode", 0) || !n.has_attr("kernel_shape"))) return false;
    build_qavg_pool(g, n, op == "GlobalAveragePool", {dx.q, dx.zp[0], dx.q->dtype}, dx.scale[0], q, output_range(q, act), out);
  } else if (op == "MaxPool") {
    if (!read_act_dq(n.input(0), dx) || act) return false;
    const bool same = dx.scale[0] == q.scale && dx.zp[0] == q.zp && dx.q->dtype == q.type;
    Value* pooled = same ? out : new_value(g, n.outputs[0]->name + "_q", dx.q->dtype, n.outputs[0]->shape);
    Node* mp = insert_node(g, q.node, "MaxPool", "", n.name, {dx.q}, pooled);
    mp->opset = n.opset;
    mp->attrs = n.attrs;
    if (!same) build_lut(g, *q.node, n.name + "_requant", {pooled, dx.zp[0], dx.q->dtype}, dx.scale[0], q, [](float v) { return v; }, out);
  } else if (op == "Concat") {
    std::vector<DQ> ins(n.inputs.size());
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (!read_act_dq(n.input(i), ins[i])) return false;
    // A Relu/Clip after the Concat acts element by element: each part's table applies it.
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (act && !read_activation(*act, lo, hi)) return false;
    std::vector<Value*> parts;
    for (size_t i = 0; i < ins.size(); ++i) {
      const DQ& d = ins[i];
      if (!act && d.scale[0] == q.scale && d.zp[0] == q.zp && d.q->dtype == q.type) {
        parts.push_back(d.q);
        continue;
      }
      Value* r = new_value(g, d.q->name + "_requant", q.type, d.q->shape);
      build_lut(g, *q.node, n.name + "_in" + std::to_string(i), {d.q, d.zp[0], d.q->dtype}, d.scale[0], q,
                [lo, hi](float v) { return std::min(std::max(v, lo), hi); }, r);
      parts.push_back(r);
    }
    Node* c = insert_node(g, q.node, "Concat", "", n.name, parts, out);
    c->opset = n.opset;
    c->attrs = n.attrs;
  } else if (unary_act || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh") {
    if (!read_act_dq(n.input(0), dx)) return false;
    if (act) return false;  // e.g. Sigmoid -> Relu -> Q: not worth a pattern
    const Act x{dx.q, dx.zp[0], dx.q->dtype};
    const std::string hint = n.name.empty() ? out->name : n.name;
    if (op == "Relu" || op == "Clip") {
      float lo, hi;
      if (!read_activation(n, lo, hi)) return false;
      build_lut(g, *q.node, hint, x, dx.scale[0], q, [lo, hi](float v) { return std::min(std::max(v, lo), hi); }, out);
    } else if (op == "LeakyRelu") {
      const float alpha = n.attr_float("alpha", 0.01f);
      build_lut(g, *q.node, hint, x, dx.scale[0], q, [alpha](float v) { return v >= 0 ? v : v * alpha; }, out);
    } else if (op == "Sigmoid") {
      build_lut(g, *q.node, hint, x, dx.scale[0], q, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }, out);
    } else {
      build_lut(g, *q.node, hint, x, dx.scale[0], q, [](float v) { return std::tanh(v); }, out);
    }
  } else {
    return false;
  }
  remove_nodes(g, dead);
  return true;
}

// Each rewrite inserts its node at the Q (or the op it replaces), where every input it reads
// is already defined, and removes the nodes it replaced.
template <typename F>
void rewrite_all(Graph& g, F f) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& np : g.nodes)
      if ((changed = f(g, *np))) break;
  }
}

// ---- 5. integer op -> clamping table

// True when, on every value [lo, hi] the op can write, the table is clamp(x, a, b): then the
// op clamping to [a, b] writes exactly what the table would. The table itself (computed from
// floats) is the proof, entry by entry, so no rounding can make the fold disagree with it.
// A table that also rescales (scale or zero point differ across the DQ/Q pair) does not fold:
// it rounds twice, which one requantisation cannot reproduce.
template <typename T>
bool table_is_clamp(const Tensor& table, int32_t lo, int32_t hi, int32_t& a, int32_t& b) {
  auto at = [&](int32_t x) { return static_cast<int32_t>(table.data<T>()[x - o2m::QRange<T>::lo]); };
  a = at(lo);
  b = at(hi);
  for (int32_t x = lo; x <= hi; ++x)
    if (at(x) != std::min(std::max(x, a), b)) return false;
  return a <= b;
}

bool fold_clamp_table(Graph& g, Node& lut) {
  if (!is(&lut, "QLut", "onnx2mcu") || !lut.input(1) || !lut.input(1)->is_const()) return false;
  Node* op = lut.input(0)->producer;
  if (!op || op->domain != "onnx2mcu" || op->outputs.size() != 1 || !op->has_attr("act_min") || !op->has_attr("act_max")) return false;
  if (sole_consumer(g, op->outputs[0]) != &lut) return false;
  const DType t = lut.outputs[0]->dtype;
  if (!is_q8(t) || op->outputs[0]->dtype != t || lut.input(1)->dtype != t) return false;
  const auto lo = static_cast<int32_t>(op->attr_int("act_min", qlo(t))), hi = static_cast<int32_t>(op->attr_int("act_max", qhi(t)));
  const Tensor& table = *lut.input(1)->constant;
  int32_t a, b;
  if (!(t == DType::I8 ? table_is_clamp<int8_t>(table, lo, hi, a, b) : table_is_clamp<uint8_t>(table, lo, hi, a, b))) return false;
  // lo <= a <= b <= hi, so clamp(clamp(v, lo, hi), a, b) == clamp(v, a, b).
  set_int(*op, "act_min", a);
  set_int(*op, "act_max", b);
  absorb_next(g, *op, lut);
  return true;
}

// ---- 6. QConv -> table

// The table composed with the conv's clamp, table'[v] = table[clamp(v, lo, hi)], so the conv
// keeps its type's whole range (one saturating instruction on the DSP) and writes the same bytes.
template <typename T>
Tensor table_after_clamp(const Tensor& table, int32_t lo, int32_t hi) {
  Tensor out = table;
  for (int32_t v = o2m::QRange<T>::lo; v <= o2m::QRange<T>::hi; ++v)
    out.data<T>()[v - o2m::QRange<T>::lo] = table.data<T>()[std::min(std::max(v, lo), hi) - o2m::QRange<T>::lo];
  return out;
}

bool fold_output_table(Graph& g, Node& lut) {
  if (!is(&lut, "QLut", "onnx2mcu") || !lut.input(1) || !lut.input(1)->is_const()) return false;
  Node* conv = lut.input(0)->producer;
  if (!is(conv, "QConv", "onnx2mcu") || conv->inputs.size() != 5 || sole_consumer(g, conv->outputs[0]) != &lut) return false;
  const DType t = lut.outputs[0]->dtype;
  if (conv->outputs[0]->dtype != t || lut.input(1)->dtype != t) return false;
  const auto lo = static_cast<int32_t>(conv->attr_int("act_min", qlo(t))), hi = static_cast<int32_t>(conv->attr_int("act_max", qhi(t)));
  const Tensor& table = *lut.input(1)->constant;
  Tensor folded = t == DType::I8 ? table_after_clamp<int8_t>(table, lo, hi) : table_after_clamp<uint8_t>(table, lo, hi);
  conv->inputs.push_back(g.add_constant((lut.name.empty() ? conv->name : lut.name) + "_table", std::move(folded)));
  set_int(*conv, "act_min", qlo(t));
  set_int(*conv, "act_max", qhi(t));
  absorb_next(g, *conv, lut);
  return true;
}

}  // namespace

void lower_qdq(Graph& g, const PassOptions& opts) {
  rewrite_all(g, convert_qoperator);
  rewrite_all(g, [&](Graph& gr, Node& n) { return sink_dq(gr, n, opts); });
  rewrite_all(g, [](Graph& gr, Node& n) {
    // A DQ feeding Q directly is matched from the DQ; other patterns from the float op.
    if (is(&n, "DequantizeLinear")) {
      Q q;
      for (Node* c : gr.consumers(n.outputs[0]))
        if (read_q(c, q)) {
          DQ dx;
          if (!read_act_dq(n.outputs[0], dx)) return false;
          const Act x{dx.q, dx.zp[0], dx.q->dtype};
          Value* out = q.node->outputs[0];
          GraphEdit e;
          if (dx.scale[0] == q.scale && dx.zp[0] == q.zp && dx.q->dtype == q.type && !out->is_graph_output) {
            e.bypass(*q.node, out, dx.q);  // Q(DQ(x)) == x when the parameters agree
          } else {
            build_lut(gr, *q.node, n.name + "_requant", x, dx.scale[0], q, [](float v) { return v; }, out);
            e.remove(*q.node);
          }
          gr.apply(e);
          return true;
        }
      return false;
    }
    return rewrite_pattern(gr, n);
  });
  // What infer-shapes-and-fold left for us: DQs of constants that no integer op absorbed
  // (weights of float ops) and the nodes after them become constants.
  for (auto& np : g.nodes) fold_node(g, *np, opts);
  g.remove_nodes_if([](const Node& n) {
    for (const Value* out : n.outputs)
      if (out && !out->is_const()) return false;
    return true;
  });
  // Unused DQs (their readers became integer ops) go; the dead-code pass does the rest.
  std::vector<const Node*> unused;
  for (auto& np : g.nodes)
    if (is(np.get(), "DequantizeLinear") && !np->outputs[0]->is_graph_output && g.consumers(np->outputs[0]).empty())
      unused.push_back(np.get());
  remove_nodes(g, unused);
  for (auto& v : g.values) v->producer = nullptr;
  for (auto& n : g.nodes)
    for (Value* out : n->outputs)
      if (out) out->producer = n.get();
  rewrite_all(g, fold_clamp_table);  // first: a clamp costs nothing, a table one load an output
  rewrite_all(g, fold_output_table);
  for (auto& np : g.nodes) find_op(np->domain, np->op)->infer(*np);
}

}  // namespace onnx2mcu
