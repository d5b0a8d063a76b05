// Builds a Trade frame, reads it back in place, prints its instrument.
#include <alphapulse/wire.hpp>

#include <array>
#include <cstdio>

int main() {
    using namespace alphapulse::wire;
    std::array<std::uint8_t, TradeLayout::SIZE> buffer{};
    const auto id = InstrumentId::stock(VenueId::NASDAQ, "AAPL");
    auto builder = TradeBuilder::into(buffer.data(), buffer.size());
    if (!id || !builder) return 1;
    auto trade = *builder;
    trade.source(SourceType::AlpacaCollector).sequence(1).timestamp(1);
    trade.instrument_id(*id).price(189 * PRICE_SCALE).volume(100).side(static_cast<std::uint8_t>(Side::Buy));
    trade.finish();
    const auto view = TradeView::parse(buffer.data(), buffer.size(), /*verifyChecksum=*/true);
    if (!view) {
        std::printf("refused: %s\n", errorName(view.error()).data());
        return 1;
    }
    std::printf("%s %lld\n", view->instrument_id().text().c_str(), static_cast<long long>(view->price()));
    return view->instrument_id().text() == "NASDAQ Stock AAPL" ? 0 : 1;
}
