#include "bench_report.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace alphapulse::cli::bench {
namespace {

std::string fixed(double v, int decimals) {
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}

double micros(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string latencyLine(const dashboard::LatencyHistogram& h) {
    return "p50 " + fixed(micros(h.percentile(0.50)), 1) + "  p90 " + fixed(micros(h.percentile(0.90)), 1) +
           "  p99 " + fixed(micros(h.percentile(0.99)), 1) + "  max " + fixed(micros(h.max()), 1) + " us";
}

codec::Json latencyJson(const dashboard::LatencyHistogram& h) {
    return {{"count", h.count()},
            {"p50", micros(h.percentile(0.50))},
            {"p90", micros(h.percentile(0.90))},
            {"p99", micros(h.percentile(0.99))},
            {"max", micros(h.max())}};
}

std::string pacing(const Settings& s) {
    return s.rate > 0 ? "paced at " + rateText(s.rate) : std::string("as fast as it can");
}

/// The ZeroMQ outcome of a comparison (the last one), or nullptr when it did not run.
const Outcome* zmqOf(const std::vector<Outcome>& runs) {
    if (runs.empty() || runs.back().transport != "zmq_ipc" || !runs.back().complete()) return nullptr;
    return &runs.back();
}

std::string ratioText(double ours, double theirs) {
    if (!(ours > 0) || !(theirs > 0)) return "-";
    return fixed(ours / theirs, 2) + "x";
}

} // namespace

ProgressBar::ProgressBar(bool enabled) : m_enabled(enabled && ::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { end(); }

void ProgressBar::begin(std::string label, std::uint64_t total) {
    m_label = std::move(label);
    m_total = total;
    m_lastDraw = {};
}

void ProgressBar::update(std::uint64_t sent, std::uint64_t slowestReceived) {
    if (!m_enabled || m_total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_lastDraw < std::chrono::milliseconds(100) && slowestReceived < m_total) return;
    m_lastDraw = now;
    constexpr int WIDTH = 30;
    const double done = static_cast<double>(std::min(slowestReceived, m_total)) / static_cast<double>(m_total);
    const int filled = static_cast<int>(done * WIDTH);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(WIDTH - filled), '-');
    std::fprintf(stderr, "\r[%s] %3d%%  %-14s sent %llu, received %llu / %llu frames\x1b[K", bar.c_str(),
                 static_cast<int>(done * 100), m_label.c_str(), static_cast<unsigned long long>(sent),
                 static_cast<unsigned long long>(slowestReceived), static_cast<unsigned long long>(m_total));
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::end() {
    if (!m_drawn) return;
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
    m_drawn = false;
}

std::string rateText(double framesPerS) {
    if (framesPerS >= 1e6) return fixed(framesPerS / 1e6, 2) + " M/s";
    if (framesPerS >= 1e3) return fixed(framesPerS / 1e3, 1) + " k/s";
    return fixed(framesPerS, 0) + " /s";
}

void printOutcome(std::ostream& out, const Outcome& o) {
    const Settings& s = o.settings;
    out << o.transport << " (" << o.endpoint << (o.bus.empty() ? "" : ", " + o.bus) << "): " << s.frames
        << " frames of " << s.size << " B, " << s.batch << " per publish, " << pacing(s) << ", " << s.consumers
        << (s.consumers == 1 ? " consumer" : " consumers") << (s.spin ? " (spinning)" : "") << '\n';
    if (!o.ran) {
        out << "  not run: " << o.error << '\n';
        return;
    }
    if (o.producerSeconds > 0) {
        const double fps = static_cast<double>(o.published) / o.producerSeconds;
        out << "  producer    " << o.published << " frames in " << fixed(o.producerSeconds, 3) << " s: " << rateText(fps)
            << ", " << fixed(fps * static_cast<double>(s.size) / 1e6, 1) << " MB/s\n";
    }
    for (std::size_t i = 0; i < o.consumers.size(); ++i) {
        const auto& c = o.consumers[i];
        out << "  consumer " << i << "  " << c.received << " frames";
        if (c.received == s.frames && c.outOfOrder == 0) {
            out << " (all, in order)";
        } else {
            out << " (" << (s.frames > c.received ? s.frames - c.received : 0) << " missing, " << c.outOfOrder
                << " out of sequence)";
        }
        out << ": " << rateText(c.framesPerS) << ", " << fixed(c.mbPerS, 1) << " MB/s; " << latencyLine(c.latency) << '\n';
    }
    out << "  latency, frame timestamp to receipt, all consumers: " << latencyLine(o.latency) << '\n';
    if (!o.error.empty()) out << "  FAILED: " << o.error << '\n';
}

void printComparison(std::ostream& out, const std::vector<Outcome>& throughput, const std::vector<Outcome>& latency) {
    const Outcome* zt = zmqOf(throughput);
    const Outcome* zl = zmqOf(latency);
    char line[256];
    std::snprintf(line, sizeof line, "%-14s %14s %10s %8s   %9s %9s %9s %8s\n", "transport", "frames/s each", "MB/s",
                  "vs zmq", "p50 us", "p99 us", "max us", "vs zmq");
    out << line;
    for (std::size_t i = 0; i < throughput.size(); ++i) {
        const Outcome& t = throughput[i];
        const Outcome* l = i < latency.size() ? &latency[i] : nullptr;
        if (!t.complete()) {
            std::snprintf(line, sizeof line, "%-14s %s\n", t.transport.c_str(),
                          (t.ran ? "FAILED: " + t.error : "not run: " + t.error).c_str());
            out << line;
            continue;
        }
        double mb = 0;
        for (const auto& c : t.consumers) mb += c.mbPerS;
        mb /= static_cast<double>(t.consumers.size());
        const bool lat = l != nullptr && l->complete();
        const auto p50 = lat ? micros(l->latency.percentile(0.5)) : 0.0;
        std::snprintf(line, sizeof line, "%-14s %14s %10s %8s   %9s %9s %9s %8s\n", t.transport.c_str(),
                      rateText(t.framesPerConsumer()).c_str(), fixed(mb, 1).c_str(),
                      zt != nullptr ? ratioText(t.framesPerConsumer(), zt->framesPerConsumer()).c_str() : "-",
                      lat ? fixed(p50, 1).c_str() : "-", lat ? fixed(micros(l->latency.percentile(0.99)), 1).c_str() : "-",
                      lat ? fixed(micros(l->latency.max()), 1).c_str() : "-",
                      lat && zl != nullptr ? ratioText(micros(zl->latency.percentile(0.5)), p50).c_str() : "-");
        out << line;
    }
    if (zt == nullptr) {
        out << "no ratios: ZeroMQ did not run (" << (throughput.empty() ? "" : throughput.back().error) << ")\n";
    } else {
        out << "vs zmq: throughput ours / ZeroMQ's, latency ZeroMQ's p50 / ours (above 1: ours is faster)\n";
    }
}

codec::Json settingsJson(const Settings& s) {
    return {{"size", s.size},         {"frames", s.frames}, {"batch", s.batch},
            {"rate", s.rate},         {"consumers", s.consumers}, {"spin", s.spin}};
}

codec::Json outcomeJson(const Outcome& o) {
    codec::Json j{{"transport", o.transport}, {"endpoint", o.endpoint}, {"bus", o.bus},
                  {"kind", o.kind},           {"settings", settingsJson(o.settings)},
                  {"ran", o.ran},             {"complete", o.complete()},
                  {"error", o.error},         {"published", o.published}};
    j["producer"] = {{"seconds", o.producerSeconds},
                     {"frames_per_s", o.producerSeconds > 0 ? static_cast<double>(o.published) / o.producerSeconds : 0.0}};
    codec::Json consumers = codec::Json::array();
    for (const auto& c : o.consumers) {
        consumers.push_back({{"received", c.received},
                             {"missing", o.settings.frames > c.received ? o.settings.frames - c.received : 0},
                             {"out_of_sequence", c.outOfOrder},
                             {"seconds", c.seconds},
                             {"frames_per_s", c.framesPerS},
                             {"mb_per_s", c.mbPerS},
                             {"latency_us", latencyJson(c.latency)}});
    }
    j["consumers"] = std::move(consumers);
    j["frames_per_s_per_consumer"] = o.framesPerConsumer();
    j["latency_us"] = latencyJson(o.latency);
    return j;
}

codec::Json ratiosJson(const std::vector<Outcome>& throughput, const std::vector<Outcome>& latency) {
    const Outcome* zt = zmqOf(throughput);
    const Outcome* zl = zmqOf(latency);
    codec::Json j = codec::Json::object();
    for (std::size_t i = 0; i < throughput.size(); ++i) {
        const Outcome& t = throughput[i];
        if (t.transport == "zmq_ipc") continue;
        codec::Json r{{"throughput", nullptr}, {"latency_p50", nullptr}};
        if (zt != nullptr && t.complete()) r["throughput"] = t.framesPerConsumer() / zt->framesPerConsumer();
        if (zl != nullptr && i < latency.size() && latency[i].complete() && latency[i].latency.percentile(0.5) > 0) {
            r["latency_p50"] = static_cast<double>(zl->latency.percentile(0.5)) /
                               static_cast<double>(latency[i].latency.percentile(0.5));
        }
        j[t.transport] = std::move(r);
    }
    return j;
}

} // namespace alphapulse::cli::bench
