// Steady-state training allocates nothing: once a batch size has been seen, train_on_batch
// makes no heap allocation, and fit allocates the same whatever the number of epochs.
//
// This file replaces the global operator new and delete (every overload) to count calls
// while `counting` is set. Eigen does not use operator new for its buffers: it calls
// malloc. So on glibc (without a sanitizer, which brings its own allocator) the malloc
// family is replaced too, forwarding to glibc's own implementation, and counted as well.

#include "support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_MEMORY__)
#define NEURO_TEST_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define NEURO_TEST_SANITIZER 1
#endif
#endif

#if defined(__GLIBC__) && !defined(NEURO_TEST_SANITIZER)
#define NEURO_TEST_COUNT_MALLOC 1
#endif

// The helpers stay out of line: GCC otherwise sees free() inlined into a delete expression
// and warns (-Wmismatched-new-delete) although the pair is consistent.
#if defined(__GNUC__)
#define NEURO_TEST_NOINLINE __attribute__((noinline))
#else
#define NEURO_TEST_NOINLINE
#endif

namespace {

std::atomic<bool> counting{false};
std::atomic<std::int64_t> operator_new_calls{0};
std::atomic<std::int64_t> malloc_calls{0};  // the malloc family, including the calls operator new makes

void note_operator_new() {
    if (counting.load(std::memory_order_relaxed)) operator_new_calls.fetch_add(1, std::memory_order_relaxed);
}

[[maybe_unused]] void note_malloc() {
    if (counting.load(std::memory_order_relaxed)) malloc_calls.fetch_add(1, std::memory_order_relaxed);
}

NEURO_TEST_NOINLINE void* allocate(std::size_t size) {
    note_operator_new();
    return std::malloc(size == 0 ? 1 : size);
}

NEURO_TEST_NOINLINE void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
    note_operator_new();
    const auto align = static_cast<std::size_t>(alignment);
    const std::size_t rounded = ((size == 0 ? 1 : size) + align - 1) / align * align;
#if defined(_WIN32)
    return _aligned_malloc(rounded, align);
#else
    return std::aligned_alloc(align, rounded);
#endif
}

NEURO_TEST_NOINLINE void release(void* pointer) noexcept { std::free(pointer); }

NEURO_TEST_NOINLINE void release_aligned(void* pointer) noexcept {
#if defined(_WIN32)
    _aligned_free(pointer);
#else
    std::free(pointer);
#endif
}

/// Heap allocations made while `action` runs.
struct Allocations {
    std::int64_t operator_new = 0;
    std::int64_t malloc = 0;
};

