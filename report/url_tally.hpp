#pragma once
// The distinct old URLs a report covers, with how often each was asked for, on which days, by
// which search engine crawlers, and which inputs named it.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace forumgate::report {

/// Where a URL came from (bits; a URL may come from several inputs).
enum source_bit : std::uint8_t
{
    FROM_SITEMAP = 1U << 0U,
    FROM_ACCESS_LOG = 1U << 1U,
    FROM_URL_LIST = 1U << 2U,
    FROM_MAP = 1U << 3U,
    FROM_MISS_LOG = 1U << 4U,
};

/// One distinct old URL.
struct tallied_url
{
    std::string host;   ///< lower-case, without port; empty: the main old host
    std::string target; ///< path and query as received
    std::uint64_t hits = 0;
    std::uint32_t first_day = UINT32_MAX;     ///< index of its first per-day count in url_tally's day list
    std::uint32_t first_crawler = UINT32_MAX; ///< index of its first per-crawler count; none for most URLs
    std::uint8_t sources = 0;                 ///< source_bit values
};

/// Hits of one URL on one day (a node of the URL's list of days).
struct day_count
{
    std::int32_t day = 0; ///< days since 1970-01-01
    std::uint64_t hits = 0;
    std::uint32_t next = UINT32_MAX;
};

/// Hits of one URL by one crawler (a node of the URL's list of crawlers).
struct crawler_count
{
    std::uint8_t crawler = 0; ///< a report::crawler value
    std::uint64_t hits = 0;
    std::uint32_t next = UINT32_MAX;
};

/// Represents the set of distinct old URLs, in the order first seen. The same path under the
/// main old host, given as a bare path or as a full URL, is one URL.
class url_tally
{
public:
    static constexpr std::int32_t NO_DAY = INT32_MIN;

    /// `main_host`: the old forum's main host name (bare paths belong to it).
    explicit url_tally(std::string_view main_host);

    /// Counts `hits` requests for `target` on `host` (any case, a port or final dot is
    /// ignored; empty: the main host) from `source`, on `day` (NO_DAY: not known).
    /// \return the URL's index.
    std::uint32_t add(std::string_view host, std::string_view target, std::uint64_t hits, source_bit source,
                      std::int32_t day = NO_DAY);

    /// Counts `hits` of URL `index` (as add() returned it) as asked for by `crawler` (a
    /// report::crawler value other than none).
    void add_crawler_hits(std::uint32_t index, std::uint8_t crawler, std::uint64_t hits);

    [[nodiscard]] std::size_t size() const noexcept { return m_urls.size(); }
    [[nodiscard]] tallied_url const &operator[](std::size_t i) const noexcept { return m_urls[i]; }
    [[nodiscard]] std::string const &main_host() const noexcept { return m_main_host; }

    /// Calls `f(day, hits)` for each day URL `i` was asked for.
    template <typename F>
    void for_each_day(std::size_t i, F &&f) const
    {
        for (std::uint32_t node = m_urls[i].first_day; node != UINT32_MAX; node = m_days[node].next) {
            f(m_days[node].day, m_days[node].hits);
        }
    }

    /// Calls `f(crawler, hits)` for each crawler that asked for URL `i`.
    template <typename F>
    void for_each_crawler(std::size_t i, F &&f) const
    {
        for (std::uint32_t node = m_urls[i].first_crawler; node != UINT32_MAX; node = m_crawlers[node].next) {
            f(m_crawlers[node].crawler, m_crawlers[node].hits);
        }
    }

    /// \return the URL for people: the target alone on the main host, else `host` + target;
    /// control bytes, spaces and bytes that are not UTF-8 percent-encoded.
    [[nodiscard]] std::string display(std::size_t i) const;

private:
    /// One place of the open-addressing index of main-host targets.
    struct slot
    {
        std::uint64_t hash = 0;
        std::uint32_t index = UINT32_MAX; ///< UINT32_MAX: empty
    };

    /// \return the index of main-host `target`, adding it if new.
    std::uint32_t find_or_add_target(std::string_view target);
    void grow();

    std::string m_main_host;
    std::deque<tallied_url> m_urls; ///< a deque: entries never move as it grows
    // Main-host targets, most of a log, by open addressing with linear probing: a probe reads
    // one array and compares the stored hash before any string, where a node-based map
    // chases a pointer per entry (the hash table was a fifth of the reading time).
    std::vector<slot> m_slots;
    std::size_t m_used = 0;
    std::unordered_map<std::string, std::uint32_t> m_by_host_and_target; ///< other hosts: "host target"
    std::vector<day_count> m_days;
    std::vector<crawler_count> m_crawlers;
};

/// \return `host` lower-cased, without `:port` or a final dot.
[[nodiscard]] std::string normal_host(std::string_view host);

/// \return `text` with control bytes, spaces and bytes that are not part of valid UTF-8
/// percent-encoded, so that any URL can be shown and written as JSON.
[[nodiscard]] std::string printable_url(std::string_view text);

/// \return `text` with control bytes and bytes that are not part of valid UTF-8 written as
/// `\xHH` (spaces kept): a log line as it can be shown.
[[nodiscard]] std::string printable_text(std::string_view text);

} // namespace forumgate::report
