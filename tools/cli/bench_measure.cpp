#include "bench_measure.hpp"

#include <time.h>

#include <algorithm>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::cli::bench {
namespace {

std::uint64_t monotonicNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

} // namespace

bool ConsumerTally::frame(const std::uint8_t* data, std::size_t size) noexcept {
    const auto source = data[wire::header::SOURCE_OFFSET];
    if (source != MEASURED_SOURCE) {
        if (source == WARMUP_SOURCE) m_listening.store(true, std::memory_order_release);
        return false;
    }
    const std::uint64_t now = epochNs();
    const auto sent = wire::loadLe<std::uint64_t>(data + wire::header::TIMESTAMP_OFFSET);
    m_latency.record(now > sent ? now - sent : 0);
    const auto sequence = wire::loadLe<std::uint64_t>(data + wire::header::SEQUENCE_OFFSET);
    if (sequence != m_nextSequence) ++m_outOfOrder;
    m_nextSequence = sequence + 1;
    m_bytes += size;
    m_lastNs = now;
    m_received.store(m_received.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return true;
}

Pacer::Pacer(double rate, std::size_t batch) {
    if (rate <= 0) return;
    m_intervalNs = static_cast<std::uint64_t>(1e9 * static_cast<double>(batch) / rate);
    if (m_intervalNs == 0) m_intervalNs = 1;
    m_next = monotonicNs();
}

void Pacer::wait() noexcept {
    if (m_intervalNs == 0) return;
    constexpr std::uint64_t SPIN_NS = 50'000; // what a sleep may overshoot by
    if (const std::uint64_t now = monotonicNs(); m_next > now + SPIN_NS) {
        const std::uint64_t wake = m_next - SPIN_NS;
        const timespec ts{static_cast<time_t>(wake / 1'000'000'000ULL), static_cast<long>(wake % 1'000'000'000ULL)};
        ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
    while (monotonicNs() < m_next) {
    }
    m_next += m_intervalNs;
    if (const std::uint64_t now = monotonicNs(); m_next < now) m_next = now + m_intervalNs;
}

bool Outcome::complete() const noexcept {
    if (!ran || !error.empty() || published != settings.frames) return false;
    return std::all_of(consumers.begin(), consumers.end(), [&](const ConsumerOutcome& c) {
        return c.received == settings.frames && c.outOfOrder == 0;
    });
}

double Outcome::framesPerConsumer() const noexcept {
    if (consumers.empty()) return 0;
    double sum = 0;
    for (const auto& c : consumers) sum += c.framesPerS;
    return sum / static_cast<double>(consumers.size());
}

void summarise(Outcome& outcome, const std::vector<ConsumerTally>& tallies, std::uint64_t startNs) {
    outcome.consumers.clear();
    outcome.latency.clear();
    for (const auto& t : tallies) {
        ConsumerOutcome c;
        c.received = t.received();
        c.outOfOrder = t.outOfOrder();
        if (t.lastNs() > startNs) c.seconds = static_cast<double>(t.lastNs() - startNs) / 1e9;
        if (c.seconds > 0) {
            c.framesPerS = static_cast<double>(c.received) / c.seconds;
            c.mbPerS = static_cast<double>(t.bytes()) / c.seconds / 1e6;
        }
        c.latency = t.latency();
        outcome.latency.add(t.latency());
        outcome.consumers.push_back(c);
    }
}

} // namespace alphapulse::cli::bench
