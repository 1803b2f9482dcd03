#include "quantize/qdq_writer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include "loader/tensor_proto.h"
#include "onnx2mcu/error.h"
#include "quantize/ranges.h"

namespace onnx2mcu {
namespace {

// Per-channel QuantizeLinear/DequantizeLinear need opset 13. Older models are raised to 13 when
// every op they hold means the same there (the others would need rewriting: an error instead).
constexpr int kQdqOpset = 13;
const std::set<std::string> kSameUpTo13 = {"Conv", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Mul", "Sub",
                                           "MatMul", "Gemm", "Reshape", "Flatten", "Transpose", "Concat", "Sigmoid", "Tanh",
                                           "LeakyRelu", "Identity", "GlobalMaxPool", "Div", "Softmax", "Constant"};

// The ops the QDQ lowering (src/passes/lower_qdq.cpp) turns into integer kernels.
const std::set<std::string> kIntegerOps = {"Conv", "Gemm", "MatMul", "Add", "Mul", "AveragePool", "GlobalAveragePool", "MaxPool",
                                           "Concat"};
// Ops whose output holds their input's values rearranged or selected: they keep its parameters.
// The integer ops that fold a following Relu/Clip into their output clamp.
const std::set<std::string> kFoldsActivation = {"Conv", "Gemm", "MatMul", "Add", "Mul", "AveragePool", "GlobalAveragePool"};
const std::set<std::string> kKeepsParams = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool"};

// Ops not reported as "left in float": they move data, or are quantization themselves.
const std::set<std::string> kNotComputing = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool", "Identity",
                                             "QuantizeLinear", "DequantizeLinear"};

int onnx_type(DType t) {
  switch (t) {
    case DType::F32: return onnx::TensorProto::FLOAT;
    case DType::I8: return onnx::TensorProto::INT8;
    case DType::I32: return onnx::TensorProto::INT32;
    default: throw Error("quantize: unexpected dtype (internal error)");
  }
}

class Writer {
 public:
  Writer(const std::string& path, const std::string& bytes, const Stats& stats, const std::map<std::string, Tensor>& constants,
         const std::set<std::string>& keep_float)
      : path_(path), stats_(stats), constants_(constants), keep_float_(keep_float) {
    if (!model_.ParseFromString(bytes)) throw Error(path + ": not a valid ONNX model: the protobuf is corrupt or truncated");
    g_ = model_.mutable_graph();
    index();
    // Quantizing twice would stack a second rounding on the first: refuse.
    for (const onnx::NodeProto& n : nodes_)
      if (n.op_type() == "QuantizeLinear" || n.op_type().rfind("QLinear", 0) == 0 || n.op_type() == "ConvInteger" ||
          n.op_type() == "MatMulInteger" || n.op_type() == "DynamicQuantizeLinear")
        throw Error(path + ": node '" + n.name() + "' (" + n.op_type() + "): the model is already quantized; quantize its float original");
    for (const std::string& name : keep_float)
      if (std::none_of(nodes_.begin(), nodes_.end(), [&](const onnx::NodeProto& n) { return n.name() == name; }))
        throw Error(path + ": --keep-float " + name + ": no node has this name");
  }

  QdqModel run() {
    raise_opset();
    fold_pads();
    choose_integer_nodes();
    choose_params();
    rewrite();
    QdqModel out;
    out.quantized = written_;
    for (int i : int_nodes_) out.int_nodes.push_back(node_name(i));
    for (int i = 0; i < original_nodes_; ++i)
      if (!is_int_.count(i) && !fused_.count(i) && !absorbed_.count(i) && !kNotComputing.count(nodes_[static_cast<size_t>(i)].op_type()))
        out.float_nodes.push_back(node_name(i) + " (" + nodes_[static_cast<size_t>(i)].op_type() + ")");
    if (!model_.SerializeToString(&out.bytes)) throw Error(path_ + ": cannot serialize the quantized model");
    return out;
  }

