// (placeholder: ops land here as they are implemented)
#include "ops/registry.h"

namespace onnx2mcu {

void register_compare_logic_ops(OpTable&) {}

}  // namespace onnx2mcu
