// alphapulse decode [FILE|-] [--no-verify] [--keep-going] [--max-payload N] [--schemas FILE]...
//
// Back-to-back frames in, JSON Lines out (docs/design/json-lines.md), one
// flushed line per frame so that it can watch a live relay:
//   socat UNIX-CONNECT:/run/alphapulse/market_data.sock - | alphapulse decode
// Types registered at run time decode by the schemas of --schemas files
// (docs/design/schema.md) and of SchemaDefinition frames met in the stream.
#include "cli11.hpp"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/frame.hpp"
#include "byte_input.hpp"
#include "commands.hpp"
#include "schema_files.hpp"

namespace alphapulse::cli {
namespace {

using wire::WireError;

struct DecodeCommandOptions {
    std::string input = "-";
    bool noVerify = false;
    bool keepGoing = false;
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    std::vector<std::string> schemas;
};

constexpr std::uint8_t MAGIC_BYTES[4] = {0xEF, 0xBE, 0xAD, 0xDE};

void reportError(WireError error, std::size_t offset, std::size_t frameIndex) {
    codec::Json report = codec::Json::object();
    report["error"] = wire::errorName(error);
    report["message"] = wire::errorMessage(error);
    report["offset"] = offset;
    report["frame"] = frameIndex;
    codec::writeLine(report, stderr);
}

/// The magic as far as the bytes go: false when what is there already differs.
bool magicPrefixMatches(const std::uint8_t* data, std::size_t size) {
    return std::memcmp(data, MAGIC_BYTES, std::min<std::size_t>(size, 4)) == 0;
}

/// After bad magic or an impossible payload_size: drops bytes up to the next
/// magic (or to the end of the input). Keeps a tail that could start one.
void resynchronise(ByteInput& input) {
    input.consume(1);
    for (;;) {
        const std::uint8_t* data = input.data();
        const std::size_t size = input.size();
        std::size_t i = 0;
        for (; i + 4 <= size; ++i) {
            if (std::memcmp(data + i, MAGIC_BYTES, 4) == 0) {
                input.consume(i);
                return;
            }
        }
        // Bytes from i on are shorter than a magic: they may begin one.
        input.consume(i);
        if (!input.require(input.size() + 1)) {
            if (!magicPrefixMatches(input.data(), input.size())) input.consume(input.size());
            return;
        }
    }
}

int runDecode(const DecodeCommandOptions& options) {
    ByteInput input{options.input};
    if (!input.ok()) {
        std::fprintf(stderr, "alphapulse decode: %s\n", input.error().c_str());
        return 2;
    }
    schema::SchemaRegistry registry;
    if (!loadSchemaFiles(registry, options.schemas, "decode")) return 2;
    codec::DecodeOptions decodeOptions;
    decodeOptions.verifyChecksum = !options.noVerify;
    decodeOptions.maxPayload = options.maxPayload;
    decodeOptions.resolver = registry.resolver();
    const codec::Decoder decoder{decodeOptions};

    int status = 0;
    std::size_t frameIndex = 0;
    for (;;) {
        if (!input.require(1)) break; // clean end of input
        // The whole header when there is one; fewer bytes only at the end.
        const bool haveHeader = input.require(wire::header::SIZE);
        auto length = wire::frameLength(input.data(), input.size(), options.maxPayload);
        if (!length && length.error() == WireError::Truncated && haveHeader) {
            // frameLength checked payload_size against the maximum, so this stays bounded.
            input.require(wire::header::frameSize(input.data()));
            length = wire::frameLength(input.data(), input.size(), options.maxPayload);
        }
        if (!length) {
            WireError error = length.error();
            // A short tail that is not even the start of a magic is garbage, not a cut frame.
            if (error == WireError::Truncated && !magicPrefixMatches(input.data(), input.size())) {
                error = WireError::BadMagic;
            }
            reportError(error, input.offset(), frameIndex++);
            status = 1;
            if (error == WireError::Truncated || !options.keepGoing) break;
            resynchronise(input);
            continue;
        }
        const auto result = decoder.decode(input.data(), *length, input.offset());
        if (result.ok()) {
            if (!codec::writeLine(result.json, stdout)) return 1; // the reader went away
            if (input.data()[wire::header::MESSAGE_TYPE_OFFSET] ==
                static_cast<std::uint8_t>(wire::MessageType::SchemaDefinition)) {
                // A published schema: later frames of its type decode by it. One the
                // registry refuses is only shown as the frame it is (`alphapulse cache`
                // reports why).
                static_cast<void>(registry.registerFromFrame(input.data(), *length, false));
            }
        } else {
            reportError(result.error.error, result.error.offset, frameIndex);
            status = 1;
            if (!options.keepGoing) break;
        }
        ++frameIndex;
        input.consume(*length);
    }
    if (!input.error().empty()) {
        std::fprintf(stderr, "alphapulse decode: %s\n", input.error().c_str());
        status = 1;
    }
    return status;
}

} // namespace

void addDecodeCommand(CLI::App& app) {
    auto options = std::make_shared<DecodeCommandOptions>();
    auto* cmd = app.add_subcommand("decode", "Frames (file or stdin) to JSON Lines on stdout");
    cmd->add_option("input", options->input, "File of back-to-back frames, a capture file or recording directory (.apcap), or - for stdin")->capture_default_str();
    cmd->add_flag("--no-verify", options->noVerify, "Do not verify checksums");
    cmd->add_flag("--keep-going", options->keepGoing,
                  "Report bad frames and continue (skip the frame, or scan to the next magic)");
    cmd->add_option("--max-payload", options->maxPayload, "Largest payload_size accepted, in bytes")
        ->capture_default_str()
        ->check(CLI::Range(0u, 1u << 28));
    cmd->add_option("--schemas", options->schemas,
                    "Schema file (YAML or JSON, docs/design/schema.md) for types registered at run time; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->callback([options] {
        if (const int status = runDecode(*options); status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
