#include "loader/validate.h"

#include <cstdint>
#include <set>

#include "loader/new_fields.h"
#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

constexpr int64_t kMinIr = 3;
constexpr int64_t kMaxIr = 13;  // ONNX 1.22
constexpr int kMaxOpset = 27;   // ONNX 1.22's default domain
constexpr int kMaxMlOpset = 5;  // ONNX 1.22's ai.onnx.ml
constexpr int kMaxDataType = 26;  // TensorProto.DataType INT2, the last ONNX 1.22 defines

using Nodes = google::protobuf::RepeatedPtrField<onnx::NodeProto>;

// The value names visible at one point: this graph's so far, then its enclosing graphs'.
struct Scope {
  const Scope* parent = nullptr;
  std::map<std::string, std::string> names;  // name -> what defines it ("a graph input", ...)

  const std::string* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->names.find(name);
      if (it != s->names.end()) return &it->second;
    }
    return nullptr;
  }
};

void check_elem_type(const onnx::TypeProto& t, const std::string& name) {
  int elem = 0;
  if (t.has_tensor_type()) elem = t.tensor_type().elem_type();
  else if (t.has_sparse_tensor_type()) elem = t.sparse_tensor_type().elem_type();
  else if (t.has_sequence_type()) return check_elem_type(t.sequence_type().elem_type(), name);
  else if (t.has_optional_type()) return check_elem_type(t.optional_type().elem_type(), name);
  if (elem < 0 || elem > kMaxDataType)
    throw Error("tensor '" + name + "' has element type " + std::to_string(elem) + ", which ONNX does not define");
}

// How many of an attribute's value fields are set, and whether the one its type names is.
int value_fields_set(const onnx::AttributeProto& a) {
  return a.has_f() + a.has_i() + a.has_s() + a.has_t() + a.has_g() + a.has_sparse_tensor() + a.has_tp() +
         (a.floats_size() > 0) + (a.ints_size() > 0) + (a.strings_size() > 0) + (a.tensors_size() > 0) +
         (a.graphs_size() > 0) + (a.sparse_tensors_size() > 0) + (a.type_protos_size() > 0);
}
// -1: the type is not one ONNX defines; 0/1: whether its field is set.
int type_field_set(const onnx::AttributeProto& a) {
  using A = onnx::AttributeProto;
  switch (a.type()) {
    case A::FLOAT: return a.has_f();
    case A::INT: return a.has_i();
    case A::STRING: return a.has_s();
    case A::TENSOR: return a.has_t();
    case A::GRAPH: return a.has_g();
    case A::SPARSE_TENSOR: return a.has_sparse_tensor();
    case A::TYPE_PROTO: return a.has_tp();
    case A::FLOATS: return a.floats_size() > 0;
    case A::INTS: return a.ints_size() > 0;
    case A::STRINGS: return a.strings_size() > 0;
    case A::TENSORS: return a.tensors_size() > 0;
    case A::GRAPHS: return a.graphs_size() > 0;
    case A::SPARSE_TENSORS: return a.sparse_tensors_size() > 0;
    case A::TYPE_PROTOS: return a.type_protos_size() > 0;
    default: return -1;
  }
}
// A scalar's field may be left out (it then holds 0 or ""), a list may be empty; a graph,
// tensor or type must be there.
bool value_required(const onnx::AttributeProto& a) {
  using A = onnx::AttributeProto;
  return a.type() == A::TENSOR || a.type() == A::GRAPH || a.type() == A::SPARSE_TENSOR || a.type() == A::TYPE_PROTO;
}

// Checks the nodes of one graph or function body in order, and the subgraphs they hold.
class Checker {
 public:
  // params: the attribute parameters of the function being checked, nullptr outside functions.
  Checker(const Opsets& opsets, const std::set<std::string>* params) : opsets_(opsets), params_(params) {}

