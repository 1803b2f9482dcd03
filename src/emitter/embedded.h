// The files under templates/, compiled into the executable by cmake/EmbedFiles.cmake:
// relative path ("kernels/conv.hpp") -> text.
#pragma once
#include <map>
#include <string>

namespace onnx2mcu {

const std::map<std::string, std::string>& embedded_files();
// The text of one embedded file; throws Error when it is missing.
const std::string& embedded_file(const std::string& path);

}  // namespace onnx2mcu
