#pragma once
// Running one task per item on a few threads, each with a worker of its own (a connection to a
// forum and one to the store), stopping everything at the first error the task does not handle.

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace forumgate::importer {

/// Runs `task(worker &, item)` for every item on up to `concurrency` threads. Each thread makes
/// its worker with `make_worker()`. The task records its own item failures; anything it throws
/// (a store failure) stops every thread and is rethrown here, after all have stopped.
template <typename Item, typename MakeWorker, typename Task>
void in_parallel(int concurrency, std::vector<Item> const &items, MakeWorker make_worker, Task task)
{
    if (items.empty()) {
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto const threads = std::clamp<std::size_t>(items.size(), 1, static_cast<std::size_t>(std::max(concurrency, 1)));
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            try {
                auto self = make_worker();
                for (std::size_t i = next++; i < items.size() && !stop; i = next++) {
                    task(*self, items[i]);
                }
            } catch (...) {
                std::lock_guard const lock{error_mutex};
                if (!first_error) {
                    first_error = std::current_exception();
                }
                stop = true;
            }
        });
    }
    for (auto &thread : pool) {
        thread.join();
    }
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

} // namespace forumgate::importer
