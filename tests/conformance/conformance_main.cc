// Runs the ONNX backend tests (Debian's libonnx-testdata) through neuron-cc
// and the simulated NeuronCore, prints tables by op and by directory and the
// summary line, and checks every result against expected.txt.
//
//   bazel test //tests/conformance:conformance_test          # check
//   bazel run //tests/conformance:conformance_test -- --update   # rewrite
//
// Flags: --data_dir=DIR (default: the runfiles copy, else
// /usr/share/libonnx-testdata/data), --expected=FILE,
// --frozen_inputs=FILE (tests compiled with structural inputs frozen), --update,
// --filter=SUBSTRING (only tests whose <dir>/<test> contains it),
// --jobs=N (default 2), --timeout_s=S per test (default 60).
//
// Each test runs in a forked child with a timeout, so a compiler crash or hang
// is a failed test, not a dead harness.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "neff/format.h"
#include "runtime/nrt.h"
#include "tests/conformance/harness.h"

namespace ncc::conformance {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDirs[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};

struct Flags {
  std::string data_dir;
  std::string expected = "tests/conformance/expected.txt";
  std::string frozen_inputs = "tests/conformance/frozen_inputs.txt";
  std::string filter;
  bool update = false;
  int jobs = 2;
  int timeout_s = 60;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    if (absl::ConsumePrefix(&a, "--data_dir=")) {
      flags->data_dir = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--expected=")) {
      flags->expected = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--frozen_inputs=")) {
      flags->frozen_inputs = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--filter=")) {
      flags->filter = std::string(a);
    } else if (a == "--update") {
      flags->update = true;
    } else if (absl::ConsumePrefix(&a, "--jobs=")) {
      if (!absl::SimpleAtoi(a, &flags->jobs) || flags->jobs < 1) return false;
    } else if (absl::ConsumePrefix(&a, "--timeout_s=")) {
      if (!absl::SimpleAtoi(a, &flags->timeout_s) || flags->timeout_s < 1) return false;
    } else {
      std::fprintf(stderr, "conformance: unknown argument '%s'\n", argv[i]);
      return false;
    }
  }
  return true;
}

std::string FindDataDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* candidate :
       {"external/system/share/libonnx-testdata/data", "../system/share/libonnx-testdata/data",
        "/usr/share/libonnx-testdata/data"}) {
    std::error_code ec;
    if (fs::is_directory(fs::path(candidate) / "node", ec)) return candidate;
  }
  return "";
}

struct TestId {
  std::string dir, name;
  std::vector<std::string> frozen_inputs;  // from frozen_inputs.txt
};

std::vector<TestId> ListTests(const std::string& data_dir, const std::string& filter) {
  std::vector<TestId> tests;
  for (const char* dir : kDirs) {
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(fs::path(data_dir) / dir, ec)) {
      const fs::path p = entry.path();
      if (!fs::exists(p / "model.onnx", ec) || !fs::is_directory(p / "test_data_set_0", ec)) {
        continue;
      }
      names.push_back(p.filename().string());
    }
    std::sort(names.begin(), names.end());
    for (std::string& n : names) {
      if (!filter.empty() && !absl::StrContains(absl::StrCat(dir, "/", n), filter)) continue;
      tests.push_back({dir, std::move(n), {}});
    }
  }
  return tests;
}

std::string Escape(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return s;
}

// In the child: runs the test and writes "op\toutcome\treason" to `fd`.
[[noreturn]] void RunChild(int fd, const std::string& data_dir, const TestId& test) {
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
  }
  nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "");
  TestResult r = RunTest(data_dir, test.dir, test.name, Tolerance(), test.frozen_inputs);
  std::string line =
      absl::StrCat(Escape(r.op), "\t", OutcomeName(r.outcome), "\t", Escape(r.reason), "\n");
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(fd, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  _exit(0);
}

struct Running {
  pid_t pid;
  int fd;
  size_t index;
  std::string output;
  std::chrono::steady_clock::time_point start;
};

