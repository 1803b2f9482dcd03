// The one list of passes, in order.
#include "onnx2mcu/error.h"
#include "passes/passes.h"

namespace onnx2mcu {

const std::vector<Pass>& pipeline() {
  static const std::vector<Pass> passes = {
      {"check-ops", check_supported_ops},
      {"remove-identities", remove_identities},
      {"infer-shapes-and-fold", infer_shapes_and_fold},
      {"remove-dead-code", remove_dead_code},
  };
  return passes;
}

void run_pipeline(Graph& g, const PassOptions& opts) {
  for (const Pass& p : pipeline()) p.run(g, opts);
  g.check_topological();
}

}  // namespace onnx2mcu
