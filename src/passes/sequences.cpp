// Sequences and optionals, compiled element by element. A microcontroller build gives every
// sequence a number of elements and every optional a presence known at compile time, so a
// sequence is a list of tensor values and an optional is a tensor (or sequence) or nothing.
// infer-shapes-and-fold calls lower_composite for each Sequence*/Optional* node (and an Identity
// of a sequence or optional) in turn: it records what the node's outputs hold and returns the
// tensor nodes that compute them, which that pass then infers and folds like any others.
// Positions known only at run time need elements of one shape: the sequence is then stacked into
// one tensor and reordered by a Gather with indices computed at run time.
#include <algorithm>
#include <iterator>
#include <numeric>

#include "ops/helpers.h"
#include "passes/inliner.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

bool is_composite_op(const Node& n) {
  static const char* const ops[] = {"SequenceEmpty",      "SequenceConstruct", "SequenceInsert", "SequenceErase",
                                    "SequenceAt",         "SequenceLength",    "SplitToSequence", "ConcatFromSequence",
                                    "SequenceMap",        "Optional",          "OptionalHasElement", "OptionalGetElement"};
  return n.domain.empty() && std::find_if(std::begin(ops), std::end(ops), [&](const char* op) { return n.op == op; }) != std::end(ops);
}

// An output computed at compile time (a length, a presence): a constant, no node.
void set_constant(Value* out, Tensor t) {
  if (!out) return;
  out->dtype = t.dtype;
  out->shape = t.shape;
  out->constant = std::move(t);
  out->producer = nullptr;
}

struct Lowering {
  Inliner in;
  Composites& c;

  const Node& n() const { return in.owner; }

  const std::vector<Value*>& sequence(size_t i) {
    Value* v = n().input(i);
    auto it = v ? c.sequences.find(v) : c.sequences.end();
    if (it == c.sequences.end()) n().fail("input " + std::to_string(i) + (v ? " '" + v->name + "'" : "") + " is not a sequence");
    if (c.counts.count(v))
      n().fail("reads sequence '" + v->name + "', whose element count is known only at run time; onnx2mcu supports that only for a model output" +
               " that nothing else reads");
    return it->second;
  }
  // The elements of input i, each a tensor whose shape is known.
  const std::vector<Value*>& known_sequence(size_t i) {
    const std::vector<Value*>& s = sequence(i);
    for (const Value* e : s)
      if (!e) n().fail("reads elements of sequence '" + n().input(i)->name + "', " + c.unknown_elements(n().input(i)));
    return s;
  }
  void set_sequence(size_t k, std::vector<Value*> elems) {
    if (k < n().outputs.size() && n().outputs[k]) c.sequences[n().outputs[k]] = std::move(elems);
  }
  // out := v, as an Identity (a view) so `out` keeps its name.
  void alias(Value* v, Value* out) {
    if (out) in.emit("Identity", n().name, {v}, out);
  }

  // A compile-time position: in [-len, len) (or [-len, len] for an insertion), made non-negative.
  int64_t constant_position(size_t i, int64_t len, bool insertion) {
    const Tensor& t = constant_input(n(), i, "the position");
    if (t.elems() != 1) n().fail("the position must hold one value");
    int64_t p = t.int_at(0);
    const int64_t hi = insertion ? len : len - 1;
    if (p < -len || p > hi)
      n().fail("position " + std::to_string(p) + " is outside [" + std::to_string(-len) + ", " + std::to_string(hi) +
               "] for a sequence of " + std::to_string(len) + " elements");
    return p < 0 ? p + len : p;
  }

