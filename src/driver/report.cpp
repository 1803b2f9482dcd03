#include "onnx2mcu/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "driver/json.h"
#include "ir/graph.h"
#include "onnx2mcu/inspect.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
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

// The arena bytes live at each step, and the step where they peak (the first, on a tie).
std::vector<int64_t> live_bytes(const std::vector<Bar>& bs, int steps) {
  std::vector<int64_t> live(static_cast<size_t>(steps), 0);
  for (const Bar& b : bs)
    for (int t = std::max(0, b.first); t <= b.last && t < steps; ++t) live[static_cast<size_t>(t)] += b.bytes;
  return live;
}

int peak_step(const std::vector<int64_t>& live) {
  return live.empty() ? 0 : static_cast<int>(std::max_element(live.begin(), live.end()) - live.begin());
}

std::string json_shape(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string json_values(const std::vector<Value*>& vs) {
  std::string out = "[";
  for (size_t i = 0; i < vs.size(); ++i)
    out += fmt::format("{}{{\"name\": {}, \"dtype\": {}, \"shape\": {}, \"bytes\": {}}}", i ? ", " : "", json_string(vs[i]->name),
                       json_string(dtype_name(vs[i]->dtype)), json_shape(vs[i]->shape), vs[i]->bytes());
  return out + "]";
}

// The weights a node reads that the generated code holds (a Reshape's shape is read by the
// generator only), so that the nodes' weights add up to <NAME>_WEIGHT_BYTES when none is shared.
int64_t node_weight_bytes(const CompiledModel& m, const Node& n) {
  int64_t bytes = 0;
  for (const Value* in : n.inputs)
    if (in && m.weights.count(in)) bytes += in->bytes();
  return bytes;
}

}  // namespace

std::string report_json(const CompiledModel& m, const Footprint* fp) {
  const Graph& g = *m.graph;
  const MemoryPlan& p = *m.plan;
  ModelStats s = model_stats(m);
  std::vector<Bar> bs = bars(m);
  std::string out = fmt::format(
      "{{\n  \"name\": {},\n  \"arena_bytes\": {},\n  \"lower_bound_bytes\": {},\n  \"algorithm\": {},\n  \"weight_bytes\": {},\n  \"macs\": {},\n"
      "  \"peak_step\": {},\n  \"inputs\": {},\n  \"outputs\": {},\n",
      json_string(m.name), s.arena_bytes, s.lower_bound, json_string(p.arena.algorithm), s.weight_bytes, s.macs,
      peak_step(live_bytes(bs, static_cast<int>(g.nodes.size()))), json_values(g.inputs), json_values(g.outputs));
  if (fp)
    out += fmt::format(
        "  \"footprint\": {{\"target\": {}, \"flash_bytes\": {}, \"code_bytes\": {}, \"weight_bytes\": {}, \"rodata_bytes\": {}, "
        "\"data_bytes\": {}, \"ram_bytes\": {}, \"static_ram_bytes\": {}, \"arena_bytes\": {}, \"io_bytes\": {}, \"stack_bytes\": {}, "
        "\"stack_is_lower_bound\": {}}},\n",
        json_string(fp->target), fp->flash(), fp->code, fp->weights, fp->rodata, fp->data, fp->ram(), fp->static_ram, fp->arena, fp->io,
        fp->stack, fp->stack_lower_bound ? "true" : "false");
  out += "  \"nodes\": [\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    const Value* y = n.outputs.empty() ? nullptr : n.outputs[0];
    const auto st = y ? p.storage.find(y) : p.storage.end();
    const bool in_arena = st != p.storage.end() && st->second.kind == StorageKind::Arena;
    out += fmt::format("    {{\"step\": {}, \"name\": {}, \"op\": {}, \"shape\": {}, \"bytes\": {}, \"arena_offset\": {}, \"weight_bytes\": {}, "
                       "\"macs\": {}, \"view\": {}, \"inplace\": {}}}{}\n",
                       i, json_string(n.name), json_string(n.op), y ? json_shape(y->shape) : "null", y ? y->bytes() : 0,
                       in_arena ? std::to_string(st->second.offset) : "null", node_weight_bytes(m, n), model_stats_node_macs(n),
                       p.aliased_views.count(&n) ? "true" : "false", p.inplace_nodes.count(&n) ? "true" : "false",
                       i + 1 < g.nodes.size() ? "," : "");
  }
  out += "  ],\n  \"buffers\": [\n";
  for (size_t i = 0; i < bs.size(); ++i)
    out += fmt::format("    {{\"tensor\": {}, \"offset\": {}, \"bytes\": {}, \"first_step\": {}, \"last_step\": {}}}{}\n",
                       json_string(bs[i].label), bs[i].offset, bs[i].bytes, bs[i].first, bs[i].last, i + 1 < bs.size() ? "," : "");
  return out + "  ]\n}\n";
}

