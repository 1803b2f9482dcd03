// If, Loop, Scan: never lowered. infer-shapes-and-fold inlines them (src/passes/inline_control_flow.cpp)
// once the condition / trip count is constant; these rules run only if that did not happen.
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_control_flow(Node& n) {
  n.fail("control flow is inlined when its condition or trip count is constant; this node was not");
}

std::vector<KernelCall> lower_control_flow(const Node& n) {
  n.fail("control flow has no kernel; it is inlined before lowering");
}

}  // namespace

void register_control_flow_ops(OpTable& t) {
  add_op(t, {"If", "", infer_control_flow, lower_control_flow}).notes = "inlined: the condition must fold to a constant (--freeze)";
  add_op(t, {"Loop", "", infer_control_flow, lower_control_flow}).notes =
      "unrolled: a constant trip count up to 1024, and a body condition that folds to true";
  add_op(t, {"Scan", "", infer_control_flow, lower_control_flow}).notes =
      "unrolled over the scanned axis (a static dim; up to 1024 iterations, Scan 8: per batch, full sequence_lens)";
}

}  // namespace onnx2mcu
