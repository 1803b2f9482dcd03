// conformance_runner: runs the ONNX backend test data through onnx2mcu and judges every test
// against tests/conformance/manifest.txt (Debian's ONNX 1.12 data) or manifest-1.22.txt (ONNX
// 1.22's, --release 1.22). See tests/conformance/README.md.
#include <fnmatch.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>

#include "build.h"
#include "compare.h"
#include "emitter/naming.h"
#include "loader/loader.h"
#include "manifest.h"
#include "prepare.h"
#include "report.h"
#include "suite.h"

namespace fs = std::filesystem;
using namespace conformance;

namespace {

const std::vector<std::string> kAllFolders = {"node", "pytorch-converted", "pytorch-operator", "simple"};

// The releases of the test data, in the report's order; the first is the default.
const std::vector<Release> kReleases = {
    {"1.12", "/usr/share/libonnx-testdata/data", CONFORMANCE_DIR "/manifest.txt",
     "Debian's `libonnx-testdata` (ONNX 1.12, opsets up to 17, IR versions up to 8), installed by "
     "`tools/setup-debian.sh`.",
     "`real/` (9 zoo models: AlexNet, DenseNet-121, Inception v1/v2, ResNet-50, ShuffleNet, SqueezeNet, VGG-19, ZFNet-512) "
     "is left out: Debian ships only a `data.json` per model naming a download URL, not the models (tens to hundreds of MB "
     "each, far beyond a microcontroller and beyond the CI time budget)."},
    {"1.22", CONFORMANCE_DATA_1_22, CONFORMANCE_DIR "/manifest-1.22.txt",
     "ONNX 1.22.0's backend test data (`../shared/onnx-1.22`, beside the repository; default-domain opsets 1 to 27, "
     "IR versions 3 to 13, and the `ai.onnx.ml` and `ai.onnx.preview.training` domains).",
     "`light/` (the same 9 zoo architectures with every float weight replaced by a `ConstantOfShape` node, and no stored "
     "input) is not run here: the CTest test `conformance.1.22.light` compiles and plans each model, which must succeed or "
     "fail with a one-line error."},
};

const char* kUsage =
    "usage: conformance_runner [options]\n"
    "  --release R          1.12 (default: Debian's libonnx-testdata, manifest.txt) or 1.22 (../shared/onnx-1.22,\n"
    "                       manifest-1.22.txt): sets the defaults of --data and --manifest and the report's section\n"
    "  --manifest FILE      expected outcomes (default: the release's, in the source tree's tests/conformance/)\n"
    "  --data DIR           the test data (default: the release's)\n"
    "  --folder NAME        node, pytorch-converted, pytorch-operator, simple or all (default); repeatable\n"
    "  --filter GLOB        only tests whose name or folder/name matches; repeatable\n"
    "  --shard K/N          only every N-th test, starting with the K-th (1-based), after --filter\n"
    "  --jobs N             parallel compiler processes (default 2)\n"
    "  --batch-size N       tests linked into one harness program (default 40)\n"
    "  --timeout S          seconds for one compile and for one run of a batch program (default 120)\n"
    "  --work DIR           build here and keep it (incremental); default: a temporary folder, removed\n"
    "  --report FILE        write the release's section of the Markdown report (docs/conformance.md)\n"
    "  --update-manifest    rewrite the manifest's generated section from this run's results\n"
    "  --verbose            print every test's result, not only the unexpected ones\n"
    "Exit: 0 when every test met the manifest's expectation, 1 when not, 2 for a bad command line or\n"
    "manifest, 77 when the test data is not installed (apt-get install libonnx-testdata).\n";

struct Options {
  Release release = kReleases.front();
  std::string manifest, data;  // "": the release's
  std::vector<std::string> folders, filters;
  int shard = 0, shards = 0;
  BuildOptions build;
  std::string work, report;
  bool update = false, verbose = false;
  std::string command;  // as given, for the report
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int to_int(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    const int n = std::stoi(v, &used);
    if (used == v.size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " needs a positive whole number, not '" + v + "'");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--release") {
      const std::string r = value();
      auto it = std::find_if(kReleases.begin(), kReleases.end(), [&](const Release& k) { return k.name == r; });
      if (it == kReleases.end()) throw UsageError("unknown release '" + r + "' (1.12 or 1.22)");
      o.release = *it;
    } else if (a == "--manifest")
      o.manifest = value();
    else if (a == "--data")
      o.data = value();
    else if (a == "--folder") {
      const std::string f = value();
      if (f == "all")
        o.folders.insert(o.folders.end(), kAllFolders.begin(), kAllFolders.end());
      else if (std::find(kAllFolders.begin(), kAllFolders.end(), f) != kAllFolders.end())
        o.folders.push_back(f);
      else
        throw UsageError("unknown folder '" + f + "' (node, pytorch-converted, pytorch-operator, simple or all)");
    } else if (a == "--filter")
      o.filters.push_back(value());
    else if (a == "--shard") {
      const std::string v = value();
      const size_t slash = v.find('/');
      if (slash == std::string::npos) throw UsageError("--shard wants K/N, e.g. 1/4");
      o.shard = to_int(a, v.substr(0, slash));
      o.shards = to_int(a, v.substr(slash + 1));
      if (o.shard > o.shards) throw UsageError("--shard " + v + ": K must be at most N");
    } else if (a == "--jobs")
      o.build.jobs = to_int(a, value());
    else if (a == "--batch-size")
      o.build.batch_size = static_cast<size_t>(to_int(a, value()));
    else if (a == "--timeout")
      o.build.timeout_s = to_int(a, value());
    else if (a == "--work")
      o.work = value();
    else if (a == "--report")
      o.report = value();
    else if (a == "--update-manifest")
      o.update = true;
    else if (a == "--verbose")
      o.verbose = true;
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else
      throw UsageError("unknown option '" + a + "'");
  }
  if (o.manifest.empty()) o.manifest = o.release.manifest;
  if (o.data.empty()) o.data = o.release.data;
  if (o.folders.empty()) o.folders = kAllFolders;
  std::set<std::string> seen;
  std::vector<std::string> unique;
  for (const std::string& f : o.folders)
    if (seen.insert(f).second) unique.push_back(f);
  o.folders = unique;
  return o;
}

