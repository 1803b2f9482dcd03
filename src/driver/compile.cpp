#include <signal.h>
#include <stdio.h>  // renameat2 (glibc 2.28+)
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "emitter/emitter.h"
#include "emitter/naming.h"
#include "loader/loader.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"
#include "planner/memory_plan.h"
#include "verify/targets.h"

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

namespace {

// bytes == nullptr: read the model from model_path.
CompiledModel compile(const std::string& model_path, const std::string* bytes, const CompileOptions& opts) {
  CompiledModel out;
  out.name = opts.name.empty() ? default_model_name(model_path) : opts.name;
  if (sanitize_identifier(out.name) != out.name)
    throw Error(model_path + ": --name '" + out.name + "' is not a valid C identifier (try '" + sanitize_identifier(out.name) + "')");
  LoadOptions lo;
  for (const auto& kv : opts.shapes) lo.input_shapes[kv.first] = kv.second;
  for (const auto& kv : opts.sequences) lo.sequence_inputs[kv.first].assign(kv.second.begin(), kv.second.end());
  lo.absent_optionals = opts.absent_optionals;
  for (const auto& kv : opts.frozen_inputs) {
    try {
      lo.frozen_inputs[kv.first] = load_tensor_file(kv.second);
    } catch (const Error& e) {
      throw Error(model_path + ": --freeze " + kv.first + ": " + e.what());
    }
  }
  lo.limits = opts.limits;
  out.graph = bytes ? load_model_bytes(*bytes, model_path, lo) : load_model(model_path, lo);
  try {
    PassOptions po;
    po.disabled.insert(opts.disabled_passes.begin(), opts.disabled_passes.end());
    po.dump_after = opts.dump_ir_after;
    po.dump = &out.ir_dump;
    po.max_tensor_bytes = opts.limits.max_tensor_bytes;
    po.max_nodes = opts.limits.max_nodes;
    po.max_loop_iterations = opts.max_loop_iterations;
    po.native_io = opts.native_io;
    po.optimize_size = opts.optimize_size;
    run_pipeline(*out.graph, po);
    out.plan = std::make_unique<MemoryPlan>(plan_memory(*out.graph));
    if (out.plan->arena.arena_bytes > opts.limits.max_arena_bytes)
      throw Error("the arena needs " + std::to_string(out.plan->arena.arena_bytes) + " bytes, more than the limit of " +
                  std::to_string(opts.limits.max_arena_bytes) + " (--max-arena-bytes)");
    out.files = emit_model(*out.graph, *out.plan, {out.name, fs::path(model_path).filename().string(), opts.native_io},
                           &out.weight_bytes, &out.weights);
    // The code itself is the same for every target today; the file records the flags to build it with.
    if (!opts.target.empty()) out.files.push_back({out.name + "_target.txt", target_file_text(find_target(opts.target), out.name)});
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  return out;
}

// Siblings "dir.o2m-PID.new" / "dir.o2m-PID.old" whose process is gone were left by a killed
// run: a .old one is the previous output (restored when dir itself is missing), the rest go.
void remove_stale_siblings(const fs::path& final_dir) {
  std::error_code ec;
  const std::string prefix = final_dir.filename().string() + ".o2m-";
  std::vector<fs::path> stale;
  try {
    for (const auto& e : fs::directory_iterator(final_dir.parent_path(), ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string rest = name.substr(prefix.size());
      const size_t dot = rest.find('.');
      if (dot == 0 || dot > 9 || rest.find_first_not_of("0123456789") != dot) continue;
      if (rest.substr(dot) != ".new" && rest.substr(dot) != ".old") continue;
      const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
      if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
      stale.push_back(e.path());
    }
  } catch (const fs::filesystem_error&) {  // the folder changed while we listed it: the next run cleans up
  }
  for (const fs::path& p : stale) {
    if (p.extension() == ".old" && !fs::exists(final_dir, ec)) fs::rename(p, final_dir, ec);
    if (fs::exists(p, ec)) fs::remove_all(p, ec);
  }
}

// Puts `from` at `to` in one step. With an existing `to` the two are swapped (Linux
// renameat2 RENAME_EXCHANGE) so `to` never goes missing, and `from` then holds the old
// folder; true when that swap happened. Elsewhere: false, and the caller renames in two steps.
bool exchange(const fs::path& from, const fs::path& to) {
#ifdef RENAME_EXCHANGE
  return ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0;
#else
  (void)from, (void)to;
  return false;
#endif
}

}  // namespace

CompiledModel compile_model(const std::string& model_path, const CompileOptions& opts) { return compile(model_path, nullptr, opts); }

CompiledModel compile_model_bytes(const std::string& bytes, const std::string& model_path, const CompileOptions& opts) {
  return compile(model_path, &bytes, opts);
}

namespace {

// An output file whose text is what the folder holds already is linked, not written, into the
// new folder: it keeps its mtime, so an unchanged model triggers no rebuild, and the folder is
// still replaced in one rename. False when it must be written (new, changed, or no hard link).
bool keep_unchanged(const fs::path& old_file, const fs::path& new_file, const std::string& text) {
  std::error_code ec;
  if (!fs::is_regular_file(old_file, ec) || fs::file_size(old_file, ec) != text.size() || ec) return false;
  std::ifstream in(old_file, std::ios::binary);
  std::string have(text.size(), '\0');
  if (!in.read(have.data(), static_cast<std::streamsize>(have.size())) || have != text) return false;
  fs::create_hard_link(old_file, new_file, ec);
  return !ec;
}

}  // namespace

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
  remove_stale_siblings(final_dir);
  const std::string suffix = ".o2m-" + std::to_string(::getpid());
  const fs::path tmp = final_dir.string() + suffix + ".new", old = final_dir.string() + suffix + ".old";
  fs::remove_all(tmp, ec);
  try {
    fs::create_directories(tmp);
    std::string manifest;
    for (const auto& f : files) {
      const fs::path rel = fs::path(f.path).lexically_normal();
      if (rel.empty() || rel.is_absolute() || *rel.begin() == "..")
        throw Error(dir + ": internal error: generated file '" + f.path + "' would lie outside the folder");
      fs::path p = tmp / rel;
      fs::create_directories(p.parent_path());
      if (!keep_unchanged(final_dir / rel, p, f.text)) {
        std::ofstream o(p, std::ios::binary);
        o << f.text;
        if (!o.flush()) throw Error(dir + ": cannot write " + f.path);
      }
      manifest += f.path + "\n";
    }
    std::ofstream m(tmp / kManifest, std::ios::binary);
    if (!(m << manifest).flush()) throw Error(dir + ": cannot write " + kManifest);
    m.close();
    // tests/reliability/atomic_output.sh: a run killed here must leave dir as it was.
    if (std::getenv("ONNX2MCU_TEST_KILL_BEFORE_RENAME")) ::raise(SIGKILL);
    if (fs::exists(final_dir) && exchange(tmp, final_dir)) {
      fs::remove_all(tmp, ec);
      return;
    }
    if (fs::exists(final_dir)) fs::rename(final_dir, old);
    fs::rename(tmp, final_dir);
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    if (!fs::exists(final_dir, ec) && fs::exists(old, ec)) fs::rename(old, final_dir, ec);
    throw Error(dir + ": " + e.code().message());
  } catch (const Error&) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace onnx2mcu
