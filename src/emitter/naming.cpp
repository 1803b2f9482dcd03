#include "emitter/naming.h"

#include <algorithm>
#include <cctype>

#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char16_t", "char32_t", "class", "compl", "const", "constexpr", "const_cast", "continue", "decltype",
      "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false",
      "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept",
      "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
      "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
      "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor",
      "xor_eq", "main", "arena", "at", "o2m"};
  return k;
}

}  // namespace

std::string sanitize_identifier(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "_" + out;
  // Identifiers starting with "__" or "_X" are reserved for the implementation.
  if (out.size() > 1 && out[0] == '_' && (out[1] == '_' || (out[1] >= 'A' && out[1] <= 'Z'))) out = "t" + out;
  if (keywords().count(out)) out += "_";
  return out;
}

std::string NameScope::claim_exact(const std::string& onnx_name, const std::string& what) {
  std::string id = sanitize_identifier(onnx_name);
  auto it = used_.find(id);
  if (it != used_.end())
    throw Error(what + " '" + onnx_name + "' and '" + it->second + "' both become the C name '" + id +
                "'; rename one of them in the model");
  used_[id] = onnx_name;
  return id;
}

std::string NameScope::claim_unique(const std::string& base) {
  std::string id = sanitize_identifier(base);
  std::string cand = id;
  for (int k = 2; used_.count(cand); ++k) cand = id + "_" + std::to_string(k);
  used_[cand] = base;
  return cand;
}

std::string comment_safe(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) out += '?';
    else if (c == '\\') out += '/';
    else if (c == '/' && !out.empty() && out.back() == '*') out += "_/";
    else if (c == '*' && !out.empty() && out.back() == '/') out += "_*";  // "/*" inside /* */: -Wcomment
    else out += static_cast<char>(c);
  }
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace onnx2mcu
