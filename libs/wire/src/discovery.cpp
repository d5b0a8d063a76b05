#include "alphapulse/wire/discovery.hpp"

#include <array>

#include "alphapulse/wire/detail/text.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::wire {
namespace {

using L = InstrumentDiscoveredLayout;

constexpr std::array<const TlvLayout*, 3> META_LAYOUTS{
    &AddressMetaLayout::INFO, &ChainIdMetaLayout::INFO, &PoolTokensMetaLayout::INFO};

bool addressMatches(const InstrumentId& id, const std::uint8_t* address) noexcept {
    return id.assetId == loadBe64(address + 12);
}

bool isAddressKeyed(const InstrumentId& id) noexcept {
    return id.assetType == static_cast<std::uint8_t>(AssetType::Token) ||
           id.assetType == static_cast<std::uint8_t>(AssetType::Pool);
}

} // namespace

const TlvLayout* findDiscoveryMetaLayout(std::uint8_t type) noexcept {
    for (const TlvLayout* layout : META_LAYOUTS) {
        if (layout->type == type) return layout;
    }
    return nullptr;
}

std::span<const TlvLayout* const> allDiscoveryMetaLayouts() noexcept { return META_LAYOUTS; }

WireError validateDiscovery(const std::uint8_t* frame, std::size_t frameLen) noexcept {
    if (frameLen < L::SIZE) return WireError::BadSize;
    const std::size_t symbolLen = frame[L::OFFSET_symbol_len];
    const std::size_t metadataLen = loadLe<std::uint16_t>(frame + L::OFFSET_metadata_len);
    if (frameLen != L::SIZE + symbolLen + metadataLen) return WireError::BadLength;
    if (!isValidUtf8(frame + L::SIZE, symbolLen)) return WireError::InvalidUtf8;

    const std::uint8_t* meta = frame + L::SIZE + symbolLen;
    if (const auto err = validateTlv(meta, metadataLen, &findDiscoveryMetaLayout); err != WireError::Ok) return err;

    const InstrumentId id = InstrumentId::read(frame + L::OFFSET_instrument_id);
    const bool isPool = frame[header::MESSAGE_TYPE_OFFSET] == static_cast<std::uint8_t>(MessageType::PoolDiscovered);
    bool sawPoolTokens = false;
    TlvReader reader{meta, metadataLen};
    TlvEntry entry;
    while (reader.next(entry)) {
        switch (static_cast<DiscoveryMeta>(entry.type)) {
        case DiscoveryMeta::Address:
            if (isAddressKeyed(id) && !addressMatches(id, entry.value)) return WireError::IdMismatch;
            break;
        case DiscoveryMeta::Name:
            if (!isValidUtf8(entry.value, entry.length)) return WireError::InvalidUtf8;
            break;
        case DiscoveryMeta::PoolTokens: {
            const auto pool = *PoolTokensMetaView::of(entry);
            if (!addressMatches(pool.token0_id(), pool.token0_address().data()) ||
                !addressMatches(pool.token1_id(), pool.token1_address().data())) {
                return WireError::IdMismatch;
            }
            sawPoolTokens = true;
            break;
        }
        case DiscoveryMeta::ChainId:
            break;
        }
    }
    if (isPool && !sawPoolTokens) return WireError::BadTlv;
    return WireError::Ok;
}

Expected<DiscoveryView> DiscoveryView::parse(const std::uint8_t* data, std::size_t available, bool verifyChecksum,
                                             std::uint32_t maxPayload) noexcept {
    const auto frame = parseFrame(data, available, ParseOptions{verifyChecksum, maxPayload});
    if (!frame) return frame.error();
    const auto type = frame->messageType();
    if (type != static_cast<std::uint8_t>(MessageType::InstrumentDiscovered) &&
        type != static_cast<std::uint8_t>(MessageType::PoolDiscovered)) {
        return WireError::WrongType;
    }
    return DiscoveryView{*frame};
}

std::string_view DiscoveryView::symbol() const noexcept {
    return {reinterpret_cast<const char*>(m_frame.data() + L::SIZE), m_frame.data()[L::OFFSET_symbol_len]};
}

const std::uint8_t* DiscoveryView::metadata() const noexcept {
    return m_frame.data() + L::SIZE + m_frame.data()[L::OFFSET_symbol_len];
}

std::size_t DiscoveryView::metadataLen() const noexcept {
    return loadLe<std::uint16_t>(m_frame.data() + L::OFFSET_metadata_len);
}

