// The memory plan as a picture (HTML with inline SVG, or bare SVG) and as JSON for scripts.
#pragma once
#include <string>

#include "onnx2mcu/compiler.h"
#include "onnx2mcu/footprint.h"

namespace onnx2mcu {

// With `fp` (inspect --target): the measured flash and RAM on that target too.
std::string report_json(const CompiledModel& m, const Footprint* fp = nullptr);
std::string report_svg(const CompiledModel& m);
std::string report_html(const CompiledModel& m, const Footprint* fp = nullptr);

}  // namespace onnx2mcu
