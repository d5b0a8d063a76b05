// Registering schemas while other threads process frames (run it under
// ThreadSanitizer too: -DALPHAPULSE_SANITIZE=thread).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "alphapulse/schema/registry.hpp"
#include "alphapulse/schema/transform_cache.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::schema {
namespace {

constexpr int FIRST_TYPE = 201;
constexpr int LAST_TYPE = 255;

SchemaSpec customSchema(int type) {
    SchemaSpec spec;
    spec.name = "Custom" + std::to_string(type);
    spec.type = static_cast<std::uint8_t>(type);
    spec.domain = wire::Domain::Custom;
    spec.fields = {FieldSpec{"instrument_id", wire::FieldKind::Instrument, 12, 32, wire::EnumKind::None},
                   FieldSpec{"value", wire::FieldKind::U64, 8, 44, wire::EnumKind::None},
                   FieldSpec{"label", wire::FieldKind::Text, 12, 52, wire::EnumKind::None}};
    return spec;
}

std::vector<std::uint8_t> frameOf(int type) {
    std::vector<std::uint8_t> frame(64, 0);
    wire::MessageHeader h;
    h.messageType = static_cast<std::uint8_t>(type);
    h.payloadSize = 32;
    h.write(frame.data());
    const auto id = wire::InstrumentId::stock(wire::VenueId::NYSE, "IBM");
    id->write(frame.data() + 32);
    frame[52] = 'x';
    wire::sealFrame(frame.data(), frame.size());
    return frame;
}

std::vector<std::uint8_t> tradeFrame() {
    std::vector<std::uint8_t> frame(wire::TradeLayout::SIZE);
    auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
    b.instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL")).price(1).volume(2).side(1);
    static_cast<void>(b.finish());
    return frame;
}

TEST(RegistryConcurrency, RegistrationWhileOtherThreadsProcessFrames) {
    SchemaRegistry registry;
    std::vector<std::vector<std::uint8_t>> frames;
    for (int t = FIRST_TYPE; t <= LAST_TYPE; ++t) frames.push_back(frameOf(t));
    const auto trade = tradeFrame();
    std::atomic<bool> done{false};
    std::atomic<int> violations{0};

    const auto process = [&] {
        SchemaTransformCache cache{registry};
        std::vector<bool> seen(frames.size(), false);
        // Keep going until one whole round has started after the writer was
        // seen done: by then every schema is registered and must be found.
        for (bool last = false; !last;) {
            last = done.load(std::memory_order_acquire);
            for (std::size_t i = 0; i < frames.size(); ++i) {
                const ProcessResult r = cache.processMessage(frames[i].data(), frames[i].size());
                if (r.ok()) {
                    // A registered layout is complete when seen.
                    if (r.layout->fields.size() != 3 || r.layout->fields[2].name != "label" || r.layout->size != 64) {
                        violations.fetch_add(1);
                    }
                    seen[i] = true;
                } else if (seen[i] || (r.error != wire::WireError::UnknownType && r.error != wire::WireError::UnknownVersion)) {
                    violations.fetch_add(1); // once registered, never unknown again
                }
                if (!cache.processMessage(trade.data(), trade.size()).ok()) violations.fetch_add(1);
            }
        }
        for (std::size_t i = 0; i < frames.size(); ++i) {
            if (!seen[i]) violations.fetch_add(1);
        }
        // Every custom schema names no cache key: nothing cached.
        if (cache.objects().size() != 0) violations.fetch_add(1);
    };

    std::vector<std::thread> readers;
    for (int i = 0; i < 3; ++i) readers.emplace_back(process);
    std::thread writer{[&] {
        for (int t = FIRST_TYPE; t <= LAST_TYPE; ++t) {
            const RegisterResult r = registry.registerSchema(customSchema(t));
            if (!r || !r.added) violations.fetch_add(1);
            // Racing duplicates and conflicts from the same thread and another.
            if (registry.registerSchema(customSchema(t)).added) violations.fetch_add(1);
            std::this_thread::yield();
        }
        done.store(true, std::memory_order_release);
    }};
    std::thread rival{[&] {
        for (int t = FIRST_TYPE; t <= LAST_TYPE; ++t) {
            SchemaSpec other = customSchema(t);
            other.version = 2;
            (void)registry.registerSchema(other);
            (void)registry.dynamicLayouts();
        }
    }};
    writer.join();
    rival.join();
    for (auto& r : readers) r.join();
    EXPECT_EQ(violations.load(), 0);
    EXPECT_EQ(registry.dynamicLayouts().size(), 2u * (LAST_TYPE - FIRST_TYPE + 1));
}

} // namespace
} // namespace alphapulse::schema
