#include "loader/loader.h"

#include <onnx/onnx-data_pb.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "loader/functions.h"
#include "loader/tensor_proto.h"
#include "loader/validate.h"
#include "onnx2mcu/error.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {

std::string read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) throw Error("cannot open: no such file");
  if (st.type() == fs::file_type::directory) throw Error("cannot open: is a directory, not a model file");
  if (!fs::is_regular_file(st)) throw Error("cannot open: not a regular file");
  const auto size = fs::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxModelFileBytes))
    throw Error("the file has " + std::to_string(size) + " bytes; an ONNX protobuf holds at most 2 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The folder external data is confined to ("" = the working folder, for a bare file name).
std::string model_dir_of(const std::string& path) { return fs::path(path).parent_path().string(); }

// Every tensor the model holds, wherever it sits (initializers, attributes, subgraphs, functions).
void for_each_tensor(const onnx::GraphProto& g, const std::function<void(const onnx::TensorProto&)>& f);
void for_each_tensor(const onnx::NodeProto& n, const std::function<void(const onnx::TensorProto&)>& f) {
  for (const auto& a : n.attribute()) {
    if (a.has_t()) f(a.t());
    for (const auto& t : a.tensors()) f(t);
    if (a.has_sparse_tensor()) f(a.sparse_tensor().values()), f(a.sparse_tensor().indices());
    for (const auto& st : a.sparse_tensors()) f(st.values()), f(st.indices());
    if (a.has_g()) for_each_tensor(a.g(), f);
    for (const auto& g : a.graphs()) for_each_tensor(g, f);
  }
}
void for_each_tensor(const onnx::GraphProto& g, const std::function<void(const onnx::TensorProto&)>& f) {
  for (const auto& t : g.initializer()) f(t);
  for (const auto& st : g.sparse_initializer()) f(st.values()), f(st.indices());
  for (const auto& n : g.node()) for_each_tensor(n, f);
}

// Cheap checks before anything else looks at the model: the node count (validation and
// conversion grow with it), and every external-data path, which must stay in the model's folder.
void precheck(const onnx::ModelProto& model, const std::string& path, const Limits& limits) {
  if (model.graph().node_size() > limits.max_nodes)
    throw Error("the graph has " + std::to_string(model.graph().node_size()) + " nodes, more than the limit of " +
                std::to_string(limits.max_nodes) + " (--max-nodes)");
  const std::string dir = model_dir_of(path);
  auto check = [&](const onnx::TensorProto& t) { check_external_data(t, dir); };
  for_each_tensor(model.graph(), check);
  for (const auto& fn : model.functions())
    for (const auto& n : fn.node()) for_each_tensor(n, check);
}

// Parses and validates (validate.h: the loader's own rules, for every IR version and opset).
onnx::ModelProto parse_model_bytes(const std::string& bytes, const std::string& path, const Limits& limits) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    throw Error("not a valid ONNX model: the protobuf is corrupt or truncated");
  precheck(model, path, limits);
  validate_model(model);
  return model;
}

onnx::ModelProto parse_model(const std::string& path) { return parse_model_bytes(read_file(path), path, Limits{}); }

// What converting a model's graphs needs besides the opsets in force (a function's differ).
struct Context {
  std::string model_dir;
  int64_t max_bytes;
  const ModelFunctions* functions;
  UniqueNames* names;  // for the values of inlined functions
};

std::shared_ptr<Graph> convert_subgraph(const onnx::GraphProto& gp, const Opsets& opsets, const Context& ctx, int depth);

