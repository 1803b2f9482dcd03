#include "suite.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace conformance {
namespace {

constexpr size_t kMaxReason = 160;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string clip(std::string s) {
  if (s.size() > kMaxReason) s = s.substr(0, kMaxReason - 3) + "...";
  return s;
}

// "path/to/file.cpp:12:5: error: what" -> "file.cpp: what"; "" when the line is no diagnostic.
std::string diagnostic(const std::string& line, const std::string& tag) {
  const size_t at = line.find(tag);
  if (at == std::string::npos) return "";
  std::string where = line.substr(0, at);
  where = where.substr(0, where.find(':'));
  where = where.substr(where.find_last_of('/') + 1);
  return (where.empty() ? "" : where + ": ") + line.substr(at + tag.size());
}

std::string compile_reason(std::string msg) {
  msg = first_line(msg);
  // The driver prefixes the model path: keep what follows it.
  const size_t model = msg.find(".onnx: ");
  if (model != std::string::npos) msg = msg.substr(model + 7);
  // "node 'NAME' (OP): what" -> "OP: what"; node names are arbitrary, the op is what matters.
  if (msg.rfind("node '", 0) == 0) {
    const size_t open = msg.find("' (");
    const size_t close = open == std::string::npos ? open : msg.find("): ", open);
    if (close != std::string::npos) {
      const std::string op = msg.substr(open + 3, close - open - 3);
      std::string what = msg.substr(close + 3);
      if (what.rfind("unsupported op", 0) == 0) {
        const size_t see = what.find(" (see ");
        return "unsupported op " + op + what.substr(14, see == std::string::npos ? std::string::npos : see - 14);
      }
      // "Reshape's shape (input 'x') must be ...": the input's name differs from model to model.
      for (size_t at; (at = what.find(" (input '")) != std::string::npos;) {
        const size_t end = what.find("')", at + 9);
        if (end == std::string::npos) break;
        what.erase(at, end + 2 - at);
      }
      // "...: fix its value with --freeze NAME=FILE.pb": names again, and advice, not the reason.
      for (const char* advice : {": fix its value with --freeze", ": it comes from graph input"}) {
        const size_t at = what.find(advice);
        if (at != std::string::npos) what.erase(at);
      }
      return op + ": " + what;
    }
  }
  return msg;
}

}  // namespace

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::None:
      return "ok";
    case Stage::Compile:
      return "compile";
    case Stage::Data:
      return "test data";
    case Stage::Build:
      return "build";
    case Stage::Link:
      return "link";
    case Stage::Run:
      return "run";
    case Stage::Compare:
      return "compare";
  }
  return "?";
}

void Test::fail(Stage s, const std::string& message) {
  if (failed_at != Stage::None) return;  // the first failure is the one that counts
  failed_at = s;
  detail = message;
  // Paths into the test data say nothing a reader needs; they only differ between machines.
  for (size_t at; !dir.empty() && (at = detail.find(dir + "/")) != std::string::npos;) detail.erase(at, dir.size() + 1);
  reason = short_reason(s, detail);
}

std::string short_reason(Stage s, const std::string& message) {
  switch (s) {
    case Stage::Compile:
      return clip(compile_reason(message));
    case Stage::Build:
    case Stage::Link: {
      std::istringstream in(message);
      for (std::string line; std::getline(in, line);) {
        std::string d = diagnostic(line, "error: ");
        if (d.empty()) d = diagnostic(line, "undefined reference to ");
        if (!d.empty()) return clip(std::string(stage_name(s)) + ": " + d);
      }
      return clip(std::string(stage_name(s)) + ": " + first_line(message));
    }
    default:
      return clip(first_line(message));
  }
}

std::string op_key(const std::vector<std::string>& ops) {
  std::set<std::string> distinct(ops.begin(), ops.end());
  if (distinct.size() > 1) distinct.erase("Constant");
  if (distinct.empty()) return "(no nodes)";
  std::string key;
  for (const std::string& op : distinct) key += (key.empty() ? "" : " + ") + op;
  return key;
}

}  // namespace conformance
