#pragma once
// The one thread pool of forumgate: a few worker threads over a list of items, each worker with
// state of its own (a connection to a forum, one to the store), stopping at the first error.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace forumgate::base {

/// Calls `work(i, state)` for every i in [0, count) on up to `workers` threads (the calling
/// thread is one of them), each with its own `state` made by `make_state()` on that thread.
/// Items are handed out one at a time, so a slow one holds up only its worker. The first
/// exception a call throws stops the handing out and is rethrown once every worker has stopped.
template <typename MakeState, typename Work>
void run_parallel(std::size_t count, unsigned workers, MakeState const &make_state, Work const &work)
{
    if (count == 0) {
        return;
    }
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
    std::size_t const threads = std::clamp<std::size_t>(workers, 1, count);
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

/// Runs `task(worker &, item)` for every item on up to `concurrency` threads, each with the
/// worker `make_worker()` returns (a pointer-like owner). The task records its own item
/// failures; anything it throws stops every thread and is rethrown here, after all have stopped.
template <typename Item, typename MakeWorker, typename Task>
void in_parallel(int concurrency, std::vector<Item> const &items, MakeWorker make_worker, Task task)
{
    run_parallel(items.size(), static_cast<unsigned>(std::max(concurrency, 1)), make_worker,
                 [&](std::size_t i, auto &worker) { task(*worker, items[i]); });
}

} // namespace forumgate::base
