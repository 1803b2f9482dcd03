// Caps that keep a hostile or mistaken model from exhausting the machine that builds it.
// The generator runs inside build scripts and CI on files from anywhere: anything above a cap
// is refused with an error naming the cap and its CLI flag, never allocated.
#pragma once
#include <cstdint>

namespace onnx2mcu {

struct Limits {
  int64_t max_tensor_bytes = int64_t{256} << 20;  // --max-tensor-bytes: any one tensor (weights, activations)
  int64_t max_arena_bytes = int64_t{64} << 20;    // --max-arena-bytes: the planned arena
  int64_t max_nodes = 100000;                     // --max-nodes: nodes in the model's graph
};

// Largest model file the loader reads: protobuf cannot parse messages of 2 GiB or more.
constexpr int64_t kMaxModelFileBytes = (int64_t{2} << 30) - 1;

// Largest tensor rank the loader accepts: far beyond any real model, and it bounds the
// per-dim work (and the generated params structs) of every shape rule.
constexpr int kMaxRank = 64;

}  // namespace onnx2mcu