bool selected(const Options& o, const std::string& folder, const std::string& name) {
  if (o.filters.empty()) return true;
  const std::string key = folder + "/" + name;
  for (const std::string& f : o.filters)
    if (::fnmatch(f.c_str(), name.c_str(), 0) == 0 || ::fnmatch(f.c_str(), key.c_str(), 0) == 0) return true;
  return false;
}

std::vector<Test> discover(const Options& o, const Manifest& manifest) {
  std::vector<Test> tests;
  for (const std::string& folder : o.folders) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(o.data + "/" + folder))
      if (fs::exists(e.path() / "model.onnx")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (!selected(o, folder, name)) continue;
      Test t;
      t.folder = folder;
      t.name = name;
      t.dir = o.data + "/" + folder + "/" + name;
      tests.push_back(std::move(t));
    }
  }
  if (o.shards > 0) {
    std::vector<Test> mine;
    for (size_t i = 0; i < tests.size(); ++i)
      if (static_cast<int>(i % static_cast<size_t>(o.shards)) == o.shard - 1) mine.push_back(std::move(tests[i]));
    tests = std::move(mine);
  }
  for (Test& t : tests) {
    t.expect = manifest.lookup(t.key());
    try {
      t.ops = onnx2mcu::model_op_types(t.dir + "/model.onnx");
    } catch (const std::exception&) {
      t.ops = {"(unreadable model)"};
    }
  }
  return tests;
}

void judge(Test& t) {
  if (!t.prepared() || !t.finished) {
    if (t.failed_at == Stage::None && t.expect.expect != Expect::Exclude) t.fail(Stage::Run, "the harness did not run this test");
    return;
  }
  if (!t.expect.may_freeze() && !t.frozen.empty()) {
    std::string names;
    for (const std::string& name : t.frozen) names += (names.empty() ? "" : ", ") + name;
    t.fail(Stage::Compile, "compiled only with --freeze " + names + ", but " + t.expect.freeze_from->kind + " (" +
                               "manifest line " + std::to_string(t.expect.freeze_from->line) + ") says it needs no freezing");
    return;
  }
  if (t.run_rc != 0) {
    t.fail(Stage::Run, "the generated " + t.cname + "_run returned an error in " + std::to_string(t.run_rc) + " of " +
                           std::to_string(t.sets.size()) + " data sets");
    return;
  }
  for (size_t s = 0; s < t.sets.size(); ++s) {
    std::vector<onnx2mcu::Tensor> refs;  // one per graph output: a sequence's file gives its elements
    std::string load_error;
    try {
      refs = onnx2mcu::load_reference_outputs(t.sets[s], t.output_forms);
    } catch (const std::exception& e) {
      load_error = e.what();
    }
    for (size_t o = 0; o < t.outputs; ++o) {
      std::string diff = load_error;
      try {
        if (diff.empty() && o >= refs.size()) diff = "the reference has no tensor for graph output " + std::to_string(o);
        if (diff.empty() && refs[o].dtype == onnx2mcu::DType::Undefined) continue;  // an element of an absent optional
        if (diff.empty()) diff = compare_output(refs[o], t.printed[{s, o}], t.expect.rtol, t.expect.atol);
      } catch (const std::exception& e) {
        diff = e.what();
      }
      if (!diff.empty()) {
        const std::string set = t.sets.size() > 1 ? " in " + fs::path(t.sets[s]).filename().string() : "";
        t.fail(Stage::Compare, "wrong output " + std::to_string(o) + set + ": " + diff);
        return;
      }
    }
  }
}

