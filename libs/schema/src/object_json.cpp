#include "alphapulse/schema/object_json.hpp"

#include <cstdio>

namespace alphapulse::schema {
namespace {

std::string hex(const std::uint8_t* p, std::size_t n) {
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string out = "0x";
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(DIGITS[p[i] >> 4]);
        out.push_back(DIGITS[p[i] & 0xF]);
    }
    return out;
}

std::string idHex(const wire::InstrumentId& id) {
    std::uint8_t b[wire::InstrumentId::SIZE];
    id.write(b);
    return hex(b, sizeof b);
}

} // namespace

nlohmann::ordered_json objectToJson(const CachedObject& o) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["object"] = objectKindName(o.kind);
    out["id"] = o.id.text();
    out["id_hex"] = idHex(o.id);
    if (o.kind != ObjectKind::Custom) {
        out["symbol"] = o.symbol;
        out["decimals"] = o.decimals;
    }
    if (!o.name.empty()) out["name"] = o.name;
    if (o.hasAddress) out["address"] = wire::formatEvmAddress(o.address);
    if (o.chainId != 0) out["chain_id"] = o.chainId;
    if (o.kind == ObjectKind::Pool) {
        out["token0"] = o.token0.text();
        out["token0_address"] = wire::formatEvmAddress(o.token0Address);
        out["token1"] = o.token1.text();
        out["token1_address"] = wire::formatEvmAddress(o.token1Address);
        out["fee_tier"] = o.feeTier;
    }
    if (o.customType != 0) {
        out["custom_type"] = o.customType;
        out["custom_version"] = o.customVersion;
        out["data"] = hex(o.data.data(), o.data.size());
    }
    out["discovered_at"] = o.discoveredAt;
    return out;
}

nlohmann::ordered_json collisionToJson(const Collision& c) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["collision"] = c.id.text();
    out["id_hex"] = idHex(c.id);
    out["held_address"] = wire::formatEvmAddress(c.heldAddress);
    out["held_symbol"] = c.heldSymbol;
    out["new_address"] = wire::formatEvmAddress(c.newAddress);
    out["new_symbol"] = c.newSymbol;
    out["seen_at"] = c.seenAt;
    return out;
}

} // namespace alphapulse::schema
