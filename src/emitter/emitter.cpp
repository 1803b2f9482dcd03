#include "emitter/emitter.h"

#include <algorithm>
#include <map>
#include <set>

#include "emitter/embedded.h"
#include "emitter/literals.h"
#include "emitter/naming.h"
#include "emitter/weights.h"
#include "kernels/quant.hpp"
#include "onnx2mcu/error.h"
#include "onnx2mcu/version.h"
#include "ops/helpers.h"
#include "ops/op.h"

namespace onnx2mcu {
namespace {

// Kernel headers a set of headers needs, following their own #include "..." lines.
std::set<std::string> with_dependencies(std::set<std::string> headers) {
  std::vector<std::string> todo(headers.begin(), headers.end());
  while (!todo.empty()) {
    std::string h = todo.back();
    todo.pop_back();
    const std::string& text = embedded_file("kernels/" + h);
    for (size_t pos = 0; (pos = text.find("#include \"", pos)) != std::string::npos;) {
      pos += 10;
      std::string dep = text.substr(pos, text.find('"', pos) - pos);
      if (headers.insert(dep).second) todo.push_back(dep);
    }
  }
  return headers;
}

class ModelEmitter {
 public:
  ModelEmitter(const Graph& g, const MemoryPlan& plan, const EmitOptions& opts) : g_(g), plan_(plan), opts_(opts) {}

  int64_t weight_bytes() const { return weight_bytes_; }
  const std::set<const Value*>& weights() const { return weights_; }

  std::vector<GeneratedFile> run() {
    name_params();
    std::string body = emit_body();
    std::string weights = emit_weights();
    std::vector<GeneratedFile> files;
    const std::string h = opts_.name + ".h", cpp = opts_.name + ".cpp";
    std::string includes;
    for (const auto& k : headers_) includes += "#include \"kernels/" + k + "\"\n";
    if (needs_memcpy_) includes += "#include <string.h>\n";
    std::string arena, at_fn;
    // A graph whose tensors are all empty (a zero batch) still addresses the arena, at 0 bytes:
    // one byte keeps the array legal C++.
    const bool uses_arena = plan_.arena.arena_bytes > 0 || body.find("at<") != std::string::npos;
    const std::string arena_size = plan_.arena.arena_bytes > 0 ? upper(opts_.name) + "_ARENA_BYTES" : "1";
    if (uses_arena) {
      at_fn = "// Where the memory planner put each intermediate tensor: arena + offset.\n"
           "template <typename T>\ninline T* at(void* arena, uint32_t offset) {\n"
           "  return static_cast<T*>(static_cast<void*>(static_cast<uint8_t*>(arena) + offset));\n}\n";
      arena = "// The arena of " + opts_.name + "_run.\nalignas(" + std::to_string(kArenaAlign) + ") " + upper(opts_.name) +
              "_ARENA_ATTR uint8_t arena[" + arena_size + "];\n";
    } else {
      body = "  (void)arena;  // no intermediate tensors\n" + body;
    }
    const std::string args = std::string(uses_arena ? "arena" : "nullptr") + (args_.empty() ? "" : ", " + args_);
    const std::vector<std::pair<std::string, std::string>> vars = {
        {"FILE_H", h},
        {"FILE_CPP", cpp},
        {"VERSION", kVersion},
        {"MODEL_FILE", comment_safe(opts_.model_file)},
        {"GUARD", upper(opts_.name) + "_H_"},
        {"NAME", opts_.name},
        {"NAME_UPPER", upper(opts_.name)},
        {"ARENA_BYTES", std::to_string(plan_.arena.arena_bytes)},
        {"ARENA_ALIGN", std::to_string(kArenaAlign)},
        {"WEIGHT_BYTES", std::to_string(weight_bytes_)},
        {"IO_MACROS", io_macros()},
        {"PARAMS", params_},
        {"PARAMS_WITH_ARENA", "void* arena" + (params_ == "void" ? std::string() : ", " + params_)},
        {"ARGS_WITH_ARENA", args},
        {"INCLUDES", includes},
        {"WEIGHTS", weights},
        {"ARENA", arena},
        {"AT", at_fn},
        {"BODY", body},
    };
    files.push_back({h, render_template(embedded_file("model.h.in"), vars)});
    files.push_back({cpp, render_template(embedded_file("model.cpp.in"), vars)});
    for (const auto& k : with_dependencies(headers_)) files.push_back({"kernels/" + k, embedded_file("kernels/" + k)});
    return files;
  }

