// The outcome of a run: console lines, the summary, and the Markdown report (docs/conformance.md).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "suite.h"

namespace conformance {

// How a test's result compares with what the manifest expects.
enum class Verdict { Pass, Fail, Xfail, Xpass, Excluded };
Verdict verdict(const Test& t);

struct Counts {
  int tests = 0, passed = 0, failed = 0, xfail = 0, xpass = 0, excluded = 0;
  void add(const Test& t);
};

// Counts per folder, in the order given.
std::map<std::string, Counts> count_by_folder(const std::vector<Test>& tests);

// The Markdown report: counts per folder, one row per op (or op set) with the reasons its tests
// do not pass, the most common reasons overall. Holds nothing that changes between two runs
// of the same tree (no times, no paths), so regenerating it gives a readable diff.
std::string markdown_report(const std::vector<Test>& tests, const std::vector<std::string>& folders, const std::string& command);

}  // namespace conformance
