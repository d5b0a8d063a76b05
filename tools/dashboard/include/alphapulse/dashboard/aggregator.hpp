#pragma once
// What the dashboard and `alphapulse top` show, computed from the frames a
// MultiBusConsumer delivers: counts and rates per domain, message type and
// source (the producer kind in the header: under `--profile load` the
// synthetic feed's 200,000 frames/s stand apart from the real collectors),
// the latest quote and trade per instrument, the recent signals, orders,
// fills and execution reports, and end-to-end latency percentiles.
//
// onFrame() is called for every frame and allocates nothing: counters live
// in fixed arrays, instruments in a table sized at construction, recent
// events as raw frame bytes in fixed slots. The JSON (docs/design/dashboard.md)
// is built only when someone asks for a snapshot.
//
// Thread-safe: the consumer thread feeds it while HTTP threads read it; one
// mutex, uncontended almost always, is cheaper than anything cleverer here.
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/codec/json.hpp"
#include "alphapulse/dashboard/latency_histogram.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::dashboard {

struct AggregatorOptions {
    unsigned rateWindowSeconds = 5;     ///< rates: mean over this many complete seconds
    unsigned latencyWindowSeconds = 10; ///< latency percentiles: over this many seconds
    unsigned historySeconds = 60;       ///< per-second series for the charts
    /// Header timestamps older than this are not latencies (replayed
    /// historical data, a stopped clock): counted as stale instead.
    std::uint64_t maxLatencyNs = 60'000'000'000;
    std::size_t maxInstruments = 512;   ///< more are counted, not shown
    std::size_t recentEvents = 20;      ///< kept per category (signals, orders, fills, reports)
};

/// A connection's state as its BusClient reports it (set by the owner of
/// the clients, which live on the consumer thread).
struct ConnectionState {
    wire::Domain domain = wire::Domain::None;
    std::string transport; ///< "unix_socket", ...
    std::string endpoint;  ///< socket path, address, segment name
    bool connected = false;
    client::ClientCounters counters;
};

class Aggregator {
public:
    /// Large (about 1 MB of per-second counters): allocate it on the heap.
    explicit Aggregator(AggregatorOptions options = {});

    /// When counting began (rates leave out the partial second it falls in);
    /// the first frame sets it when this is not called.
    void start(std::uint64_t nowNs);

    /// One frame from `domain`'s connection, received at `nowNs` (ns since
    /// the Unix epoch, the clock header timestamps use).
    void onFrame(wire::Domain domain, const wire::FrameView& frame, std::uint64_t nowNs) noexcept;
    void setConnections(const std::vector<ConnectionState>& connections);

    /// Everything above as JSON at `nowNs` (rates over complete seconds before it).
    [[nodiscard]] codec::Json snapshot(std::uint64_t nowNs) const;

    static constexpr std::size_t DOMAINS = 6; ///< wire::Domain None..Custom

private:
    static constexpr std::size_t SLOTS = 128;         ///< per-second ring, > any window asked for
    static constexpr std::size_t MAX_EVENT_BYTES = 512; ///< larger frames keep their header only
    static constexpr std::uint64_t NS_PER_S = 1'000'000'000; ///< the ring's slots are seconds

    struct Second {
        std::uint64_t second = 0; ///< epoch second this slot holds
        std::array<std::uint32_t, 256> byType{};
        std::array<std::uint32_t, DOMAINS> byDomain{};
        std::array<std::uint32_t, 256> bySource{};
        std::array<LatencyHistogram, DOMAINS> latency{};
    };
    struct Instrument {
        wire::InstrumentId id;
        bool used = false;
        std::int64_t bid = 0, ask = 0;
        std::uint64_t bidSize = 0, askSize = 0;
        std::uint8_t quoteType = 0; ///< Quote or OrderBook: where bid/ask came from
        std::int64_t lastPrice = 0;
        std::uint64_t lastVolume = 0;
        std::uint64_t quotes = 0, trades = 0;
        std::uint64_t updatedNs = 0; ///< header timestamp of the last update
    };
    struct Event {
        std::uint64_t receivedNs = 0;
        std::uint16_t length = 0; ///< bytes kept (the whole frame, or its header)
        bool truncated = false;
        std::array<std::uint8_t, MAX_EVENT_BYTES> bytes{};
    };
    struct EventRing {
        std::vector<Event> slots; ///< sized once
        std::uint64_t written = 0;
        void push(const wire::FrameView& frame, std::uint64_t nowNs) noexcept;
    };
    enum Category : std::size_t { Signals, Orders, Fills, Reports, CATEGORIES };

    Second& slotFor(std::uint64_t second) noexcept;
    [[nodiscard]] const Second* slotAt(std::uint64_t second) const noexcept; ///< nullptr: no frames that second
    /// Frames per second: `count` summed over the rate window, see the .cpp.
    [[nodiscard]] double rateOf(std::uint64_t nowNs, std::uint64_t total,
                                const std::function<std::uint64_t(const Second&)>& count) const;
    void updateInstrument(const wire::FrameView& frame) noexcept;
    Instrument* findInstrument(const wire::InstrumentId& id) noexcept;

    codec::Json domainsJson(std::uint64_t nowNs) const;
    codec::Json typesJson(std::uint64_t nowNs) const;
    codec::Json sourcesJson(std::uint64_t nowNs) const;
    codec::Json historyJson(std::uint64_t nowNs) const;
    codec::Json latencyJson(std::uint64_t nowNs) const;
    codec::Json instrumentsJson() const;
    codec::Json eventsJson(Category category) const;

    AggregatorOptions m_options;
    mutable std::mutex m_mutex;
    std::uint64_t m_startNs = 0; ///< first frame or first snapshot
    std::array<Second, SLOTS> m_seconds{};
    std::array<std::uint64_t, 256> m_totalByType{};
    std::array<std::uint64_t, 256> m_totalBySource{};
    std::array<std::uint64_t, DOMAINS> m_totalByDomain{};
    std::array<std::uint64_t, DOMAINS> m_bytesByDomain{};
    std::array<std::uint64_t, DOMAINS> m_stale{};      ///< timestamps too old to be a latency
    std::array<std::uint64_t, DOMAINS> m_clockAhead{}; ///< timestamps after receipt (counted as 0 ns)
    std::vector<Instrument> m_instruments;             ///< open addressing, sized once
    std::size_t m_instrumentCount = 0;
    std::uint64_t m_instrumentsOverflow = 0;
    std::array<EventRing, CATEGORIES> m_events;
    std::vector<ConnectionState> m_connections;
};

} // namespace alphapulse::dashboard
