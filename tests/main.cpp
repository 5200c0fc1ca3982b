// Provides main() for every Catch2 test executable; compiled once into the
// neuro_test_main static library.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
