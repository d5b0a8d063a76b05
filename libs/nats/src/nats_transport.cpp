#include "alphapulse/nats/nats_transport.hpp"

#include <nats/nats.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "alphapulse/nats/frame_policy.hpp"
#include "alphapulse/nats/subjects.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "nkey.hpp"

namespace alphapulse::nats {
namespace {

/// Set on every frame published into a JetStream stream: a consumer on the
/// same connection gets the stream's copy back (JetStream delivery is not an
/// echo the server can suppress), and skips frames with its own origin.
constexpr const char* ORIGIN_HEADER = "Alphapulse-Origin";

std::string statusText(natsStatus status) {
    std::string text = natsStatus_GetText(status);
    natsStatus last = NATS_OK;
    const char* detail = nats_GetLastError(&last);
    if (detail != nullptr && *detail != '\0' && std::strstr(text.c_str(), detail) == nullptr) {
        text += ": ";
        text += detail;
    }
    return text;
}

std::string randomOrigin(const std::string& name) {
    std::random_device device;
    const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(value));
    return name + "-" + hex;
}

} // namespace

/// What nats.c's threads touch: the receive queue, the eventfd, counters.
/// It lives as long as the transport; a connection is torn down only after
/// its callbacks have finished (closed callback and each subscription's
/// completion callback), so nothing refers to it afterwards.
struct Shared {
    std::mutex mutex;
    std::condition_variable space; ///< dropWhenFull=false: the delivery thread waits here
    std::vector<natsMsg*> ring;
    std::size_t head = 0;
    std::size_t count = 0;
    bool dropWhenFull = true;
    int eventFd = -1;
    std::atomic<bool> signalled{false};
    std::atomic<bool> closing{false}; ///< we are closing: callbacks only free
    std::atomic<bool> closed{false};  ///< nats.c closed the connection
    std::atomic<bool> disconnected{false}; ///< nats.c is reconnecting (publishes go to its buffer)

    std::mutex doneMutex;
    std::condition_variable done;
    int liveSubscriptions = 0;
    bool closedCallbackRan = false;

    std::atomic<std::uint64_t> dropsQueueFull{0};
    std::atomic<std::uint64_t> disconnects{0};
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> publishRetries{0};
    std::atomic<std::uint64_t> publishErrors{0};
    std::atomic<std::uint64_t> inflight{0};
    std::atomic<std::uint64_t> inflightBytes{0};
    std::int64_t ackTimeoutMs = 2000;

    std::mutex errorMutex;
    std::string asyncError; ///< last error nats.c reported from its threads

    /// JetStream publishes no server answered, to send again when due (still counted in flight).
    std::mutex retryMutex;
    std::vector<std::pair<natsMsg*, std::chrono::steady_clock::time_point>> retry;
    std::atomic<bool> retryWaiting{false}; ///< `retry` may hold something (checked without the lock)

    void signal() noexcept {
        if (!signalled.exchange(true)) {
            const std::uint64_t one = 1;
            [[maybe_unused]] const auto n = ::write(eventFd, &one, sizeof one);
        }
    }

    void setError(std::string text) {
        const std::lock_guard lock(errorMutex);
        asyncError = std::move(text);
    }

    void push(natsMsg* msg) {
        if (closing.load(std::memory_order_relaxed)) {
            natsMsg_Destroy(msg);
            return;
        }
        std::unique_lock lock(mutex);
        while (count == ring.size()) {
            if (dropWhenFull || closing.load(std::memory_order_relaxed)) {
                lock.unlock();
                dropsQueueFull.fetch_add(1, std::memory_order_relaxed);
                natsMsg_Destroy(msg);
                return;
            }
            space.wait_for(lock, std::chrono::milliseconds(50));
        }
        const bool wasEmpty = count == 0;
        ring[(head + count) & (ring.size() - 1)] = msg;
        ++count;
        lock.unlock();
        if (wasEmpty) signal();
    }

    /// Moves every queued message to `into` (which has room for the whole ring).
    void takeAll(std::vector<natsMsg*>& into) {
        // Clear the signal before taking: a push after the take signals again,
        // a push in between is taken now and leaves at most a spurious wake-up.
        if (signalled.exchange(false)) {
            std::uint64_t value = 0;
            [[maybe_unused]] const auto n = ::read(eventFd, &value, sizeof value);
        }
        into.clear();
        {
            const std::lock_guard lock(mutex);
            while (count > 0) {
                into.push_back(ring[head]);
                head = (head + 1) & (ring.size() - 1);
                --count;
            }
        }
        if (!dropWhenFull && !into.empty()) space.notify_all();
    }

    void freeQueued() {
        std::vector<natsMsg*> rest;
        rest.reserve(ring.size());
        takeAll(rest);
        for (natsMsg* msg : rest) natsMsg_Destroy(msg);
    }
};

