#include "report/format_json.hpp"

#include <nlohmann/json.hpp>

#include <ostream>

namespace forumgate::report {
namespace {

using nlohmann::json;

json optional_number(std::optional<double> value)
{
    return value ? json(*value) : json(nullptr);
}

json listed(listed_url const &u)
{
    return json{{"url", u.url},
                {"hits", u.hits},
                {"kind", mappings::to_string(u.kind)},
                {"outcome", to_string(u.outcome)},
                {"reason", u.why == miss_reason::none ? json(nullptr) : json(to_string(u.why))},
                {"status", u.status == 0 ? json(nullptr) : json(u.status)},
                {"location", u.location.empty() ? json(nullptr) : json(u.location)},
                {"target_status", u.target_status == 0 ? json(nullptr) : json(u.target_status)},
                {"hops", u.hops},
                {"detail", u.detail.empty() ? json(nullptr) : json(u.detail)},
                {"crawler_hits", u.crawler_hits}};
}

/// \return a JSON array of `convert(item)` for each item.
template <typename Range, typename Convert>
json array_of(Range const &items, Convert convert)
{
    json out = json::array();
    for (auto const &item : items) {
        out.push_back(convert(item));
    }
    return out;
}

json probes_json(input_summary const &in)
{
    json by_kind = json::object();
    for (std::size_t i = 1; i < PROBE_KIND_COUNT; ++i) {
        by_kind[std::string{to_string(static_cast<probe_kind>(i))}] = in.probes[i];
    }
    return json{{"requests", in.probe_requests()}, {"counted_in", in.probes_counted}, {"by_kind", by_kind}};
}

json inputs_json(input_summary const &in)
{
    json const malformed = array_of(in.malformed_examples, [](auto const &m) {
        return json{{"file", m.file}, {"line", m.line}, {"problem", m.problem}, {"text", m.text}};
    });
    return json{
        {"sitemaps", in.sitemaps},
        {"access_logs", in.access_logs},
        {"url_lists", in.url_lists},
        {"from_map", in.from_map},
        {"from_misses", in.from_misses},
        {"sitemap_documents", in.sitemap_documents},
        {"sitemap_urls", in.sitemap_urls},
        {"log_lines", in.log_lines},
        {"log_requests", in.log_requests},
        {"list_urls", in.list_urls},
        {"map_urls", in.map_urls},
        {"miss_log_urls", in.miss_log_urls},
        {"skipped",
         json{{"method", in.skipped_method}, {"no_request", in.skipped_no_request}, {"internal", in.skipped_internal}}},
        {"malformed_lines", in.malformed},
        {"malformed_examples", malformed},
        {"probes", probes_json(in)},
        {"log_layouts", array_of(in.log_layouts, [](auto const &l) {
             return json{{"file", l.file}, {"layout", l.layout}};
         })}};
}

json outcomes_json(coverage_report const &report)
{
    return array_of(ALL_OUTCOMES, [&report](url_outcome outcome) {
        auto const &c = report.outcomes[static_cast<std::size_t>(outcome)];
        return json{{"outcome", to_string(outcome)},
                    {"covered", is_covered(outcome)},
                    {"urls", c.urls},
                    {"hits", c.hits},
                    {"crawler_hits", report.crawler_hits[static_cast<std::size_t>(outcome)]}};
    });
}

json reasons_json(coverage_report const &report)
{
    json reasons = json::array();
    for (std::size_t r = 1; r < MISS_REASON_COUNT; ++r) {
        auto const &c = report.reasons[r];
        if (c.urls > 0) {
            reasons.push_back(
                json{{"reason", to_string(static_cast<miss_reason>(r))}, {"urls", c.urls}, {"hits", c.hits}});
        }
    }
    return reasons;
}

json why_missed_json(coverage_report const &report)
{
    return array_of(report.why_missed, [](miss_cause const &cause) {
        return json{{"outcome", to_string(cause.outcome)},
                    {"reason", cause.why == miss_reason::none ? json(nullptr) : json(to_string(cause.why))},
                    {"label", cause_label(cause)},
                    {"urls", cause.count.urls},
                    {"hits", cause.count.hits}};
    });
}

json crawler_json(crawler_figures const &c)
{
    return json{{"crawler", name(c.bot)},
                {"urls", c.all.urls},
                {"hits", c.all.hits},
                {"covered_urls", c.covered.urls},
                {"covered_hits", c.covered.hits}};
}

json kind_json(kind_figures const &k)
{
    return json{{"kind", mappings::to_string(k.kind)},
                {"urls", k.all.urls},
                {"hits", k.all.hits},
                {"covered_urls", k.covered.urls},
                {"covered_hits", k.covered.hits},
                {"coverage_by_urls", optional_number(percent(k.covered.urls, k.all.urls))},
                {"coverage_by_hits", optional_number(percent(k.covered.hits, k.all.hits))}};
}

json day_json(day_figures const &d)
{
    return json{{"date", d.date},
                {"hits", d.hits},
                {"covered_hits", d.covered_hits},
                {"coverage", optional_number(percent(d.covered_hits, d.hits))}};
}

json proposal_json(rule_proposal const &p)
{
    json const examples = array_of(p.examples, [](auto const &example) {
        return json{{"old", example.first}, {"location", example.second}};
    });
    return json{{"pattern", p.pattern},
                {"replacement", p.replacement},
                {"kind", p.kind},
                {"matched_urls", p.matched_urls},
                {"matched_hits", p.matched_hits},
                {"won_urls", p.won_urls},
                {"won_hits", p.won_hits},
                {"known_urls", p.known_urls},
                {"assumes", p.assumes},
                {"assumption", p.assumption},
                {"examples", examples}};
}

} // namespace

json json_format::to_json(coverage_report const &report)
{
    return json{
        {"format", "forumgate-coverage"},
        {"version", VERSION},
        {"generated_at", report.generated_at},
        {"resolved_by", report.resolved_by},
        {"redirector", report.redirector.empty() ? json(nullptr) : json(report.redirector)},
        {"map_version", report.map_version ? json(*report.map_version) : json(nullptr)},
        {"old_hosts", report.old_hosts},
        {"new_base", report.new_base},
        {"old_forum", report.old_forum},
        {"new_forum", report.new_forum},
        {"targets_checked", report.targets_checked},
        {"targets", report.targets},
        {"members_only_targets", report.members_only_targets},
        {"members_checked_as", report.members_checked_as.empty() ? json(nullptr) : json(report.members_checked_as)},
        {"inputs", inputs_json(report.inputs)},
        {"totals", json{{"urls", report.total.urls},
                        {"hits", report.total.hits},
                        {"covered_urls", report.covered.urls},
                        {"covered_hits", report.covered.hits},
                        {"missed_urls", report.missed_urls}}},
        {"coverage", json{{"by_urls", optional_number(report.coverage_by_urls())},
                          {"by_hits", optional_number(report.coverage_by_hits())}}},
        {"outcomes", outcomes_json(report)},
        {"miss_reasons", reasons_json(report)},
        {"why_missed", why_missed_json(report)},
        {"crawlers", array_of(report.crawlers, crawler_json)},
        {"kinds", array_of(report.kinds, kind_json)},
        {"days", array_of(report.days, day_json)},
        {"top_missed", array_of(report.top_missed, listed)},
        {"chains", array_of(report.chains, listed)},
        {"rule_proposals", array_of(report.proposals, proposal_json)},
        {"rule_proposals_possible", report.proposals_possible},
        {"elapsed_seconds", report.seconds},
    };
}

void json_format::write(coverage_report const &report, std::ostream &out) const
{
    // URLs from logs may hold bytes that are not UTF-8; they are made printable before they
    // get here, and `replace` keeps one that slipped through from failing the whole report.
    out << to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

} // namespace forumgate::report
