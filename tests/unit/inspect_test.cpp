// inspect's per-node MAC counts, against numbers worked out by hand in each test.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "onnx2mcu/inspect.h"

namespace onnx2mcu {
namespace {

// One node of `op` reading values of the given shapes (a shape {} stands for an omitted input).
struct OneNode {
  Graph g;
  Node n;
  OneNode(const std::string& op, const std::vector<Shape>& inputs, const Shape& y) {
    n.op = op;
    for (size_t i = 0; i < inputs.size(); ++i) {
      Value* v = g.add_value("in" + std::to_string(i));
      v->dtype = DType::F32;
      v->shape = inputs[i];
      n.inputs.push_back(inputs[i].empty() ? nullptr : v);
    }
    Value* out = g.add_value("y");
    out->dtype = DType::F32;
    out->shape = y;
    n.outputs.push_back(out);
  }
  OneNode& attr(const std::string& key, int64_t v) {
    n.attrs[key].kind = Attr::Kind::Int;
    n.attrs[key].i = v;
    return *this;
  }
  int64_t macs() const { return model_stats_node_macs(n); }
};

TEST(NodeMacs, GruBidirectional) {
  // X [seq 5, batch 2, input 3], hidden 4, 2 directions, 3 gates:
  // 2 dirs x 5 steps x 2 rows x 3 gates x (3 + 4) x 4 = 1680.
  OneNode gru("GRU", {{5, 2, 3}, {2, 12, 3}, {2, 12, 4}}, {5, 2, 2, 4});
  EXPECT_EQ(gru.macs(), 1680);
}

TEST(NodeMacs, LstmBatchFirstLayoutAndOnlyTheFinalStateUsed) {
  // layout 1: X [batch 2, seq 6, input 8], hidden 5, 1 direction, 4 gates:
  // 1 x 6 x 2 x 4 x (8 + 5) x 5 = 3120. The count does not depend on which outputs are used.
  OneNode lstm("LSTM", {{2, 6, 8}, {1, 20, 8}, {1, 20, 5}}, {2, 6, 1, 5});
  lstm.attr("layout", 1);
  lstm.n.outputs[0] = nullptr;  // only Y_h read
  EXPECT_EQ(lstm.macs(), 3120);
}

TEST(NodeMacs, Rnn) {
  // X [seq 7, batch 1, input 2], hidden 3, one gate: 7 x 1 x 1 x (2 + 3) x 3 = 105.
  OneNode rnn("RNN", {{7, 1, 2}, {1, 3, 2}, {1, 3, 3}}, {7, 1, 1, 3});
  EXPECT_EQ(rnn.macs(), 105);
}

TEST(NodeMacs, ConvTransposeCountsLikeTheEquivalentConv) {
  // X [1, C_in 4, 5, 6], W [4, C_out 3, 3, 3]: 1 x 4 x 5 x 6 x 3 x 3 x 3 = 3240.
  OneNode ct("ConvTranspose", {{1, 4, 5, 6}, {4, 3, 3, 3}}, {1, 3, 7, 8});
  EXPECT_EQ(ct.macs(), 3240);
  // group 2, C_out 4: W [4, 2, 3, 3]; 1 x 4 x 5 x 6 x (4 / 2) x 3 x 3 = 2160.
  OneNode grouped("ConvTranspose", {{1, 4, 5, 6}, {4, 2, 3, 3}}, {1, 4, 7, 8});
  grouped.attr("group", 2);
  EXPECT_EQ(grouped.macs(), 2160);
  // Stride 2 only spreads the same products further apart: still 3240.
  OneNode strided("ConvTranspose", {{1, 4, 5, 6}, {4, 3, 3, 3}}, {1, 3, 11, 13});
  EXPECT_EQ(strided.macs(), 3240);
}

TEST(NodeMacs, ConvUnchanged) {
  // Y [1, 8, 4, 4], W [8, 2, 3, 3]: 128 outputs x 18 = 2304.
  OneNode conv("Conv", {{1, 2, 6, 6}, {8, 2, 3, 3}}, {1, 8, 4, 4});
  EXPECT_EQ(conv.macs(), 2304);
}

}  // namespace
}  // namespace onnx2mcu