 private:
  std::string path_;
  const Stats& stats_;
  const std::map<std::string, Tensor>& constants_;
  const std::set<std::string>& keep_float_;
  onnx::ModelProto model_;
  onnx::GraphProto* g_ = nullptr;
  std::vector<onnx::NodeProto> nodes_;  // the float model's nodes, in order
  int original_nodes_ = 0;
  std::map<std::string, const onnx::TensorProto*> inits_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<int>> consumers_;
  std::set<std::string> outputs_, names_;
  std::vector<int> int_nodes_;
  std::vector<QuantizedTensor> written_;  // the Q/DQ pairs, as rewrite() emits them
  std::set<int> is_int_, fused_;  // integer nodes; Relu/Clip folded into one's output clamp
  // Integer node -> the node after it folded into its weights and bias: an Add of a per-channel
  // constant, or a BatchNormalization.
  std::map<int, int> absorbed_of_;
  std::set<int> absorbed_;
  std::vector<std::string> order_;          // tensors to quantize, in the order chosen
  std::map<std::string, QParams> params_;   // their parameters

  std::string node_name(int i) const {
    const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
    return n.name().empty() ? "#" + std::to_string(i) : n.name();
  }

  void index() {
    nodes_.assign(g_->node().begin(), g_->node().end());
    original_nodes_ = static_cast<int>(nodes_.size());
    for (const auto& t : g_->initializer()) inits_[t.name()] = &t, names_.insert(t.name());
    for (const auto& v : g_->input()) names_.insert(v.name());
    for (const auto& v : g_->output()) outputs_.insert(v.name()), names_.insert(v.name());
    for (int i = 0; i < original_nodes_; ++i) {
      const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
      names_.insert(n.name());
      for (const auto& in : n.input())
        if (!in.empty()) consumers_[in].push_back(i), names_.insert(in);
      for (const auto& out : n.output())
        if (!out.empty()) producer_[out] = i, names_.insert(out);
    }
  }

  // A name no tensor or node of the model has yet.
  std::string fresh(const std::string& hint) {
    std::string name = hint;
    for (int k = 2; names_.count(name); ++k) name = hint + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  void raise_opset() {
    for (auto& op : *model_.mutable_opset_import()) {
      if (!op.domain().empty() && op.domain() != "ai.onnx") continue;
      if (op.version() >= kQdqOpset) return;
      for (const onnx::NodeProto& n : nodes_)
        if (n.domain().empty() && !kSameUpTo13.count(n.op_type()))
          throw Error(path_ + ": node '" + n.name() + "' (" + n.op_type() + "): the model is opset " + std::to_string(op.version()) +
                      " and quantization needs opset " + std::to_string(kQdqOpset) +
                      ", where this op changed; convert the model to opset 13 first");
      op.set_version(kQdqOpset);
      model_.set_ir_version(std::max<int64_t>(model_.ir_version(), 7));
      return;
    }
  }

  bool is_activation(const std::string& name) const { return !name.empty() && !constants_.count(name) && stats_.count(name); }
  const Tensor* float_constant(const std::string& name) const {
    auto it = constants_.find(name);
    return it != constants_.end() ? &it->second : nullptr;
  }

  // A weight the model already gives as DequantizeLinear of an int8 initializer with zero zero
  // points (weight-only quantized models): kept, its scales returned (one per channel), or empty.
  std::vector<float> dequantized_weight_scales(const std::string& w, int64_t axis) const {
    auto p = producer_.find(w);
    if (p == producer_.end()) return {};
    const onnx::NodeProto& dq = nodes_[static_cast<size_t>(p->second)];
    if (dq.op_type() != "DequantizeLinear" || !dq.domain().empty() || dq.input_size() < 2 || !inits_.count(dq.input(0)) ||
        !inits_.count(dq.input(1)) || (dq.input_size() > 2 && !dq.input(2).empty() && !inits_.count(dq.input(2))))
      return {};
    const std::string dir = std::filesystem::path(path_).parent_path().string();
    const Tensor q = tensor_from_proto(*inits_.at(dq.input(0)), dir);
    const Tensor scale = tensor_from_proto(*inits_.at(dq.input(1)), dir);
    if (q.dtype != DType::I8 || scale.dtype != DType::F32 || axis >= static_cast<int64_t>(q.shape.size())) return {};
    if (dq.input_size() > 2 && !dq.input(2).empty()) {
      const Tensor zp = tensor_from_proto(*inits_.at(dq.input(2)), dir);
      for (int64_t i = 0; i < zp.elems(); ++i)
        if (zp.int_at(i) != 0) return {};
    }
    const int64_t channels = q.shape[static_cast<size_t>(axis)];
    if (scale.elems() == 1) return std::vector<float>(static_cast<size_t>(channels), scale.data<float>()[0]);
    if (scale.elems() != channels || attr_int(dq, "axis", 1) != axis) return {};
    return {scale.data<float>(), scale.data<float>() + channels};
  }

  int64_t rank_of(const std::string& name) const {
    if (const Tensor* t = float_constant(name)) return static_cast<int64_t>(t->shape.size());
    auto it = stats_.find(name);
    return it == stats_.end() ? -1 : static_cast<int64_t>(it->second.shape.size());
  }
  int64_t attr_int(const onnx::NodeProto& n, const char* key, int64_t def) const {
    for (const auto& a : n.attribute())
      if (a.name() == key) return a.i();
    return def;
  }
  float attr_float(const onnx::NodeProto& n, const char* key, float def) const {
    for (const auto& a : n.attribute())
      if (a.name() == key) return a.f();
    return def;
  }

  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* key) const {
    for (const auto& a : n.attribute())
      if (a.name() == key) return &a;
    return nullptr;
  }

