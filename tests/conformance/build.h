// Steps 2 and 3 of a run: build the prepared tests with the host compiler and run them.
//
// Every generated .cpp and every harness is its own translation unit, compiled by one make
// invocation (make -k -jN) so that a TU that does not build fails only its own test. The good
// objects are linked into one program per batch of tests, whose main() calls each test's
// harness in turn between "o2m-begin I" and "o2m-end I RC" lines. A program that crashes or
// hangs is restarted after the test it was running, which alone is failed.
#pragma once
#include <string>
#include <vector>

#include "suite.h"

namespace conformance {

struct BuildOptions {
  std::string work;  // the folder prepare_tests wrote into
  int jobs = 2;      // make -j
  size_t batch_size = 40;
  int timeout_s = 120;  // per run of one batch program
  std::string cxx, cc;  // $CXX / c++ and $CC / cc when empty
  std::string opt = "-O1";
};

struct BuildTimes {
  double compile_s = 0, link_s = 0, run_s = 0;
  size_t objects = 0, programs = 0;
};

// Fills printed/run_rc/finished of every prepared test, or fails it at Build, Link or Run.
BuildTimes build_and_run(const std::vector<Test*>& tests, const BuildOptions& opts);

}  // namespace conformance
