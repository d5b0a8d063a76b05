#include "alphapulse/service/prices.hpp"

#include <cstring>

namespace alphapulse::service {

std::optional<wire::InstrumentId> Prices::update(const wire::FrameView& frame) {
    using wire::MessageType;
    switch (static_cast<MessageType>(frame.messageType())) {
    case MessageType::Trade: {
        const auto trade = wire::TradeView::parse(frame.data(), frame.size());
        if (!trade) return std::nullopt;
        auto& book = m_books[trade->instrument_id()];
        book.last = trade->price();
        book.lastVolume = trade->volume();
        book.lastSide = trade->side();
        return trade->instrument_id();
    }
    case MessageType::Quote: {
        const auto quote = wire::QuoteView::parse(frame.data(), frame.size());
        if (!quote) return std::nullopt;
        auto& book = m_books[quote->instrument_id()];
        book.bid = quote->bid_price();
        book.ask = quote->ask_price();
        book.bidSize = quote->bid_size();
        book.askSize = quote->ask_size();
        return quote->instrument_id();
    }
    case MessageType::OrderBook: {
        const auto levels = wire::OrderBookView::parse(frame.data(), frame.size());
        if (!levels || levels->is_snapshot() == 0) return std::nullopt; // deltas would need the whole book
        auto& book = m_books[levels->instrument_id()];
        if (levels->bid_count() > 0) {
            const auto best = wire::bidLevel(*levels, 0);
            book.bid = best.price;
            book.bidSize = best.size;
        }
        if (levels->ask_count() > 0) {
            const auto best = wire::askLevel(*levels, 0);
            book.ask = best.price;
            book.askSize = best.size;
        }
        return levels->instrument_id();
    }
    default: return std::nullopt;
    }
}

const TopOfBook* Prices::find(const wire::InstrumentId& id) const noexcept {
    const auto it = m_books.find(id);
    return it == m_books.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> Prices::takerPrice(const wire::InstrumentId& id, bool buy) const noexcept {
    const auto* book = find(id);
    if (book == nullptr) return std::nullopt;
    const std::int64_t quoted = buy ? book->ask : book->bid;
    if (quoted > 0) return quoted;
    if (book->last > 0) return book->last;
    return std::nullopt;
}

std::uint64_t Prices::takerSize(const wire::InstrumentId& id, bool buy) const noexcept {
    const auto* book = find(id);
    if (book == nullptr) return 0;
    return (buy ? book->ask : book->bid) > 0 ? (buy ? book->askSize : book->bidSize) : 0;
}

std::optional<std::int64_t> Prices::mark(const wire::InstrumentId& id) const noexcept {
    const auto* book = find(id);
    if (book == nullptr) return std::nullopt;
    if (book->bid > 0 && book->ask > 0) return (book->bid + book->ask) / 2;
    if (book->last > 0) return book->last;
    return std::nullopt;
}

namespace {
struct Router {
    wire::VenueId venue;
    const char* address;
};
// Uniswap V2 Router02 and SushiSwap's router (Ethereum mainnet).
constexpr Router ROUTERS[] = {
    {wire::VenueId::UniswapV2, "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"},
    {wire::VenueId::SushiSwap, "0xd9e1cE17f2641f24aE83637ab66a2cca9C378B9F"},
};
} // namespace

std::optional<wire::EvmAddress> routerOf(wire::VenueId dex) noexcept {
    for (const auto& router : ROUTERS) {
        wire::EvmAddress address{};
        if (router.venue == dex && wire::parseEvmAddress(router.address, address) == wire::WireError::Ok) return address;
    }
    return std::nullopt;
}

std::optional<wire::VenueId> dexOfRouter(const std::uint8_t* address) noexcept {
    for (const auto& router : ROUTERS) {
        wire::EvmAddress known{};
        if (wire::parseEvmAddress(router.address, known) == wire::WireError::Ok &&
            std::memcmp(known.data(), address, known.size()) == 0) {
            return router.venue;
        }
    }
    return std::nullopt;
}

} // namespace alphapulse::service
