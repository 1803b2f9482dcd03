// RNN, GRU and LSTM -> templates/kernels/rnn.hpp (one kernel, the cell type is a parameter).
#include "kernels/rnn.hpp"

#include <algorithm>
#include <cctype>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

struct RnnGeometry {
  o2m::RnnCell cell;
  int64_t seq, batch, input, hidden, dirs, gates, layout;
};

o2m::RnnCell cell_of(const Node& n) {
  return n.op == "LSTM" ? o2m::kCellLstm : n.op == "GRU" ? o2m::kCellGru : o2m::kCellRnn;
}

RnnGeometry geometry(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  const Value& r = required_input(n, 2);
  RnnGeometry g{};
  g.cell = cell_of(n);
  g.gates = g.cell == o2m::kCellLstm ? 4 : g.cell == o2m::kCellGru ? 3 : 1;
  g.layout = n.opset >= 14 ? n.attr_int("layout", 0) : 0;
  if (g.layout != 0 && g.layout != 1) n.fail("layout must be 0 or 1");
  if (x.shape.size() != 3) n.fail("expects X of rank 3, got " + shape_str(x.shape));
  g.seq = g.layout ? x.shape[1] : x.shape[0];
  g.batch = g.layout ? x.shape[0] : x.shape[1];
  g.input = x.shape[2];
  const std::string dir = n.attr_string("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional") n.fail("unknown direction '" + dir + "'");
  g.dirs = dir == "bidirectional" ? 2 : 1;
  if (r.shape.size() != 3) n.fail("expects R of rank 3, got " + shape_str(r.shape));
  g.hidden = n.attr_int("hidden_size", r.shape[2]);
  const int64_t gh = g.gates * g.hidden;
  if (w.shape != Shape{g.dirs, gh, g.input}) n.fail("W is " + shape_str(w.shape) + ", expected " + shape_str({g.dirs, gh, g.input}));
  if (r.shape != Shape{g.dirs, gh, g.hidden}) n.fail("R is " + shape_str(r.shape) + ", expected " + shape_str({g.dirs, gh, g.hidden}));
  if (const Value* b = n.input(3); b && b->shape != Shape{g.dirs, 2 * gh})
    n.fail("B is " + shape_str(b->shape) + ", expected " + shape_str({g.dirs, 2 * gh}));
  if (const Value* s = n.input(4); s && (s->shape != Shape{g.batch} || s->dtype != DType::I32))
    n.fail("sequence_lens must be int32 [" + std::to_string(g.batch) + "]");
  const Shape state = g.layout ? Shape{g.batch, g.dirs, g.hidden} : Shape{g.dirs, g.batch, g.hidden};
  const size_t last_state = g.cell == o2m::kCellLstm ? 6 : 5;
  for (size_t i = 5; i <= last_state; ++i)
    if (const Value* v = n.input(i); v && v->shape != state)
      n.fail("initial state '" + v->name + "' is " + shape_str(v->shape) + ", expected " + shape_str(state));
  if (g.cell == o2m::kCellLstm)
    if (const Value* p = n.input(7); p && p->shape != Shape{g.dirs, 3 * g.hidden})
      n.fail("P is " + shape_str(p->shape) + ", expected " + shape_str({g.dirs, 3 * g.hidden}));
  return g;
}

void infer_rnn(Node& n) {
  const o2m::RnnCell cell = cell_of(n);
  const size_t max_in = cell == o2m::kCellLstm ? 8 : 6, max_out = cell == o2m::kCellLstm ? 3 : 2;
  if (n.inputs.size() < 3 || n.inputs.size() > max_in)
    n.fail("expects 3 to " + std::to_string(max_in) + " inputs, got " + std::to_string(n.inputs.size()));
  if (n.outputs.size() > max_out) n.fail("expects at most " + std::to_string(max_out) + " outputs");
  const Value& x = required_input(n, 0);
  for (size_t i : {1, 2, 3, 5, 6, 7})
    if (const Value* v = n.input(i); v && v->dtype != x.dtype)
      n.fail("input '" + v->name + "' is " + dtype_name(v->dtype) + " but X is " + dtype_name(x.dtype));
  RnnGeometry g = geometry(n);
  set_output(n, 0, x.dtype, g.layout ? Shape{g.batch, g.seq, g.dirs, g.hidden} : Shape{g.seq, g.dirs, g.batch, g.hidden});
  const Shape state = g.layout ? Shape{g.batch, g.dirs, g.hidden} : Shape{g.dirs, g.batch, g.hidden};
  set_output(n, 1, x.dtype, state);
  set_output(n, 2, x.dtype, state);
}

