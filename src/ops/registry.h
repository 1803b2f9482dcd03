// The op table that op files fill in at start-up (see op_list.inc).
#pragma once
#include <map>
#include <utility>

#include "ops/op.h"

namespace onnx2mcu {

using OpTable = std::map<std::pair<std::string, std::string>, OpDef>;

// Returns the registered row, e.g. to set its normalize hook: add_op(t, {...}).normalize = f;
OpDef& add_op(OpTable& t, OpDef def);

#define OP_FILE(fn) void fn(OpTable& t);
#include "ops/op_list.inc"
#undef OP_FILE

}  // namespace onnx2mcu