 private:
  void name_params() {
    for (const char* r : {"arena", "at"}) scope_.reserve(r);
    std::vector<std::string> params;
    for (const Value* v : g_.inputs) {
      std::string id = scope_.claim_exact(v->name, "graph input");
      input_name_[v] = id;
      params.push_back(std::string("const ") + dtype_api_ctype(v->dtype) + "* " + id);
    }
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      const Value* v = g_.outputs[i];
      // An output that is also an input (or listed twice) still needs its own parameter.
      const bool dup = input_name_.count(v) || std::count(g_.outputs.begin(), g_.outputs.begin() + static_cast<long>(i), v);
      std::string id = dup ? scope_.claim_unique(v->name + "_out") : scope_.claim_exact(v->name, "graph output");
      output_names_.push_back(id);
      if (!output_name_.count(v) && !input_name_.count(v)) output_name_[v] = id;
      params.push_back(std::string(dtype_api_ctype(v->dtype)) + "* " + id);
    }
    // Outputs whose length along axis 0 is known only at run time (a Loop that may exit early).
    for (size_t i = 0; i < g_.outputs.size(); ++i)
      if (has_runtime_length(*g_.outputs[i]) && !length_name_.count(g_.outputs[i])) {
        const std::string id = scope_.claim_unique(output_names_[i] + "_len");
        length_name_[g_.outputs[i]] = id;
        params.push_back("uint32_t* " + id);
      }
    for (size_t i = 0; i < params.size(); ++i) {
      params_ += (i ? ", " : "") + params[i];
      args_ += (i ? ", " : "") + params[i].substr(params[i].rfind(' ') + 1);
    }
    if (params_.empty()) params_ = "void";
  }

  std::string io_macros() const {
    std::string out;
    if (opts_.native_io) out += native_io_comment();
    auto line = [&](const std::string& kind, size_t i, const Value* v) {
      std::string note;
      if (opts_.native_io) note = g_.io_quant.count(v) ? ", quantized" : kind == "INPUT" ? ", float: not quantized on entry" : ", float: not dequantized at the end";
      out += "#define " + upper(opts_.name) + "_" + kind + "_" + std::to_string(i) + "_ELEMS " +
             std::to_string(v->elems()) + "u /* " + dtype_name(v->dtype) + " " + shape_str(v->shape) + " \"" + comment_safe(v->name) + "\"" + note + " */\n";
      out += native_io_helpers(kind, i, v);
    };
    for (size_t i = 0; i < g_.inputs.size(); ++i) line("INPUT", i, g_.inputs[i]);
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      line("OUTPUT", i, g_.outputs[i]);
      auto len = length_name_.find(g_.outputs[i]);
      if (len != length_name_.end())
        out += "/* Output " + std::to_string(i) + " holds at most " + std::to_string(g_.outputs[i]->shape[runtime_length_axis(*g_.outputs[i])]) +
               " rows along axis " + std::to_string(runtime_length_axis(*g_.outputs[i])) + "; the run writes *" + len->second + " of them (" +
               (is_runtime_loop(*g_.outputs[i]->producer) ? "a Loop that may stop early" : "a sequence element decided at run time") + "). */\n";
    }
    if (loop_bound_checked_)
      out += "/* " + upper(opts_.name) + "_run returns this when a Loop needs more iterations than its bound\n"
             "   (--max-loop-iterations); outputs are then incomplete. */\n#define " + upper(opts_.name) +
             "_ERROR_LOOP_BOUND 1\n";
    if (size_checked_)
      out += "/* " + upper(opts_.name) + "_run returns this when a sequence element decided at run time (a split size, a\n"
             "   position) would have more rows than its output holds; that output is then not written. */\n#define " +
             upper(opts_.name) + "_ERROR_SIZE 2\n";
    return out;
  }