  // A Pad with zeros of only the spatial dims, alone before a Conv, goes into the Conv's pads
  // (as fold-pad does after lowering, too late: there is no integer Pad). Opset 11+ form.
  void fold_pads() {
    const std::string dir = std::filesystem::path(path_).parent_path().string();
    for (int i = 0; i < original_nodes_; ++i) {
      const onnx::NodeProto& p = nodes_[static_cast<size_t>(i)];
      if (p.op_type() != "Pad" || !p.domain().empty() || keep_float_.count(p.name()) || p.input_size() < 2 || p.input_size() > 3 ||
          !inits_.count(p.input(1)) || (attr(p, "mode") && attr(p, "mode")->s() != "constant"))
        continue;
      if (p.input_size() == 3 && !p.input(2).empty()) {
        const Tensor* v = float_constant(p.input(2));
        if (!v || v->elems() != 1 || v->data<float>()[0] != 0.0f) continue;
      }
      const std::string& y = p.output(0);
      auto cs = consumers_.find(y);
      if (outputs_.count(y) || cs == consumers_.end() || cs->second.size() != 1) continue;
      onnx::NodeProto& c = nodes_[static_cast<size_t>(cs->second[0])];
      if (c.op_type() != "Conv" || !c.domain().empty() || keep_float_.count(c.name()) || c.input(0) != y) continue;
      if (attr(c, "auto_pad") && attr(c, "auto_pad")->s() != "NOTSET") continue;
      const Tensor pads = tensor_from_proto(*inits_.at(p.input(1)), dir);
      const int64_t rank = pads.elems() / 2;
      if (rank < 3 || pads.int_at(0) || pads.int_at(1) || pads.int_at(rank) || pads.int_at(rank + 1)) continue;
      const int64_t spatial = rank - 2;
      std::vector<int64_t> conv_pads(static_cast<size_t>(2 * spatial), 0);
      if (const onnx::AttributeProto* a = attr(c, "pads")) conv_pads.assign(a->ints().begin(), a->ints().end());
      if (static_cast<int64_t>(conv_pads.size()) != 2 * spatial) continue;
      bool negative = false;
      for (int64_t k = 0; k < spatial; ++k) {
        conv_pads[static_cast<size_t>(k)] += pads.int_at(2 + k);
        conv_pads[static_cast<size_t>(spatial + k)] += pads.int_at(rank + 2 + k);
        negative = negative || pads.int_at(2 + k) < 0 || pads.int_at(rank + 2 + k) < 0;
      }
      if (negative) continue;
      onnx::AttributeProto* a = nullptr;
      for (auto& at : *c.mutable_attribute())
        if (at.name() == "pads") a = &at;
      if (!a) {
        a = c.add_attribute();
        a->set_name("pads");
        a->set_type(onnx::AttributeProto::INTS);
      }
      a->clear_ints();
      for (int64_t v : conv_pads) a->add_ints(v);
      c.set_input(0, p.input(0));
      std::replace(consumers_[p.input(0)].begin(), consumers_[p.input(0)].end(), i, cs->second[0]);
      absorbed_.insert(i);
    }
  }