namespace {

/// Frames nats.c dropped for the subscription (its pending limits).
std::uint64_t droppedBy(natsSubscription* sub) noexcept {
    std::int64_t dropped = 0;
    return natsSubscription_GetDropped(sub, &dropped) == NATS_OK && dropped > 0 ? static_cast<std::uint64_t>(dropped) : 0U;
}

void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<Shared*>(closure)->push(msg);
}

void onSubscriptionComplete(void* closure) {
    auto* shared = static_cast<Shared*>(closure);
    const std::lock_guard lock(shared->doneMutex);
    --shared->liveSubscriptions;
    shared->done.notify_all();
}

void onClosed(natsConnection*, void* closure) {
    auto* shared = static_cast<Shared*>(closure);
    shared->closed = true;
    shared->signal(); // a waiting receive() returns -1
    const std::lock_guard lock(shared->doneMutex);
    shared->closedCallbackRan = true;
    shared->done.notify_all();
}

void onDisconnected(natsConnection*, void* closure) {
    auto* shared = static_cast<Shared*>(closure);
    shared->disconnected = true;
    shared->disconnects.fetch_add(1, std::memory_order_relaxed);
}

void onReconnected(natsConnection*, void* closure) {
    auto* shared = static_cast<Shared*>(closure);
    shared->disconnected = false;
    shared->reconnects.fetch_add(1, std::memory_order_relaxed);
}

void onAsyncError(natsConnection*, natsSubscription*, natsStatus status, void* closure) {
    // Slow consumers are counted from the subscriptions' dropped counts.
    if (status != NATS_SLOW_CONSUMER) static_cast<Shared*>(closure)->setError(natsStatus_GetText(status));
}

/// JetStream publish acknowledgements (nats.c's reply thread). A publish
/// that timed out or found no responder (a server restarting, a stream
/// leader being elected) is sent again, with the same message id so the
/// stream drops a copy it already stored; an error the stream answered is final.
void onPublishAck(jsCtx* js, natsMsg* msg, jsPubAck*, jsPubAckErr* error, void* closure) {
    auto* shared = static_cast<Shared*>(closure);
    if (error != nullptr) {
        const bool transient = error->Err == NATS_TIMEOUT || error->Err == NATS_NO_RESPONDERS ||
                               error->Err == NATS_CONNECTION_DISCONNECTED || error->ErrCode == 0;
        if (transient && !shared->closing.load()) {
            if (error->Err == NATS_NO_RESPONDERS) {
                // Nobody answers now (a stream leader being elected, a node
                // gone): sent again a little later from the caller's thread,
                // not by sleeping here, which would hold every other acknowledgement.
                const std::lock_guard lock(shared->retryMutex);
                shared->retry.emplace_back(msg, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
                shared->retryWaiting = true;
                return;
            }
            jsPubOptions again;
            jsPubOptions_Init(&again);
            again.MaxWait = shared->ackTimeoutMs;
            shared->publishRetries.fetch_add(1, std::memory_order_relaxed);
            const auto bytes = static_cast<std::uint64_t>(natsMsg_GetDataLength(msg));
            if (js_PublishMsgAsync(js, &msg, &again) == NATS_OK) return; // nats.c owns it again
            shared->inflightBytes.fetch_sub(bytes, std::memory_order_relaxed);
        } else {
            const auto bytes = static_cast<std::uint64_t>(natsMsg_GetDataLength(msg));
            shared->inflightBytes.fetch_sub(bytes, std::memory_order_relaxed);
        }
        shared->publishErrors.fetch_add(1, std::memory_order_relaxed);
        shared->setError(std::string("JetStream publish failed: ") +
                         (error->ErrText != nullptr ? error->ErrText : natsStatus_GetText(error->Err)));
    } else {
        shared->inflightBytes.fetch_sub(static_cast<std::uint64_t>(natsMsg_GetDataLength(msg)),
                                        std::memory_order_relaxed);
    }
    shared->inflight.fetch_sub(1, std::memory_order_relaxed);
    natsMsg_Destroy(msg);
}

} // namespace

class NatsTransport::Impl {
public:
    explicit Impl(NatsOptions opts)
        : options(std::move(opts)), subjects(options.subjectPrefix, options.domain), policy(domainRules(options)),
          origin(randomOrigin(options.name)), desired(options.subscription) {
        shared.ring.resize(std::bit_ceil(options.receiveQueueFrames)); // a power of two: masks, not divisions
        shared.dropWhenFull = options.dropWhenFull;
        shared.ackTimeoutMs = options.jetstream.ackTimeoutMs;
        shared.eventFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (shared.eventFd < 0) throw std::runtime_error("eventfd: " + std::string(std::strerror(errno)));
        batch.reserve(shared.ring.size());
        streamName = options.jetstream.stream.empty() ? defaultStreamName(options.subjectPrefix, options.domain)
                                                      : options.jetstream.stream;
        jsPubOptions_Init(&publishOptions);
        publishOptions.MaxWait = options.jetstream.ackTimeoutMs;
    }
    ~Impl() {
        teardown();
        ::close(shared.eventFd);
    }

