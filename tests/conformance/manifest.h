// The conformance manifest: which tests run, what outcome each is expected to have, and why.
// Format (one directive a line, '#' starts a comment line; see manifest.txt's header):
//   exclude   PATTERN  REASON              not run at all (out of scope), with a reason
//   xfail     PATTERN  REASON              runs, expected to fail
//   pass      PATTERN                      runs, expected to pass (also the default)
//   tolerance PATTERN  rtol=X atol=Y REASON   looser comparison for matching tests
//   nofreeze  PATTERN                      must pass without freezing any input
//   freeze    PATTERN  REASON              may freeze inputs (overrides a later nofreeze)
//   options   PATTERN  FLAGS [REASON]      compile options for matching tests: --max-loop-iterations N
// PATTERN is a glob (fnmatch) over "folder/test_name". For the outcome the first matching
// exclude/xfail/pass line wins; for tolerances the first matching tolerance line; for freezing
// the first matching freeze/nofreeze line (none: freezing is allowed); for compile options the
// first matching options line.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace conformance {

enum class Expect { Pass, Xfail, Exclude };
const char* expect_name(Expect e);

struct Directive {
  int line = 0;
  std::string kind;     // exclude, xfail, pass, tolerance, freeze, nofreeze, options
  std::string pattern;  // glob over "folder/test"
  std::string reason;
  double rtol = -1, atol = -1;  // tolerance lines only; -1 = keep the default
  int64_t max_loop_iterations = 0;  // options lines only: --max-loop-iterations (0 = not given)
  bool generated = false;       // below the --update-manifest marker
  mutable int matches = 0;
};

// What the manifest says about one test.
struct Expectation {
  Expect expect = Expect::Pass;
  std::string reason;
  const Directive* outcome_from = nullptr;  // nullptr: not listed, so expected to pass
  double rtol = 1e-3, atol = 1e-7;          // ONNX's backend-test defaults
  const Directive* tolerance_from = nullptr;
  const Directive* freeze_from = nullptr;  // a nofreeze line: the test fails if it froze an input
  int64_t max_loop_iterations = 0;         // compile option --max-loop-iterations (0: none)
  const Directive* options_from = nullptr;
  bool may_freeze() const { return !freeze_from || freeze_from->kind == "freeze"; }
};

class Manifest {
 public:
  // Throws std::runtime_error "FILE:LINE: ..." on a malformed line.
  static Manifest read(const std::string& path);

  Expectation lookup(const std::string& key) const;
  const std::vector<Directive>& directives() const { return directives_; }
  const std::string& path() const { return path_; }

  // Rewrites the generated section (below the marker) from `results`: key -> "pass" or
  // "xfail REASON"; an empty value removes the key. Other generated lines are kept.
  void write_updated(const std::map<std::string, std::string>& results) const;

  static const char* marker();

 private:
  std::string path_;
  std::vector<Directive> directives_;
  std::vector<std::string> hand_lines_;           // the file up to and including the marker
  std::map<std::string, std::string> generated_;  // key -> "pass" / "xfail REASON"
};

}  // namespace conformance
