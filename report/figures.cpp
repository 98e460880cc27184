#include "report/figures.hpp"

#include "report/access_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace forumgate::report {

std::optional<double> percent(std::uint64_t part, std::uint64_t whole)
{
    if (whole == 0) {
        return std::nullopt;
    }
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string format_percent(std::optional<double> value, std::uint64_t part, std::uint64_t whole)
{
    if (!value) {
        return "–";
    }
    double shown = std::round(*value * 10.0) / 10.0;
    // Never round a miss away, nor a hit to nothing.
    if (shown >= 100.0 && part < whole) {
        shown = 99.9;
    }
    if (shown <= 0.0 && part > 0) {
        return "<0.1%";
    }
    if (shown >= 100.0) {
        return "100%";
    }
    return fmt::format("{:.1f}%", shown);
}

std::string thousands(std::uint64_t value)
{
    std::string const digits = std::to_string(value);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return out;
}

std::uint64_t input_summary::probe_requests() const noexcept
{
    std::uint64_t all = 0;
    for (auto const count : probes) {
        all += count;
    }
    return all;
}

std::string forum_name(std::string_view base_url)
{
    if (auto const scheme = base_url.find("://"); scheme != std::string_view::npos) {
        base_url.remove_prefix(scheme + 3);
    }
    while (base_url.ends_with('/')) {
        base_url.remove_suffix(1);
    }
    return std::string{base_url};
}

std::string probe_breakdown(input_summary const &in)
{
    std::string out;
    for (std::size_t i = 1; i < PROBE_KIND_COUNT; ++i) {
        if (in.probes[i] > 0) {
            out += fmt::format("{}{} {}{}", out.empty() ? "" : ", ", thousands(in.probes[i]),
                               label(static_cast<probe_kind>(i)), in.probes[i] == 1 ? "" : "s");
        }
    }
    return out;
}

std::string_view cause_label(miss_cause const &cause) noexcept
{
    return cause.why == miss_reason::none ? label(cause.outcome) : label(cause.why);
}

std::optional<double> coverage_report::coverage_by_urls() const
{
    return percent(covered.urls, total.urls);
}

std::optional<double> coverage_report::coverage_by_hits() const
{
    return percent(covered.hits, total.hits);
}

namespace {

listed_url list_entry(url_tally const &tally, std::vector<verdict> const &verdicts, std::size_t i)
{
    auto const &v = verdicts[i];
    listed_url out{tally.display(i), tally[i].hits, v.kind,          v.outcome, v.why,
                   v.status,         v.location,    v.target_status, v.hops,    v.detail};
    tally.for_each_crawler(i, [&](std::uint8_t, std::uint64_t hits) { out.crawler_hits += hits; });
    return out;
}

/// The misses of not_found (0) and gone (1), by likely reason.
using reasons_by_outcome = std::array<std::array<tally_count, MISS_REASON_COUNT>, 2>;

/// Every miss by cause: each outcome that misses, not_found and gone split by likely reason;
/// the most hits first, then the most URLs, then in the enums' order.
std::vector<miss_cause> causes_of_misses(coverage_report const &r, reasons_by_outcome const &reasons)
{
    std::vector<miss_cause> out;
    for (auto const outcome : ALL_OUTCOMES) {
        auto const &counted = r.outcomes[static_cast<std::size_t>(outcome)];
        if (is_covered(outcome) || counted.urls == 0) {
            continue;
        }
        if (outcome != url_outcome::not_found && outcome != url_outcome::gone) {
            out.push_back(miss_cause{outcome, miss_reason::none, counted});
            continue;
        }
        auto const &by_reason = reasons[outcome == url_outcome::gone ? 1 : 0];
        for (std::size_t i = 0; i < MISS_REASON_COUNT; ++i) {
            if (by_reason[i].urls > 0) {
                out.push_back(miss_cause{outcome, static_cast<miss_reason>(i), by_reason[i]});
            }
        }
    }
    std::stable_sort(out.begin(), out.end(), [](miss_cause const &a, miss_cause const &b) {
        return a.count.hits != b.count.hits ? a.count.hits > b.count.hits : a.count.urls > b.count.urls;
    });
    return out;
}

/// The indexes of `selected` with the most hits first (then by URL), at most `top` (0: all).
void keep_top(std::vector<std::size_t> &selected, url_tally const &tally, std::size_t top)
{
    auto const order = [&](std::size_t a, std::size_t b) {
        if (tally[a].hits != tally[b].hits) {
            return tally[a].hits > tally[b].hits;
        }
        if (tally[a].host != tally[b].host) {
            return tally[a].host < tally[b].host;
        }
        return tally[a].target < tally[b].target;
    };
    if (top > 0 && selected.size() > top) {
        std::partial_sort(selected.begin(), selected.begin() + static_cast<std::ptrdiff_t>(top), selected.end(), order);
        selected.resize(top);
    } else {
        std::sort(selected.begin(), selected.end(), order);
    }
}

} // namespace

void work_out_figures(coverage_report &out, url_tally const &tally, std::vector<verdict> const &verdicts,
                      std::size_t top)
{
    constexpr std::size_t KIND_COUNT = static_cast<std::size_t>(mappings::url_kind::other) + 1;
    std::array<kind_figures, KIND_COUNT> kinds{};
    std::map<std::int32_t, day_figures> days;
    std::vector<std::size_t> missed;
    std::vector<std::size_t> chains;
    reasons_by_outcome reasons{};
    std::array<crawler_figures, CRAWLER_COUNT> crawlers{};
    for (std::size_t i = 0; i < tally.size(); ++i) {
        auto const &url = tally[i];
        auto const &v = verdicts[i];
        bool const covered = is_covered(v.outcome);
        auto const count = [&](tally_count &c) {
            ++c.urls;
            c.hits += url.hits;
        };
        count(out.total);
        count(out.outcomes[static_cast<std::size_t>(v.outcome)]);
        auto &kind = kinds[static_cast<std::size_t>(v.kind)];
        kind.kind = v.kind;
        count(kind.all);
        if (covered) {
            count(out.covered);
            count(kind.covered);
        } else {
            missed.push_back(i);
        }
        if (v.outcome == url_outcome::not_found || v.outcome == url_outcome::gone) {
            count(out.reasons[static_cast<std::size_t>(v.why)]);
            count(reasons[v.outcome == url_outcome::gone ? 1 : 0][static_cast<std::size_t>(v.why)]);
        }
        if (v.outcome == url_outcome::chain) {
            chains.push_back(i);
        }
        tally.for_each_crawler(i, [&](std::uint8_t bot, std::uint64_t hits) {
            if (bot >= CRAWLER_COUNT) {
                return;
            }
            out.crawler_hits[static_cast<std::size_t>(v.outcome)] += hits;
            auto &c = crawlers[bot];
            c.bot = static_cast<crawler>(bot);
            ++c.all.urls;
            c.all.hits += hits;
            if (covered) {
                ++c.covered.urls;
                c.covered.hits += hits;
            }
        });
        tally.for_each_day(i, [&](std::int32_t day, std::uint64_t hits) {
            auto &d = days[day];
            d.hits += hits;
            d.covered_hits += covered ? hits : 0;
        });
    }
    out.why_missed = causes_of_misses(out, reasons);
    out.crawlers.clear();
    for (auto const &c : crawlers) {
        if (c.all.hits > 0) {
            out.crawlers.push_back(c);
        }
    }
    std::stable_sort(out.crawlers.begin(), out.crawlers.end(),
                     [](crawler_figures const &a, crawler_figures const &b) { return a.all.hits > b.all.hits; });
    out.kinds.clear();
    for (auto const &k : kinds) {
        if (k.all.urls > 0) {
            out.kinds.push_back(k);
        }
    }
    out.days.clear();
    for (auto &[day, figures] : days) {
        figures.date = date_of_day(day);
        out.days.push_back(std::move(figures));
    }
    out.missed_urls = missed.size();
    keep_top(missed, tally, top);
    out.top_missed.clear();
    for (auto const i : missed) {
        out.top_missed.push_back(list_entry(tally, verdicts, i));
    }
    keep_top(chains, tally, top);
    out.chains.clear();
    for (auto const i : chains) {
        out.chains.push_back(list_entry(tally, verdicts, i));
    }
}

} // namespace forumgate::report
