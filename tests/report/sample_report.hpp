#pragma once
// A report with something of everything, for the tests of the figures and the formats: twelve
// URLs over three days of logs, every covered outcome (a members-only one too) and most misses,
// search engines' crawlers among the hits, probes set apart, a proposal, malformed lines, and a
// URL that tries to inject markup. Made by the real work_out_figures().

#include "report/classify.hpp"
#include "report/figures.hpp"
#include "report/report.hpp"
#include "report/url_tally.hpp"

#include <string>
#include <vector>

namespace forumgate::testing {

/// Days of the sample logs: 2024-05-01, 02 and 03.
inline constexpr std::int32_t SAMPLE_DAY = 19844;

namespace sample_detail {

/// One old URL of the sample: its hits per day and where it lands.
struct row
{
    std::string host;
    std::string target;
    std::vector<std::pair<int, std::uint64_t>> days; ///< day offset, hits
    report::url_outcome outcome;
    report::miss_reason why;
    mappings::url_kind kind;
    int status;
    std::string location;
    int target_status = 0;
    int hops = 0;
    std::string detail{};
};

inline std::string const BASE = "https://forum.brum.coop";

/// The first rows: the covered outcomes and the first misses.
inline std::vector<row> first_rows()
{
    using namespace forumgate::report;
    using mappings::url_kind;
    std::string const &base = BASE;
    return {
        {"",
         "/t/agm-2023-minutes/774",
         {{0, 70}, {1, 50}},
         url_outcome::redirected,
         miss_reason::none,
         url_kind::topic,
         301,
         base + "/t/agm-2023-minutes/1774",
         200},
        {"",
         "/p/9003",
         {{0, 30}},
         url_outcome::redirected,
         miss_reason::none,
         url_kind::post,
         301,
         base + "/t/agm-2023-minutes/1774/2",
         200},
        {"",
         "/latest",
         {{1, 25}},
         url_outcome::passed_through,
         miss_reason::none,
         url_kind::site_page,
         301,
         base + "/latest",
         200},
        {"",
         "/t/proposal-food-co-op/775",
         {{2, 10}},
         url_outcome::chain,
         miss_reason::none,
         url_kind::topic,
         301,
         base + "/t/1775",
         200,
         1,
         base + "/t/1775 → " + base + "/t/proposal-food-co-op/1775"},
        {"",
         "/t/board-only-budget-draft/776",
         {{2, 4}},
         url_outcome::restricted,
         miss_reason::none,
         url_kind::topic,
         301,
         base + "/t/1776",
         200,
         1,
         base + "/t/1776 → " + base + "/t/board-only-budget-draft/1776"},
        {"",
         "/t/some-topic/999",
         {{0, 12}},
         url_outcome::not_found,
         miss_reason::never_imported,
         url_kind::topic,
         404,
         ""},
        {"",
         "/viewtopic.php?t=774",
         {{1, 8}},
         url_outcome::not_found,
         miss_reason::unknown_shape,
         url_kind::other,
         404,
         ""},
    };
}

/// The other rows: the other misses, a broken target and a URL that could not be asked.
inline std::vector<row> other_rows()
{
    using namespace forumgate::report;
    using mappings::url_kind;
    std::string const &base = BASE;
    return {
        {"", "/t/spam-topic/777", {{2, 3}}, url_outcome::gone, miss_reason::not_migrated, url_kind::topic, 410, ""},
        {"",
         "/u/alice",
         {{2, 2}},
         url_outcome::target_broken,
         miss_reason::none,
         url_kind::user,
         301,
         base + "/u/alice",
         404,
         0,
         base + "/u/alice answered 404"},
        {"",
         "/t/<script>alert(1)</script>/5",
         {{2, 1}},
         url_outcome::not_found,
         miss_reason::never_imported,
         url_kind::topic,
         404,
         ""},
        {"www.forum.cooperationbirmingham.org.uk",
         "/c/general/5",
         {},
         url_outcome::redirected,
         miss_reason::none,
         url_kind::category,
         301,
         base + "/c/general/12",
         200},
        {"",
         "/t/x/1",
         {},
         url_outcome::error,
         miss_reason::none,
         url_kind::topic,
         301,
         base + "/t/x/1",
         0,
         0,
         base + "/t/x/1: connecting: Connection refused"},
    };
}

/// The sample's access log and sitemap inputs.
inline void fill_inputs(report::input_summary &in)
{
    in.sitemaps = {"sitemap.xml"};
    in.access_logs = {"access.log", "access.log.1.gz"};
    in.sitemap_documents = 2;
    in.sitemap_urls = 2;
    in.log_lines = 260;
    in.log_requests = 211;
    in.skipped_method = 20;
    in.skipped_no_request = 3;
    in.skipped_internal = 24;
    in.probes[static_cast<std::size_t>(report::probe_kind::exploit)] = 2;
    in.probes[static_cast<std::size_t>(report::probe_kind::proxy)] = 5;
    in.probes[static_cast<std::size_t>(report::probe_kind::scanner_path)] = 40;
    in.probes[static_cast<std::size_t>(report::probe_kind::scanner_agent)] = 9;
    in.malformed = 2;
    in.malformed_examples = {
        {"access.log", 7, "no [time] field: not the combined or common log format", "this is no log line"},
        {"access.log.1.gz", 120, "the gzip data ends early (the file was cut short); the rest of the file is skipped",
         ""}};
}

} // namespace sample_detail

inline report::coverage_report sample_report(std::size_t top = 50)
{
    using namespace forumgate::report;
    using sample_detail::row;
    std::string const &base = sample_detail::BASE;
    std::vector<row> rows = sample_detail::first_rows();
    for (auto &r : sample_detail::other_rows()) {
        rows.push_back(std::move(r));
    }
    url_tally tally{"forum.cooperationbirmingham.org.uk"};
    std::vector<verdict> verdicts;
    for (auto const &r : rows) {
        if (r.days.empty()) {
            tally.add(r.host, r.target, 0, FROM_SITEMAP);
        }
        for (auto const &[offset, hits] : r.days) {
            tally.add(r.host, r.target, hits, FROM_ACCESS_LOG, SAMPLE_DAY + offset);
        }
        verdict v;
        v.outcome = r.outcome;
        v.why = r.why;
        v.kind = r.kind;
        v.status = static_cast<std::uint16_t>(r.status);
        v.location = r.location;
        v.target_status = static_cast<std::uint16_t>(r.target_status);
        v.hops = static_cast<std::uint8_t>(r.hops);
        v.detail = r.detail;
        verdicts.push_back(v);
    }
    // Search engines among the hits: on the AGM minutes, and on a topic never imported (a
    // search result that leads nowhere).
    for (auto const &[row, bot, hits] :
         {std::tuple{0U, crawler::googlebot, 20U}, std::tuple{0U, crawler::bingbot, 5U},
          std::tuple{5U, crawler::googlebot, 4U}, std::tuple{8U, crawler::bingbot, 1U}}) {
        tally.add_crawler_hits(row, static_cast<std::uint8_t>(bot), hits);
    }

    coverage_report out;
    out.generated_at = "2024-05-04T09:00:00Z";
    out.resolved_by = "map";
    out.map_version = 12;
    out.old_hosts = {"forum.cooperationbirmingham.org.uk", "www.forum.cooperationbirmingham.org.uk"};
    out.new_base = base;
    out.old_forum = "forum.cooperationbirmingham.org.uk";
    out.new_forum = "forum.brum.coop";
    out.targets_checked = true;
    out.targets = 8;
    out.members_only_targets = 1;
    out.members_checked_as = "system";
    sample_detail::fill_inputs(out.inputs);
    work_out_figures(out, tally, verdicts, top);
    rule_proposal proposal;
    proposal.pattern = R"(^/viewtopic\.php\?t=(\d+)$)";
    proposal.replacement = R"(/t/\1)";
    proposal.matched_urls = 1;
    proposal.matched_hits = 8;
    proposal.won_urls = 1;
    proposal.won_hits = 8;
    proposal.known_urls = 1;
    proposal.assumption = "the number is the old forum's topic id (kept from its earlier software); the map gives the "
                          "new one";
    proposal.examples = {{"/viewtopic.php?t=774", base + "/t/agm-2023-minutes/1774"}};
    out.proposals = {proposal};
    out.proposals_possible = true;
    out.seconds = 1.25;
    return out;
}

} // namespace forumgate::testing
