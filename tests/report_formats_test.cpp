// Machine fingerprints, progress lines and the JUnit writer's escaping, by hand-derived
// expectations. The formats end to end (JUnit parsed back by ElementTree, markdown, exports,
// the page in Chromium) are checked by tests/report/*.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "bench/fingerprint.h"
#include "bench/progress.h"
#include "util/error.h"
#include "report/junit.h"
#include "report/text_format.h"

namespace lmh {
namespace {

nlohmann::json provenance(const std::string& cpu, const std::string& flags) {
    return {{"cpu_model", cpu}, {"cpu_flags", flags}, {"cores", 2}, {"compiler", "g++/clang 12.2.0"}, {"build_type", "Release"}};
}

TEST(Fingerprint, KeepsOnlyTheKernelFlagsInTheirOrder) {
    const auto f = bench::fingerprint_from_provenance(provenance("AMD EPYC", "sse2 avx512f mmx f16c avx2 sha_ni fma"));
    EXPECT_EQ(f.cpu_flags, (std::vector<std::string>{"avx2", "fma", "f16c", "avx512f"}));
    EXPECT_FALSE(f.memory_gib.has_value());  // not recorded: unknown, not zero
    EXPECT_EQ(f.id().size(), 12u);
}

TEST(Fingerprint, XeonAgainstEpycNamesModelAndFlags) {
    const auto xeon = bench::fingerprint_from_provenance(
        provenance("Intel(R) Xeon(R) Processor", "avx2 fma f16c avx512f avx512bw avx512vl avx512dq"));
    const auto epyc = bench::fingerprint_from_provenance(provenance("AMD EPYC", "avx2 fma f16c"));
    const auto d = bench::fingerprint_differences(xeon, epyc);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], "CPU model 'Intel(R) Xeon(R) Processor' vs 'AMD EPYC'");
    EXPECT_EQ(d[1], "CPU flags avx512f avx512bw avx512vl avx512dq only in BASE");
    EXPECT_NE(xeon.id(), epyc.id());
}

TEST(Fingerprint, UnknownFieldsAreNoDifference) {
    auto a = provenance("AMD EPYC", "avx2");
    auto b = a;
    b["memory_bytes"] = 24.0 * (1 << 30);
    b["compiler"] = nullptr;  // mistyped: treated as unknown
    EXPECT_TRUE(bench::fingerprint_differences(bench::fingerprint_from_provenance(a), bench::fingerprint_from_provenance(b)).empty());
    EXPECT_EQ(*bench::fingerprint_from_provenance(b).memory_gib, 24);
    EXPECT_TRUE(bench::fingerprint_differences(bench::MachineFingerprint{}, bench::fingerprint_from_provenance(a)).empty());
}

TEST(Fingerprint, MachineSelector) {
    const auto a = bench::fingerprint_from_provenance(provenance("AMD EPYC", "avx2"));
    const auto b = bench::fingerprint_from_provenance(provenance("Intel(R) Xeon(R) Processor", "avx2"));
    EXPECT_TRUE(bench::parse_machine_selector("same").matches(a, a));
    EXPECT_FALSE(bench::parse_machine_selector("same").matches(b, a));
    EXPECT_TRUE(bench::parse_machine_selector("any").matches(b, a));
    EXPECT_TRUE(bench::parse_machine_selector(b.id().substr(0, 6)).matches(b, a));
    EXPECT_FALSE(bench::parse_machine_selector(b.id()).matches(a, a));
    EXPECT_THROW(bench::parse_machine_selector("Xeon"), Error);
}

TEST(Progress, LineFormat) {
    EXPECT_EQ(bench::ProgressLine::format(3, 24, "chat tbb-simd 2 threads", "5 reps", 12.44),
              "[3/24] chat tbb-simd 2 threads: 5 reps \u2026 12.4 s");
}

TEST(Progress, PlainLinesOnAFileAndNothingWhenQuiet) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(bench::ProgressLine::detect(f, false), bench::ProgressLine::Mode::lines);
    EXPECT_EQ(bench::ProgressLine::detect(f, true), bench::ProgressLine::Mode::quiet);
    {
        bench::ProgressLine line(f, bench::ProgressLine::Mode::lines, 2);
        line.begin("a");
        line.update("run 1/5");  // live mode only
        line.end("ok");
        line.begin("b");
    }  // the destructor ends "b"
    std::rewind(f);
    char buf[256] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    const std::string text(buf, n);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
    EXPECT_EQ(text.rfind("[1/2] a: ok \u2026 ", 0), 0u) << text;
    EXPECT_NE(text.find("\n[2/2] b \u2026 "), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos);
    std::fclose(f);
}

TEST(Progress, LiveModeRewritesOneLineAndClearsIt) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    {
        bench::ProgressLine line(f, bench::ProgressLine::Mode::live, 2);
        line.begin("a");
        line.update("run 1/5");
        line.end("5 reps");
        line.begin("b");
        line.finish();
    }
    std::rewind(f);
    char buf[512] = {};
    const std::string text(buf, std::fread(buf, 1, sizeof buf - 1, f));
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;  // one line, rewritten in place
    EXPECT_NE(text.find("\r\033[K[1/2] a: run 1/5"), std::string::npos) << text;
    EXPECT_NE(text.find("\r\033[K[2/2] b"), std::string::npos) << text;
    EXPECT_EQ(text.substr(text.size() - 4), "\r\033[K");  // cleared for what is printed next
    std::fclose(f);
}

TEST(JUnit, EscapesAndCounts) {
    report::JUnitSuite s;
    s.name = "a<b & \"c\"";
    report::JUnitCase ok;
    ok.name = "x";
    ok.classname = "k";
    report::JUnitCase bad = ok;
    bad.failure_message = "got 1 > 0";
    bad.failure_type = "t";
    report::JUnitCase skip = ok;
    skip.skipped = "why";
    s.cases = {ok, bad, skip};
    const std::string x = report::junit_xml("n", {s});
    EXPECT_NE(x.find("<testsuite name=\"a&lt;b &amp; &quot;c&quot;\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
              std::string::npos) << x;
    EXPECT_NE(x.find("<failure message=\"got 1 &gt; 0\" type=\"t\">"), std::string::npos) << x;
    EXPECT_EQ(report::xml_escape(std::string("a\x01") + "b"), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(report::gha_escape("50%\nx:y,z", true), "50%25%0Ax%3Ay%2Cz");
    EXPECT_EQ(report::md_cell("a|b\nc"), "a\\|b c");
}

}  // namespace
}  // namespace lmh
