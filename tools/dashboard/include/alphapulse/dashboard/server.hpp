#pragma once
// The dashboard's HTTP server (cpp-httplib): the embedded page at "/", the
// snapshot JSON at "/api/snapshot" (the page polls it). Plain HTTP on a
// loopback address by default: it is a local operator's view, not a service.
#include <functional>
#include <memory>
#include <string>

namespace alphapulse::dashboard {

struct ServerOptions {
    std::string bind = "127.0.0.1";
    int port = 8080; ///< 0: any free port (see port())
};

class Server {
public:
    /// `snapshot` is called on an HTTP thread for each /api/snapshot request.
    Server(std::function<std::string()> snapshot, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds; throws std::runtime_error when the address is taken or invalid.
    void bind();
    [[nodiscard]] int port() const noexcept;
    /// Serves until stop() (from another thread or a signal handler's thread).
    void serve();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace alphapulse::dashboard
