// The services section of a deployment file: strict, errors name line and key.
#include <gtest/gtest.h>

#include "alphapulse/up/services_config.hpp"

using namespace alphapulse::up;

namespace {
std::string errorOf(const std::string& yaml) {
    try {
        (void)parseServices(yaml, "test.yaml");
    } catch (const ServicesError& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST(ServicesConfig, ParsesTheListInOrder) {
    const auto services = parseServices(R"(alphapulse:
  market_data: {transport: unix_socket}
  services:
    - name: risk
      command: [alphapulse-risk, --config, "{config}"]
      restart: always
      backoff_ms: 50
      max_backoff_ms: 400
    - name: dash
      command: [alphapulse, dashboard]
      enabled: false
)");
    ASSERT_EQ(services.size(), 2u);
    EXPECT_EQ(services[0].name, "risk");
    EXPECT_EQ(services[0].command, (std::vector<std::string>{"alphapulse-risk", "--config", "{config}"}));
    EXPECT_EQ(services[0].restart, RestartPolicy::Always);
    EXPECT_EQ(services[0].backoff.count(), 50);
    EXPECT_EQ(services[0].maxBackoff.count(), 400);
    EXPECT_EQ(services[1].restart, RestartPolicy::OnFailure);
    EXPECT_FALSE(services[1].enabled);
}

TEST(ServicesConfig, NoSectionIsNoServices) {
    EXPECT_TRUE(parseServices("alphapulse:\n  market_data: {transport: unix_socket}\n").empty());
}

TEST(ServicesConfig, RefusesWithLineAndKey) {
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n      command: [x]\n      restrat: always\n")
                  .find("test.yaml:5: services: unknown key 'restrat'"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n").find("test.yaml:3: services.a: no command"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n      command: [x]\n    - name: a\n      command: [y]\n")
                  .find("test.yaml:5: services: the name 'a' is used twice"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n      command: [x]\n      restart: sometimes\n")
                  .find("services.restart"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a/b\n      command: [x]\n").find("services.name"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n      command: []\n").find("services.command"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services:\n    - name: a\n      command: [x]\n      backoff_ms: -5\n")
                  .find("backoff_ms"),
              std::string::npos);
    EXPECT_NE(errorOf("alphapulse:\n  services: {a: 1}\n").find("services: expected a list"), std::string::npos);
}