// depth: how many function calls enclose the attribute's node.
Attr convert_attr(const onnx::AttributeProto& a, const Opsets& opsets, const Context& ctx, int depth) {
  Attr out;
  switch (a.type()) {
    case onnx::AttributeProto::INT: out.kind = Attr::Kind::Int; out.i = a.i(); break;
    case onnx::AttributeProto::FLOAT: out.kind = Attr::Kind::Float; out.f = a.f(); break;
    case onnx::AttributeProto::STRING: out.kind = Attr::Kind::String; out.s = a.s(); break;
    case onnx::AttributeProto::INTS:
      out.kind = Attr::Kind::Ints;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      out.kind = Attr::Kind::Floats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::STRINGS:
      out.kind = Attr::Kind::Strings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case onnx::AttributeProto::TENSOR:
      out.kind = Attr::Kind::Tensor;
      out.t = std::make_shared<Tensor>(tensor_from_proto(a.t(), ctx.model_dir, ctx.max_bytes));
      break;
    case onnx::AttributeProto::GRAPH:
      out.kind = Attr::Kind::Graph;
      out.g = convert_subgraph(a.g(), opsets, ctx, depth);
      break;
    case onnx::AttributeProto::TYPE_PROTO:  // Optional's element type: a compile-time optional needs none
      out.kind = Attr::Kind::String;
      out.s = a.tp().SerializeAsString();
      break;
    default:
      throw Error("attribute '" + a.name() + "' has a type onnx2mcu does not support (graphs, sparse tensor or type)");
  }
  return out;
}

// What a graph input or output of type t is: a tensor, or a sequence or optional of tensors.
IoForm::Kind io_kind(const onnx::TypeProto& t, const std::string& name) {
  auto is_sequence = [](const onnx::TypeProto& e) { return e.has_sequence_type() && e.sequence_type().elem_type().has_tensor_type(); };
  if (t.has_tensor_type()) return IoForm::Kind::Tensor;
  if (is_sequence(t)) return IoForm::Kind::Sequence;
  if (t.has_optional_type() && t.optional_type().elem_type().has_tensor_type()) return IoForm::Kind::Optional;
  if (t.has_optional_type() && is_sequence(t.optional_type().elem_type())) return IoForm::Kind::OptionalSequence;
  throw Error("graph input/output '" + name +
              "' is neither a tensor nor a sequence or optional of tensors (maps, sparse tensors and nested sequences are not supported)");
}

// The tensor type of a tensor, or of the elements of a sequence or optional.
const onnx::TypeProto::Tensor& element_tensor_type(const onnx::TypeProto& t) {
  const onnx::TypeProto& inner = t.has_optional_type() ? t.optional_type().elem_type() : t;
  return inner.has_sequence_type() ? inner.sequence_type().elem_type().tensor_type() : inner.tensor_type();
}

void read_tensor_type(Value* v, const onnx::ValueInfoProto& info) {
  const auto& tt = element_tensor_type(info.type());
  v->dtype = dtype_from_onnx(tt.elem_type());
  if (v->dtype == DType::Undefined)
    throw Error("tensor '" + info.name() + "' has element type " + std::to_string(tt.elem_type()) +
                ", which onnx2mcu does not support");
  if (!tt.has_shape()) return;
  if (tt.shape().dim_size() > kMaxRank)
    throw Error("tensor '" + info.name() + "' has rank " + std::to_string(tt.shape().dim_size()) + "; onnx2mcu handles up to " +
                std::to_string(kMaxRank));
  v->shape.clear();
  v->dim_names.clear();
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0)
      throw Error("tensor '" + info.name() + "' has a negative dim " + std::to_string(d.dim_value()));
    v->shape.push_back(d.has_dim_value() ? d.dim_value() : kUnknownDim);
    v->dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
  }
}

// Makes graph input v the constant t (--freeze): t must fit the type the model declares.
void freeze_input(Value& v, const Tensor& t, int64_t max_bytes) {
  auto fail = [&](const std::string& why) { throw Error("--freeze " + v.name + ": " + why); };
  if (t.dtype != v.dtype)
    fail(std::string("the value is ") + dtype_name(t.dtype) + ", the input is declared " + dtype_name(v.dtype));
  if (!v.shape.empty()) {  // declared rank 0 and no declared shape look alike: both accept any shape
    bool fits = v.shape.size() == t.shape.size();
    for (size_t i = 0; fits && i < v.shape.size(); ++i) fits = v.shape[i] < 0 || v.shape[i] == t.shape[i];
    if (!fits) fail("the value has shape " + shape_str(t.shape) + ", the input is declared " + shape_str(v.shape));
  }
  if (static_cast<int64_t>(t.bytes.size()) > max_bytes)
    fail("the value holds " + std::to_string(t.bytes.size()) + " bytes, more than the limit of " + std::to_string(max_bytes) +
         " (--max-tensor-bytes)");
  v.constant = t;
  v.shape = t.shape;
  v.dim_names.clear();
}

