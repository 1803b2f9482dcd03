#include "graph_gen.h"

#include <onnx/defs/schema.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "ir/graph.h"
#include "onnx2mcu/error.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace graphgen {
namespace {

using onnx2mcu::Attr;
using onnx2mcu::DType;
using onnx2mcu::Node;
using onnx2mcu::Shape;
using onnx2mcu::Tensor;
using onnx2mcu::Value;

// Built by hand below (control flow, views, chains) or not plain ops.
const std::set<std::string> kSpecial = {
    "If", "Loop", "Constant", "Identity", "Dropout",
    // They read or make sequences and optionals, which the generated tensor graphs have none of.
    "SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceErase", "SequenceAt", "SequenceLength",
    "SplitToSequence", "ConcatFromSequence", "SequenceMap", "Optional", "OptionalHasElement", "OptionalGetElement"};
// Left out of differential runs: ONNX does not fix their result, so ORT and onnx2mcu may both
// be right and still differ (docs/reliability.md, "Differential testing").
const std::set<std::string> kNotDifferential = {
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
};
// Largest tensor a generated node may make: keeps every graph small and fast.
constexpr int64_t kMaxElems = 4096;

int onnx_type(DType t) {
  for (int e = 1; e <= 16; ++e)
    if (onnx2mcu::dtype_from_onnx(e) == t) return e;
  return 0;
}

DType dtype_of(const std::string& type) {
  static const std::map<std::string, int> types = {
      {"tensor(float)", 1}, {"tensor(uint8)", 2},  {"tensor(int8)", 3},   {"tensor(uint16)", 4},
      {"tensor(int16)", 5}, {"tensor(int32)", 6},  {"tensor(int64)", 7},  {"tensor(bool)", 9},
      {"tensor(double)", 11}, {"tensor(uint32)", 12}, {"tensor(uint64)", 13}};
  auto it = types.find(type);
  return it == types.end() ? DType::Undefined : onnx2mcu::dtype_from_onnx(it->second);
}

struct Gen {
  std::mt19937_64 rng;
  Options o;
  int opset = 17;
  onnx2mcu::Graph ir;
  Generated out;
  onnx::GraphProto* gp = nullptr;
  std::vector<Value*> pool;        // values later nodes may read
  std::map<const Value*, int> uses;
  std::set<const Value*> node_outputs;
  int counter = 0;

  int rand(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  template <typename T> const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(rand(0, static_cast<int>(v.size()) - 1))]; }
  std::string fresh(const char* hint) { return std::string(hint) + std::to_string(counter++); }

