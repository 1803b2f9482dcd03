#include "emitter/embedded.h"

#include "onnx2mcu/error.h"

namespace onnx2mcu {

const std::string& embedded_file(const std::string& path) {
  auto it = embedded_files().find(path);
  if (it == embedded_files().end()) throw Error("internal: template '" + path + "' is not embedded");
  return it->second;
}

}  // namespace onnx2mcu