  // Run-time positions need one element shape: the sequence is stacked along a new axis 0.
  // Elements that differ only in their length along axis 0 are first padded with zeros to the
  // longest when `rows` is given, which then holds their lengths (for RuntimeRows elements).
  Value* stacked(const std::vector<Value*>& elems, size_t pos_input, Value** rows = nullptr) {
    std::vector<int64_t> lengths;
    int64_t longest = 0;
    bool ragged = false;
    for (const Value* e : elems) {
      const bool same_rows_shape = e->shape.size() == elems[0]->shape.size() && !e->shape.empty() &&
                                   std::equal(e->shape.begin() + 1, e->shape.end(), elems[0]->shape.begin() + 1);
      ragged = ragged || e->shape != elems[0]->shape;
      if (e->dtype != elems[0]->dtype || (e->shape != elems[0]->shape && (!rows || !same_rows_shape))) {
        const Value* pos = n().input(pos_input);
        n().fail("position '" + pos->name + "' is known only at run time, which needs elements of one shape" +
                 (rows ? " but for their length along axis 0" : "") + "; they are " + shape_str(elems[0]->shape) + " and " +
                 shape_str(e->shape) + (pos->is_graph_input ? " (or fix it: --freeze " + pos->name + "=FILE.pb)" : ""));
      }
      if (!e->shape.empty()) {
        lengths.push_back(e->shape[0]);
        longest = std::max(longest, e->shape[0]);
      }
    }
    if (!ragged) return in.stack(elems, 0, nullptr, n().name + "/stacked");
    std::vector<Value*> padded;
    for (size_t k = 0; k < elems.size(); ++k) {
      std::vector<int64_t> pads(2 * elems[k]->shape.size(), 0);
      pads[elems[k]->shape.size()] = longest - lengths[k];  // rows added at the end of axis 0
      const std::string id = std::to_string(k);
      padded.push_back(lengths[k] == longest ? elems[k] : op("Pad", {elems[k], indices("pads_" + id, pads)}, "padded_" + id));
    }
    *rows = indices("rows", lengths);
    return in.stack(padded, 0, nullptr, n().name + "/stacked");
  }
  Value* op(const std::string& type, std::vector<Value*> inputs, const std::string& hint, std::map<std::string, Attr> attrs = {}) {
    Value* y = in.new_value(n().name + "/" + hint);
    in.emit(type, n().name + "/" + hint, std::move(inputs), y, std::move(attrs));
    return y;
  }
  Value* indices(const std::string& hint, std::vector<int64_t> v) {
    const auto len = static_cast<int64_t>(v.size());
    return in.int64_constant(n().name + "/" + hint, std::move(v), {len});
  }
  // The run-time position as int64, negative ones counted from the end of `len` elements.
  Value* runtime_position(size_t i, int64_t len) {
    Value* p = n().input(i);
    if (p->elems() != 1) n().fail("the position must hold one value");
    if (p->dtype != DType::I64) p = op("Cast", {p}, "pos64", {{"to", int_attr(7)}});
    Value* zero = in.int64_constant(n().name + "/zero", {0}, {});
    Value* wrapped = op("Add", {p, in.int64_constant(n().name + "/len", {len}, {})}, "wrapped");
    return op("Where", {op("Less", {p, zero}, "negative"), wrapped, p}, "pos");
  }
  // The elements of `stack` (a stacked sequence) reordered by run-time `order`, one value each;
  // with `rows` (the elements' lengths, stacked() padded them) each reports its own (RuntimeRows).
  std::vector<Value*> unstack(Value* stack, Value* order, int64_t count, Value* rows) {
    Value* reordered = op("Gather", {stack, order}, "reordered", {{"axis", int_attr(0)}});
    Value* lengths = rows ? op("Gather", {rows, order}, "reordered_rows", {{"axis", int_attr(0)}}) : nullptr;
    std::vector<Value*> elems;
    for (int64_t k = 0; k < count; ++k) {
      const std::string id = std::to_string(k);
      elems.push_back(in.take(reordered, k, 0, n().name + "/" + id));
      if (lengths)
        elems.back() = runtime_rows(elems.back(), op("Gather", {lengths, indices("index_" + id, {k})}, "rows_" + id, {{"axis", int_attr(0)}}),
                                    "element_" + id);
    }
    return elems;
  }

