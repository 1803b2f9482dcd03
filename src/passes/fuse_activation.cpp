// Conv -> Relu | Clip | LeakyRelu | Sigmoid | HardSigmoid: the activation becomes attributes of
// the Conv (act, act_lo, act_hi, act_alpha, act_beta), applied by o2m::conv2d_fast to each
// accumulator before its store, so the conv output is written once and never re-read. Runs
// after fuse-conv-pool (which takes Conv -> activation -> pool whole) and only where the Conv's
// output has no other reader and the conv takes the fast kernel (conv_takes_activation).
#include "ops/conv_fast.h"
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {

void fuse_activation(Graph& g, const PassOptions&) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& up : g.nodes) {
      Node& conv = *up;
      if (conv.op != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1 || conv.has_attr("act")) continue;
      Node* act = sole_consumer(g, conv.outputs[0]);
      if (!act || act->input(0) != conv.outputs[0] || !is_fusable_activation(*act) || !conv_takes_activation(conv)) continue;
      if (act->outputs[0]->dtype != conv.outputs[0]->dtype || act->outputs[0]->shape != conv.outputs[0]->shape) continue;
      take_activation(*act, conv);
      absorb_next(g, conv, *act);
      changed = true;
      break;
    }
  }
}

}  // namespace onnx2mcu
