// neuro::Error and neuro::fail: the library's one exception type.

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace test_error {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::Message;
using Catch::Matchers::StartsWith;

TEST_CASE("neuro::Error is a std::invalid_argument and so a std::exception", "[error]") {
    STATIC_REQUIRE(std::is_base_of_v<std::invalid_argument, neuro::Error>);
    STATIC_REQUIRE(std::is_base_of_v<std::logic_error, neuro::Error>);
    STATIC_REQUIRE(std::is_base_of_v<std::exception, neuro::Error>);
    // explicit: a string does not silently become an exception.
    STATIC_REQUIRE_FALSE(std::is_convertible_v<std::string, neuro::Error>);

    SECTION("a handler for std::invalid_argument catches it") {
        CHECK_THROWS_AS(throw neuro::Error("bad"), std::invalid_argument);
    }
    SECTION("a handler for std::exception catches it") {
        CHECK_THROWS_AS(throw neuro::Error("bad"), std::exception);
    }
}

TEST_CASE("neuro::Error's message is the given text prefixed with \"neuro: \"", "[error]") {
    const neuro::Error error("the model has no layers");
    CHECK_THAT(error.what(), StartsWith("neuro: "));
    CHECK_THAT(error.what(), Equals("neuro: the model has no layers"));

    SECTION("an empty message still carries the prefix") {
        CHECK_THAT(neuro::Error("").what(), Equals("neuro: "));
    }
}

TEST_CASE("neuro::fail throws neuro::Error with the fmt-formatted message", "[error]") {
    SECTION("with arguments") {
        CHECK_THROWS_MATCHES(neuro::fail("Dense({}, {}): widths must be at least {}", 0, 3, 1), neuro::Error,
                             Message("neuro: Dense(0, 3): widths must be at least 1"));
    }
    SECTION("with format specifications") {
        CHECK_THROWS_MATCHES(neuro::fail("rate {:.2f} of {}", 0.256, std::string("Dropout")), neuro::Error,
                             Message("neuro: rate 0.26 of Dropout"));
    }
    SECTION("without arguments") {
        CHECK_THROWS_MATCHES(neuro::fail("plain text"), neuro::Error, Message("neuro: plain text"));
    }
    SECTION("the exception can be caught as std::exception and read through what()") {
        std::string message;
        try {
            neuro::fail("layer {} is a {}", 2, "ReLU");
        } catch (const std::exception& caught) {
            message = caught.what();
        }
        CHECK_THAT(message, StartsWith("neuro: ") && Contains("layer 2 is a ReLU"));
    }
}

}  // namespace test_error