  void sequence_insert() {
    std::vector<Value*> s = known_sequence(0);
    Value* t = n().input(1);
    if (!t || c.holds(t)) n().fail("inserts something that is not a tensor");
    if (!s.empty() && t->dtype != s[0]->dtype) n().fail("inserts a tensor of another element type than the sequence's");
    const auto len = static_cast<int64_t>(s.size());
    Value* pos = n().input(2);
    if (!pos) {
      s.push_back(t);
    } else if (pos->is_const()) {
      s.insert(s.begin() + constant_position(2, len, true), t);
    } else if (len == 0) {
      s.push_back(t);  // the only valid position
    } else {
      // order[k] = k before the position, the new element (last in the stack) at it, k - 1 after it
      std::vector<Value*> all = s;
      all.push_back(t);
      Value* rows = nullptr;
      Value* stack = stacked(all, 2, &rows);
      Value* p = runtime_position(2, len);
      std::vector<int64_t> r(static_cast<size_t>(len + 1)), before(r.size());
      std::iota(r.begin(), r.end(), 0);
      std::iota(before.begin(), before.end(), -1);
      Value* rv = indices("k", r);
      Value* at = op("Where", {op("Equal", {rv, p}, "at_pos"), in.int64_constant(n().name + "/last", {len}, {}), indices("k_minus_1", before)},
                     "shifted");
      Value* order = op("Where", {op("Less", {rv, p}, "before_pos"), rv, at}, "order");
      s = unstack(stack, order, len + 1, rows);
    }
    set_sequence(0, std::move(s));
  }

  void sequence_erase() {
    std::vector<Value*> s = known_sequence(0);
    const auto len = static_cast<int64_t>(s.size());
    if (len == 0) n().fail("erases from an empty sequence");
    Value* pos = n().input(1);
    if (!pos) {
      s.pop_back();
    } else if (pos->is_const()) {
      s.erase(s.begin() + constant_position(1, len, false));
    } else if (len == 1) {
      s.clear();  // the only valid position
    } else {
      // order[k] = k before the position, k + 1 from it on
      Value* rows = nullptr;
      Value* stack = stacked(s, 1, &rows);
      Value* p = runtime_position(1, len);
      std::vector<int64_t> r(static_cast<size_t>(len - 1)), after(r.size());
      std::iota(r.begin(), r.end(), 0);
      std::iota(after.begin(), after.end(), 1);
      Value* rv = indices("k", r);
      Value* order = op("Where", {op("Less", {rv, p}, "before_pos"), rv, indices("k_plus_1", after)}, "order");
      s = unstack(stack, order, len - 1, rows);
    }
    set_sequence(0, std::move(s));
  }

  void sequence_at() {
    const std::vector<Value*>& s = known_sequence(0);
    const auto len = static_cast<int64_t>(s.size());
    if (len == 0) n().fail("reads from an empty sequence");
    Value* pos = n().input(1);
    if (!pos) n().fail("has no position input");
    if (pos->is_const() || len == 1) {  // one element: the only valid position
      alias(s[pos->is_const() ? static_cast<size_t>(constant_position(1, len, false)) : 0], n().outputs[0]);
      return;
    }
    if (pos->elems() != 1) n().fail("the position must hold one value");
    Value* stack = stacked(s, 1);
    Value* scalar = pos->shape.empty() ? pos : op("Reshape", {pos, in.int64_constant(n().name + "/scalar", {}, {0})}, "pos");
    in.emit("Gather", n().name, {stack, scalar}, n().outputs[0], {{"axis", int_attr(0)}});  // negative wraps; out of range reads 0
  }

  // x's element of `rows` rows (known at run time) held in `window`, its capacity (an onnx2mcu
  // RuntimeRows node: a model output whose length the run reports).
  Value* runtime_rows(Value* window, Value* rows, const std::string& hint, int64_t axis = 0) {
    Value* y = in.new_value(n().name + "/" + hint);
    Node* r = in.emit("RuntimeRows", n().name + "/" + hint, {window, rows}, y, axis ? std::map<std::string, Attr>{{"axis", int_attr(axis)}} : std::map<std::string, Attr>{});
    r->domain = "onnx2mcu";
    return y;
  }

