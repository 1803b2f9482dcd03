// inspect --stack: GCC's own per-function frames (-fstack-usage) and call graph
// (-fcallgraph-info=su), summed along the deepest path from the model's run function.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "onnx2mcu/error.h"
#include "onnx2mcu/stack.h"
#include "verify/command.h"
#include "verify/targets.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {

struct CallGraph {
  struct Fn {
    std::string name;    // as GCC prints it (demangled signature)
    int64_t bytes = -1;  // -1: no frame information (defined elsewhere)
    bool dynamic = false;
  };
  std::map<std::string, Fn> nodes;                   // title -> function
  std::map<std::string, std::set<std::string>> calls;  // title -> callee titles
};

std::string field(const std::string& line, const std::string& key) {
  const std::string open = key + ": \"";
  size_t a = line.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  std::string out;
  for (size_t i = a; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      out += line[i + 1] == 'n' ? '\n' : line[i + 1];
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

// The VCG file GCC writes for -fcallgraph-info=su: one "node:" or "edge:" per line.
CallGraph parse_callgraph(const std::string& text) {
  CallGraph g;
  static const std::regex frame(R"((\d+) bytes \(([^)]*)\))");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("node:", 0) == 0) {
      CallGraph::Fn fn;
      const std::string label = field(line, "label");
      fn.name = label.substr(0, label.find('\n'));
      std::smatch m;
      if (std::regex_search(label, m, frame)) {
        fn.bytes = std::stoll(m[1]);
        const std::string kind = m[2];
        fn.dynamic = kind.find("dynamic") != std::string::npos && kind.find("bounded") == std::string::npos;
      }
      g.nodes[field(line, "title")] = fn;
    } else if (line.rfind("edge:", 0) == 0) {
      g.calls[field(line, "sourcename")].insert(field(line, "targetname"));
    }
  }
  return g;
}

}  // namespace

StackReport measure_stack(const CompiledModel& m, const std::string& target_name, const std::string& opt_level) {
  const Target t = find_target(target_name);
  StackReport r;
  r.target = t.name;
  const fs::path dir = make_temp_dir("onnx2mcu-stack");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  for (const GeneratedFile& f : m.files) {
    fs::create_directories((dir / f.path).parent_path());
    std::ofstream(dir / f.path, std::ios::binary) << f.text;
  }
  const std::string cxx = t.is_host() ? "g++" : target_tool_prefix(t) + "g++ " + target_arch_flags(t) + " -fno-exceptions -fno-rtti";
  r.command = cxx + " -std=c++17 " + opt_level + " -fstack-usage -fcallgraph-info=su -c " + m.name + ".cpp";
  must("cd " + dir.string() + " && " + r.command + " -I. -o model.o", "compiling the generated code for stack usage");
  std::ifstream ci(dir / "model.ci");
  if (!ci) throw Error("the compiler wrote no call graph (model.ci); it needs GCC 10 or newer");
  const CallGraph g = parse_callgraph(std::string(std::istreambuf_iterator<char>(ci), {}));

  const std::string run = m.name + "_run";
  std::string root;
  for (const auto& kv : g.nodes)
    if (kv.first == run || (kv.first.size() > run.size() && kv.first.compare(kv.first.size() - run.size() - 1, std::string::npos, ":" + run) == 0))
      root = kv.first;
  if (root.empty()) throw Error("the call graph has no " + run + "()");
  r.run_frame = g.nodes.at(root).bytes;

  // Deepest path by depth-first search with memo; a cycle (recursion) is cut and reported.
  std::map<std::string, std::pair<int64_t, std::string>> best;  // title -> (depth, next on the path)
  std::set<std::string> on_path, unknown;
  std::function<int64_t(const std::string&)> depth = [&](const std::string& fn) -> int64_t {
    if (auto it = best.find(fn); it != best.end()) return it->second.first;
    if (on_path.count(fn)) {
      r.recursive = true;
      return 0;
    }
    auto node = g.nodes.find(fn);
    int64_t own = 0;
    if (node == g.nodes.end() || node->second.bytes < 0) unknown.insert(node == g.nodes.end() ? fn : node->second.name);
    else own = node->second.bytes, r.dynamic = r.dynamic || node->second.dynamic;
    on_path.insert(fn);
    std::pair<int64_t, std::string> deepest{0, ""};
    if (auto c = g.calls.find(fn); c != g.calls.end())
      for (const std::string& callee : c->second) deepest = std::max(deepest, {depth(callee), callee});
    on_path.erase(fn);
    best[fn] = {own + deepest.first, deepest.second};
    return own + deepest.first;
  };
  r.worst_case = depth(root);
  for (std::string fn = root; !fn.empty(); fn = best[fn].second) {
    auto node = g.nodes.find(fn);
    r.worst_path.emplace_back(node == g.nodes.end() ? fn : node->second.name, node == g.nodes.end() ? 0 : std::max<int64_t>(0, node->second.bytes));
  }
  r.unknown_callees.assign(unknown.begin(), unknown.end());
  return r;
}

std::string stack_report_text(const StackReport& r) {
  std::string out = "stack on " + r.target + " (" + r.command + "):\n";
  out += "  run() frame    " + std::to_string(r.run_frame) + " B\n";
  out += "  worst case     " + std::to_string(r.worst_case) + " B" +
         (r.dynamic || r.recursive ? std::string(" at least (") + (r.recursive ? "recursion" : "unbounded dynamic frame") + ")" : "") +
         ": run() plus the deepest chain of calls it makes\n";
  for (const auto& [fn, bytes] : r.worst_path) out += "    " + std::to_string(bytes) + " B  " + fn + "\n";
  if (!r.unknown_callees.empty()) {
    out += "  not counted (compiled elsewhere):";
    for (const std::string& u : r.unknown_callees) out += " " + u;
    out += "\n";
  }
  return out;
}

}  // namespace onnx2mcu
