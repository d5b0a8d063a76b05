// The supervisor gives up on a process that cannot start, and says why;
// the check finds missing programs and bad ports without running anything.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "alphapulse/up/check.hpp"
#include "alphapulse/up/supervisor.hpp"

using namespace alphapulse::up;

namespace {

std::filesystem::path tempDir() {
    char tmpl[] = "/tmp/alphapulse-up-test-XXXXXX";
    return ::mkdtemp(tmpl);
}

ServiceSpec failing(const std::string& name) {
    ServiceSpec spec;
    spec.name = name;
    spec.command = {"/bin/sh", "-c", "echo starting; echo 'bind 127.0.0.1:8080: Address already in use' >&2; exit 3"};
    spec.restart = RestartPolicy::Always;
    spec.backoff = std::chrono::milliseconds(10);
    spec.maxBackoff = std::chrono::milliseconds(20);
    return spec;
}

} // namespace

TEST(Supervisor, GivesUpOnAProcessThatKeepsFailingAndSaysWhy) {
    const auto dir = tempDir();
    std::ostringstream out;
    {
        Supervisor supervisor(dir, out);
        supervisor.add(ProcessSpec{failing("dashboard"), std::nullopt});
        supervisor.start();
        const auto started = std::chrono::steady_clock::now();
        const bool asked = supervisor.supervise(
            [&] { return std::chrono::steady_clock::now() - started > std::chrono::seconds(30); });
        EXPECT_FALSE(asked) << "supervise() returns when it gives up, not at the deadline";
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
        const auto state = supervisor.states().at(0);
        EXPECT_TRUE(state.gaveUp);
        EXPECT_EQ(state.starts, MAX_RAPID_FAILURES);
        EXPECT_EQ(state.firstFailure, "bind 127.0.0.1:8080: Address already in use");
    }
    const std::string text = out.str();
    EXPECT_NE(text.find("dashboard failed (exit 3); its log"), std::string::npos) << text;
    EXPECT_NE(text.find("says: bind 127.0.0.1:8080: Address already in use"), std::string::npos) << text;
    EXPECT_NE(text.find("giving up on it"), std::string::npos) << text;
    std::filesystem::remove_all(dir);
}

TEST(Check, FindsAMissingProgramAndABadPort) {
    ServiceSpec missing;
    missing.name = "ghost";
    missing.command = {"alphapulse-no-such-program"};
    missing.line = 7;
    ServiceSpec port;
    port.name = "dashboard";
    port.command = {"/bin/sh", "--port", "70000"};
    ServiceSpec off = missing;
    off.name = "off";
    off.enabled = false; // disabled services are not checked
    const auto problems = checkServices({missing, port, off}, "deploy.yaml");
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("deploy.yaml:7: service ghost: program 'alphapulse-no-such-program' not found"),
              std::string::npos)
        << problems[0];
    EXPECT_NE(problems[1].find("service dashboard: --port: port 70000 is outside 1..65535"), std::string::npos)
        << problems[1];
    ServiceSpec good = port;
    good.command = {"/bin/sh", "--port", "8080"};
    EXPECT_TRUE(checkServices({good}, "deploy.yaml").empty());
}