template <class F>
Allocations count_allocations(F&& action) {
    operator_new_calls.store(0);
    malloc_calls.store(0);
    counting.store(true);
    action();
    counting.store(false);
    return {operator_new_calls.load(), malloc_calls.load()};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Replacements of the global allocation functions.
// ---------------------------------------------------------------------------------------

void* operator new(std::size_t size) {
    if (void* p = allocate(size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (void* p = allocate(size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t alignment) {
    if (void* p = allocate_aligned(size, alignment)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    if (void* p = allocate_aligned(size, alignment)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_aligned(size, alignment);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release_aligned(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release_aligned(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release_aligned(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release_aligned(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release_aligned(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release_aligned(p); }

#if defined(NEURO_TEST_COUNT_MALLOC)
// glibc supports replacing malloc by symbol interposition; these forward to its own
// implementation, which glibc exports under the __libc_ names.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* pointer);

void* malloc(std::size_t size) noexcept {
    note_malloc();
    return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
    note_malloc();
    return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) noexcept {
    note_malloc();
    return __libc_realloc(pointer, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    note_malloc();
    return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
    note_malloc();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** result, std::size_t alignment, std::size_t size) noexcept {
    note_malloc();
    if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
    void* p = __libc_memalign(alignment, size);
    if (p == nullptr && size != 0) return 12;  // ENOMEM
    *result = p;
    return 0;
}
void free(void* pointer) noexcept { __libc_free(pointer); }
}
#endif

// ---------------------------------------------------------------------------------------

namespace {

using neuro::testing::random_matrix;

template <class T>
neuro::Matrix<T> labels_for(const neuro::Matrix<T>& x) {
    neuro::Matrix<T> y(x.rows(), 1);
    for (neuro::Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) + x(i, 1) > T(0) ? T(1) : T(0);
    return y;
}

/// 10-32-16-1 with dropout, compiled with Adam and binary cross-entropy.
template <class T>
neuro::Sequential<T> build() {
    neuro::Sequential<T> model;
    model.add(neuro::Dense<T>(10, 32));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dropout<T>(0.2));
    model.add(neuro::Dense<T>(32, 16));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(16, 1));
    model.add(neuro::Sigmoid<T>());
    model.compile(neuro::Adam<T>(T(1e-3)), neuro::BinaryCrossEntropy<T>());
    return model;
}

}  // namespace

TEST_CASE("The allocation counters see allocations", "[allocations]") {
    static volatile float sink = 0;
    const auto counted = count_allocations([] {
        // A direct call, which unlike a new-expression the compiler may not elide.
        void* p = ::operator new(64);
        ::operator delete(p);
        Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(1000, 0.0f, 1.0f);
        sink = v.sum();
    });
    CHECK(sink > 0);
    CHECK(counted.operator_new == 1);
#if defined(NEURO_TEST_COUNT_MALLOC)
    CHECK(counted.malloc == 2);  // operator new's malloc and Eigen's
#endif
}

TEMPLATE_TEST_CASE("train_on_batch allocates nothing once its batch sizes have been seen", "[allocations]", float,
                   double) {
    using T = TestType;
    auto model = build<T>();
    const neuro::Matrix<T> x32 = random_matrix<T>(32, 10, 1);
    const neuro::Matrix<T> y32 = labels_for(x32);
    const neuro::Matrix<T> x8 = random_matrix<T>(8, 10, 2);
    const neuro::Matrix<T> y8 = labels_for(x8);
    double losses[6] = {};

    // Warm-up: the first batch of each size may size the buffers.
    model.train_on_batch(x32, y32);
    model.train_on_batch(x8, y8);
    const neuro::Vector<T> before = model.parameters();

    SECTION("plain matrices") {
        const auto counted = count_allocations([&] {
            for (int i = 0; i < 3; ++i) {
                losses[2 * i] = model.train_on_batch(x32, y32);
                losses[2 * i + 1] = model.train_on_batch(x8, y8);
            }
        });
        CHECK(counted.operator_new == 0);
        CHECK(counted.malloc == 0);
    }
    SECTION("blocks of a larger matrix") {
        const auto counted = count_allocations([&] {
            for (int i = 0; i < 3; ++i) {
                losses[2 * i] = model.train_on_batch(x32, y32);
                losses[2 * i + 1] = model.train_on_batch(x32.topRows(8), y32.topRows(8));
            }
        });
        CHECK(counted.operator_new == 0);
        CHECK(counted.malloc == 0);
    }
    // The counted calls did train.
    for (double loss : losses) CHECK(std::isfinite(loss));
    CHECK(model.parameters() != before);
    CHECK(model.optimizer().steps() == 8);
}

TEST_CASE("A training step of W2's size allocates nothing once its batch size has been seen", "[allocations]") {
    // Products this large need packing blocks beyond Eigen's 128 KiB stack buffers. Two
    // threads split them, and on OpenBLAS each part is OpenBLAS's.
    const int threads = neuro::num_threads();
    neuro::set_num_threads(2);
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(784, 512));
    model.add(neuro::ReLU<float>());
    model.add(neuro::Dense<float>(512, 256));
    model.add(neuro::ReLU<float>());
    model.add(neuro::Dense<float>(256, 10));
    model.add(neuro::Softmax<float>());
    model.compile(neuro::Adam<float>(), neuro::CategoricalCrossEntropy<float>());
    const neuro::Matrix<float> x = random_matrix<float>(128, 784, 4);
    neuro::Matrix<float> y = neuro::Matrix<float>::Zero(128, 10);
    for (neuro::Index i = 0; i < y.rows(); ++i) y(i, i % 10) = 1;

    const double first = model.train_on_batch(x, y);
    double later[2] = {};
    const auto counted = count_allocations([&] {
        for (double& loss : later) loss = model.train_on_batch(x, y);
    });
    neuro::set_num_threads(threads);
    CHECK(counted.operator_new == 0);
    CHECK(counted.malloc == 0);
    CHECK(later[1] < first);  // the counted steps did train
}

TEMPLATE_TEST_CASE("fit allocates as much for five epochs as for one", "[allocations]", float, double) {
    using T = TestType;
    // 100 rows in batches of 32: three full batches and a short one each epoch.
    const neuro::Matrix<T> x = random_matrix<T>(100, 10, 3);
    const neuro::Matrix<T> y = labels_for(x);
    const auto base = build<T>();

    neuro::FitOptions options;
    options.batch_size = 32;
    options.verbose = 0;
    options.seed = 5;
    SECTION("without validation") { options.validation_split = 0; }
    SECTION("with validation_split 0.2") { options.validation_split = 0.2; }
    SECTION("with sample and class weights and every augmentation") {
        options.sample_weight.assign(100, 0.5);
        options.class_weight = {{1, 2.0}};
        options.augmentation = {.gaussian_noise = 0.1,
                                .mixup_alpha = 0.2,
                                .image = {2, 5, 1},
                                .max_shift = 1,
                                .horizontal_flip = true};
    }

    // Copies made before counting: both start with no buffers.
    auto one_epoch = base;
    auto five_epochs = base;
    neuro::History h1;
    neuro::History h5;
    auto fit_once = options;
    fit_once.epochs = 1;
    auto fit_five = options;
    fit_five.epochs = 5;

    const auto counted_one = count_allocations([&] { h1 = one_epoch.fit(x, y, fit_once); });
    const auto counted_five = count_allocations([&] { h5 = five_epochs.fit(x, y, fit_five); });

    REQUIRE(h1.loss.size() == 1);
    REQUIRE(h5.loss.size() == 5);
    INFO("one epoch: " << counted_one.operator_new << " operator new, " << counted_one.malloc
                       << " malloc; five epochs: " << counted_five.operator_new << " operator new, "
                       << counted_five.malloc << " malloc");
    CHECK(counted_five.operator_new == counted_one.operator_new);
    CHECK(counted_five.malloc == counted_one.malloc);
}