std::string tolerance_note(const Test& t) {
  if (!t.expect.tolerance_from) return "";
  return " [rtol " + std::to_string(t.expect.rtol) + ", atol " + std::to_string(t.expect.atol) + "]";
}

std::string frozen_note(const Test& t) {
  std::string note;
  for (const std::string& name : t.frozen) note += (note.empty() ? " [frozen: " : ", ") + name;
  return note.empty() ? note : note + "]";
}

// The lines of a failure's message after its first (compiler output, say), indented, at most 15.
void print_detail(const std::string& detail) {
  std::istringstream in(detail);
  std::string line;
  std::getline(in, line);
  for (int n = 0; std::getline(in, line); ++n) {
    if (n == 15) {
      std::printf("        ...\n");
      break;
    }
    std::printf("        %s\n", line.c_str());
  }
}

void print_results(const std::vector<Test>& tests, bool verbose) {
  for (const Test& t : tests) {
    const Verdict v = verdict(t);
    switch (v) {
      case Verdict::Fail:
        std::printf("FAIL    %s: %s%s\n", t.key().c_str(), t.reason.c_str(), tolerance_note(t).c_str());
        print_detail(t.detail);
        break;
      case Verdict::Xpass:
        std::printf("XPASS   %s: passes, but the manifest expects a failure (%s)\n", t.key().c_str(), t.expect.reason.c_str());
        break;
      case Verdict::Pass:
        if (verbose) std::printf("pass    %s%s%s\n", t.key().c_str(), tolerance_note(t).c_str(), frozen_note(t).c_str());
        break;
      case Verdict::Xfail:
        if (verbose) std::printf("xfail   %s: %s\n", t.key().c_str(), t.reason.c_str());
        break;
      case Verdict::Excluded:
        if (verbose) std::printf("exclude %s: %s\n", t.key().c_str(), t.expect.reason.c_str());
        break;
    }
  }
}

// Generated-section lines for the manifest: tests decided by a hand-written line stay out of it.
std::map<std::string, std::string> manifest_updates(const std::vector<Test>& tests) {
  std::map<std::string, std::string> out;
  for (const Test& t : tests) {
    if (t.expect.outcome_from && !t.expect.outcome_from->generated)
      out[t.key()] = "";
    else
      out[t.key()] = t.passed() ? "pass" : "xfail " + t.reason;
  }
  return out;
}

