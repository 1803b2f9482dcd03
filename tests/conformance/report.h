// The outcome of a run: console lines, the summary, and the Markdown report (docs/conformance.md).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "suite.h"

namespace conformance {

// One release of the ONNX backend test data the runner knows.
struct Release {
  std::string name;      // "1.12", "1.22" (--release)
  std::string data;      // where its test data lies by default (--data)
  std::string manifest;  // its manifest (--manifest's default)
  std::string about;     // where the data comes from, for the report
  std::string left_out;  // what of the data is not run, and why, for the report
};

// How a test's result compares with what the manifest expects.
enum class Verdict { Pass, Fail, Xfail, Xpass, Excluded };
Verdict verdict(const Test& t);

struct Counts {
  int tests = 0, passed = 0, failed = 0, xfail = 0, xpass = 0, excluded = 0;
  void add(const Test& t);
};

// Counts per folder, in the order given.
std::map<std::string, Counts> count_by_folder(const std::vector<Test>& tests);

// One release's part of the Markdown report: counts per folder, one row per op (or op set) with
// the reasons its tests do not pass, the most common reasons overall. Holds nothing that
// changes between two runs of the same tree (no times, no paths), so regenerating it gives a
// readable diff.
std::string release_section(const Release& release, const std::vector<Test>& tests, const std::vector<std::string>& folders,
                            const std::string& command);

// The whole report (docs/conformance.md): an introduction, then one section per release in the
// order given. `section` replaces `release`'s; the others are kept from `existing` (the page as
// it was) or, where it has none, say how to generate them.
std::string markdown_report(const std::string& existing, const std::vector<Release>& releases, const std::string& release,
                            const std::string& section);

}  // namespace conformance
