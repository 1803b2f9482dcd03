// o2m::tfidf against the spec's worked example and against a transcription of ONNX's reference
// (a trie of the pool walked once per skip distance, 1-grams counted in the first pass only) on
// random tokens. Counts are small integers: exact; weighted outputs within 1e-6.
#include "kernels/tfidf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <vector>

namespace {

struct Gram {
  std::vector<int64_t> items;
  int32_t out;
};

// The kernel's tables from a list of n-grams.
struct Tables {
  std::vector<int64_t> pool;
  std::vector<int32_t> info;
  explicit Tables(const std::vector<Gram>& grams) {
    for (const Gram& g : grams) {
      info.insert(info.end(), {int32_t(pool.size()), int32_t(g.items.size()), g.out});
      pool.insert(pool.end(), g.items.begin(), g.items.end());
    }
  }
};

std::vector<float> run(const o2m::TfIdfParams& p, const std::vector<int32_t>& x, const std::vector<Gram>& grams,
                       const std::vector<float>& w) {
  const Tables t(grams);
  std::vector<float> y(size_t(p.rows * p.outs), -1.0f);
  o2m::tfidf<int32_t>(p, x.data(), t.pool.data(), t.info.data(), w.data(), y.data());
  return y;
}

// ONNX's TfIdfVectorizer reference: a trie keyed by token; a node's id is its n-gram's output + 1.
struct Trie {
  int id = 0;
  std::map<int64_t, std::unique_ptr<Trie>> next;
};

std::vector<double> reference(const o2m::TfIdfParams& p, int min_len, int max_len, const std::vector<int32_t>& x,
                              const std::vector<Gram>& grams, const std::vector<float>& w) {
  Trie root;
  for (const Gram& g : grams) {
    Trie* t = &root;
    for (int64_t v : g.items) {
      auto& child = t->next[v];
      if (!child) child = std::make_unique<Trie>();
      t = child.get();
    }
    t->id = g.out + 1;
  }
  std::vector<double> y(size_t(p.rows * p.outs), 0.0);
  for (int r = 0; r < p.rows; ++r) {
    int start_len = min_len;
    for (int skip = 1; skip <= p.max_skip + 1; ++skip) {
      for (int start = 0; start < p.cols; ++start) {
        if (start + skip * (start_len - 1) >= p.cols) break;
        const Trie* t = &root;
        for (int item = start, len = 1; len <= max_len && item < p.cols; ++len, item += skip) {
          auto it = t->next.find(x[size_t(r * p.cols + item)]);
          if (it == t->next.end()) break;
          t = it->second.get();
          if (len >= start_len && t->id != 0) y[size_t(r * p.outs + t->id - 1)] += 1;
        }
      }
      if (start_len == 1 && ++start_len > max_len) break;  // 1-grams only once
    }
  }
  for (size_t i = 0; i < y.size(); ++i) {
    const float wi = w[i % size_t(p.outs)];
    if (p.mode == o2m::kTfIdfIDF) y[i] = y[i] > 0 ? wi : 0;
    if (p.mode == o2m::kTfIdfTFIDF) y[i] *= wi;
  }
  return y;
}

// The spec's example: [94, 17, 36, 12, 28] with skip 2 has the 2-grams [94, 12] and [17, 28];
// skips up to 2 also count the skip-0 and skip-1 ones.
TEST(TfIdf, SpecExampleSkips) {
  const std::vector<int32_t> x = {94, 17, 36, 12, 28};
  const std::vector<Gram> grams = {{{94, 12}, 0}, {{17, 28}, 1}, {{94, 17}, 2}, {{17, 12}, 3}, {{94, 28}, 4}};
  const std::vector<float> w(5, 1.0f);
  EXPECT_EQ(run({1, 5, 5, 2, 5, o2m::kTfIdfTF}, x, grams, w), (std::vector<float>{1, 1, 1, 1, 0}));
  EXPECT_EQ(run({1, 5, 5, 0, 5, o2m::kTfIdfTF}, x, grams, w), (std::vector<float>{0, 0, 1, 0, 0}));
  EXPECT_EQ(run({1, 5, 5, 3, 5, o2m::kTfIdfTF}, x, grams, w), (std::vector<float>{1, 1, 1, 1, 1}));
}

TEST(TfIdf, ModesWeighCountsPerOutput) {
  const std::vector<int32_t> x = {3, 3, 3, 5, 0, 3};  // 3 four times, 5 once, 7 never
  const std::vector<Gram> grams = {{{3}, 0}, {{5}, 1}, {{7}, 2}};
  const std::vector<float> w = {0.5f, 2.0f, 4.0f};
  EXPECT_EQ(run({1, 6, 3, 0, 3, o2m::kTfIdfTF}, x, grams, w), (std::vector<float>{4, 1, 0}));
  EXPECT_EQ(run({1, 6, 3, 0, 3, o2m::kTfIdfIDF}, x, grams, w), (std::vector<float>{0.5f, 2, 0}));
  EXPECT_EQ(run({1, 6, 3, 0, 3, o2m::kTfIdfTFIDF}, x, grams, w), (std::vector<float>{2, 2, 0}));
  // 1-grams are counted once whatever the skip.
  EXPECT_EQ(run({1, 6, 3, 4, 3, o2m::kTfIdfTF}, x, grams, w), (std::vector<float>{4, 1, 0}));
}

TEST(TfIdf, MatchesOnnxReferenceOnRandomRows) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> token(0, 3);  // few tokens: many matches
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const int min_len = 1 + trial % 2, max_len = min_len + trial % 3, outs = 6;
    std::vector<Gram> grams;
    std::vector<std::vector<int64_t>> seen;
    for (int g = 0; g < 8; ++g) {  // distinct n-grams (the lowering keeps the last of equal ones)
      std::vector<int64_t> items(size_t(min_len + g % (max_len - min_len + 1)));
      for (int64_t& v : items) v = token(rng);
      if (std::find(seen.begin(), seen.end(), items) != seen.end()) continue;
      seen.push_back(items);
      grams.push_back({items, int32_t(rng() % outs)});  // outputs may repeat: counts add up
    }
    const o2m::TfIdfParams p{3, 2 + trial % 9, int32_t(grams.size()), trial % 4, outs, trial % 3};
    std::vector<int32_t> x(size_t(p.rows * p.cols));
    for (int32_t& v : x) v = token(rng);
    std::vector<float> w(static_cast<size_t>(outs));
    for (float& v : w) v = float(rng() % 100) / 10.0f;
    const std::vector<float> y = run(p, x, grams, w);
    const std::vector<double> want = reference(p, min_len, max_len, x, grams, w);
    ASSERT_EQ(y.size(), want.size());
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-6 * std::fabs(want[i])) << "at " << i;
  }
}

}  // namespace
