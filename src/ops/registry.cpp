#include "ops/registry.h"

#include <limits>

#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

const OpTable& table() {
  static const OpTable t = [] {
    OpTable t;
#define OP_FILE(fn) fn(t);
#include "ops/op_list.inc"
#undef OP_FILE
    return t;
  }();
  return t;
}

}  // namespace

OpDef& add_op(OpTable& t, OpDef def) {
  auto key = std::make_pair(def.domain, def.name);
  auto [it, added] = t.emplace(key, std::move(def));
  if (!added) throw Error("op registered twice: " + key.second);
  return it->second;
}

const OpDef* find_op(const std::string& domain, const std::string& op) {
  auto it = table().find({domain, op});
  return it == table().end() ? nullptr : &it->second;
}

std::vector<const OpDef*> all_ops() {
  std::vector<const OpDef*> out;
  for (const auto& kv : table()) out.push_back(&kv.second);
  return out;
}

int32_t i32(const Node& n, int64_t v) {
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min())
    n.fail("size " + std::to_string(v) + " does not fit the 32-bit sizes generated code uses");
  return static_cast<int32_t>(v);
}

}  // namespace onnx2mcu