  // Seeded contents: small integers (valid as indices of small dims more often than not),
  // floats in [-2, 2] on a 1/64 grid (exact in float, so folding and runtimes agree on them).
  Tensor random_tensor(DType t, const Shape& s) {
    Tensor x(t, s);
    const int64_t n = x.elems();
    onnx2mcu::visit_dtype(t, [&](auto zero) {
      using T = decltype(zero);
      T* p = x.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>)
          p[i] = chance(0.5);
        else if constexpr (std::is_floating_point_v<T>)
          p[i] = static_cast<T>(rand(-128, 128)) / T(64);
        else if constexpr (std::is_signed_v<T>)
          p[i] = static_cast<T>(rand(-4, 6));
        else
          p[i] = static_cast<T>(rand(0, 9));
      }
    });
    return x;
  }

  Shape random_shape() {
    Shape s(static_cast<size_t>(rand(0, 4)));
    for (int64_t& d : s) d = rand(0, 9) == 0 ? 1 : rand(1, 5);
    return s;
  }

  Value* add_input(DType t, const Shape& s) {
    Value* v = ir.add_value(fresh("in"));
    v->dtype = t;
    v->shape = s;
    v->is_graph_input = true;
    auto* vi = gp->add_input();
    vi->set_name(v->name);
    set_type(vi, *v);
    out.input_names.push_back(v->name);
    out.inputs.push_back(random_tensor(t, s));
    pool.push_back(v);
    return v;
  }

  static void set_type(onnx::ValueInfoProto* vi, const Value& v) {
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx_type(v.dtype));
    auto* shape = tt->mutable_shape();
    for (int64_t d : v.shape) shape->add_dim()->set_dim_value(d);
  }

  // A constant: an initializer, or (sometimes) a Constant node, as exporters write both.
  Value* add_const(Tensor t, bool into_pool = false) {
    Value* v = ir.add_value(fresh("c"));
    v->dtype = t.dtype;
    v->shape = t.shape;
    if (chance(0.25)) {
      onnx::NodeProto* n = gp->add_node();
      n->set_op_type("Constant");
      n->set_name(fresh("n"));
      n->add_output(v->name);
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      graphgen::to_proto(t, "", a->mutable_t());
      ++out.nodes;
    } else {
      graphgen::to_proto(t, v->name, gp->add_initializer());
    }
    v->constant = std::move(t);
    if (into_pool) pool.push_back(v);
    return v;
  }

  Value* const_ints(const std::vector<int64_t>& vals, bool scalar = false) {
    Tensor t(DType::I64, scalar ? Shape{} : Shape{static_cast<int64_t>(vals.size())});
    std::copy(vals.begin(), vals.end(), t.data<int64_t>());
    return add_const(std::move(t));
  }

  // Runs the op's shape rule (and folding, as infer-shapes-and-fold would) on a candidate;
  // adds it to the model when the rule accepts it. nullptr when it does not.
  Node* try_node(const std::string& op, const std::vector<Value*>& inputs, const std::map<std::string, Attr>& attrs,
                 int outputs) {
    const onnx2mcu::OpDef* def = onnx2mcu::find_op("", op);
    if (!def) return nullptr;
    // Integer division by zero is undefined in ONNX (ORT dies of SIGFPE): not differential.
    if (o.differential && (op == "Div" || op == "Mod") && inputs[0] && !onnx2mcu::dtype_is_float(inputs[0]->dtype))
      return nullptr;
    // Float Mod without fmod = 1 is invalid ONNX (ORT refuses it; onnx2mcu computes fmod).
    if (o.differential && op == "Mod" && (!attrs.count("fmod") || attrs.at("fmod").i != 1)) return nullptr;
    auto n = std::make_unique<Node>();
    n->name = fresh("n");
    n->op = op;
    n->opset = opset;
    n->inputs = inputs;
    n->attrs = attrs;
    for (int i = 0; i < outputs; ++i) n->outputs.push_back(ir.add_value(fresh("v")));
    if (!o.checkpoint.empty()) write_checkpoint(*n, attrs);
    try {
      // The older forms the schema gave (axes as an attribute, ...) become the op's canonical
      // form, as normalize-ops does in the pipeline; the proto keeps the opset's own form.
      if (def->normalize) def->normalize(*n, ir);
      if (def->tables) onnx2mcu::attach_tables(ir, *n, def->tables(*n));  // as infer-shapes-and-fold does
      def->infer(*n);
      for (const Value* v : n->outputs)
        if (v->dtype == DType::Undefined || !onnx2mcu::shape_known(v->shape) || v->elems() > kMaxElems) return nullptr;
      if (!def->defer_fold) {
        onnx2mcu::PassOptions po;
        po.fold_max_bytes = 1 << 16;
        onnx2mcu::fold_node(ir, *n, po);
      }
    } catch (const onnx2mcu::Error&) {
      return nullptr;
    }
    add_node_proto(*n, inputs, attrs, gp);
    for (const Value* v : inputs)
      if (v) ++uses[v];
    for (Value* v : n->outputs) {
      node_outputs.insert(v);
      pool.push_back(v);
    }
    ++out.nodes;
    return ir.add_node(std::move(n));
  }

  // `inputs` as the node was drawn, before normalize and attach_tables added to n.inputs.
  static void add_node_proto(const Node& n, const std::vector<Value*>& inputs, const std::map<std::string, Attr>& attrs,
                             onnx::GraphProto* g) {
    onnx::NodeProto* np = g->add_node();
    np->set_op_type(n.op);
    np->set_name(n.name);
    size_t used = inputs.size();
    while (used > 0 && !inputs[used - 1]) --used;  // trailing omitted inputs are left out
    for (size_t i = 0; i < used; ++i) np->add_input(inputs[i] ? inputs[i]->name : "");
    for (const Value* v : n.outputs) np->add_output(v->name);
    for (const auto& [name, a] : attrs) attr_proto(name, a, np->add_attribute());
  }

  // The model so far with candidate n, whose outputs are the graph's (type not known yet).
  void write_checkpoint(const Node& n, const std::map<std::string, Attr>& attrs) {
    onnx::ModelProto m = out.model;
    onnx::GraphProto* g = m.mutable_graph();
    add_node_proto(n, n.inputs, attrs, g);
    for (const Value* v : n.outputs) {
      auto* vi = g->add_output();
      vi->set_name(v->name);
      vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
      vi->mutable_type()->mutable_tensor_type()->mutable_shape();  // the checker wants one
    }
    std::ofstream(o.checkpoint, std::ios::binary) << m.SerializeAsString();
  }

  static void attr_proto(const std::string& name, const Attr& a, onnx::AttributeProto* p) {
    p->set_name(name);
    switch (a.kind) {
      case Attr::Kind::Int: p->set_type(onnx::AttributeProto::INT), p->set_i(a.i); break;
      case Attr::Kind::Float: p->set_type(onnx::AttributeProto::FLOAT), p->set_f(a.f); break;
      case Attr::Kind::String: p->set_type(onnx::AttributeProto::STRING), p->set_s(a.s); break;
      case Attr::Kind::Ints:
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.ints) p->add_ints(v);
        break;
      case Attr::Kind::Floats:
        p->set_type(onnx::AttributeProto::FLOATS);
        for (float v : a.floats) p->add_floats(v);
        break;
      case Attr::Kind::Strings:
        p->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& v : a.strings) p->add_strings(v);
        break;
      case Attr::Kind::Tensor: p->set_type(onnx::AttributeProto::TENSOR), graphgen::to_proto(*a.t, "", p->mutable_t()); break;
      case Attr::Kind::Graph: break;
    }
  }

  static Attr int_attr(int64_t v) { Attr a; a.kind = Attr::Kind::Int; a.i = v; return a; }
  static Attr ints_attr(std::vector<int64_t> v) { Attr a; a.kind = Attr::Kind::Ints; a.ints = std::move(v); return a; }

  Value* pick_value(DType only = DType::Undefined) {
    std::vector<Value*> c;
    for (Value* v : pool)
      if (only == DType::Undefined || v->dtype == only) c.push_back(v);
    if (c.empty()) return nullptr;
    // Recent values more often: deeper chains.
    if (chance(0.5)) return c[c.size() - 1 - static_cast<size_t>(rand(0, std::min<int>(3, static_cast<int>(c.size()) - 1)))];
    return pick(c);
  }

  std::vector<int64_t> distinct_axes(int rank, int count) {
    std::vector<int64_t> all(static_cast<size_t>(rank));
    for (int i = 0; i < rank; ++i) all[static_cast<size_t>(i)] = chance(0.3) ? i - rank : i;
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(static_cast<size_t>(std::min(count, rank)));
    return all;
  }

  // ---- the shapes of real exports ----

  void identity_chain() {
    Value* x = pick_value();
    if (!x) return;
    for (int k = rand(1, 3); k > 0; --k) {
      Node* n = nullptr;
      if (chance(0.5)) {
        n = try_node("Identity", {x}, {}, 1);
      } else {
        if (!onnx2mcu::dtype_is_float(x->dtype)) return;  // Dropout is for floats only
        std::vector<Value*> ins = {x};
        if (chance(0.3)) {
          Tensor r(DType::F32, {});
          r.data<float>()[0] = 0.25f;
          ins.push_back(add_const(std::move(r)));
          if (chance(0.5)) {  // training_mode = false: inference, a no-op
            Tensor f(DType::Bool, {});
            ins.push_back(add_const(std::move(f)));
          }
        }
        n = try_node("Dropout", ins, {}, chance(0.4) ? 2 : 1);  // the mask: an unused output
        if (n && n->outputs.size() == 2) pool.pop_back();
      }
      if (!n) return;
      x = n->outputs[0];
    }
  }

  void view() {
    Value* x = pick_value();
    if (!x) return;
    const int r = static_cast<int>(x->shape.size());
    switch (rand(0, 4)) {
      case 0: {  // Reshape to a random factorisation, with -1 or 0 sometimes
        std::vector<int64_t> dims;
        int64_t left = x->elems();
        if (left == 0) return;
        while (left > 1 && dims.size() < 4) {
          std::vector<int64_t> divs;
          for (int64_t d = 2; d <= left; ++d)
            if (left % d == 0) divs.push_back(d);
          const int64_t d = chance(0.3) ? left : pick(divs);
          dims.push_back(d);
          left /= d;
        }
        if (dims.empty() || chance(0.3)) dims.push_back(1);
        if (chance(0.3)) dims[static_cast<size_t>(rand(0, static_cast<int>(dims.size()) - 1))] = -1;
        try_node("Reshape", {x, const_ints(dims)}, {}, 1);
        break;
      }
      case 1: try_node("Flatten", {x}, {{"axis", int_attr(rand(-r, r))}}, 1); break;
      case 2: {
        std::vector<int64_t> ones;
        for (int i = 0; i < r; ++i)
          if (x->shape[static_cast<size_t>(i)] == 1) ones.push_back(chance(0.5) ? i : i - r);
        if (ones.empty()) return;
        if (chance(0.5)) ones.resize(1);
        if (chance(0.2)) try_node("Squeeze", {x}, {}, 1);
        else try_node("Squeeze", {x, const_ints(ones)}, {}, 1);
        break;
      }
      case 3: {
        std::vector<int64_t> axes = {rand(-r - 1, r)};
        if (chance(0.3)) axes.push_back(axes[0] >= 0 ? axes[0] + 1 : axes[0] - 1);
        try_node("Unsqueeze", {x, const_ints(axes)}, {}, 1);
        break;
      }
      default: {
        std::vector<int64_t> perm(static_cast<size_t>(r));
        for (int i = 0; i < r; ++i) perm[static_cast<size_t>(i)] = i;
        std::shuffle(perm.begin(), perm.end(), rng);
        if (perm.empty() || chance(0.2)) try_node("Transpose", {x}, {}, 1);
        else try_node("Transpose", {x}, {{"perm", ints_attr(perm)}}, 1);
      }
    }
  }

  // A one-node subgraph graph attribute: OP(outer value) -> "out".
  void unary_branch(onnx::GraphProto* g, const std::string& op, const Value& x, const Value& result) {
    g->set_name(fresh("g"));
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(fresh("n"));
    n->add_input(x.name);
    const std::string out_name = fresh("b");
    n->add_output(out_name);
    auto* o = g->add_output();
    o->set_name(out_name);
    set_type(o, result);
  }

  // Scan over one axis of x: s = s + x_t from zeros; outputs the last s (into y) and every s,
  // stacked along the same axis. Directions, and negative axes, at random.
  void scan(const Value& x, Value& y) {
    const int64_t rank = static_cast<int64_t>(x.shape.size()), axis = rand(0, static_cast<int>(rank) - 1);
    Value slice;
    slice.dtype = x.dtype;
    slice.shape = x.shape;
    slice.shape.erase(slice.shape.begin() + axis);
    y.shape = slice.shape;
    const std::string init = add_const(Tensor(x.dtype, slice.shape))->name;  // zeros
    Value* all = ir.add_value(fresh("v"));
    all->dtype = x.dtype;
    all->shape = x.shape;
    onnx::NodeProto* n = gp->add_node();
    n->set_name(fresh("n"));
    n->set_op_type("Scan");
    n->add_input(init);
    n->add_input(x.name);
    n->add_output(y.name);
    n->add_output(all->name);
    const int64_t a = chance(0.5) ? axis : axis - rank;
    const std::map<std::string, Attr> attrs = {{"num_scan_inputs", int_attr(1)},
                                               {"scan_input_axes", ints_attr({a})},
                                               {"scan_input_directions", ints_attr({rand(0, 1)})},
                                               {"scan_output_axes", ints_attr({a})},
                                               {"scan_output_directions", ints_attr({rand(0, 1)})}};
    for (const auto& [name, at] : attrs) attr_proto(name, at, n->add_attribute());
    onnx::AttributeProto* body_attr = n->add_attribute();
    body_attr->set_name("body");
    body_attr->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* body = body_attr->mutable_g();
    body->set_name(fresh("body"));
    const std::string s_in = fresh("s"), x_in = fresh("xt"), s_out = fresh("s"), scan_out = fresh("s");
    set_type_named(body->add_input(), s_in, slice);
    set_type_named(body->add_input(), x_in, slice);
    onnx::NodeProto* add = body->add_node();
    add->set_op_type("Add"), add->set_name(fresh("n")), add->add_input(s_in), add->add_input(x_in), add->add_output(s_out);
    onnx::NodeProto* copy = body->add_node();
    copy->set_op_type("Identity"), copy->set_name(fresh("n")), copy->add_input(s_out), copy->add_output(scan_out);
    set_type_named(body->add_output(), s_out, slice);
    set_type_named(body->add_output(), scan_out, slice);
    node_outputs.insert(all);
    pool.push_back(all);
  }
  static void set_type_named(onnx::ValueInfoProto* vi, const std::string& name, const Value& type) {
    vi->set_name(name);
    set_type(vi, type);
  }

  // max(x) > 0 as a bool scalar (ReduceMax over every axis, then Greater); nullptr if refused.
  Value* runtime_condition(Value& x) {
    Node* r = try_node("ReduceMax", {&x}, {{"keepdims", int_attr(0)}}, 1);
    if (!r) return nullptr;
    Tensor zero(DType::F32, {});
    zero.data<float>()[0] = 0;
    Node* c = try_node("Greater", {r->outputs[0], add_const(std::move(zero))}, {}, 1);
    return c ? c->outputs[0] : nullptr;
  }

  void control_flow() {
    Value* x = pick_value(DType::F32);
    if (!x) return;
    static const std::vector<std::string> unary = {"Relu", "Neg", "Abs", "Sigmoid", "Tanh", "Identity"};
    Value* y = ir.add_value(fresh("v"));
    y->dtype = x->dtype;
    y->shape = x->shape;
    if (chance(0.5)) {
      // Half the time a condition computed from x (max(x) > 0): decided in the generated code.
      Value* runtime = chance(0.5) ? runtime_condition(*x) : nullptr;
      std::string cond;
      if (runtime) {
        cond = runtime->name;
      } else {
        Tensor c(DType::Bool, {});
        c.data<bool>()[0] = chance(0.5);
        cond = add_const(std::move(c))->name;  // before the node: it may be a Constant node
      }
      onnx::NodeProto* n = gp->add_node();
      n->set_name(fresh("n"));
      n->set_op_type("If");
      n->add_input(cond);
      for (const char* branch : {"then_branch", "else_branch"}) {
        onnx::AttributeProto* a = n->add_attribute();
        a->set_name(branch);
        a->set_type(onnx::AttributeProto::GRAPH);
        unary_branch(a->mutable_g(), pick(unary), *x, *y);
      }
      n->add_output(y->name);
    } else if (chance(0.4) && !x->shape.empty() && x->elems() > 0) {
      scan(*x, *y);
    } else {
      // Loop M times: v = v + x (x read from the enclosing graph); the condition passes through
      // (unrolled), or half the time is max(v) > 0 (a run-time loop that may stop early).
      const std::string trips = const_ints({rand(1, 3)}, true)->name;
      std::string cond;
      if (chance(0.5)) {
        Tensor c(DType::Bool, {});
        c.data<bool>()[0] = true;
        cond = add_const(std::move(c))->name;
      }
      onnx::NodeProto* n = gp->add_node();
      n->set_name(fresh("n"));
      n->set_op_type("Loop");
      n->add_input(trips);
      n->add_input(cond);
      n->add_input(x->name);
      n->add_output(y->name);
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name("body");
      a->set_type(onnx::AttributeProto::GRAPH);
      onnx::GraphProto* body = a->mutable_g();
      body->set_name(fresh("body"));
      const std::string iter = fresh("i"), cin = fresh("cin"), vin = fresh("vin"), cout = fresh("cout"), vout = fresh("vout");
      auto scalar = [&](onnx::ValueInfoProto* vi, const std::string& name, int type) {
        vi->set_name(name);
        vi->mutable_type()->mutable_tensor_type()->set_elem_type(type);
        vi->mutable_type()->mutable_tensor_type()->mutable_shape();
      };
      scalar(body->add_input(), iter, onnx::TensorProto::INT64);
      scalar(body->add_input(), cin, onnx::TensorProto::BOOL);
      auto* vi = body->add_input();
      vi->set_name(vin);
      set_type(vi, *x);
      onnx::NodeProto* add = body->add_node();
      add->set_op_type("Add"), add->set_name(fresh("n")), add->add_input(vin), add->add_input(x->name), add->add_output(vout);
      if (chance(0.5) && x->elems() > 0) {
        const std::string top = fresh("m"), zero = fresh("z");
        onnx::NodeProto* r = body->add_node();
        r->set_op_type("ReduceMax"), r->set_name(fresh("n")), r->add_input(vout), r->add_output(top);
        attr_proto("keepdims", int_attr(0), r->add_attribute());
        onnx::NodeProto* z = body->add_node();
        z->set_op_type("Constant"), z->set_name(fresh("n")), z->add_output(zero);
        onnx::AttributeProto* value = z->add_attribute();
        value->set_name("value"), value->set_type(onnx::AttributeProto::TENSOR);
        graphgen::to_proto(Tensor(x->dtype, {}), "", value->mutable_t());  // 0
        onnx::NodeProto* g = body->add_node();
        g->set_op_type("Greater"), g->set_name(fresh("n")), g->add_input(top), g->add_input(zero), g->add_output(cout);
      } else {
        onnx::NodeProto* c = body->add_node();
        c->set_op_type("Identity"), c->set_name(fresh("n")), c->add_input(cin), c->add_output(cout);
      }
      scalar(body->add_output(), cout, onnx::TensorProto::BOOL);
      auto* vo = body->add_output();
      vo->set_name(vout);
      set_type(vo, *x);
    }
    ++uses[x];
    node_outputs.insert(y);
    pool.push_back(y);
    ++out.nodes;
  }

  // ---- any registered op, from its ONNX schema ----

  Attr schema_attr(const std::string& name, onnx::AttributeProto::AttributeType type, int rank) {
    static const std::vector<std::string> words = {"NOTSET", "SAME_UPPER", "VALID", "DCR", "CRD", "constant", "reflect",
                                                   "edge", "linear", "nearest", "half_pixel", "asymmetric", "floor",
                                                   "sum", "mean", "max", "tanh", "none", "ij,jk->ik", "ii->i", "i,i->"};
    Attr a;
    const int sp = std::max(rank - 2, 1);
    switch (type) {
      case onnx::AttributeProto::INT:
        a.kind = Attr::Kind::Int;
        if (name == "to" || name == "dtype") a.i = pick(std::vector<int64_t>{1, 6, 7, 9, 11, 3, 2});
        else if (name == "axis") a.i = rank ? rand(-rank, rank - 1) : 0;
        else if (name == "size" || name == "group" || name == "blocksize" || name == "p") a.i = rand(1, 3);
        else a.i = rand(0, 1);  // flags (keepdims, transA, ...) are 0 or 1: ONNX leaves other values open
        break;
      case onnx::AttributeProto::FLOAT:
        a.kind = Attr::Kind::Float;
        a.f = pick(std::vector<float>{0.5f, 1.0f, 0.1f, 2.0f, 1e-5f, -1.0f});
        break;
      case onnx::AttributeProto::STRING: a.kind = Attr::Kind::String, a.s = pick(words); break;
      case onnx::AttributeProto::INTS:
        a.kind = Attr::Kind::Ints;
        if (name == "perm") {
          for (int i = 0; i < rank; ++i) a.ints.push_back(i);
          std::shuffle(a.ints.begin(), a.ints.end(), rng);
        } else if (name == "axes") {
          a.ints = distinct_axes(rank, rand(1, std::max(rank, 1)));
        } else if (name == "pads") {
          for (int i = 0; i < 2 * sp; ++i) a.ints.push_back(rand(0, 1));
        } else {
          for (int i = 0; i < sp; ++i) a.ints.push_back(rand(1, 3));
        }
        break;
      case onnx::AttributeProto::FLOATS:
        a.kind = Attr::Kind::Floats;
        for (int i = 0; i < rand(1, 3); ++i) a.floats.push_back(0.5f * static_cast<float>(rand(0, 4)));
        break;
      default: a.kind = Attr::Kind::Graph;  // graphs, tensors, strings lists: not generated
    }
    return a;
  }

  // A constant for a shape-like or index-like int64 input, from its name in the schema.
  Value* int_input(const std::string& name, const Value& data) {
    const int r = static_cast<int>(data.shape.size());
    std::vector<int64_t> v;
    if (name == "axes") {
      v = distinct_axes(r, rand(1, std::max(r, 1)));
    } else if (name == "pads") {
      for (int i = 0; i < 2 * r; ++i) v.push_back(rand(0, 2));
    } else if (name == "repeats" || name == "shape") {
      for (int i = 0; i < r; ++i) v.push_back(rand(1, 2));
    } else if (name == "starts" || name == "ends" || name == "steps") {
      for (int i = 0; i < r; ++i) v.push_back(name == "steps" ? pick(std::vector<int64_t>{1, 1, 2, -1}) : rand(-3, 3));
    } else if (name == "K" || name == "k" || name == "depth") {
      return const_ints({rand(1, 3)}, name != "K" || chance(0.5));
    } else if (name == "split") {
      v = {1, 1};
    } else {  // indices and the rest: small values, valid for most small dims
      const int n = rand(1, 4);
      for (int i = 0; i < n; ++i) v.push_back(rand(-2, 3));
    }
    return const_ints(v);
  }

  void schema_node(const std::vector<std::string>& ops) {
    const std::string& op = pick(ops);
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op, opset, "");
    if (!schema || schema->Deprecated()) return;
    std::map<std::string, DType> bound;
    std::vector<Value*> inputs;
    Value* first = nullptr;
    for (const auto& p : schema->inputs()) {
      int copies = 1;
      if (p.GetOption() == onnx::OpSchema::Optional) copies = chance(0.5) ? 1 : 0;
      if (p.GetOption() == onnx::OpSchema::Variadic) copies = rand(1, 3);
      if (copies == 0) {
        inputs.push_back(nullptr);
        continue;
      }
      std::vector<DType> allowed;
      for (const auto* t : p.GetTypes())
        if (dtype_of(*t) != DType::Undefined) allowed.push_back(dtype_of(*t));
      std::sort(allowed.begin(), allowed.end());  // the schema's set order varies between runs
      if (allowed.empty()) return;
      for (int c = 0; c < copies; ++c) {
        Value* v = nullptr;
        auto b = bound.find(p.GetTypeStr());
        if (!first) {
          std::vector<Value*> fit;
          for (Value* pv : pool)
            if (std::find(allowed.begin(), allowed.end(), pv->dtype) != allowed.end()) fit.push_back(pv);
          if (fit.empty()) return;
          v = chance(0.5) ? fit.back() : pick(fit);
          first = v;
        } else if (b == bound.end() && allowed.size() == 1 && allowed[0] == DType::I64 && first->dtype != DType::I64) {
          v = int_input(p.GetName(), *first);
        } else {
          const DType t = b != bound.end() ? b->second
                          : std::find(allowed.begin(), allowed.end(), first->dtype) != allowed.end() ? first->dtype
                                                                                                   : pick(allowed);
          std::vector<Value*> same;
          for (Value* pv : pool)
            if (pv->dtype == t && (pv->shape == first->shape || chance(0.2))) same.push_back(pv);
          if (!same.empty() && chance(0.6)) {
            v = pick(same);
          } else {
            Shape s = first->shape;
            if (chance(0.3) && !s.empty()) s = chance(0.5) ? Shape{} : Shape{s.back()};
            v = add_const(random_tensor(t, s));
          }
        }
        bound.emplace(p.GetTypeStr(), v->dtype);
        inputs.push_back(v);
      }
    }
    if (!first) return;
    std::map<std::string, Attr> attrs;
    for (const auto& [name, a] : schema->attributes())
      if (a.required || chance(0.3)) {
        Attr at = schema_attr(name, a.type, static_cast<int>(first->shape.size()));
        if (at.kind == Attr::Kind::Graph || (at.kind == Attr::Kind::Ints && at.ints.empty())) {
          if (a.required) return;
          continue;
        }
        attrs[name] = at;
      }
    int outputs = 0;
    for (const auto& p : schema->outputs())
      outputs += p.GetOption() == onnx::OpSchema::Variadic ? rand(1, 3)
                 : p.GetOption() == onnx::OpSchema::Optional ? (chance(0.5) ? 1 : 0)
                                                             : 1;
    if (outputs == 0) return;
    try_node(op, inputs, attrs, outputs);
  }

  void finish() {
    // Graph outputs: most unread node outputs, sometimes a value also read inside.
    std::vector<Value*> leaves, inner;
    for (Value* v : pool)
      if (node_outputs.count(v)) (uses[v] ? inner : leaves).push_back(v);
    std::vector<Value*> outs;
    for (Value* v : leaves)
      if (outs.size() < 4 && (outs.empty() || chance(0.7))) outs.push_back(v);  // the rest stay unused
    if (!inner.empty() && (outs.empty() || chance(0.3))) outs.push_back(pick(inner));
    for (Value* v : outs) {
      auto* vi = gp->add_output();
      vi->set_name(v->name);
      set_type(vi, *v);
    }
  }
};

