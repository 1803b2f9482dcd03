// Gemm and MatMul -> templates/kernels/gemm.hpp.
#include "kernels/gemm.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_gemm(Node& n) {
  expect_arity(n, 2, 3);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 1);
  expect_same_dtype(n, a.dtype);
  if (a.shape.size() != 2 || b.shape.size() != 2) n.fail("expects 2-D A and B, got " + shape_str(a.shape) + " and " + shape_str(b.shape));
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0], nn = tb ? b.shape[0] : b.shape[1];
  if (k != kb) n.fail("inner dims differ: A " + shape_str(a.shape) + ", B " + shape_str(b.shape));
  if (const Value* c = n.input(2)) broadcast_shapes(n, {m, nn}, c->shape);  // C must broadcast to [M, N]
  set_output(n, 0, a.dtype, {m, nn});
}

std::vector<KernelCall> lower_gemm(const Node& n) {
  const Value& a = required_input(n, 0);
  const Value& y = *n.outputs[0];
  o2m::GemmParams p{};
  p.trans_a = n.attr_int("transA", 0) != 0;
  p.trans_b = n.attr_int("transB", 0) != 0;
  p.m = i32(n, y.shape[0]);
  p.n = i32(n, y.shape[1]);
  p.k = i32(n, p.trans_a ? a.shape[0] : a.shape[1]);
  p.alpha = n.attr_float("alpha", 1.0f);
  p.beta = n.attr_float("beta", 1.0f);
  if (const Value* c = n.input(2)) {
    Shape cs = c->shape;
    while (cs.size() < 2) cs.insert(cs.begin(), 1);
    p.c_row_stride = cs[0] == 1 ? 0 : i32(n, cs[1]);
    p.c_col_stride = cs[1] == 1 ? 0 : 1;
  }
  return {visit_float(n, a.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("gemm.hpp", o2m::gemm, T), "o2m::GemmParams", p, {&a, n.input(1), n.input(2)}, {&y});
  })};
}

// MatMul promotes 1-D operands to matrices as numpy does, then broadcasts batch dims.
struct MatMulShapes {
  Shape a, b, batch, out;
  int64_t m, k, n;
};

MatMulShapes matmul_shapes(const Node& n) {
  MatMulShapes s;
  s.a = required_input(n, 0).shape;
  s.b = required_input(n, 1).shape;
  if (s.a.empty() || s.b.empty()) n.fail("does not accept scalars");
  const bool a1 = s.a.size() == 1, b1 = s.b.size() == 1;
  if (a1) s.a.insert(s.a.begin(), 1);
  if (b1) s.b.push_back(1);
  s.m = s.a[s.a.size() - 2];
  s.k = s.a.back();
  s.n = s.b.back();
  if (s.b[s.b.size() - 2] != s.k) n.fail("inner dims differ: " + shape_str(s.a) + " x " + shape_str(s.b));
  s.batch = broadcast_shapes(n, Shape(s.a.begin(), s.a.end() - 2), Shape(s.b.begin(), s.b.end() - 2));
  if (s.batch.size() > static_cast<size_t>(o2m::kMaxBatchRank)) n.fail("supports at most 4 batch dims");
  s.out = s.batch;
  if (!a1) s.out.push_back(s.m);
  if (!b1) s.out.push_back(s.n);
  return s;
}

void infer_matmul(Node& n) {
  expect_arity(n, 2, 2);
  expect_same_dtype(n, required_input(n, 0).dtype);
  set_output(n, 0, required_input(n, 0).dtype, matmul_shapes(n).out);
}

std::vector<KernelCall> lower_matmul(const Node& n) {
  MatMulShapes s = matmul_shapes(n);
  o2m::MatMulParams p{};
  p.m = i32(n, s.m);
  p.n = i32(n, s.n);
  p.k = i32(n, s.k);
  p.batch = i32(n, prod(s.batch, 0, s.batch.size()));
  const size_t off = o2m::kMaxBatchRank - s.batch.size();
  for (int d = 0; d < o2m::kMaxBatchRank; ++d) p.batch_dims[d] = 1;
  // Batch strides of an operand, in matrices, 0 where it broadcasts.
  auto fill = [&](const Shape& full, int32_t* strides, int64_t mat) {
    Shape bd(full.begin(), full.end() - 2);
    bd.insert(bd.begin(), s.batch.size() - bd.size(), 1);
    std::vector<int64_t> st = strides_of(bd);
    for (size_t i = 0; i < s.batch.size(); ++i) strides[off + i] = bd[i] == 1 ? 0 : i32(n, st[i] * mat);
  };
  for (size_t i = 0; i < s.batch.size(); ++i) p.batch_dims[off + i] = i32(n, s.batch[i]);
  fill(s.a, p.a_batch_strides, s.m * s.k);
  fill(s.b, p.b_batch_strides, s.k * s.n);
  return {visit_numeric(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("gemm.hpp", o2m::matmul, T), "o2m::MatMulParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

}  // namespace

void register_gemm_ops(OpTable& t) {
  add_op(t, {"Gemm", "", infer_gemm, lower_gemm, false});
  add_op(t, {"MatMul", "", infer_matmul, lower_matmul, false});
}

}  // namespace onnx2mcu
