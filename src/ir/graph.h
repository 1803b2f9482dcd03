// The graph IR: Values (tensors) connected by Nodes (ops). No protobuf types past the loader.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/io_quant.h"
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

// Edits a pass decides on an intact graph and Graph::apply carries out all at once: no code runs
// while the node list is half rewritten, so no pass can meet a removed or moved-from node, or a
// use half replaced. Recording an edit changes nothing in the graph.
class GraphEdit {
 public:
  void remove(const Node& n) { removed_.insert(&n); }
  // Every use of `from` (node inputs and graph outputs) reads `to` instead. Chains resolve at
  // apply: with a -> b and b -> c recorded, a's uses read c.
  void replace_uses(const Value* from, Value* to) { replaced_[from] = to; }
  // Removes `n`, whose output `out` is the same tensor as `in` (Identity, Dropout in inference):
  // out's uses read `in` instead.
  void bypass(const Node& n, const Value* out, Value* in) {
    remove(n);
    replace_uses(out, in);
  }
  bool removes(const Node& n) const { return removed_.count(&n) != 0; }
  bool empty() const { return removed_.empty() && replaced_.empty(); }

 private:
  friend struct Graph;
  std::set<const Node*> removed_;
  std::map<const Value*, Value*> replaced_;
};

// How a model input or output is carried by the generated code's tensors. A sequence is
// compiled with a static number of elements, an optional as present or absent: its elements are
// `count` graph inputs or outputs in a row (none for an empty sequence or an absent optional).
struct IoForm {
  enum class Kind { Tensor, Sequence, Optional, OptionalSequence } kind = Kind::Tensor;
  bool present = true;  // an optional compiled as holding its element
  // An optional present or not at run time (a run-time If returns it from one branch only): its
  // elements (zeros when absent) are followed by a bool graph output NAME_present saying which.
  bool runtime_present = false;
  // A sequence whose element count is known only at run time: `count` elements (its capacity)
  // are followed by an int64 graph output NAME_count saying how many the run filled.
  bool runtime_count = false;
  size_t count = 1;
  std::vector<std::string> inputs;  // a model input's: the names of the graph inputs carrying it
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
  // Model inputs of sequence or optional type (by name) and the form of every model output, in
  // declaration order: test data files hold them whole, the graph element by element.
  std::map<std::string, IoForm> input_forms;
  std::vector<IoForm> output_forms;
  std::vector<Value*> outputs;
  // --io native: the graph inputs and outputs that carry a quantized tensor instead of the
  // model's float one (its QuantizeLinear / DequantizeLinear dropped), with their parameters.
  std::map<const Value*, IoQuant> io_quant;
  // In a subgraph: placeholders (no producer, not constant) for the enclosing scopes' values it
  // reads by name. normalize-ops makes them explicit: captured[i] is the owner node's input
  // (inputs.size() - captured.size() + i), nullptr where this subgraph reads not that one but a
  // sibling subgraph of the same node does.
  std::vector<Value*> captured;
  bool is_subgraph = false;  // a branch or body: names it does not define come from enclosing graphs

  Value* add_value(const std::string& name);
  // A new constant value named after `hint`, made unique ("hint", "hint_2", ...).
  Value* add_constant(const std::string& hint, Tensor t);
  Value* find_value(const std::string& name) const;
  Node* add_node(std::unique_ptr<Node> n);

  // Consumers of v, in node order.
  std::vector<Node*> consumers(const Value* v) const;
  // Carries out `e`: replaces uses, removes nodes (their outputs no longer name them as
  // producer), then drops values nothing refers to.
  void apply(const GraphEdit& e);
  // Calls decide(const Node&, GraphEdit&) for every node of the unchanged graph, then applies
  // what it recorded.
  template <typename Decide> void edit(Decide decide);
  // Removes the nodes for which pred(const Node&) is true: decided first, removed after.
  template <typename Pred> void remove_nodes_if(Pred pred) {
    edit([&](const Node& n, GraphEdit& e) {
      if (pred(n)) e.remove(n);
    });
  }
  void drop_unused_values();
  // Throws unless nodes are topologically sorted and every input is defined.
  void check_topological() const;

 private:
  std::map<std::string, Value*> by_name_;
};

template <typename Decide>
void Graph::edit(Decide decide) {
  GraphEdit e;
  for (const auto& n : nodes) decide(static_cast<const Node&>(*n), e);
  apply(e);
}

// A deep copy (subgraphs too) whose values and nodes are new objects: for specializing a
// subgraph without touching the one it came from (unrolled copies share their subgraphs).
std::shared_ptr<Graph> clone_graph(const Graph& g);

// Text dump for --dump-ir-after: one line per node with dtypes and shapes.
std::string print_graph(const Graph& g);

}  // namespace onnx2mcu
