#include "random_frames.hpp"

#include <algorithm>
#include <string>

#include "alphapulse/wire.hpp"

namespace alphapulse::codec::test {
namespace {

using namespace alphapulse::wire;

std::uint8_t randomByte(std::mt19937_64& rng) { return static_cast<std::uint8_t>(rng()); }

void fillRandom(std::uint8_t* p, std::size_t n, std::mt19937_64& rng) {
    for (std::size_t i = 0; i < n; ++i) p[i] = randomByte(rng);
}

std::string randomText(std::size_t maxBytes, std::mt19937_64& rng) {
    std::string out;
    const std::size_t target = rng() % (maxBytes + 1);
    while (out.size() < target) {
        if (rng() % 8 == 0 && target - out.size() >= 2) {
            out += "\xC3\xA9"; // é: keep multi-byte UTF-8 in the mix
        } else {
            out.push_back(static_cast<char>(' ' + rng() % 95));
        }
    }
    return out;
}

void fillFields(std::span<const FieldDescriptor> fields, std::uint8_t* base, std::mt19937_64& rng, bool nonzeroPadding) {
    for (const auto& field : fields) {
        std::uint8_t* p = base + field.offset;
        if (field.kind == FieldKind::Text) {
            const std::string text = randomText(field.size, rng);
            std::memset(p, 0, field.size);
            std::memcpy(p, text.data(), text.size());
        } else if (field.kind == FieldKind::Padding) {
            if (nonzeroPadding) fillRandom(p, field.size, rng);
        } else {
            fillRandom(p, field.size, rng);
        }
    }
}

void setU16(const MessageLayout& layout, std::string_view name, std::uint8_t* frame, std::size_t value) {
    const auto* field = findField(layout, name);
    storeLe<std::uint16_t>(frame + field->offset, static_cast<std::uint16_t>(value));
}

void appendEntry(std::vector<std::uint8_t>& out, const TlvLayout& layout, std::mt19937_64& rng, bool nonzeroPadding) {
    const std::size_t start = out.size();
    out.resize(start + TLV_HEADER_SIZE + layout.length, 0);
    out[start] = layout.type;
    out[start + 1] = layout.length;
    fillFields(layout.fields, out.data() + start, rng, nonzeroPadding);
}

void appendRaw(std::vector<std::uint8_t>& out, std::uint8_t type, const std::vector<std::uint8_t>& value) {
    out.push_back(type);
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
}

std::vector<std::uint8_t> randomBytes(std::size_t n, std::mt19937_64& rng) {
    std::vector<std::uint8_t> out(n);
    fillRandom(out.data(), n, rng);
    return out;
}

InstrumentId idFor(const std::uint8_t* address, AssetType type, std::mt19937_64& rng) {
    return InstrumentId{static_cast<std::uint16_t>(rng()), static_cast<std::uint8_t>(type), 0, loadBe64(address + 12)};
}

void appendExtensions(std::vector<std::uint8_t>& frame, std::mt19937_64& rng, bool nonzeroPadding) {
    std::vector<std::vector<std::uint8_t>> entries;
    for (const TlvLayout* layout : allExtensionLayouts()) {
        std::vector<std::uint8_t> entry;
        appendEntry(entry, *layout, rng, nonzeroPadding);
        entries.push_back(std::move(entry));
    }
    for (const std::uint8_t unknown : {std::uint8_t{4}, std::uint8_t{77}, std::uint8_t{200}}) {
        std::vector<std::uint8_t> entry;
        appendRaw(entry, unknown, randomBytes(rng() % 40, rng));
        entries.push_back(std::move(entry));
    }
    std::shuffle(entries.begin(), entries.end(), rng);
    entries.resize(rng() % (entries.size() + 1));
    for (const auto& entry : entries) frame.insert(frame.end(), entry.begin(), entry.end());
}

void appendDiscovery(const MessageLayout& layout, std::vector<std::uint8_t>& frame, std::mt19937_64& rng) {
    const bool isPool = layout.type == static_cast<std::uint8_t>(MessageType::PoolDiscovered);
    const auto address = randomBytes(20, rng);
    idFor(address.data(), isPool ? AssetType::Pool : AssetType::Token, rng)
        .write(frame.data() + InstrumentDiscoveredLayout::OFFSET_instrument_id);
    const std::string symbol = randomText(12, rng);
    frame.insert(frame.end(), symbol.begin(), symbol.end());

    std::vector<std::uint8_t> meta;
    appendRaw(meta, static_cast<std::uint8_t>(DiscoveryMeta::Address), address);
    const std::string name = randomText(40, rng);
    appendRaw(meta, static_cast<std::uint8_t>(DiscoveryMeta::Name), {name.begin(), name.end()});
    appendRaw(meta, static_cast<std::uint8_t>(DiscoveryMeta::ChainId), randomBytes(8, rng));
    if (isPool || rng() % 2 == 0) {
        const auto token0 = randomBytes(20, rng);
        const auto token1 = randomBytes(20, rng);
        std::vector<std::uint8_t> tokens(PoolTokensMetaLayout::LENGTH);
        idFor(token0.data(), AssetType::Token, rng).write(tokens.data());
        idFor(token1.data(), AssetType::Token, rng).write(tokens.data() + 12);
        std::copy(token0.begin(), token0.end(), tokens.begin() + 24);
        std::copy(token1.begin(), token1.end(), tokens.begin() + 44);
        storeLe<std::uint32_t>(tokens.data() + 64, static_cast<std::uint32_t>(rng()));
        appendRaw(meta, static_cast<std::uint8_t>(DiscoveryMeta::PoolTokens), tokens);
    }
    appendRaw(meta, 9, randomBytes(rng() % 30, rng)); // a type this version does not know
    frame.insert(frame.end(), meta.begin(), meta.end());
    frame[findField(layout, "symbol_len")->offset] = static_cast<std::uint8_t>(symbol.size());
    setU16(layout, "metadata_len", frame.data(), meta.size());
}

} // namespace

std::vector<std::uint8_t> randomFrame(const MessageLayout& layout, std::mt19937_64& rng, bool nonzeroPadding) {
    std::vector<std::uint8_t> frame(layout.size, 0);
    MessageHeader h;
    h.messageType = layout.type;
    h.version = layout.version;
    h.source = randomByte(rng);
    h.flags = randomByte(rng);
    h.sequence = rng();
    h.timestamp = rng();
    fillFields(layout.fields, frame.data(), rng, nonzeroPadding);

    switch (layout.rule) {
    case SizeRule::Fixed:
        break;
    case SizeRule::Tlv:
        appendExtensions(frame, rng, nonzeroPadding);
        setU16(layout, "tlv_offset", frame.data(), layout.size);
        setU16(layout, "tlv_length", frame.data(), frame.size() - layout.size);
        break;
    case SizeRule::Discovery:
        appendDiscovery(layout, frame, rng);
        break;
    case SizeRule::Levels: {
        const std::size_t bids = rng() % 6;
        const std::size_t asks = rng() % 6;
        const auto levels = randomBytes((bids + asks) * BookLevel::SIZE, rng);
        frame.insert(frame.end(), levels.begin(), levels.end());
        setU16(layout, "bid_count", frame.data(), bids);
        setU16(layout, "ask_count", frame.data(), asks);
        break;
    }
    case SizeRule::Opaque: {
        const auto data = randomBytes(rng() % 100, rng);
        frame.insert(frame.end(), data.begin(), data.end());
        break;
    }
    }
    h.payloadSize = static_cast<std::uint32_t>(frame.size() - header::SIZE);
    h.write(frame.data());
    sealFrame(frame.data(), frame.size());
    return frame;
}

} // namespace alphapulse::codec::test