std::vector<std::string> registry_ops(bool differential) {
  std::vector<std::string> ops;
  for (const onnx2mcu::OpDef* op : onnx2mcu::all_ops())
    if (op->domain.empty() && !kSpecial.count(op->name) && !(differential && kNotDifferential.count(op->name)))
      ops.push_back(op->name);
  return ops;
}

}  // namespace

void to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* out) {
  if (!name.empty()) out->set_name(name);
  out->set_data_type(onnx_type(t.dtype));
  for (int64_t d : t.shape) out->add_dims(d);
  out->set_raw_data(std::string(t.bytes.begin(), t.bytes.end()));
}

Generated generate(uint64_t seed, const Options& opts) {
  static const std::vector<std::string> all = registry_ops(false), diff = registry_ops(true);
  const std::vector<std::string>& ops = opts.differential ? diff : all;
  Gen g;
  g.rng.seed(seed);
  g.o = opts;
  g.opset = g.rand(13, 17);
  g.out.model.set_ir_version(8);
  auto* imp = g.out.model.add_opset_import();
  imp->set_domain("");
  imp->set_version(g.opset);
  g.gp = g.out.model.mutable_graph();
  g.gp->set_name("fuzz_graph_" + std::to_string(seed));

  static const std::vector<DType> input_types = {DType::F32, DType::F32, DType::F32, DType::I64, DType::I32, DType::Bool,
                                                 DType::U8, DType::I8, DType::F64};
  const int inputs = g.rand(1, 3);
  Shape shared = g.random_shape();
  for (int i = 0; i < inputs; ++i) g.add_input(i == 0 ? DType::F32 : g.pick(input_types), g.chance(0.6) ? shared : g.random_shape());
  const int target = g.rand(2, std::max(2, opts.max_nodes));
  for (int attempt = 0; g.out.nodes < target && attempt < target * 40; ++attempt) {
    const int what = g.rand(0, 99);
    if (what < 8) {
      const bool ok = opts.identity_between_nodes;
      if (ok) g.identity_chain();
    } else if (what < 20) {
      g.view();
    } else if (what < 24) {
      g.control_flow();
    } else if (what < 28) {
      g.add_const(g.random_tensor(g.pick(input_types), g.chance(0.5) ? shared : g.random_shape()), true);
    } else {
      g.schema_node(ops);
    }
  }
  g.finish();
  return std::move(g.out);
}

}  // namespace graphgen
