// A program of a user's own against the installed library: builds a Trade
// frame (wire), checks that the schema registry knows its layout (schema), and
// writes the Subscribe frame a client would send for it (client).
#include <alphapulse/client/bus_client.hpp>
#include <alphapulse/schema/registry.hpp>
#include <alphapulse/wire.hpp>

#include <array>
#include <cstdio>

int main() {
    using namespace alphapulse;
    std::array<std::uint8_t, wire::TradeLayout::SIZE> buffer{};
    const auto id = wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL");
    auto builder = wire::TradeBuilder::into(buffer.data(), buffer.size());
    if (!id || !builder) return 1;
    auto trade = *builder;
    trade.source(wire::SourceType::AlpacaCollector).sequence(1).timestamp(1);
    trade.instrument_id(*id).price(189 * wire::PRICE_SCALE).volume(100)
        .side(wire::Side::Buy);
    trade.finish();
    const auto view = wire::TradeView::parse(buffer.data(), buffer.size(), /*verifyChecksum=*/true);
    if (!view) {
        std::printf("refused: %s\n", wire::errorName(view.error()).data());
        return 1;
    }

    const schema::SchemaRegistry registry;
    const auto* layout = registry.find(static_cast<std::uint8_t>(wire::MessageType::Trade), 1);

    std::array<std::uint8_t, wire::SubscribeLayout::SIZE> subscribe{};
    client::buildSubscribe(subscribe.data(), client::typesOf({wire::MessageType::Trade}));
    const bool subscribeOk = wire::FrameView(subscribe.data(), subscribe.size()).checksumMatches();

    std::printf("%s %lld, layout %s, subscribe %s\n", view->instrument_id().text().c_str(),
                static_cast<long long>(view->price()), layout != nullptr ? "known" : "unknown",
                subscribeOk ? "ok" : "bad");
    return view->instrument_id().text() == "NASDAQ Stock AAPL" && layout != nullptr && subscribeOk ? 0 : 1;
}