  // --io native: what the header's quantized inputs and outputs are, and how C89 gets `inline`.
  std::string native_io_comment() const {
    return "/* Native I/O (--io native): an input the model quantizes first (a per-tensor QuantizeLinear, maybe after a\n"
           "   Reshape or Transpose) is passed quantized, and an output made by a DequantizeLinear is returned before it;\n"
           "   for each, SCALE and ZERO_POINT (real = (q - ZERO_POINT) * SCALE) and a helper that converts as the model\n"
           "   does. Inputs and outputs marked float are not quantized there and keep their float type. */\n"
           "#ifndef O2M_IO_INLINE\n"
           "#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)\n"
           "#define O2M_IO_INLINE inline\n"
           "#elif defined(__GNUC__)\n"
           "#define O2M_IO_INLINE __inline__ /* C89 has no inline */\n"
           "#else\n"
           "#define O2M_IO_INLINE\n"
           "#endif\n"
           "#endif\n";
  }

  // SCALE and ZERO_POINT of a quantized input or output, and its helper: quantize for an input
  // (the QuantizeLinear kernel's steps: divide, saturate, NaN to 0, round half to even, add the
  // zero point), dequantize for an output (the DequantizeLinear kernel's).
  std::string native_io_helpers(const std::string& kind, size_t i, const Value* v) const {
    auto it = g_.io_quant.find(v);
    if (it == g_.io_quant.end()) return "";
    const IoQuant& q = it->second;
    const std::string macro = upper(opts_.name) + "_" + kind + "_" + std::to_string(i), ctype = dtype_api_ctype(v->dtype);
    const std::string zp = q.zero_point < 0 ? "(" + std::to_string(q.zero_point) + ")" : std::to_string(q.zero_point);
    std::string out = "#define " + macro + "_SCALE " + float_literal(q.scale) + "\n#define " + macro + "_ZERO_POINT " + zp + "\n";
    std::string fn = opts_.name + (kind == "INPUT" ? "_quantize_input_" : "_dequantize_output_") + std::to_string(i);
    if (kind == "OUTPUT") {
      return out + "static O2M_IO_INLINE float " + fn + "(" + ctype + " q) {\n  return (float)((int32_t)q - " + macro +
             "_ZERO_POINT) * " + macro + "_SCALE;\n}\n";
    }
    int32_t lo = 0, hi = 0;  // the QuantizeLinear kernel's saturation bounds
    switch (v->dtype) {
      case DType::I8: lo = o2m::QRange<int8_t>::lo, hi = o2m::QRange<int8_t>::hi; break;
      case DType::U8: lo = o2m::QRange<uint8_t>::lo, hi = o2m::QRange<uint8_t>::hi; break;
      case DType::I16: lo = o2m::QRange<int16_t>::lo, hi = o2m::QRange<int16_t>::hi; break;
      default: lo = o2m::QRange<uint16_t>::lo, hi = o2m::QRange<uint16_t>::hi; break;
    }
    const std::string lo_f = float_literal(static_cast<float>(lo - q.zero_point)), hi_f = float_literal(static_cast<float>(hi - q.zero_point));
    return out + "static O2M_IO_INLINE " + ctype + " " + fn + "(float x) {\n" +
           "  float v = x / " + macro + "_SCALE;\n"
           "  volatile float t; /* volatile: (v + 1.5 * 2^23) - 1.5 * 2^23 rounds v half to even unless folded */\n"
           "  if (v < " + lo_f + ") v = " + lo_f + ";\n"
           "  if (v > " + hi_f + ") v = " + hi_f + ";\n"
           "  if (v != v) v = 0.0f;\n"
           "  t = v + 12582912.0f;\n"
           "  return (" + ctype + ")((int32_t)(t - 12582912.0f) + " + macro + "_ZERO_POINT);\n}\n";
  }

  std::string weight_name(const Value* v) {
    auto alias = weight_alias_.find(v);
    if (alias != weight_alias_.end()) v = alias->second;
    auto it = weight_name_.find(v);
    if (it != weight_name_.end()) return it->second;
    return weight_name_[v] = scope_.claim_unique("w_" + v->name);
  }

