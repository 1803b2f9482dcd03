#include "verify/targets.h"

#include <sstream>

#include "emitter/embedded.h"
#include "onnx2mcu/error.h"

namespace onnx2mcu {

std::vector<Target> all_targets() {
  std::vector<Target> out{{"host", "host", "", ""}};
  std::istringstream in(embedded_file("targets/cortex-m/boards.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Target t;
    if (!(ls >> t.name >> t.cpu >> t.qemu_machine)) continue;
    std::getline(ls, t.flags);
    t.flags.erase(0, t.flags.find_first_not_of(" \t"));
    out.push_back(t);
  }
  return out;
}

Target find_target(const std::string& name) {
  std::string known;
  for (const Target& t : all_targets()) {
    if (t.name == name || t.cpu == name) return t;
    known += (known.empty() ? "" : ", ") + t.name + (t.is_host() ? "" : " (" + t.cpu + ")");
  }
  throw Error("unknown target '" + name + "'; known: " + known);
}

}  // namespace onnx2mcu
