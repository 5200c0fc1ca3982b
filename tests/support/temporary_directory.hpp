#pragma once
// TemporaryDirectory: a fresh directory for the files one test writes, removed with them after.

#include <chrono>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace neuro::testing {

/// Represents: a directory under the system's temporary directory that no one else uses.
/// Ensures: it exists while the object lives and is removed, with everything in it, after.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        std::random_device entropy;
        const auto base = std::filesystem::temp_directory_path();
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
            path_ = base / ("neuro-test-" + std::to_string(entropy()) + "-" + std::to_string(ticks));
            if (std::filesystem::create_directory(path_)) return;  // false: the name was taken
        }
        throw std::runtime_error("TemporaryDirectory: no free name under " + base.string());
    }

    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    ~TemporaryDirectory() {
        std::error_code ignored;  // a destructor must not throw
        std::filesystem::remove_all(path_, ignored);
    }

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace neuro::testing
