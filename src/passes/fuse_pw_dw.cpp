// Conv 1x1 [-> activation] -> depthwise Conv [-> activation] becomes one onnx2mcu.PwDw node
// that keeps only k_h rows of the pointwise output (templates/kernels/pw_dw.hpp). This is
// MobileNet's expand -> depthwise pair, whose expanded tensor is often the arena's peak. The
// pair is fused only when the planned arena shrinks; each pointwise row is computed once, so
// the MACs stay the same.
#include <algorithm>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

bool is_conv(const Node* n) { return n && n->domain.empty() && n->op == "Conv" && n->outputs.size() == 1; }
bool is_activation(const Node* n) { return n && is_fusable_activation(*n); }
bool all_equal(const std::vector<int64_t>& v, int64_t x) {
  for (int64_t e : v)
    if (e != x) return false;
  return true;
}
bool const_or_absent(const Value* v) { return !v || v->is_const(); }

// Conv with constant weights on a 4-D float input, explicit padding, no dilation.
bool plain_conv(const Node& c) {
  const Value* x = c.input(0);
  const Value* w = c.input(1);
  const std::string auto_pad = c.attr_string("auto_pad", "NOTSET");
  return !c.has_attr("act") && x && w && w->is_const() && const_or_absent(c.input(2)) && x->dtype == DType::F32 && x->shape.size() == 4 &&
         w->shape.size() == 4 && (auto_pad == "NOTSET" || auto_pad == "VALID") && all_equal(c.attr_ints("dilations", {1, 1}), 1);
}

std::unique_ptr<Node> try_fuse(const Graph& g, Node& pw, std::vector<Node*>& absorbed) {
  if (!is_conv(&pw) || !plain_conv(pw)) return nullptr;
  const Shape& wp = pw.input(1)->shape;
  if (wp[2] != 1 || wp[3] != 1 || pw.attr_int("group", 1) != 1 || !all_equal(pw.attr_ints("strides", {1, 1}), 1) ||
      !all_equal(pw.attr_ints("pads", {0, 0, 0, 0}), 0))
    return nullptr;
  auto fused = std::make_unique<Node>();
  absorbed = {&pw};
  Node* next = sole_consumer(g, pw.outputs[0]);
  if (is_activation(next)) {
    if (!take_activation(*next, *fused, "pw_act")) return nullptr;
    absorbed.push_back(next);
    next = sole_consumer(g, next->outputs[0]);
  }
  if (!is_conv(next) || !plain_conv(*next) || next->input(0) != absorbed.back()->outputs[0]) return nullptr;
  Node& dw = *next;
  const Shape& wd = dw.input(1)->shape;
  if (dw.attr_int("group", 1) != wp[0] || wd[0] != wp[0] || wd[1] != 1 || wd[2] > 16) return nullptr;
  const std::vector<int64_t> strides = dw.attr_ints("strides", {1, 1});
  const std::vector<int64_t> pads = dw.attr_string("auto_pad", "NOTSET") == "VALID" ? std::vector<int64_t>{0, 0, 0, 0}
                                                                                    : dw.attr_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || pads.size() != 4) return nullptr;
  absorbed.push_back(&dw);
  std::vector<Value*> outputs = dw.outputs;
  if (Node* act = sole_consumer(g, dw.outputs[0]); is_activation(act)) {
    if (take_activation(*act, *fused, "dw_act")) {
      absorbed.push_back(act);
      outputs = act->outputs;
    }
  }
  fused->name = pw.name + "+" + dw.name;
  fused->op = "PwDw";
  fused->domain = "onnx2mcu";
  fused->opset = 1;
  fused->inputs = {pw.inputs[0], pw.inputs[1], pw.input(2), dw.inputs[1], dw.input(2)};
  fused->outputs = outputs;
  fused->attrs["dw_strides"].kind = Attr::Kind::Ints;
  fused->attrs["dw_strides"].ints = strides;
  fused->attrs["dw_pads"].kind = Attr::Kind::Ints;
  fused->attrs["dw_pads"].ints = pads;
  fused->attrs["macs"].i = pw.outputs[0]->elems() * wp[1] + dw.outputs[0]->elems() * wd[2] * wd[3];
  return fused;
}

}  // namespace

void fuse_pw_dw(Graph& g, const PassOptions&) {
  bool any = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    std::vector<Node*> absorbed;
    std::unique_ptr<Node> fused = try_fuse(g, *g.nodes[i], absorbed);
    if (fused) any |= fuse_if_arena_shrinks(g, std::move(fused), {absorbed.begin(), absorbed.end()});
  }
  if (any) g.drop_unused_values();
}

}  // namespace onnx2mcu
