// Aggregator::snapshot(): the JSON the page and `alphapulse top` read
// (docs/design/dashboard.md lists every key). Runs a few times a second,
// so it may allocate; it holds the lock while it reads.
#include <algorithm>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/dashboard/aggregator.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/venue.hpp"

namespace alphapulse::dashboard {
namespace {

std::string domainKey(std::size_t index) { return std::string(wire::domainName(static_cast<wire::Domain>(index))); }

double price(std::int64_t fixed) noexcept {
    return static_cast<double>(fixed) / static_cast<double>(wire::PRICE_SCALE);
}

double micros(std::uint64_t ns) noexcept { return static_cast<double>(ns) / 1000.0; }

codec::Json percentilesJson(const LatencyHistogram& h) {
    return {{"count", h.count()},
            {"p50_us", micros(h.percentile(0.50))},
            {"p90_us", micros(h.percentile(0.90))},
            {"p99_us", micros(h.percentile(0.99))},
            {"p999_us", micros(h.percentile(0.999))},
            {"max_us", micros(h.max())}};
}

} // namespace

double Aggregator::rateOf(std::uint64_t nowNs, std::uint64_t total,
                          const std::function<std::uint64_t(const Second&)>& count) const {
    // The mean over the complete seconds of the window. The second counting
    // started in is partial, so it is left out too; before one complete
    // second has passed, the rate is everything so far over the time so far.
    const std::uint64_t nowSecond = nowNs / NS_PER_S;
    const std::uint64_t startSecond = m_startNs / NS_PER_S;
    std::uint64_t sum = 0;
    unsigned seconds = 0;
    for (unsigned k = 1; k <= m_options.rateWindowSeconds && k <= nowSecond; ++k) {
        const std::uint64_t second = nowSecond - k;
        if (second <= startSecond) break;
        ++seconds;
        if (const Second* slot = slotAt(second)) sum += count(*slot);
    }
    if (seconds > 0) return static_cast<double>(sum) / seconds;
    if (nowNs <= m_startNs) return 0.0;
    return static_cast<double>(total) * 1e9 / static_cast<double>(nowNs - m_startNs);
}

codec::Json Aggregator::domainsJson(std::uint64_t nowNs) const {
    // Every domain we are connected to, and any other that sent frames.
    codec::Json list = codec::Json::array();
    const auto emit = [&](std::size_t d, const ConnectionState* connection) {
        codec::Json j{{"name", domainKey(d)},
                      {"frames", m_totalByDomain[d]},
                      {"bytes", m_bytesByDomain[d]},
                      {"rate", rateOf(nowNs, m_totalByDomain[d], [d](const Second& s) { return s.byDomain[d]; })},
                      {"stale_timestamps", m_stale[d]},
                      {"clock_ahead", m_clockAhead[d]}};
        if (connection != nullptr) {
            j["transport"] = connection->transport;
            j["endpoint"] = connection->endpoint;
            j["connected"] = connection->connected;
            j["gaps"] = connection->counters.gaps;
            j["missed_frames"] = connection->counters.missedFrames;
            j["sequence_resets"] = connection->counters.sequenceResets;
            j["reconnects"] = connection->counters.reconnects;
            j["relay_errors"] = connection->counters.relayErrors;
        }
        list.push_back(std::move(j));
    };
    std::array<bool, DOMAINS> shown{};
    for (const auto& c : m_connections) {
        const auto d = static_cast<std::size_t>(c.domain);
        if (d >= DOMAINS || shown[d]) continue;
        shown[d] = true;
        emit(d, &c);
    }
    for (std::size_t d = 0; d < DOMAINS; ++d) {
        if (!shown[d] && m_totalByDomain[d] != 0) emit(d, nullptr);
    }
    return list;
}

codec::Json Aggregator::typesJson(std::uint64_t nowNs) const {
    codec::Json list = codec::Json::array();
    for (std::size_t t = 0; t < 256; ++t) {
        if (m_totalByType[t] == 0) continue;
        const auto type = static_cast<std::uint8_t>(t);
        const auto name = wire::messageTypeName(type);
        list.push_back({{"type", t},
                        {"name", name.empty() ? "type " + std::to_string(t) : std::string(name)},
                        {"domain", std::string(wire::domainName(wire::domainOf(type)))},
                        {"frames", m_totalByType[t]},
                        {"rate", rateOf(nowNs, m_totalByType[t], [t](const Second& s) { return s.byType[t]; })}});
    }
    return list;
}

codec::Json Aggregator::sourcesJson(std::uint64_t nowNs) const {
    codec::Json list = codec::Json::array();
    for (std::size_t s = 0; s < 256; ++s) {
        if (m_totalBySource[s] == 0) continue;
        const auto name = wire::sourceTypeName(static_cast<std::uint8_t>(s));
        list.push_back({{"source", s},
                        {"name", name.empty() ? "source " + std::to_string(s) : std::string(name)},
                        {"frames", m_totalBySource[s]},
                        {"rate", rateOf(nowNs, m_totalBySource[s], [s](const Second& x) { return x.bySource[s]; })}});
    }
    return list;
}

codec::Json Aggregator::historyJson(std::uint64_t nowNs) const {
    // One point per second since counting began (at most historySeconds),
    // the second in progress excluded: its count is not final yet.
    const std::uint64_t nowSecond = nowNs / NS_PER_S;
    const std::uint64_t startSecond = m_startNs / NS_PER_S;
    std::uint64_t first = nowSecond > m_options.historySeconds ? nowSecond - m_options.historySeconds : 0;
    first = std::max(first, startSecond);
    codec::Json seconds = codec::Json::array();
    std::array<codec::Json, DOMAINS> rates;
    for (auto& r : rates) r = codec::Json::array();
    codec::Json p50 = codec::Json::array();
    codec::Json p99 = codec::Json::array();
    for (std::uint64_t s = first; s < nowSecond; ++s) {
        seconds.push_back(s);
        const Second* slot = slotAt(s);
        LatencyHistogram all;
        for (std::size_t d = 0; d < DOMAINS; ++d) {
            rates[d].push_back(slot != nullptr ? slot->byDomain[d] : 0);
            if (slot != nullptr) all.add(slot->latency[d]);
        }
        // null, not 0, for a second without measurements: the chart shows a gap.
        p50.push_back(all.count() != 0 ? codec::Json(micros(all.percentile(0.5))) : codec::Json());
        p99.push_back(all.count() != 0 ? codec::Json(micros(all.percentile(0.99))) : codec::Json());
    }
    codec::Json byDomain = codec::Json::object();
    for (std::size_t d = 0; d < DOMAINS; ++d) {
        if (m_totalByDomain[d] != 0) byDomain[domainKey(d)] = std::move(rates[d]);
    }
    return {{"seconds", std::move(seconds)},
            {"frames_per_second", std::move(byDomain)},
            {"latency_p50_us", std::move(p50)},
            {"latency_p99_us", std::move(p99)}};
}

codec::Json Aggregator::latencyJson(std::uint64_t nowNs) const {
    const std::uint64_t nowSecond = nowNs / NS_PER_S;
    LatencyHistogram all;
    codec::Json byDomain = codec::Json::object();
    for (std::size_t d = 0; d < DOMAINS; ++d) {
        LatencyHistogram h;
        for (unsigned k = 0; k < m_options.latencyWindowSeconds && k <= nowSecond; ++k) {
            if (const Second* slot = slotAt(nowSecond - k)) h.add(slot->latency[d]);
        }
        if (h.count() == 0 && m_stale[d] == 0) continue;
        codec::Json j = percentilesJson(h);
        j["stale_timestamps"] = m_stale[d];
        byDomain[domainKey(d)] = std::move(j);
        all.add(h);
    }
    return {{"window_s", m_options.latencyWindowSeconds}, {"all", percentilesJson(all)}, {"by_domain", byDomain}};
}

codec::Json Aggregator::instrumentsJson() const {
    std::vector<const Instrument*> used;
    for (const auto& entry : m_instruments) {
        if (entry.used) used.push_back(&entry);
    }
    codec::Json list = codec::Json::array();
    for (const Instrument* e : used) {
        const auto* venue = wire::findVenue(e->id.venue);
        const std::string symbol = e->id.symbolText();
        codec::Json j{{"instrument", e->id.text()},
                      {"venue", venue != nullptr ? std::string(venue->name) : std::to_string(e->id.venue)},
                      {"asset_type", std::string(wire::assetTypeName(e->id.assetType))},
                      // Tokens and pools have no symbol in their id: their text names them.
                      {"symbol", symbol.empty() ? e->id.text() : symbol},
                      {"quotes", e->quotes},
                      {"trades", e->trades},
                      {"updated_ns", e->updatedNs}};
        if (e->quotes != 0) {
            j["bid"] = price(e->bid);
            j["ask"] = price(e->ask);
            j["bid_size"] = price(static_cast<std::int64_t>(e->bidSize));
            j["ask_size"] = price(static_cast<std::int64_t>(e->askSize));
            j["quote_from"] = std::string(wire::messageTypeName(e->quoteType));
        }
        if (e->trades != 0) {
            j["last"] = price(e->lastPrice);
            j["last_volume"] = price(static_cast<std::int64_t>(e->lastVolume));
        }
        list.push_back(std::move(j));
    }
    std::sort(list.begin(), list.end(), [](const codec::Json& a, const codec::Json& b) {
        return a["instrument"].get<std::string>() < b["instrument"].get<std::string>();
    });
    return list;
}

codec::Json Aggregator::eventsJson(Category category) const {
    // Newest first, decoded by the codec into the JSON Lines shape
    // (docs/design/json-lines.md), so the page names fields like `decode` does.
    const EventRing& ring = m_events[category];
    codec::DecodeOptions options;
    options.verifyChecksum = false; // the relay verified it
    const codec::Decoder decoder(options);
    codec::Json list = codec::Json::array();
    const std::size_t n = std::min<std::uint64_t>(ring.written, ring.slots.size());
    for (std::size_t i = 0; i < n; ++i) {
        const Event& e = ring.slots[(ring.written - 1 - i) % ring.slots.size()];
        const std::uint8_t type = e.bytes[wire::header::MESSAGE_TYPE_OFFSET];
        codec::Json j{{"received_ns", e.receivedNs},
                      {"type", std::string(wire::messageTypeName(type))},
                      {"truncated", e.truncated}};
        if (!e.truncated) {
            auto result = decoder.decode(e.bytes.data(), e.length);
            j["frame"] = result.ok() ? std::move(result.json) : codec::Json();
        }
        list.push_back(std::move(j));
    }
    return list;
}

codec::Json Aggregator::snapshot(std::uint64_t nowNs) const {
    const std::lock_guard lock(m_mutex);
    std::uint64_t total = 0;
    for (auto n : m_totalByDomain) total += n;
    const std::uint64_t start = m_startNs != 0 ? m_startNs : nowNs;
    codec::Json j;
    j["now_ns"] = nowNs;
    j["elapsed_s"] = nowNs > start ? static_cast<double>(nowNs - start) / 1e9 : 0.0;
    j["frames"] = total;
    j["rate_window_s"] = m_options.rateWindowSeconds;
    j["domains"] = domainsJson(nowNs);
    j["types"] = typesJson(nowNs);
    j["sources"] = sourcesJson(nowNs);
    j["history"] = historyJson(nowNs);
    j["latency"] = latencyJson(nowNs);
    j["instruments"] = instrumentsJson();
    j["instruments_not_shown"] = m_instrumentsOverflow;
    j["signals"] = eventsJson(Signals);
    j["orders"] = eventsJson(Orders);
    j["fills"] = eventsJson(Fills);
    j["execution_reports"] = eventsJson(Reports);
    return j;
}

} // namespace alphapulse::dashboard
