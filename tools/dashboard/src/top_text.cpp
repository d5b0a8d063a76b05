#include "alphapulse/dashboard/top_text.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace alphapulse::dashboard {
namespace {

class Screen {
public:
    explicit Screen(bool ansi) : m_ansi(ansi) {}

    [[gnu::format(printf, 2, 3)]] void line(const char* format, ...) {
        char buf[512];
        va_list args;
        va_start(args, format);
        std::vsnprintf(buf, sizeof buf, format, args);
        va_end(args);
        m_text += buf;
        m_text += '\n';
    }
    void heading(const std::string& text) {
        m_text += '\n';
        m_text += m_ansi ? "\x1b[1m" + text + "\x1b[0m\n" : text + '\n';
    }
    [[nodiscard]] std::string take() { return std::move(m_text); }

private:
    bool m_ansi;
    std::string m_text;
};

/// The member `key`, or null (which iterates as empty) when absent.
const codec::Json& at(const codec::Json& j, const char* key) {
    static const codec::Json none;
    if (!j.is_object()) return none;
    const auto it = j.find(key);
    return it != j.end() ? *it : none;
}

std::string str(const codec::Json& j, const char* key, const char* fallback = "-") {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return it->is_string() ? it->get<std::string>() : it->dump();
}

std::uint64_t u64(const codec::Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return 0;
    return it->is_number_unsigned() ? it->get<std::uint64_t>() : static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
}

double num(const codec::Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

/// A recent event in one line: its type, the instrument it is about and a
/// few of its numbers, as the codec named them.
std::string summary(const codec::Json& event) {
    std::string out = str(event, "type");
    const auto& f = at(event, "frame");
    if (!f.is_object()) return out + (at(event, "truncated") == true ? " (large)" : "");
    const auto* frame = &f;
    for (const char* id : {"instrument_id", "base_id", "pool_id", "base_instrument"}) {
        if (at(*frame, id).is_object()) {
            out += "  " + str(at(*frame, id), "text");
            break;
        }
    }
    for (const char* key : {"side_name", "status_name", "exec_type_name", "client_order_id", "price", "quantity",
                            "last_price", "last_quantity", "spread_bps", "estimated_profit"}) {
        if (frame->contains(key)) out += std::string("  ") + key + "=" + str(*frame, key);
    }
    return out;
}

} // namespace

std::string renderTopText(const codec::Json& s, const TopTextOptions& options) {
    Screen screen(options.ansi);
    const auto& dashboard = at(s, "dashboard");
    screen.line("alphapulse top   %.1f s   %llu frames   config %s", num(s, "elapsed_s"),
                static_cast<unsigned long long>(u64(s, "frames")),
                str(dashboard, "config", "").empty() ? "(default)" : str(dashboard, "config").c_str());

    screen.heading("DOMAIN        TRANSPORT      STATE          FRAMES    FRAMES/s  GAPS  RECONN  RELAY_IN   RELAY_OUT  DROPS");
    const auto& relays = at(s, "relays");
    for (const auto& d : at(s, "domains")) {
        const std::string name = str(d, "name");
        std::string relayIn = "-", relayOut = "-", drops = "-";
        for (const auto& r : relays) {
            if (str(r, "domain") != name || !at(r, "ok") == true) continue;
            relayIn = std::to_string(u64(at(r, "stats"), "frames_in"));
            relayOut = std::to_string(u64(at(r, "stats"), "frames_out"));
            drops = std::to_string(u64(r, "drops_total"));
        }
        const bool connected = at(d, "connected") == true;
        screen.line("%-13s %-14s %-12s %10llu %11.1f %5llu %7llu  %-10s %-10s %s", name.c_str(),
                    str(d, "transport").c_str(), connected ? "connected" : "disconnected",
                    static_cast<unsigned long long>(u64(d, "frames")), num(d, "rate"),
                    static_cast<unsigned long long>(u64(d, "gaps")),
                    static_cast<unsigned long long>(u64(d, "reconnects")), relayIn.c_str(), relayOut.c_str(),
                    drops.c_str());
    }

    const auto& latency = at(s, "latency");
    screen.heading("LATENCY (last " + str(latency, "window_s") +
                   " s, us)    COUNT      p50       p90       p99     p99.9       max  STALE_TS");
    const auto latencyRow = [&](const std::string& name, const codec::Json& l) {
        screen.line("%-22s %8llu %9.1f %9.1f %9.1f %9.1f %9.1f  %llu", name.c_str(),
                    static_cast<unsigned long long>(u64(l, "count")), num(l, "p50_us"), num(l, "p90_us"),
                    num(l, "p99_us"), num(l, "p999_us"), num(l, "max_us"),
                    static_cast<unsigned long long>(u64(l, "stale_timestamps")));
    };
    latencyRow("all", at(latency, "all"));
    for (const auto& [name, l] : at(latency, "by_domain").items()) latencyRow(name, l);

    screen.heading("TYPE                    DOMAIN         FRAMES    FRAMES/s");
    std::size_t rows = 0;
    for (const auto& t : at(s, "types")) {
        if (rows++ == options.maxRows) break;
        screen.line("%-23s %-12s %10llu %11.1f", str(t, "name").c_str(), str(t, "domain").c_str(),
                    static_cast<unsigned long long>(u64(t, "frames")), num(t, "rate"));
    }

    const auto& instruments = at(s, "instruments");
    screen.heading("INSTRUMENT (" + std::to_string(instruments.size()) +
                   ")                              BID            ASK           LAST   UPDATES");
    rows = 0;
    for (const auto& i : instruments) {
        if (rows++ == options.maxRows) break;
        const auto price = [&](const char* key) {
            char buf[32];
            if (!i.contains(key)) return std::string("-");
            std::snprintf(buf, sizeof buf, "%.8g", num(i, key));
            return std::string(buf);
        };
        screen.line("%-40s %14s %14s %14s %9llu", str(i, "instrument").substr(0, 40).c_str(), price("bid").c_str(),
                    price("ask").c_str(), price("last").c_str(),
                    static_cast<unsigned long long>(u64(i, "quotes") + u64(i, "trades")));
    }

    for (const auto& [key, title] : {std::pair{"signals", "SIGNALS"}, std::pair{"orders", "ORDERS"},
                                     std::pair{"fills", "FILLS"}, std::pair{"execution_reports", "EXECUTION REPORTS"}}) {
        const auto& events = at(s, key);
        screen.heading(std::string(title) + " (latest " + std::to_string(events.size()) + ")");
        rows = 0;
        for (const auto& e : events) {
            if (rows++ == options.maxRows / 2) break;
            screen.line("  %s", summary(e).substr(0, 150).c_str());
        }
    }
    return screen.take();
}

} // namespace alphapulse::dashboard
