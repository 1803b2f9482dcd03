// A run-time Loop that grows a sequence: each iteration appends one tensor to a loop-carried
// sequence (SequenceInsert at the end). A compiled body cannot carry a sequence, whose element
// count changes every iteration, so the appended tensor becomes a scan output instead: the output
// sequence is the initial elements followed by one row per iteration run, its count the initial
// count plus the trips (a run-time count, model outputs only: IoForm::runtime_count). The body is
// rewritten before prepare_runtime_loop compiles it; an appended x[s:e] with a constant start and
// a run-time end is a window x[s:] plus its run-time length, each element then a RuntimeRows.
#include <algorithm>
#include <limits>

#include "ops/helpers.h"
#include "passes/inliner.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// A graph and the node that owns it (nullptr for the Loop body): a branch's captured
// placeholders stand for that node's inputs.
struct Scope {
  const Graph* g;
  const Node* owner;
  const Scope* up;
};

// Whether a body value is, in every iteration, the loop-carried sequence itself: passed on by
// Identity, Optional or OptionalGetElement, or by an If whose condition those decide (the carried
// value is present in every iteration: the initial one is, and the body returns a sequence).
class CarriedSequence {
 public:
  explicit CarriedSequence(const Value* carried) : carried_(carried) {}

  bool is_carried(const Value* v, const Scope* s) const {
    if (!v) return false;
    lift(v, s);
    if (v == carried_) return true;
    const Node* p = v->producer;
    if (!p || !p->domain.empty()) return false;
    if (p->op == "Identity" || p->op == "Optional" || p->op == "OptionalGetElement") return is_carried(p->input(0), s);
    if (p->op != "If") return false;
    const std::optional<bool> cond = constant_bool(p->input(0), s);
    auto it = p->attrs.find(cond && *cond ? "then_branch" : "else_branch");
    if (!cond || it == p->attrs.end() || !it->second.g) return false;
    const size_t k = static_cast<size_t>(std::find(p->outputs.begin(), p->outputs.end(), v) - p->outputs.begin());
    if (k >= it->second.g->outputs.size()) return false;
    const Scope branch{it->second.g.get(), p, s};
    return is_carried(it->second.g->outputs[k], &branch);
  }

 private:
  // A bool the carried value's presence decides (or a constant): OptionalHasElement, Not, Identity.
  std::optional<bool> constant_bool(const Value* v, const Scope* s) const {
    if (!v) return std::nullopt;
    lift(v, s);
    if (v->is_const()) return v->constant->elems() == 1 ? std::optional<bool>(is_constant_true(*v)) : std::nullopt;
    const Node* p = v->producer;
    if (!p || !p->domain.empty()) return std::nullopt;
    if (p->op == "Identity") return constant_bool(p->input(0), s);
    if (p->op == "Not") {
      const std::optional<bool> x = constant_bool(p->input(0), s);
      return x ? std::optional<bool>(!*x) : std::nullopt;
    }
    if (p->op == "OptionalHasElement" && is_carried(p->input(0), s)) return true;
    return std::nullopt;
  }
  // A branch's captured placeholder: the value its If passes in, one scope up (repeatedly).
  static void lift(const Value*& v, const Scope*& s) {
    while (s && s->owner) {
      const auto& cap = s->g->captured;
      const auto it = std::find(cap.begin(), cap.end(), v);
      if (it == cap.end()) return;
      v = s->owner->inputs[own_inputs(*s->owner) + static_cast<size_t>(it - cap.begin())];
      s = s->up;
    }
  }

  const Value* carried_;
};

// Whether v changes between iterations: it depends on a body input (or a capture not constant).
bool varies(const Graph& body, const Value* v) {
  if (!v || v->is_const()) return false;
  if (!v->producer) return true;
  for (const Value* in : v->producer->inputs)
    if (varies(body, in)) return true;
  return false;
}

// Adds nodes to the body (in order, after the ones they read).
struct BodyBuilder {
  Graph& g;
  std::string prefix;
  int opset;