std::string shell_words(int argc, char** argv) {
  std::string s = "conformance_runner";
  for (int i = 1; i < argc; ++i) s += std::string(" ") + argv[i];
  return s;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A temporary work folder unless --work names one; removed again on the way out.
struct WorkDir {
  std::string path;
  bool temp = false;
  explicit WorkDir(const std::string& given) : path(given), temp(given.empty()) {
    if (temp) {
      std::string tmpl = (fs::temp_directory_path() / "onnx2mcu-conformance-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder");
      path = tmpl;
    }
    path = fs::absolute(path).string();
    fs::create_directories(path);
  }
  ~WorkDir() {
    std::error_code ec;
    if (temp) fs::remove_all(path, ec);
  }
};

void print_counts(const std::vector<Test>& tests) {
  for (const auto& kv : count_by_folder(tests))
    std::printf("%-18s %4d tests: %4d passed, %3d failed, %4d xfail, %3d xpass, %4d excluded\n", kv.first.c_str(),
                kv.second.tests, kv.second.passed, kv.second.failed, kv.second.xfail, kv.second.xpass, kv.second.excluded);
}

// Manifest lines that match nothing (worth knowing only when every test was considered), and
// tests no line mentions.
void print_manifest_notes(const std::vector<Test>& tests, const Manifest& manifest, bool whole) {
  if (whole)
    for (const Directive& d : manifest.directives())
      if (d.matches == 0)
        std::printf("warning: %s:%d: '%s %s' matches no test\n", manifest.path().c_str(), d.line, d.kind.c_str(),
                    d.pattern.c_str());
  int unlisted = 0;
  for (const Test& t : tests) unlisted += t.expect.outcome_from == nullptr;
  if (unlisted) std::printf("note: %d tests are not in the manifest; they are expected to pass\n", unlisted);
}

int run(const Options& o, const Manifest& manifest, int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<Test> tests = discover(o, manifest);
  std::vector<Test*> to_run;
  for (Test& t : tests)
    if (t.expect.expect != Expect::Exclude) {
      t.cname = onnx2mcu::sanitize_identifier(t.name);
      to_run.push_back(&t);
    }
  const WorkDir work(o.work);
  BuildOptions build = o.build;
  build.work = work.path;
  std::printf("conformance: %zu tests in %s (%zu excluded by the manifest), work folder %s\n", tests.size(), o.data.c_str(),
              tests.size() - to_run.size(), work.path.c_str());
  std::fflush(stdout);

  const auto t0 = std::chrono::steady_clock::now();
  prepare_tests(to_run, work.path, build.jobs, build.timeout_s);
  const double prepare_s = since(t0);
  const BuildTimes times = build_and_run(to_run, build);
  for (Test* t : to_run) judge(*t);

  print_results(tests, o.verbose);
  const bool whole = o.filters.empty() && o.shards == 0 && o.folders.size() == kAllFolders.size();
  print_manifest_notes(tests, manifest, whole);
  if (o.update) {
    // Record this run, then judge it against the new manifest: the counts and the report
    // below then say what the manifest now says.
    manifest.write_updated(manifest_updates(tests));
    std::printf("updated %s from this run's results\n", o.manifest.c_str());
    const Manifest updated = Manifest::read(o.manifest);
    for (Test& t : tests) t.expect = updated.lookup(t.key());
  }
  print_counts(tests);
  std::printf(
      "time: compile models %.1f s, build %.1f s (%zu objects, make -j%d), link %.1f s (%zu programs), run %.1f s; total %.1f "
      "s\n",
      prepare_s, times.compile_s, times.objects, build.jobs, times.link_s, times.programs, times.run_s, since(start));
  if (!o.report.empty()) {
    const std::string release = o.release.name == kReleases.front().name ? "" : " --release " + o.release.name;
    const std::string cmd = whole ? "cmake --build build -j2 --target conformance_runner\n"
                                    "build/tests/conformance/conformance_runner" + release + " --report docs/conformance.md"
                                  : shell_words(argc, argv);
    std::string existing;
    if (std::ifstream in{o.report, std::ios::binary}) existing.assign(std::istreambuf_iterator<char>(in), {});
    std::ofstream out(o.report, std::ios::binary);
    out << markdown_report(existing, kReleases, o.release.name, release_section(o.release, tests, o.folders, cmd));
    if (!out.flush()) throw std::runtime_error(o.report + ": cannot write");
    std::printf("wrote %s (the ONNX %s section)\n", o.report.c_str(), o.release.name.c_str());
  }

  Counts total;
  for (const Test& t : tests) total.add(t);
  std::printf("%d excluded, %d xfail, %d xpass\n", total.excluded, total.xfail, total.xpass);
  if (total.xpass > 0)
    std::printf("%d test(s) the manifest expects to fail now pass: update it (conformance_runner --update-manifest)\n",
                total.xpass);
  std::printf("%d passed, %d failed\n", total.passed, total.failed);
  return total.failed == 0 && total.xpass == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  Manifest manifest;
  try {
    o = parse(argc, argv);
    manifest = Manifest::read(o.manifest);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance_runner: %s\n%s", e.what(), dynamic_cast<const UsageError*>(&e) ? kUsage : "");
    return 2;
  }
  if (!fs::is_directory(o.data)) {
    std::printf("SKIPPED: %s not found (%s)\n", o.data.c_str(),
                o.release.name == "1.12" ? "apt-get install libonnx-testdata" : "the ONNX 1.22 data lies in ../shared/onnx-1.22");
    return 77;
  }
  try {
    return run(o, manifest, argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance_runner: %s\n", e.what());
    return 2;
  }
}