TestResult Finish(const TestId& test, Running& run, int wait_status, bool timed_out,
                  int timeout_s) {
  TestResult r;
  r.dir = test.dir;
  r.name = test.name;
  r.frozen_inputs = !test.frozen_inputs.empty();
  std::vector<std::string> fields = absl::StrSplit(run.output, absl::MaxSplits('\t', 2));
  if (!timed_out && fields.size() == 3 && ParseOutcome(fields[1], &r.outcome)) {
    r.op = fields[0];
    r.reason = std::string(absl::StripSuffix(fields[2], "\n"));
    return r;
  }
  r.outcome = Outcome::kFailed;
  if (timed_out) {
    r.reason = absl::StrCat("timed out after ", timeout_s, " s");
  } else if (WIFSIGNALED(wait_status)) {
    r.reason = absl::StrCat("crashed: signal ", WTERMSIG(wait_status), " (",
                            strsignal(WTERMSIG(wait_status)), ")");
  } else {
    r.reason = absl::StrCat("harness child exited with status ", WEXITSTATUS(wait_status),
                            " without a result");
  }
  return r;
}

std::vector<TestResult> RunAll(const std::string& data_dir, const std::vector<TestId>& tests,
                               const Flags& flags) {
  std::vector<TestResult> results(tests.size());
  std::vector<Running> running;
  size_t next = 0;
  std::fflush(stdout);
  std::fflush(stderr);
  while (next < tests.size() || !running.empty()) {
    while (next < tests.size() && running.size() < static_cast<size_t>(flags.jobs)) {
      int fds[2];
      if (pipe(fds) != 0) {
        results[next] = {tests[next].dir, tests[next].name, "", Outcome::kFailed, "pipe failed"};
        ++next;
        continue;
      }
      pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        RunChild(fds[1], data_dir, tests[next]);
      }
      close(fds[1]);
      if (pid < 0) {
        close(fds[0]);
        results[next] = {tests[next].dir, tests[next].name, "", Outcome::kFailed, "fork failed"};
        ++next;
        continue;
      }
      running.push_back({pid, fds[0], next, "", std::chrono::steady_clock::now()});
      ++next;
    }
    std::vector<pollfd> pfds;
    for (const Running& r : running) pfds.push_back({r.fd, POLLIN, 0});
    poll(pfds.data(), pfds.size(), 200);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < running.size();) {
      Running& r = running[i];
      bool done = false, timed_out = false;
      if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        ssize_t n = read(r.fd, buf, sizeof(buf));
        if (n > 0) {
          r.output.append(buf, static_cast<size_t>(n));
        } else {
          done = true;
        }
      }
      if (!done && now - r.start > std::chrono::seconds(flags.timeout_s)) {
        kill(r.pid, SIGKILL);
        done = timed_out = true;
      }
      if (!done) {
        ++i;
        continue;
      }
      int status = 0;
      waitpid(r.pid, &status, 0);
      close(r.fd);
      results[r.index] = Finish(tests[r.index], r, status, timed_out, flags.timeout_s);
      running.erase(running.begin() + i);
      pfds.erase(pfds.begin() + i);
    }
  }
  // An expanded test (the op's ONNX function body) belongs to its op.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < results.size(); ++i) index[results[i].Id()] = i;
  for (TestResult& r : results) {
    absl::string_view base = r.name;
    if (!absl::ConsumeSuffix(&base, "_expanded")) continue;
    auto it = index.find(absl::StrCat(r.dir, "/", base));
    if (it == index.end()) continue;
    const TestResult& sibling = results[it->second];
    r.op = sibling.op;
    if (sibling.outcome == Outcome::kOutOfScope) {
      r.outcome = Outcome::kOutOfScope;
      r.reason = sibling.reason + " (expanded)";
    }
  }
  return results;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  const std::string data_dir = FindDataDir(flags.data_dir);
  if (data_dir.empty()) {
    std::fprintf(stderr,
                 "conformance: ONNX backend test data not found; install Debian's "
                 "libonnx-testdata (tools/setup.sh) or pass --data_dir\n");
    return 2;
  }
  std::vector<TestId> tests = ListTests(data_dir, flags.filter);
  {
    auto text = neff::ReadFile(flags.frozen_inputs);
    if (!text.ok()) {
      std::fprintf(stderr, "conformance: %s\n", std::string(text.status().message()).c_str());
      return 2;
    }
    auto frozen = ParseFrozenInputs(*text);
    if (!frozen.ok()) {
      std::fprintf(stderr, "conformance: %s: %s\n", flags.frozen_inputs.c_str(),
                   std::string(frozen.status().message()).c_str());
      return 2;
    }
    for (TestId& test : tests) {
      auto it = frozen->find(absl::StrCat(test.dir, "/", test.name));
      if (it == frozen->end()) continue;
      test.frozen_inputs = it->second;
      frozen->erase(it);
    }
    for (const auto& [id, names] : *frozen) {
      if (!flags.filter.empty() && !absl::StrContains(id, flags.filter)) continue;
      std::fprintf(stderr, "conformance: %s lists '%s', which is not a test\n",
                   flags.frozen_inputs.c_str(), id.c_str());
      return 2;
    }
  }
  if (tests.empty()) {
    std::fprintf(stderr, "conformance: no tests under %s%s\n", data_dir.c_str(),
                 flags.filter.empty() ? "" : " match the filter");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<TestResult> results = RunAll(data_dir, tests, flags);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("%s\n", FormatReport(results).c_str());
  std::printf("%zu tests from %s in %.1f s (%d jobs); tolerance rtol 1e-3, atol 1e-7\n",
              results.size(), data_dir.c_str(), seconds, flags.jobs);

  if (flags.update) {
    std::string path = flags.expected;
    if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
      path = absl::StrCat(ws, "/tests/conformance/expected.txt");
    }
    if (!flags.filter.empty()) {
      std::fprintf(stderr, "conformance: --update needs the full run (no --filter)\n");
      return 2;
    }
    std::ofstream out(path, std::ios::trunc);
    out << FormatExpectations(results);
    if (!out) {
      std::fprintf(stderr, "conformance: cannot write %s\n", path.c_str());
      return 2;
    }
    std::printf("wrote %s; review it with git diff\n", path.c_str());
    std::printf("%s\n", SummaryLine(results).c_str());
    return 0;
  }

  auto text = neff::ReadFile(flags.expected);
  if (!text.ok()) {
    std::fprintf(stderr, "conformance: %s\n", std::string(text.status().message()).c_str());
    return 2;
  }
  auto expected = ParseExpectations(*text);
  if (!expected.ok()) {
    std::fprintf(stderr, "conformance: %s: %s\n", flags.expected.c_str(),
                 std::string(expected.status().message()).c_str());
    return 2;
  }
  if (!flags.filter.empty()) {  // compare only what ran
    for (auto it = expected->begin(); it != expected->end();) {
      it = absl::StrContains(it->first, flags.filter) ? std::next(it) : expected->erase(it);
    }
  }
  std::vector<std::string> diffs = DiffExpectations(results, *expected);
  int status = 0;
  if (!diffs.empty()) {
    std::printf("\n%zu test%s differ from %s:\n", diffs.size(), diffs.size() == 1 ? "" : "s",
                flags.expected.c_str());
    for (const std::string& d : diffs) std::printf("  %s\n", d.c_str());
    std::printf(
        "If the change is intended, regenerate the file and review the diff:\n"
        "  bazel run //tests/conformance:conformance_test -- --update\n"
        "  git diff tests/conformance/expected.txt\n");
    status = 1;
  }
  std::printf("%s\n", SummaryLine(results).c_str());
  return status;
}

}  // namespace
}  // namespace ncc::conformance

int main(int argc, char** argv) { return ncc::conformance::Main(argc, argv); }