  Value* op(const std::string& type, std::vector<Value*> inputs, const std::string& hint, std::map<std::string, Attr> attrs = {}) {
    auto n = std::make_unique<Node>();
    n->name = prefix + hint;
    n->op = type;
    n->opset = opset;
    n->inputs = std::move(inputs);
    n->attrs = std::move(attrs);
    Value* y = g.add_value(fresh_name(g, prefix + hint));
    n->outputs = {y};
    y->producer = n.get();
    g.add_node(std::move(n));
    return y;
  }
  Value* ints(const std::string& hint, std::vector<int64_t> v, Shape shape) {
    Tensor t(DType::I64, std::move(shape));
    std::copy(v.begin(), v.end(), t.data<int64_t>());
    return g.add_constant(prefix + hint, std::move(t));
  }
  // An index (start or end) of an axis of length `dim` as Slice reads it: negative from the end,
  // then clamped to [0, dim].
  Value* clamped_index(Value* i, Value* dim, const std::string& hint) {
    Value* zero = ints("zero", {0}, {1});
    Value* i64 = op("Cast", {i}, hint + "64", {{"to", int_attr(7)}});
    Value* wrapped = op("Where", {op("Less", {i64, zero}, hint + "_negative"), op("Add", {i64, dim}, hint + "_from_end"), i64}, hint + "_wrapped");
    return op("Min", {op("Max", {wrapped, zero}, hint + "_from_0"), dim}, hint + "_clamped");
  }
};

// What one iteration appends to a grown sequence: a tensor of static shape, or (rows != nullptr)
// the first `rows` rows along `axis` of `window`.
struct Appended {
  Value* window = nullptr;
  Value* rows = nullptr;
  int64_t axis = 0;
};

// t = x[s:e] along one axis (step 1) with a constant start and an end that changes between
// iterations: the window x[s:] and its length clamp(e) - clamp(s); anything else as it is.
Appended appended(Graph& body, Value* t, const std::string& prefix) {
  const Node* s = t->producer;
  if (!s || !s->domain.empty() || s->op != "Slice" || s->inputs.size() < 3 || !varies(body, s->input(2))) return {t};
  const Value* starts = s->input(1);
  const Value* axes = s->input(3);
  const Value* steps = s->input(4);
  if (!starts || !starts->is_const() || starts->constant->elems() != 1) return {t};
  if (axes && (!axes->is_const() || axes->constant->elems() != 1 || axes->constant->int_at(0) < 0)) return {t};
  if (steps && (!steps->is_const() || steps->constant->elems() != 1 || steps->constant->int_at(0) != 1)) return {t};
  const int64_t axis = axes ? axes->constant->int_at(0) : 0;
  BodyBuilder b{body, prefix, s->opset};
  Value* x = s->input(0);
  Value* axis_v = b.ints("axis", {axis}, {1});
  Value* dim = b.op("Gather", {b.op("Shape", {x}, "shape"), axis_v}, "dim", {{"axis", int_attr(0)}});
  Value* start = b.clamped_index(s->input(1), dim, "start");
  Value* end = b.clamped_index(s->input(2), dim, "end");
  Value* big = b.ints("to_the_end", {std::numeric_limits<int64_t>::max()}, {1});
  Appended a;
  a.window = b.op("Slice", {x, s->input(1), big, axis_v}, "window");
  a.rows = b.op("Max", {b.op("Sub", {end, start}, "length"), b.ints("no_rows", {0}, {1})}, "rows");
  a.axis = axis;
  return a;
}

// Removes body nodes whose outputs nothing reads (what computed the sequence itself).
void drop_unread_nodes(Graph& body) {
  for (bool changed = true; changed;) {
    changed = false;
    body.remove_nodes_if([&](const Node& n) {
      for (const Value* o : n.outputs)
        if (o && (!body.consumers(o).empty() || std::count(body.outputs.begin(), body.outputs.end(), o))) return false;
      changed = true;
      return true;
    });
  }
}

// The most iterations the rewritten loop may run (its scan outputs' capacity), as prepare_runtime_loop decides it.
int64_t loop_bound(const Node& n, const PassOptions& opts) {
  const Value* m = n.input(0);
  const int64_t trips = m && m->is_const() ? std::max<int64_t>(0, m->constant->int_at(0)) : -1;
  int64_t bound = trips;
  if (opts.max_loop_iterations > 0 && (bound < 0 || bound > opts.max_loop_iterations)) bound = opts.max_loop_iterations;
  if (bound < 0)
    n.fail(std::string(m ? "its trip count '" + m->name + "' is known only at run time" : "it has no trip count") +
           ", so the sequence it grows needs a capacity: give one with --max-loop-iterations N" + (m ? freeze_advice(*m) : std::string()));
  return bound;
}

}  // namespace

