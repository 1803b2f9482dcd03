// The graph IR: Values (tensors) connected by Nodes (ops). No protobuf types past the loader.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace onnx2mcu {

struct Node;
struct Graph;

struct Value {
  std::string name;
  DType dtype = DType::Undefined;
  Shape shape;
  std::vector<std::string> dim_names;  // symbolic dim names from the model, "" where fixed
  std::optional<Tensor> constant;      // set for initializers and folded results
  Node* producer = nullptr;
  bool is_graph_input = false;
  bool is_graph_output = false;

  bool is_const() const { return constant.has_value(); }
  int64_t elems() const { return shape_elems(shape); }
  int64_t bytes() const { return shape_bits_bytes(shape, dtype_bits(dtype)); }
};

struct Attr {
  // Graph: a subgraph (If's branches, Loop's body), inlined by infer-shapes-and-fold.
  enum class Kind { Int, Float, String, Ints, Floats, Strings, Tensor, Graph } kind = Kind::Int;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<onnx2mcu::Tensor> t;
  std::shared_ptr<onnx2mcu::Graph> g;
};

struct Node {
  std::string name;
  std::string op;      // op_type
  std::string domain;  // "" for the default domain
  int opset = 0;       // opset version of the node's domain in this model
  std::vector<Value*> inputs;  // nullptr for an omitted optional input
  std::vector<Value*> outputs;
  std::map<std::string, Attr> attrs;

  // Attribute accessors: the default when absent; throw when present with the wrong kind.
  int64_t attr_int(const std::string& key, int64_t def) const;
  float attr_float(const std::string& key, float def) const;
  std::string attr_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> def = {}) const;
  std::vector<float> attr_floats(const std::string& key, std::vector<float> def = {}) const;
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }

  // Input i if present (not omitted), else nullptr.
  Value* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  [[noreturn]] void fail(const std::string& what) const;
};

struct Graph {
  std::string model_path;  // for error messages
  std::vector<std::unique_ptr<Value>> values;
  std::vector<std::unique_ptr<Node>> nodes;  // kept in topological order
  std::vector<Value*> inputs;   // graph inputs that are not initializers
  // Names of the model's runtime inputs in declaration order, including those frozen into
  // constants (--freeze): test data files input_I.pb follow this order, not `inputs`'.
  std::vector<std::string> model_inputs;
  // The values of the inputs frozen into constants (by name): kept here because folding and
  // dead-code removal may drop their Values.
  std::map<std::string, Tensor> frozen_inputs;
  std::vector<Value*> outputs;
  // In a subgraph: placeholders (no producer, not constant) for the enclosing scope's values
  // it reads by name. Inlining resolves them by name in the parent graph.
  std::vector<Value*> captured;

  Value* add_value(const std::string& name);
  // A new constant value named after `hint`, made unique ("hint", "hint_2", ...).
  Value* add_constant(const std::string& hint, Tensor t);
  Value* find_value(const std::string& name) const;
  Node* add_node(std::unique_ptr<Node> n);

  // Consumers of v, in node order.
  std::vector<Node*> consumers(const Value* v) const;
  // Removes nodes for which pred is true, then drops values nothing refers to.
  template <typename Pred> void remove_nodes_if(Pred pred);
  void drop_unused_values();
  // Replaces every use of `from` (node inputs and graph outputs) with `to`.
  void replace_uses(Value* from, Value* to);
  // Throws unless nodes are topologically sorted and every input is defined.
  void check_topological() const;

 private:
  std::map<std::string, Value*> by_name_;
};

template <typename Pred>
void Graph::remove_nodes_if(Pred pred) {
  std::vector<std::unique_ptr<Node>> kept;
  for (auto& n : nodes)
    if (!pred(*n)) kept.push_back(std::move(n));
  nodes = std::move(kept);
  drop_unused_values();
}

// Text dump for --dump-ir-after: one line per node with dtypes and shapes.
std::string print_graph(const Graph& g);

}  // namespace onnx2mcu