    bool connect();
    void teardown() noexcept;
    bool fail(std::string why) {
        reason = std::move(why);
        teardown();
        return false;
    }
    bool ensureStream();
    bool applySubscription();
    bool subscribeCoreTypes(const std::bitset<256>& wanted);
    bool subscribeJetStreamTypes(const std::bitset<256>& wanted);
    void keep(natsSubscription* sub); ///< pending limits, completion tracking, kept for teardown
    void retireSubscriptions() noexcept;
    void destroySubscriptions() noexcept;
    bool subscribeCore(const std::string& subject);
    bool subscribeJetStream();
    transport::SendStatus send(std::span<const std::uint8_t> frames);
    bool publishOne(const wire::FrameView& frame);
    bool retryUnsent();
    void resendDue(bool all = false);
    int receive(transport::FrameHandler& handler, int timeoutMs);
    int deliver(transport::FrameHandler& handler);
    void countDrop(transport::DropReason why) noexcept;

    NatsOptions options;
    SubjectTable subjects;
    transport::DomainPolicy policy;       ///< the domain's rules, both ways
    transport::SequenceTracker sequences; ///< requireSequence: each source's last published on this connection
    std::string origin;
    Shared shared;
    natsConnection* conn = nullptr;
    jsCtx* js = nullptr;
    jsPubOptions publishOptions{};
    std::string streamName;
    std::vector<natsSubscription*> subscriptions; ///< live
    /// Unsubscribed, not yet destroyed: nats.c 3.4.1's read loop uses a
    /// subscription it looked up without a reference (upstream #637, fixed in
    /// 3.6.1), so a handle is destroyed only once natsConnection_Close joined
    /// that thread (teardown). One per replaced subscription until then.
    std::vector<natsSubscription*> retired;
    std::optional<std::bitset<256>> desired; ///< what the client asked for (nullopt: all)
    std::bitset<256> accepted;               ///< what is delivered (subscribed types)
    bool applied = false;                    ///< `accepted` is what the subscriptions on this connection give
    bool setupPending = false;               ///< subscriptions to (re)make before the next delivery
    std::vector<natsMsg*> batch;
    std::vector<std::uint8_t> unsent;        ///< frames taken that nats.c refused for now
    NatsCounters counters;
    std::string reason;
};

