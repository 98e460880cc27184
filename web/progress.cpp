#include "web/progress.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

namespace forumgate::web {

namespace {

/// Clears the terminal line the cursor is on: back to its start, erase to its end.
constexpr char const *CLEAR_LINE = "\r\033[K";

/// Parts of the progress line kept this much or more stay on a narrow terminal, cut at its edge.
constexpr int ALWAYS_SHOWN = 8;

/// Redraws of the line on a terminal: often enough to look live, rare enough to cost nothing.
constexpr std::chrono::milliseconds TERMINAL_REDRAW{250};

/// Represents the one status line at the bottom of standard error, shared by the progress shown
/// and the log: whoever writes holds its mutex, so a log line never lands after a half line.
class status_line
{
public:
    static status_line &instance()
    {
        static status_line shared;
        return shared;
    }

    /// Draws `text` in place of the line shown.
    void draw(std::string text)
    {
        std::lock_guard const lock{m_mutex};
        std::fputs(CLEAR_LINE, stderr);
        std::fputs(text.c_str(), stderr);
        std::fflush(stderr);
        m_shown = std::move(text);
    }

    /// Draws `text` for the last time and ends the line: the next output goes below it.
    void finish(std::string const &text)
    {
        std::lock_guard const lock{m_mutex};
        std::fputs(CLEAR_LINE, stderr);
        std::fputs(text.c_str(), stderr);
        std::fputc('\n', stderr);
        std::fflush(stderr);
        m_shown.reset();
    }

    /// Runs `write` (which writes whole lines to standard error) with the line cleared before
    /// and drawn again after.
    template <typename Write>
    void write_above(Write const &write)
    {
        std::lock_guard const lock{m_mutex};
        if (m_shown) {
            std::fputs(CLEAR_LINE, stderr);
            std::fflush(stderr);
        }
        write();
        if (m_shown) {
            std::fputs(m_shown->c_str(), stderr);
            std::fflush(stderr);
        }
    }

private:
    std::mutex m_mutex;
    std::optional<std::string> m_shown;
};

/// Represents a log sink that writes through another (the coloured standard error) with the
/// progress line cleared first and drawn again after.
class status_line_sink final : public spdlog::sinks::sink
{
public:
    explicit status_line_sink(std::shared_ptr<spdlog::sinks::sink> inner) : m_inner(std::move(inner)) {}

    void log(spdlog::details::log_msg const &message) override
    {
        status_line::instance().write_above([&] {
            m_inner->log(message);
            m_inner->flush();
        });
    }
    void flush() override { m_inner->flush(); }
    void set_pattern(std::string const &pattern) override { m_inner->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override
    {
        m_inner->set_formatter(std::move(formatter));
    }

private:
    std::shared_ptr<spdlog::sinks::sink> m_inner;
};

/// What one thread waits for, and until when.
struct wait
{
    std::string reason;
    std::chrono::steady_clock::time_point until;
};

/// The waits of all threads, for whichever progress line is shown.
struct wait_board
{
    static wait_board &instance()
    {
        static wait_board shared;
        return shared;
    }

    /// \return the wait that lasts longest of those not run out, as "waiting 42 s: REASON".
    std::optional<std::string> longest()
    {
        std::lock_guard const lock{mutex};
        auto const now = std::chrono::steady_clock::now();
        wait const *found = nullptr;
        for (auto const &[thread, one] : waits) {
            if (one.until > now && (found == nullptr || one.until > found->until)) {
                found = &one;
            }
        }
        if (found == nullptr) {
            return std::nullopt;
        }
        auto const left = std::chrono::ceil<std::chrono::seconds>(found->until - now).count();
        return fmt::format("waiting {} s: {}", left, found->reason);
    }

    std::mutex mutex;
    std::map<std::thread::id, wait> waits;
};

/// The progress lines drawn on a terminal now, drawn again the moment a wait starts or ends: a
/// stalled run says why at once, not at the next redraw.
struct drawn_lines
{
    static drawn_lines &instance()
    {
        static drawn_lines shared;
        return shared;
    }

