// Ops onnx2mcu creates itself (domain "onnx2mcu"), never found in models:
// ConvPool = Conv [+ Relu/Clip/LeakyRelu] + MaxPool/AveragePool computed band by band
// (templates/kernels/conv_pool.hpp). Attributes: the Conv's as "conv_*", the pool's as
// "pool_*", "pool_max", "act", "act_lo", "act_hi", "act_alpha", "act_beta". Its conv rows run
// on conv2d_fast_row (templates/kernels/conv_fast.hpp) when the kernel width allows.
#include "kernels/conv_pool.hpp"

#include "ops/conv_fast.h"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

// A node carrying only the prefixed attributes, renamed, so window.cpp reads them as usual.
Node unprefixed(const Node& n, const std::string& prefix) {
  Node v;
  v.name = n.name;
  v.op = n.op;
  for (const auto& kv : n.attrs)
    if (kv.first.rfind(prefix, 0) == 0) v.attrs[kv.first.substr(prefix.size())] = kv.second;
  return v;
}

struct ConvPoolGeometry {
  Window conv, pool;
  Shape conv_out;
};

ConvPoolGeometry geometry(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  ConvPoolGeometry g;
  g.conv = compute_window(unprefixed(n, "conv_"), x.shape, {w.shape[2], w.shape[3]}, false);
  g.conv_out = {x.shape[0], w.shape[0], g.conv.out[0], g.conv.out[1]};
  Node pool = unprefixed(n, "pool_");
  g.pool = compute_window(pool, g.conv_out, pool.attr_ints("kernel_shape"), pool.attr_int("ceil_mode", 0) != 0);
  return g;
}

void infer_conv_pool(Node& n) {
  ConvPoolGeometry g = geometry(n);
  set_output(n, 0, required_input(n, 0).dtype, {g.conv_out[0], g.conv_out[1], g.pool.out[0], g.pool.out[1]});
}

std::vector<KernelCall> lower_conv_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  ConvPoolGeometry g = geometry(n);
  o2m::ConvPoolParams p{};
  o2m::BandConvParams& c = p.conv;
  c = {i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, x.shape[2]), i32(n, x.shape[3]), i32(n, w.shape[0]),
       i32(n, g.conv.out[0]), i32(n, g.conv.out[1]), i32(n, w.shape[2]), i32(n, w.shape[3]), i32(n, g.conv.strides[0]),
       i32(n, g.conv.strides[1]), i32(n, g.conv.dilations[0]), i32(n, g.conv.dilations[1]), i32(n, g.conv.pad_begin[0]),
       i32(n, g.conv.pad_begin[1]), i32(n, n.attr_int("conv_group", 1))};
  p.pool = {c.h_out, c.w_out, i32(n, g.pool.out[0]), i32(n, g.pool.out[1]), i32(n, g.pool.kernel[0]),
            i32(n, g.pool.kernel[1]), i32(n, g.pool.strides[0]), i32(n, g.pool.strides[1]), i32(n, g.pool.dilations[0]),
            i32(n, g.pool.dilations[1]), i32(n, g.pool.pad_begin[0]), i32(n, g.pool.pad_begin[1]), i32(n, g.pool.pad_end[0]),
            i32(n, g.pool.pad_end[1]), i32(n, n.attr_int("pool_count_include_pad", 0))};
  p.pool_max = i32(n, n.attr_int("pool_max", 1));
  p.act = activation_attrs(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall k = fast_conv_fits(c.k_w, c.stride_w, c.dil_w) && n.attr_int("packed_weights", 0)
                       ? with_fast_conv(c.k_w, c.stride_w, [&](auto kw, auto s) {
                           return make_call("conv_pool.hpp", "o2m::conv_pool" + fast_conv_targs(ctype<T>(), kw, s),
                                            &o2m::conv_pool<T, decltype(kw)::value, decltype(s)::value>,
                                            "o2m::ConvPoolParams", p, {&x, &w, n.input(2)}, {n.outputs[0]});
                         })
                   : wants_compact_kernel(n)  // --optimize size: the plain row loop and pool loop
                       ? make_call("conv_pool.hpp", "o2m::conv_pool<" + ctype<T>() + ", 0, 1, true>", &o2m::conv_pool<T, 0, 1, true>,
                                   "o2m::ConvPoolParams", p, {&x, &w, n.input(2)}, {n.outputs[0]})
                       : make_call(O2M_KERNEL("conv_pool.hpp", o2m::conv_pool, T), "o2m::ConvPoolParams", p,
                                   {&x, &w, n.input(2)}, {n.outputs[0]});
    k.scratch_bytes = int64_t{c.c_out} * p.pool.k_h * c.w_out * static_cast<int64_t>(sizeof(T));
    return k;
  })};
}

}  // namespace

void register_fused_ops(OpTable& t) { add_op(t, {"ConvPool", "onnx2mcu", infer_conv_pool, lower_conv_pool}); }

}  // namespace onnx2mcu
