#pragma once
// The facts of a coverage report, worked out once and handed to every formatter (HTML, JSON,
// terminal), which only lay them out.

#include "mappings/url_shape.hpp"
#include "report/outcome.hpp"
#include "report/rule_proposals.hpp"
#include "report/traffic.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace forumgate::report {

/// A count of distinct URLs and of the requests for them.
struct tally_count
{
    std::uint64_t urls = 0;
    std::uint64_t hits = 0;
};

/// A log line that could not be read, as shown in the report.
struct malformed_line
{
    std::string file;
    std::uint64_t line = 0;
    std::string problem;
    std::string text; ///< the start of the line, printable
};

/// What the inputs held.
struct input_summary
{
    std::vector<std::string> sitemaps;
    std::vector<std::string> access_logs;
    std::vector<std::string> url_lists;
    bool from_map = false;
    bool from_misses = false;

    std::uint64_t sitemap_documents = 0;
    std::uint64_t sitemap_urls = 0;
    std::uint64_t log_lines = 0;
    std::uint64_t log_requests = 0; ///< lines counted as requests for old URLs
    std::uint64_t list_urls = 0;
    std::uint64_t map_urls = 0;
    std::uint64_t miss_log_urls = 0;

    /// Log lines left out, by why: not GET or HEAD; no request line or no URL in it; a path
    /// of Discourse's own machinery (assets, message bus…) that no link points at.
    std::uint64_t skipped_method = 0;
    std::uint64_t skipped_no_request = 0;
    std::uint64_t skipped_internal = 0;

    /// Requests taken for probes (scanners and bots trying the server, not links), by
    /// probe_kind, from the access logs and the miss log (hits). Set apart from every figure
    /// unless probes_counted (--count-probes).
    std::array<std::uint64_t, PROBE_KIND_COUNT> probes{};
    bool probes_counted = false;
    /// \return every request taken for a probe.
    [[nodiscard]] std::uint64_t probe_requests() const noexcept;

    std::uint64_t malformed = 0;                    ///< log and list lines that could not be read
    std::vector<malformed_line> malformed_examples; ///< the first few

    /// How each access log was read: its layout, detected from its first lines or given by
    /// --log-format (`"--log-format (nginx)"`).
    struct log_layout
    {
        std::string file;
        std::string layout;
    };
    std::vector<log_layout> log_layouts;
};

/// Figures for one kind of URL.
struct kind_figures
{
    mappings::url_kind kind = mappings::url_kind::other;
    tally_count all;
    tally_count covered;
};

/// Figures for one day of the access logs.
struct day_figures
{
    std::string date; ///< YYYY-MM-DD
    std::uint64_t hits = 0;
    std::uint64_t covered_hits = 0;
};

/// Figures for one search engine crawler, from the access logs' user agents.
struct crawler_figures
{
    crawler bot = crawler::none;
    tally_count all;     ///< the URLs it asked for, and its hits
    tally_count covered; ///< of those, the covered ones
};

/// One cause of misses in "why URLs miss": for not_found and gone, the likely reason; for the
/// other outcomes that miss (target_broken, loop, off_site, error), the outcome alone.
struct miss_cause
{
    url_outcome outcome = url_outcome::not_found;
    miss_reason why = miss_reason::none; ///< none for the outcomes that have no reasons
    tally_count count;
};

/// One URL in a list of the report (misses, chains).
struct listed_url
{
    std::string url; ///< printable: the target alone on the main host, else host and target
    std::uint64_t hits = 0;
    mappings::url_kind kind = mappings::url_kind::other;
    url_outcome outcome = url_outcome::not_found;
    miss_reason why = miss_reason::none;
    int status = 0;        ///< the redirector's answer (0: none)
    std::string location;  ///< where it was sent
    int target_status = 0; ///< the target's last answer, when checked
    int hops = 0;
    std::string detail;
    std::uint64_t crawler_hits = 0; ///< of `hits`, those of search engine crawlers
};

/// Represents a whole coverage report.
struct coverage_report
{
    std::string generated_at; ///< UTC, ISO 8601
    std::string resolved_by;  ///< "map" (in-process) or "redirector" (--via)
    std::string redirector;   ///< the --via URL, if any
    std::optional<std::int64_t> map_version;
    std::vector<std::string> old_hosts;
    std::string new_base;
    /// The forums by name, as the map's settings give them (the command line's hosts only without a
    /// map): the old forum's main host and the new forum's host (with its port and path, if any).
    std::string old_forum;
    std::string new_forum;
    bool targets_checked = false;
    std::uint64_t targets = 0;              ///< distinct targets checked
    std::uint64_t members_only_targets = 0; ///< distinct members-only targets, checked or not
    std::string members_checked_as;         ///< the user members-only targets were asked for as; empty: not asked

    input_summary inputs;

    tally_count total;
    tally_count covered;                                  ///< redirected, passed through or chain
    std::array<tally_count, OUTCOME_COUNT> outcomes{};    ///< by url_outcome
    std::array<tally_count, MISS_REASON_COUNT> reasons{}; ///< misses (not found, gone) by likely reason
    std::vector<miss_cause> why_missed; ///< every miss by cause, the most hits (then URLs) first; adds up to missed
    std::array<std::uint64_t, OUTCOME_COUNT> crawler_hits{}; ///< hits of search engine crawlers, by url_outcome
    std::vector<crawler_figures> crawlers;                   ///< crawlers that asked for anything, the most hits first
    std::vector<kind_figures> kinds;                         ///< kinds that occur, in url_kind order
    std::vector<day_figures> days;                           ///< in date order; empty without access logs
    std::vector<listed_url> top_missed;                      ///< not covered, the most hits first
    std::uint64_t missed_urls = 0;                           ///< all of them (top_missed may be cut)
    std::vector<listed_url> chains;                          ///< redirect chains, the most hits first
    std::vector<rule_proposal> proposals;
    bool proposals_possible = false; ///< a map was at hand to try rules on
    double seconds = 0.0;

    /// \return the share covered, in percent, or nullopt if there is nothing to share.
    [[nodiscard]] std::optional<double> coverage_by_urls() const;
    [[nodiscard]] std::optional<double> coverage_by_hits() const;
};

/// \return 100 * part / whole, or nullopt if whole is 0.
[[nodiscard]] std::optional<double> percent(std::uint64_t part, std::uint64_t whole);

/// \return a percentage as the reports show it: "97.3%"; "100%" only when nothing is missing,
/// so that 99.96% never reads as complete; "–" when there is nothing to share.
[[nodiscard]] std::string format_percent(std::optional<double> value, std::uint64_t part = 0, std::uint64_t whole = 0);

/// \return the words for a cause of misses: the likely reason ("id never imported"), or the
/// outcome for those that have none ("target broken").
[[nodiscard]] std::string_view cause_label(miss_cause const &cause) noexcept;

/// \return a forum's name from its base URL: without the scheme and a final `/`
/// ("forum.brum.coop", "localhost:8080", "example.org/forum").
[[nodiscard]] std::string forum_name(std::string_view base_url);

/// \return the probes of `in` by kind, in words: "12 scanner paths, 3 proxy attempts"; "" for none.
[[nodiscard]] std::string probe_breakdown(input_summary const &in);

/// \return `value` with thousands separated by commas: "1,234,567".
[[nodiscard]] std::string thousands(std::uint64_t value);

} // namespace forumgate::report