// Activation names (case-insensitive), their defaults per cell, and the alpha/beta values they
// take in order from activation_alpha / activation_beta (else each function's default).
void fill_activations(const Node& n, const RnnGeometry& g, o2m::RnnParams& p) {
  // Lower-case ONNX name -> the kernels' one code for it (templates/kernels/activation.hpp).
  static const std::vector<std::pair<std::string, o2m::ActKind>> names = {
      {"sigmoid", o2m::kActSigmoid},     {"tanh", o2m::kActTanh},
      {"relu", o2m::kActRelu},           {"affine", o2m::kActAffine},
      {"leakyrelu", o2m::kActLeakyRelu}, {"thresholdedrelu", o2m::kActThresholdedRelu},
      {"scaledtanh", o2m::kActScaledTanh}, {"hardsigmoid", o2m::kActHardSigmoid},
      {"elu", o2m::kActElu},             {"softsign", o2m::kActSoftsign},
      {"softplus", o2m::kActSoftplus}};
  const size_t per_dir = g.cell == o2m::kCellLstm ? 3 : g.cell == o2m::kCellGru ? 2 : 1;
  std::vector<std::string> acts;
  if (auto it = n.attrs.find("activations"); it != n.attrs.end()) acts = it->second.strings;
  if (acts.empty()) {
    acts = g.cell == o2m::kCellLstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
           : g.cell == o2m::kCellGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                     : std::vector<std::string>{"Tanh"};
  }
  if (acts.size() == per_dir && g.dirs == 2) {  // one list for both directions
    const std::vector<std::string> once = acts;
    acts.insert(acts.end(), once.begin(), once.end());
  }
  if (acts.size() != per_dir * static_cast<size_t>(g.dirs))
    n.fail("expects " + std::to_string(per_dir * g.dirs) + " activations, got " + std::to_string(acts.size()));
  const std::vector<float> alphas = n.attr_floats("activation_alpha"), betas = n.attr_floats("activation_beta");
  size_t ai = 0, bi = 0;
  for (size_t k = 0; k < acts.size(); ++k) {
    std::string a = acts[k];
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& e) { return e.first == a; });
    if (it == names.end()) n.fail("unsupported activation '" + acts[k] + "'");
    const o2m::ActKind kind = it->second;
    float alpha = 0, beta = 0;
    bool uses_alpha = true, uses_beta = false;
    switch (kind) {
      case o2m::kActAffine: alpha = 1, beta = 0, uses_beta = true; break;
      case o2m::kActLeakyRelu: alpha = 0.01f; break;
      case o2m::kActThresholdedRelu: alpha = 1; break;
      case o2m::kActScaledTanh: alpha = 1, beta = 1, uses_beta = true; break;
      case o2m::kActHardSigmoid: alpha = 0.2f, beta = 0.5f, uses_beta = true; break;
      case o2m::kActElu: alpha = 1; break;
      default: uses_alpha = false; break;
    }
    if (uses_alpha && ai < alphas.size()) alpha = alphas[ai++];
    if (uses_beta && bi < betas.size()) beta = betas[bi++];
    p.act[k] = kind;
    p.act_alpha[k] = alpha;
    p.act_beta[k] = beta;
  }
}

std::vector<KernelCall> lower_rnn(const Node& n) {
  RnnGeometry g = geometry(n);
  o2m::RnnParams p{};
  p.cell = g.cell;
  p.seq = i32(n, g.seq);
  p.batch = i32(n, g.batch);
  p.input = i32(n, g.input);
  p.hidden = i32(n, g.hidden);
  p.dirs = i32(n, g.dirs);
  p.reverse = n.attr_string("direction", "forward") == "reverse";
  p.layout = i32(n, g.layout);
  p.linear_before_reset = g.cell == o2m::kCellGru ? i32(n, n.attr_int("linear_before_reset", 0)) : 0;
  p.input_forget = g.cell == o2m::kCellLstm ? i32(n, n.attr_int("input_forget", 0)) : 0;
  p.clip = n.has_attr("clip") ? n.attr_float("clip", 0.0f) : 0.0f;
  if (n.has_attr("clip") && !(p.clip > 0.0f)) n.fail("clip must be positive");
  fill_activations(n, g, p);
  const bool lstm = g.cell == o2m::kCellLstm;
  auto out = [&](size_t i) -> const Value* { return i < n.outputs.size() ? n.outputs[i] : nullptr; };
  std::vector<const Value*> ins = {n.input(0), n.input(1), n.input(2),   n.input(3),
                                   n.input(4), n.input(5), lstm ? n.input(6) : nullptr, lstm ? n.input(7) : nullptr};
  const Value& x = required_input(n, 0);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("rnn.hpp", o2m::rnn, T), "o2m::RnnParams", p, ins, {out(0), out(1), lstm ? out(2) : nullptr});
    c.scratch_bytes = o2m::rnn_scratch_bytes<T>(p);
    return c;
  })};
}

}  // namespace

void register_rnn_ops(OpTable& t) {
  add_op(t, {"RNN", "", infer_rnn, lower_rnn, false});
  add_op(t, {"GRU", "", infer_rnn, lower_rnn, false});
  add_op(t, {"LSTM", "", infer_rnn, lower_rnn, false});
}

}  // namespace onnx2mcu
