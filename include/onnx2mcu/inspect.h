// Human-readable report of a compiled model: ops, shapes, arena offsets, MACs, weights.
#pragma once
#include <string>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

struct ModelStats {
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;
};

struct Node;

ModelStats model_stats(const CompiledModel& m);
// Multiply-accumulates of one node (convolutions, matrix products, recurrent cells; 0 for the rest).
int64_t model_stats_node_macs(const Node& n);
std::string inspect_report(const CompiledModel& m);

}  // namespace onnx2mcu
