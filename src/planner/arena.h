// Arena placement. Knows nothing about graphs: buffer requests with lifetimes in, offsets out.
//
// A request lives from step `first` to step `last` inclusive (0 <= first <= last). Two
// requests whose lifetimes overlap must not share bytes. The lower bound is the largest total
// size of the requests alive at any one step: no placement can use less. Placement and
// checking look only at requests that share a step, so long chains of nodes stay fast.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onnx2mcu {

struct BufferRequest {
  int64_t bytes = 0;
  int first = 0, last = 0;
};

struct ArenaPlan {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;
  std::string algorithm;
};

constexpr int64_t kArenaAlign = 16;

// Greedy by size (as TFLM does): largest first, each at the lowest offset that fits beside
// the already placed buffers it overlaps in time.
ArenaPlan plan_greedy_by_size(const std::vector<BufferRequest>& reqs);
// Greedy in order of first use, best-fit gap.
ArenaPlan plan_greedy_by_time(const std::vector<BufferRequest>& reqs);
// Runs every algorithm and keeps the smallest arena.
ArenaPlan plan_arena(const std::vector<BufferRequest>& reqs);

int64_t arena_lower_bound(const std::vector<BufferRequest>& reqs);
// Empty when the plan is valid, else a description of the first overlap or misalignment.
std::string verify_plan(const std::vector<BufferRequest>& reqs, const ArenaPlan& plan);

}  // namespace onnx2mcu
