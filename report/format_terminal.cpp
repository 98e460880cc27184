#include "report/format_terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace forumgate::report {
namespace {

/// The first `width` characters of `text` (by UTF-8 character), with "…" when cut.
std::string shortened(std::string_view text, std::size_t width)
{
    std::size_t characters = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U && ++characters == width) {
            return std::string{text.substr(0, i)} + "…";
        }
    }
    return std::string{text};
}

/// The number of UTF-8 characters in `text`.
std::size_t characters(std::string_view text)
{
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

/// The line of probes, set apart or counted in; empty when no input counts requests.
std::string probe_line(coverage_report const &r)
{
    auto const &in = r.inputs;
    if (in.access_logs.empty() && !in.from_misses) {
        return {};
    }
    if (in.probe_requests() == 0) {
        return "probes (scanners and bots trying the server, not links): none";
    }
    return fmt::format("probes (scanners and bots trying the server, not links): {} request{} ({}), {}",
                       thousands(in.probe_requests()), in.probe_requests() == 1 ? "" : "s", probe_breakdown(in),
                       in.probes_counted ? "counted in the figures (--count-probes)"
                                         : "set apart from the figures (--count-probes counts them in)");
}

std::string what_happened(listed_url const &u)
{
    if (u.why != miss_reason::none) {
        return fmt::format("{} ({})", label(u.why), u.status);
    }
    if (u.outcome == url_outcome::target_broken) {
        return fmt::format("target answers {}", u.target_status);
    }
    return u.detail;
}

} // namespace

