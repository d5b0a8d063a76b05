// GapReporter: every gap is said, a flood is rate-limited but still counted,
// and the summary always comes.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "alphapulse/client/gap_reporter.hpp"

namespace {

using alphapulse::client::ClientCounters;
using alphapulse::client::GapReporter;

std::vector<std::string> linesOf(std::FILE* file) {
    std::rewind(file);
    std::vector<std::string> out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, file) != nullptr) out.emplace_back(buf);
    return out;
}

TEST(GapReporter, OneLinePerGapThenTheSummary) {
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    GapReporter reporter("execution", file);
    reporter.report(80, 130, 10045);
    ClientCounters counters;
    counters.reconnects = 1;
    reporter.summary(&counters);
    const auto lines = linesOf(file);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], R"({"gap":{"domain":"execution","source":80,"source_name":"ExecutionEngine",)"
                        R"("first_missing":130,"missing":10045}})"
                        "\n");
    EXPECT_EQ(lines[1].rfind(R"({"gap_summary":{"domain":"execution","gaps":1,"missing":10045,)", 0), 0u) << lines[1];
    std::fclose(file);
}

TEST(GapReporter, AFloodIsRateLimitedButCounted) {
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    GapReporter reporter({}, file, 10);
    for (std::uint64_t i = 0; i < 1000; ++i) reporter.report(1, 2 * i + 1, 1);
    reporter.summary();
    const auto lines = linesOf(file);
    // Ten gap lines (within the second), the 990 held back as one line, the summary.
    ASSERT_EQ(lines.size(), 12u);
    EXPECT_EQ(lines[10], "{\"gaps_suppressed\":{\"events\":990,\"missing\":990}}\n");
    EXPECT_EQ(lines[11], "{\"gap_summary\":{\"gaps\":1000,\"missing\":1000}}\n");
    std::fclose(file);
}

} // namespace