bool NatsTransport::Impl::connect() {
    teardown();
    shared.closing = false;
    shared.closed = false;
    shared.disconnected = false;
    shared.closedCallbackRan = false;
    natsOptions* natsOpts = nullptr;
    if (const auto status = natsOptions_Create(&natsOpts); status != NATS_OK) {
        return fail("nats options: " + statusText(status));
    }
    struct OptionsGuard {
        natsOptions* opts;
        ~OptionsGuard() { natsOptions_Destroy(opts); }
    } guard{natsOpts};
    std::vector<const char*> urls;
    urls.reserve(options.servers.size());
    for (const auto& server : options.servers) urls.push_back(server.c_str());
    natsStatus status = natsOptions_SetServers(natsOpts, urls.data(), static_cast<int>(urls.size()));
    const auto set = [&](natsStatus result) {
        if (status == NATS_OK) status = result;
    };
    set(natsOptions_SetName(natsOpts, options.name.c_str()));
    // The relay's rule: a client never gets its own frames back. It is also
    // what keeps bridges from looping (docs/design/nats.md).
    set(natsOptions_SetNoEcho(natsOpts, true));
    set(natsOptions_SetNoRandomize(natsOpts, false));
    set(natsOptions_SetTimeout(natsOpts, options.connectTimeoutMs));
    set(natsOptions_SetAllowReconnect(natsOpts, true));
    set(natsOptions_SetMaxReconnect(natsOpts, options.maxReconnect));
    set(natsOptions_SetReconnectWait(natsOpts, options.reconnectWaitMs));
    set(natsOptions_SetReconnectBufSize(natsOpts, options.reconnectBufferBytes));
    set(natsOptions_SetPingInterval(natsOpts, options.pingIntervalMs));
    set(natsOptions_SetSendAsap(natsOpts, options.sendAsap));
    set(natsOptions_SetMaxPingsOut(natsOpts, 2));
    set(natsOptions_SetClosedCB(natsOpts, onClosed, &shared));
    set(natsOptions_SetDisconnectedCB(natsOpts, onDisconnected, &shared));
    set(natsOptions_SetReconnectedCB(natsOpts, onReconnected, &shared));
    set(natsOptions_SetErrorHandler(natsOpts, onAsyncError, &shared));
    if (!options.user.empty()) set(natsOptions_SetUserInfo(natsOpts, options.user.c_str(), options.password.c_str()));
    if (!options.token.empty()) set(natsOptions_SetToken(natsOpts, options.token.c_str()));
    if (!options.credsFile.empty()) {
        set(natsOptions_SetUserCredentialsFromFiles(natsOpts, options.credsFile.c_str(), nullptr));
    } else if (!options.nkeySeedFile.empty()) {
        std::string why;
        const auto publicKey = nkeyPublicFromSeedFile(options.nkeySeedFile, why);
        if (!publicKey) return fail("nkey_seed_file " + options.nkeySeedFile + ": " + why);
        set(natsOptions_SetNKeyFromSeed(natsOpts, publicKey->c_str(), options.nkeySeedFile.c_str()));
    }
    if (options.tls) {
        set(natsOptions_SetSecure(natsOpts, true));
        if (!options.tlsCaFile.empty()) set(natsOptions_LoadCATrustedCertificates(natsOpts, options.tlsCaFile.c_str()));
        if (!options.tlsCertFile.empty()) {
            set(natsOptions_LoadCertificatesChain(natsOpts, options.tlsCertFile.c_str(), options.tlsKeyFile.c_str()));
        }
        if (options.tlsSkipVerify) set(natsOptions_SkipServerVerification(natsOpts, true));
    }
    if (status != NATS_OK) return fail("nats options: " + statusText(status));

    status = natsConnection_Connect(&conn, natsOpts);
    if (status != NATS_OK) {
        conn = nullptr;
        return fail("cannot connect to " + options.servers.front() + (options.servers.size() > 1 ? " (and others)" : "") +
                    ": " + statusText(status));
    }
    if (options.jetstream.enabled) {
        jsOptions jsOpts;
        jsOptions_Init(&jsOpts);
        jsOpts.Wait = std::max<std::int64_t>({5000, options.connectTimeoutMs, options.jetstream.ackTimeoutMs}); // API requests (stream, consumer)
        jsOpts.PublishAsync.AckHandler = onPublishAck;
        jsOpts.PublishAsync.AckHandlerClosure = &shared;
        // nats.c's own bound stays above ours, so its stall never blocks a
        // retry made from the acknowledgement thread.
        jsOpts.PublishAsync.MaxPending = static_cast<std::int64_t>(options.jetstream.maxInflight) * 4 + 1024;
        status = natsConnection_JetStream(&js, conn, &jsOpts);
        if (status != NATS_OK) {
            js = nullptr;
            return fail("JetStream: " + statusText(status));
        }
        if (!ensureStream()) return false;
    }
    sequences.reset();
    // The interest is on the server before connect() returns, as a relay
    // serves a client from its accept: a service that connects and then
    // waits for frames must not miss the first ones because it has not
    // polled yet. The options carry the client's subscription
    // (config::makeClient passes it), so the Subscribe frame BusClient
    // sends next changes nothing, and a producer subscribes to nothing.
    if (!applySubscription()) {
        teardown();
        return false;
    }
    return true;
}

bool NatsTransport::Impl::ensureStream() {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_GetStreamInfo(&info, js, streamName.c_str(), nullptr, &code);
    if (status == NATS_OK) {
        jsStreamInfo_Destroy(info);
        return true;
    }
    if (status != NATS_NOT_FOUND) return fail("JetStream stream " + streamName + ": " + statusText(status));
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const std::string subject = subjects.wildcard();
    const char* subjectList[] = {subject.c_str()};
    config.Name = streamName.c_str();
    config.Subjects = subjectList;
    config.SubjectsLen = 1;
    config.Storage = options.jetstream.memoryStorage ? js_MemoryStorage : js_FileStorage;
    config.Replicas = options.jetstream.replicas;
    if (options.jetstream.maxBytes != 0) config.MaxBytes = static_cast<std::int64_t>(options.jetstream.maxBytes);
    status = js_AddStream(&info, js, &config, nullptr, &code);
    if (status != NATS_OK) {
        return fail("JetStream: cannot create stream " + streamName + " for " + subject + ": " + statusText(status));
    }
    jsStreamInfo_Destroy(info);
    return true;
}

void NatsTransport::Impl::keep(natsSubscription* sub) {
    natsSubscription_SetPendingLimits(sub, options.pendingLimitMessages, options.pendingLimitBytes);
    {
        const std::lock_guard lock(shared.doneMutex);
        ++shared.liveSubscriptions;
    }
    // Counted until nats.c says the subscription is gone (teardown waits for that).
    if (natsSubscription_SetOnCompleteCB(sub, onSubscriptionComplete, &shared) != NATS_OK) {
        const std::lock_guard lock(shared.doneMutex);
        --shared.liveSubscriptions;
    }
    subscriptions.push_back(sub);
}

