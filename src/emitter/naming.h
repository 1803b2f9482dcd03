// C identifiers for ONNX names: sanitised, never a keyword, and never two names for one.
#pragma once
#include <map>
#include <set>
#include <string>

namespace onnx2mcu {

// Letters, digits and underscore only; a leading digit or a C/C++ keyword is fixed up:
// e.g. "input.1" -> "input_1", "1x" -> "_1x", "int" -> "int_".
std::string sanitize_identifier(const std::string& name);

// An ONNX name as text inside a generated comment: control characters become '?', a backslash
// '/' (one ending a // comment would splice the next line into it), "*/" "*_/" and "/*" "/_*", so a
// hostile name can neither end the comment nor inject code.
std::string comment_safe(const std::string& name);

// A model name as the prefix of its macros: "digits" -> "DIGITS" (DIGITS_ARENA_BYTES, DIGITS_PROFILE).
std::string upper(std::string s);

// Hands out identifiers within one scope.
class NameScope {
 public:
  // `what` describes the name in the error when two ONNX names collide ("graph input").
  // Throws Error on a clash: a user-visible name must never be renamed silently.
  std::string claim_exact(const std::string& onnx_name, const std::string& what);
  // Appends _2, _3, ... on a clash: for internal names only.
  std::string claim_unique(const std::string& base);
  void reserve(const std::string& id) { used_[id] = "(reserved by onnx2mcu)"; }

 private:
  std::map<std::string, std::string> used_;  // identifier -> the ONNX name it came from
};

}  // namespace onnx2mcu
