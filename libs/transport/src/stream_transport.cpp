#include "alphapulse/transport/stream_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>

#include "alphapulse/transport/unix_socket.hpp"

namespace alphapulse::transport {

StreamTransport::StreamTransport(const StreamOptions& options)
    : m_socketBufferBytes(options.socketBufferBytes), m_reader(options.receiveBufferBytes, options.maxPayload),
      m_out(options.sendBufferBytes) {}

StreamTransport::~StreamTransport() { close(); }

bool StreamTransport::connect() {
    close();
    std::string why;
    m_fd = openSocket(why);
    if (m_fd < 0) {
        m_reason = std::move(why);
        return false;
    }
    setSocketBuffers(m_fd, m_socketBufferBytes);
    m_reason.clear();
    return true;
}

void StreamTransport::close() noexcept {
    if (m_fd >= 0 && m_reason.empty() && lingerOnClose()) lingeringClose();
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_reader.clear();
    // What was not written goes with the connection (fail() keeps it first):
    // a partial frame must never start the next connection's stream.
    m_outHead = m_outTail = m_outFrameStart = 0;
}

void StreamTransport::lingeringClose() noexcept {
    // TCP answers a close() with unread bytes in the receive buffer by a
    // reset, which throws away what this side's kernel has not sent yet: a
    // producer that exits right after writing would lose its last frames
    // whenever the relay had queued anything for it. So: end our half (FIN
    // after the data), discard what arrives until the relay closes its half,
    // and only then close. Bounded, for a relay that does not answer.
    ::shutdown(m_fd, SHUT_WR);
    std::uint8_t sink[16384];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(LINGER_MS);
    for (;;) {
        const ssize_t n = ::recv(m_fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) continue;
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) return; // the relay closed (or reset)
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return;
        pollfd pfd{m_fd, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left)) == 0) return;
    }
}

bool StreamTransport::fail(std::string why) {
    m_reason = std::move(why);
    // The frame being written when the connection broke never reached anyone
    // whole (receivers discard a partial frame), so it is kept with the rest.
    m_unsent.insert(m_unsent.end(), m_out.begin() + static_cast<std::ptrdiff_t>(m_outFrameStart),
                    m_out.begin() + static_cast<std::ptrdiff_t>(m_outTail));
    close();
    return false;
}

void StreamTransport::takeUnsent(std::vector<std::uint8_t>& into) {
    into.insert(into.end(), m_unsent.begin(), m_unsent.end());
    m_unsent.clear();
}

bool StreamTransport::shutdownSend() {
    // A FIN before the pending bytes would cut the stream short: only once
    // everything taken is written (the caller flushes until pendingBytes() is 0).
    if (m_fd < 0 || !flush() || m_outHead != m_outTail) return false;
    return ::shutdown(m_fd, SHUT_WR) == 0;
}

bool StreamTransport::flush() {
    while (m_fd >= 0 && m_outHead < m_outTail) {
        const ssize_t n = ::send(m_fd, m_out.data() + m_outHead, m_outTail - m_outHead, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            m_outHead += static_cast<std::size_t>(n);
            // Frames written whole are gone for good; track where the first
            // incomplete one starts.
            while (m_outFrameStart + wire::header::SIZE <= m_outHead) {
                const std::size_t len =
                    wire::header::SIZE +
                    wire::loadLe<std::uint32_t>(m_out.data() + m_outFrameStart + wire::header::PAYLOAD_SIZE_OFFSET);
                if (m_outFrameStart + len > m_outHead) break;
                m_outFrameStart += len;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        return fail(std::string("write: ") + (n == 0 ? "connection closed" : std::strerror(errno)));
    }
    if (m_outHead == m_outTail) m_outHead = m_outTail = m_outFrameStart = 0;
    return m_fd >= 0;
}

SendStatus StreamTransport::send(std::span<const std::uint8_t> frames) {
    if (m_fd < 0) return SendStatus::Closed;
    if (m_out.size() - m_outTail < frames.size()) {
        if (!flush()) return SendStatus::Closed;
        if (m_outFrameStart > 0) { // compact to the front, from a frame boundary
            std::memmove(m_out.data(), m_out.data() + m_outFrameStart, m_outTail - m_outFrameStart);
            m_outTail -= m_outFrameStart;
            m_outHead -= m_outFrameStart;
            m_outFrameStart = 0;
        }
        if (m_out.size() - m_outTail < frames.size()) {
            if (m_outTail == 0 && frames.size() > m_out.size()) m_out.resize(frames.size()); // one oversized batch
            else return SendStatus::WouldBlock;
        }
    }
    std::memcpy(m_out.data() + m_outTail, frames.data(), frames.size());
    m_outTail += frames.size();
    const std::size_t unsentBefore = m_unsent.size();
    if (flush()) return SendStatus::Ok;
    // Closed means "not taken": the caller keeps these frames, so they leave
    // the unsent list (which holds the older ones for takeUnsent()).
    m_unsent.resize(m_unsent.size() - std::min(frames.size(), m_unsent.size() - unsentBefore));
    return SendStatus::Closed;
}

int StreamTransport::deliver(FrameHandler& handler) {
    int delivered = 0;
    for (;;) {
        const auto frame = m_reader.next();
        if (!frame) {
            if (frame.error() == wire::WireError::Truncated) return delivered;
            fail(std::string("stream desynchronised: ") + std::string(wire::errorName(frame.error())));
            return delivered > 0 ? delivered : -1;
        }
        handler(*frame);
        ++delivered;
    }
}

int StreamTransport::receive(FrameHandler handler, int timeoutMs) {
    if (m_fd < 0) return -1;
    if (m_outHead < m_outTail && !flush()) return -1;
    // Read first (the socket is non-blocking): when frames are already there,
    // as under load, that saves the poll() syscall; wait only when there are none.
    auto space = m_reader.writable();
    ssize_t n = ::read(m_fd, space.data(), space.size());
    if (n < 0 && errno == EAGAIN) {
        if (timeoutMs == 0) return 0;
        pollfd pfd{m_fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, timeoutMs);
        if (ready < 0) return errno == EINTR ? 0 : (fail(std::string("poll: ") + std::strerror(errno)), -1);
        if (ready == 0) return 0;
        n = ::read(m_fd, space.data(), space.size());
    }
    if (n == 0) {
        fail("relay closed the connection");
        return -1;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        fail(std::string("read: ") + std::strerror(errno));
        return -1;
    }
    m_reader.commit(static_cast<std::size_t>(n));
    return deliver(handler);
}

} // namespace alphapulse::transport