  // The axis of a weight's output channels, or -1 when the node cannot take integer weights.
  int weight_axis(const onnx::NodeProto& n) const {
    const int64_t rank = n.input_size() > 1 ? rank_of(n.input(1)) : -1;
    const std::string& op = n.op_type();
    if (op == "Conv") return rank >= 3 ? 0 : -1;
    if (rank != 2) return -1;
    if (op == "MatMul") return 1;
    // Gemm: the integer kernel takes alpha 1 (its bias scale assumes it), no transposed A, beta 1.
    if (attr_int(n, "transA", 0) != 0 || attr_float(n, "alpha", 1.0f) != 1.0f || attr_float(n, "beta", 1.0f) != 1.0f) return -1;
    return attr_int(n, "transB", 0) != 0 ? 0 : 1;
  }

  // The activation inputs an integer op reads quantized; empty when it cannot be one.
  std::vector<std::string> quantized_inputs(const onnx::NodeProto& n) const {
    const std::string& op = n.op_type();
    std::vector<std::string> ins;
    if (op == "Conv" || op == "Gemm" || op == "MatMul") {
      const int axis = weight_axis(n);
      if (axis < 0 || !is_activation(n.input(0))) return {};
      if (!float_constant(n.input(1)) && dequantized_weight_scales(n.input(1), axis).empty()) return {};
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const Tensor* b = float_constant(n.input(2));
        if (!b || b->shape.size() != 1) return {};
      }
      return {n.input(0)};
    }
    if (op == "Add" || op == "Mul") {
      if (n.input_size() != 2 || !is_activation(n.input(0)) || !is_activation(n.input(1)) || !stats_.count(n.output(0))) return {};
      const Shape& a = stats_.at(n.input(0)).shape;
      const Shape& b = stats_.at(n.input(1)).shape;
      const Shape& y = stats_.at(n.output(0)).shape;
      const bool ok = (a == y && (b == y || shape_elems(b) == 1)) || (b == y && shape_elems(a) == 1);
      return ok ? std::vector<std::string>{n.input(0), n.input(1)} : std::vector<std::string>{};
    }
    if (op == "AveragePool" && attr_int(n, "ceil_mode", 0) != 0) return {};
    if (op == "MaxPool" && n.output_size() > 1 && !n.output(1).empty()) return {};
    for (const auto& in : n.input())
      if (!is_activation(in)) return {};
    return {n.input().begin(), n.input().end()};
  }

  // The Add of a per-channel constant that alone reads integer candidate i's output, when i has
  // no bias of its own: it becomes i's bias (as fold-bias-add does after lowering, too late for
  // the integer pattern). -1 when there is none.
  int bias_add(int i) const {
    const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
    if (n.input_size() > 2 && !n.input(2).empty()) return -1;
    const std::string& y = n.output(0);
    auto cs = consumers_.find(y);
    if (outputs_.count(y) || cs == consumers_.end() || cs->second.size() != 1 || !stats_.count(y)) return -1;
    const onnx::NodeProto& a = nodes_[static_cast<size_t>(cs->second[0])];
    if (a.op_type() != "Add" || !a.domain().empty() || keep_float_.count(a.name()) || a.input_size() != 2) return -1;
    const Tensor* c = float_constant(a.input(0) == y ? a.input(1) : a.input(0));
    const Shape& ys = stats_.at(y).shape;
    if (!c || ys.size() < 2 || c->shape.size() > ys.size()) return -1;
    // Constant dims right-aligned with y's: 1 everywhere but the channel axis (1: Conv; last: Gemm/MatMul).
    const size_t channel = n.op_type() == "Conv" ? 1 : ys.size() - 1;
    if (n.op_type() == "MatMul" && ys.size() != 2) return -1;  // becomes a Gemm: 2-D only
    const size_t off = ys.size() - c->shape.size();
    for (size_t d = 0; d < c->shape.size(); ++d)
      if (c->shape[d] != (d + off == channel ? ys[channel] : 1)) return -1;
    return c->elems() == ys[channel] ? cs->second[0] : -1;
  }

