// Publishes trades of one stock onto the market-data domain of a deployment.
//   producer [deployment.yaml] [frames]
// Start the bus first (`alphapulse up`, or `alphapulse relay market_data`).
#include <alphapulse/client/bus_client.hpp>
#include <alphapulse/config/deployment.hpp>
#include <alphapulse/wire.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace alphapulse;
    const auto deployment = config::loadDeploymentOrDefault(argc > 1 ? argv[1] : "");
    const int frames = argc > 2 ? std::stoi(argv[2]) : 1000;

    client::ClientOptions options;
    options.name = "example_producer";
    options.subscription = std::bitset<256>{}; // a pure producer receives nothing
    auto bus = config::makeClient(deployment, wire::Domain::MarketData, options,
                                  config::SubscriptionSource::Options);

    const auto aapl = wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL");
    std::array<std::uint8_t, wire::TradeLayout::SIZE> frame{};
    std::int64_t price = 189 * wire::PRICE_SCALE;
    for (int i = 1; i <= frames; ++i) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        price += (i % 7 == 0 ? -1 : 1) * wire::PRICE_SCALE / 100; // a cent up or down
        auto trade = *wire::TradeBuilder::into(frame.data(), frame.size());
        trade.source(wire::SourceType::AlpacaCollector).sequence(i)
            .timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
        trade.instrument_id(*aapl).price(price).volume(100).side(wire::Side::Buy);
        trade.finish(); // the checksum
        // Waits out backpressure and reconnections, up to a second per frame.
        if (!bus->publishBlocking(frame, std::chrono::seconds(1))) {
            std::fprintf(stderr, "producer: the bus took no frame for 1 s (is the relay running?)\n");
            return 1;
        }
    }
    bus->flush();
    std::printf("published %d trades\n", frames);
    return 0;
}
