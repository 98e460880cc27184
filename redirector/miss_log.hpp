#pragma once
// The miss log and the access log: what visitors asked for, written off the I/O threads.

#include "mappings/resolver.hpp"
#include "redirector/request_head.hpp"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace forumgate::redirector {

/// Represents the counts of URLs that got a 404 or 410, flushed to the store every interval
/// so the coverage report can show what real visitors still miss. Bounded: past
/// MAX_DISTINCT different URLs in one interval, further ones are only counted as overflow.
class miss_log
{
public:
    /// Different URLs kept between two flushes.
    static constexpr std::size_t MAX_DISTINCT = 10000;

    /// `db` empty or `interval_seconds` 0: counting only, nothing written.
    miss_log(std::string db, std::size_t interval_seconds);
    ~miss_log();
    miss_log(miss_log const &) = delete;
    miss_log &operator=(miss_log const &) = delete;

    void record(std::string_view target, mappings::reason why);
    /// Writes what was counted now (also done at shutdown).
    void flush();

private:
    void run();

    std::string m_db;
    std::size_t m_interval;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::unordered_map<std::string, std::pair<mappings::reason, std::int64_t>> m_counts;
    std::int64_t m_overflow = 0;
    bool m_stop = false;
    bool m_warned = false;
    std::thread m_thread;
};

/// Represents an access log in the combined format, written by a background thread from a
/// bounded queue: a slow disk never slows an answer (lines are dropped and counted instead).
class access_log
{
public:
    /// Lines waiting at most; more are dropped.
    static constexpr std::size_t QUEUE_LIMIT = 65536;

    /// `path` "-" is standard output. \throws argument_error if the file cannot be opened.
    explicit access_log(std::string const &path);
    ~access_log();
    access_log(access_log const &) = delete;
    access_log &operator=(access_log const &) = delete;

    void write(std::string const &client, request_fields const &request, int status, std::string_view date);

private:
    void run();

    std::FILE *m_file;
    bool m_owned;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<std::string> m_queue;
    std::uint64_t m_dropped = 0;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace forumgate::redirector