bool NatsTransport::Impl::subscribeCore(const std::string& subject) {
    natsSubscription* sub = nullptr;
    const natsStatus status = natsConnection_Subscribe(&sub, conn, subject.c_str(), onMessage, &shared);
    if (status != NATS_OK) {
        reason = "subscribe " + subject + ": " + statusText(status);
        return false;
    }
    keep(sub);
    return true;
}

bool NatsTransport::Impl::subscribeJetStream() {
    const auto& js_ = options.jetstream;
    jsSubOptions subOpts;
    jsSubOptions_Init(&subOpts);
    subOpts.Stream = streamName.c_str();
    subOpts.ManualAck = true; // acknowledged after receive() delivered the frame
    auto& config = subOpts.Config;
    if (!js_.durable.empty()) config.Durable = js_.durable.c_str();
    config.AckPolicy = js_.ack ? js_AckExplicit : js_AckNone;
    config.MaxAckPending = js_.maxAckPending;
    if (js_.ack) config.AckWait = static_cast<std::int64_t>(js_.ackWaitMs) * 1'000'000;
    switch (js_.deliver.kind) {
    case DeliverPolicy::Kind::All: config.DeliverPolicy = js_DeliverAll; break;
    case DeliverPolicy::Kind::New: config.DeliverPolicy = js_DeliverNew; break;
    case DeliverPolicy::Kind::Last: config.DeliverPolicy = js_DeliverLast; break;
    case DeliverPolicy::Kind::Sequence:
        config.DeliverPolicy = js_DeliverByStartSequence;
        config.OptStartSeq = js_.deliver.sequence;
        break;
    case DeliverPolicy::Kind::Time:
        config.DeliverPolicy = js_DeliverByStartTime;
        config.OptStartTime = js_.deliver.timeNs;
        // nats.c 3.4 writes the fraction of a second without its leading zeros
        // (".05" comes out as ".5", half a second late); a fraction under 0.1 s
        // is sent as the whole second before: the replay starts up to 0.1 s
        // early, never late.
        if (const auto fraction = js_.deliver.timeNs % 1'000'000'000; fraction > 0 && fraction < 100'000'000) {
            config.OptStartTime -= fraction;
        }
        break;
    }
    natsSubscription* sub = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_Subscribe(&sub, js, subjects.wildcard().c_str(), onMessage, &shared, nullptr, &subOpts, &code);
    if (status != NATS_OK && !js_.durable.empty()) {
        // The durable exists with another start (it was created with another
        // `deliver`): resume it where it is rather than fail.
        jsSubOptions bind;
        jsSubOptions_Init(&bind);
        bind.Stream = streamName.c_str();
        bind.Consumer = js_.durable.c_str();
        bind.ManualAck = true;
        status = js_Subscribe(&sub, js, subjects.wildcard().c_str(), onMessage, &shared, nullptr, &bind, &code);
    }
    if (status != NATS_OK) {
        reason = "JetStream subscribe " + subjects.wildcard() + " on " + streamName + ": " + statusText(status);
        return false;
    }
    keep(sub);
    return true;
}

void NatsTransport::Impl::retireSubscriptions() noexcept {
    for (natsSubscription* sub : subscriptions) {
        counters.dropsSlowConsumer += droppedBy(sub); // it cannot be asked once unsubscribed
        // Core subscriptions are unsubscribed; a JetStream one is left to
        // natsConnection_Close, which keeps a durable consumer (and its
        // position) on the server. Either way the handle is kept (`retired`).
        if (!options.jetstream.enabled) natsSubscription_Unsubscribe(sub);
        retired.push_back(sub);
    }
    subscriptions.clear();
    accepted.reset();
    applied = false;
}

/// Only once natsConnection_Close returned: it joined the read loop, the one
/// thread that may use a subscription without holding a reference.
void NatsTransport::Impl::destroySubscriptions() noexcept {
    for (natsSubscription* sub : retired) natsSubscription_Destroy(sub);
    retired.clear();
}

bool NatsTransport::Impl::applySubscription() {
    setupPending = false;
    const std::bitset<256> wanted = desired ? (*desired & policy.carried()) : policy.carried();
    // BusClient repeats on connect what the options already said: nothing to redo.
    if (applied && wanted == accepted) return true;
    if (!(options.jetstream.enabled ? subscribeJetStreamTypes(wanted) : subscribeCoreTypes(wanted))) return false;
    applied = true;
    // The server has the interest once this returns: frames published after
    // (by anyone) are delivered, as after a relay took a Subscribe frame.
    if (natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED) natsConnection_FlushTimeout(conn, options.connectTimeoutMs);
    return true;
}

bool NatsTransport::Impl::subscribeCoreTypes(const std::bitset<256>& wanted) {
    retireSubscriptions();
    accepted = wanted;
    if (wanted == policy.carried()) return subscribeCore(subjects.wildcard());
    for (std::size_t type = 0; type < 256; ++type) {
        if (wanted.test(type) && !subscribeCore(subjects.subject(static_cast<std::uint8_t>(type)))) return false;
    }
    return true;
}

