#include "planner/arena.h"

#include <algorithm>
#include <numeric>

namespace onnx2mcu {
namespace {

int64_t aligned(int64_t b) { return (b + kArenaAlign - 1) / kArenaAlign * kArenaAlign; }

bool overlap_in_time(const BufferRequest& a, const BufferRequest& b) { return a.first <= b.last && b.first <= a.last; }

// Places requests in `order`, each at the lowest-waste gap among placed, time-overlapping ones.
ArenaPlan place_in_order(const std::vector<BufferRequest>& reqs, const std::vector<size_t>& order, bool best_fit,
                         const char* name) {
  ArenaPlan plan;
  plan.algorithm = name;
  plan.offsets.assign(reqs.size(), -1);
  std::vector<size_t> placed;
  for (size_t i : order) {
    const int64_t size = aligned(reqs[i].bytes);
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of conflicting buffers
    for (size_t j : placed)
      if (overlap_in_time(reqs[i], reqs[j])) busy.emplace_back(plan.offsets[j], plan.offsets[j] + aligned(reqs[j].bytes));
    std::sort(busy.begin(), busy.end());
    int64_t best = -1, best_gap = INT64_MAX, cursor = 0;
    for (const auto& [b, e] : busy) {
      const int64_t gap = b - cursor;
      if (gap >= size && (best < 0 || (best_fit && gap < best_gap))) {
        best = cursor;
        best_gap = gap;
        if (!best_fit) break;
      }
      cursor = std::max(cursor, e);
    }
    if (best < 0) best = cursor;
    plan.offsets[i] = best;
    plan.arena_bytes = std::max(plan.arena_bytes, best + size);
    placed.push_back(i);
  }
  plan.lower_bound = arena_lower_bound(reqs);
  return plan;
}

}  // namespace

ArenaPlan plan_greedy_by_size(const std::vector<BufferRequest>& reqs) {
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return reqs[a].bytes > reqs[b].bytes; });
  return place_in_order(reqs, order, false, "greedy-by-size");
}

ArenaPlan plan_greedy_by_time(const std::vector<BufferRequest>& reqs) {
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return reqs[a].first < reqs[b].first; });
  return place_in_order(reqs, order, true, "greedy-by-time-best-fit");
}

ArenaPlan plan_arena(const std::vector<BufferRequest>& reqs) {
  ArenaPlan a = plan_greedy_by_size(reqs);
  ArenaPlan b = plan_greedy_by_time(reqs);
  return b.arena_bytes < a.arena_bytes ? b : a;
}

int64_t arena_lower_bound(const std::vector<BufferRequest>& reqs) {
  int last_step = 0;
  for (const auto& r : reqs) last_step = std::max(last_step, r.last);
  std::vector<int64_t> live(static_cast<size_t>(last_step) + 2, 0);
  for (const auto& r : reqs) {
    live[static_cast<size_t>(r.first)] += aligned(r.bytes);
    live[static_cast<size_t>(r.last) + 1] -= aligned(r.bytes);
  }
  int64_t cur = 0, peak = 0;
  for (int64_t d : live) peak = std::max(peak, cur += d);
  return peak;
}

std::string verify_plan(const std::vector<BufferRequest>& reqs, const ArenaPlan& plan) {
  if (plan.offsets.size() != reqs.size()) return "plan has " + std::to_string(plan.offsets.size()) + " offsets for " +
                                                  std::to_string(reqs.size()) + " requests";
  for (size_t i = 0; i < reqs.size(); ++i) {
    const int64_t oi = plan.offsets[i];
    if (oi < 0 || oi % kArenaAlign || oi + reqs[i].bytes > plan.arena_bytes)
      return "buffer " + std::to_string(i) + " is misaligned or outside the arena";
    for (size_t j = i + 1; j < reqs.size(); ++j) {
      const int64_t oj = plan.offsets[j];
      if (overlap_in_time(reqs[i], reqs[j]) && oi < oj + reqs[j].bytes && oj < oi + reqs[i].bytes && reqs[i].bytes &&
          reqs[j].bytes)
        return "buffers " + std::to_string(i) + " and " + std::to_string(j) + " overlap while both are live";
    }
  }
  return "";
}

}  // namespace onnx2mcu
