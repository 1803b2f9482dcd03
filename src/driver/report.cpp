#include "onnx2mcu/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/graph.h"
#include "onnx2mcu/inspect.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

namespace {

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// One arena buffer: who owns it, where, and when it is live.
struct Bar {
  std::string label;
  int64_t offset, bytes;
  int first, last;
};

std::vector<Bar> bars(const CompiledModel& m) {
  std::vector<Bar> out;
  const MemoryPlan& p = *m.plan;
  for (size_t i = 0; i < p.requests.size(); ++i) {
    const BufferRequest& r = p.requests[i];
    std::string label = p.arena_values[i] ? p.arena_values[i]->name : "scratch of " + m.graph->nodes[static_cast<size_t>(r.first)]->name;
    out.push_back({label, p.arena.offsets[i], r.bytes, r.first, r.last});
  }
  return out;
}

}  // namespace

std::string report_json(const CompiledModel& m) {
  const Graph& g = *m.graph;
  const MemoryPlan& p = *m.plan;
  ModelStats s = model_stats(m);
  std::string out = fmt::format(
      "{{\n  \"name\": {},\n  \"arena_bytes\": {},\n  \"lower_bound_bytes\": {},\n  \"algorithm\": {},\n  \"weight_bytes\": {},\n  \"macs\": {},\n",
      json_string(m.name), s.arena_bytes, s.lower_bound, json_string(p.arena.algorithm), s.weight_bytes, s.macs);
  out += "  \"nodes\": [\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    const Value* y = n.outputs.empty() ? nullptr : n.outputs[0];
    const auto st = y ? p.storage.find(y) : p.storage.end();
    const bool in_arena = st != p.storage.end() && st->second.kind == StorageKind::Arena;
    int64_t wbytes = 0;
    for (const Value* in : n.inputs)
      if (in && in->is_const()) wbytes += in->bytes();
    out += fmt::format("    {{\"step\": {}, \"name\": {}, \"op\": {}, \"shape\": {}, \"bytes\": {}, \"arena_offset\": {}, \"weight_bytes\": {}, "
                       "\"view\": {}, \"inplace\": {}}}{}\n",
                       i, json_string(n.name), json_string(n.op), json_string(y ? shape_str(y->shape) : ""), y ? y->bytes() : 0,
                       in_arena ? std::to_string(st->second.offset) : "null", wbytes, p.aliased_views.count(&n) ? "true" : "false",
                       p.inplace_nodes.count(&n) ? "true" : "false", i + 1 < g.nodes.size() ? "," : "");
  }
  out += "  ],\n  \"buffers\": [\n";
  std::vector<Bar> bs = bars(m);
  for (size_t i = 0; i < bs.size(); ++i)
    out += fmt::format("    {{\"tensor\": {}, \"offset\": {}, \"bytes\": {}, \"first_step\": {}, \"last_step\": {}}}{}\n",
                       json_string(bs[i].label), bs[i].offset, bs[i].bytes, bs[i].first, bs[i].last, i + 1 < bs.size() ? "," : "");
  return out + "  ]\n}\n";
}

std::string report_svg(const CompiledModel& m) {
  const int steps = std::max<int>(1, static_cast<int>(m.graph->nodes.size()));
  const int64_t arena = std::max<int64_t>(1, m.plan->arena.arena_bytes);
  const double w = 900, h = 420, left = 70, top = 20, bottom = 40;
  const double sx = (w - left - 10) / steps, sy = (h - top - bottom) / static_cast<double>(arena);
  std::string out = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n", w, h);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f8f8f8\" stroke=\"#888\"/>\n", left, top, w - left - 10, h - top - bottom);
  const char* colors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  std::vector<Bar> bs = bars(m);
  for (size_t i = 0; i < bs.size(); ++i) {
    const Bar& b = bs[i];
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.8\" stroke=\"#333\" stroke-width=\"0.5\">"
        "<title>{}: {} B at offset {}, steps {}..{}</title></rect>\n",
        left + b.first * sx, top + static_cast<double>(b.offset) * sy, (b.last - b.first + 1) * sx,
        std::max(1.0, static_cast<double>(b.bytes) * sy), colors[i % 9], xml(b.label), b.bytes, b.offset, b.first, b.last);
  }
  // The lower bound as a dashed line: the plan cannot go below it.
  const double lb = top + static_cast<double>(m.plan->arena.lower_bound) * sy;
  out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n", left, lb, w - 10, lb);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0 B</text>\n", left - 4, top + 4);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} B</text>\n", left - 4, h - bottom, arena);
  out += fmt::format("<text x=\"{}\" y=\"{}\">step (node) →</text>\n", left, h - bottom + 16);
  out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#c00\" text-anchor=\"end\">lower bound {} B</text>\n", w - 12, lb - 3, m.plan->arena.lower_bound);
  return out + "</svg>\n";
}

std::string report_html(const CompiledModel& m) {
  const Graph& g = *m.graph;
  const MemoryPlan& p = *m.plan;
  ModelStats s = model_stats(m);
  std::string out = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + xml(m.name) +
                    " memory plan</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td.l,th.l{text-align:left}</style></head><body>\n";
  out += fmt::format("<h1>{}: arena {} B</h1>\n<p>Lower bound (peak of simultaneously live tensors) {} B, ratio {:.2f}; "
                     "placement {}; weights {} B (flash); {} MACs; {} nodes.</p>\n",
                     xml(m.name), s.arena_bytes, s.lower_bound,
                     s.lower_bound ? static_cast<double>(s.arena_bytes) / static_cast<double>(s.lower_bound) : 1.0, p.arena.algorithm,
                     s.weight_bytes, s.macs, g.nodes.size());
  out += "<p>Each bar is one tensor in the arena: x = the steps it is live, y = its byte offset. Hover for details.</p>\n";
  out += report_svg(m);
  out += "<h2>Nodes</h2>\n<table><tr><th>step</th><th class=l>node</th><th class=l>op</th><th class=l>output shape</th><th>bytes</th>"
         "<th>arena offset</th><th>live until</th><th>weight bytes</th><th>MACs</th></tr>\n";
  std::map<const Value*, int> last;
  for (size_t i = 0; i < p.requests.size(); ++i)
    if (p.arena_values[i]) last[p.arena_values[i]] = p.requests[i].last;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    const Value* y = n.outputs.empty() ? nullptr : n.outputs[0];
    auto st = y ? p.storage.find(y) : p.storage.end();
    std::string where = "-", until = "-";
    if (st != p.storage.end()) {
      if (st->second.kind == StorageKind::Arena) {
        where = std::to_string(st->second.offset);
        if (last.count(st->second.root)) until = std::to_string(last[st->second.root]);
      } else {
        where = st->second.kind == StorageKind::GraphOutput ? "output" : "-";
      }
    }
    int64_t wbytes = 0;
    for (const Value* in : n.inputs)
      if (in && in->is_const()) wbytes += in->bytes();
    std::string op = n.op + (p.aliased_views.count(&n) ? " (view)" : p.inplace_nodes.count(&n) ? " (in place)" : "");
    out += fmt::format("<tr><td>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       i, xml(n.name), xml(op), y ? shape_str(y->shape) : "-", y ? y->bytes() : 0, where, until, wbytes,
                       model_stats_node_macs(n));
  }
  return out + "</table>\n</body></html>\n";
}

}  // namespace onnx2mcu
