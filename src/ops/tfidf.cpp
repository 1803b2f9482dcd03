// TfIdfVectorizer (opset 9) on int32/int64 tokens -> templates/kernels/tfidf.hpp. The pool of
// n-grams becomes constant tables in flash; pool_strings is an error (no string tensors).
#include "kernels/tfidf.hpp"

#include <algorithm>
#include <cstdint>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/ml_attrs.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

int64_t required_int(const Node& n, const char* key) {
  if (!n.has_attr(key)) n.fail(std::string("needs the attribute ") + key);
  return n.attr_int(key, 0);
}

int32_t tfidf_mode(const Node& n) {
  const std::string mode = n.attr_string("mode", "");
  if (mode == "TF") return o2m::kTfIdfTF;
  if (mode == "IDF") return o2m::kTfIdfIDF;
  if (mode == "TFIDF") return o2m::kTfIdfTFIDF;
  n.fail("mode must be TF, IDF or TFIDF, got '" + mode + "'");
}

// The n-grams of lengths min..max_gram_length, numbered through the whole pool as ONNX's
// reference numbers them (ngram_indexes[k] is the output of the k-th n-gram of any length); of
// equal n-grams the last one counts, as in the reference's trie.
NamedTables tfidf_tables(const Node& n) {
  if (n.has_attr("pool_strings")) n.fail("string n-grams (pool_strings) are not supported: onnx2mcu has no string tensors");
  if (!n.has_attr("pool_int64s")) n.fail("needs pool_int64s");
  tfidf_mode(n);
  const int64_t min_len = required_int(n, "min_gram_length"), max_len = required_int(n, "max_gram_length");
  if (min_len < 1 || max_len < min_len) n.fail("needs 1 <= min_gram_length <= max_gram_length");
  if (required_int(n, "max_skip_count") < 0) n.fail("max_skip_count must not be negative");
  const std::vector<int64_t> pool = n.attr_ints("pool_int64s"), counts = n.attr_ints("ngram_counts");
  const std::vector<int64_t> indexes = n.attr_ints("ngram_indexes");
  const std::vector<float> weights = n.attr_floats("weights");
  if (indexes.empty()) n.fail("needs ngram_indexes");
  const int64_t outs = *std::max_element(indexes.begin(), indexes.end()) + 1;
  if (*std::min_element(indexes.begin(), indexes.end()) < 0 || outs > INT32_MAX) n.fail("ngram_indexes out of range");
  if (!weights.empty() && static_cast<int64_t>(weights.size()) < outs)
    n.fail("weights has " + std::to_string(weights.size()) + " values for " + std::to_string(outs) + " outputs");

  std::vector<std::vector<int64_t>> grams;  // items, then the output index last
  size_t id = 0;
  for (size_t level = 0; level < counts.size(); ++level) {
    const int64_t len = static_cast<int64_t>(level) + 1, begin = counts[level];
    const int64_t end = level + 1 < counts.size() ? counts[level + 1] : static_cast<int64_t>(pool.size());
    if (begin < 0 || end < begin || end > static_cast<int64_t>(pool.size()) || (end - begin) % len != 0)
      n.fail("ngram_counts does not split pool_int64s (" + std::to_string(pool.size()) + " items) into " +
             std::to_string(len) + "-grams at " + std::to_string(begin));
    for (int64_t at = begin; at < end; at += len, ++id) {
      if (id >= indexes.size()) n.fail("ngram_indexes has fewer entries than the pool has n-grams");
      if (len < min_len || len > max_len) continue;
      std::vector<int64_t> g(pool.begin() + at, pool.begin() + at + len);
      g.push_back(indexes[id]);
      auto same = std::find_if(grams.begin(), grams.end(), [&](const std::vector<int64_t>& h) {
        return h.size() == g.size() && std::equal(h.begin(), h.end() - 1, g.begin());
      });
      if (same != grams.end()) grams.erase(same);
      grams.push_back(std::move(g));
    }
  }
  std::vector<int64_t> items, info;
  for (const auto& g : grams) {
    info.insert(info.end(), {static_cast<int64_t>(items.size()), static_cast<int64_t>(g.size()) - 1, g.back()});
    items.insert(items.end(), g.begin(), g.end() - 1);
  }
  std::vector<float> w(static_cast<size_t>(outs), 1.0f);
  std::copy_n(weights.begin(), std::min(weights.size(), w.size()), w.begin());
  return {ml_table<int64_t>("pool", items), ml_table<int32_t>("grams", info), ml_table<float>("weights", w)};
}

void infer_tfidf(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  if (x.dtype != DType::I32 && x.dtype != DType::I64)
    n.fail(std::string("needs int32 or int64 tokens, got ") + dtype_name(x.dtype) + " (string tokens are not supported)");
  if (x.shape.empty() || x.shape.size() > 2) n.fail("needs input [C] or [N, C], got " + shape_str(x.shape));
  Shape y = x.shape;
  y.back() = n.inputs[3]->elems();  // one weight per output index
  set_output(n, 0, DType::F32, y);
}

std::vector<KernelCall> lower_tfidf(const Node& n) {
  const Value& x = required_input(n, 0);
  const int64_t cols = x.shape.back();
  const int64_t skip = std::min(n.attr_int("max_skip_count", 0), cols);
  const o2m::TfIdfParams p{i32(n, x.shape.size() == 2 ? x.shape[0] : 1), i32(n, cols), i32(n, n.inputs[2]->elems() / 3),
                           i32(n, skip), i32(n, n.inputs[3]->elems()), tfidf_mode(n)};
  auto call = [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("tfidf.hpp", o2m::tfidf, T), "o2m::TfIdfParams", p, node_inputs(n), {n.outputs[0]});
  };
  return {x.dtype == DType::I32 ? call(int32_t{}) : call(int64_t{})};
}

}  // namespace

void register_tfidf_ops(OpTable& t) {
  OpDef d{"TfIdfVectorizer", "", infer_tfidf, lower_tfidf};
  d.tables = tfidf_tables;
  d.notes = "int32/int64 tokens with pool_int64s (strings: error); weights are read per output index, as ONNX's reference";
  add_op(t, d);
}

}  // namespace onnx2mcu
