#pragma once
// Writing a file all at once: readers of the target see its old content or the complete new
// content, never a part of the new one, even when the write fails half-way.

#include "neuro/core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace neuro::io {

namespace detail {

// A fresh name next to the target: the same directory keeps the final rename on one file
// system (so it is atomic), and the random part keeps concurrent writers apart.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
    std::random_device entropy;
    const std::uint64_t suffix = (std::uint64_t(entropy()) << 32) ^ std::uint64_t(entropy());
    return path.parent_path() / fmt::format(".{}.{:016x}.tmp", path.filename().string(), suffix);
}

// The reason the last failed system call gave, if it gave one.
inline std::string system_reason(int error_number) {
    if (error_number == 0) return "";
    return " (" + std::error_code(error_number, std::generic_category()).message() + ")";
}

}  // namespace detail

/// Writes the file at `path` with what `write_content` puts into the stream it is given.
/// Represents: the replacement of a whole file in one step.
/// Requires: the directory of `path` exists and `path` is not a directory (else neuro::Error
///   naming the path).
/// Ensures: on success `path` holds exactly the new content (with the old file's permissions,
///   if there was one); if anything fails (creating, writing, flushing, closing, renaming, or
///   `write_content` throwing), `path` is as it was, the temporary file is removed, and the
///   exception propagates (neuro::Error naming the path for I/O failures).
/// The content is flushed to the operating system, not synced to the disk: a power loss right
/// after the call may still lose it.
inline void write_file_atomically(const std::filesystem::path& path,
                                  const std::function<void(std::ostream&)>& write_content) {
    namespace fs = std::filesystem;
    const std::string target = path.string();
    if (!path.has_filename()) fail("cannot write '{}': the path does not name a file", target);
    const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code status_error;
    if (!fs::is_directory(directory, status_error))
        fail("cannot write '{}': the directory '{}' does not exist", target, directory.string());
    if (fs::is_directory(path, status_error)) fail("cannot write '{}': it is a directory", target);

    const fs::path temporary = detail::temporary_sibling(path);
    try {
        {
            errno = 0;
            std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
            if (!stream)
                fail("cannot write '{}': cannot create a file in '{}'{}", target, directory.string(),
                     detail::system_reason(errno));
            errno = 0;
            write_content(stream);
            stream.flush();
            stream.close();
            if (stream.fail()) fail("cannot write '{}': writing failed{}", target, detail::system_reason(errno));
        }
        // Replacing a file should not change who may read it.
        const fs::file_status old_status = fs::status(path, status_error);
        if (!status_error && fs::is_regular_file(old_status))
            fs::permissions(temporary, old_status.permissions(), status_error);

        std::error_code rename_error;
        fs::rename(temporary, path, rename_error);
        if (rename_error) fail("cannot write '{}': {}", target, rename_error.message());
    } catch (...) {
        std::error_code ignored;  // the original failure is the one worth reporting
        fs::remove(temporary, ignored);
        throw;
    }
}

/// Writes `content` to `path` as write_file_atomically above does.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    write_file_atomically(
        path, [content](std::ostream& stream) { stream.write(content.data(), std::streamsize(content.size())); });
}

}  // namespace neuro::io
