#include "bench_frames.hpp"

#include <time.h>

#include <cstring>
#include <stdexcept>

#include "alphapulse/wire.hpp"
#include "alphapulse/wire/order_book.hpp"

namespace alphapulse::cli::bench {
namespace {

/// One frame of `size` bytes: a Trade (64), else an OrderBook snapshot whose
/// levels fill the rest, half bids and half asks around one price.
std::vector<std::uint8_t> templateFrame(std::size_t size, std::uint8_t source) {
    std::vector<std::uint8_t> frame(size);
    const auto id = *wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, "BTCUSDT");
    constexpr std::int64_t PRICE = 65'000 * wire::PRICE_SCALE;
    std::size_t written = 0;
    if (size == wire::TradeLayout::SIZE) {
        auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
        b.source(static_cast<wire::SourceType>(source)).sequence(1).timestamp(1);
        b.instrument_id(id).price(PRICE).volume(wire::PRICE_SCALE / 100).side(1);
        written = b.finish();
    } else {
        auto b = *wire::OrderBookBuilder::into(frame.data(), frame.size());
        b.source(static_cast<wire::SourceType>(source)).sequence(1).timestamp(1);
        b.instrument_id(id).update_id(1).is_snapshot(1);
        const std::size_t levels = (size - wire::OrderBookLayout::SIZE) / LEVEL_BYTES;
        std::vector<wire::BookLevel> bids, asks;
        for (std::size_t i = 0; i < levels; ++i) {
            const auto step = static_cast<std::int64_t>(i / 2 + 1) * wire::PRICE_SCALE / 100;
            (i % 2 == 0 ? bids : asks).push_back({i % 2 == 0 ? PRICE - step : PRICE + step, wire::PRICE_SCALE});
        }
        const auto n = wire::finishOrderBook(b, bids, asks);
        written = n ? *n : 0;
    }
    if (written != size) throw std::logic_error("bench: could not build a frame of " + std::to_string(size) + " bytes");
    return frame;
}

} // namespace

std::string frameSizeProblem(std::size_t size) {
    if (size < MIN_FRAME || size > MAX_FRAME) {
        return "--size " + std::to_string(size) + ": a frame is " + std::to_string(MIN_FRAME) + " to " +
               std::to_string(MAX_FRAME) + " bytes";
    }
    if (size != wire::TradeLayout::SIZE && (size - wire::OrderBookLayout::SIZE) % LEVEL_BYTES != 0) {
        return "--size " + std::to_string(size) + ": 64 (a Trade) or 64 + a multiple of 16 (an OrderBook with that many " +
               "16-byte levels), e.g. 64, 128, 1024";
    }
    return "";
}

std::uint64_t epochNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

FrameBatch::FrameBatch(std::size_t size, std::size_t count, std::uint8_t source) : m_size(size) {
    const auto one = templateFrame(size, source);
    m_bytes.resize(size * count);
    for (std::size_t i = 0; i < count; ++i) std::memcpy(m_bytes.data() + i * size, one.data(), size);
}

std::span<const std::uint8_t> FrameBatch::stamp(std::uint64_t firstSequence, std::size_t count,
                                                std::uint64_t nowNs) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        wire::FrameStamp(m_bytes.data() + i * m_size, m_size).sequence(firstSequence + i).timestamp(nowNs).seal();
    }
    return {m_bytes.data(), count * m_size};
}

std::uint8_t FrameBatch::messageType() const noexcept { return m_bytes[wire::header::MESSAGE_TYPE_OFFSET]; }

} // namespace alphapulse::cli::bench
