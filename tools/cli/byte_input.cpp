#include "byte_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace alphapulse::cli {

ByteInput::ByteInput(const std::string& path) {
    if (path.empty() || path == "-") {
        m_fd = STDIN_FILENO;
        return;
    }
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
        if (m_eof || m_fd < 0) return false;
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
        const ssize_t got = ::read(m_fd, m_buffer.data() + m_end, m_buffer.size() - m_end);
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