// A sequence- or optional-typed model input: its elements become graph inputs NAME_0, NAME_1, ...
// (their shapes from --sequence, or the declared one), and nodes at the top of the graph build
// the sequence or optional from them, for infer-shapes-and-fold to compile element by element.
void add_composite_input(Graph& g, const onnx::ValueInfoProto& in, IoForm::Kind kind, const LoadOptions& opts, int opset) {
  const std::string& name = in.name();
  const bool optional = kind == IoForm::Kind::Optional || kind == IoForm::Kind::OptionalSequence;
  const bool sequence = kind == IoForm::Kind::Sequence || kind == IoForm::Kind::OptionalSequence;
  if (opts.frozen_inputs.count(name)) throw Error("--freeze " + name + ": the input is a sequence or optional; only tensors can be frozen");
  IoForm form;
  form.kind = kind;
  form.present = !opts.absent_optionals.count(name);
  if (!optional && !form.present) throw Error("--optional " + name + "=none: the input is not optional");
  std::vector<Shape> shapes;
  auto spec = opts.sequence_inputs.find(name);
  if (!sequence && spec != opts.sequence_inputs.end()) throw Error("--sequence names '" + name + "', which is not a sequence");
  if (sequence && form.present) {
    if (spec == opts.sequence_inputs.end())
      throw Error("input '" + name + "' is a sequence; give the shape of each of its elements: --sequence " + name +
                  "=2x3,2x3 (as many shapes as elements; --sequence " + name + "= for none)");
    shapes = spec->second;
  } else if (form.present) {
    shapes.resize(1);  // the declared shape
  }
  auto add_node = [&](const std::string& op, std::vector<Value*> inputs, Value* out) {
    auto n = std::make_unique<Node>();
    n->name = out->name + "/" + op;
    n->op = op;
    n->opset = opset;
    n->inputs = std::move(inputs);
    n->outputs = {out};
    g.add_node(std::move(n));
  };
  std::vector<Value*> elems;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::string ename = name + "_" + std::to_string(i);
    for (int k = 2; g.find_value(ename); ++k) ename = name + "_" + std::to_string(i) + "_" + std::to_string(k);
    Value* e = g.add_value(ename);
    read_tensor_type(e, in);
    if (sequence) {
      const Shape& want = shapes[i];
      bool fits = e->shape.empty() || e->shape.size() == want.size();
      for (size_t d = 0; fits && d < e->shape.size(); ++d) fits = e->shape[d] < 0 || e->shape[d] == want[d];
      if (!fits)
        throw Error("--sequence " + name + ": element " + std::to_string(i) + " " + shape_str(want) + " does not fit the declared " +
                    shape_str(e->shape));
      e->shape = want;
      e->dim_names.assign(want.size(), "");
    }
    e->is_graph_input = true;
    g.inputs.push_back(e);
    elems.push_back(e);
    form.inputs.push_back(e->name);
  }
  form.count = elems.size();
  Value* whole = g.add_value(name);
  Value* seq = sequence && form.present ? (optional ? g.add_value(name + "/sequence") : whole) : nullptr;
  if (seq) add_node(elems.empty() ? "SequenceEmpty" : "SequenceConstruct", elems, seq);
  if (seq && elems.empty()) g.nodes.back()->attrs["dtype"].i = static_cast<int64_t>(element_tensor_type(in.type()).elem_type());
  if (optional) add_node("Optional", form.present ? std::vector<Value*>{seq ? seq : elems[0]} : std::vector<Value*>{}, whole);
  g.model_inputs.push_back(name);
  g.input_forms[name] = form;
}

