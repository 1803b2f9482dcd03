// QLinearMatMul, MatMulInteger, com.microsoft.QGemm and onnx2mcu.QGemm -> templates/kernels/qgemm.hpp.
//
// QLinearMatMul and MatMulInteger lower to run-time-parameter kernels. lower-qdq turns
// QLinearMatMul/QGemm with constant weights and parameters (and DQ -> Gemm/MatMul -> Q
// patterns) into onnx2mcu.QGemm, whose folded bias and multipliers are constant tensors.
#include "kernels/qgemm.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/qlinear.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// MatMul's numpy rules (1-D operands promoted, batch dims broadcast), as in gemm.cpp.
struct MatMulShapes {
  Shape a, b, batch, out;
  int64_t m, k, n;
};

MatMulShapes matmul_shapes(const Node& n, size_t ia, size_t ib) {
  MatMulShapes s;
  s.a = required_input(n, ia).shape;
  s.b = required_input(n, ib).shape;
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

o2m::MatMulParams matmul_params(const Node& n, const MatMulShapes& s) {
  o2m::MatMulParams p{};
  p.m = i32(n, s.m);
  p.n = i32(n, s.n);
  p.k = i32(n, s.k);
  p.batch = i32(n, prod(s.batch, 0, s.batch.size()));
  const size_t off = o2m::kMaxBatchRank - s.batch.size();
  for (int d = 0; d < o2m::kMaxBatchRank; ++d) p.batch_dims[d] = 1;
  auto fill = [&](const Shape& full, int32_t* strides, int64_t mat) {
    Shape bd(full.begin(), full.end() - 2);
    bd.insert(bd.begin(), s.batch.size() - bd.size(), 1);
    std::vector<int64_t> st = strides_of(bd);
    for (size_t i = 0; i < s.batch.size(); ++i) strides[off + i] = bd[i] == 1 ? 0 : i32(n, st[i] * mat);
  };
  for (size_t i = 0; i < s.batch.size(); ++i) p.batch_dims[off + i] = i32(n, s.batch[i]);
  fill(s.a, p.a_batch_strides, s.m * s.k);
  fill(s.b, p.b_batch_strides, s.k * s.n);
  return p;
}

// a per-row (m values) or b per-column (n values) parameter; else one value.
int32_t per_axis(const Node& n, size_t input, int64_t len) {
  const Value* v = n.input(input);
  if (!v || v->elems() == 1) return 0;
  if (v->elems() != len) n.fail("'" + v->name + "' has " + std::to_string(v->elems()) + " values; expected 1 or " + std::to_string(len));
  return 1;
}

// A scale and its zero point: both per row (column) of len values, or both one value. The
// kernel reads them with one flag, so a per-row scale with a single zero point read past it
// (ASan, fuzz_graphs seed 5,203,900).
int32_t per_axis_pair(const Node& n, size_t scale, size_t zero_point, int64_t len) {
  const int32_t s = per_axis(n, scale, len), z = per_axis(n, zero_point, len);
  if (n.input(zero_point) && s != z)
    n.fail("'" + n.input(scale)->name + "' and '" + n.input(zero_point)->name + "' must both hold 1 value or both " +
           std::to_string(len));
  return s;  // equal to z whenever the zero point is given
}

// QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
void infer_qlinear_matmul(Node& n) {
  expect_arity(n, 8, 8);
  if (!is_q8(required_input(n, 0).dtype) || !is_q8(required_input(n, 3).dtype)) n.fail("expects 8-bit a and b");
  const MatMulShapes s = matmul_shapes(n, 0, 3);
  per_axis_pair(n, 1, 2, s.m);
  per_axis_pair(n, 4, 5, s.n);
  for (size_t i : {6, 7})
    if (n.input(i) && n.input(i)->elems() != 1) n.fail("'" + n.input(i)->name + "' must hold one value");
  set_output(n, 0, required_input(n, 7).dtype, s.out);
}

std::vector<KernelCall> lower_qlinear_matmul(const Node& n) {
  const MatMulShapes s = matmul_shapes(n, 0, 3);
  const o2m::QMatMulParams p{matmul_params(n, s), per_axis_pair(n, 1, 2, s.m), per_axis_pair(n, 4, 5, s.n)};
  const Value& y = *n.outputs[0];
  return {visit_q8(n, required_input(n, 0).dtype, [&](auto ta) {
    return visit_q8(n, required_input(n, 3).dtype, [&](auto tb) {
      return visit_q8(n, y.dtype, [&](auto ty) {
        using TA = decltype(ta);
        using TB = decltype(tb);
        using TY = decltype(ty);
        const std::string fn = "o2m::qlinear_matmul<" + ctype<TA>() + ", " + ctype<TB>() + ", " + ctype<TY>() + ">";
        return make_call("qgemm.hpp", fn, &o2m::qlinear_matmul<TA, TB, TY>, "o2m::QMatMulParams", p, node_inputs(n), {&y});
      });
    });
  })};
}

// MatMulInteger: a, b, [a_zero_point], [b_zero_point] -> int32.
void infer_matmul_integer(Node& n) {
  expect_arity(n, 2, 4);
  if (!is_q8(required_input(n, 0).dtype) || !is_q8(required_input(n, 1).dtype)) n.fail("expects 8-bit a and b");
  set_output(n, 0, DType::I32, matmul_shapes(n, 0, 1).out);
}

std::vector<KernelCall> lower_matmul_integer(const Node& n) {
  const MatMulShapes s = matmul_shapes(n, 0, 1);
  const o2m::QMatMulParams p{matmul_params(n, s), per_axis(n, 2, s.m), per_axis(n, 3, s.n)};
  return {visit_q8(n, required_input(n, 0).dtype, [&](auto ta) {
    return visit_q8(n, required_input(n, 1).dtype, [&](auto tb) {
      using TA = decltype(ta);
      using TB = decltype(tb);
      return make_call(O2M_KERNEL2("qgemm.hpp", o2m::matmul_integer, TA, TB), "o2m::QMatMulParams", p,
                       {n.input(0), n.input(1), n.input(2), n.input(3)}, {n.outputs[0]});
    });
  })};
}

// com.microsoft.QGemm: A, a_scale, a_zp, B, b_scale, b_zp, [C int32], [y_scale], [y_zp];
// transA, transB, alpha. lower-qdq rewrites it into onnx2mcu.QGemm.
void infer_qgemm_contrib(Node& n) {
  expect_arity(n, 6, 9);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 3);
  if (a.shape.size() != 2 || b.shape.size() != 2) n.fail("expects 2-D A and B");
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0], nn = tb ? b.shape[0] : b.shape[1];
  if (k != kb) n.fail("inner dims differ: " + shape_str(a.shape) + " x " + shape_str(b.shape));
  const DType out = !n.input(7) ? DType::F32 : (n.input(8) ? n.input(8)->dtype : DType::U8);
  set_output(n, 0, out, {m, nn});
}

