#include "alphapulse/config/installed_file.hpp"

#include <filesystem>
#include <system_error>

namespace alphapulse::config {

std::string installedFile(std::string_view relative, std::string_view buildTreePath) {
    namespace fs = std::filesystem;
    std::error_code error;
    // /proc/self/exe rather than argv[0]: it is absolute and resolves symlinks
    // (a command linked into ~/bin still finds its own prefix).
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (!error && exe.has_parent_path()) {
        const fs::path candidate = exe.parent_path().parent_path() / "share" / "alphapulse" / fs::path(relative);
        if (fs::exists(candidate, error)) return candidate.string();
    }
    return std::string(buildTreePath);
}

}  // namespace alphapulse::config
