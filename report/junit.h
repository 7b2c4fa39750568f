// JUnit XML for CI systems (GitHub, GitLab, Jenkins render it): the common subset of the
// format those readers agree on, the one the Jenkins JUnit plugin's schema describes:
//   <testsuites name tests failures errors skipped time>
//     <testsuite name tests failures errors skipped time timestamp>
//       <properties><property name value/></properties>
//       <testcase name classname time> [<failure message type>text</failure> | <skipped message/>]
// verify: one suite per model × kernel set × threads, one testcase per check; compare: one
// suite per configuration, one testcase per metric (plus the token and machine checks).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/compare.h"
#include "verify/verifier.h"

namespace lmh::report {

struct JUnitCase {
    std::string name, classname;
    double seconds = 0;
    std::optional<std::string> failure_message;  // set: the case failed
    std::string failure_type, failure_text;
    std::optional<std::string> skipped;          // set: the case was not run (why)
};

struct JUnitSuite {
    std::string name;
    double seconds = 0;
    std::string timestamp;  // ISO 8601, may be empty
    std::vector<std::pair<std::string, std::string>> properties;
    std::vector<JUnitCase> cases;
};

std::string junit_xml(const std::string& name, const std::vector<JUnitSuite>& suites);

// verify's runs: checks accumulated, local, prefill_vs_decode, next_token_kld, greedy_tokens,
// determinism; a failure names the first failing tensor with its position and both values.
std::vector<JUnitSuite> junit_verify(const std::vector<verify::RunReport>& runs, const std::string& timestamp);

// compare BASE NEW: `machine_differences` (bench/fingerprint.h) become a failing "machine"
// testcase, since the verdicts then compare two machines rather than two builds.
std::vector<JUnitSuite> junit_compare(const bench::CompareReport& report, const std::vector<std::string>& machine_differences);
// compare --db: a failure per metric the history window flags as a regression.
std::vector<JUnitSuite> junit_window_checks(const std::vector<bench::WindowCheck>& checks);

}  // namespace lmh::report
