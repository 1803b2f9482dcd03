// A zero constant Pad on the spatial dims only, in front of a Conv (or an AveragePool that
// counts padding), becomes the consumer's own pads: no padded copy of the input in RAM.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

// Spatial pads [begin..., end...] of a foldable Pad, or empty.
std::vector<int64_t> spatial_pads(const Node& pad) {
  const Value* x = pad.input(0);
  if (!x || x->shape.size() < 3) return {};
  std::vector<int64_t> pads;
  float value = 0.0f;
  if (pad.attr_string("mode", "constant") != "constant") return {};
  if (pad.opset < 11) {
    pads = pad.attr_ints("pads");
    value = pad.attr_float("value", 0.0f);
  } else {
    if (!pad.input(1) || !pad.input(1)->is_const() || pad.input(3)) return {};
    pads = pad.input(1)->constant->to_ints();
    if (pad.input(2)) {
      if (!pad.input(2)->is_const()) return {};
      value = static_cast<float>(pad.input(2)->constant->float_at(0));
    }
  }
  const size_t rank = x->shape.size();
  if (value != 0.0f || pads.size() != 2 * rank) return {};
  if (pads[0] || pads[1] || pads[rank] || pads[rank + 1]) return {};  // batch and channel untouched
  for (int64_t p : pads)
    if (p < 0) return {};
  std::vector<int64_t> out;
  for (size_t d = 2; d < rank; ++d) out.push_back(pads[d]);
  for (size_t d = 2; d < rank; ++d) out.push_back(pads[rank + d]);
  return out;
}

}  // namespace

void fold_pad(Graph& g, const PassOptions&) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& np : g.nodes) {
      Node& pad = *np;
      if (pad.op != "Pad" || !pad.domain.empty()) continue;
      Node* user = sole_consumer(g, pad.outputs[0]);
      if (!user || user->input(0) != pad.outputs[0]) continue;
      const bool avg = user->op == "AveragePool" && user->attr_int("count_include_pad", 0) == 1;
      if (!(user->op == "Conv" || avg) || user->attr_string("auto_pad", "NOTSET") != "NOTSET") continue;
      std::vector<int64_t> extra = spatial_pads(pad);
      if (extra.empty()) continue;
      std::vector<int64_t> pads = user->attr_ints("pads", std::vector<int64_t>(extra.size(), 0));
      if (pads.size() != extra.size()) continue;
      for (size_t i = 0; i < pads.size(); ++i) pads[i] += extra[i];
      user->attrs["pads"].kind = Attr::Kind::Ints;
      user->attrs["pads"].ints = pads;
      GraphEdit e;
      e.bypass(pad, pad.outputs[0], pad.inputs[0]);  // the user, its only reader, now reads the unpadded input
      g.apply(e);
      changed = true;
      break;
    }
  }
}

}  // namespace onnx2mcu