  // Pieces of run-time sizes along axis 0: piece k is the window x[at_k : at_k + len] (rows past
  // the axis read zeros), at_k the sum of the sizes before it, of which the first split[k] rows
  // are the element.
  std::vector<Value*> runtime_split(Value* x, Value* split, int64_t len) {
    Value* sizes = split->dtype == DType::I64 ? split : op("Cast", {split}, "split64", {{"to", int_attr(7)}});
    Value* width = indices("width", {len});
    Value* axes = indices("axes", {0});
    Value* at = indices("at_0", {0});
    std::vector<Value*> elems;
    for (int64_t k = 0; k < split->shape[0]; ++k) {
      const std::string id = std::to_string(k);
      Value* rows = op("Gather", {sizes, indices("index_" + id, {k})}, "rows_" + id, {{"axis", int_attr(0)}});
      Value* window = op("Slice", {x, at, op("Add", {at, width}, "end_" + id), axes}, "window_" + id);
      elems.push_back(runtime_rows(window, rows, id));
      at = op("Add", {at, rows}, "at_" + std::to_string(k + 1));
    }
    return elems;
  }

  // Pieces of one run-time size s (a scalar) along `axis` of length len: ceil(len / s) of them,
  // a count known at run time. Capacity: len elements (s >= 1), element k at most len / (k + 1)
  // long (it exists only when k * s < len, and is min(s, len - k * s) long). Piece k is the
  // window x[k*s : k*s + len/(k+1)] of which the first min(s, len - k*s) are the element (0 once
  // past the axis); a size below 1 gives every element the length -1, which the run refuses.
  void runtime_split_size(Value* x, Value* split, int64_t axis, int64_t len) {
    if (split->elems() != 1) n().fail("split must hold one value");
    Value* s64 = op("Reshape", {split->dtype == DType::I64 ? split : op("Cast", {split}, "split64", {{"to", int_attr(7)}}), indices("scalar", {})},
                    "size");
    // Clamped to [0, len] first (a larger size splits alike), so k * s cannot overflow.
    Value* s = op("Min", {op("Max", {s64, in.int64_constant(n().name + "/zero_size", {0}, {})}, "size_from_0"),
                          in.int64_constant(n().name + "/len_size", {len}, {})},
                  "size_to_len");
    std::vector<int64_t> ks(static_cast<size_t>(len));
    std::iota(ks.begin(), ks.end(), 0);
    Value* zero = in.int64_constant(n().name + "/zero", {0}, {});
    Value* starts = op("Mul", {indices("k", ks), s}, "starts");
    Value* left = op("Max", {op("Sub", {in.int64_constant(n().name + "/len", {len}, {}), starts}, "left"), zero}, "left_or_0");
    Value* lengths = op("Where", {op("Less", {s, in.int64_constant(n().name + "/one", {1}, {})}, "not_positive"),
                                  in.int64_constant(n().name + "/minus_1", {-1}, {}), op("Min", {left, s}, "fits")},
                        "lengths");
    Value* count = op("ReduceSum", {op("Cast", {op("Greater", {lengths, zero}, "exists")}, "exists64", {{"to", int_attr(7)}}), indices("axes", {0})},
                      "count", {{"keepdims", int_attr(0)}});
    Value* axes = indices("axis", {axis});
    std::vector<Value*> elems;
    for (int64_t k = 0; k < len; ++k) {
      const std::string id = std::to_string(k);
      Value* at = op("Gather", {starts, indices("index_" + id, {k})}, "at_" + id, {{"axis", int_attr(0)}});
      Value* rows = op("Gather", {lengths, indices("index_" + id, {k})}, "rows_" + id, {{"axis", int_attr(0)}});
      Value* window = op("Slice", {x, at, op("Add", {at, indices("width_" + id, {len / (k + 1)})}, "end_" + id), axes}, "window_" + id);
      elems.push_back(runtime_rows(window, rows, id, axis));
    }
    set_sequence(0, std::move(elems));
    if (n().outputs[0]) c.counts[n().outputs[0]] = count;
  }

