// core/huge_pages.hpp: large buffers are advised onto transparent huge pages. Linux marks
// the memory a program advised with "hg" in the VmFlags of /proc/self/smaps; these tests
// read that mark. Elsewhere the advice is a no-op and there is nothing to read.

#include <neuro/core/huge_pages.hpp>
#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace test_huge_pages {

#if defined(__linux__) && defined(MADV_HUGEPAGE)

namespace {

using neuro::Index;

// The VmFlags of the mapping that holds `address`, or "" when no mapping holds it.
std::string vm_flags_at(const void* address) {
    const auto target = reinterpret_cast<std::uintptr_t>(address);
    std::ifstream smaps("/proc/self/smaps");
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        // A mapping starts with "start-end perms ...", its fields with "Name:".
        std::istringstream fields(line);
        std::uintptr_t start = 0;
        std::uintptr_t end = 0;
        char dash = 0;
        if (fields >> std::hex >> start >> dash >> end && dash == '-') {
            inside = start <= target && target < end;
        } else if (inside && line.starts_with("VmFlags:")) {
            return line.substr(8) + " ";
        }
    }
    return "";
}

bool advised(const void* address) { return vm_flags_at(address).find(" hg ") != std::string::npos; }

// The midpoint of a buffer of at least 4 MiB always lies in one of its whole 2 MiB pages.
template <class T>
const T* middle(const T* data, Index size) {
    REQUIRE(static_cast<std::size_t>(size) * sizeof(T) >= 2 * neuro::detail::huge_page_bytes);
    return data + size / 2;
}

// Kernels built without transparent huge pages refuse the advice; then there is no mark.
bool kernel_has_huge_pages() { return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"); }

struct Unmap {
    std::size_t bytes;
    void operator()(char* p) const { ::munmap(p, bytes); }
};

}  // namespace

TEST_CASE("advise_huge_pages marks exactly the whole 2 MiB pages inside a buffer", "[huge_pages]") {
    if (!kernel_has_huge_pages()) {
        WARN("this kernel has no transparent huge pages: nothing to check");
        return;
    }
    constexpr std::size_t huge = neuro::detail::huge_page_bytes;
    // A mapping of our own, so that nothing else advised or merged any of it.
    const std::size_t mapped = 6 * huge;
    void* mapping = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(mapping != MAP_FAILED);
    const std::unique_ptr<char, Unmap> owner(static_cast<char*>(mapping), Unmap{mapped});
    const auto base = reinterpret_cast<std::uintptr_t>(mapping);
    char* aligned = reinterpret_cast<char*>((base + huge - 1) / huge * huge);  // at most 1 huge page in

    // 4 KiB past a huge page boundary, for 2 huge pages: only the one whole page between.
    char* buffer = aligned + 4096;
    const std::size_t bytes = 2 * huge;
    for (std::size_t i = 0; i < bytes; i += 4096) buffer[i] = static_cast<char>(i / 4096);
    neuro::detail::advise_huge_pages(buffer, bytes);

    CHECK_FALSE(advised(buffer));                 // the part page at the front
    CHECK(advised(aligned + huge));               // the whole page
    CHECK(advised(aligned + 2 * huge - 1));
    CHECK_FALSE(advised(aligned + 2 * huge));     // the part page at the back
    CHECK_FALSE(advised(aligned + 3 * huge));     // beyond the buffer
    bool unchanged = true;                        // advice only: the values stay
    for (std::size_t i = 0; i < bytes; i += 4096) unchanged = unchanged && buffer[i] == static_cast<char>(i / 4096);
    CHECK(unchanged);

    // A buffer that holds no whole huge page is left alone.
    char* small = aligned + 3 * huge + 4096;
    neuro::detail::advise_huge_pages(small, huge);
    CHECK_FALSE(advised(small + huge / 2));
}

TEST_CASE("A model's parameters, gradients, optimizer state and workspace are advised onto huge pages",
          "[huge_pages]") {
    if (!kernel_has_huge_pages()) {
        WARN("this kernel has no transparent huge pages: nothing to check");
        return;
    }
    // 1024 x 1024 weights: 4 MiB of floats, and 4 MiB of activations for a batch of 512.
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(1024, 1024)).add(neuro::ReLU<float>());
    model.compile(neuro::Adam<float>(1e-3f), neuro::MeanSquaredError<float>());
    CHECK(advised(middle(model.parameters().data(), model.parameters().size())));
    CHECK(advised(middle(model.gradients().data(), model.gradients().size())));
    const auto state = std::as_const(model.optimizer()).state();
    REQUIRE(state.size() == 2);  // Adam's two moments
    for (const auto& [name, values] : state) {
        INFO(name);
        CHECK(advised(middle(values.data(), values.size())));
    }

    std::vector<std::unique_ptr<neuro::Layer<float>>> layers;
    layers.push_back(std::make_unique<neuro::Dense<float>>(1024, 1024));
    neuro::Workspace<float> workspace;
    const Index batch = 512;
    workspace.reserve(layers, 1024, 2048, batch, true);
    // Activations 0 and 1 are consecutive: the midpoint of the buffer is where 1 starts.
    CHECK(advised(middle(workspace.activation(0, batch).data(), 2 * 1024 * batch)));
    CHECK(advised(middle(workspace.gradient(0, batch).data(), 2 * 1024 * batch)));
    CHECK(advised(middle(workspace.targets(2048, batch).data(), 2048 * batch)));
}

#endif

}  // namespace test_huge_pages
