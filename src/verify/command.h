// Running the compilers and simulators that verify and `inspect --stack` use.
#pragma once
#include <string>

namespace onnx2mcu {

struct CommandResult {
  int status = 0;      // exit status; 128 when the command did not exit normally
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& cmd);
// Throws Error naming `what`, the command and its output unless it exits with 0.
void must(const std::string& cmd, const std::string& what);
// getenv(var) when set and non-empty, else fallback.
std::string env_or(const char* var, const char* fallback);
// A fresh folder under the system temp folder, named after `stem`.
std::string make_temp_dir(const std::string& stem);

}  // namespace onnx2mcu