  // The BatchNormalization (inference) alone after Conv i with float weights: folded into them
  // (as fold-batchnorm does after lowering, too late for the integer pattern). -1 if none.
  int batchnorm_after(int i) const {
    const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
    const Tensor* w = float_constant(n.input(1));
    if (n.op_type() != "Conv" || !w || (n.input_size() > 2 && !n.input(2).empty() && !float_constant(n.input(2)))) return -1;
    const std::string& y = n.output(0);
    auto cs = consumers_.find(y);
    if (outputs_.count(y) || cs == consumers_.end() || cs->second.size() != 1) return -1;
    const onnx::NodeProto& b = nodes_[static_cast<size_t>(cs->second[0])];
    if (b.op_type() != "BatchNormalization" || !b.domain().empty() || keep_float_.count(b.name()) || b.input_size() != 5 ||
        attr_int(b, "training_mode", 0) != 0 || (b.output_size() > 1 && !b.output(1).empty()) || b.input(0) != y)
      return -1;
    for (int k = 1; k < 5; ++k)
      if (!float_constant(b.input(k)) || float_constant(b.input(k))->elems() != w->shape[0]) return -1;
    return cs->second[0];
  }

  int absorbed_after(int i) const {
    const std::string& op = nodes_[static_cast<size_t>(i)].op_type();
    if (op != "Conv" && op != "Gemm" && op != "MatMul") return -1;
    const int add = bias_add(i);
    return add >= 0 ? add : batchnorm_after(i);
  }

  void want(const std::string& t) {
    if (params_.count(t)) return;
    params_[t] = activation_params(stats_.at(t).lo, stats_.at(t).hi);
    order_.push_back(t);
  }

  void choose_integer_nodes() {
    for (int i = 0; i < original_nodes_; ++i) {
      const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
      if (!n.domain().empty() || !kIntegerOps.count(n.op_type()) || keep_float_.count(n.name())) continue;
      std::vector<std::string> ins = quantized_inputs(n);
      if (ins.empty() || !is_activation(n.output(0))) continue;
      // Quantized after a Relu/Clip that only it feeds: the integer op clamps its output instead.
      std::string out = n.output(0);
      if (int add = absorbed_after(i); add >= 0) {
        absorbed_of_[i] = add;
        absorbed_.insert(add);
        out = nodes_[static_cast<size_t>(add)].output(0);
      }
      const auto& cs = consumers_[out];
      if (kFoldsActivation.count(n.op_type()) && !outputs_.count(out) && cs.size() == 1) {
        const onnx::NodeProto& c = nodes_[static_cast<size_t>(cs[0])];
        if (c.domain().empty() && (c.op_type() == "Relu" || c.op_type() == "Clip") && !keep_float_.count(c.name()) &&
            is_activation(c.output(0))) {
          fused_.insert(cs[0]);
          out = c.output(0);
        }
      }
      for (const std::string& in : ins) want(in);
      want(out);
      int_nodes_.push_back(i);
      is_int_.insert(i);
    }
  }

  void choose_params() {
    // Concat: one set of parameters over its inputs and output (the integer Concat copies bytes).
    for (int i : int_nodes_) {
      const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
      if (n.op_type() != "Concat") continue;
      float lo = stats_.at(n.output(0)).lo, hi = stats_.at(n.output(0)).hi;
      for (const auto& in : n.input()) lo = std::min(lo, stats_.at(in).lo), hi = std::max(hi, stats_.at(in).hi);
      const QParams p = activation_params(lo, hi);
      params_[n.output(0)] = p;
      for (const auto& in : n.input()) params_[in] = p;
    }
    // Views and MaxPool, in order: the output keeps the input's parameters (no requantization).
    for (int i = 0; i < original_nodes_; ++i) {
      const onnx::NodeProto& n = nodes_[static_cast<size_t>(i)];
      if (!n.domain().empty() || !kKeepsParams.count(n.op_type()) || n.input_size() < 1 || n.output_size() < 1) continue;
      if (keep_float_.count(n.name())) continue;
      if (params_.count(n.input(0)) && params_.count(n.output(0))) params_[n.output(0)] = params_[n.input(0)];
    }
  }

  onnx::TensorProto* add_init(const std::string& hint, const Tensor& t) {
    onnx::TensorProto* p = g_->add_initializer();
    p->set_name(fresh(hint));
    p->set_data_type(onnx_type(t.dtype));
    for (int64_t d : t.shape) p->add_dims(d);
    p->set_raw_data(std::string(t.bytes.begin(), t.bytes.end()));
    return p;
  }

  template <typename T>
  static Tensor filled(DType dt, Shape shape, const std::vector<T>& values) {
    Tensor t(dt, std::move(shape));
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }

