#include "alphapulse/client/resume_state.hpp"

#include "alphapulse/wire/subscribe.hpp"

namespace alphapulse::client {

namespace subscribe = wire::subscribe;

void ResumeState::delivered(const wire::FrameView& frame) noexcept {
    const std::uint8_t source = frame.source();
    if (isRelaySource(source)) return;
    m_last[source] = frame.sequence();
    m_seen.set(source);
}

bool ResumeState::control(const wire::FrameView& frame) noexcept {
    if (frame.messageType() != static_cast<std::uint8_t>(wire::MessageType::Snapshot) || !isRelaySource(frame.source())) {
        return false;
    }
    const auto view = wire::SnapshotView::parse(frame.data(), frame.size(), /*verifyChecksum=*/false);
    if (!view) return true;
    switch (view->phase()) {
    case subscribe::PHASE_BEGIN:
        // The first connection's relay clock: unlisted sources are resent from then on.
        if (m_sinceNs == 0) m_sinceNs = frame.timestamp();
        break;
    case subscribe::PHASE_END:
        ++m_catchUps;
        m_resent += view->item_count();
        break;
    default: break;
    }
    return true;
}

std::size_t ResumeState::buildSubscribe(std::uint8_t* buffer, std::size_t capacity, const std::bitset<256>& types,
                                        std::uint8_t extraFlags) const noexcept {
    std::array<std::uint8_t, 32> mask{};
    for (std::size_t t = 0; t < 256; ++t) {
        if (types.test(t)) mask[t / 8] = static_cast<std::uint8_t>(mask[t / 8] | (1U << (t % 8)));
    }
    std::array<subscribe::ResumePoint, subscribe::MAX_ENTRIES> points{};
    std::size_t count = 0;
    for (std::size_t s = m_seen._Find_first(); s < 256; s = m_seen._Find_next(s)) {
        points[count++] = {static_cast<std::uint8_t>(s), m_last[s]};
    }
    return subscribe::build(buffer, capacity, mask, static_cast<std::uint8_t>(subscribe::FLAG_RESUME | extraFlags),
                            m_sinceNs, {points.data(), count});
}

} // namespace alphapulse::client
