// alphapulse id stock|token|pool|symbol|text|decode ...
//
// InstrumentIds (W4) from what people know (a venue and a symbol, a chain
// and an address) to the 12 wire bytes and back, as one JSON object:
//   alphapulse id stock NASDAQ AAPL
//   alphapulse id token Ethereum 0xA0b86991c6218b36c1d19d4a2e9eB0cE3606eB48
//   alphapulse id symbol Binance Pair BCHABCUSDT
//   alphapulse id decode 0x0100010000000000004c504141
// Invalid input: one line on stderr naming the reason, exit status 2.
#include "cli11.hpp"

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "alphapulse/codec/hex.hpp"
#include "alphapulse/codec/json.hpp"
#include "alphapulse/wire/instrument_id.hpp"
#include "alphapulse/wire/venue.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

using wire::InstrumentId;
using wire::WireError;

struct IdArgs {
    std::string venue;
    std::string assetType;
    std::string value; ///< symbol, address, text or hex
};

[[noreturn]] void refuse(WireError error, std::string_view detail = {}) {
    std::fprintf(stderr, "alphapulse id: %s: %s%s%.*s\n", std::string{wire::errorName(error)}.c_str(),
                 std::string{wire::errorMessage(error)}.c_str(), detail.empty() ? "" : ": ",
                 static_cast<int>(detail.size()), detail.data());
    throw CLI::RuntimeError(2);
}

InstrumentId orRefuse(const wire::Expected<InstrumentId>& id, std::string_view input) {
    if (!id) refuse(id.error(), input);
    return *id;
}

wire::VenueId venueOf(const std::string& name) {
    const wire::VenueInfo* venue = wire::findVenueByName(name);
    if (venue == nullptr) refuse(WireError::UnknownVenue, name);
    return venue->id;
}

void print(const InstrumentId& id) {
    std::array<std::uint8_t, InstrumentId::SIZE> bytes{};
    id.write(bytes.data());
    codec::Json out = codec::Json::object();
    out["hex"] = codec::toHex(bytes.data(), bytes.size());
    out["venue"] = id.venue;
    const wire::VenueInfo* venue = wire::findVenue(id.venue);
    out["venue_name"] = venue != nullptr ? venue->name : std::string_view{};
    out["asset_type"] = id.assetType;
    out["asset_type_name"] = wire::assetTypeName(id.assetType);
    if (id.reserved != 0) out["reserved"] = id.reserved;
    out["asset_id"] = id.assetId;
    out["text"] = id.text();
    std::printf("%s\n", out.dump(-1, ' ', false, codec::Json::error_handler_t::replace).c_str());
}

InstrumentId fromHex(std::string text) {
    if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) text.insert(0, "0x");
    std::vector<std::uint8_t> bytes;
    if (codec::parseHex(text, bytes) != codec::HexStatus::Ok || bytes.size() != InstrumentId::SIZE) {
        refuse(WireError::BadLength, "expected the 12 wire bytes as 24 hex digits (0x optional)");
    }
    const InstrumentId id = InstrumentId::read(bytes.data());
    if (const auto error = id.validate(); error != WireError::Ok) refuse(error, text);
    return id;
}

CLI::App* addKind(CLI::App& id, const char* name, const char* help, const std::shared_ptr<IdArgs>& args,
                  const char* valueName, const char* valueHelp) {
    auto* cmd = id.add_subcommand(name, help);
    cmd->add_option("venue", args->venue, "Venue name, any case (NASDAQ, Ethereum, UniswapV3, ...)")->required();
    cmd->add_option(valueName, args->value, valueHelp)->required();
    return cmd;
}

} // namespace

void addIdCommand(CLI::App& app) {
    auto args = std::make_shared<IdArgs>();
    auto* id = app.add_subcommand("id", "InstrumentIds: build them, or decode their hex");
    id->require_subcommand(1);

    addKind(*id, "stock", "A listed stock: VENUE SYMBOL", args, "symbol", "1-10 characters")
        ->callback([args] { print(orRefuse(InstrumentId::stock(venueOf(args->venue), args->value), args->value)); });
    addKind(*id, "token", "An ERC-20 token: CHAIN 0xADDRESS", args, "address", "0x + 40 hex digits")
        ->callback([args] { print(orRefuse(InstrumentId::token(venueOf(args->venue), args->value), args->value)); });
    addKind(*id, "pool", "A DEX pool: DEX 0xADDRESS", args, "address", "0x + 40 hex digits")
        ->callback([args] { print(orRefuse(InstrumentId::pool(venueOf(args->venue), args->value), args->value)); });

    auto* symbol = id->add_subcommand("symbol", "Any symbol-keyed id: VENUE ASSET_TYPE SYMBOL (Pair, Future, ...)");
    symbol->add_option("venue", args->venue, "Venue name, any case")->required();
    symbol->add_option("asset_type", args->assetType, "Stock, Pair, Future, Option, Etf, Index")->required();
    symbol->add_option("symbol", args->value, "1-10 characters")->required();
    symbol->callback([args] {
        const auto type = wire::assetTypeFromName(args->assetType);
        if (!type) refuse(WireError::UnknownAssetType, args->assetType);
        print(orRefuse(InstrumentId::symbol(venueOf(args->venue), *type, args->value), args->value));
    });

    auto* text = id->add_subcommand("text", "Parse an id's text: \"NASDAQ Stock AAPL\"");
    text->add_option("text", args->value, "VENUE ASSET_TYPE SYMBOL-or-0xHEX")->required();
    text->callback([args] { print(orRefuse(InstrumentId::fromText(args->value), args->value)); });

    auto* decode = id->add_subcommand("decode", "The 12 wire bytes as hex back to the id");
    decode->add_option("hex", args->value, "24 hex digits, 0x optional")->required();
    decode->callback([args] { print(fromHex(args->value)); });
}

} // namespace alphapulse::cli