  // Arrays and API pointers of the types stored as bits (float16 as uint16_t, ...) seen as the
  // kernels' element type (o2m::float16).
  static std::string as_ctype(const std::string& name, DType t, bool is_const) {
    if (std::string(dtype_ctype(t)) == dtype_api_ctype(t)) return name;
    return std::string("reinterpret_cast<") + (is_const ? "const " : "") + dtype_ctype(t) + "*>(" + name + ")";
  }

  // Where one graph's tensors are at run time: the model graph, or a run-time If's branch,
  // emitted inside its If's block with its inputs and outputs bound to the If's pointers.
  struct Scope {
    Scope(const Graph& graph, const MemoryPlan& p, int64_t b = 0) : g(graph), plan(p), base(b) {}
    const Graph& g;
    const MemoryPlan& plan;
    int64_t base;                                   // arena offset of this graph's region
    std::map<const Value*, std::string> inputs;     // graph input -> pointer, as kernels take it
    std::map<const Value*, std::string> written;    // graph output value -> the pointer its producer writes
    std::vector<std::string> outputs;               // graph output i -> its pointer
    std::string indent = "  ";
  };

  std::string pointer(const Scope& sc, const Value* v, bool output) {
    if (!v) return "nullptr";
    const Storage& s = sc.plan.storage.at(v);
    switch (s.kind) {
      case StorageKind::GraphInput:
        if (output) throw Error("internal: a kernel would write into graph input '" + v->name + "'");
        return sc.inputs.at(s.root);
      case StorageKind::GraphOutput: return sc.written.at(s.root);
      case StorageKind::Weight: return as_ctype(weight_name(s.root), v->dtype, true);
      case StorageKind::Arena: return at(dtype_ctype(v->dtype), sc.base + s.offset);
    }
    return "nullptr";
  }

  // A pointer into the arena, as the run function's body writes it.
  static std::string at(const std::string& ctype, int64_t offset) {
    return "at<" + ctype + ">(arena, " + std::to_string(offset) + ")";
  }

  static std::string describe(const Scope& sc, const Value* v) {
    const Storage& s = sc.plan.storage.at(v);
    std::string where;
    switch (s.kind) {
      case StorageKind::GraphInput: where = "input"; break;
      case StorageKind::GraphOutput: where = "output"; break;
      case StorageKind::Weight: where = "weights"; break;
      case StorageKind::Arena:
        where = "arena[" + std::to_string(sc.base + s.offset) + ".." + std::to_string(sc.base + s.offset + v->bytes()) + ")";
        break;
    }
    return comment_safe(v->name) + " " + shape_str(v->shape) + " @ " + where;
  }

  std::string emit_body() {
    Scope top{g_, plan_};
    for (const Value* v : g_.inputs) top.inputs[v] = as_ctype(input_name_.at(v), v->dtype, true);
    for (const auto& kv : output_name_) top.written[kv.first] = as_ctype(kv.second, kv.first->dtype, false);
    top.outputs = output_names_;
    std::string body = emit_graph(top);
    // An input only its shape matters for (Shape, folded ops) or an empty output.
    std::string unused;
    auto is_used = [&](const std::string& name, DType t, bool is_const) {
      return used_.count(name) || used_.count(as_ctype(name, t, is_const));
    };
    for (const Value* v : g_.inputs)
      if (!is_used(input_name_.at(v), v->dtype, true)) unused += "  (void)" + input_name_.at(v) + ";  // not read at run time\n";
    for (size_t i = 0; i < output_names_.size(); ++i)
      if (!is_used(output_names_[i], g_.outputs[i]->dtype, false))
        unused += "  (void)" + output_names_[i] + ";  // nothing to write\n";
    return unused + body;
  }