  onnx::NodeProto make_node(const std::string& op, const std::string& hint, std::vector<std::string> ins, const std::string& out,
                            int64_t axis = -1) {
    onnx::NodeProto n;
    n.set_op_type(op);
    n.set_name(fresh(hint));
    for (const auto& in : ins) n.add_input(in);
    n.add_output(out);
    if (axis >= 0) {
      onnx::AttributeProto* a = n.add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
    return n;
  }

  // DQ of an integer constant with per-channel scales: returns the float tensor's name.
  std::string dequantized_constant(const std::string& base, const Tensor& q, const std::vector<float>& scale, int64_t axis,
                                   std::vector<onnx::NodeProto>& nodes) {
    const auto c = static_cast<int64_t>(scale.size());
    const std::string qn = add_init(base + "_quantized", q)->name();
    const std::string sn = add_init(base + "_scale", filled<float>(DType::F32, {c}, scale))->name();
    const std::string zn = q.dtype == DType::I8 ? add_init(base + "_zero_point", filled<int8_t>(DType::I8, {c}, std::vector<int8_t>(scale.size(), 0)))->name()
                                                : add_init(base + "_zero_point", filled<int32_t>(DType::I32, {c}, std::vector<int32_t>(scale.size(), 0)))->name();
    const std::string out = fresh(base + "_dequantized");
    nodes.push_back(make_node("DequantizeLinear", base + "_DequantizeLinear", {qn, sn, zn}, out, axis));
    return out;
  }

  // Integer weights (and bias) for integer node i, written into its inputs.
  void quantize_weights(int i, onnx::NodeProto& n, std::vector<onnx::NodeProto>& nodes) {
    const int axis = weight_axis(n);
    std::string bias_name;
    std::optional<Tensor> bias;
    if (n.input_size() > 2 && !n.input(2).empty()) {
      bias_name = n.input(2);
      bias = *float_constant(bias_name);
    }
    std::optional<Tensor> weight;
    if (const Tensor* w = float_constant(n.input(1))) weight = *w;
    if (auto it = absorbed_of_.find(i); it != absorbed_of_.end()) {
      const onnx::NodeProto& a = nodes_[static_cast<size_t>(it->second)];
      if (a.op_type() == "BatchNormalization") {
        fold_batchnorm(a, *weight, bias);
        bias_name = a.name().empty() ? a.output(0) : a.name();
      } else {
        bias_name = a.input(0) == n.output(0) ? a.input(1) : a.input(0);
        bias = *float_constant(bias_name);
        if (n.op_type() == "MatMul") n.set_op_type("Gemm");
      }
      n.set_output(0, a.output(0));
    }
    std::vector<float> w_scale = dequantized_weight_scales(n.input(1), axis);
    if (w_scale.empty()) {
      const ChannelQuant w = quantize_per_channel(*weight, axis);
      n.set_input(1, dequantized_constant(n.input(1), w.q, w.scale, axis, nodes));
      w_scale = w.scale;
    }
    if (!bias) return;
    bias->shape = {bias->elems()};
    const BiasQuant b = quantize_bias(*bias, params_.at(n.input(0)).scale, w_scale);
    while (n.input_size() < 3) n.add_input("");
    n.set_input(2, dequantized_constant(bias_name, b.q, b.scale, 0, nodes));
  }

  // BatchNormalization bn folded into a Conv's weight [C, ...] and bias (made if absent):
  // k = scale / sqrt(var + eps); w[c] *= k[c]; b[c] = (b[c] - mean[c]) * k[c] + B[c].
  void fold_batchnorm(const onnx::NodeProto& bn, Tensor& w, std::optional<Tensor>& bias) const {
    const float* g = float_constant(bn.input(1))->data<float>();
    const float* beta = float_constant(bn.input(2))->data<float>();
    const float* mean = float_constant(bn.input(3))->data<float>();
    const float* var = float_constant(bn.input(4))->data<float>();
    const double eps = attr_float(bn, "epsilon", 1e-5f);
    const int64_t c_out = w.shape[0], per = w.elems() / c_out;
    if (!bias) bias = Tensor(DType::F32, {c_out});
    for (int64_t c = 0; c < c_out; ++c) {
      const double k = g[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      for (int64_t j = 0; j < per; ++j) w.data<float>()[c * per + j] = static_cast<float>(w.data<float>()[c * per + j] * k);
      bias->data<float>()[c] = static_cast<float>((bias->data<float>()[c] - mean[c]) * k + beta[c]);
    }
  }

  // The Q -> DQ pair on tensor t: reads `src`, writes `dst`.
  void add_qdq(const std::string& t, const std::string& src, const std::string& dst, std::vector<onnx::NodeProto>& nodes) {
    const QParams p = params_.at(t);
    const std::string sn = add_init(t + "_scale", filled<float>(DType::F32, {}, {p.scale}))->name();
    const std::string zn = add_init(t + "_zero_point", filled<int8_t>(DType::I8, {}, {static_cast<int8_t>(p.zero_point)}))->name();
    const std::string q = fresh(t + "_quantized");
    written_.push_back({t, q, p.scale, p.zero_point});
    nodes.push_back(make_node("QuantizeLinear", t + "_QuantizeLinear", {src, sn, zn}, q));
    nodes.push_back(make_node("DequantizeLinear", t + "_DequantizeLinear", {q, sn, zn}, dst));
  }

  void rewrite() {
    // What each quantized tensor's readers read instead; a graph output keeps its name (the DQ
    // writes it) and its producer writes a new one.
    std::map<std::string, std::string> read_as, written_as;
    for (const std::string& t : order_) {
      if (outputs_.count(t)) written_as[t] = fresh(t + "_float");
      else read_as[t] = fresh(t + "_dequantized");
    }
    std::vector<onnx::NodeProto> out;
    for (const onnx::ValueInfoProto& in : g_->input())
      if (params_.count(in.name())) add_qdq(in.name(), in.name(), read_as.at(in.name()), out);
    for (int i = 0; i < original_nodes_; ++i) {
      if (absorbed_.count(i)) continue;  // now its integer node's bias
      onnx::NodeProto n = nodes_[static_cast<size_t>(i)];
      if (is_int_.count(i) && (n.op_type() == "Conv" || n.op_type() == "Gemm" || n.op_type() == "MatMul"))
        quantize_weights(i, n, out);  // before the renames: reads input 0's parameters by its name
      for (int k = 0; k < n.input_size(); ++k)
        if (auto it = read_as.find(n.input(k)); it != read_as.end()) n.set_input(k, it->second);
      std::vector<std::string> made;
      for (int k = 0; k < n.output_size(); ++k) {
        const std::string t = n.output(k);
        if (!params_.count(t)) continue;
        if (auto it = written_as.find(t); it != written_as.end()) n.set_output(k, it->second);
        made.push_back(t);
      }
      out.push_back(n);
      for (const std::string& t : made)
        add_qdq(t, written_as.count(t) ? written_as.at(t) : t, written_as.count(t) ? t : read_as.at(t), out);
    }
    drop_unread_initializers(out);
    g_->clear_node();
    for (auto& n : out) *g_->add_node() = std::move(n);
  }

  // Initializers nothing reads any more (float weights now given quantized, a folded Pad's pads): gone,
  // and from the inputs, where old models list them.
  void drop_unread_initializers(std::vector<onnx::NodeProto>& nodes) {
    std::set<std::string> read;
    for (const auto& o : g_->output()) read.insert(o.name());
    // Nodes nothing reads any more (a Reshape of a float weight now given quantized): gone too.
    std::vector<onnx::NodeProto> kept;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      const bool used = std::any_of(it->output().begin(), it->output().end(), [&](const std::string& o) { return read.count(o); });
      if (!used) continue;
      for (const auto& in : it->input()) read.insert(in);
      kept.push_back(std::move(*it));
    }
    nodes.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
    std::set<std::string> dropped;
    auto* inits = g_->mutable_initializer();
    for (int i = inits->size() - 1; i >= 0; --i)
      if (!read.count(inits->Get(i).name())) {
        dropped.insert(inits->Get(i).name());
        inits->DeleteSubrange(i, 1);
      }
    inits_.clear();
    auto* ins = g_->mutable_input();
    for (int i = ins->size() - 1; i >= 0; --i)
      if (dropped.count(ins->Get(i).name())) ins->DeleteSubrange(i, 1);
  }
};

}  // namespace

QdqModel write_qdq(const std::string& model_path, const std::string& model_bytes, const Stats& stats,
                   const std::map<std::string, Tensor>& constants, const std::set<std::string>& keep_float) {
  return Writer(model_path, model_bytes, stats, constants, keep_float).run();
}

}  // namespace onnx2mcu
