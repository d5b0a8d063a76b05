#include "alphapulse/nats/nats_options.hpp"

#include <charconv>
#include <ctime>

#include "alphapulse/nats/subjects.hpp"

namespace alphapulse::nats {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

/// RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)) to
/// nanoseconds since the epoch.
std::optional<std::int64_t> parseRfc3339(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) ||
        text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
        !digits(text, 17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::size_t at = 19;
    std::int64_t fractionNs = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t scale = 100'000'000;
        const std::size_t start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            fractionNs += scale * (text[at] - '0');
            scale /= 10;
            ++at;
        }
        if (at == start) return std::nullopt;
    }
    std::int64_t offsetSeconds = 0;
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        int oh = 0, om = 0;
        if (!digits(text, at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
            !digits(text, at + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offsetSeconds = (text[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        at += 6;
    } else {
        return std::nullopt; // RFC 3339 requires the offset
    }
    if (at != text.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const std::time_t seconds = ::timegm(&tm);
    return (static_cast<std::int64_t>(seconds) - offsetSeconds) * 1'000'000'000 + fractionNs;
}

} // namespace

std::optional<DeliverPolicy> parseDeliver(std::string_view text, std::string* error) {
    DeliverPolicy policy;
    const auto fail = [&](std::string why) -> std::optional<DeliverPolicy> {
        if (error != nullptr) *error = std::move(why);
        return std::nullopt;
    };
    if (text == "all") {
        policy.kind = DeliverPolicy::Kind::All;
    } else if (text == "new") {
        policy.kind = DeliverPolicy::Kind::New;
    } else if (text == "last") {
        policy.kind = DeliverPolicy::Kind::Last;
    } else if (text.starts_with("sequence:")) {
        const std::string_view number = text.substr(9);
        std::uint64_t seq = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seq);
        if (ec != std::errc{} || end != number.data() + number.size() || seq == 0) {
            return fail("deliver: '" + std::string(text) + "': the sequence must be a whole number >= 1");
        }
        policy.kind = DeliverPolicy::Kind::Sequence;
        policy.sequence = seq;
    } else if (text.starts_with("time:")) {
        const auto ns = parseRfc3339(text.substr(5));
        if (!ns) {
            return fail("deliver: '" + std::string(text) +
                        "': expected an RFC 3339 time such as time:2026-11-26T12:00:00Z");
        }
        policy.kind = DeliverPolicy::Kind::Time;
        policy.timeNs = *ns;
    } else {
        return fail("deliver: '" + std::string(text) +
                    "' is not one of all, new, last, sequence:<n>, time:<RFC 3339>");
    }
    return policy;
}

std::string deliverText(const DeliverPolicy& policy) {
    switch (policy.kind) {
    case DeliverPolicy::Kind::All: return "all";
    case DeliverPolicy::Kind::New: return "new";
    case DeliverPolicy::Kind::Last: return "last";
    case DeliverPolicy::Kind::Sequence: return "sequence:" + std::to_string(policy.sequence);
    case DeliverPolicy::Kind::Time: {
        const std::time_t seconds = static_cast<std::time_t>(policy.timeNs / 1'000'000'000);
        std::tm tm{};
        ::gmtime_r(&seconds, &tm);
        char buffer[64];
        const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
        std::string out = "time:" + std::string(buffer, n);
        if (const auto frac = policy.timeNs % 1'000'000'000; frac != 0) {
            char f[16];
            std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
            out += f;
        }
        return out + "Z";
    }
    }
    return "new";
}

std::string checkOptions(const NatsOptions& options) {
    if (options.servers.empty()) return "no NATS server is listed";
    for (const auto& server : options.servers) {
        if (server.empty()) return "an empty NATS server URL";
    }
    if (auto why = checkSubjectPrefix(options.subjectPrefix); !why.empty()) return why;
    if (options.domain == wire::Domain::None) return "the bus needs a domain";
    if (!options.password.empty() && options.user.empty()) return "password without user";
    if (!options.token.empty() && !options.user.empty()) return "give either user/password or token";
    if (!options.tls && (!options.tlsCertFile.empty() || !options.tlsKeyFile.empty() || !options.tlsCaFile.empty())) {
        // A CA or certificate means the user wants TLS; say so rather than send in clear.
        return "TLS files are given but tls is off";
    }
    if (options.tlsCertFile.empty() != options.tlsKeyFile.empty()) return "tls needs both cert_file and key_file";
    for (const auto type : options.customTypes) {
        if (type < 200) return "custom type " + std::to_string(type) + " is not in 200-255";
    }
    if (options.receiveQueueFrames == 0) return "receive_queue_frames must be > 0";
    const auto& js = options.jetstream;
    if (js.enabled) {
        if (js.replicas < 1 || js.replicas > 5) return "jetstream replicas must be 1-5";
        for (const char c : js.stream) {
            if (c == '.' || c == '*' || c == '>' || c == ' ') return "jetstream stream '" + js.stream + "' has '" + c + "'";
        }
        for (const char c : js.durable) {
            if (c == '.' || c == '*' || c == '>' || c == ' ') return "jetstream durable '" + js.durable + "' has '" + c + "'";
        }
        if (js.ack && js.maxInflight == 0) return "jetstream max_inflight must be > 0";
    }
    return {};
}

void applyPolicy(NatsOptions& options, const transport::DomainRules& rules, bool dropWhenFull) {
    options.domain = rules.domain;
    options.customTypes = rules.customTypes;
    options.validateChecksums = rules.validateChecksums;
    options.requireSequence = rules.requireSequence;
    options.maxPayload = rules.maxPayload;
    options.dropWhenFull = dropWhenFull;
}

} // namespace alphapulse::nats