  // The calls of one graph's nodes, then copies for the outputs no kernel writes.
  std::string emit_graph(const Scope& sc) {
    std::string body;
    const std::string& ind = sc.indent;
    for (size_t step = 0; step < sc.g.nodes.size(); ++step) {
      const Node& n = *sc.g.nodes[step];
      std::string head = ind + "// " + std::to_string(step) + " " + comment_safe(n.name) + ": " + n.op;
      if (sc.plan.aliased_views.count(&n)) {
        body += head + " (view: " + describe(sc, n.outputs[0]) + " shares the input's bytes)\n";
        continue;
      }
      head += " -> ";
      for (size_t i = 0; i < n.outputs.size(); ++i)
        if (n.outputs[i]) head += (i ? ", " : "") + describe(sc, n.outputs[i]);
      body += head + "\n";
      // The model graph's nodes call the profiling hooks (compiled out unless <NAME>_PROFILE).
      const std::string hook = "(" + std::to_string(step) + ", " + string_literal(n.name) + ");\n";
      const bool top = &sc.g == &g_;
      if (top) body += ind + upper(opts_.name) + "_PROFILE_BEGIN" + hook;
      body += emit_node(sc, n);
      if (top) body += ind + upper(opts_.name) + "_PROFILE_END" + hook;
    }
    return body + emit_copies(sc);
  }

  // The code of one node that is not a view: its kernel calls, or a run-time If or Loop.
  std::string emit_node(const Scope& sc, const Node& n) {
    if (is_runtime_if(n)) return emit_runtime_if(sc, n);
    if (is_runtime_loop(n)) return emit_runtime_loop(sc, n);
    const bool rows = is_runtime_rows(n);
    std::string body = rows ? emit_runtime_rows(sc, n) : "";
    if (rows && runtime_length_axis(*n.outputs[0]) != 0) return body;  // it packs the value itself
    const std::string& ind = sc.indent;
    for (const KernelCall& c : find_op(n.domain, n.op)->lower(n)) {
      headers_.insert(c.header);
      std::string args = "p";
      for (const Value* in : c.inputs) args += ", " + use(pointer(sc, in, false));
      for (const Value* out : c.outputs) args += ", " + use(pointer(sc, out, true));
      if (c.takes_scratch) args += c.scratch_bytes > 0 ? ", " + at("void", sc.base + sc.plan.scratch_offset.at(&n)) : ", nullptr";
      body += ind + "{\n" + ind + "  static constexpr " + c.params_type + " p = " + c.params_init + ";\n" + ind + "  " + c.function +
              "(" + args + ");\n" + ind + "}\n";
    }
    return body;
  }

  // A sequence element's row count, known at run time: checked against its capacity (else the run
  // returns before writing the element) and reported through the output's length parameter.
  // Along another axis the rows are written packed: for each index before the axis, `rows` rows of
  // the capacity's, one after the other.
  std::string emit_runtime_rows(const Scope& sc, const Node& n) {
    const Value* y = n.outputs[0];
    const size_t axis = runtime_length_axis(*y);
    const int64_t capacity = y->shape[axis];
    auto len = length_name_.find(y);
    if (&sc.g != &g_ || len == length_name_.end() || !g_.consumers(y).empty())
      n.fail("'" + y->name + "' has a length known only at run time (at most " + std::to_string(capacity) +
             " rows); onnx2mcu supports that only for a model output that nothing else reads");
    const std::string rows = use(pointer(sc, n.input(1), false)) + "[0]";
    const std::string& ind = sc.indent;
    size_checked_ = true;
    std::string body = ind + "if (" + rows + " < 0 || " + rows + " > " + std::to_string(capacity) + ") return 2;  // more rows than its capacity\n" +
                       ind + "*" + use(len->second) + " = static_cast<uint32_t>(" + rows + ");\n";
    if (axis == 0) return body;
    const int64_t inner = prod(y->shape, axis + 1, y->shape.size());
    const std::string o = "row_" + std::to_string(loops_++), per_row = "(" + rows + " * " + std::to_string(inner) + ")";
    needs_memcpy_ = true;
    return body + ind + "for (int64_t " + o + " = 0; " + o + " < " + std::to_string(prod(y->shape, 0, axis)) + "; ++" + o + ")\n" + ind +
           "  memcpy(" + use(pointer(sc, y, true)) + " + " + o + " * " + per_row + ", " + use(pointer(sc, n.input(0), false)) + " + " + o +
           " * " + std::to_string(capacity * inner) + ", static_cast<size_t>" + per_row + " * sizeof(" + dtype_api_ctype(y->dtype) + "));\n";
  }

