// Whole-graph fuzzer (docs/reliability.md): seeds -> random valid models (graph_gen.h) -> the
// whole compile pipeline, in process. An onnx2mcu::Error is a clear refusal and fine; anything
// else escaping, or a sanitizer report, is a finding.
//
//   fuzz_graphs --seed S --count N            compile N graphs, seeds S .. S+N-1
//   fuzz_graphs ... --save DIR                 keep each finding as DIR/graph_SEED.onnx (the file is
//                                              written before compiling, so a crash leaves it too)
//   fuzz_graphs ... --save DIR --checkpoints   also write the model before every shape rule the
//                                              generator runs (slow): for a crash while generating
//   fuzz_graphs ... --write DIR                differential: every graph that compiles, as an ONNX
//                                              test folder DIR/graph_SEED/{model.onnx,test_data_set_0/input_I.pb}
//   fuzz_graphs --replay FILE|DIR...           compile saved models (tests/reliability/regressions/fuzz_graphs)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "graph_gen.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"

namespace fs = std::filesystem;

namespace {

struct Stats {
  int64_t compiled = 0, refused = 0, findings = 0, nodes = 0;
  std::map<std::string, int64_t> reasons;  // refusals by message, to see what the generator gets wrong
};

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// "node 'n12' (Gather): index 7 is out of range" -> "(Gather): index # is out of range"
std::string reason_of(const std::string& what) {
  std::string s = what.substr(0, 300);
  const size_t file = s.find("model.onnx: ");  // the temp path differs per process
  if (file != std::string::npos) s = s.substr(file + 12);
  const size_t op = s.find("' (");
  if (s.rfind("node '", 0) == 0 && op != std::string::npos) s = s.substr(op + 2);
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (out.empty() || out.back() != '#') out += '#';
    } else {
      out += c;
    }
  }
  return out;
}

// Compiles one model; false on a finding (already reported).
bool compile_one(const std::string& bytes, const std::string& label, Stats& st) {
  onnx2mcu::CompileOptions opts;
  opts.name = "fuzz";
  static const std::string path = (fs::temp_directory_path() / ("onnx2mcu-fuzz-graphs-" + std::to_string(::getpid())) / "model.onnx").string();
  try {
    onnx2mcu::compile_model_bytes(bytes, path, opts);
    ++st.compiled;
    return true;
  } catch (const onnx2mcu::Error& e) {
    ++st.refused;
    ++st.reasons[reason_of(e.what())];
    return true;
  } catch (const std::exception& e) {
    std::printf("FINDING %s: %s escaped: %s\n", label.c_str(), typeid(e).name(), e.what());
  } catch (...) {
    std::printf("FINDING %s: a non-standard exception escaped\n", label.c_str());
  }
  ++st.findings;
  std::fflush(stdout);
  return false;
}

int usage() {
  std::fprintf(stderr,
               "usage: fuzz_graphs [--seed S] [--count N] [--max-nodes N] [--differential] [--save DIR] [--write DIR]\n"
               "       fuzz_graphs --replay FILE...\n"
               "       fuzz_graphs --dump SEED FILE   (the model of one seed, for inspect or netron)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 1;
  int64_t count = 1000;
  graphgen::Options gen;
  std::string save, write;
  bool checkpoints = false;
  std::vector<std::string> replay;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--seed" && has) seed = std::stoull(argv[++i]);
    else if (a == "--count" && has) count = std::stoll(argv[++i]);
    else if (a == "--max-nodes" && has) gen.max_nodes = std::stoi(argv[++i]);
    else if (a == "--differential") gen.differential = true;
    else if (a == "--no-identity-chains") gen.identity_between_nodes = false;
    else if (a == "--save" && has) save = argv[++i];
    else if (a == "--checkpoints") checkpoints = true;
    else if (a == "--write" && has) write = argv[++i];
    else if (a == "--dump" && i + 2 < argc) {
      const graphgen::Generated g = graphgen::generate(std::stoull(argv[i + 1]), gen);
      write_file(argv[i + 2], g.model.SerializeAsString());
      return 0;
    } else if (a == "--replay") {
      replay.assign(argv + i + 1, argv + argc);
      break;
    } else {
      return usage();
    }
  }
  Stats st;
  const auto t0 = std::chrono::steady_clock::now();
  if (!replay.empty()) {
    std::vector<std::string> files;
    for (const std::string& r : replay) {
      if (!fs::is_directory(r)) files.push_back(r);
      else for (const auto& e : fs::directory_iterator(r)) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      compile_one(bytes, f, st);
    }
  } else {
    for (int64_t k = 0; k < count; ++k) {
      const uint64_t s = seed + static_cast<uint64_t>(k);
      const fs::path kept = save.empty() ? fs::path() : fs::path(save) / ("graph_" + std::to_string(s) + ".onnx");
      if (!save.empty()) {
        write_file(fs::path(save) / "generating", std::to_string(s) + "\n");  // a crash while generating names its seed
        if (checkpoints) gen.checkpoint = kept.string();  // and --checkpoints then keeps its model
      }
      const graphgen::Generated g = graphgen::generate(s, gen);
      const std::string bytes = g.model.SerializeAsString();
      const std::string label = "seed " + std::to_string(s);
      if (!save.empty()) write_file(kept, bytes);
      st.nodes += g.nodes;
      const int64_t before = st.compiled;
      const bool ok = compile_one(bytes, label, st);
      if (ok && !save.empty()) fs::remove(kept);
      if (!ok && !save.empty()) std::printf("  kept as %s\n", kept.c_str());
      if (!write.empty() && st.compiled > before) {
        const fs::path dir = fs::path(write) / ("graph_" + std::to_string(s));
        write_file(dir / "model.onnx", bytes);
        for (size_t i = 0; i < g.inputs.size(); ++i) {
          onnx::TensorProto t;
          graphgen::to_proto(g.inputs[i], g.input_names[i], &t);
          write_file(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb"), t.SerializeAsString());
        }
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::pair<int64_t, std::string>> top;
  for (const auto& [r, n] : st.reasons) top.push_back({n, r});
  std::sort(top.rbegin(), top.rend());
  for (size_t i = 0; i < top.size() && i < 12; ++i) std::printf("  refused %6lld x %s\n", static_cast<long long>(top[i].first), top[i].second.c_str());
  const int64_t total = st.compiled + st.refused + st.findings;
  std::printf("fuzz_graphs: %lld graphs (%lld nodes) in %.1f s (%.0f/s): %lld compiled, %lld refused with an error, %lld findings\n",
              static_cast<long long>(total), static_cast<long long>(st.nodes), secs, total / std::max(secs, 1e-9),
              static_cast<long long>(st.compiled), static_cast<long long>(st.refused), static_cast<long long>(st.findings));
  return st.findings ? 1 : 0;
}
