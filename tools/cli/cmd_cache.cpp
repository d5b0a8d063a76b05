// alphapulse cache [FILE|-] [--schemas F]... [--load F] [--save F] [--no-verify] [--keep-going]
//
// Back-to-back frames in; every frame goes through the schema registry and
// the object cache (libs/schema) as in a service. Out, as JSON Lines on
// stdout: each object a discovery message (or a custom message whose schema
// names a cache_key) added or refreshed, in stream order, then each ID
// collision found (docs/design/schema.md). --load starts from a saved cache,
// --save writes the cache at the end; a summary goes to stderr.
#include "cli11.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "alphapulse/codec/json.hpp"
#include "alphapulse/schema/object_json.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/schema/transform_cache.hpp"
#include "alphapulse/wire/frame.hpp"
#include "byte_input.hpp"
#include "commands.hpp"
#include "schema_files.hpp"

namespace alphapulse::cli {
namespace {

using wire::WireError;

struct CacheCommandOptions {
    std::string input = "-";
    std::vector<std::string> schemas;
    std::string load;
    std::string save;
    bool noVerify = false;
    bool keepGoing = false;
    std::size_t maxObjects = schema::CacheOptions{}.maxObjects;
};

void reportError(std::string_view reason, std::string_view message, std::size_t offset, std::size_t frameIndex) {
    codec::Json report = codec::Json::object();
    report["error"] = reason;
    report["message"] = message;
    report["offset"] = offset;
    report["frame"] = frameIndex;
    codec::writeLine(report, stderr);
}

int runCache(const CacheCommandOptions& options) {
    schema::SchemaRegistry registry;
    if (!loadSchemaFiles(registry, options.schemas, "cache")) return 2;
    schema::ProcessOptions processOptions;
    processOptions.verifyChecksum = !options.noVerify;
    schema::SchemaTransformCache cache{registry, schema::CacheOptions{options.maxObjects, 10'000}, processOptions};
    if (!options.load.empty()) {
        if (const auto err = cache.objects().load(options.load)) {
            std::fprintf(stderr, "alphapulse cache: %s\n", err->c_str());
            return 2;
        }
    }
    const std::size_t collisionsBefore = cache.objects().collisions().size();
    ByteInput input{options.input};
    if (!input.ok()) {
        std::fprintf(stderr, "alphapulse cache: %s\n", input.error().c_str());
        return 2;
    }
    int status = 0;
    std::size_t frames = 0;
    std::size_t produced = 0;
    for (;; ++frames) {
        if (!input.require(1)) break;
        if (input.require(wire::header::SIZE)) {
            const auto size = wire::header::frameSize(input.data());
            if (size <= wire::header::SIZE + wire::header::DEFAULT_MAX_PAYLOAD) input.require(size);
        }
        const schema::ProcessResult r = cache.processMessage(input.data(), input.size());
        if (!r.ok()) {
            reportError(wire::errorName(r.error), wire::errorMessage(r.error), input.offset(), frames);
            status = 1;
            if (r.frameLength == 0 || !options.keepGoing) break; // framing errors end the stream
            input.consume(r.frameLength);
            continue;
        }
        if (r.outcome == schema::ProcessOutcome::SchemaRefused && cache.lastSchemaError()) {
            reportError(cache.lastSchemaError()->reason(), cache.lastSchemaError()->message, input.offset(), frames);
            status = 1;
        }
        if (r.outcome == schema::ProcessOutcome::CacheFull) {
            reportError("cache_full", "the cache holds --max-objects objects: a new id was refused", input.offset(),
                        frames);
            status = 1;
        }
        if ((r.outcome == schema::ProcessOutcome::ObjectAdded || r.outcome == schema::ProcessOutcome::ObjectUpdated) &&
            r.object != nullptr) {
            if (!codec::writeLine(schema::objectToJson(*r.object), stdout)) return 1; // the reader went away
            ++produced;
        }
        input.consume(r.frameLength);
    }
    const auto& collisions = cache.objects().collisions();
    for (std::size_t i = collisionsBefore; i < collisions.size(); ++i) {
        if (!codec::writeLine(schema::collisionToJson(collisions[i]), stdout)) return 1;
    }
    if (!options.save.empty()) {
        if (const auto err = cache.objects().save(options.save)) {
            std::fprintf(stderr, "alphapulse cache: %s\n", err->c_str());
            return 1;
        }
    }
    const auto stats = cache.objects().stats();
    codec::Json summary = codec::Json::object();
    summary["frames"] = frames;
    summary["objects_produced"] = produced;
    summary["objects_cached"] = stats.objects;
    summary["collisions"] = collisions.size() - collisionsBefore;
    summary["refused"] = stats.refused;
    codec::writeLine(summary, stderr);
    return status;
}

} // namespace

void addCacheCommand(CLI::App& app) {
    auto options = std::make_shared<CacheCommandOptions>();
    auto* cmd = app.add_subcommand("cache", "Frames (file or stdin) through the object cache: objects and collisions "
                                            "as JSON Lines");
    cmd->add_option("input", options->input, "File of back-to-back frames, a capture file or recording directory (.apcap), or - for stdin")->capture_default_str();
    cmd->add_option("--schemas", options->schemas, "Schema file (YAML or JSON) to register first; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->add_option("--load", options->load, "Start from a cache file written by --save")->check(CLI::ExistingFile);
    cmd->add_option("--save", options->save, "Write the cache to this file at the end");
    cmd->add_option("--max-objects", options->maxObjects, "Most objects the cache holds")->capture_default_str();
    cmd->add_flag("--no-verify", options->noVerify, "Do not verify checksums");
    cmd->add_flag("--keep-going", options->keepGoing, "Report bad frames, skip them and continue");
    cmd->callback([options] {
        if (const int status = runCache(*options); status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