namespace {

/// Appends a line of text.
class lines
{
public:
    void operator()(std::string const &s)
    {
        m_text += s;
        m_text += '\n';
    }
    [[nodiscard]] std::string const &text() const noexcept { return m_text; }

private:
    std::string m_text;
};

/// The head, the outcomes, kinds and crawlers tables, and why URLs miss.
void write_summary(coverage_report const &r, lines &line)
{
    std::string const how =
        r.resolved_by == "redirector"
            ? fmt::format("asked the redirector at {}", r.redirector)
            : fmt::format("resolved with the map{}", r.map_version ? fmt::format(" (version {})", *r.map_version) : "");
    line(fmt::format("forumgate coverage: {} → {}", r.old_forum, r.new_forum));
    line(fmt::format("{} old URLs, {} hits; {}{}", thousands(r.total.urls), thousands(r.total.hits), how,
                     r.targets_checked ? fmt::format("; {} targets checked", thousands(r.targets)) : ""));
    if (r.targets_checked && r.members_only_targets > 0) {
        line(r.members_checked_as.empty()
                 ? fmt::format("members-only targets: {}, not checked (give --api-key-file to check them as a member)",
                               thousands(r.members_only_targets))
                 : fmt::format("members-only targets: {}, checked as {}", thousands(r.members_only_targets),
                               r.members_checked_as));
    }
    line(fmt::format("coverage: {} of URLs, {} of hits",
                     format_percent(r.coverage_by_urls(), r.covered.urls, r.total.urls),
                     format_percent(r.coverage_by_hits(), r.covered.hits, r.total.hits)));
    if (auto const probes = probe_line(r); !probes.empty()) {
        line(probes);
    }
    line("");
    // A column of search engines' hits when there are any: a miss there is a lost search result.
    bool const crawled = !r.crawlers.empty();
    line(fmt::format("{:<22} {:>12} {:>14}{}", "outcome", "URLs", "hits", crawled ? "   crawler hits" : ""));
    for (auto const outcome : ALL_OUTCOMES) {
        auto const index = static_cast<std::size_t>(outcome);
        auto const &c = r.outcomes[index];
        line(fmt::format("{:<22} {:>12} {:>14}{}", label(outcome), thousands(c.urls), thousands(c.hits),
                         crawled ? fmt::format(" {:>14}", thousands(r.crawler_hits[index])) : ""));
    }
    line("");
    line(fmt::format("{:<12} {:>12} {:>9} {:>14} {:>9}", "kind", "URLs", "covered", "hits", "covered"));
    for (auto const &k : r.kinds) {
        line(fmt::format("{:<12} {:>12} {:>9} {:>14} {:>9}", mappings::to_string(k.kind), thousands(k.all.urls),
                         format_percent(percent(k.covered.urls, k.all.urls), k.covered.urls, k.all.urls),
                         thousands(k.all.hits),
                         format_percent(percent(k.covered.hits, k.all.hits), k.covered.hits, k.all.hits)));
    }
    if (crawled) {
        line("");
        line("search engine crawlers (by user agent; a missed hit is a lost search result)");
        for (auto const &c : r.crawlers) {
            line(fmt::format("  {:<14} {:>10} hits {:>9} covered {:>10} missed hits", name(c.bot),
                             thousands(c.all.hits),
                             format_percent(percent(c.covered.hits, c.all.hits), c.covered.hits, c.all.hits),
                             thousands(c.all.hits - c.covered.hits)));
        }
    }
    if (!r.why_missed.empty()) {
        line("");
        line("why URLs miss");
        for (auto const &cause : r.why_missed) {
            line(fmt::format("  {:<42} {:>10} URLs {:>12} hits", cause_label(cause), thousands(cause.count.urls),
                             thousands(cause.count.hits)));
        }
    }
}

/// The lists of URLs: the top missed and the chains.
void write_lists(coverage_report const &r, lines &line)
{
    if (!r.top_missed.empty()) {
        line("");
        line(fmt::format("top missed URLs by hits ({} missed in all)", thousands(r.missed_urls)));
        std::size_t const shown = std::min(r.top_missed.size(), terminal_format::LIST_ROWS);
        // The URL column as wide as the widest URL shown, up to terminal_format::URL_WIDTH.
        std::size_t width = 0;
        for (std::size_t i = 0; i < shown; ++i) {
            width = std::max(width, characters(shortened(r.top_missed[i].url, terminal_format::URL_WIDTH)));
        }
        for (std::size_t i = 0; i < shown; ++i) {
            auto const &u = r.top_missed[i];
            std::string const url = shortened(u.url, terminal_format::URL_WIDTH);
            std::string const why = what_happened(u);
            line(fmt::format("  {:>10}  {}{}  {:<9} {}{}{}", thousands(u.hits), url,
                             std::string(width - characters(url), ' '), mappings::to_string(u.kind), label(u.outcome),
                             why.empty() ? "" : " · " + why,
                             u.crawler_hits == 0 ? ""
                                                 : fmt::format(" · {} crawler hit{}", thousands(u.crawler_hits),
                                                               u.crawler_hits == 1 ? "" : "s")));
        }
    }
    if (!r.chains.empty()) {
        line("");
        line("redirect chains (the target redirects again)");
        for (std::size_t i = 0; i < std::min(r.chains.size(), terminal_format::LIST_ROWS); ++i) {
            auto const &u = r.chains[i];
            line(fmt::format("  {:>10}  {}  {} hop{}: {}", thousands(u.hits),
                             shortened(u.url, terminal_format::URL_WIDTH), u.hops, u.hops == 1 ? "" : "s", u.detail));
        }
    }
}

/// The proposed rules, and what was read: malformed lines, the access logs and their layouts.
void write_proposals_and_inputs(coverage_report const &r, lines &line)
{
    if (!r.proposals.empty()) {
        line("");
        line("proposed rules (rules.csv rows: review them, add them after your own rules, map load):");
        for (auto const &p : r.proposals) {
            line(fmt::format("  {} → {} ({}): wins {} of {} URLs, {} hits", p.pattern, p.replacement, p.kind,
                             thousands(p.won_urls), thousands(p.matched_urls), thousands(p.won_hits)));
            line(fmt::format("      assumes {}; the map knows {} of the {} URLs", p.assumption, thousands(p.known_urls),
                             thousands(p.matched_urls)));
        }
    }
    auto const &in = r.inputs;
    if (in.malformed > 0) {
        line("");
        line(fmt::format("malformed input lines: {} (skipped)", thousands(in.malformed)));
        for (auto const &m : in.malformed_examples) {
            line(fmt::format("  {}:{}: {}{}", m.file, m.line, m.problem,
                             m.text.empty() ? "" : ": " + shortened(m.text, terminal_format::URL_WIDTH)));
        }
    }
    if (!in.access_logs.empty()) {
        line(fmt::format(
            "access logs: {} lines, {} requests counted; skipped {} not GET/HEAD, {} without a request, {} internal",
            thousands(in.log_lines), thousands(in.log_requests), thousands(in.skipped_method),
            thousands(in.skipped_no_request), thousands(in.skipped_internal)));
        for (auto const &layout : in.log_layouts) {
            line(fmt::format("  {} read as {}", layout.file, layout.layout));
        }
    }
}

} // namespace

void terminal_format::write(coverage_report const &r, std::ostream &out) const
{
    lines text;
    write_summary(r, text);
    write_lists(r, text);
    write_proposals_and_inputs(r, text);
    out << text.text();
}

} // namespace forumgate::report
