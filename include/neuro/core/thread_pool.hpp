#pragma once
// The worker threads that run the parts of neuro's threaded products and passes.
//
// A training step hands work to another thread several times (W2: 7 times a step), each time
// after a short stretch on the calling thread. On our test VM a thread asleep in the kernel
// took about 90 us to wake, longer than many of those pieces of work; OpenMP threads told
// not to spin (OMP_WAIT_POLICY=passive) paid it every time, and ran W2 at 2 threads 25%
// slower than threads that stayed awake. Threads that spin instead steal a core from the
// rest of a busy machine. So a thread waiting here polls for up to 100 us, about what a
// wake-up costs, and yields its core at every poll; it sleeps once the time is up or once
// another thread took the core. The next piece of a step finds it awake.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <thread>

#if defined(__unix__)
#include <pthread.h>
#endif

namespace neuro::detail {

/// How long a waiting thread polls, yielding, before it sleeps, in microseconds
/// (neuro::set_idle_poll).
inline std::atomic<std::int64_t>& idle_poll_us() {
    static std::atomic<std::int64_t> poll{100};
    return poll;
}

/// A poll that took longer than this let another thread run on the core: the machine is busy,
/// and the waiting thread sleeps instead (a yield to an idle core takes about a microsecond).
inline constexpr std::chrono::microseconds busy_core_yield{20};

/// Waits until `word` no longer holds `old` and returns what it holds. Polls for up to
/// idle_poll_us, yielding the core at each poll, and sleeps until notified once the time is up
/// or once a yield let another thread run (it took longer than a yield to an idle core).
template <class Word>
Word wait_for_change(const std::atomic<Word>& word, Word old) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::microseconds(idle_poll_us().load(std::memory_order_relaxed));
    for (auto now = Clock::now(); now < deadline;) {
        if (const Word value = word.load(std::memory_order_acquire); value != old) return value;
        std::this_thread::yield();
        const auto before = now;
        now = Clock::now();
        if (now - before > busy_core_yield) break;
    }
    for (;;) {
        if (const Word value = word.load(std::memory_order_acquire); value != old) return value;
        word.wait(old, std::memory_order_acquire);
    }
}

/// Worker threads that run the parts of one job at a time, part 0 on the calling thread.
/// Workers start when a job first needs them and are never stopped or destroyed: neuro may
/// still run from other static objects' destructors, and idle workers sleep.
class ThreadPool {
public:
    /// The most parts one job may have.
    static constexpr int max_parts = 256;

    /// The process's pool. A child process made by fork gets a new one: the parent's workers
    /// do not exist there.
    static ThreadPool& instance() {
#if defined(__unix__)
        static const int registered = pthread_atfork(nullptr, nullptr, [] { current() = new ThreadPool; });
        (void)registered;
#endif
        return *current();
    }

    /// Whether the calling thread is running a part of a job (a worker always is).
    static bool in_job() { return in_job_flag(); }

    /// Calls task(part) for every part in [0, parts), parts <= max_parts, part 0 on the calling
    /// thread, and returns once all have returned; task must not throw. Returns false without
    /// calling task when the pool runs another thread's job, when called from inside a job,
    /// or when the system cannot start a worker.
    template <class Task>
    bool try_run(int parts, Task& task) {
        if (in_job()) return false;
        std::unique_lock lock(busy_, std::try_to_lock);
        if (!lock.owns_lock() || !start_workers(parts - 1)) return false;
        call_ = [](void* context, int part) { (*static_cast<Task*>(context))(part); };
        context_ = &task;
        pending_.store(parts - 1, std::memory_order_relaxed);
        // The word tells each worker whether it has a part, so that one without never reads
        // call_ or context_, which the next job may already be writing. 64 bits never wrap.
        sequence_ += 1;
        announcement_.store(sequence_ << part_bits | std::uint64_t(parts - 1), std::memory_order_release);
        announcement_.notify_all();
        in_job_flag() = true;
        task(0);
        in_job_flag() = false;
        for (int left = pending_.load(std::memory_order_acquire); left != 0;) left = wait_for_change(pending_, left);
        return true;
    }

private:
    static constexpr int part_bits = 8;  // holds max_parts - 1

    ThreadPool() = default;

    static ThreadPool*& current() {
        static ThreadPool* pool = new ThreadPool;
        return pool;
    }

    static bool& in_job_flag() {
        thread_local bool flag = false;
        return flag;
    }

    // Whether `count` workers run; starts the missing ones.
    bool start_workers(int count) {
        try {
            // A new worker waits for the next announcement, not for one after it.
            const std::uint64_t seen = announcement_.load(std::memory_order_relaxed);
            for (; workers_ < count; ++workers_) std::thread([this, id = workers_, seen] { work(id, seen); }).detach();
        } catch (const std::system_error&) {
            return false;
        }
        return true;
    }

    [[noreturn]] void work(int id, std::uint64_t seen) {
        in_job_flag() = true;
        for (;;) {
            seen = wait_for_change(announcement_, seen);
            const auto workers_with_parts = static_cast<int>(seen & ((std::uint64_t(1) << part_bits) - 1));
            if (id >= workers_with_parts) continue;
            call_(context_, id + 1);
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
        }
    }

    std::mutex busy_;  // held by the thread whose job runs
    int workers_ = 0;
    void (*call_)(void*, int) = nullptr;
    void* context_ = nullptr;
    std::uint64_t sequence_ = 0;
    std::atomic<std::uint64_t> announcement_{0};
    std::atomic<int> pending_{0};
};

}  // namespace neuro::detail
