// Errors carry the context a user needs to find the problem: file, node, op.
#pragma once
#include <stdexcept>
#include <string>

namespace onnx2mcu {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// "what" prefixed with "node 'NAME' (OP): " so every op-level failure names its node.
[[noreturn]] void fail_node(const std::string& node_name, const std::string& op,
                            const std::string& what);

}  // namespace onnx2mcu