  void graph(const onnx::GraphProto& g, const Scope* outer) {
    Scope scope;
    scope.parent = outer;
    // A subgraph's own inputs and initializers are its own values, even where an enclosing
    // graph has the same name (IR.md forbids that, but the loader resolves it unambiguously).
    auto declare = [&](const std::string& name, const std::string& kind, const std::string& as) {
      if (name.empty()) throw Error("a" + std::string(outer ? " subgraph " : " ") + kind + " has no name");
      auto it = scope.names.find(name);
      if (it != scope.names.end() && !(kind == "graph input" && it->second == "an initializer"))
        throw Error(kind + " '" + name + "' is defined twice (also " + it->second + ")");
      scope.names.emplace(name, as);
    };
    for (const auto& t : g.initializer()) declare(t.name(), "initializer", "an initializer");
    for (const auto& st : g.sparse_initializer()) declare(st.values().name(), "initializer", "an initializer");
    for (const auto& in : g.input()) {
      declare(in.name(), "graph input", "a graph input");
      if (!outer && !in.has_type()) throw Error("graph input '" + in.name() + "' declares no 'type'");
      check_elem_type(in.type(), in.name());
    }
    nodes(g.node(), scope);
    for (const auto& out : g.output()) {
      if (out.name().empty()) throw Error("a graph output has no name");
      if (!scope.find(out.name())) throw Error("graph output '" + out.name() + "' is never produced");
      check_elem_type(out.type(), out.name());
    }
    for (const auto& vi : g.value_info()) check_elem_type(vi.type(), vi.name());
  }

  // Nodes in order: every input defined by then, every output new.
  void nodes(const Nodes& nodes, Scope& scope) {
    std::map<std::string, std::string> produced_by;  // for the message about a later producer
    for (int i = 0; i < nodes.size(); ++i)
      for (const auto& out : nodes.Get(i).output()) produced_by.emplace(out, node_label(nodes.Get(i), i));
    for (int i = 0; i < nodes.size(); ++i) node(nodes.Get(i), node_label(nodes.Get(i), i), produced_by, scope);
  }

 private:
  void node(const onnx::NodeProto& n, const std::string& label, const std::map<std::string, std::string>& produced_by,
            Scope& scope) {
    const std::string& op = n.op_type();
    auto fail = [&](const std::string& what) { fail_node(label, op.empty() ? "no op_type" : op, what); };
    if (op.empty()) fail("the node has no op_type");
    const std::string domain = canonical_domain(n.domain());
    if (!opsets_.count(domain)) fail("domain '" + domain + "' is not imported by the model");
    std::set<std::string> attr_names;
    for (const auto& a : n.attribute()) {
      if (a.name().empty()) fail("an attribute has no name");
      if (!attr_names.insert(a.name()).second) fail("attribute '" + a.name() + "' is given twice");
      try {
        attribute(a, scope);
      } catch (const Error& e) {
        fail(e.what());
      }
    }
    for (const auto& in : n.input()) {
      if (in.empty() || scope.find(in)) continue;
      auto later = produced_by.find(in);
      if (later != produced_by.end())
        fail("input '" + in + "' is the output of node '" + later->second +
             "', which comes later: the nodes are not in topological order");
      fail("input '" + in + "' is not defined before use");
    }
    for (const auto& out : n.output()) {
      if (out.empty()) continue;
      if (const std::string* prev = scope.find(out))
        fail("output '" + out + "' is already defined (" + *prev + ")" +
             (scope.names.count(out) ? "" : " in an enclosing graph") + ": every value is assigned once");
      scope.names.emplace(out, "the output of node '" + label + "'");
    }
  }

  void attribute(const onnx::AttributeProto& a, const Scope& scope) {
    const std::string what = "attribute '" + a.name() + "'";
    if (!a.ref_attr_name().empty()) {  // a reference to an attribute of the enclosing function
      if (!params_) throw Error(what + " refers to a function attribute ('" + a.ref_attr_name() + "') outside a function");
      if (!params_->count(a.ref_attr_name()))
        throw Error(what + " refers to '" + a.ref_attr_name() + "', which is not an attribute of the function");
      return;
    }
    const int set = type_field_set(a);
    if (set < 0) throw Error(what + " has no type, or one ONNX does not define");
    const int fields = value_fields_set(a);
    if (fields > set || (set == 0 && value_required(a)))
      throw Error(what + " is declared " + onnx::AttributeProto::AttributeType_Name(a.type()) +
                  " but holds " + (fields > set ? "another kind of value" : "no value"));
    if (a.has_g()) graph(a.g(), &scope);
    for (const auto& g : a.graphs()) graph(g, &scope);
  }

