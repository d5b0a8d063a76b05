#include "alphapulse/dashboard/server.hpp"

#include <httplib.h>

#include <stdexcept>

#include "alphapulse/dashboard/web_assets.hpp"

namespace alphapulse::dashboard {

const WebAsset* findWebAsset(std::string_view path) noexcept {
    for (const auto& asset : webAssets()) {
        if (asset.path == path) return &asset;
    }
    return nullptr;
}

struct Server::Impl {
    httplib::Server http;
    ServerOptions options;
    std::function<std::string()> snapshot;
    int port = -1;
};

Server::Server(std::function<std::string()> snapshot, ServerOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = std::move(options);
    m_impl->snapshot = std::move(snapshot);
    auto& http = m_impl->http;
    // Everything the page loads comes from here: the policy makes a stray
    // external reference fail loudly in the browser instead of working only online.
    http.set_default_headers({{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:"},
                              {"X-Content-Type-Options", "nosniff"}});
    http.Get("/api/snapshot", [impl = m_impl.get()](const httplib::Request&, httplib::Response& res) {
        res.set_header("Cache-Control", "no-store");
        try {
            res.set_content(impl->snapshot(), "application/json");
        } catch (const std::exception& e) {
            res.status = 500;
            res.set_content(std::string("snapshot failed: ") + e.what() + "\n", "text/plain");
        }
    });
    http.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
        const std::string path = req.path == "/" ? "/index.html" : req.path;
        const WebAsset* asset = findWebAsset(path);
        if (asset == nullptr) {
            res.status = 404;
            res.set_content("not found\n", "text/plain");
            return;
        }
        res.set_content(asset->body.data(), asset->body.size(), std::string(asset->contentType).c_str());
    });
}

Server::~Server() { stop(); }

void Server::bind() {
    auto& o = m_impl->options;
    if (o.port == 0) {
        m_impl->port = m_impl->http.bind_to_any_port(o.bind);
    } else {
        m_impl->port = m_impl->http.bind_to_port(o.bind, o.port) ? o.port : -1;
    }
    if (m_impl->port < 0) {
        throw std::runtime_error("cannot listen on " + o.bind + ":" + std::to_string(o.port) +
                                 " (address in use, or not an address of this machine)");
    }
}

int Server::port() const noexcept { return m_impl->port; }

void Server::serve() { m_impl->http.listen_after_bind(); }

void Server::stop() { m_impl->http.stop(); }

} // namespace alphapulse::dashboard