bool NatsTransport::Impl::subscribeJetStreamTypes(const std::bitset<256>& wanted) {
    // One consumer on the domain's wildcard keeps the stream's order across
    // types; types not asked for are acknowledged and skipped. Once made it
    // stays until close, even when nothing is wanted any more: unsubscribing
    // at run time would be the use-after-free `retired` avoids, or delete
    // the consumer.
    accepted = wanted;
    if (wanted.none() || !subscriptions.empty()) return true;
    return subscribeJetStream();
}

void NatsTransport::Impl::teardown() noexcept {
    if (conn == nullptr) {
        shared.freeQueued();
        return;
    }
    shared.closing = true;
    shared.space.notify_all();
    if (js != nullptr && shared.inflight.load() > 0 && !shared.closed) {
        // Give outstanding acknowledgements a moment (they are our frames).
        jsPubOptions wait;
        jsPubOptions_Init(&wait);
        wait.MaxWait = 1000;
        js_PublishAsyncComplete(js, &wait);
    }
    retireSubscriptions();
    // Acknowledgements and frames still in nats.c's buffer go out first.
    if (!shared.closed && natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED) natsConnection_FlushTimeout(conn, 500);
    natsConnection_Close(conn); // joins nats.c's read loop
    {
        // No callback may run once the connection is destroyed.
        std::unique_lock lock(shared.doneMutex);
        shared.done.wait_for(lock, std::chrono::seconds(5),
                             [&] { return shared.closedCallbackRan && shared.liveSubscriptions <= 0; });
    }
    destroySubscriptions();
    resendDue(/*all=*/true); // closing: what no server acknowledged is counted lost
    if (js != nullptr) jsCtx_Destroy(js);
    js = nullptr;
    natsConnection_Destroy(conn);
    conn = nullptr;
    shared.liveSubscriptions = 0;
    shared.inflight = 0;
    shared.inflightBytes = 0;
    shared.freeQueued();
}

void NatsTransport::Impl::countDrop(transport::DropReason why) noexcept {
    using transport::DropReason;
    switch (why) {
    case DropReason::Desynchronised: ++counters.dropsMalformed; break;
    case DropReason::OutOfDomain: ++counters.dropsOutOfDomain; break;
    case DropReason::BadChecksum: ++counters.dropsBadChecksum; break;
    case DropReason::BadSequence: ++counters.dropsBadSequence; break;
    default: break; // the policy's checks give no other reason
    }
}

bool NatsTransport::Impl::publishOne(const wire::FrameView& frame) {
    const std::string& subject = subjects.subject(frame.messageType());
    const int size = static_cast<int>(frame.size());
    if (js == nullptr) {
        return natsConnection_Publish(conn, subject.c_str(), frame.data(), size) == NATS_OK;
    }
    natsMsg* msg = nullptr;
    if (natsMsg_Create(&msg, subject.c_str(), nullptr, reinterpret_cast<const char*>(frame.data()), size) != NATS_OK) {
        return false;
    }
    natsMsgHeader_Set(msg, ORIGIN_HEADER, origin.c_str());
    bool ok = false;
    if (options.jetstream.ack) {
        // The message id lets the stream drop the copy a retry may bring.
        char id[96];
        std::snprintf(id, sizeof id, "%s.%llu", origin.c_str(),
                      static_cast<unsigned long long>(counters.framesPublished + 1));
        publishOptions.MsgId = id;
        shared.inflight.fetch_add(1, std::memory_order_relaxed);
        shared.inflightBytes.fetch_add(frame.size(), std::memory_order_relaxed);
        ok = js_PublishMsgAsync(js, &msg, &publishOptions) == NATS_OK;
        publishOptions.MsgId = nullptr;
        if (!ok) {
            shared.inflight.fetch_sub(1, std::memory_order_relaxed);
            shared.inflightBytes.fetch_sub(frame.size(), std::memory_order_relaxed);
        }
    } else {
        ok = natsConnection_PublishMsg(conn, msg) == NATS_OK;
    }
    natsMsg_Destroy(msg); // no-op when nats.c took it
    return ok;
}

