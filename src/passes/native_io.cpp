// native-io (--io native, issue 17): the generated API of a quantized model takes and returns
// the quantized tensors. Runs after lower-qdq, on what it left:
// - a graph input read by a per-tensor QuantizeLinear, directly or through ops that only move
//   its elements (Reshape, Transpose, ...), becomes that QuantizeLinear's integer type (the
//   moves with it) and the QuantizeLinear goes;
// - a graph output written by a per-tensor DequantizeLinear is written, as the integer tensor,
//   by the DequantizeLinear's producer, and the DequantizeLinear goes.
// Graph::io_quant records their scale and zero point for the header. Other inputs and outputs
// keep their float type; a model with none of either is an error (nothing would change).
#include <cmath>

#include "onnx2mcu/error.h"
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

// A QuantizeLinear or DequantizeLinear of the default domain with one constant, positive,
// finite scale and a constant zero point (or none), whose integer side is a native I/O type.
bool per_tensor(const Node& n, const char* op, IoQuant& q) {
  if (!n.domain.empty() || n.op != op || n.attr_int("block_size", 0) > 0) return false;
  const Value* x = n.input(0);
  const Value* s = n.input(1);
  const Value* z = n.input(2);
  const Value* integer = n.op == "QuantizeLinear" ? n.outputs[0] : x;
  if (!x || !integer || !is_native_io_type(integer->dtype)) return false;
  if (!s || !s->is_const() || s->dtype != DType::F32 || s->elems() != 1) return false;
  if (z && (!z->is_const() || z->elems() != 1 || z->dtype != integer->dtype)) return false;
  q.scale = s->constant->data<float>()[0];
  q.zero_point = z ? static_cast<int32_t>(z->constant->int_at(0)) : 0;
  return std::isfinite(q.scale) && q.scale > 0;
}

void native_input(Graph& g, Value* x) {
  std::vector<Value*> moved;  // the outputs of the moves between x and the QuantizeLinear
  Value* v = x;
  while (Node* c = sole_consumer(g, v)) {
    if (c->inputs.empty() || c->inputs[0] != v || c->outputs.size() != 1 || !c->outputs[0]) return;
    if (only_moves_elements(*c)) {
      moved.push_back(v = c->outputs[0]);
      continue;
    }
    IoQuant q;
    if (!per_tensor(*c, "QuantizeLinear", q) || c->outputs[0]->is_graph_output) return;
    x->dtype = c->outputs[0]->dtype;
    for (Value* m : moved) m->dtype = x->dtype;
    GraphEdit e;
    e.bypass(*c, c->outputs[0], v);
    g.apply(e);
    g.io_quant[x] = q;
    return;
  }
}

void native_output(Graph& g, Value* y) {
  Node* dq = y->producer;
  IoQuant q;
  if (!dq || !per_tensor(*dq, "DequantizeLinear", q) || !g.consumers(y).empty()) return;
  Value* integer = dq->inputs[0];
  Node* p = integer->producer;
  if (!p || p->outputs.size() != 1 || sole_consumer(g, integer) != dq) return;
  const DType type = integer->dtype;
  absorb_next(g, *p, *dq);  // p now writes y; `integer` is gone
  y->dtype = type;
  g.io_quant[y] = q;
}

}  // namespace

void native_io(Graph& g, const PassOptions& opts) {
  if (!opts.native_io || g.is_subgraph) return;
  const std::vector<Value*> inputs = g.inputs, outputs = g.outputs;  // the edits below leave both lists as they are
  for (Value* x : inputs) native_input(g, x);
  for (Value* y : outputs)
    if (!g.io_quant.count(y)) native_output(g, y);
  if (g.io_quant.empty())
    throw Error("--io native: no input is quantized by a per-tensor QuantizeLinear (8 or 16 bits) and no output comes from a "
                "DequantizeLinear; the model's interface stays float (drop --io native)");
}

}  // namespace onnx2mcu