void apply_input_shapes(Graph& g, const LoadOptions& opts) {
  std::set<std::string> used;
  for (Value* in : g.inputs) {
    auto it = opts.input_shapes.find(in->name);
    if (it != opts.input_shapes.end()) {
      const Shape& want = it->second;
      if (!in->shape.empty() && want.size() != in->shape.size())
        throw Error("--shape " + in->name + "=" + shape_x(want) + " has rank " + std::to_string(want.size()) +
                    " but the model declares " + shape_str(in->shape));
      for (size_t i = 0; i < in->shape.size(); ++i)
        if (in->shape[i] >= 0 && want[i] != in->shape[i])
          throw Error("--shape " + in->name + "=" + shape_x(want) + " contradicts the model's fixed dim " +
                      std::to_string(i) + " = " + std::to_string(in->shape[i]));
      in->shape = want;
      used.insert(it->first);
    }
    for (size_t i = 0; i < in->shape.size(); ++i)
      if (in->shape[i] < 0) {
        std::string dim = i < in->dim_names.size() && !in->dim_names[i].empty() ? " '" + in->dim_names[i] + "'" : "";
        Shape pasted = in->shape;  // a whole --shape to paste: the unknown dims as 1
        for (int64_t& d : pasted) d = d < 0 ? 1 : d;
        throw Error("input '" + in->name + "' has unknown dim " + std::to_string(i) + dim + " in " + shape_str(in->shape) +
                    "; fix it with --shape " + in->name + "=" + shape_x(pasted) + " (unknown dims written as 1)");
      }
  }
  for (const auto& kv : opts.input_shapes)
    if (!used.count(kv.first)) throw Error("--shape names '" + kv.first + "', which is not a graph input");
}

// Adds nodes to g, in order: Constant nodes become constant values, calls of model functions
// their bodies (functions.h), the others Nodes whose inputs come from resolve(name, node).
// `where` ends the message for an output made twice; depth counts the enclosing function calls.
using ResolveInput = std::function<Value*(const std::string&, const onnx::NodeProto&)>;
using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;
void add_nodes(Graph& g, const NodeList& nodes, const Opsets& opsets, const Context& ctx, const ResolveInput& resolve,
               const std::string& where, int depth) {
  for (const auto& np : nodes) {
    const std::string domain = canonical_domain(np.domain());
    auto op_it = opsets.find(domain);
    if (op_it == opsets.end())
      fail_node(np.name(), np.op_type(), "domain '" + domain + "' is not imported by the model");
    if (const ModelFunction* f = ctx.functions->find(np)) {
      const std::string label = np.name().empty() ? np.op_type() : np.name();
      if (depth >= kMaxFunctionDepth)
        fail_node(label, np.op_type(), "model function calls nest deeper than " + std::to_string(kMaxFunctionDepth) +
                                           " (a function that calls itself?)");
      add_nodes(g, ctx.functions->expand(np, label, *f, *ctx.names), f->opsets, ctx, resolve, where, depth + 1);
      continue;
    }
    if (domain.empty() && np.op_type() == "Constant") {
      if (np.output_size() != 1) fail_node(np.name(), "Constant", "expects one output");
      Value* v = g.add_value(np.output(0));
      try {
        v->constant = constant_node_value(np, ctx.model_dir, ctx.max_bytes);
      } catch (const Error& e) {
        fail_node(np.name(), "Constant", e.what());
      }
      v->dtype = v->constant->dtype;
      v->shape = v->constant->shape;
      continue;
    }
    auto n = std::make_unique<Node>();
    n->name = np.name();
    n->op = np.op_type();
    n->domain = domain;
    n->opset = op_it->second;
    for (const auto& in : np.input()) n->inputs.push_back(resolve(in, np));
    for (const auto& a : np.attribute()) {
      try {
        n->attrs[a.name()] = convert_attr(a, opsets, ctx, depth);
      } catch (const Error& e) {
        n->fail(e.what());
      }
    }
    for (const auto& out : np.output()) {
      if (out.empty()) {
        n->outputs.push_back(nullptr);
        continue;
      }
      if (g.find_value(out)) n->fail("output '" + out + "' is already produced elsewhere" + where);
      n->outputs.push_back(g.add_value(out));
    }
    g.add_node(std::move(n));
  }
}

