// ShmTransport (docs/design/shared-memory.md): options, defaults and the
// parts of the endpoint that belong to no side. The segment (attach, detach,
// inspect) is shm_segment.cpp, the writer shm_writer.cpp, the reader
// shm_reader.cpp; what they share is shm_internal.hpp.
#include "alphapulse/transport/shm_transport.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <new>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "shm_layout.hpp"
#include "shm_process.hpp"
#include "shm_internal.hpp"

namespace alphapulse::transport {

using namespace shm;

ShmTransport::Options ShmTransport::defaults(wire::Domain domain) {
    Options o;
    static_cast<DomainRules&>(o) = DomainPolicy::defaults(domain);
    o.backpressure = DomainPolicy::losslessByDefault(domain);
    return o;
}

std::string ShmTransport::defaultName(wire::Domain domain) {
    return "alphapulse-" + std::string(wire::domainName(domain));
}

ShmTransport::ShmTransport(Options options) : m_options(std::move(options)), m_policy(m_options) {
    m_name = m_options.name.empty() ? defaultName(m_options.domain) : m_options.name;
    while (!m_name.empty() && m_name.front() == '/') m_name.erase(0, 1);
    m_ringBytes = roundRing(m_options.sizeBytes);
    m_subscription.set();
}

ShmTransport::~ShmTransport() { close(); }

bool ShmTransport::fail(std::string why) {
    close();
    m_reason = std::move(why);
    return false;
}

std::uint64_t ShmTransport::backlogBytes() const noexcept {
    if (m_header == nullptr) return 0;
    return m_header->published.load(std::memory_order_acquire) - m_readPosition;
}

} // namespace alphapulse::transport
