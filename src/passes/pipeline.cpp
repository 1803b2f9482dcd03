// The one list of passes, in order.
#include <algorithm>

#include "onnx2mcu/error.h"
#include "passes/passes.h"

namespace onnx2mcu {

const std::vector<Pass>& pipeline() {
  static const std::vector<Pass> passes = {
      {"check-ops", check_supported_ops},
      {"normalize-ops", normalize_ops},
      {"remove-identities", remove_identities},
      {"infer-shapes-and-fold", infer_shapes_and_fold},
      {"lower-qdq", lower_qdq},
      {"native-io", native_io},
      {"fold-batchnorm", fold_batchnorm, true},
      {"fold-bias-add", fold_bias_add, true},
      {"cancel-transposes", cancel_transposes, true},
      {"fold-pad", fold_pad, true},
      {"fuse-conv-pool", fuse_conv_pool, true},
      {"fuse-pw-dw", fuse_pw_dw, true},
      {"fuse-activation", fuse_activation, true},
      {"select-compact-kernels", select_compact_kernels},
      {"pack-conv-weights", pack_conv_weights},
      {"remove-dead-code", remove_dead_code},
      {"order-for-memory", order_for_memory, true},
  };
  return passes;
}

void run_pipeline(Graph& g, const PassOptions& opts) {
  for (const std::string& name : opts.disabled) {
    auto it = std::find_if(pipeline().begin(), pipeline().end(), [&](const Pass& p) { return p.name == name; });
    if (it == pipeline().end()) throw Error("--disable-pass: no pass is called '" + name + "'");
    if (!it->optional) throw Error("--disable-pass: '" + name + "' is required and cannot be switched off");
  }
  bool dumped = opts.dump_after.empty();
  for (const Pass& p : pipeline()) {
    if (!opts.disabled.count(p.name)) p.run(g, opts);
    g.check_topological();
    if (p.name == opts.dump_after && opts.dump) {
      *opts.dump += "# IR after " + p.name + "\n" + print_graph(g);
      dumped = true;
    }
  }
  if (!dumped) throw Error("--dump-ir-after: no pass is called '" + opts.dump_after + "'");
}

}  // namespace onnx2mcu