// Node names are optional in ONNX, but every message needs one: unnamed nodes become op_index.
void name_nodes(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = *g.nodes[i];
    if (n.name.empty()) n.name = n.op + "_" + std::to_string(i);
  }
}

// A subgraph (If branch, Loop body) as an IR Graph: its inputs are the formal parameters (their
// types may be left open), initializers and Constant nodes are constants, and every name it
// reads from an enclosing scope becomes a placeholder in `captured`, resolved when inlined.
std::shared_ptr<Graph> convert_subgraph(const onnx::GraphProto& gp, const Opsets& opsets, const Context& ctx, int depth) {
  auto g = std::make_shared<Graph>();
  g->is_subgraph = true;
  for (const auto& init : gp.initializer()) {
    Value* v = g->add_value(init.name());
    v->constant = tensor_from_proto(init, ctx.model_dir, ctx.max_bytes);
    v->dtype = v->constant->dtype;
    v->shape = v->constant->shape;
  }
  for (const auto& in : gp.input()) {
    if (g->find_value(in.name())) continue;
    Value* v = g->add_value(in.name());  // typed when inlined, by the value passed in
    v->is_graph_input = true;
    g->inputs.push_back(v);
  }
  auto resolve = [&](const std::string& name) -> Value* {
    if (name.empty()) return nullptr;
    if (Value* v = g->find_value(name)) return v;
    Value* v = g->add_value(name);  // from an enclosing scope
    g->captured.push_back(v);
    return v;
  };
  add_nodes(
      *g, gp.node(), opsets, ctx, [&](const std::string& name, const onnx::NodeProto&) { return resolve(name); },
      " in its subgraph", depth);
  name_nodes(*g);
  for (const auto& out : gp.output()) {
    Value* v = resolve(out.name());
    g->outputs.push_back(v);
  }
  return g;
}

std::unique_ptr<Graph> convert(const onnx::ModelProto& m, const std::string& path, const LoadOptions& opts) {
  const Opsets opsets = read_opsets(m.opset_import());
  const std::string model_dir = model_dir_of(path);
  const int64_t max_bytes = opts.limits.max_tensor_bytes;
  const auto& gp = m.graph();
  const ModelFunctions functions(m, opsets);
  UniqueNames names(gp);
  const Context ctx{model_dir, max_bytes, &functions, &names};
  auto g = std::make_unique<Graph>();
  g->model_path = path;

  for (const auto& init : gp.initializer()) {
    Value* v = g->add_value(init.name());
    v->constant = tensor_from_proto(init, model_dir, max_bytes);
    v->dtype = v->constant->dtype;
    v->shape = v->constant->shape;
  }
  std::set<std::string> frozen;
  const auto default_opset = opsets.find("");
  for (const auto& in : gp.input()) {
    if (g->find_value(in.name())) continue;  // IR < 4 lists initializers as inputs too
    const IoForm::Kind kind = io_kind(in.type(), in.name());
    if (kind != IoForm::Kind::Tensor) {
      add_composite_input(*g, in, kind, opts, default_opset == opsets.end() ? 0 : default_opset->second);
      continue;
    }
    Value* v = g->add_value(in.name());
    read_tensor_type(v, in);
    g->model_inputs.push_back(v->name);
    auto f = opts.frozen_inputs.find(v->name);
    if (f != opts.frozen_inputs.end()) {
      freeze_input(*v, f->second, max_bytes);
      frozen.insert(v->name);
      g->frozen_inputs[v->name] = f->second;
      continue;
    }
    v->is_graph_input = true;
    g->inputs.push_back(v);
  }
  for (const auto& kv : opts.sequence_inputs)
    if (!g->input_forms.count(kv.first)) throw Error("--sequence names '" + kv.first + "', which is not a sequence-typed graph input");
  for (const std::string& name : opts.absent_optionals)
    if (!g->input_forms.count(name)) throw Error("--optional names '" + name + "', which is not an optional-typed graph input");
  for (const auto& kv : opts.frozen_inputs)
    if (!frozen.count(kv.first))
      throw Error("--freeze names '" + kv.first + "', which is not a graph input" +
                  (g->find_value(kv.first) ? " (it is an initializer, already a constant)" : ""));
  apply_input_shapes(*g, opts);
  for (const Value* in : g->inputs) {
    const int64_t bytes = in->bytes();
    if (bytes > max_bytes)
      throw Error("input '" + in->name + "' " + shape_str(in->shape) + " holds " + std::to_string(bytes) +
                  " bytes, more than the limit of " + std::to_string(max_bytes) + " (--max-tensor-bytes)");
  }

  auto value_for_input = [&](const std::string& name, const onnx::NodeProto& np) -> Value* {
    if (name.empty()) return nullptr;
    Value* v = g->find_value(name);
    if (!v) fail_node(np.name(), np.op_type(), "input '" + name + "' is not defined before use");
    return v;
  };

  add_nodes(*g, gp.node(), opsets, ctx, value_for_input, "", 0);
  name_nodes(*g);
  if (gp.output_size() == 0) throw Error("the graph has no outputs: there is nothing to compute");
  for (const auto& out : gp.output()) {
    Value* v = g->find_value(out.name());
    if (!v) throw Error("graph output '" + out.name() + "' is never produced");
    IoForm form;
    form.kind = io_kind(out.type(), out.name());
    if (form.kind != IoForm::Kind::Tensor) form.count = 0;  // its elements: known once compiled (flatten_composite_outputs)
    if (v->dtype == DType::Undefined && form.kind == IoForm::Kind::Tensor) read_tensor_type(v, out);
    g->output_forms.push_back(form);
    v->is_graph_output = true;
    g->outputs.push_back(v);
  }
  g->check_topological();
  return g;
}

}  // namespace

