#include "byte_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "alphapulse/capture/reader.hpp"

namespace alphapulse::cli {

bool ByteInput::openCapture(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
        std::uint8_t magic[8] = {};
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        const ssize_t n = ::pread(fd, magic, sizeof magic, 0);
        ::close(fd);
        if (n < 0 || !capture::hasCaptureMagic(magic, static_cast<std::size_t>(n))) return false;
    }
    auto opened = capture::Reader::open(path);
    if (!opened) {
        m_error = opened.error().describe();
        m_eof = true;
        return true;
    }
    m_capture = std::move(opened).value();
    reportNewDamage();
    return true;
}

void ByteInput::reportNewDamage() {
    const auto& damage = m_capture->damage();
    for (; m_damageReported < damage.size(); ++m_damageReported) {
        std::fprintf(stderr, "alphapulse: warning: %s; the frames before it are read\n",
                     damage[m_damageReported].describe().c_str());
    }
}

long ByteInput::readSome(std::uint8_t* out, std::size_t capacity) {
    if (!m_capture) return ::read(m_fd, out, capacity);
    std::size_t done = 0;
    while (done < capacity) {
        if (m_pending.empty()) {
            capture::FrameRecord record;
            if (!m_capture->next(record)) {
                reportNewDamage();
                if (!m_capture->error().ok()) m_error = m_capture->error().describe();
                break;
            }
            m_pending = record.frame; // valid until the next call to next()
        }
        const std::size_t n = std::min(capacity - done, m_pending.size());
        std::memcpy(out + done, m_pending.data(), n);
        m_pending = m_pending.subspan(n);
        done += n;
    }
    return static_cast<long>(done);
}

ByteInput::ByteInput(const std::string& path) {
    if (path.empty() || path == "-") {
        m_fd = STDIN_FILENO;
        return;
    }
    if (openCapture(path)) return;
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
        m_error = "cannot open " + path + ": " + std::strerror(errno);
    } else {
        m_owned = true;
    }
}

ByteInput::~ByteInput() {
    if (m_owned) ::close(m_fd);
}

bool ByteInput::require(std::size_t n) {
    while (size() < n) {
        if (m_eof || !ok()) return false;
        // Room for n bytes and one read after them; move the unread bytes
        // down first rather than grow.
        if (m_buffer.size() - m_end < CHUNK || m_buffer.size() - m_begin < n) {
            if (m_begin > 0) {
                std::memmove(m_buffer.data(), m_buffer.data() + m_begin, size());
                m_end -= m_begin;
                m_begin = 0;
            }
            const std::size_t wanted = std::max(n, m_end) + CHUNK;
            if (m_buffer.size() < wanted) m_buffer.resize(wanted);
        }
        const long got = readSome(m_buffer.data() + m_end, m_buffer.size() - m_end);
        if (got < 0) {
            if (errno == EINTR && (m_stop == nullptr || !m_stop())) continue;
            m_error = std::string{"read failed: "} + std::strerror(errno);
            m_eof = true;
            return false;
        }
        if (got == 0) {
            m_eof = true;
            return false;
        }
        m_end += static_cast<std::size_t>(got);
    }
    return true;
}

void ByteInput::consume(std::size_t n) noexcept {
    n = std::min(n, size());
    m_begin += n;
    m_offset += n;
    if (m_begin == m_end) m_begin = m_end = 0;
}

} // namespace alphapulse::cli
