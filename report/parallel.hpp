#pragma once
// A fixed pool of worker threads over a list of items, for the report's HTTP work (asking a
// redirector, checking targets): each worker keeps its own connections.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace forumgate::report {

/// Calls `work(i, state)` for every i in [0, count) on `workers` threads, each with its own
/// `state` made by `make_state()` on that thread. Items are handed out one at a time, so a slow
/// one holds up only its worker. The first exception a call throws stops the handing out and
/// is rethrown once every worker has stopped.
template <typename MakeState, typename Work>
void run_parallel(std::size_t count, unsigned workers, MakeState const &make_state, Work const &work)
{
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto const loop = [&] {
        try {
            auto state = make_state();
            for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
                work(i, state);
            }
        } catch (...) {
            std::lock_guard const lock{failure_mutex};
            if (!failure) {
                failure = std::current_exception();
            }
            next.store(count);
        }
    };
    std::size_t const threads = std::clamp<std::size_t>(workers, 1, std::max<std::size_t>(count, 1));
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back(loop);
    }
    loop();
    for (auto &thread : pool) {
        thread.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

} // namespace forumgate::report
