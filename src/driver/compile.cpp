#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "emitter/emitter.h"
#include "emitter/naming.h"
#include "loader/loader.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"
#include "planner/memory_plan.h"

namespace fs = std::filesystem;

namespace onnx2mcu {

CompiledModel::CompiledModel() = default;
CompiledModel::~CompiledModel() = default;
CompiledModel::CompiledModel(CompiledModel&&) noexcept = default;

namespace {
constexpr const char* kManifest = "onnx2mcu.manifest";
}

std::string default_model_name(const std::string& model_path) {
  fs::path p(model_path);
  std::string stem = p.stem().string();
  // models/digits/model.onnx: the folder says more than "model".
  if (stem == "model" && p.has_parent_path() && !p.parent_path().filename().empty())
    stem = p.parent_path().filename().string();
  return sanitize_identifier(stem);
}

CompiledModel compile_model(const std::string& model_path, const CompileOptions& opts) {
  CompiledModel out;
  out.name = opts.name.empty() ? default_model_name(model_path) : opts.name;
  if (sanitize_identifier(out.name) != out.name)
    throw Error(model_path + ": --name '" + out.name + "' is not a valid C identifier (try '" + sanitize_identifier(out.name) + "')");
  LoadOptions lo;
  for (const auto& kv : opts.shapes) lo.input_shapes[kv.first] = kv.second;
  out.graph = load_model(model_path, lo);
  try {
    PassOptions po;
    po.disabled.insert(opts.disabled_passes.begin(), opts.disabled_passes.end());
    po.dump_after = opts.dump_ir_after;
    po.dump = &out.ir_dump;
    run_pipeline(*out.graph, po);
    out.plan = std::make_unique<MemoryPlan>(plan_memory(*out.graph));
    out.files = emit_model(*out.graph, *out.plan, {out.name, fs::path(model_path).filename().string()});
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  return out;
}

void write_output_dir(const std::vector<GeneratedFile>& files, const std::string& dir) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path final_dir = target.filename().empty() ? target.parent_path() : target;
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    if (!fs::is_directory(final_dir)) throw Error(dir + ": exists and is not a folder");
    const bool empty = fs::is_empty(final_dir, ec);
    if (!empty && !fs::exists(final_dir / kManifest))
      throw Error(dir + ": folder has files onnx2mcu did not write; use an empty or new folder");
  }
  const std::string suffix = ".o2m-" + std::to_string(::getpid());
  const fs::path tmp = final_dir.string() + suffix + ".new", old = final_dir.string() + suffix + ".old";
  fs::remove_all(tmp, ec);
  try {
    fs::create_directories(tmp);
    std::string manifest;
    for (const auto& f : files) {
      fs::path p = tmp / f.path;
      fs::create_directories(p.parent_path());
      std::ofstream o(p, std::ios::binary);
      o << f.text;
      if (!o.flush()) throw Error(dir + ": cannot write " + f.path);
      manifest += f.path + "\n";
    }
    std::ofstream(tmp / kManifest, std::ios::binary) << manifest;
    if (fs::exists(final_dir)) fs::rename(final_dir, old);
    fs::rename(tmp, final_dir);
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    if (!fs::exists(final_dir, ec) && fs::exists(old, ec)) fs::rename(old, final_dir, ec);
    throw Error(dir + ": " + e.code().message());
  }
}

}  // namespace onnx2mcu
