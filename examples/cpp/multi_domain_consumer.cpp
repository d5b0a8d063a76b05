// One thread reading several domains, as a dashboard does: counts what
// arrives per message type until it has seen `frames` frames, then prints.
//   multi_domain_consumer [deployment.yaml] [frames]
#include <alphapulse/client/multi_bus_consumer.hpp>
#include <alphapulse/config/deployment.hpp>
#include <alphapulse/wire.hpp>

#include <array>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace alphapulse;
    const auto deployment = config::loadDeploymentOrDefault(argc > 1 ? argv[1] : "");
    const long wanted = argc > 2 ? std::stol(argv[2]) : 1000;

    client::MultiBusConsumer consumer;
    for (const auto domain : {wire::Domain::MarketData, wire::Domain::Signals, wire::Domain::Execution}) {
        if (deployment.domain(domain) == nullptr) continue; // not in this deployment
        client::ClientOptions options;
        options.name = "example_multi";
        consumer.add(domain, config::makeClient(deployment, domain, options));
    }

    std::array<long, 256> perType{};
    long received = 0;
    consumer.onOther([&](const wire::FrameView& frame) {
        ++perType[frame.messageType()];
        ++received;
    });
    while (received < wanted) consumer.poll(100);

    for (int type = 0; type < 256; ++type) {
        if (perType[type] != 0) {
            std::printf("%-22s %ld\n", std::string(wire::messageTypeName(type)).c_str(), perType[type]);
        }
    }
    return 0;
}