std::optional<std::vector<std::unique_ptr<Node>>> lower_sequence_loop(Graph& g, const Node& n, Composites& c, const PassOptions& opts) {
  const Value* m = n.input(0);
  const Value* cond = n.input(1);
  if ((!m || m->is_const()) && (!cond || cond->is_const())) return std::nullopt;  // unrolled
  const size_t own = own_inputs(n);
  if (own < 2 || n.outputs.size() < own - 2) return std::nullopt;  // unrolling names the problem
  const size_t carried = own - 2;
  std::shared_ptr<Graph> body = clone_graph(graph_attr(n, "body"));
  if (body->inputs.size() != own || body->outputs.size() < 1 + carried)
    n.fail("its body has " + std::to_string(body->inputs.size()) + " inputs and " + std::to_string(body->outputs.size()) +
           " outputs for " + std::to_string(carried) + " loop-carried values");
  std::string advice;
  for (const Value* v : {m, cond})
    if (v && !v->is_const()) advice += freeze_advice(*v);

  // Which loop-carried values are grown sequences, and what each iteration appends.
  struct Grown {
    size_t j;
    std::vector<Value*> prefix;
    Appended add;
  };
  std::vector<Grown> grown;
  const Scope top{body.get(), nullptr, nullptr};
  for (size_t j = 0; j < carried; ++j) {
    Value* v = n.inputs[2 + j];
    if (!c.holds(v)) continue;
    const Value* seq = c.optionals.count(v) ? c.optionals.at(v) : v;
    if (!seq || !c.sequences.count(seq))
      n.fail("carries optional '" + v->name + "', " + (seq ? "which holds a tensor" : "which is empty") +
             "; a run-time Loop carries only a sequence it grows (or an optional holding one)" + advice);
    if (c.counts.count(seq)) n.fail("carries sequence '" + v->name + "', whose element count is known only at run time");
    for (const Value* e : c.sequences.at(seq))
      if (!e) n.fail("carries sequence '" + v->name + "', " + c.unknown_elements(seq));
    const Node* ins = body->outputs[1 + j]->producer;
    if (!ins || !ins->domain.empty() || ins->op != "SequenceInsert" || ins->input(2) || !ins->input(1) ||
        !CarriedSequence(body->inputs[2 + j]).is_carried(ins->input(0), &top))
      n.fail("carries sequence '" + v->name + "', which a run-time Loop supports only when each iteration appends one tensor to it " +
             "(SequenceInsert at the end); its body's output '" + body->outputs[1 + j]->name + "' is not that" + advice);
    grown.push_back({j, c.sequences.at(seq), appended(*body, ins->input(1), n.name + "/append" + std::to_string(j) + "/")});
  }

  // The body without the sequences: their appended tensors are scan outputs, and a counter of
  // the iterations run (the iteration number + 1) is carried instead.
  BodyBuilder b{*body, n.name + "/", n.opset};
  Value* count_in = body->add_value(fresh_name(*body, n.name + "/count_in"));
  Value* count_out = b.op("Add", {body->inputs[0], b.ints("one", {1}, {})}, "count");
  std::vector<Value*> ins = {body->inputs[0], body->inputs[1]}, outs = {body->outputs[0]}, scans;
  std::vector<const Value*> dropped;
  auto is_grown = [&](size_t j) { return std::any_of(grown.begin(), grown.end(), [&](const Grown& s) { return s.j == j; }); };
  for (size_t j = 0; j < carried; ++j) {
    if (is_grown(j)) {
      dropped.push_back(body->inputs[2 + j]);
      continue;
    }
    ins.push_back(body->inputs[2 + j]);
    outs.push_back(body->outputs[1 + j]);
  }
  ins.push_back(count_in);
  outs.push_back(count_out);
  outs.insert(outs.end(), body->outputs.begin() + static_cast<std::ptrdiff_t>(1 + carried), body->outputs.end());
  for (const Grown& s : grown) {
    outs.push_back(s.add.window);
    if (s.add.rows) outs.push_back(s.add.rows);
  }
  body->inputs = ins;
  body->outputs = outs;
  drop_unread_nodes(*body);
  for (const Value* d : dropped)
    if (!body->consumers(d).empty())
      n.fail("its body reads loop-carried sequence '" + d->name + "' other than to append to it (node '" + body->consumers(d)[0]->name +
             "'); a run-time Loop supports only appending" + advice);
  body->drop_unused_values();

  // The rewritten Loop: (M, cond, other carried, 0) -> (other carried, trips, scans, appended rows).
  Inliner in{g, n, opts.max_nodes - static_cast<int64_t>(g.nodes.size()), {}};
  auto loop = std::make_unique<Node>(n);
  loop->attrs["body"].g = body;
  loop->inputs = {n.inputs[0], n.inputs[1]};
  loop->outputs.clear();
  for (size_t j = 0; j < carried; ++j)
    if (!is_grown(j)) {
      loop->inputs.push_back(n.inputs[2 + j]);
      loop->outputs.push_back(n.outputs[j]);
    }
  loop->inputs.push_back(in.int64_constant(n.name + "/no_trips", {0}, {}));
  loop->inputs.insert(loop->inputs.end(), n.inputs.begin() + static_cast<std::ptrdiff_t>(own), n.inputs.end());
  Value* trips = in.new_value(n.name + "/trips");
  loop->outputs.push_back(trips);
  loop->outputs.insert(loop->outputs.end(), n.outputs.begin() + static_cast<std::ptrdiff_t>(carried), n.outputs.end());
  std::vector<std::pair<Value*, Value*>> rows_out;  // per grown sequence: its windows and their lengths
  for (const Grown& s : grown) {
    Value* windows = in.new_value(n.name + "/appended" + std::to_string(s.j));
    Value* lengths = s.add.rows ? in.new_value(n.name + "/appended" + std::to_string(s.j) + "_rows") : nullptr;
    loop->outputs.push_back(windows);
    if (lengths) loop->outputs.push_back(lengths);
    rows_out.emplace_back(windows, lengths);
  }
  int64_t counted = 0;  // the appended rows: read only below the trips (prepare_runtime_loop)
  for (const auto& w : rows_out) counted += w.second ? 2 : 1;
  set_int_attr(*loop, kLoopCountedScansAttr, counted);
  for (Value* o : loop->outputs)
    if (o) o->producer = loop.get();
  in.out.push_back(std::move(loop));

  // Each grown sequence: its initial elements, then one per iteration the bound allows (those
  // past the trips have no rows), and its count.
  const int64_t bound = loop_bound(n, opts);
  for (size_t k = 0; k < grown.size(); ++k) {
    const Grown& s = grown[k];
    Value* out = n.outputs[s.j];
    if (!out) continue;
    const std::string id = n.name + "/" + out->name + "/";
    std::vector<Value*> elems = s.prefix;
    for (int64_t r = 0; r < bound; ++r) {
      const std::string e = id + std::to_string(r);
      Value* elem = in.take(rows_out[k].first, r, 0, e);
      if (rows_out[k].second) {
        Value* run = in.new_value(e + "/ran");
        in.emit("Less", e + "/ran", {in.int64_constant(e + "/iteration", {r}, {}), trips}, run);
        Value* rows = in.new_value(e + "/rows");
        in.emit("Where", e + "/rows", {run, in.take(rows_out[k].second, r, 0, e + "/length"), in.int64_constant(e + "/none", {0}, {1})}, rows);
        Value* y = in.new_value(e + "/element");
        Node* rr = in.emit("RuntimeRows", e + "/element", {elem, rows}, y,
                           s.add.axis ? std::map<std::string, Attr>{{"axis", int_attr(s.add.axis)}} : std::map<std::string, Attr>{});
        rr->domain = "onnx2mcu";
        elem = y;
      }
      elems.push_back(elem);
    }
    Value* count = trips;
    if (!s.prefix.empty()) {
      count = in.new_value(id + "count");
      in.emit("Add", id + "count", {trips, in.int64_constant(id + "initial_count", {static_cast<int64_t>(s.prefix.size())}, {})}, count);
    }
    c.sequences[out] = std::move(elems);
    c.counts[out] = count;
  }
  return std::move(in.out);
}

}  // namespace onnx2mcu
