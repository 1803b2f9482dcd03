#pragma once

namespace onnx2mcu {
inline constexpr const char* kVersion = "0.1.0";
}