  void split_to_sequence() {
    Value* x = n().input(0);
    if (!x || c.holds(x)) n().fail("splits something that is not a tensor");
    const auto rank = static_cast<int64_t>(x->shape.size());
    if (rank == 0) n().fail("cannot split a scalar");
    const int64_t axis = normalize_axis(n(), n().attr_int("axis", 0), rank);
    const int64_t len = x->shape[static_cast<size_t>(axis)];
    Value* split = n().input(1);
    std::vector<Value*> elems;
    // Every element is a node of its own: as many as --max-nodes allows.
    auto check_pieces = [&](int64_t pieces) {
      if (pieces > in.budget) n().fail("makes " + std::to_string(pieces) + " elements, more nodes than the limit allows (--max-nodes)");
    };
    if (!split) {  // pieces of one, the axis kept or (keepdims 0) removed
      check_pieces(len);
      const bool keep = n().attr_int("keepdims", 1) != 0;
      for (int64_t k = 0; k < len; ++k) {
        const std::string name = n().name + "/" + std::to_string(k);
        elems.push_back(keep ? op("Gather", {x, in.int64_constant(name + "/index", {k}, {1})}, std::to_string(k), {{"axis", int_attr(axis)}})
                             : in.take(x, k, axis, name));
      }
      set_sequence(0, std::move(elems));
      return;
    }
    if (split->shape.size() > 1) n().fail("split must be a scalar or 1-D");
    if (!split->is_const()) {
      if (split->shape.empty()) {
        check_pieces(len);
        runtime_split_size(x, split, axis, len);
        return;
      }
      if (axis == 0) {
        check_pieces(split->shape[0]);
        set_sequence(0, runtime_split(x, split, len));
        return;
      }
      set_sequence(0, std::vector<Value*>(static_cast<size_t>(split->shape[0]), nullptr));  // a count, no shapes
      if (n().outputs[0]) c.runtime_splits[n().outputs[0]] = split;
      return;
    }
    const Tensor& t = *split->constant;
    std::vector<int64_t> sizes;
    if (split->shape.empty()) {
      const int64_t s = t.int_at(0);
      if (s <= 0) n().fail("split size " + std::to_string(s) + " must be positive");
      check_pieces(len / s + (len % s != 0));
      for (int64_t at = 0; at < len; at += s) sizes.push_back(std::min(s, len - at));
    } else {
      check_pieces(t.elems());
      for (int64_t k = 0; k < t.elems(); ++k) sizes.push_back(t.int_at(k));
      int64_t total = 0;
      for (int64_t s : sizes) {
        if (s < 0) n().fail("split size " + std::to_string(s) + " is negative");
        if (s > len - total) n().fail("split sizes add up to more than the " + std::to_string(len) + " the axis has");
        total += s;  // never past len: no overflow
      }
      if (total != len) n().fail("split sizes add up to " + std::to_string(total) + ", the axis has " + std::to_string(len));
    }
    int64_t at = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      std::vector<int64_t> rows(static_cast<size_t>(sizes[k]));
      std::iota(rows.begin(), rows.end(), at);
      at += sizes[k];
      elems.push_back(op("Gather", {x, indices(std::to_string(k) + "/rows", rows)}, std::to_string(k), {{"axis", int_attr(axis)}}));
    }
    set_sequence(0, std::move(elems));
  }

  void concat_from_sequence() {
    const std::vector<Value*>& s = known_sequence(0);
    if (s.empty()) n().fail("concatenates an empty sequence");
    if (!n().has_attr("axis")) n().fail("has no 'axis' attribute");
    int64_t axis = n().attr_int("axis", 0);
    if (n().attr_int("new_axis", 0) != 0) {
      const auto rank = static_cast<int64_t>(s[0]->shape.size());
      if (axis < -rank - 1 || axis > rank) n().fail("axis " + std::to_string(axis) + " is outside [" + std::to_string(-rank - 1) + ", " + std::to_string(rank) + "]");
      in.stack(s, axis < 0 ? axis + rank + 1 : axis, n().outputs[0], n().name);
      return;
    }
    in.emit("Concat", n().name, s, n().outputs[0], {{"axis", int_attr(axis)}});
  }

  // SequenceMap: the body inlined once per element; tensor inputs go to every call as they are.
  void sequence_map() {
    const size_t own = own_inputs(n());
    const Graph& body = graph_attr(n(), "body");
    const int64_t len = static_cast<int64_t>(sequence(0).size());
    for (size_t j = 0; j < own; ++j)
      if (n().input(j) && c.sequences.count(n().input(j)) && static_cast<int64_t>(known_sequence(j).size()) != len)
        n().fail("its input sequences have different lengths");
    std::vector<std::vector<Value*>> outs(n().outputs.size());
    for (int64_t k = 0; k < len; ++k) {
      std::vector<Value*> args;
      for (size_t j = 0; j < own; ++j) {
        Value* v = n().input(j);
        auto it = v ? c.sequences.find(v) : c.sequences.end();
        args.push_back(it != c.sequences.end() ? it->second[static_cast<size_t>(k)] : v);
      }
      std::vector<Value*> res = in.inline_once(body, args, n().name + "/" + std::to_string(k) + "/", {});
      if (res.size() != outs.size()) n().fail("its body has " + std::to_string(res.size()) + " outputs, the node " + std::to_string(outs.size()));
      for (size_t o = 0; o < outs.size(); ++o) outs[o].push_back(res[o]);
    }
    for (size_t o = 0; o < outs.size(); ++o) set_sequence(o, std::move(outs[o]));
  }

  void optional_get_element() {
    Value* x = n().input(0);
    Value* out = n().outputs.empty() ? nullptr : n().outputs[0];
    if (!x) n().fail("has no input");
    auto opt = c.optionals.find(x);
    Value* e = opt == c.optionals.end() ? x : opt->second;  // a tensor or sequence stands for itself
    if (!e) n().fail("reads the element of optional '" + x->name + "', which is empty");
    auto seq = c.sequences.find(e);
    if (seq != c.sequences.end()) {
      if (out) c.sequences[out] = seq->second;
    } else {
      alias(e, out);
    }
  }

  void run() {
    const std::string& op_type = n().op;
    Value* out = n().outputs.empty() ? nullptr : n().outputs[0];
    if (op_type == "SequenceEmpty") {
      set_sequence(0, {});
    } else if (op_type == "SequenceConstruct") {
      for (Value* v : n().inputs)
        if (!v || c.holds(v) || v->dtype != n().inputs[0]->dtype) n().fail("its inputs must be tensors of one element type");
      set_sequence(0, n().inputs);
    } else if (op_type == "SequenceInsert") {
      sequence_insert();
    } else if (op_type == "SequenceErase") {
      sequence_erase();
    } else if (op_type == "SequenceAt") {
      sequence_at();
    } else if (op_type == "SequenceLength") {
      Tensor t(DType::I64, {});
      t.data<int64_t>()[0] = static_cast<int64_t>(sequence(0).size());
      set_constant(out, std::move(t));
    } else if (op_type == "SplitToSequence") {
      split_to_sequence();
    } else if (op_type == "ConcatFromSequence") {
      concat_from_sequence();
    } else if (op_type == "SequenceMap") {
      sequence_map();
    } else if (op_type == "Optional") {
      if (out) c.optionals[out] = n().input(0);
    } else if (op_type == "OptionalHasElement") {
      Value* x = n().input(0);
      auto flag = x ? c.presence.find(x) : c.presence.end();
      if (flag != c.presence.end()) {  // decided at run time
        alias(flag->second, out);
        return;
      }
      auto opt = x ? c.optionals.find(x) : c.optionals.end();
      Tensor t(DType::Bool, {});
      t.bytes[0] = x && (opt == c.optionals.end() || opt->second) ? 1 : 0;
      set_constant(out, std::move(t));
    } else if (op_type == "OptionalGetElement") {
      optional_get_element();
    } else {  // Identity of a sequence or optional: the same elements
      Value* x = n().input(0);
      if (c.sequences.count(x)) c.sequences[out] = c.sequences[x];
      if (c.runtime_splits.count(x)) c.runtime_splits[out] = c.runtime_splits[x];
      if (c.counts.count(x)) c.counts[out] = c.counts.at(x);
      if (c.optionals.count(x)) c.optionals[out] = c.optionals[x];
      if (c.presence.count(x)) c.presence[out] = c.presence.at(x);
    }
  }
};

}  // namespace

