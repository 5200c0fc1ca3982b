#pragma once
// neuro::Error: the one exception type the library throws for misuse and bad input.

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace neuro {

/// Thrown for every misuse and every bad input: wrong shapes, invalid options, non-finite
/// data, calls in the wrong order. The message says what is wrong and, for shapes, the
/// expected and actual sizes, so the user can act on it without reading the library.
class Error : public std::invalid_argument {
public:
    explicit Error(const std::string& message) : std::invalid_argument("neuro: " + message) {}
};

/// Throws neuro::Error with a fmt-formatted message.
template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace neuro
