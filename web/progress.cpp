#include "web/progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace forumgate::web {

progress::progress(std::string phase, std::string unit, std::uint64_t total, bool terminal, bool quiet,
                   std::chrono::milliseconds log_interval)
    : m_phase(std::move(phase)), m_unit(std::move(unit)), m_total(total), m_terminal(terminal), m_quiet(quiet),
      m_interval(terminal ? std::chrono::milliseconds{250} : log_interval), m_started(std::chrono::steady_clock::now())
{
    if (!m_quiet) {
        m_thread = std::thread{[this] {
            std::unique_lock lock{m_mutex};
            while (!m_wake.wait_for(lock, m_interval, [this] { return m_stop; })) {
                show(false);
            }
        }};
    }
}

progress::~progress()
{
    if (m_thread.joinable()) {
        {
            std::lock_guard const lock{m_mutex};
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
        show(true);
    }
}

double progress::seconds() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
}

std::string progress::line() const
{
    auto const done = m_done.load();
    double const elapsed = std::max(seconds(), 1e-3);
    std::string out = fmt::format("{}: {} {}", m_phase, done, m_unit);
    if (m_total > 0) {
        out = fmt::format("{}: {}/{} {} {:.0f}%", m_phase, done, m_total, m_unit,
                          100.0 * static_cast<double>(done) / static_cast<double>(m_total));
    }
    if (!m_secondary_unit.empty()) {
        out += fmt::format(" · {} {}", m_secondary.load(), m_secondary_unit);
    }
    double const rate = static_cast<double>(m_secondary_unit.empty() ? done : m_secondary.load()) / elapsed;
    out += fmt::format(" · {:.1f} {}/s", rate, m_secondary_unit.empty() ? m_unit : m_secondary_unit);
    if (auto const failed = m_failed.load(); failed > 0) {
        out += fmt::format(" · {} failed", failed);
    }
    if (m_total > done && done > 0) {
        auto const left =
            static_cast<std::int64_t>(elapsed * static_cast<double>(m_total - done) / static_cast<double>(done));
        out += fmt::format(" · ETA {}:{:02}", left / 60, left % 60);
    } else {
        out += fmt::format(" · {:.1f} s", elapsed);
    }
    return out;
}

void progress::show(bool final)
{
    if (m_quiet) {
        return;
    }
    if (m_terminal) {
        std::fprintf(stderr, "\r\033[K%s%s", line().c_str(), final ? "\n" : "");
        std::fflush(stderr);
    } else if (final || m_done.load() > 0) {
        spdlog::info("{}", line());
    }
}

} // namespace forumgate::web