std::string report_svg(const CompiledModel& m) {
  const int steps = std::max<int>(1, static_cast<int>(m.graph->nodes.size()));
  const int64_t arena = std::max<int64_t>(1, m.plan->arena.arena_bytes);
  const double w = 900, h = 440, left = 70, top = 24, bottom = 46;
  const double sx = (w - left - 10) / steps, sy = (h - top - bottom) / static_cast<double>(arena);
  std::string out = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n", w, h);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f8f8f8\" stroke=\"#888\"/>\n", left, top, w - left - 10, h - top - bottom);
  const char* colors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  const std::vector<Bar> bs = bars(m);
  for (size_t i = 0; i < bs.size(); ++i) {
    const Bar& b = bs[i];
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.8\" stroke=\"#333\" stroke-width=\"0.5\">"
        "<title>{}: {} B at offset {}, steps {}..{}</title></rect>\n",
        left + b.first * sx, top + static_cast<double>(b.offset) * sy, (b.last - b.first + 1) * sx,
        std::max(1.0, static_cast<double>(b.bytes) * sy), colors[i % 9], xml(b.label), b.bytes, b.offset, b.first, b.last);
  }
  // Step ticks (at most about 20 labelled) and the peak step: where the live tensors add up to the most.
  const int every = std::max(1, (steps + 19) / 20);
  for (int t = 0; t < steps; t += every) {
    const double x = left + (t + 0.5) * sx;
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#333\"/><text x=\"{0:.1f}\" y=\"{3}\" "
                       "text-anchor=\"middle\">{4}</text>\n",
                       x, h - bottom, h - bottom + 4, h - bottom + 14, t);
  }
  const std::vector<int64_t> live = live_bytes(bs, steps);
  const int peak = peak_step(live);
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"none\" stroke=\"#c00\" stroke-width=\"1.5\">"
                     "<title>peak: step {}, {} B live</title></rect>\n",
                     left + peak * sx, top, std::max(1.0, sx), h - top - bottom, peak, live.empty() ? 0 : live[static_cast<size_t>(peak)]);
  out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#c00\" text-anchor=\"middle\">peak: step {}</text>\n", left + (peak + 0.5) * sx,
                     top - 6, peak);
  // The lower bound as a dashed line: the plan cannot go below it.
  const double lb = top + static_cast<double>(m.plan->arena.lower_bound) * sy;
  out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n", left, lb, w - 10, lb);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0 B</text>\n", left - 4, top + 4);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} B</text>\n", left - 4, h - bottom, arena);
  out += fmt::format("<text x=\"{}\" y=\"{}\">step (node) →</text>\n", left, h - bottom + 30);
  out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#c00\" text-anchor=\"end\">lower bound {} B</text>\n", w - 12, lb - 3, m.plan->arena.lower_bound);
  return out + "</svg>\n";
}

std::string report_html(const CompiledModel& m, const Footprint* fp) {
  const Graph& g = *m.graph;
  const MemoryPlan& p = *m.plan;
  ModelStats s = model_stats(m);
  std::string out = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + xml(m.name) +
                    " memory plan</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td.l,th.l{text-align:left}"
                    "td.l{max-width:24em;overflow-wrap:anywhere}</style></head><body>\n";
  out += fmt::format("<h1>{}: arena {} B</h1>\n<p>Lower bound (peak of simultaneously live tensors) {} B, ratio {:.2f}; "
                     "placement {}; weights {} B (flash); {} MACs; {} nodes.</p>\n",
                     xml(m.name), s.arena_bytes, s.lower_bound,
                     s.lower_bound ? static_cast<double>(s.arena_bytes) / static_cast<double>(s.lower_bound) : 1.0, p.arena.algorithm,
                     s.weight_bytes, s.macs, g.nodes.size());
  if (fp)
    out += fmt::format("<h2>On {}</h2>\n<p>Measured by building for the target (arm-none-eabi-size of a program that runs the model, "
                       "minus the same program without it).</p>\n<table>"
                       "<tr><th class=l>flash</th><td>{} B</td><td class=l>code {} + weights {} + other rodata {} + data {}</td></tr>\n"
                       "<tr><th class=l>RAM</th><td>{} B</td><td class=l>static {} (arena {} + I/O buffers {} + library data and alignment {}) + "
                       "stack {}{}</td></tr>\n</table>\n",
                       xml(fp->target), fp->flash(), fp->code, fp->weights, fp->rodata, fp->data, fp->ram(), fp->static_ram, fp->arena,
                       fp->io, fp->static_ram - fp->arena - fp->io, fp->stack, fp->stack_lower_bound ? " at least" : "");
  out += "<p>Each bar is one tensor in the arena: x = the steps it is live, y = its byte offset; the red frame marks the peak step. "
         "Hover for details.</p>\n";
  out += report_svg(m);
  out += "<h2>Nodes</h2>\n<table><tr><th>step</th><th class=l>node</th><th class=l>op</th><th class=l>output shape</th><th>bytes</th>"
         "<th>arena offset</th><th>live until</th><th>weight bytes</th><th>MACs</th></tr>\n";
  const int peak = peak_step(live_bytes(bars(m), static_cast<int>(g.nodes.size())));
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
    const int64_t wbytes = node_weight_bytes(m, n);
    std::string op = n.op + (p.aliased_views.count(&n) ? " (view)" : p.inplace_nodes.count(&n) ? " (in place)" : "");
    out += fmt::format("<tr{}><td>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       static_cast<int>(i) == peak ? " style=\"background:#fdd\" title=\"peak step\"" : "", i, xml(n.name), xml(op),
                       y ? shape_str(y->shape) : "-", y ? y->bytes() : 0, where, until, wbytes,
                       model_stats_node_macs(n));
  }
  return out + "</table>\n</body></html>\n";
}

}  // namespace onnx2mcu
