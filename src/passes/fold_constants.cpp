// Constant folding runs the same kernel headers the generated code uses (KernelCall::run).
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

bool fold_node(Graph&, Node& n, const PassOptions& opts) {
  const OpDef* def = find_op(n.domain, n.op);
  if (is_runtime_control_flow(n)) return false;  // runs its compiled subgraphs at run time
  for (const Value* in : n.inputs)
    if (in && !in->is_const() && !def->shape_only) return false;
  int64_t out_bytes = 0;
  for (const Value* out : n.outputs)
    if (out) out_bytes += out->bytes();
  if (out_bytes > opts.fold_max_bytes) return false;
  for (Value* out : n.outputs)
    if (out) out->constant = Tensor(out->dtype, out->shape);
  for (const KernelCall& call : def->lower(n)) {
    std::vector<void*> ptrs;
    for (const Value* v : call.inputs)
      ptrs.push_back(v && v->is_const() ? const_cast<uint8_t*>(v->constant->bytes.data()) : nullptr);
    for (const Value* v : call.outputs) ptrs.push_back(v ? const_cast<Value*>(v)->constant->bytes.data() : nullptr);
    std::vector<uint64_t> scratch(static_cast<size_t>((call.scratch_bytes + 7) / 8));
    if (call.takes_scratch) ptrs.push_back(scratch.data());
    call.run(ptrs.data());
  }
  return true;
}

}  // namespace onnx2mcu
