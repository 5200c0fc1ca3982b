#pragma once
// FileSizeLimit: makes writes fail part-way, as a full disk would, so that tests can check what
// a failed write leaves behind. It works for root too, unlike a read-only directory.

#include <csignal>
#include <sys/resource.h>

namespace neuro::testing {

/// Represents: a lowered limit on the size of the files this process writes (RLIMIT_FSIZE),
/// with SIGXFSZ ignored so that a write past the limit fails with EFBIG instead of killing
/// the process.
/// Ensures: the previous limit and signal handler are restored when the object is destroyed.
/// Keep it alive only around the write under test: it applies to every file the process writes.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &original_);
        rlimit lowered = original_;
        lowered.rlim_cur = bytes;
        previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &lowered);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &original_);
        std::signal(SIGXFSZ, previous_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit original_{};
    void (*previous_handler_)(int) = nullptr;
};

}  // namespace neuro::testing