  // Copies for the outputs no kernel writes: graph inputs, constants, repeated outputs.
  std::string emit_copies(const Scope& sc) {
    std::string body;
    const std::string& ind = sc.indent;
    for (size_t i = 0; i < sc.g.outputs.size(); ++i) {
      const Value* v = sc.g.outputs[i];
      const auto it = sc.written.find(v);
      if (it != sc.written.end() && it->second == written_form(sc, i) && v->producer) continue;
      // The model graph's copies name the API parameters as declared (not cast to kernel types).
      const bool top = &sc.g == &g_;
      std::string src = v->is_const() && !sc.inputs.count(v) ? weight_name(v)
                        : top ? (input_name_.count(v) ? input_name_.at(v) : output_name_.at(v))
                              : (sc.inputs.count(v) ? sc.inputs.at(v) : sc.written.at(v));
      if (src == sc.outputs[i]) continue;
      body += ind + "memcpy(" + use(sc.outputs[i]) + ", " + use(src) + ", " + std::to_string(v->bytes()) + "u);  // output '" +
              comment_safe(v->name) + "'\n";
      needs_memcpy_ = true;
    }
    return body;
  }

  // How the producer of graph output i would name its pointer (the model graph's are cast when
  // stored as bits).
  std::string written_form(const Scope& sc, size_t i) const {
    return &sc.g == &g_ ? as_ctype(sc.outputs[i], sc.g.outputs[i]->dtype, false) : sc.outputs[i];
  }

  const std::string& use(const std::string& pointer) { return *used_.insert(pointer).first; }

  // `if (cond) { then } else { else }`, each branch a scope of its own inside the If's scratch
  // region, reading the If's inputs and writing its outputs.
  std::string emit_runtime_if(const Scope& sc, const Node& n) {
    const std::string cond = use(pointer(sc, n.input(0), false));
    std::string out = sc.indent + "if (" + cond + "[0]) {\n";
    for (const char* key : {"then_branch", "else_branch"}) {
      if (std::string(key) == "else_branch") out += sc.indent + "} else {\n";
      const Graph& branch = *n.attrs.at(key).g;
      Scope sub{branch, *sc.plan.subplans.at(&branch), scratch_base(sc, n)};
      sub.indent = sc.indent + "  ";
      bind_captures(sc, n, sub);
      for (size_t i = 0; i < branch.outputs.size(); ++i) {
        sub.outputs.push_back(pointer(sc, n.outputs[i], true));
        sub.written.emplace(branch.outputs[i], sub.outputs.back());
      }
      out += emit_graph(sub);
    }
    return out + sc.indent + "}\n";
  }

  // Arena offset of node n's scratch region, where its run-time subgraphs live (none: 0 bytes).
  static int64_t scratch_base(const Scope& sc, const Node& n) {
    auto it = sc.plan.scratch_offset.find(&n);
    return sc.base + (it == sc.plan.scratch_offset.end() ? 0 : it->second);
  }

  // A subgraph's captures read the enclosing scope's pointers (its constants, the enclosing arrays).
  void bind_captures(const Scope& sc, const Node& n, Scope& sub) {
    const size_t first = own_inputs(n);
    for (size_t i = 0; i < sub.g.captured.size(); ++i) {
      const Value* p = sub.g.captured[i];
      if (!p) continue;
      const Value* outer = n.inputs[first + i];
      if (p->is_const() && outer->is_const())
        weight_alias_[p] = sc.plan.storage.at(outer).root;  // the enclosing graph's array, not a copy
      else
        sub.inputs[p] = pointer(sc, outer, false);
    }
  }

