#pragma once
// Progress of a long phase, one reporter for every long command: on a terminal, one status line
// redrawn in place (count of total, rate, ETA, what the run waits for), cut to the terminal's
// width, with log lines written above it; otherwise a plain log line every interval, so log
// files stay readable.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace spdlog {
class logger;
} // namespace spdlog

namespace forumgate::web {

/// Represents one phase's progress, shown until it is destroyed. Thread-safe counting.
class progress
{
public:
    /// `unit` names what is counted ("topics"). `total` is nullopt when unknown; a known total of
    /// 0 means there is nothing to do: nothing is shown but one line "PHASE: nothing to do".
    /// `terminal` picks the redrawn line; `quiet` shows nothing (tests).
    progress(std::string phase, std::string unit, std::optional<std::uint64_t> total, bool terminal, bool quiet = false,
             std::chrono::milliseconds log_interval = std::chrono::seconds{10});
    ~progress();
    progress(progress const &) = delete;
    progress &operator=(progress const &) = delete;

    void add(std::uint64_t done = 1) noexcept { m_done.fetch_add(done, std::memory_order_relaxed); }
    /// More work found on the way (e.g. ids swept past the highest known): the total grows.
    void add_total(std::uint64_t more) noexcept { m_total.fetch_add(more, std::memory_order_relaxed); }
    /// The total, once known (a phase that starts before it can count its work).
    void set_total(std::uint64_t total) noexcept
    {
        m_total.store(total);
        m_known_total.store(true);
    }
    /// A second count shown beside the first (e.g. posts while counting topics); the rate is of it.
    void add_secondary(std::uint64_t count) noexcept { m_secondary.fetch_add(count, std::memory_order_relaxed); }
    void set_secondary_unit(std::string unit);
    void add_failure() noexcept { m_failed.fetch_add(1, std::memory_order_relaxed); }

    [[nodiscard]] std::uint64_t done() const noexcept { return m_done.load(); }
    [[nodiscard]] std::uint64_t secondary() const noexcept { return m_secondary.load(); }
    [[nodiscard]] double seconds() const;

    /// \return the status line as shown now ("topics: 120/800 15% · 750 posts · 41.2 posts/s ·
    /// ETA 0:16"), cut to at most `columns` - 1 columns when `columns` is given (a terminal's
    /// width: the last column stays free so the line never wraps). Never above 100%: a count past
    /// its total is shown without one.
    [[nodiscard]] std::string line(std::optional<std::size_t> columns = std::nullopt);

    /// The calling thread waits `how_long` for `reason` ("new forum's per-user rate limit"):
    /// every progress line shown meanwhile says "waiting 42 s: REASON" (the longest wait of all
    /// threads). Callable from any thread, with or without a progress shown.
    static void waiting(std::string reason, std::chrono::steady_clock::duration how_long);
    /// The calling thread no longer waits (also implied once its wait has run out).
    static void clear_waiting();

    /// Represents one wait of the calling thread, said on the progress line while it lasts.
    class wait_scope
    {
    public:
        wait_scope(std::string reason, std::chrono::steady_clock::duration how_long)
        {
            waiting(std::move(reason), how_long);
        }
        ~wait_scope() { clear_waiting(); }
        wait_scope(wait_scope const &) = delete;
        wait_scope &operator=(wait_scope const &) = delete;
    };

private:
    [[nodiscard]] std::string compose(std::optional<std::size_t> columns);
    void show(bool final);
    /// Draws again every progress line on a terminal (a wait started or ended).
    static void redraw_drawn();

    std::string m_phase;
    std::string m_unit;
    std::string m_secondary_unit;
    std::atomic<bool> m_known_total;
    bool m_terminal;
    bool m_quiet;
    bool m_past_total_noted = false;
    std::chrono::milliseconds m_interval;
    std::chrono::steady_clock::time_point m_started;
    std::atomic<std::uint64_t> m_total;
    std::atomic<std::uint64_t> m_done{0};
    std::atomic<std::uint64_t> m_secondary{0};
    std::atomic<std::uint64_t> m_failed{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

/// \return the width of the terminal on standard error (TIOCGWINSZ, read anew on each call so a
/// resize is followed), else $COLUMNS, else 80.
[[nodiscard]] std::size_t terminal_columns();

/// \return `text` cut to at most `columns` display columns (UTF-8 characters), ending in "…"
/// when cut.
[[nodiscard]] std::string fit_columns(std::string_view text, std::size_t columns);

/// \return the logger for standard error that every executable uses: coloured on a terminal,
/// and aware of the progress line: each log line, from any thread, clears the progress line
/// first and draws it again after, so the two never run into one another.
[[nodiscard]] std::shared_ptr<spdlog::logger> make_stderr_logger(std::string const &name);

} // namespace forumgate::web
