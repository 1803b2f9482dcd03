#include "verify/command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "onnx2mcu/error.h"

namespace onnx2mcu {

CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw Error("cannot run: " + cmd);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  return r;
}

void must(const std::string& cmd, const std::string& what) {
  CommandResult r = run_command(cmd);
  if (r.status != 0) throw Error(what + " failed (exit " + std::to_string(r.status) + "):\n" + cmd + "\n" + r.output);
}

std::string env_or(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v && *v ? v : fallback;
}

std::string make_temp_dir(const std::string& stem) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw Error("cannot create a temporary folder");
  return tmpl;
}

}  // namespace onnx2mcu
