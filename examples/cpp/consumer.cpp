// Prints the trades and quotes of the market-data domain as they arrive.
//   consumer [deployment.yaml] [frames to wait for, 0 = forever]
#include <alphapulse/client/bus_client.hpp>
#include <alphapulse/config/deployment.hpp>
#include <alphapulse/wire.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace alphapulse;
    const auto deployment = config::loadDeploymentOrDefault(argc > 1 ? argv[1] : "");
    const long wanted = argc > 2 ? std::stol(argv[2]) : 0;

    client::ClientOptions options;
    options.name = "example_consumer";
    options.subscription = client::typesOf({wire::MessageType::Trade, wire::MessageType::Quote});
    auto bus = config::makeClient(deployment, wire::Domain::MarketData, options,
                                  config::SubscriptionSource::Options);

    long received = 0;
    // Frames are read in place, in the client's buffer: no copy, no allocation.
    auto onFrame = [&](const wire::FrameView& frame) {
        ++received;
        if (const auto trade = wire::TradeView::parse(frame.data(), frame.size())) {
            std::printf("trade %s %.4f x %llu\n", trade->instrument_id().text().c_str(),
                        static_cast<double>(trade->price()) / wire::PRICE_SCALE,
                        static_cast<unsigned long long>(trade->volume()));
        } else if (const auto quote = wire::QuoteView::parse(frame.data(), frame.size())) {
            std::printf("quote %s %.4f / %.4f\n", quote->instrument_id().text().c_str(),
                        static_cast<double>(quote->bid_price()) / wire::PRICE_SCALE,
                        static_cast<double>(quote->ask_price()) / wire::PRICE_SCALE);
        }
    };
    while (wanted == 0 || received < wanted) bus->poll(onFrame, 100); // reconnects by itself
    std::fprintf(stderr, "received %ld frames, %llu gaps\n", received,
                 static_cast<unsigned long long>(bus->counters().gaps));
    return 0;
}