    std::mutex mutex;
    std::vector<progress *> lines;
};

/// \return how many columns `text` takes (one per UTF-8 character).
std::size_t display_width(std::string_view text)
{
    return static_cast<std::size_t>(
        std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

/// \return `seconds` as M:SS.
std::string minutes_seconds(std::int64_t seconds)
{
    return fmt::format("{}:{:02}", seconds / 60, seconds % 60);
}

} // namespace

progress::progress(std::string phase, std::string unit, std::optional<std::uint64_t> total, bool terminal, bool quiet,
                   std::chrono::milliseconds log_interval)
    : m_phase(std::move(phase)), m_unit(std::move(unit)), m_known_total(total.has_value()), m_terminal(terminal),
      m_quiet(quiet), m_interval(terminal ? TERMINAL_REDRAW : log_interval),
      m_started(std::chrono::steady_clock::now()), m_total(total.value_or(0))
{
    if (m_quiet) {
        return;
    }
    if (m_known_total && m_total.load() == 0) {
        spdlog::info("{}: nothing to do", m_phase);
        return;
    }
    if (m_terminal) {
        auto &drawn = drawn_lines::instance();
        std::lock_guard const lock{drawn.mutex};
        drawn.lines.push_back(this);
    }
    m_thread = std::thread{[this] {
        std::unique_lock lock{m_mutex};
        while (!m_wake.wait_for(lock, m_interval, [this] { return m_stop; })) {
            show(false);
        }
    }};
}

progress::~progress()
{
    if (m_terminal) {
        auto &drawn = drawn_lines::instance();
        std::lock_guard const lock{drawn.mutex};
        std::erase(drawn.lines, this);
    }
    if (m_thread.joinable()) {
        std::unique_lock lock{m_mutex};
        m_stop = true;
        lock.unlock();
        m_wake.notify_all();
        m_thread.join();
        lock.lock();
        show(true);
    }
}

void progress::set_secondary_unit(std::string unit)
{
    std::lock_guard const lock{m_mutex};
    m_secondary_unit = std::move(unit);
}

double progress::seconds() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
}

std::string progress::line(std::optional<std::size_t> columns)
{
    std::lock_guard const lock{m_mutex};
    return compose(columns);
}

std::string progress::compose(std::optional<std::size_t> columns)
{
    auto const done = m_done.load();
    auto const total = m_total.load();
    double const elapsed = std::max(seconds(), 1e-3);
    bool const within_total = m_known_total && total > 0 && done <= total;
    if (m_known_total && done > total && !m_past_total_noted) {
        m_past_total_noted = true;
        spdlog::debug("{}: counted {} {} of {} expected; shown without a percentage", m_phase, done, m_unit, total);
    }
    // The parts of the line, the most needed first; on a narrow terminal the last go first.
    struct part
    {
        std::string text;
        int keep; ///< the higher, the longer it stays on a narrow terminal
    };
    std::vector<part> parts;
    parts.push_back({within_total ? fmt::format("{}: {}/{} {} {}%", m_phase, done, total, m_unit, done * 100 / total)
                                  : fmt::format("{}: {} {}", m_phase, done, m_unit),
                     ALWAYS_SHOWN + 1});
    if (auto waiting = wait_board::instance().longest()) {
        parts.push_back({std::move(*waiting), ALWAYS_SHOWN});
    }
    if (!m_secondary_unit.empty()) {
        parts.push_back({fmt::format("{} {}", m_secondary.load(), m_secondary_unit), 4});
    }
    double const rate = static_cast<double>(m_secondary_unit.empty() ? done : m_secondary.load()) / elapsed;
    parts.push_back({fmt::format("{:.1f} {}/s", rate, m_secondary_unit.empty() ? m_unit : m_secondary_unit), 2});
    if (auto const failed = m_failed.load(); failed > 0) {
        parts.push_back({fmt::format("{} failed", failed), 7});
    }
    if (within_total && total > done && done > 0) {
        parts.push_back({"ETA " + minutes_seconds(static_cast<std::int64_t>(
                                      elapsed * static_cast<double>(total - done) / static_cast<double>(done))),
                         3});
    } else {
        parts.push_back({fmt::format("{:.1f} s", elapsed), 3});
    }
    auto const join = [&parts] {
        std::string out;
        for (auto const &one : parts) {
            out += (out.empty() ? "" : " · ") + one.text;
        }
        return out;
    };
    if (!columns) {
        return join();
    }
    // The count and the wait stay (cut at the end if need be); the others go, least needed first.
    auto const room = *columns > 1 ? *columns - 1 : 1;
    for (auto least = std::ranges::min_element(parts, {}, &part::keep);
         least->keep < ALWAYS_SHOWN && display_width(join()) > room;
         least = std::ranges::min_element(parts, {}, &part::keep)) {
        parts.erase(least);
    }
    return fit_columns(join(), room);
}

void progress::show(bool final)
{
    if (m_terminal) {
        auto text = compose(terminal_columns());
        if (final) {
            status_line::instance().finish(text);
        } else {
            status_line::instance().draw(std::move(text));
        }
    } else if (final || m_done.load() > 0 || wait_board::instance().longest()) {
        spdlog::info("{}", compose(std::nullopt));
    }
}

void progress::waiting(std::string reason, std::chrono::steady_clock::duration how_long)
{
    auto &board = wait_board::instance();
    {
        std::lock_guard const lock{board.mutex};
        board.waits.insert_or_assign(std::this_thread::get_id(),
                                     wait{std::move(reason), std::chrono::steady_clock::now() + how_long});
    }
    redraw_drawn();
}

void progress::clear_waiting()
{
    auto &board = wait_board::instance();
    {
        std::lock_guard const lock{board.mutex};
        board.waits.erase(std::this_thread::get_id());
    }
    redraw_drawn();
}

void progress::redraw_drawn()
{
    auto &drawn = drawn_lines::instance();
    std::lock_guard const lock{drawn.mutex};
    for (auto *const shown : drawn.lines) {
        std::lock_guard const line_lock{shown->m_mutex};
        if (!shown->m_stop) {
            shown->show(false);
        }
    }
}

std::size_t terminal_columns()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    if (char const *columns = std::getenv("COLUMNS"); columns != nullptr) {
        char *end = nullptr;
        auto const parsed = std::strtoul(columns, &end, 10);
        if (end != columns && *end == '\0' && parsed > 0) {
            return parsed;
        }
    }
    return 80;
}

std::string fit_columns(std::string_view text, std::size_t columns)
{
    if (display_width(text) <= columns) {
        return std::string{text};
    }
    std::string out;
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool const starts_character = (static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U;
        if (starts_character && ++width > columns - (columns > 0 ? 1 : 0)) {
            break;
        }
        out += text[i];
    }
    return columns > 0 ? out + "…" : out;
}

std::shared_ptr<spdlog::logger> make_stderr_logger(std::string const &name)
{
    auto sink = std::make_shared<status_line_sink>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
    spdlog::register_logger(logger);
    return logger;
}

} // namespace forumgate::web
