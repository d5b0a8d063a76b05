#include "alphapulse/dashboard/aggregator.hpp"

#include <algorithm>
#include <cstring>

#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/order_book.hpp"

namespace alphapulse::dashboard {
namespace {

std::size_t domainIndex(wire::Domain domain) noexcept {
    const auto i = static_cast<std::size_t>(domain);
    return i < Aggregator::DOMAINS ? i : 0;
}

bool isOrderMessage(std::uint8_t type) noexcept {
    using wire::MessageType;
    return type == static_cast<std::uint8_t>(MessageType::OrderRequest) ||
           type == static_cast<std::uint8_t>(MessageType::OrderStatus) ||
           type == static_cast<std::uint8_t>(MessageType::OrderCancel) ||
           type == static_cast<std::uint8_t>(MessageType::OrderModify);
}

} // namespace

void Aggregator::EventRing::push(const wire::FrameView& frame, std::uint64_t nowNs) noexcept {
    if (slots.empty()) return;
    Event& e = slots[written % slots.size()];
    ++written;
    e.receivedNs = nowNs;
    e.truncated = frame.size() > MAX_EVENT_BYTES;
    // A frame too large for the slot keeps its header: the table still shows
    // what arrived and when, just not its fields.
    const std::size_t keep = e.truncated ? wire::header::SIZE : frame.size();
    std::memcpy(e.bytes.data(), frame.data(), keep);
    e.length = static_cast<std::uint16_t>(keep);
}

Aggregator::Aggregator(AggregatorOptions options) : m_options(options) {
    // Every window must fit the per-second ring with a slot to spare for the
    // second being filled.
    const auto limit = static_cast<unsigned>(SLOTS - 2);
    m_options.rateWindowSeconds = std::clamp(m_options.rateWindowSeconds, 1U, limit);
    m_options.latencyWindowSeconds = std::clamp(m_options.latencyWindowSeconds, 1U, limit);
    m_options.historySeconds = std::clamp(m_options.historySeconds, 1U, limit);
    std::size_t capacity = 16;
    while (capacity < 2 * m_options.maxInstruments) capacity *= 2; // load factor <= 1/2
    m_instruments.resize(capacity);
    for (auto& ring : m_events) ring.slots.resize(std::max<std::size_t>(1, m_options.recentEvents));
}

void Aggregator::start(std::uint64_t nowNs) {
    const std::lock_guard lock(m_mutex);
    if (m_startNs == 0) m_startNs = nowNs;
}

Aggregator::Second& Aggregator::slotFor(std::uint64_t second) noexcept {
    Second& slot = m_seconds[second % SLOTS];
    if (slot.second != second) {
        // A second this slot last held SLOTS seconds ago (or never): reuse it.
        slot.second = second;
        slot.byType.fill(0);
        slot.byDomain.fill(0);
        slot.bySource.fill(0);
        for (auto& h : slot.latency) h.clear();
    }
    return slot;
}

const Aggregator::Second* Aggregator::slotAt(std::uint64_t second) const noexcept {
    const Second& slot = m_seconds[second % SLOTS];
    return slot.second == second ? &slot : nullptr;
}

void Aggregator::onFrame(wire::Domain domain, const wire::FrameView& frame, std::uint64_t nowNs) noexcept {
    const std::lock_guard lock(m_mutex);
    if (m_startNs == 0) m_startNs = nowNs;
    const std::size_t d = domainIndex(domain);
    const std::uint8_t type = frame.messageType();
    Second& slot = slotFor(nowNs / NS_PER_S);
    ++slot.byType[type];
    ++slot.byDomain[d];
    ++slot.bySource[frame.source()];
    ++m_totalBySource[frame.source()];
    ++m_totalByType[type];
    ++m_totalByDomain[d];
    m_bytesByDomain[d] += frame.size();

    // End-to-end latency: the header timestamp is the producer's send time
    // (docs/PROTOCOL.md), so receipt minus it is the whole trip through the
    // producer's client, the relay and ours.
    const std::uint64_t sent = frame.timestamp();
    if (sent > nowNs) {
        ++m_clockAhead[d];
        slot.latency[d].record(0);
    } else if (nowNs - sent > m_options.maxLatencyNs) {
        ++m_stale[d];
    } else {
        slot.latency[d].record(nowNs - sent);
    }

    using wire::MessageType;
    switch (static_cast<MessageType>(type)) {
    case MessageType::Trade:
    case MessageType::Quote:
    case MessageType::OrderBook: updateInstrument(frame); break;
    case MessageType::Fill: m_events[Fills].push(frame, nowNs); break;
    case MessageType::ExecutionReport: m_events[Reports].push(frame, nowNs); break;
    default:
        if (isOrderMessage(type)) {
            m_events[Orders].push(frame, nowNs);
        } else if (wire::domainOf(type) == wire::Domain::Signals) {
            m_events[Signals].push(frame, nowNs);
        }
        break;
    }
}

Aggregator::Instrument* Aggregator::findInstrument(const wire::InstrumentId& id) noexcept {
    const std::size_t mask = m_instruments.size() - 1;
    for (std::size_t i = wire::InstrumentIdHash{}(id) & mask;; i = (i + 1) & mask) {
        Instrument& entry = m_instruments[i];
        if (entry.used && entry.id == id) return &entry;
        if (!entry.used) {
            if (m_instrumentCount >= m_options.maxInstruments) {
                ++m_instrumentsOverflow;
                return nullptr;
            }
            ++m_instrumentCount;
            entry.used = true;
            entry.id = id;
            return &entry;
        }
    }
}

void Aggregator::updateInstrument(const wire::FrameView& frame) noexcept {
    // The relay verified checksums; these parses check type, version and size.
    using wire::MessageType;
    Instrument* entry = nullptr;
    switch (static_cast<MessageType>(frame.messageType())) {
    case MessageType::Quote: {
        const auto view = wire::QuoteView::parse(frame.data(), frame.size(), false);
        if (!view || !(entry = findInstrument(view->instrument_id()))) return;
        entry->bid = view->bid_price();
        entry->ask = view->ask_price();
        entry->bidSize = view->bid_size();
        entry->askSize = view->ask_size();
        entry->quoteType = frame.messageType();
        ++entry->quotes;
        break;
    }
    case MessageType::Trade: {
        const auto view = wire::TradeView::parse(frame.data(), frame.size(), false);
        if (!view || !(entry = findInstrument(view->instrument_id()))) return;
        entry->lastPrice = view->price();
        entry->lastVolume = view->volume();
        ++entry->trades;
        break;
    }
    case MessageType::OrderBook: {
        // Only a whole book (is_snapshot) says what the best levels are; a
        // delta would need the book kept, which is not the dashboard's job.
        const auto view = wire::OrderBookView::parse(frame.data(), frame.size(), false);
        if (!view || view->is_snapshot() == 0 || view->bid_count() == 0 || view->ask_count() == 0) return;
        if (!(entry = findInstrument(view->instrument_id()))) return;
        const auto bid = wire::bidLevel(*view, 0);
        const auto ask = wire::askLevel(*view, 0);
        entry->bid = bid.price;
        entry->bidSize = bid.size;
        entry->ask = ask.price;
        entry->askSize = ask.size;
        entry->quoteType = frame.messageType();
        ++entry->quotes;
        break;
    }
    default: return;
    }
    entry->updatedNs = frame.timestamp();
}

void Aggregator::setConnections(const std::vector<ConnectionState>& connections) {
    const std::lock_guard lock(m_mutex);
    m_connections = connections;
}

} // namespace alphapulse::dashboard
