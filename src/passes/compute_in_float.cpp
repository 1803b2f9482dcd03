// float16 and bfloat16 are stored as such (inputs, outputs, weights, arena) but computed in
// float32: an op without a kernel for them reads float32 copies of its float16 inputs (Cast
// nodes inserted before it) and its float32 results are rounded back, to nearest even, by
// Cast nodes after it. Ops that only move or convert elements take the types as they are.
// Constant inputs fold, so their float32 copies land in flash; see docs/architecture.md.
#include <set>

#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// Ops whose kernels move elements of any byte-addressable dtype (visit_dtype) or convert them.
bool moves_any_dtype(const Node& n) {
  static const std::set<std::string> ops = {
      "Cast", "CastLike", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Transpose",
      "Concat", "Pad", "Slice", "Split", "Tile", "Expand", "DepthToSpace", "SpaceToDepth", "Trilu", "Gather",
      "GatherElements", "GatherND", "Scatter", "ScatterElements", "ScatterND", "Compress", "ReverseSequence",
      "Shape", "Size", "EyeLike", "ConstantOfShape", "OneHot", "NonZero"};
  return n.domain.empty() && ops.count(n.op);
}

bool computed_in_float(DType t) { return t == DType::F16 || t == DType::BF16; }

Value* fresh_value(Graph& g, const std::string& hint) {
  std::string name = hint;
  for (int k = 2; g.find_value(name); ++k) name = hint + "_" + std::to_string(k);
  return g.add_value(name);
}

std::unique_ptr<Node> cast_node(const std::string& name, Value* in, Value* out, int onnx_to) {
  auto c = std::make_unique<Node>();
  c->name = name;
  c->op = "Cast";
  c->opset = 21;
  c->inputs = {in};
  c->outputs = {out};
  Attr to;
  to.kind = Attr::Kind::Int;
  to.i = onnx_to;
  c->attrs["to"] = to;
  return c;
}

int onnx_number(DType t) { return t == DType::F16 ? 10 : t == DType::BF16 ? 16 : 1; }

}  // namespace

DType widen_float_inputs(Graph& g, size_t i) {
  Node& n = *g.nodes[i];
  if (moves_any_dtype(n)) return DType::Undefined;
  DType storage = DType::Undefined;
  std::vector<std::unique_ptr<Node>> casts;
  for (Value*& in : n.inputs) {
    if (!in || !computed_in_float(in->dtype)) continue;
    if (storage == DType::Undefined) storage = in->dtype;
    Value* wide = fresh_value(g, in->name + "_f32");
    casts.push_back(cast_node(n.name + "/widen_" + in->name, in, wide, onnx_number(DType::F32)));
    wide->producer = casts.back().get();  // what traces a value to graph inputs (--freeze advice) sees through the Cast
    for (Value*& other : n.inputs)  // the same tensor read twice: one copy
      if (other == in && &other != &in) other = wide;
    in = wide;
  }
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(i), std::make_move_iterator(casts.begin()),
                 std::make_move_iterator(casts.end()));
  return storage;
}

size_t narrow_float_outputs(Graph& g, size_t i, DType storage) {
  Node& n = *g.nodes[i];
  std::vector<std::unique_ptr<Node>> casts;
  for (Value*& out : n.outputs) {
    if (!out || out->dtype != DType::F32) continue;
    Value* wide = fresh_value(g, out->name + "_f32");
    wide->dtype = out->dtype;
    wide->shape = out->shape;
    casts.push_back(cast_node(n.name + "/narrow_" + out->name, wide, out, onnx_number(storage)));
    wide->producer = &n;
    out->producer = casts.back().get();
    out->dtype = DType::Undefined;  // the Cast's shape rule sets it
    out = wide;
  }
  const size_t count = casts.size();
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::make_move_iterator(casts.begin()),
                 std::make_move_iterator(casts.end()));
  return count;
}

}  // namespace onnx2mcu