std::unique_ptr<Graph> load_model(const std::string& path, const LoadOptions& opts) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return load_model_bytes(bytes, path, opts);
}

std::unique_ptr<Graph> load_model_bytes(const std::string& bytes, const std::string& path, const LoadOptions& opts) {
  try {
    onnx::ModelProto m = parse_model_bytes(bytes, path, opts.limits);
    return convert(m, path, opts);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

Tensor load_tensor_file(const std::string& path, std::string* name) {
  try {
    onnx::TensorProto t;
    if (!t.ParseFromString(read_file(path))) throw Error("not a valid TensorProto");
    if (name) *name = t.name();
    return tensor_from_proto(t, fs::path(path).parent_path().string());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

namespace {

// What a sequence- or optional-typed data file holds: its elements, and for an optional whether
// it holds anything at all.
struct Elements {
  bool present = true;
  std::vector<Tensor> tensors;
};

Elements load_elements_file(const std::string& path, IoForm::Kind kind) {
  try {
    const std::string bytes = read_file(path), dir = fs::path(path).parent_path().string();
    Elements e;
    auto take_sequence = [&](const onnx::SequenceProto& s) {
      if (s.sparse_tensor_values_size() || s.sequence_values_size() || s.map_values_size() || s.optional_values_size())
        throw Error("holds a sequence of something other than tensors");
      for (const auto& t : s.tensor_values()) e.tensors.push_back(tensor_from_proto(t, dir));
    };
    if (kind == IoForm::Kind::Sequence) {
      onnx::SequenceProto s;
      if (!s.ParseFromString(bytes)) throw Error("not a valid SequenceProto");
      take_sequence(s);
      return e;
    }
    onnx::OptionalProto o;
    if (!o.ParseFromString(bytes)) throw Error("not a valid OptionalProto");
    e.present = o.has_tensor_value() || o.has_sequence_value();
    if (kind == IoForm::Kind::Optional && o.has_tensor_value()) e.tensors.push_back(tensor_from_proto(o.tensor_value(), dir));
    else if (kind == IoForm::Kind::OptionalSequence && o.has_sequence_value()) take_sequence(o.sequence_value());
    else if (e.present || o.has_sparse_tensor_value() || o.has_map_value() || o.has_optional_value())
      throw Error("holds an optional of another type than the model declares");
    return e;
  } catch (const Error& err) {
    throw Error(path + ": " + err.what());
  }
}

std::string describe(DType d, const Shape& s) { return std::string(dtype_name(d)) + " " + shape_str(s); }

// A data file's elements must be as many, and as present, as the compiled form has.
void check_elements(const std::string& file, const Elements& e, const IoForm& form, const std::string& what) {
  if (form.runtime_present && !e.present) return;  // the run reports absence, and its elements mean nothing
  if (e.present != form.present)
    throw Error(file + (e.present ? " holds a value, " : " holds none, ") + what + " was compiled " +
                (form.present ? "present" : "absent (--optional NAME=none)"));
  if (form.runtime_count ? e.tensors.size() > form.count : e.tensors.size() != form.count)
    throw Error(file + " holds " + std::to_string(e.tensors.size()) + " elements, " + what + " was compiled with " +
                (form.runtime_count ? "at most " + std::to_string(form.count) : std::to_string(form.count) + " (--sequence)"));
}

}  // namespace

std::vector<Tensor> load_data_set_inputs(const std::string& dir, const Graph& g) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < g.model_inputs.size(); ++i) {
    const std::string file = dir + "/input_" + std::to_string(i) + ".pb";
    const std::string& name = g.model_inputs[i];
    auto form = g.input_forms.find(name);
    if (form != g.input_forms.end()) {
      Elements e = load_elements_file(file, form->second.kind);
      check_elements(file, e, form->second, "input '" + name + "'");
      for (size_t k = 0; k < e.tensors.size(); ++k) {
        const Value* v = g.find_value(form->second.inputs[k]);
        if (!v || !v->is_graph_input) throw Error(file + ": element " + std::to_string(k) + " of input '" + name + "' is not a runtime input");
        if (e.tensors[k].dtype != v->dtype || e.tensors[k].shape != v->shape)
          throw Error(file + ": element " + std::to_string(k) + " is " + describe(e.tensors[k].dtype, e.tensors[k].shape) + ", input '" +
                      v->name + "' is " + describe(v->dtype, v->shape));
        out.push_back(std::move(e.tensors[k]));
      }
      continue;
    }
    Tensor t = load_tensor_file(file);
    auto frozen = g.frozen_inputs.find(name);
    if (frozen != g.frozen_inputs.end()) {  // the data set must agree with the value compiled in
      if (t.dtype != frozen->second.dtype || t.shape != frozen->second.shape || t.bytes != frozen->second.bytes)
        throw Error(file + " holds another value than the one input '" + name + "' was frozen to (--freeze)");
      continue;
    }
    const Value* v = g.find_value(name);
    if (!v || !v->is_graph_input) throw Error(file + ": input '" + name + "' is not a runtime input of the compiled graph");
    // --io native: the model's float data, quantized as the dropped QuantizeLinear would have.
    auto native = g.io_quant.find(v);
    if (native != g.io_quant.end() && t.dtype == DType::F32 && t.shape == v->shape) t = quantize_io(t, v->dtype, native->second);
    if (t.dtype != v->dtype || t.shape != v->shape)
      throw Error(file + " is " + describe(t.dtype, t.shape) + ", input '" + v->name + "' is " + describe(v->dtype, v->shape));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Tensor> load_data_set_outputs(const std::string& dir, const Graph& g) {
  std::vector<IoForm> forms = g.output_forms;
  if (forms.empty()) forms.resize(g.outputs.size());  // a graph not from the loader: tensors
  std::vector<Tensor> out = load_reference_outputs(dir, forms);
  if (out.size() != g.outputs.size())
    throw Error(dir + ": the reference outputs hold " + std::to_string(out.size()) + " tensors, the graph has " +
                std::to_string(g.outputs.size()) + " outputs");
  return out;
}

std::vector<Tensor> load_reference_outputs(const std::string& dir, const std::vector<IoForm>& forms) {
  std::vector<Tensor> out;
  for (size_t k = 0; k < forms.size(); ++k) {
    const std::string file = dir + "/output_" + std::to_string(k) + ".pb";
    if (forms[k].kind == IoForm::Kind::Tensor) {
      out.push_back(load_tensor_file(file));
      continue;
    }
    Elements e = load_elements_file(file, forms[k].kind);
    check_elements(file, e, forms[k], "output " + std::to_string(k));
    if (forms[k].runtime_present && !e.present) e.tensors.resize(forms[k].count);  // no value: DType::Undefined
    const auto filled = static_cast<int64_t>(e.tensors.size());
    if (forms[k].runtime_count) e.tensors.resize(forms[k].count);  // past the count: DType::Undefined, not compared
    for (Tensor& t : e.tensors) out.push_back(std::move(t));
    if (forms[k].runtime_count) {  // the count output NAME_count
      Tensor count(DType::I64, {});
      count.data<int64_t>()[0] = filled;
      out.push_back(std::move(count));
    }
    if (forms[k].runtime_present) {  // the flag output NAME_present
      Tensor flag(DType::Bool, {});
      flag.bytes[0] = e.present ? 1 : 0;
      out.push_back(std::move(flag));
    }
  }
  return out;
}

namespace {

// The graph inputs that are not initializers (IR < 4 lists those as inputs too).
std::vector<const onnx::ValueInfoProto*> runtime_inputs(const onnx::ModelProto& m) {
  std::set<std::string> initializers;
  for (const auto& init : m.graph().initializer()) initializers.insert(init.name());
  std::vector<const onnx::ValueInfoProto*> out;
  for (const auto& in : m.graph().input())
    if (!initializers.count(in.name())) out.push_back(&in);
  return out;
}

}  // namespace

std::vector<std::string> model_input_names(const std::string& path) {
  std::vector<std::string> names;
  const onnx::ModelProto m = parse_model(path);
  for (const onnx::ValueInfoProto* in : runtime_inputs(m)) names.push_back(in->name());
  return names;
}

void composite_inputs_from_data(const std::string& path, const std::string& dir, std::map<std::string, std::vector<Shape>>& sequences,
                                std::set<std::string>& absent_optionals) {
  const onnx::ModelProto m = parse_model(path);
  size_t i = 0;  // counts the runtime inputs, as the input_I.pb files do
  for (const onnx::ValueInfoProto* p : runtime_inputs(m)) {
    const onnx::ValueInfoProto& in = *p;
    const std::string file = dir + "/input_" + std::to_string(i++) + ".pb";
    const IoForm::Kind kind = io_kind(in.type(), in.name());
    if (kind == IoForm::Kind::Tensor) continue;
    const Elements e = load_elements_file(file, kind);
    if (!e.present) absent_optionals.insert(in.name());
    if (e.present && kind != IoForm::Kind::Optional) {
      std::vector<Shape>& shapes = sequences[in.name()];
      for (const Tensor& t : e.tensors) shapes.push_back(t.shape);
    }
  }
}

std::vector<std::string> model_op_types(const std::string& path) {
  try {
    onnx::ModelProto m;
    if (!m.ParseFromString(read_file(path))) throw Error("not a valid ONNX model: the protobuf is corrupt or truncated");
    std::vector<std::string> ops;
    for (const auto& n : m.graph().node())
      ops.push_back(n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + ":" + n.op_type());
    return ops;
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

std::map<std::string, Shape> onnx_inferred_shapes(const std::string& path) {
  onnx::ModelProto m = parse_model(path);
  onnx::shape_inference::InferShapes(m);
  std::map<std::string, Shape> out;
  auto take = [&](const onnx::ValueInfoProto& vi) {
    if (!vi.type().tensor_type().has_shape()) return;
    Shape s;
    for (const auto& d : vi.type().tensor_type().shape().dim()) s.push_back(d.has_dim_value() ? d.dim_value() : kUnknownDim);
    out[vi.name()] = s;
  };
  for (const auto& vi : m.graph().value_info()) take(vi);
  for (const auto& vi : m.graph().output()) take(vi);
  return out;
}

}  // namespace onnx2mcu
