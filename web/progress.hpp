#pragma once
// Progress of a long phase: on a terminal, one line redrawn in place (count of total, rate,
// ETA); otherwise a plain log line every interval, so log files stay readable.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace forumgate::web {

/// Represents one phase's progress, shown until it is destroyed. Thread-safe counting.
class progress
{
public:
    /// `unit` names what is counted ("topics"); `total` 0 when unknown. `terminal` picks the
    /// redrawn line; `quiet` shows nothing (tests).
    progress(std::string phase, std::string unit, std::uint64_t total, bool terminal, bool quiet = false,
             std::chrono::milliseconds log_interval = std::chrono::seconds{10});
    ~progress();
    progress(progress const &) = delete;
    progress &operator=(progress const &) = delete;

    void add(std::uint64_t done = 1) noexcept { m_done.fetch_add(done, std::memory_order_relaxed); }
    /// A second count shown beside the first (e.g. posts while counting topics).
    void add_secondary(std::uint64_t count) noexcept { m_secondary.fetch_add(count, std::memory_order_relaxed); }
    void set_secondary_unit(std::string unit) { m_secondary_unit = std::move(unit); }
    void add_failure() noexcept { m_failed.fetch_add(1, std::memory_order_relaxed); }

    [[nodiscard]] std::uint64_t done() const noexcept { return m_done.load(); }
    [[nodiscard]] std::uint64_t secondary() const noexcept { return m_secondary.load(); }
    [[nodiscard]] double seconds() const;

    /// \return the status line as shown now ("topics 120/800 15% · 750 posts · 41.2/s · ETA 0:16").
    [[nodiscard]] std::string line() const;

private:
    void show(bool final);

    std::string m_phase;
    std::string m_unit;
    std::string m_secondary_unit;
    std::uint64_t m_total;
    bool m_terminal;
    bool m_quiet;
    std::chrono::milliseconds m_interval;
    std::chrono::steady_clock::time_point m_started;
    std::atomic<std::uint64_t> m_done{0};
    std::atomic<std::uint64_t> m_secondary{0};
    std::atomic<std::uint64_t> m_failed{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace forumgate::web
