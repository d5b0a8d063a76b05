// alphapulse encode [FILE|-] [--keep-going] [--schemas FILE]...
//
// JSON Lines (docs/design/json-lines.md) in, frames out on stdout with
// payload_size and checksum computed. encode(decode(frame)) == frame.
// Types registered at run time encode by the schemas of --schemas files
// (docs/design/schema.md).
#include "cli11.hpp"
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/schema/registry.hpp"
#include "commands.hpp"
#include "schema_files.hpp"

namespace alphapulse::cli {
namespace {

struct EncodeCommandOptions {
    std::string input = "-";
    bool keepGoing = false;
    bool force = false;
    std::vector<std::string> schemas;
};

/// Lines longer than this are refused rather than held (a frame's JSON is a few KiB).
constexpr std::size_t MAX_LINE = 16 * 1024 * 1024;

void reportError(std::string_view reason, const std::string& message, std::size_t line, const std::string& field) {
    codec::Json report = codec::Json::object();
    report["error"] = reason;
    report["message"] = message;
    report["line"] = line;
    report["field"] = field;
    codec::writeLine(report, stderr);
}

bool isBlank(std::string_view line) {
    return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

class LineSource {
public:
    explicit LineSource(const std::string& path)
        : m_file(path.empty() || path == "-" ? stdin : std::fopen(path.c_str(), "rb")), m_owned(m_file != stdin) {}
    ~LineSource() {
        if (m_owned && m_file != nullptr) std::fclose(m_file);
        std::free(m_line);
    }
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;

    [[nodiscard]] bool ok() const noexcept { return m_file != nullptr; }
    /// The next line without its line break, or false at the end.
    bool next(std::string_view& line) {
        const ssize_t n = ::getline(&m_line, &m_capacity, m_file);
        if (n < 0) return false;
        line = std::string_view{m_line, static_cast<std::size_t>(n)};
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        return true;
    }

private:
    std::FILE* m_file;
    bool m_owned;
    char* m_line = nullptr;
    std::size_t m_capacity = 0;
};

int runEncode(const EncodeCommandOptions& options) {
    if (isatty(STDOUT_FILENO) != 0 && !options.force) {
        std::fputs("alphapulse encode: refusing to write binary frames to a terminal; pipe or redirect "
                   "stdout (or pass --force)\n",
                   stderr);
        return 2;
    }
    LineSource source{options.input};
    if (!source.ok()) {
        std::fprintf(stderr, "alphapulse encode: cannot open %s\n", options.input.c_str());
        return 2;
    }
    schema::SchemaRegistry registry;
    if (!loadSchemaFiles(registry, options.schemas, "encode")) return 2;
    codec::EncodeOptions encodeOptions;
    encodeOptions.resolver = registry.resolver();
    codec::Encoder encoder{encodeOptions};
    codec::Json object;
    std::vector<std::uint8_t> frame;
    int status = 0;
    std::size_t lineNumber = 0;
    std::string_view line;
    while (source.next(line)) {
        ++lineNumber;
        if (isBlank(line)) continue;
        std::optional<codec::EncodeError> error;
        if (line.size() > MAX_LINE) {
            error = codec::EncodeError{codec::EncodeErrc::BadJson, "", "line longer than 16 MiB"};
        } else {
            error = codec::parseJsonLine(line, object);
        }
        frame.clear();
        if (!error) error = encoder.encode(object, frame);
        if (error) {
            reportError(error->reason(), error->message, lineNumber, error->field);
            status = 1;
            if (!options.keepGoing) return status;
            continue;
        }
        // One frame per write and flush: a relay or `decode` downstream sees it at once.
        if (std::fwrite(frame.data(), 1, frame.size(), stdout) != frame.size() || std::fflush(stdout) != 0) {
            return 1; // the reader went away
        }
    }
    return status;
}

} // namespace

void addEncodeCommand(CLI::App& app) {
    auto options = std::make_shared<EncodeCommandOptions>();
    auto* cmd = app.add_subcommand("encode", "JSON Lines (file or stdin) to frames on stdout");
    cmd->add_option("input", options->input, "File of JSON Lines, or - for stdin")->capture_default_str();
    cmd->add_flag("--keep-going", options->keepGoing, "Report bad lines, skip them, and continue (exit status 1)");
    cmd->add_flag("--force", options->force, "Write binary even to a terminal");
    cmd->add_option("--schemas", options->schemas,
                    "Schema file (YAML or JSON, docs/design/schema.md) for types registered at run time; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->callback([options] {
        if (const int status = runEncode(*options); status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
