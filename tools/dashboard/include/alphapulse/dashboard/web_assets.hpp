#pragma once
// The page's files (tools/dashboard/web and its chart library), compiled
// into the binary at build time (cmake/embed_web_assets.cmake).
#include <span>
#include <string_view>

namespace alphapulse::dashboard {

struct WebAsset {
    std::string_view path;        ///< URL path: "/", "/app.js", ...
    std::string_view contentType; ///< "text/html; charset=utf-8", ...
    std::string_view body;
};

[[nodiscard]] std::span<const WebAsset> webAssets() noexcept;
/// The asset served at `path`, or nullptr.
[[nodiscard]] const WebAsset* findWebAsset(std::string_view path) noexcept;

} // namespace alphapulse::dashboard
