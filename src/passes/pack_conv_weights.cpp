// Reorders the constant weights of every conv that runs on conv2d_fast's register blocks into
// the layout those blocks stream (o2m::pack_conv_weights, templates/kernels/conv_fast.hpp):
// Conv and ConvPool weights, and PwDw's pointwise weights. The node gets attribute
// "packed_weights" = 1, which the Conv and ConvPool lowerings require before they take the fast
// kernels (PwDw has only the fast one). Not optional: the fast kernels are also the ones that
// apply fused activations.
#include "kernels/conv_fast.hpp"
#include "ops/conv_fast.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// Whether n is an op whose weights (input 1) conv2d_fast's blocks can read.
bool reads_packed_weights(const Node& n) {
  if (n.domain == "onnx2mcu") return n.op == "PwDw" || n.op == "ConvPool";
  return n.domain.empty() && n.op == "Conv";
}

constexpr size_t kWeightInput = 1;

template <typename T>
Tensor packed(const Tensor& w, int32_t group) {
  Tensor out = w;
  const auto c_out = static_cast<int32_t>(w.shape[0]);
  const auto per_oc = static_cast<int32_t>(w.elems() / w.shape[0]);
  o2m::pack_conv_weights(c_out, group, per_oc, w.data<T>(), out.data<T>());
  return out;
}

}  // namespace

void pack_conv_weights(Graph& g, const PassOptions&) {
  for (auto& np : g.nodes) {
    Node& n = *np;
    if (!reads_packed_weights(n) || n.attr_int("packed_weights", 0) || wants_compact_kernel(n)) continue;
    const Value* w = n.input(kWeightInput);
    const Value* x = n.input(0);
    const bool packable = x && w && w->is_const() && (x->dtype == DType::F32 || x->dtype == DType::F64) &&
                          w->dtype == x->dtype && w->shape.size() >= 3 && w->shape.size() <= 4 && w->shape[0] >= 1 &&
                          w->elems() >= 1;
    // PwDw has no unpacked kernel (its lowering, used earlier for planning, assumes packing).
    if (!packable && n.op == "PwDw") n.fail("internal: its pointwise weights cannot be packed");
    if (!packable) continue;
    int64_t group = 1;
    if (n.op == "Conv") {
      if (!conv_takes_fast_kernels(n)) continue;
      group = n.attr_int("group", 1);
    } else if (n.op == "ConvPool") {
      group = n.attr_int("conv_group", 1);
      const size_t sp = w->shape.size() - 2;
      if (!fast_conv_fits(w->shape.back(), n.attr_ints("conv_strides", std::vector<int64_t>(sp, 1)).back(),
                          n.attr_ints("conv_dilations", std::vector<int64_t>(sp, 1)).back()))
        continue;
    }
    if (group < 1 || w->shape[0] % group != 0) continue;
    Tensor t = x->dtype == DType::F32 ? packed<float>(*w->constant, static_cast<int32_t>(group))
                                      : packed<double>(*w->constant, static_cast<int32_t>(group));
    n.inputs[kWeightInput] = g.add_constant(w->name + "_packed", std::move(t));
    n.attrs["packed_weights"].kind = Attr::Kind::Int;
    n.attrs["packed_weights"].i = 1;
  }
  g.drop_unused_values();
}

}  // namespace onnx2mcu
