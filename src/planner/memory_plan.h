// Where every tensor lives at run time: caller buffers, flash weights, or the one arena.
// Liveness turns the graph into BufferRequests; arena.h places them.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "ir/graph.h"
#include "planner/arena.h"

namespace onnx2mcu {

enum class StorageKind { GraphInput, GraphOutput, Weight, Arena };

struct Storage {
  StorageKind kind = StorageKind::Arena;
  const Value* root = nullptr;  // the value that owns the bytes (differs for aliased views)
  int64_t offset = 0;           // arena offset, for StorageKind::Arena
};

// A run-time Loop's (or Scan's) scratch region, offsets within it: the loop-carried values the body reads
// (copied from what it wrote after each iteration), per Loop output a buffer for the body's
// writes when nothing reads that output (-1 where the output itself takes them), then the
// body's arena.
struct LoopLayout {
  std::vector<int64_t> carried_in, spare_out;
  int64_t body = 0;
  int64_t bytes = 0;
};

struct MemoryPlan {
  std::map<const Value*, Storage> storage;
  std::set<const Node*> aliased_views;  // view nodes that need no code: output = input bytes
  std::set<const Node*> inplace_nodes;  // nodes that write over their dying input (elementwise, int8 conv)
  std::vector<const Value*> arena_values;  // parallel to requests; nullptr for a node's scratch
  std::map<const Node*, int64_t> scratch_offset;  // arena offset of each node's scratch buffer
  std::vector<BufferRequest> requests;     // step = index of the node in graph order
  ArenaPlan arena;
  // The branches of run-time Ifs, each planned as a graph of its own at offsets relative to its
  // If's scratch region (which holds the larger branch: only one runs).
  // A run-time Loop's body likewise, after the loop's own buffers (loops).
  std::map<const Graph*, std::shared_ptr<MemoryPlan>> subplans;
  std::map<const Node*, LoopLayout> loops;
};

MemoryPlan plan_memory(const Graph& g);

}  // namespace onnx2mcu
