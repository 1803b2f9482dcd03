// The only module that sees ONNX protobuf types: turns a .onnx file into our Graph.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "ir/graph.h"

namespace onnx2mcu {

struct LoadOptions {
  // Fixes symbolic or unknown input dims: input name -> full shape.
  std::map<std::string, Shape> input_shapes;
};

// Reads, checks (onnx::checker) and converts a model. Throws Error naming the file.
std::unique_ptr<Graph> load_model(const std::string& path, const LoadOptions& opts = {});

// Reads one serialized TensorProto (test_data_set_*/input_0.pb).
Tensor load_tensor_file(const std::string& path, std::string* name = nullptr);

// What onnx::shape_inference infers for every named tensor (tests cross-check our rules).
std::map<std::string, Shape> onnx_inferred_shapes(const std::string& path);

}  // namespace onnx2mcu
