// Random whole-graph models for fuzz_graphs (docs/reliability.md): one seed -> one valid ONNX
// model of 2 to 40 nodes, deterministic. Nodes are drawn from the op registry and kept only when
// onnx2mcu's own shape rule accepts them, plus what real exports hold: Identity/Dropout chains,
// views, constants and initializers, values read several times, graph outputs also read
// inside, unused outputs, several inputs and outputs, If and Loop that fold.
#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace graphgen {

struct Options {
  int max_nodes = 40;
  // Only what an independent runtime must compute exactly like onnx2mcu: no ops whose result
  // ONNX leaves open (see kNotDifferential in graph_gen.cpp and docs/reliability.md).
  bool differential = false;
  // Identity/Dropout directly between two nodes (off while remove-identities crashes on it).
  bool identity_between_nodes = true;
  // When set, the model so far plus each candidate node is written here before its shape rule
  // runs: a crash inside a shape rule or folding then still leaves a model that reproduces it.
  std::string checkpoint;
};

struct Generated {
  onnx::ModelProto model;
  std::vector<std::string> input_names;
  std::vector<onnx2mcu::Tensor> inputs;  // seeded random values, one per graph input
  int nodes = 0;                         // top-level nodes
};

Generated generate(uint64_t seed, const Options& opts);

// TensorProto with raw_data (input_I.pb files, initializers).
void to_proto(const onnx2mcu::Tensor& t, const std::string& name, onnx::TensorProto* out);

}  // namespace graphgen