std::string Composites::unknown_elements(const Value* seq) const {
  auto it = runtime_splits.find(seq);
  const Value* split = it == runtime_splits.end() ? nullptr : it->second;
  return "whose shapes depend on split sizes known only at run time (supported along axis 0 only)" +
         (split && split->is_graph_input ? "; fix them: --freeze " + split->name + "=FILE.pb" : std::string());
}

std::optional<std::vector<std::unique_ptr<Node>>> lower_composite(Graph& g, const Node& n, Composites& c, const PassOptions& opts) {
  const bool identity_of_composite = n.domain.empty() && n.op == "Identity" && n.input(0) && c.holds(n.input(0));
  if (!is_composite_op(n) && !identity_of_composite) return std::nullopt;
  Lowering l{Inliner{g, n, opts.max_nodes - static_cast<int64_t>(g.nodes.size()), {}}, c};
  l.run();
  return std::move(l.in.out);
}

void flatten_composite_outputs(Graph& g, const Composites& c) {
  std::vector<Value*> outputs;
  std::vector<IoForm> forms;
  std::vector<std::unique_ptr<Node>> copies;
  bool any = false;
  for (Value* v : g.outputs) {
    if (!c.holds(v)) {
      outputs.push_back(v);
      forms.push_back({});
      continue;
    }
    any = true;
    IoForm form;
    std::vector<Value*> elems;
    const Value* seq = v;
    auto opt = c.optionals.find(v);
    if (opt != c.optionals.end()) {
      form.kind = opt->second && c.sequences.count(opt->second) ? IoForm::Kind::OptionalSequence : IoForm::Kind::Optional;
      form.present = opt->second != nullptr;
      form.runtime_present = c.presence.count(v) > 0;
      seq = opt->second;
      if (form.kind == IoForm::Kind::Optional && seq) elems.push_back(opt->second);
    } else {
      form.kind = IoForm::Kind::Sequence;
    }
    if (seq && c.sequences.count(seq)) elems = c.sequences.at(seq);
    // Each element a graph output of its own, named after the model output: NAME_0, NAME_1, ...
    for (size_t k = 0; k < elems.size(); ++k) {
      if (!elems[k]) throw Error("graph output '" + v->name + "' holds elements " + c.unknown_elements(seq));
      Value* e = g.add_value(fresh_name(g, v->name + "_" + std::to_string(k)));
      e->dtype = elems[k]->dtype;
      e->shape = elems[k]->shape;
      e->is_graph_output = true;
      outputs.push_back(e);
      if (elems[k]->is_const()) {  // a constant output needs no copy
        e->constant = elems[k]->constant;
        continue;
      }
      auto id = std::make_unique<Node>();
      id->name = v->name + "/" + std::to_string(k);
      id->op = "Identity";
      id->inputs = {elems[k]};
      const Node* rows = elems[k]->producer;
      if (rows && is_runtime_rows(*rows)) {  // the output itself reports its length
        id->op = rows->op;
        id->domain = rows->domain;
        id->inputs = rows->inputs;
        id->attrs = rows->attrs;
      }
      id->outputs = {e};
      e->producer = id.get();
      copies.push_back(std::move(id));
    }
    form.count = elems.size();
    auto count = seq ? c.counts.find(seq) : c.counts.end();
    form.runtime_count = count != c.counts.end();
    forms.push_back(form);
    // Then NAME_count, how many elements the run filled, or NAME_present, whether they hold a value.
    auto extra_output = [&](Value* from, const std::string& suffix) {
      Value* e = g.add_value(fresh_name(g, v->name + "_" + suffix));
      e->dtype = from->dtype;
      e->shape = from->shape;
      e->is_graph_output = true;
      outputs.push_back(e);
      auto id = std::make_unique<Node>();
      id->name = v->name + "/" + suffix;
      id->op = "Identity";
      id->inputs = {from};
      id->outputs = {e};
      e->producer = id.get();
      copies.push_back(std::move(id));
    };
    if (form.runtime_count) extra_output(count->second, "count");
    if (form.runtime_present) extra_output(c.presence.at(v), "present");
  }
  if (!any && g.output_forms.size() == g.outputs.size()) return;  // as the loader left them (or flattened already)
  for (auto& n : copies) g.nodes.push_back(std::move(n));
  for (Value* v : g.outputs)
    if (c.holds(v)) v->is_graph_output = false;
  g.outputs = std::move(outputs);
  g.output_forms = std::move(forms);
}

}  // namespace onnx2mcu
