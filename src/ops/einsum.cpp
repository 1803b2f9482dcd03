// Einsum with one or two operands (matmul, batched matmul, transpose, sums, inner and outer
// products, diagonals, "..." broadcasting) -> templates/kernels/einsum.hpp.
#include "kernels/einsum.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// The equation with "..." expanded into the digits '0'.. (right-aligned across operands) and
// the implicit output made explicit.
struct Equation {
  std::vector<std::string> terms;  // one per operand
  std::string out;
  std::map<char, int64_t> size;
};

Equation parse(const Node& n) {
  std::string eq;
  for (char c : n.attr_string("equation", "")) if (c != ' ') eq += c;
  if (eq.empty()) n.fail("the equation attribute is required");
  const size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> raw;
  for (size_t at = 0;;) {
    size_t comma = lhs.find(',', at);
    raw.push_back(lhs.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  if (raw.size() != n.inputs.size()) n.fail("equation '" + eq + "' names " + std::to_string(raw.size()) + " operands, the node has " + std::to_string(n.inputs.size()));
  if (raw.size() > 2) n.fail("supports one or two operands, got " + std::to_string(raw.size()));
  Equation e;
  size_t ell = 0;  // dims "..." stands for, the most over the operands
  std::vector<size_t> ell_of(raw.size(), 0);
  for (size_t k = 0; k < raw.size(); ++k) {
    const Shape& s = required_input(n, k).shape;
    const size_t dots = raw[k].find("...");
    const size_t letters = raw[k].size() - (dots == std::string::npos ? 0 : 3);
    if (dots == std::string::npos ? letters != s.size() : letters > s.size())
      n.fail("operand " + std::to_string(k) + " term '" + raw[k] + "' does not fit its shape " + shape_str(s));
    ell_of[k] = s.size() - letters;
    ell = std::max(ell, ell_of[k]);
  }
  auto dots_for = [](size_t from, size_t to) {
    std::string d;
    for (size_t i = from; i < to; ++i) d += static_cast<char>('0' + i);
    return d;
  };
  std::map<char, int> count;
  for (size_t k = 0; k < raw.size(); ++k) {
    std::string t = raw[k];
    const size_t dots = t.find("...");
    if (dots != std::string::npos) t.replace(dots, 3, dots_for(ell - ell_of[k], ell));
    for (char c : t)
      if (!std::isalpha(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)))
        n.fail("unexpected '" + std::string(1, c) + "' in equation '" + eq + "'");
    const Shape& s = required_input(n, k).shape;
    for (size_t i = 0; i < t.size(); ++i) {
      int64_t& sz = e.size[t[i]];
      if (sz > 1 && s[i] > 1 && sz != s[i]) n.fail("letter '" + std::string(1, t[i]) + "' has sizes " + std::to_string(sz) + " and " + std::to_string(s[i]));
      sz = std::max(sz, s[i]);
      ++count[t[i]];
    }
    e.terms.push_back(t);
  }
  if (arrow != std::string::npos) {
    e.out = eq.substr(arrow + 2);
    const size_t dots = e.out.find("...");
    if (dots != std::string::npos) e.out.replace(dots, 3, dots_for(0, ell));
    for (char c : e.out)
      if (!e.size.count(c) || std::count(e.out.begin(), e.out.end(), c) != 1)
        n.fail("output letter '" + std::string(1, c) + "' is unknown or repeated in '" + eq + "'");
  } else {
    e.out = dots_for(0, ell);
    for (const auto& kv : count)
      if (kv.second == 1 && std::isalpha(static_cast<unsigned char>(kv.first))) e.out += kv.first;
  }
  return e;
}

void infer_einsum(Node& n) {
  expect_arity(n, 1, 2);
  const Value& a = required_input(n, 0);
  expect_same_dtype(n, a.dtype);
  Equation e = parse(n);
  Shape out;
  for (char c : e.out) out.push_back(e.size.at(c));
  set_output(n, 0, a.dtype, out);
}

std::vector<KernelCall> lower_einsum(const Node& n) {
  Equation e = parse(n);
  std::string order = e.out;  // output letters, then the summed ones
  for (const auto& kv : e.size)
    if (order.find(kv.first) == std::string::npos) order += kv.first;
  if (order.size() > static_cast<size_t>(o2m::kMaxEinsumLetters))
    n.fail("supports at most " + std::to_string(o2m::kMaxEinsumLetters) + " distinct letters");
  o2m::EinsumParams p{};
  p.n_letters = static_cast<int32_t>(order.size());
  p.n_out = static_cast<int32_t>(e.out.size());
  for (size_t l = 0; l < order.size(); ++l) p.size[l] = i32(n, e.size.at(order[l]));
  for (size_t k = 0; k < e.terms.size(); ++k) {
    const Shape& s = required_input(n, k).shape;
    std::vector<int64_t> st = strides_of(s);
    int32_t* strides = k == 0 ? p.stride_a : p.stride_b;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] > 1) strides[order.find(e.terms[k][i])] += i32(n, st[i]);
  }
  const Value& a = required_input(n, 0);
  return {visit_numeric(n, a.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("einsum.hpp", o2m::einsum, T), "o2m::EinsumParams", p, {&a, n.input(1)}, {n.outputs[0]});
  })};
}

}  // namespace

void register_einsum_ops(OpTable& t) { add_op(t, {"Einsum", "", infer_einsum, lower_einsum, false}); }

}  // namespace onnx2mcu
