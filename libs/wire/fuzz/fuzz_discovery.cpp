// Fuzz target: discovery messages (W6). Two halves per input:
//  1. the raw bytes as a frame: DiscoveryView::parse and every accessor,
//     then the same bytes as the body of a discovery frame with a correct
//     header and checksum (so the fuzzer reaches the content rules directly);
//  2. the bytes as a DiscoveryInfo for buildDiscovery: whatever the builder
//     accepts, the parser must accept and read back unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_common.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::fuzz;

namespace {

/// consumeDiscovery, plus the header, the symbol_len byte and every metadata entry.
void consumeDiscoveryFrame(const DiscoveryView& d) {
    consumeFrame(d.frame());
    consumeDiscovery(d);
    ALPHAPULSE_FUZZ_CHECK(d.symbol().size() == d.frame().data()[InstrumentDiscoveredLayout::OFFSET_symbol_len]);
    TlvReader reader = d.metadataEntries();
    TlvEntry e;
    while (reader.next(e)) touchBytes(e.value, e.length);
    ALPHAPULSE_FUZZ_CHECK(reader.error() == WireError::Ok);
}

void parseRaw(const std::uint8_t* data, std::size_t size) {
    for (const bool verify : {true, false}) {
        const auto d = DiscoveryView::parse(data, size, verify);
        if (d) {
            consumeDiscoveryFrame(*d);
            ALPHAPULSE_FUZZ_CHECK(validateDiscovery(d->frame().data(), d->frame().size()) == WireError::Ok);
        }
    }
}

/// The input as a discovery body (bytes 32..) under a valid header.
void parseWrapped(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size - 1 > header::DEFAULT_MAX_PAYLOAD) return;
    const bool pool = (data[0] & 1) != 0;
    std::vector<std::uint8_t> frame(header::SIZE + size - 1);
    MessageHeader h;
    h.messageType = static_cast<std::uint8_t>(pool ? MessageType::PoolDiscovered : MessageType::InstrumentDiscovered);
    h.payloadSize = static_cast<std::uint32_t>(size - 1);
    h.write(frame.data());
    if (size > 1) std::memcpy(frame.data() + header::SIZE, data + 1, size - 1);
    sealFrame(frame.data(), frame.size());
    const auto d = DiscoveryView::parse(frame.data(), frame.size(), true);
    const WireError rules = frame.size() >= InstrumentDiscoveredLayout::SIZE
                                ? validateDiscovery(frame.data(), frame.size())
                                : WireError::BadSize;
    ALPHAPULSE_FUZZ_CHECK(d.ok() == (rules == WireError::Ok));
    if (d) consumeDiscoveryFrame(*d);
}

EvmAddress takeAddress(FuzzedDataProvider& in) {
    EvmAddress a{};
    const auto bytes = in.ConsumeBytes<std::uint8_t>(a.size());
    if (!bytes.empty()) std::memcpy(a.data(), bytes.data(), bytes.size());
    return a;
}

InstrumentId idFor(FuzzedDataProvider& in, const EvmAddress& address, bool pool) {
    if (in.ConsumeBool()) {
        // Arbitrary 12 bytes: the builder must refuse what the parser would refuse.
        const auto bytes = in.ConsumeBytes<std::uint8_t>(InstrumentId::SIZE);
        std::uint8_t raw[InstrumentId::SIZE]{};
        if (!bytes.empty()) std::memcpy(raw, bytes.data(), bytes.size());
        return InstrumentId::read(raw);
    }
    const auto id = InstrumentId::fromAddress(pool ? VenueId::UniswapV3 : VenueId::Ethereum,
                                              pool ? AssetType::Pool : AssetType::Token, address);
    return id ? *id : InstrumentId{};
}

void buildRoundTrip(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in{data, size};
    DiscoveryInfo info;
    const bool pool = in.ConsumeBool();
    const EvmAddress address = takeAddress(in);
    info.id = idFor(in, address, pool);
    info.decimals = in.ConsumeIntegral<std::uint8_t>();
    const std::string symbol = in.ConsumeRandomLengthString(300);
    const std::string name = in.ConsumeRandomLengthString(300);
    info.symbol = symbol;
    info.name = name;
    if (in.ConsumeBool()) info.address = address;
    if (in.ConsumeBool()) info.chainId = in.ConsumeIntegral<std::uint64_t>();
    if (pool) {
        DiscoveryInfo::Pool p;
        p.token0Address = takeAddress(in);
        p.token1Address = takeAddress(in);
        p.token0 = idFor(in, p.token0Address, false);
        p.token1 = idFor(in, p.token1Address, false);
        p.feeTier = in.ConsumeIntegral<std::uint32_t>();
        info.pool = p;
    }
    std::vector<std::uint8_t> buffer(in.ConsumeIntegralInRange<std::size_t>(0, 1024));
    const auto built = buildDiscovery(buffer.data(), buffer.size(), info, 5, 6, 7);
    if (!built) return;
    ALPHAPULSE_FUZZ_CHECK(*built <= buffer.size());
    const auto d = DiscoveryView::parse(buffer.data(), *built, true);
    ALPHAPULSE_FUZZ_CHECK(d.ok()); // what the builder writes, the parser accepts
    consumeDiscoveryFrame(*d);
    ALPHAPULSE_FUZZ_CHECK(d->isPool() == pool);
    ALPHAPULSE_FUZZ_CHECK(d->instrumentId() == info.id);
    ALPHAPULSE_FUZZ_CHECK(d->decimals() == info.decimals);
    ALPHAPULSE_FUZZ_CHECK(d->symbol() == info.symbol);
    ALPHAPULSE_FUZZ_CHECK(d->name() == info.name);
    ALPHAPULSE_FUZZ_CHECK(d->address() == info.address);
    ALPHAPULSE_FUZZ_CHECK(d->chainId() == info.chainId);
    ALPHAPULSE_FUZZ_CHECK(d->frame().sequence() == 6 && d->frame().timestamp() == 7 && d->frame().source() == 5);
    if (pool) {
        const auto t = d->poolTokens();
        ALPHAPULSE_FUZZ_CHECK(t.has_value());
        ALPHAPULSE_FUZZ_CHECK(t->token0_id() == info.pool->token0 && t->token1_id() == info.pool->token1);
        ALPHAPULSE_FUZZ_CHECK(t->fee_tier() == info.pool->feeTier);
        ALPHAPULSE_FUZZ_CHECK(std::memcmp(t->token0_address().data(), info.pool->token0Address.data(), 20) == 0);
        ALPHAPULSE_FUZZ_CHECK(std::memcmp(t->token1_address().data(), info.pool->token1Address.data(), 20) == 0);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    parseRaw(data, size);
    parseWrapped(data, size);
    buildRoundTrip(data, size);
    return 0;
}
