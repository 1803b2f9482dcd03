#include "report.h"

#include <algorithm>
#include <set>

namespace conformance {
namespace {

// Table cells hold no '|' and no line breaks.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

// Why the tests of one row do not pass: each distinct reason once, most frequent first,
// with its count when more than one test shares it.
std::string why_not(const std::vector<const Test*>& tests, size_t max_reasons) {
  std::map<std::string, int> reasons;
  for (const Test* t : tests) {
    const Verdict v = verdict(*t);
    if (v == Verdict::Excluded)
      ++reasons["excluded: " + t->expect.reason];
    else if (!t->passed())
      ++reasons[t->reason];
  }
  std::vector<std::pair<std::string, int>> sorted(reasons.begin(), reasons.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (size_t i = 0; i < sorted.size() && i < max_reasons; ++i)
    out +=
        (out.empty() ? "" : "; ") + sorted[i].first + (sorted[i].second > 1 ? " (" + std::to_string(sorted[i].second) + ")" : "");
  if (sorted.size() > max_reasons) out += "; and " + std::to_string(sorted.size() - max_reasons) + " more reasons";
  return cell(out);
}

std::string count_row(const std::string& name, const Counts& c) {
  return "| " + name + " | " + std::to_string(c.tests) + " | " + std::to_string(c.passed) + " | " + std::to_string(c.failed) +
         " | " + std::to_string(c.xfail) + " | " + std::to_string(c.xpass) + " | " + std::to_string(c.excluded) + " |\n";
}

std::string op_table(const std::map<std::string, std::vector<const Test*>>& rows) {
  std::string s = "| op | tests | passed | failed | excluded | why not |\n|---|---:|---:|---:|---:|---|\n";
  for (const auto& kv : rows) {
    int passed = 0, failed = 0, excluded = 0;
    for (const Test* t : kv.second) {
      const Verdict v = verdict(*t);
      if (v == Verdict::Excluded)
        ++excluded;
      else if (t->passed())
        ++passed;
      else
        ++failed;
    }
    s += "| " + cell(kv.first) + " | " + std::to_string(kv.second.size()) + " | " + std::to_string(passed) + " | " +
         std::to_string(failed) + " | " + std::to_string(excluded) + " | " + why_not(kv.second, 3) + " |\n";
  }
  return s;
}

}  // namespace

Verdict verdict(const Test& t) {
  switch (t.expect.expect) {
    case Expect::Exclude:
      return Verdict::Excluded;
    case Expect::Xfail:
      return t.passed() ? Verdict::Xpass : Verdict::Xfail;
    case Expect::Pass:
      return t.passed() ? Verdict::Pass : Verdict::Fail;
  }
  return Verdict::Fail;
}

void Counts::add(const Test& t) {
  ++tests;
  switch (verdict(t)) {
    case Verdict::Pass:
      ++passed;
      break;
    case Verdict::Fail:
      ++failed;
      break;
    case Verdict::Xfail:
      ++xfail;
      break;
    case Verdict::Xpass:
      ++passed, ++xpass;
      break;
    case Verdict::Excluded:
      ++excluded;
      break;
  }
}

std::map<std::string, Counts> count_by_folder(const std::vector<Test>& tests) {
  std::map<std::string, Counts> out;
  for (const Test& t : tests) out[t.folder].add(t);
  return out;
}

std::string release_section(const Release& release, const std::vector<Test>& tests, const std::vector<std::string>& folders,
                            const std::string& command) {
  const std::string manifest = release.manifest.substr(release.manifest.rfind('/') + 1);  // npos + 1 = 0
  std::string s = "## ONNX " + release.name + "\n\n" + release.about +
                  " Expected outcomes, exclusions and tolerance overrides, each with its reason, and per-test compile options (`options` lines: `--max-loop-iterations N` for a Loop whose trip count is an input) are in "
                  "[`tests/conformance/" + manifest + "`](../tests/conformance/" + manifest + ").\n\n"
                  "Regenerate this section:\n\n```sh\n" + command + "\n```\n\n";

  s += "### Per folder\n\n"
       "*passed* counts every test that matched its references; *failed* the tests expected to pass that did not; "
       "*xfail* the tests the manifest expects to fail (and that did); *xpass* the ones expected to fail that now pass "
       "(the manifest needs updating); *excluded* the tests the manifest leaves out, with a reason.\n\n"
       "| folder | tests | passed | failed | xfail | xpass | excluded |\n|---|---:|---:|---:|---:|---:|---:|\n";
  const auto by_folder = count_by_folder(tests);
  Counts total;
  for (const std::string& f : folders) {
    auto it = by_folder.find(f);
    if (it == by_folder.end()) continue;
    s += count_row(f, it->second);
    for (const Test& t : tests)
      if (t.folder == f) total.add(t);
  }
  s += count_row("**total**", total);
  s += "\n" + release.left_out + "\n\n";

  // Rows: the op a test exercises, from the model's nodes.
  std::map<std::string, std::vector<const Test*>> single, multi;
  for (const Test& t : tests) {
    const std::string key = op_key(t.ops);
    (key.find(" + ") == std::string::npos ? single : multi)[key].push_back(&t);
  }
  s += "### Per op\n\n"
       "Each test is attributed to the op types of its model's nodes (not to its name): tests whose model holds one op type "
       "(besides `Constant` feeding it) are listed here by that op; *failed* counts every test that ran and did not pass, "
       "expected or not.\n\n" +
       op_table(single);
  s += "\n### Tests of several ops\n\n"
       "Models with more than one op type (function expansions `*_expanded`, PyTorch exports), by their set of op types.\n\n" +
       op_table(multi);

  // The most common reasons overall.
  std::map<std::string, int> reasons;
  for (const Test& t : tests)
    if (verdict(t) != Verdict::Excluded && !t.passed()) ++reasons[t.reason];
  std::vector<std::pair<std::string, int>> sorted(reasons.begin(), reasons.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  s += "\n### Most common reasons\n\n| tests | reason |\n|---:|---|\n";
  for (size_t i = 0; i < sorted.size() && i < 25; ++i)
    s += "| " + std::to_string(sorted[i].second) + " | " + cell(sorted[i].first) + " |\n";
  return s;
}

std::string markdown_report(const std::string& existing, const std::vector<Release>& releases, const std::string& release,
                            const std::string& section) {
  std::string s =
      "# ONNX backend conformance\n\n"
      "<!-- Generated by tests/conformance/conformance_runner; do not edit. Regenerate with the commands below. -->\n\n"
      "Every test of the ONNX backend test data of two releases, Debian's ONNX 1.12 and ONNX 1.22, goes through the real "
      "pipeline: `compile_model` → the generated `.cpp` and a harness embedding the test inputs built with the host compiler "
      "(`-O1 -Wall -Wextra -Werror`) → run → every output compared with the reference: floats as ONNX's test runner does "
      "(|got − ref| ≤ atol + rtol·|ref| with rtol 1e-3, atol 1e-7; NaN matches NaN), integers and bool exactly. How the "
      "runner works is in [`tests/conformance/README.md`](../tests/conformance/README.md). Each release's section is "
      "regenerated by its own run.\n\n";
  for (const Release& r : releases) {
    const std::string begin = "<!-- begin ONNX " + r.name + " -->\n", end = "<!-- end ONNX " + r.name + " -->\n";
    std::string body;
    const size_t from = existing.find(begin), to = existing.find(end);
    if (r.name == release)
      body = section;
    else if (from != std::string::npos && to != std::string::npos && to > from)
      body = existing.substr(from + begin.size(), to - from - begin.size());
    else
      body = "## ONNX " + r.name + "\n\nNot generated yet: `build/tests/conformance/conformance_runner --release " + r.name +
             " --report docs/conformance.md`.\n";
    s += begin + body + end + "\n";
  }
  return s;
}

}  // namespace conformance