std::optional<EvmAddress> DiscoveryView::address() const noexcept {
    const TlvEntry e = findTlv(metadata(), metadataLen(), static_cast<std::uint8_t>(DiscoveryMeta::Address));
    const auto view = AddressMetaView::of(e);
    if (!view) return std::nullopt;
    EvmAddress out{};
    std::memcpy(out.data(), view->address().data(), out.size());
    return out;
}

std::string_view DiscoveryView::name() const noexcept {
    const TlvEntry e = findTlv(metadata(), metadataLen(), static_cast<std::uint8_t>(DiscoveryMeta::Name));
    if (e.value == nullptr) return {};
    return {reinterpret_cast<const char*>(e.value), e.length};
}

std::optional<std::uint64_t> DiscoveryView::chainId() const noexcept {
    const TlvEntry e = findTlv(metadata(), metadataLen(), static_cast<std::uint8_t>(DiscoveryMeta::ChainId));
    const auto view = ChainIdMetaView::of(e);
    if (!view) return std::nullopt;
    return view->chain_id();
}

std::optional<PoolTokensMetaView> DiscoveryView::poolTokens() const noexcept {
    const TlvEntry e = findTlv(metadata(), metadataLen(), static_cast<std::uint8_t>(DiscoveryMeta::PoolTokens));
    const auto view = PoolTokensMetaView::of(e);
    if (!view) return std::nullopt;
    return *view;
}

Expected<std::size_t> buildDiscovery(std::uint8_t* buffer, std::size_t capacity, const DiscoveryInfo& info,
                                     std::uint8_t source, std::uint64_t sequence, std::uint64_t timestamp) noexcept {
    if (info.symbol.size() > 0xFF || info.name.size() > TLV_MAX_VALUE) return WireError::ValueOutOfRange;
    if (!isValidUtf8(info.symbol) || !isValidUtf8(info.name)) {
        return WireError::InvalidUtf8;
    }
    if (info.address && isAddressKeyed(info.id) && !addressMatches(info.id, info.address->data())) {
        return WireError::IdMismatch;
    }
    // Both discovery messages share one layout; the type byte tells them apart.
    auto builder = InstrumentDiscoveredBuilder::into(buffer, capacity);
    if (!builder) return builder.error();
    auto b = *builder;
    if (info.pool) buffer[header::MESSAGE_TYPE_OFFSET] = static_cast<std::uint8_t>(MessageType::PoolDiscovered);
    b.source(source).sequence(sequence).timestamp(timestamp);
    b.instrument_id(info.id).decimals(info.decimals).symbol_len(static_cast<std::uint8_t>(info.symbol.size()));

    if (info.symbol.size() > capacity - L::SIZE) return WireError::BufferTooSmall;
    std::memcpy(b.tail(), info.symbol.data(), info.symbol.size());
    std::uint8_t* meta = b.tail() + info.symbol.size();
    TlvWriter writer{meta, capacity - L::SIZE - info.symbol.size()};
    if (info.address) {
        if (const auto err = writer.append(static_cast<std::uint8_t>(DiscoveryMeta::Address), info.address->data(),
                                           info.address->size());
            err != WireError::Ok) {
            return err;
        }
    }
    if (!info.name.empty()) {
        if (const auto err = writer.append(static_cast<std::uint8_t>(DiscoveryMeta::Name),
                                           reinterpret_cast<const std::uint8_t*>(info.name.data()), info.name.size());
            err != WireError::Ok) {
            return err;
        }
    }
    if (info.chainId) {
        auto chain = ChainIdMetaBuilder::in(writer);
        if (!chain) return chain.error();
        auto c = *chain;
        c.chain_id(*info.chainId);
    }
    if (info.pool) {
        const auto& pool = *info.pool;
        if (!addressMatches(pool.token0, pool.token0Address.data()) ||
            !addressMatches(pool.token1, pool.token1Address.data())) {
            return WireError::IdMismatch;
        }
        auto tokens = PoolTokensMetaBuilder::in(writer);
        if (!tokens) return tokens.error();
        auto t = *tokens;
        t.token0_id(pool.token0).token1_id(pool.token1);
        t.token0_address(pool.token0Address).token1_address(pool.token1Address).fee_tier(pool.feeTier);
    }
    if (writer.size() > 0xFFFF) return WireError::ValueOutOfRange;
    b.metadata_len(static_cast<std::uint16_t>(writer.size()));
    return b.finishWithTail(info.symbol.size() + writer.size());
}

} // namespace alphapulse::wire
