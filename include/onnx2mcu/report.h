// The memory plan as a picture (HTML with inline SVG, or bare SVG) and as JSON for scripts.
#pragma once
#include <string>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

std::string report_json(const CompiledModel& m);
// s as a JSON string literal, quotes included.
std::string json_string(const std::string& s);
std::string report_svg(const CompiledModel& m);
std::string report_html(const CompiledModel& m);

}  // namespace onnx2mcu