std::vector<KernelCall> lower_needs_constants(const Node& n) {
  n.fail("runs only with constant weights and quantization parameters (then lower-qdq makes it an integer op)");
}

// onnx2mcu.QGemm: x [..., k], w [n, k] int8, bias [n] (folded), mult, shift ->
// y [..., n]; attributes y_zp, act_min, act_max, y_signed.
void infer_qgemm(Node& n) {
  expect_arity(n, 5, 5);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  if (!is_q8(x.dtype) || w.dtype != DType::I8 || w.shape.size() != 2) n.fail("expects 8-bit x and 2-D int8 w");
  if (x.shape.empty() || x.shape.back() != w.shape[1]) n.fail("x " + shape_str(x.shape) + " does not match w " + shape_str(w.shape));
  Shape out = x.shape;
  out.back() = w.shape[0];
  set_output(n, 0, q8_type_attr(n), out);
}

std::vector<KernelCall> lower_qgemm(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  const Value& y = *n.outputs[0];
  o2m::QGemmParams p{};
  p.k = i32(n, w.shape[1]);
  p.n = i32(n, w.shape[0]);
  p.m = i32(n, x.elems() / w.shape[1]);
  p.y_zp = attr_i32(n, "y_zp");
  p.act_min = attr_i32(n, "act_min");
  p.act_max = attr_i32(n, "act_max");
  p.per_channel = required_input(n, 3).elems() != 1 ? 1 : 0;
  return {visit_q8(n, x.dtype, [&](auto tx) {
    return visit_q8(n, y.dtype, [&](auto ty) {
      using TX = decltype(tx);
      using TY = decltype(ty);
      // --optimize size: the reference kernel (no DSP row variants), bit-exact like the fast one
      const bool compact = wants_compact_kernel(n);
      KernelCall c = make_call("qgemm.hpp", "o2m::qgemm<" + ctype<TX>() + ", " + ctype<TY>() + (compact ? ", true>" : ">"),
                               compact ? &o2m::qgemm<TX, TY, true> : &o2m::qgemm<TX, TY>, "o2m::QGemmParams", p,
                               node_inputs(n), {&y});
      c.scratch_bytes = o2m::qgemm_scratch_bytes<TX>(p.k);
      return c;
    });
  })};
}

}  // namespace

void register_qlinear_gemm_ops(OpTable& t) {
  add_op(t, {"QLinearMatMul", "", infer_qlinear_matmul, lower_qlinear_matmul});
  add_op(t, {"MatMulInteger", "", infer_matmul_integer, lower_matmul_integer});
  add_op(t, {"QGemm", "com.microsoft", infer_qgemm_contrib, lower_needs_constants});
  add_op(t, {"QGemm", "onnx2mcu", infer_qgemm, lower_qgemm});
}

}  // namespace onnx2mcu