void NatsTransport::Impl::resendDue(bool all) {
    if (!shared.retryWaiting.load(std::memory_order_relaxed)) return; // the hot path: one load
    std::vector<std::pair<natsMsg*, std::chrono::steady_clock::time_point>> due;
    {
        const std::lock_guard lock(shared.retryMutex);
        const auto now = std::chrono::steady_clock::now();
        auto keep = std::partition(shared.retry.begin(), shared.retry.end(),
                                   [&](const auto& entry) { return !all && entry.second > now; });
        due.assign(keep, shared.retry.end());
        shared.retry.erase(keep, shared.retry.end());
        shared.retryWaiting = !shared.retry.empty();
    }
    for (auto& [msg, when] : due) {
        const auto bytes = static_cast<std::uint64_t>(natsMsg_GetDataLength(msg));
        if (js != nullptr && !shared.closing) {
            jsPubOptions again;
            jsPubOptions_Init(&again);
            again.MaxWait = options.jetstream.ackTimeoutMs;
            shared.publishRetries.fetch_add(1, std::memory_order_relaxed);
            if (js_PublishMsgAsync(js, &msg, &again) == NATS_OK) continue;
        }
        // Closing, or nats.c refused it: it is lost, and counted.
        shared.publishErrors.fetch_add(1, std::memory_order_relaxed);
        shared.inflight.fetch_sub(1, std::memory_order_relaxed);
        shared.inflightBytes.fetch_sub(bytes, std::memory_order_relaxed);
        natsMsg_Destroy(msg);
    }
}

bool NatsTransport::Impl::retryUnsent() {
    wire::FrameCursor cursor(unsent, options.maxPayload);
    std::size_t published = 0; // bytes of the frames nats.c took
    while (const auto frame = cursor.next()) {
        if (!publishOne(*frame)) break;
        ++counters.framesPublished;
        published = cursor.offset();
    }
    unsent.erase(unsent.begin(), unsent.begin() + static_cast<std::ptrdiff_t>(published));
    return unsent.empty();
}

transport::SendStatus NatsTransport::Impl::send(std::span<const std::uint8_t> frames) {
    if (conn == nullptr || shared.closed) {
        reason = conn == nullptr ? "not connected" : "the NATS connection closed";
        return transport::SendStatus::Closed;
    }
    resendDue();
    if (!unsent.empty() && !retryUnsent()) return transport::SendStatus::WouldBlock;
    // Room first, so that all frames are taken or none.
    std::size_t frameCount = 0;
    for (wire::FrameCursor counting(frames, options.maxPayload); counting.next();) ++frameCount;
    if (js != nullptr && options.jetstream.ack &&
        shared.inflight.load(std::memory_order_relaxed) + frameCount > options.jetstream.maxInflight) {
        return transport::SendStatus::WouldBlock;
    }
    // An atomic the connection callbacks keep, not natsConnection_Status(),
    // which takes the connection's lock on every send.
    if (shared.disconnected.load(std::memory_order_relaxed) &&
        natsConnection_Buffered(conn) + static_cast<int>(frames.size() + frameCount * 64) >
            options.reconnectBufferBytes) {
        return transport::SendStatus::WouldBlock; // reconnecting, and nats.c's buffer is full
    }
    wire::FrameCursor cursor(frames, options.maxPayload);
    while (true) {
        const auto next = cursor.next();
        if (!next) {
            // Not whole frames (a caller's bug): nothing after this can be cut.
            if (cursor.error() != wire::WireError::Ok) counters.dropsMalformed += 1;
            break;
        }
        const wire::FrameView frame = *next;
        if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
            const auto view = wire::SubscribeView::parse(frame.data(), frame.size(), /*verifyChecksum=*/true);
            if (!view) {
                ++counters.dropsMalformed;
                continue;
            }
            desired = wire::subscribe::types(*view);
            setupPending = true;
            continue;
        }
        if (const auto dropped = policy.admit(frame, sequences)) {
            countDrop(*dropped);
            continue;
        }
        if (!unsent.empty() || !publishOne(frame)) {
            // nats.c refused (its buffer filled meanwhile): keep it, in order.
            unsent.insert(unsent.end(), frame.data(), frame.data() + frame.size());
            continue;
        }
        ++counters.framesPublished;
    }
    if (setupPending && !applySubscription()) return transport::SendStatus::Ok; // reason says why; receive() retries
    return transport::SendStatus::Ok;
}

int NatsTransport::Impl::deliver(transport::FrameHandler& handler) {
    int delivered = 0;
    const bool acking = js != nullptr && options.jetstream.ack;
    for (natsMsg* msg : batch) {
        const auto* data = reinterpret_cast<const std::uint8_t*>(natsMsg_GetData(msg));
        const auto size = static_cast<std::size_t>(natsMsg_GetDataLength(msg));
        const auto dropped = policy.checkMessage(data, size);
        bool own = false;
        if (js != nullptr && !dropped) {
            const char* from = nullptr;
            own = natsMsgHeader_Get(msg, ORIGIN_HEADER, &from) == NATS_OK && from != nullptr && origin == from;
        }
        if (dropped) {
            countDrop(*dropped);
        } else if (own) {
            ++counters.ownFramesSkipped;
        } else if (accepted.test(data[wire::header::MESSAGE_TYPE_OFFSET])) {
            handler(wire::FrameView(data, size));
            ++counters.framesReceived;
            ++delivered;
        }
        // Acknowledged once handled (or judged): a crash before this point
        // gets the frame again after the ack wait.
        if (acking) natsMsg_Ack(msg, nullptr);
        natsMsg_Destroy(msg);
    }
    batch.clear();
    return delivered;
}

