#include "redirector/miss_log.hpp"

#include "base/error.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace forumgate::redirector {

miss_log::miss_log(std::string db, std::size_t interval_seconds) : m_db{std::move(db)}, m_interval{interval_seconds}
{
    if (!m_db.empty() && m_interval > 0) {
        m_thread = std::thread{[this] { run(); }};
    }
}

miss_log::~miss_log()
{
    {
        std::lock_guard const lock{m_mutex};
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void miss_log::record(std::string_view target, mappings::reason why)
{
    std::lock_guard const lock{m_mutex};
    auto it = m_counts.find(std::string{target});
    if (it != m_counts.end()) {
        ++it->second.second;
    } else if (m_counts.size() < MAX_DISTINCT) {
        m_counts.emplace(std::string{target}, std::pair{why, std::int64_t{1}});
    } else {
        ++m_overflow;
    }
}

void miss_log::flush()
{
    if (m_db.empty() || m_interval == 0) {
        return;
    }
    std::unordered_map<std::string, std::pair<mappings::reason, std::int64_t>> counts;
    std::int64_t overflow = 0;
    {
        std::lock_guard const lock{m_mutex};
        counts.swap(m_counts);
        overflow = std::exchange(m_overflow, 0);
    }
    if (counts.empty()) {
        return;
    }
    std::vector<store::miss_count> rows;
    rows.reserve(counts.size());
    for (auto &[target, value] : counts) {
        rows.push_back({target, std::string{mappings::to_string(value.first)}, value.second});
    }
    try {
        store::database store{m_db};
        store.record_misses(rows);
        if (m_warned) {
            spdlog::info("miss log written to the store again");
            m_warned = false;
        }
        if (overflow > 0) {
            spdlog::warn("miss log: {} misses of more than {} different URLs were counted but not kept", overflow,
                         MAX_DISTINCT);
        }
    } catch (std::exception const &e) {
        // Keep the counts for the next try; the store may be back by then.
        std::lock_guard const lock{m_mutex};
        for (auto &[target, value] : counts) {
            auto &slot = m_counts[target];
            slot.first = value.first;
            slot.second += value.second;
        }
        if (!m_warned) {
            spdlog::warn("miss log not written ({}); keeping the counts and retrying", e.what());
            m_warned = true;
        }
    }
}

void miss_log::run()
{
    while (true) {
        {
            std::unique_lock lock{m_mutex};
            if (m_wake.wait_for(lock, std::chrono::seconds{m_interval}, [this] { return m_stop; })) {
                return;
            }
        }
        flush();
    }
}

// ---------------------------------------------------------------------------------------------

access_log::access_log(std::string const &path)
    : m_file{path == "-" ? stdout : std::fopen(path.c_str(), "a")}, m_owned{path != "-"}
{
    if (m_file == nullptr) {
        throw argument_error{fmt::format("cannot open access log {}", path)};
    }
    m_thread = std::thread{[this] { run(); }};
}

access_log::~access_log()
{
    {
        std::lock_guard const lock{m_mutex};
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    if (m_owned) {
        std::fclose(m_file);
    } else {
        std::fflush(m_file);
    }
}

namespace {

// Request text in a log line: quotes, backslashes and controls escaped, as nginx does.
void append_escaped(std::string &out, std::string_view text)
{
    for (char const c : text) {
        auto const byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || byte < 0x20U || byte >= 0x7FU) {
            out += fmt::format("\\x{:02X}", byte);
        } else {
            out.push_back(c);
        }
    }
}

} // namespace

void access_log::write(std::string const &client, request_fields const &request, int status, std::string_view date)
{
    // Combined log format (nginx's and Apache's `combined`, which forumgate coverage reads): the
    // response's Date header ("Fri, 27 Nov 2026 08:13:31 GMT") written as [27/Nov/2026:08:13:31
    // +0000], and "-" for a missing referer.
    std::string line;
    line.reserve(256);
    line += client;
    line += " - - [";
    if (date.size() == 29 && date.ends_with(" GMT")) {
        line.append(date.substr(5, 2)).append("/").append(date.substr(8, 3)).append("/").append(date.substr(12, 4));
        line.append(":").append(date.substr(17, 8)).append(" +0000");
    } else {
        line += date;
    }
    line += "] \"";
    auto const method = boost::beast::http::to_string(request.method);
    append_escaped(line, std::string_view{method.data(), method.size()});
    line.push_back(' ');
    append_escaped(line, request.target);
    line += request.http10() ? " HTTP/1.0\" " : " HTTP/1.1\" ";
    line += std::to_string(status);
    line += " - \"";
    if (request.referer.empty()) {
        line += '-';
    }
    append_escaped(line, request.referer);
    line += "\" \"";
    append_escaped(line, request.user_agent);
    line += "\"\n";
    {
        std::lock_guard const lock{m_mutex};
        if (m_queue.size() >= QUEUE_LIMIT) {
            ++m_dropped;
            return;
        }
        m_queue.push_back(std::move(line));
    }
    m_wake.notify_one();
}

void access_log::run()
{
    std::vector<std::string> batch;
    while (true) {
        std::uint64_t dropped = 0;
        bool stop = false;
        {
            std::unique_lock lock{m_mutex};
            m_wake.wait_for(lock, std::chrono::seconds{1}, [this] { return m_stop || !m_queue.empty(); });
            batch.swap(m_queue);
            dropped = std::exchange(m_dropped, 0);
            stop = m_stop;
        }
        for (auto const &line : batch) {
            std::fwrite(line.data(), 1, line.size(), m_file);
        }
        if (dropped > 0) {
            std::fprintf(m_file, "# forumgate: %llu access log lines dropped (the log could not keep up)\n",
                         static_cast<unsigned long long>(dropped));
        }
        std::fflush(m_file);
        batch.clear();
        if (stop) {
            return;
        }
    }
}

} // namespace forumgate::redirector
