#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void check_supported_ops(Graph& g, const PassOptions&) {
  for (const auto& n : g.nodes)
    if (!find_op(n->domain, n->op))
      n->fail("unsupported op" + (n->domain.empty() ? std::string() : " in domain '" + n->domain + "'") +
              " (see docs/ops.md for the supported list)");
}

}  // namespace onnx2mcu