  // A `for` over the body: the loop-carried values (Scan: states) it reads sit in the node's
  // scratch region and take what it wrote after each iteration; scan outputs get a row per
  // iteration (Scan: scan inputs give one, forwards or backwards, and outputs take one likewise).
  std::string emit_runtime_loop(const Scope& sc, const Node& n) {
    const Graph& body = *n.attrs.at("body").g;
    const LoopLayout& l = sc.plan.loops.at(&n);
    const LoopForm f = loop_form(n);
    const int64_t region = scratch_base(sc, n);
    const bool scan = n.op == "Scan";
    const Value* m = scan ? nullptr : n.input(0);
    const Value* cond = scan ? nullptr : n.input(1);
    const int64_t bound = n.attr_int(kLoopMaxTripsAttr, -1);
    const std::string k = std::to_string(loops_++);
    const std::string trips = "trips_" + k, c = "cond_" + k, i = "i_" + k, iter = "iter_" + k, next = "next_" + k;
    const std::string& ind = sc.indent;
    const std::string in = ind + "  ";
    auto at_region = [&](int64_t off, DType t) { return at(dtype_ctype(t), region + off); };
    auto copy = [&](const std::string& to, const std::string& from, int64_t bytes) {
      needs_memcpy_ = true;
      return "memcpy(" + use(to) + ", " + use(from) + ", " + std::to_string(bytes) + "u);\n";
    };
    // Row t of a stacked tensor: forwards i, backwards (Scan's direction 1) bound - 1 - i.
    auto row = [&](const std::string& base, int64_t row_elems, bool backwards) {
      const std::string t = backwards ? "(" + std::to_string(bound - 1) + " - " + i + ")" : i;
      return "(" + use(base) + " + " + t + " * " + std::to_string(row_elems) + ")";
    };
    auto carried_in = [&](size_t j) { return n.inputs[f.carried_begin + j]; };
    std::string out = ind + "{\n";
    if (m) out += in + "const int64_t " + trips + " = " + use(pointer(sc, m, false)) + "[0];\n";
    if (!scan) out += in + "bool " + c + " = " + (cond ? use(pointer(sc, cond, false)) + "[0]" : std::string("true")) + ";\n";
    for (size_t j = 0; j < f.carried; ++j)
      out += in + copy(at_region(l.carried_in[j], carried_in(j)->dtype), pointer(sc, carried_in(j), false), carried_in(j)->bytes());
    out += in + "int64_t " + i + " = 0;\n";
    if (scan) out += in + "for (; " + i + " < " + std::to_string(bound) + "; ++" + i + ") {\n";
    else out += in + "for (; " + (m ? i + " < " + trips + " && " : std::string()) + c + "; ++" + i + ") {\n";
    const bool bound_is_trip_count = scan || (m && m->is_const() && m->constant->int_at(0) <= bound);
    if (bound >= 0 && !bound_is_trip_count) {
      out += in + "  if (" + i + " == " + std::to_string(bound) + ") return 1;  // more iterations than its bound\n";
      loop_bound_checked_ = true;
    }
    Scope sub{body, *sc.plan.subplans.at(&body), region + l.body};
    sub.indent = in + "  ";
    if (!scan) {
      sub.inputs[body.inputs[0]] = "&" + iter;
      sub.inputs[body.inputs[1]] = "&" + c;
      sub.outputs.push_back("&" + next);
    }
    for (size_t j = 0; j < f.carried; ++j) sub.inputs[body.inputs[f.body_in + j]] = at_region(l.carried_in[j], carried_in(j)->dtype);
    const std::vector<int64_t> in_dirs = n.attr_ints("scan_input_directions"), out_dirs = n.attr_ints("scan_output_directions");
    for (size_t j = f.body_in + f.carried; scan && j < own_inputs(n); ++j) {
      const Value* slice = body.inputs[j];
      const size_t d = j - f.carried;
      sub.inputs[slice] = row(pointer(sc, n.inputs[j], false), slice->elems(), d < in_dirs.size() && in_dirs[d] != 0);
    }
    bind_captures(sc, n, sub);
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const Value* v = n.outputs[o];
      const Value* b = body.outputs[f.body_out + o];
      std::string p = v ? pointer(sc, v, true) : at_region(l.spare_out[o], b->dtype);
      const size_t d = o - f.carried;
      if (o >= f.carried && v) p = row(p, b->elems(), scan && d < out_dirs.size() && out_dirs[d] != 0);
      sub.outputs.push_back(p);
    }
    for (size_t o = 0; o < body.outputs.size(); ++o) sub.written.emplace(body.outputs[o], sub.outputs[o]);
    const std::string body_code = emit_graph(sub);
    if (used_.count("&" + iter)) out += in + "  const int64_t " + iter + " = " + i + ";\n";
    if (!scan) out += in + "  bool " + next + " = false;\n";
    out += body_code;
    if (!scan) out += in + "  " + c + " = " + next + ";\n";
    for (size_t j = 0; j < f.carried; ++j)
      out += in + "  " + copy(at_region(l.carried_in[j], carried_in(j)->dtype), sub.outputs[f.body_out + j], carried_in(j)->bytes());
    out += in + "}\n";
    for (size_t j = 0; j < f.carried && !scan; ++j)  // a Scan runs at least once (prepare_runtime_scan)
      if (n.outputs[j])
        out += in + "if (" + i + " == 0) " +
               copy(pointer(sc, n.outputs[j], true), at_region(l.carried_in[j], carried_in(j)->dtype), carried_in(j)->bytes());
    for (size_t o = f.carried; o < n.outputs.size(); ++o) {
      auto len = n.outputs[o] ? length_name_.find(n.outputs[o]) : length_name_.end();
      if (len != length_name_.end()) out += in + "*" + use(len->second) + " = static_cast<uint32_t>(" + i + ");\n";
    }
    return out + ind + "}\n";
  }

  // The model graph's values, then each run-time If's branches' and Loop's body's (in node order, depth first).
  static void all_values(const Graph& g, std::vector<const Value*>& out) {
    for (const auto& v : g.values) out.push_back(v.get());
    for (const auto& n : g.nodes)
      if (is_runtime_control_flow(*n))
        for (const auto& kv : n->attrs)
          if (kv.second.kind == Attr::Kind::Graph && kv.second.g) all_values(*kv.second.g, out);
  }

  std::string emit_weights() {
    std::string out;
    std::vector<const Value*> values;
    all_values(g_, values);
    for (const Value* v : values) {
      auto it = weight_name_.find(v);
      if (it == weight_name_.end()) continue;
      out += "// " + comment_safe(v->name) + " " + dtype_name(v->dtype) + " " + shape_str(v->shape) + "\n";
      out += "alignas(16) " + upper(opts_.name) + "_WEIGHTS_ATTR const " + std::string(dtype_api_ctype(v->dtype)) + " " + it->second + "[" +
             std::to_string(tensor_array_len(v->dtype, v->bytes())) + "] = " + tensor_initializer(*v->constant) + ";\n\n";
      weight_bytes_ += v->bytes();
      weights_.insert(v);
    }
    return out;
  }

  const Graph& g_;
  const MemoryPlan& plan_;
  const EmitOptions& opts_;
  NameScope scope_;
  std::map<const Value*, std::string> input_name_, output_name_, weight_name_;
  std::map<const Value*, std::string> length_name_;   // output with a run-time length -> its length parameter
  int loops_ = 0;                                      // run-time Loops emitted: their locals' suffix
  bool loop_bound_checked_ = false;                    // some Loop may return 1 (its bound exceeded)
  bool size_checked_ = false;                          // some sequence element may return 2 (its capacity exceeded)
  std::map<const Value*, const Value*> weight_alias_;  // a branch's copy of a constant -> the enclosing graph's
  std::set<std::string> used_;                          // pointers the body passes, to silence unused parameters
  std::vector<std::string> output_names_;
  std::set<std::string> headers_;
  std::string params_;
  std::string args_;  // the parameters' names, for <name>_run to pass on
  int64_t weight_bytes_ = 0;
  std::set<const Value*> weights_;
  bool needs_memcpy_ = false;
};

}  // namespace

std::string render_template(const std::string& text, const std::vector<std::pair<std::string, std::string>>& vars) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t a = text.find('@', pos);
    if (a == std::string::npos) break;
    size_t b = text.find('@', a + 1);
    if (b == std::string::npos) break;
    std::string key = text.substr(a + 1, b - a - 1);
    auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == vars.end()) throw Error("internal: template variable @" + key + "@ has no value");
    out += text.substr(pos, a - pos) + it->second;
    pos = b + 1;
  }
  return out + text.substr(pos);
}

std::vector<GeneratedFile> emit_model(const Graph& g, const MemoryPlan& plan, const EmitOptions& opts, int64_t* weight_bytes,
                                      std::set<const Value*>* weights) {
  ModelEmitter e(g, plan, opts);
  std::vector<GeneratedFile> files = e.run();
  if (weight_bytes) *weight_bytes = e.weight_bytes();
  if (weights) *weights = e.weights();
  return files;
}

}  // namespace onnx2mcu
