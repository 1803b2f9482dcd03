#include "emitter/emitter.h"

#include <algorithm>
#include <map>
#include <set>

#include "emitter/embedded.h"
#include "emitter/naming.h"
#include "emitter/weights.h"
#include "onnx2mcu/error.h"
#include "onnx2mcu/version.h"
#include "ops/op.h"

namespace onnx2mcu {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

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

  std::vector<GeneratedFile> run() {
    name_params();
    std::string body = emit_body();
    std::string weights = emit_weights();
    std::vector<GeneratedFile> files;
    const std::string h = opts_.name + ".h", cpp = opts_.name + ".cpp";
    std::string includes;
    for (const auto& k : headers_) includes += "#include \"kernels/" + k + "\"\n";
    if (needs_memcpy_) includes += "#include <string.h>\n";
    std::string arena;
    // A graph whose tensors are all empty (a zero batch) still addresses the arena, at 0 bytes:
    // one byte keeps the array legal C++.
    const bool uses_arena = plan_.arena.arena_bytes > 0 || body.find("at<") != std::string::npos;
    const std::string arena_size = plan_.arena.arena_bytes > 0 ? upper(opts_.name) + "_ARENA_BYTES" : "1";
    if (uses_arena)
      arena = "// Every intermediate tensor lives here, at the offset the memory planner chose.\n"
              "alignas(16) uint8_t arena[" + arena_size + "];\n\n"
              "template <typename T>\ninline T* at(uint32_t offset) { return static_cast<T*>(static_cast<void*>(arena + offset)); }\n";
    const std::vector<std::pair<std::string, std::string>> vars = {
        {"FILE_H", h},
        {"FILE_CPP", cpp},
        {"VERSION", kVersion},
        {"MODEL_FILE", comment_safe(opts_.model_file)},
        {"GUARD", upper(opts_.name) + "_H_"},
        {"NAME", opts_.name},
        {"NAME_UPPER", upper(opts_.name)},
        {"ARENA_BYTES", std::to_string(plan_.arena.arena_bytes)},
        {"WEIGHT_BYTES", std::to_string(weight_bytes_)},
        {"IO_MACROS", io_macros()},
        {"PARAMS", params_},
        {"INCLUDES", includes},
        {"WEIGHTS", weights},
        {"ARENA", arena},
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
    for (size_t i = 0; i < params.size(); ++i) params_ += (i ? ", " : "") + params[i];
    if (params_.empty()) params_ = "void";
  }

  std::string io_macros() const {
    std::string out;
    auto line = [&](const std::string& kind, size_t i, const Value* v) {
      out += "#define " + upper(opts_.name) + "_" + kind + "_" + std::to_string(i) + "_ELEMS " +
             std::to_string(v->elems()) + "u /* " + dtype_name(v->dtype) + " " + shape_str(v->shape) + " \"" + comment_safe(v->name) + "\" */\n";
    };
    for (size_t i = 0; i < g_.inputs.size(); ++i) line("INPUT", i, g_.inputs[i]);
    for (size_t i = 0; i < g_.outputs.size(); ++i) line("OUTPUT", i, g_.outputs[i]);
    return out;
  }

  std::string weight_name(const Value* v) {
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

  std::string pointer(const Value* v, bool output) {
    if (!v) return "nullptr";
    const Storage& s = plan_.storage.at(v);
    switch (s.kind) {
      case StorageKind::GraphInput:
        if (output) throw Error("internal: a kernel would write into graph input '" + v->name + "'");
        return as_ctype(input_name_.at(s.root), v->dtype, true);
      case StorageKind::GraphOutput: return as_ctype(output_name_.at(s.root), v->dtype, false);
      case StorageKind::Weight: return as_ctype(weight_name(s.root), v->dtype, true);
      case StorageKind::Arena: return "at<" + std::string(dtype_ctype(v->dtype)) + ">(" + std::to_string(s.offset) + ")";
    }
    return "nullptr";
  }

  std::string describe(const Value* v) const {
    const Storage& s = plan_.storage.at(v);
    std::string where;
    switch (s.kind) {
      case StorageKind::GraphInput: where = "input"; break;
      case StorageKind::GraphOutput: where = "output"; break;
      case StorageKind::Weight: where = "weights"; break;
      case StorageKind::Arena:
        where = "arena[" + std::to_string(s.offset) + ".." + std::to_string(s.offset + v->bytes()) + ")";
        break;
    }
    return comment_safe(v->name) + " " + shape_str(v->shape) + " @ " + where;
  }

  std::string emit_body() {
    std::string body;
    std::set<std::string> used;  // pointers the body passes, to silence unused parameters
    for (size_t step = 0; step < g_.nodes.size(); ++step) {
      const Node& n = *g_.nodes[step];
      std::string head = "  // " + std::to_string(step) + " " + comment_safe(n.name) + ": " + n.op;
      if (plan_.aliased_views.count(&n)) {
        body += head + " (view: " + describe(n.outputs[0]) + " shares the input's bytes)\n";
        continue;
      }
      head += " -> ";
      for (size_t i = 0; i < n.outputs.size(); ++i)
        if (n.outputs[i]) head += (i ? ", " : "") + describe(n.outputs[i]);
      body += head + "\n";
      for (const KernelCall& c : find_op(n.domain, n.op)->lower(n)) {
        headers_.insert(c.header);
        std::string args = "p";
        for (const Value* in : c.inputs) args += ", " + *used.insert(pointer(in, false)).first;
        for (const Value* out : c.outputs) args += ", " + *used.insert(pointer(out, true)).first;
        if (c.takes_scratch)
          args += c.scratch_bytes > 0 ? ", at<void>(" + std::to_string(plan_.scratch_offset.at(&n)) + ")" : ", nullptr";
        body += "  {\n    static constexpr " + c.params_type + " p = " + c.params_init + ";\n    " + c.function + "(" + args +
                ");\n  }\n";
      }
    }
    // Outputs no kernel writes: graph inputs, constants, repeated outputs.
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      const Value* v = g_.outputs[i];
      const auto it = output_name_.find(v);
      if (it != output_name_.end() && it->second == output_names_[i] && v->producer) continue;
      std::string src = input_name_.count(v) ? input_name_.at(v)
                        : v->is_const()     ? weight_name(v)
                                            : output_name_.at(v);
      if (src == output_names_[i]) continue;
      body += "  memcpy(" + output_names_[i] + ", " + src + ", " + std::to_string(v->bytes()) + "u);  // output '" + comment_safe(v->name) + "'\n";
      used.insert({output_names_[i], src});
      needs_memcpy_ = true;
    }
    // An input only its shape matters for (Shape, folded ops) or an empty output.
    std::string unused;
    auto is_used = [&](const std::string& name, DType t, bool is_const) {
      return used.count(name) || used.count(as_ctype(name, t, is_const));
    };
    for (const Value* v : g_.inputs)
      if (!is_used(input_name_.at(v), v->dtype, true)) unused += "  (void)" + input_name_.at(v) + ";  // not read at run time\n";
    for (size_t i = 0; i < output_names_.size(); ++i)
      if (!is_used(output_names_[i], g_.outputs[i]->dtype, false))
        unused += "  (void)" + output_names_[i] + ";  // nothing to write\n";
    return unused + body;
  }

  std::string emit_weights() {
    std::string out;
    for (const auto& vp : g_.values) {
      const Value* v = vp.get();
      auto it = weight_name_.find(v);
      if (it == weight_name_.end()) continue;
      out += "// " + comment_safe(v->name) + " " + dtype_name(v->dtype) + " " + shape_str(v->shape) + "\n";
      out += "alignas(16) const " + std::string(dtype_api_ctype(v->dtype)) + " " + it->second + "[" +
             std::to_string(tensor_array_len(v->dtype, v->bytes())) + "] = " + tensor_initializer(*v->constant) + ";\n\n";
      weight_bytes_ += v->bytes();
    }
    return out;
  }

  const Graph& g_;
  const MemoryPlan& plan_;
  const EmitOptions& opts_;
  NameScope scope_;
  std::map<const Value*, std::string> input_name_, output_name_, weight_name_;
  std::vector<std::string> output_names_;
  std::set<std::string> headers_;
  std::string params_;
  int64_t weight_bytes_ = 0;
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

std::vector<GeneratedFile> emit_model(const Graph& g, const MemoryPlan& plan, const EmitOptions& opts) {
  return ModelEmitter(g, plan, opts).run();
}

}  // namespace onnx2mcu