int NatsTransport::Impl::receive(transport::FrameHandler& handler, int timeoutMs) {
    if (conn == nullptr) {
        if (reason.empty()) reason = "not connected";
        return -1;
    }
    if (setupPending && !applySubscription()) {
        teardown();
        return -1;
    }
    if (!unsent.empty()) retryUnsent();
    resendDue();
    shared.takeAll(batch);
    if (batch.empty() && timeoutMs != 0 && !shared.closed) {
        pollfd pfd{shared.eventFd, POLLIN, 0};
        ::poll(&pfd, 1, timeoutMs);
        shared.takeAll(batch);
    }
    if (batch.empty() && shared.closed) {
        reason = "the NATS connection closed";
        {
            const std::lock_guard lock(shared.errorMutex);
            if (!shared.asyncError.empty()) reason += ": " + shared.asyncError;
        }
        teardown();
        return -1;
    }
    return deliver(handler);
}

// --- NatsTransport

NatsTransport::NatsTransport(NatsOptions options) {
    if (const auto why = checkOptions(options); !why.empty()) throw std::invalid_argument("nats: " + why);
    m_impl = std::make_unique<Impl>(std::move(options));
}

NatsTransport::~NatsTransport() = default;

bool NatsTransport::connect() { return m_impl->connect(); }

bool NatsTransport::connected() const noexcept { return m_impl->conn != nullptr && !m_impl->shared.closed; }

transport::SendStatus NatsTransport::send(std::span<const std::uint8_t> frames) { return m_impl->send(frames); }

bool NatsTransport::flush() {
    auto& impl = *m_impl;
    if (!connected()) return false;
    if (!impl.unsent.empty()) impl.retryUnsent();
    impl.resendDue();
    if (impl.setupPending) impl.applySubscription();
    if (natsConnection_Status(impl.conn) == NATS_CONN_STATUS_CONNECTED && natsConnection_Buffered(impl.conn) > 0) {
        natsConnection_FlushTimeout(impl.conn, 1000);
    }
    return connected();
}

std::size_t NatsTransport::pendingBytes() const noexcept {
    const auto& impl = *m_impl;
    std::size_t pending = impl.unsent.size() + impl.shared.inflightBytes.load(std::memory_order_relaxed);
    if (impl.conn != nullptr) {
        const int buffered = natsConnection_Buffered(impl.conn);
        if (buffered > 0) pending += static_cast<std::size_t>(buffered);
    }
    return pending;
}

int NatsTransport::receive(transport::FrameHandler handler, int timeoutMs) { return m_impl->receive(handler, timeoutMs); }

int NatsTransport::pollFd() const noexcept { return m_impl->shared.eventFd; }

void NatsTransport::takeUnsent(std::vector<std::uint8_t>& into) {
    into.insert(into.end(), m_impl->unsent.begin(), m_impl->unsent.end());
    m_impl->unsent.clear();
}

void NatsTransport::close() noexcept {
    m_impl->teardown();
    m_impl->reason = "closed";
}

const std::string& NatsTransport::reason() const noexcept { return m_impl->reason; }

std::string NatsTransport::describe() const {
    return "nats:" + std::string(wire::domainName(m_impl->options.domain)) + "@" + m_impl->options.servers.front();
}

NatsCounters NatsTransport::counters() const noexcept {
    const auto& impl = *m_impl;
    NatsCounters out = impl.counters;
    out.dropsQueueFull = impl.shared.dropsQueueFull.load();
    out.disconnects = impl.shared.disconnects.load();
    out.reconnects = impl.shared.reconnects.load();
    out.publishRetries = impl.shared.publishRetries.load();
    out.publishErrors = impl.shared.publishErrors.load();
    out.inflight = impl.shared.inflight.load();
    for (natsSubscription* sub : impl.subscriptions) out.dropsSlowConsumer += droppedBy(sub);
    return out;
}

const NatsOptions& NatsTransport::options() const noexcept { return m_impl->options; }

std::string NatsTransport::connectedUrl() const {
    if (m_impl->conn == nullptr) return {};
    char buffer[256] = {};
    if (natsConnection_GetConnectedUrl(m_impl->conn, buffer, sizeof buffer) != NATS_OK) return {};
    return buffer;
}

bool NatsTransport::waitAcknowledged(int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (m_impl->shared.inflight.load() > 0 || !m_impl->unsent.empty()) {
        if (!m_impl->unsent.empty()) m_impl->retryUnsent();
        m_impl->resendDue();
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

} // namespace alphapulse::nats