  const Opsets& opsets_;
  const std::set<std::string>* params_;
};

// A model-local function: its opsets, attribute parameters and body, checked like a graph whose
// inputs are the function's.
void check_function(const onnx::FunctionProto& f, const Opsets& model_opsets) {
  Opsets opsets = read_opsets(f.opset_import());
  opsets.insert(model_opsets.begin(), model_opsets.end());  // the function's own imports win
  std::set<std::string> params(f.attribute().begin(), f.attribute().end());
  for (const auto& a : function_default_attributes(f))
    if (!params.insert(a.name()).second)
      throw Error("attribute '" + a.name() + "' is listed both with and without a default value");
  Scope scope;
  for (const auto& in : f.input()) {
    if (in.empty()) throw Error("an input has no name");
    if (!scope.names.emplace(in, "a function input").second) throw Error("input '" + in + "' is listed twice");
  }
  Checker(opsets, &params).nodes(f.node(), scope);
  for (const auto& out : f.output())
    if (out.empty() || !scope.find(out)) throw Error("output '" + out + "' is never produced");
}

}  // namespace

std::string canonical_domain(const std::string& domain) { return domain == "ai.onnx" ? "" : domain; }

std::string node_label(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? "#" + std::to_string(index) : n.name();
}

Opsets read_opsets(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports) {
  Opsets opsets;
  for (const auto& o : imports) {
    const std::string domain = canonical_domain(o.domain());
    const int64_t v = o.version();
    if (!opsets.emplace(domain, static_cast<int>(v)).second)
      throw Error("opset_import lists domain '" + domain + "' twice");
    if (domain.empty() && (v < 1 || v > kMaxOpset))
      throw Error("opset " + std::to_string(v) + " is not supported (onnx2mcu handles 1 to " + std::to_string(kMaxOpset) + ")");
    if (domain == "ai.onnx.ml" && (v < 1 || v > kMaxMlOpset))
      throw Error("ai.onnx.ml opset " + std::to_string(v) + " is not supported (onnx2mcu handles 1 to " +
                  std::to_string(kMaxMlOpset) + ")");
    if (v < 1 || v > INT32_MAX)
      throw Error("domain '" + domain + "' is imported at version " + std::to_string(v) + "; versions start at 1");
  }
  return opsets;
}

void validate_model(const onnx::ModelProto& m) {
  if (!m.has_ir_version())
    throw Error("not a valid ONNX model: it has no IR version (an empty file, or another kind of protobuf)");
  if (m.ir_version() < kMinIr || m.ir_version() > kMaxIr)
    throw Error("IR version " + std::to_string(m.ir_version()) + " is not supported (onnx2mcu reads " +
                std::to_string(kMinIr) + " to " + std::to_string(kMaxIr) + ")");
  const Opsets opsets = read_opsets(m.opset_import());
  if (opsets.empty()) throw Error("the model imports no opset");
  std::set<std::string> functions;
  for (const auto& f : m.functions()) {
    const std::string id = canonical_domain(f.domain()) + ":" + f.name() + ":" + function_overload(f);
    try {
      if (f.name().empty()) throw Error("it has no name");
      if (!functions.insert(id).second) throw Error("a function of this domain, name and overload is defined twice");
      check_function(f, opsets);
    } catch (const Error& e) {
      throw Error("function '" + f.name() + "' (domain '" + f.domain() + "'): " + e.what());
    }
  }
  if (!m.has_graph()) throw Error("the model has no graph");
  Checker(opsets, nullptr).graph(m.graph(), nullptr);
}

}  // namespace onnx2mcu
