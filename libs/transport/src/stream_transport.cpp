#include "alphapulse/transport/stream_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>

#include "alphapulse/transport/unix_socket.hpp"
#include "stream_writer.hpp"

namespace alphapulse::transport {

StreamTransport::StreamTransport(const StreamOptions& options)
    : m_socketBufferBytes(options.socketBufferBytes), m_reader(options.receiveBufferBytes, options.maxPayload),
      m_writer(std::make_unique<detail::StreamWriter>(options.sendBufferBytes, options.writeMode, options.batching)) {}

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
    m_writer->attach(m_fd);
    return true;
}

bool StreamTransport::connected() const noexcept { return m_fd >= 0 && !m_writer->failed(); }
std::size_t StreamTransport::pendingBytes() const noexcept { return m_writer->pending(); }
WriteMode StreamTransport::writeMode() const noexcept { return m_writer->mode(); }
WriteCounters StreamTransport::writeCounters() const noexcept { return m_writer->counters(); }

void StreamTransport::close() noexcept {
    // A connection a write broke keeps its unwritten frames, as fail() does.
    if (reapWriteFailure()) return;
    // What was not written goes with the connection (fail() keeps it first):
    // a partial frame must never start the next connection's stream. The
    // flusher is stopped before the socket goes.
    m_writer->detach(nullptr);
    if (m_fd >= 0 && m_reason.empty() && lingerOnClose()) lingeringClose();
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_reader.clear();
}

bool StreamTransport::reapWriteFailure() {
    if (m_fd < 0 || !m_writer->failed()) return false;
    fail(m_writer->failure());
    return true;
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
    m_writer->detach(&m_unsent);
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_reader.clear();
    return false;
}

void StreamTransport::takeUnsent(std::vector<std::uint8_t>& into) {
    reapWriteFailure();
    into.insert(into.end(), m_unsent.begin(), m_unsent.end());
    m_unsent.clear();
}

bool StreamTransport::shutdownSend() {
    // A FIN before the pending bytes would cut the stream short: only once
    // everything taken is written (the caller flushes until pendingBytes() is 0).
    if (m_fd < 0 || !flush() || m_writer->pending() != 0) return false;
    return ::shutdown(m_fd, SHUT_WR) == 0;
}

bool StreamTransport::flush() {
    if (m_fd < 0 || reapWriteFailure()) return false;
    if (!m_writer->flush()) return fail(m_writer->failure());
    return true;
}

SendStatus StreamTransport::send(std::span<const std::uint8_t> frames) {
    if (m_fd < 0 || reapWriteFailure()) return SendStatus::Closed;
    switch (m_writer->append(frames)) {
    case detail::StreamWriter::Append::Ok: return SendStatus::Ok;
    case detail::StreamWriter::Append::Full: return SendStatus::WouldBlock;
    case detail::StreamWriter::Append::Failed: break;
    }
    // Closed means "not taken": the writer left these frames out of what
    // fail() keeps for takeUnsent() (which holds the older ones).
    fail(m_writer->failure());
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
    if (m_fd < 0 || reapWriteFailure()) return -1;
    if (m_writer->pending() != 0 && !flush()) return -1;
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
