#pragma once
// Bytes from a file or stdin, read incrementally into a bounded buffer.
//
// `alphapulse decode` sits at the end of pipes such as
// `socat UNIX-CONNECT:sock - | alphapulse decode`: it must print each frame
// as soon as its bytes are in, so it reads only when the buffered bytes do
// not hold what it needs next, and the buffer never grows past the largest
// frame it accepts plus one read.
//
// A capture file or recording directory (docs/PROTOCOL.md section 13,
// recognised by its magic APCAPTR1) reads as the frames it holds, back to
// back, so that decode, cache and publish --raw take captures as they are.
// Offsets are then offsets in that stream of frames, not in the file.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace alphapulse::capture {
class Reader;
}

namespace alphapulse::cli {

class ByteInput {
public:
    /// "-" or empty reads stdin; anything else is a file path. Check ok().
    explicit ByteInput(const std::string& path);
    ~ByteInput();
    ByteInput(const ByteInput&) = delete;
    ByteInput& operator=(const ByteInput&) = delete;

    [[nodiscard]] bool ok() const noexcept { return m_fd >= 0 || m_capture != nullptr; }
    /// True when the input is a capture file or directory.
    [[nodiscard]] bool isCapture() const noexcept { return m_capture != nullptr; }
    [[nodiscard]] const std::string& error() const noexcept { return m_error; }

    /// Reads until at least `n` bytes are buffered; false when the input ends
    /// (or fails) first. Never reads when they already are.
    bool require(std::size_t n);

    [[nodiscard]] const std::uint8_t* data() const noexcept { return m_buffer.data() + m_begin; }
    [[nodiscard]] std::size_t size() const noexcept { return m_end - m_begin; }
    /// Offset in the input of data()[0].
    [[nodiscard]] std::size_t offset() const noexcept { return m_offset; }
    void consume(std::size_t n) noexcept;
    /// A read interrupted by a signal gives up (require() false) when `stop`
    /// says so, instead of reading on: a command stopped by SIGINT/SIGTERM.
    void stopWhen(bool (*stop)() noexcept) noexcept { m_stop = stop; }

private:
    static constexpr std::size_t CHUNK = 64 * 1024;

    /// Opens `path` as a capture when it is one; false when it is not.
    bool openCapture(const std::string& path);
    /// Like read(2): from the file, or the capture's next frames.
    long readSome(std::uint8_t* out, std::size_t capacity);
    void reportNewDamage();

    std::unique_ptr<capture::Reader> m_capture;
    std::span<const std::uint8_t> m_pending; ///< the rest of the capture frame being copied out
    std::size_t m_damageReported = 0;

    int m_fd = -1;
    bool m_owned = false;
    bool m_eof = false;
    std::string m_error;
    std::vector<std::uint8_t> m_buffer;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::size_t m_offset = 0;
    bool (*m_stop)() noexcept = nullptr;
};

} // namespace alphapulse::cli
