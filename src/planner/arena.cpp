#include "planner/arena.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "ir/checked.h"
#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

int64_t aligned(int64_t b) { return checked_add(b, kArenaAlign - 1, "an arena buffer size") / kArenaAlign * kArenaAlign; }
int64_t end_of(int64_t offset, int64_t bytes) { return checked_add(offset, bytes, "an arena offset"); }

// Which requests are live at each step: placement and checking look only at the requests
// that share a step with the one at hand, not at all of them (100k nodes stay fast).
class Timeline {
 public:
  explicit Timeline(const std::vector<BufferRequest>& reqs) : reqs_(reqs), seen_(reqs.size(), 0) {
    int last = 0;
    for (const auto& r : reqs) {
      if (r.first < 0 || r.last < r.first) throw Error("internal: buffer request with lifetime [" + std::to_string(r.first) + ", " +
                                                       std::to_string(r.last) + "]");
      last = std::max(last, r.last);
    }
    at_.resize(static_cast<size_t>(last) + 1);
  }
  void add(size_t j) {
    for (int t = reqs_[j].first; t <= reqs_[j].last; ++t) at_[static_cast<size_t>(t)].push_back(j);
  }
  // Calls f(j) once for every added request whose lifetime overlaps request i's.
  template <typename F>
  void for_each_overlapping(size_t i, F&& f) {
    ++stamp_;
    for (int t = reqs_[i].first; t <= reqs_[i].last; ++t)
      for (size_t j : at_[static_cast<size_t>(t)])
        if (seen_[j] != stamp_) {
          seen_[j] = stamp_;
          f(j);
        }
  }

 private:
  const std::vector<BufferRequest>& reqs_;
  std::vector<std::vector<size_t>> at_;
  std::vector<uint64_t> seen_;
  uint64_t stamp_ = 0;
};

// Places requests in `order`, each at the lowest-waste gap among placed, time-overlapping ones.
ArenaPlan place_in_order(const std::vector<BufferRequest>& reqs, const std::vector<size_t>& order, bool best_fit,
                         const char* name) {
  ArenaPlan plan;
  plan.algorithm = name;
  plan.offsets.assign(reqs.size(), -1);
  Timeline placed(reqs);
  for (size_t i : order) {
    const int64_t size = aligned(reqs[i].bytes);
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of conflicting buffers
    placed.for_each_overlapping(i, [&](size_t j) { busy.emplace_back(plan.offsets[j], end_of(plan.offsets[j], aligned(reqs[j].bytes))); });
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
    plan.arena_bytes = std::max(plan.arena_bytes, end_of(best, size));
    placed.add(i);
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

namespace {

std::vector<size_t> order_by_size(const std::vector<BufferRequest>& reqs) {
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return reqs[x].bytes > reqs[y].bytes; });
  return order;
}

// Local search over placement orders, for the plans the greedy orders leave above the lower
// bound (a small buffer placed early can strand a hole that a chain of large ones then steps
// around). Moves one request to another position in the best order so far and keeps the
// result when the arena does not grow. mt19937 is fully specified, so the plan is the same on
// every machine; the work is capped so huge graphs stay fast.
ArenaPlan search_orders(const std::vector<BufferRequest>& reqs, std::vector<size_t> order, ArenaPlan best) {
  const size_t n = order.size();
  if (n < 3) return best;
  std::mt19937 rng(20261124u);
  const size_t tries = std::min<size_t>(5000, 40'000'000 / n);
  for (size_t t = 0; t < tries && best.arena_bytes > best.lower_bound; ++t) {
    std::vector<size_t> next = order;
    const size_t from = rng() % n, to = rng() % n;
    const size_t moved = next[from];
    next.erase(next.begin() + static_cast<std::ptrdiff_t>(from));
    next.insert(next.begin() + static_cast<std::ptrdiff_t>(to), moved);
    for (bool best_fit : {false, true}) {
      ArenaPlan p = place_in_order(reqs, next, best_fit, "greedy-then-local-search");
      if (p.arena_bytes <= best.arena_bytes) {
        const bool better = p.arena_bytes < best.arena_bytes;
        best = std::move(p);
        order = next;
        if (better) break;
      }
    }
  }
  return best;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<BufferRequest>& reqs) {
  const std::vector<size_t> by_size = order_by_size(reqs);
  ArenaPlan best = plan_greedy_by_size(reqs);
  std::vector<size_t> best_order = by_size;
  ArenaPlan b = plan_greedy_by_time(reqs);
  if (b.arena_bytes < best.arena_bytes) {
    best = b;
    best_order.resize(reqs.size());
    std::iota(best_order.begin(), best_order.end(), 0);
    std::stable_sort(best_order.begin(), best_order.end(), [&](size_t x, size_t y) { return reqs[x].first < reqs[y].first; });
  }
  // Largest first again, but into the tightest gap: wins where first-fit strands a hole.
  ArenaPlan c = place_in_order(reqs, by_size, true, "greedy-by-size-best-fit");
  if (c.arena_bytes < best.arena_bytes) {
    best = c;
    best_order = by_size;
  }
  if (best.arena_bytes > best.lower_bound) {
    ArenaPlan searched = search_orders(reqs, best_order, best);
    if (searched.arena_bytes < best.arena_bytes) best = std::move(searched);
  }
  return best;
}

int64_t arena_lower_bound(const std::vector<BufferRequest>& reqs) {
  int last_step = 0;
  for (const auto& r : reqs) last_step = std::max(last_step, r.last);
  std::vector<int64_t> live(static_cast<size_t>(last_step) + 2, 0);
  for (const auto& r : reqs) {
    int64_t& start = live[static_cast<size_t>(r.first)];
    start = checked_add(start, aligned(r.bytes), "the live arena bytes");
    live[static_cast<size_t>(r.last) + 1] -= aligned(r.bytes);  // bounded by the sum above
  }
  int64_t cur = 0, peak = 0;
  for (int64_t d : live) peak = std::max(peak, cur = checked_add(cur, d, "the live arena bytes"));
  return peak;
}

std::string verify_plan(const std::vector<BufferRequest>& reqs, const ArenaPlan& plan) {
  if (plan.offsets.size() != reqs.size()) return "plan has " + std::to_string(plan.offsets.size()) + " offsets for " +
                                                  std::to_string(reqs.size()) + " requests";
  Timeline checked(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const int64_t oi = plan.offsets[i];
    if (oi < 0 || oi % kArenaAlign || end_of(oi, reqs[i].bytes) > plan.arena_bytes)
      return "buffer " + std::to_string(i) + " is misaligned or outside the arena";
    std::string clash;
    checked.for_each_overlapping(i, [&](size_t j) {
      const int64_t oj = plan.offsets[j];
      if (clash.empty() && oi < end_of(oj, reqs[j].bytes) && oj < end_of(oi, reqs[i].bytes) && reqs[i].bytes && reqs[j].bytes)
        clash = "buffers " + std::to_string(std::min(i, j)) + " and " + std::to_string(std::max(i, j)) + " overlap while both are live";
    });
    if (!clash.empty()) return clash;
    checked.add(i);
  }
  return "";
}

}  // namespace onnx2mcu
