#pragma once
// read_file: a whole file into memory, the first step of every reader of neuro.
//
// Readers load a file whole and parse the buffer (no iostream per value). Writers replace a
// file in one step with io::write_file_atomically (neuro/io/atomic_file.hpp).

#include "neuro/core/error.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace neuro {

/// Ensures: the bytes of the file at `path`, read whole. Throws neuro::Error naming `context`
/// (the caller, e.g. "read_csv"), the path and the system's reason when it cannot be read.
inline std::string read_file(const std::filesystem::path& path, std::string_view context) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) fail("{}: {} is a directory, not a file", context, path.string());
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) fail("{}: cannot open {}: {}", context, path.string(), std::generic_category().message(errno));
    std::string bytes;
    // The size is only a hint: pipes and special files report 0 and are read to their end.
    const auto size_hint = std::filesystem::file_size(path, error);
    if (!error) bytes.reserve(size_hint);
    char chunk[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) bytes.append(chunk, got);
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed) fail("{}: cannot read {}", context, path.string());
    return bytes;
}

}  // namespace neuro
