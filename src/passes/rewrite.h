// Small helpers for passes that rewrite node patterns.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/clip.h"

namespace onnx2mcu {

// The single node that reads v, or nullptr when v has several readers or is a graph output
// (then v must stay as it is).
Node* sole_consumer(const Graph& g, const Value* v);
// Reshape, Flatten, Squeeze, Unsqueeze or Transpose in the default domain: an op that only
// moves its first input's elements, whatever their type (a per-tensor (De)QuantizeLinear
// commutes with it).
bool only_moves_elements(const Node& n);
// Replaces the consumer's output with the producer's: `keep` now writes what `drop` wrote, and
// `drop` is removed from the graph. Both must be single-output nodes in a chain keep -> drop.
void absorb_next(Graph& g, Node& keep, Node& drop);
// Records activation node `a` (Relu, Clip with constant bounds, LeakyRelu) on a fused node as
// attributes PREFIX (1 Relu, 2 Clip, 3 LeakyRelu), PREFIX_lo, PREFIX_hi, PREFIX_alpha; false
// when `a` is not one of them.
bool take_activation(const Node& a, Node& fused, const std::string& prefix);

// Puts `fused` where absorbed[0] was and drops the other absorbed nodes, if that makes the
// planned arena smaller; otherwise leaves the graph exactly as it was. True when it fused.
// Values the absorbed nodes alone used stay until the caller's g.drop_unused_values().
bool fuse_if_arena_shrinks(Graph& g, std::unique_ptr<Node> fused, const std::vector<const Node*>& absorbed);
// Relu, Clip (constant bounds), LeakyRelu, Sigmoid or HardSigmoid in the default domain: an
// activation a Conv/ConvPool kernel can apply to its accumulators (o2m::ActParams).
bool is_fusable_activation(const Node& a);
// Records activation node `a` on `into` as the attributes PREFIX (o2m::ActKind), PREFIX_lo,
// PREFIX_hi, PREFIX_alpha, PREFIX_beta that ops/conv_fast.h activation_attrs reads; false if
// `a` is not fusable. Conv and ConvPool use the prefix "act"; PwDw "pw_act" and "dw_act".
bool take_activation(const Node& a, Node& into, const std::string& prefix = "act");

}  // namespace onnx2mcu
