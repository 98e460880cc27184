#include "report/format_html.hpp"

#include "base/enum_names.hpp"
#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace forumgate::report {
namespace {

/// The chart colour of each outcome, in url_outcome's order: greens land, reds and browns miss.
constexpr std::array<std::string_view, OUTCOME_COUNT> COLOURS = {
    "#2e7d32", // redirected
    "#81c784", // passed_through
    "#c0ca33", // chain
    "#0277bd", // restricted
    "#d32f2f", // not_found
    "#8d6e63", // gone
    "#f57c00", // target_broken
    "#7b1fa2", // loop
    "#212121", // off_site
    "#546e7a", // error
};

std::string_view colour(url_outcome outcome) noexcept
{
    return base::enum_name(COLOURS, outcome, "#000");
}

// On a phone (up to 30rem) the columns marked `aside` are dropped, so that the summary tables
// fit whole; the lists of URLs, too wide for any phone, scroll sideways within their box, whose
// shaded edge shows that more lies beyond it.
constexpr std::string_view STYLE = R"css(
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--good:#2e7d32;--bad:#d32f2f}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.sub{color:var(--muted);margin:0 0 1rem;overflow-wrap:anywhere}
.headline{display:flex;flex-wrap:wrap;gap:.75rem}
.figure{flex:1 1 11rem;background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem}
.figure .value{display:block;font-size:2rem;font-weight:700;line-height:1.2}
.figure .what{color:var(--muted)}
.good{color:var(--good)} .bad{color:var(--bad)}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;background:linear-gradient(to right,var(--bg) 30%,rgba(255,255,255,0)) left/2rem 100% no-repeat local,linear-gradient(to left,var(--bg) 30%,rgba(255,255,255,0)) right/2rem 100% no-repeat local,radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.18),transparent) left/.6rem 100% no-repeat scroll,radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.18),transparent) right/.6rem 100% no-repeat scroll}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.url{overflow-wrap:anywhere;min-width:12rem;max-width:32rem}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap}
table.sortable th::after{content:" \2195";color:var(--muted)}
table.sortable th[aria-sort=ascending]::after{content:" \2191"}
table.sortable th[aria-sort=descending]::after{content:" \2193"}
svg{display:block;margin:.5rem 0;overflow:visible}
svg text{font:14px system-ui,sans-serif;fill:var(--ink)}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0;padding:0;list-style:none;font-size:.9rem}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}
pre{background:var(--soft);border:1px solid var(--line);padding:.75rem;overflow-x:auto;font-size:.85rem}
code{overflow-wrap:anywhere}
.note{color:var(--muted);font-size:.9rem}
@media (max-width:40rem){main{padding:.6rem}.figure .value{font-size:1.6rem}th,td{padding:.3rem}}
@media (max-width:30rem){.aside{display:none}table{font-size:.85rem}th,td{padding:.3rem .25rem}td.url{min-width:9rem}}
)css";

constexpr std::string_view SCRIPT = R"js(
(function(){
  function value(cell){ return cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent; }
  function sort(th){
    var table = th.closest('table'), body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.classList.contains('n');
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.querySelectorAll('th'), function(h){ h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = value(a.cells[index]), y = value(b.cells[index]), c;
      if (numeric) { c = (parseFloat(x) || 0) - (parseFloat(y) || 0); } else { c = x.localeCompare(y); }
      return ascending ? c : -c;
    });
    rows.forEach(function(row){ body.appendChild(row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable th'), function(th){
    th.tabIndex = 0;
    th.addEventListener('click', function(){ sort(th); });
    th.addEventListener('keydown', function(e){ if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(th); } });
  });
})();
)js";

/// Builds the page as one string.
class page
{
public:
    void raw(std::string_view s) { m_out.append(s); }
    void text(std::string_view s) { base::append_html_escaped(m_out, s); }
    template <typename... Args>
    void f(fmt::format_string<Args...> format, Args &&...args)
    {
        m_out.append(fmt::format(format, std::forward<Args>(args)...));
    }
    [[nodiscard]] std::string const &str() const noexcept { return m_out; }

private:
    std::string m_out;
};

std::string pct(std::uint64_t part, std::uint64_t whole)
{
    return format_percent(percent(part, whole), part, whole);
}

/// Whether a column is dropped on a phone (class `aside`), so that a summary table fits whole.
enum class column : bool
{
    kept,
    aside,
};

/// A number cell, sortable by its value.
void number_cell(page &p, std::uint64_t value, column shown = column::kept)
{
    p.f("<td class=\"n{}\" data-v=\"{}\">{}</td>", shown == column::aside ? " aside" : "", value, thousands(value));
}

void percent_cell(page &p, std::uint64_t part, std::uint64_t whole, column shown = column::kept)
{
    auto const value = percent(part, whole);
    p.f("<td class=\"n{}\" data-v=\"{}\">{}</td>", shown == column::aside ? " aside" : "",
        value ? fmt::format("{:.4f}", *value) : std::string{"-1"}, pct(part, whole));
}

/// Four cells: `shown`'s URLs, `part`'s share of `whole`'s URLs, `shown`'s hits, `part`'s share of
/// `whole`'s hits; the shares as `shares` says.
void urls_and_hits_cells(page &p, tally_count const &shown, tally_count const &part, tally_count const &whole,
                         column shares = column::kept)
{
    number_cell(p, shown.urls);
    percent_cell(p, part.urls, whole.urls, shares);
    number_cell(p, shown.hits);
    percent_cell(p, part.hits, whole.hits, shares);
}

void legend(page &p, coverage_report const &r)
{
    p.raw("<ul class=\"legend\">");
    for (auto const outcome : ALL_OUTCOMES) {
        if (r.outcomes[static_cast<std::size_t>(outcome)].urls == 0) {
            continue;
        }
        p.f("<li><span class=\"swatch\" style=\"background:{}\"></span>", colour(outcome));
        p.text(label(outcome));
        p.raw("</li>");
    }
    p.raw("</ul>");
}

// Charts are SVG without a viewBox: positions across are percentages of the page's width and
// heights are pixels, so text keeps its size on a phone and on a desktop alike.

/// Two 100% bars, by URL and by hits, split by outcome.
void outcome_chart(page &p, coverage_report const &r)
{
    constexpr int ROW = 62; ///< a label line and a bar
    constexpr int BAR = 34;
    p.f("<svg width=\"100%\" height=\"{}\" role=\"img\" aria-label=\"Outcomes by URL and by hits\">", 2 * ROW);
    int row = 0;
    for (bool const by_hits : {false, true}) {
        std::uint64_t const whole = by_hits ? r.total.hits : r.total.urls;
        int const y = row * ROW;
        p.f("<text x=\"0\" y=\"{}\">{}</text>", y + 18, by_hits ? "by hits" : "by URL");
        int const bar_y = y + 24;
        if (whole == 0) {
            p.f("<rect x=\"0\" y=\"{}\" width=\"100%\" height=\"{}\" fill=\"#eee\"><title>none counted</title></rect>",
                bar_y, BAR);
        }
        double x = 0.0;
        for (auto const outcome : ALL_OUTCOMES) {
            auto const &c = r.outcomes[static_cast<std::size_t>(outcome)];
            std::uint64_t const part = by_hits ? c.hits : c.urls;
            if (whole == 0 || part == 0) {
                continue;
            }
            double const w = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
            p.f("<rect x=\"{:.3f}%\" y=\"{}\" width=\"{:.3f}%\" height=\"{}\" fill=\"{}\"><title>", x, bar_y,
                std::max(w, 0.2), BAR, colour(outcome));
            p.text(fmt::format("{}: {} {} ({})", label(outcome), thousands(part), by_hits ? "hits" : "URLs",
                               pct(part, whole)));
            p.raw("</title></rect>");
            x += w;
        }
        ++row;
    }
    p.raw("</svg>");
    legend(p, r);
}

/// One bar per kind of URL: the covered share of its URLs, the kind and share above it.
void kind_chart(page &p, coverage_report const &r)
{
    constexpr int ROW = 46;
    constexpr int BAR = 20;
    int const height = static_cast<int>(r.kinds.size()) * ROW;
    p.f("<svg width=\"100%\" height=\"{}\" role=\"img\" aria-label=\"Coverage by kind of URL\">", height);
    int row = 0;
    for (auto const &k : r.kinds) {
        int const y = row * ROW;
        double const share =
            k.all.urls == 0 ? 0.0 : 100.0 * static_cast<double>(k.covered.urls) / static_cast<double>(k.all.urls);
        p.f("<text x=\"0\" y=\"{}\">{}</text>", y + 17, mappings::to_string(k.kind));
        p.f("<text x=\"100%\" y=\"{}\" text-anchor=\"end\">", y + 17);
        p.text(fmt::format("{} of {} URL{}", pct(k.covered.urls, k.all.urls), thousands(k.all.urls),
                           k.all.urls == 1 ? "" : "s"));
        p.raw("</text>");
        p.f("<rect x=\"0\" y=\"{}\" width=\"100%\" height=\"{}\" fill=\"#f2c4c4\"></rect>", y + 22, BAR);
        p.f("<rect x=\"0\" y=\"{}\" width=\"{:.3f}%\" height=\"{}\" fill=\"{}\"><title>", y + 22, share, BAR,
            colour(url_outcome::redirected));
        p.text(fmt::format("{}: {} of {} URLs covered", mappings::to_string(k.kind), thousands(k.covered.urls),
                           thousands(k.all.urls)));
        p.raw("</title></rect>");
        ++row;
    }
    p.raw("</svg>");
}

/// Hits per day from the access logs, covered and missed stacked.
void day_chart(page &p, coverage_report const &r)
{
    constexpr int HEIGHT = 200;
    constexpr int AXIS = 24;
    std::uint64_t most = 1;
    for (auto const &d : r.days) {
        most = std::max(most, d.hits);
    }
    double const slot = 100.0 / static_cast<double>(r.days.size());
    double const bar = slot * (r.days.size() > 60 ? 1.0 : 0.8);
    p.f("<svg width=\"100%\" height=\"{}\" role=\"img\" aria-label=\"Hits per day, covered and missed\">",
        HEIGHT + AXIS);
    for (std::size_t i = 0; i < r.days.size(); ++i) {
        auto const &d = r.days[i];
        double const x = slot * static_cast<double>(i);
        double const total = HEIGHT * static_cast<double>(d.hits) / static_cast<double>(most);
        double const covered = HEIGHT * static_cast<double>(d.covered_hits) / static_cast<double>(most);
        p.raw("<g><title>");
        p.text(fmt::format("{}: {} hits, {} covered", d.date, thousands(d.hits), pct(d.covered_hits, d.hits)));
        p.raw("</title>");
        p.f("<rect x=\"{:.3f}%\" y=\"{:.2f}\" width=\"{:.3f}%\" height=\"{:.2f}\" fill=\"{}\"></rect>", x,
            HEIGHT - total, bar, total - covered, colour(url_outcome::not_found));
        p.f("<rect x=\"{:.3f}%\" y=\"{:.2f}\" width=\"{:.3f}%\" height=\"{:.2f}\" fill=\"{}\"></rect></g>", x,
            HEIGHT - covered, bar, covered, colour(url_outcome::redirected));
    }
    p.f("<text x=\"0\" y=\"{}\">{}</text>", HEIGHT + 18, r.days.front().date);
    if (r.days.size() > 1) {
        p.f("<text x=\"100%\" y=\"{}\" text-anchor=\"end\">{}</text>", HEIGHT + 18, r.days.back().date);
    }
    p.raw("</svg>");
    p.f("<p class=\"note\">Tallest bar: {} hits. Green: hits on covered URLs; red: the rest.</p>", thousands(most));
}

/// A sortable table's opening up to its body: `header_cells` are the <th> cells.
void table_start(page &p, std::string_view id, std::string_view header_cells)
{
    p.f("<div class=\"table-wrap\"><table class=\"sortable\" id=\"{}\"><thead><tr>", id);
    p.raw(header_cells);
    p.raw("</tr></thead><tbody>");
}

void table_end(page &p)
{
    p.raw("</tbody></table></div>");
}

/// A <section> of the page under `heading`, whose content `body()` writes.
template <typename Body>
void section(page &p, std::string_view heading, Body &&body)
{
    p.f("<section><h2>{}</h2>", heading);
    body();
    p.raw("</section>\n");
}

/// A sortable table with a row for each of `rows`: `write_row(row)` writes the row's cells.
template <typename Rows, typename WriteRow>
void sortable_table(page &p, std::string_view id, std::string_view header_cells, Rows const &rows, WriteRow &&write_row)
{
    table_start(p, id, header_cells);
    for (auto const &row : rows) {
        p.raw("<tr>");
        write_row(row);
        p.raw("</tr>");
    }
    table_end(p);
}

void url_cell(page &p, std::string_view url)
{
    p.raw("<td class=\"url\"><code>");
    p.text(url);
    p.raw("</code></td>");
}

std::string why_text(listed_url const &u)
{
    if (u.why != miss_reason::none) {
        return std::string{label(u.why)};
    }
    if (u.outcome == url_outcome::target_broken && u.target_status != 0) {
        return fmt::format("target answers {}", u.target_status);
    }
    return u.detail;
}

void missed_table(page &p, coverage_report const &r)
{
    sortable_table(p, "top-missed",
                   "<th class=\"n\">hits</th><th>old URL</th><th class=\"aside\">kind</th><th>outcome</th>"
                   "<th class=\"n aside\">status</th><th>likely reason</th><th class=\"aside\">redirected to</th>"
                   "<th class=\"n aside\">crawler hits</th>",
                   r.top_missed, [&p](listed_url const &u) {
                       number_cell(p, u.hits);
                       url_cell(p, u.url);
                       p.f("<td class=\"aside\">{}</td><td>", mappings::to_string(u.kind));
                       p.text(label(u.outcome));
                       p.f("</td><td class=\"n aside\" data-v=\"{0}\">{0}</td><td>", u.status);
                       p.text(why_text(u));
                       p.raw("</td><td class=\"url aside\">");
                       p.text(u.location);
                       p.raw("</td>");
                       number_cell(p, u.crawler_hits, column::aside);
                   });
}

void head_section(page &p, coverage_report const &r)
{
    p.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<meta name=\"generator\" content=\"forumgate coverage\"><title>");
    p.text(fmt::format("Coverage of old links: {} → {}", r.old_forum, r.new_forum));
    p.raw("</title><style>");
    p.raw(STYLE);
    p.raw("</style></head><body><main>\n<h1>Coverage of old links</h1><p class=\"sub\">");
    p.raw("<span id=\"forums\">");
    p.text(fmt::format("{} → {}", r.old_forum, r.new_forum));
    p.raw("</span>");
    p.text(fmt::format(" · {} · ", r.generated_at));
    p.text(r.resolved_by == "redirector"
               ? fmt::format("asked the redirector at {}", r.redirector)
               : fmt::format("resolved with the map{}",
                             r.map_version ? fmt::format(" (version {})", *r.map_version) : ""));
    p.text(r.targets_checked ? fmt::format(" · {} targets checked on the new forum", thousands(r.targets))
                             : " · targets not checked");
    if (r.targets_checked && r.members_only_targets > 0) {
        p.text(r.members_checked_as.empty() ? fmt::format(" · {} members-only targets not checked (no --api-key-file)",
                                                          thousands(r.members_only_targets))
                                            : fmt::format(" · {} members-only targets checked as {}",
                                                          thousands(r.members_only_targets), r.members_checked_as));
    }
    p.raw("</p>\n");
}

// The headline: what share of old links and of real traffic lands somewhere.
void headline_section(page &p, coverage_report const &r)
{
    auto const tone = [](std::uint64_t part, std::uint64_t whole) { return part == whole ? "good" : "bad"; };
    p.raw("<section class=\"headline\">");
    p.f("<div class=\"figure\" id=\"coverage-urls\"><span class=\"value {}\">{}</span><span class=\"what\">of {} old "
        "URLs land on a working page</span></div>",
        tone(r.covered.urls, r.total.urls), pct(r.covered.urls, r.total.urls), thousands(r.total.urls));
    if (r.total.hits > 0) {
        p.f("<div class=\"figure\" id=\"coverage-hits\"><span class=\"value {}\">{}</span><span class=\"what\">of {} "
            "hits (real "
            "traffic)</span></div>",
            tone(r.covered.hits, r.total.hits), pct(r.covered.hits, r.total.hits), thousands(r.total.hits));
    } else {
        p.raw("<div class=\"figure\" id=\"coverage-hits\"><span class=\"value\">–</span><span class=\"what\">of hits: "
              "none counted "
              "(give access logs or --from-misses)</span></div>");
    }
    p.f("<div class=\"figure\" id=\"missed\"><span class=\"value {}\">{}</span><span class=\"what\">URLs go "
        "nowhere</span></div>",
        r.missed_urls == 0 ? "good" : "bad", thousands(r.missed_urls));
    auto const members_only = r.outcomes[static_cast<std::size_t>(url_outcome::restricted)].urls;
    if (members_only > 0) {
        p.f("<div class=\"figure\" id=\"members-only\"><span class=\"value\">{}</span><span class=\"what\">URLs "
            "land on members-only pages (covered: they work for members)</span></div>",
            thousands(members_only));
    }
    auto const off_site = r.outcomes[static_cast<std::size_t>(url_outcome::off_site)].urls;
    if (off_site > 0) {
        p.f("<div class=\"figure\" id=\"off-site\"><span class=\"value bad\">{}</span><span class=\"what\">redirects "
            "off the new forum: must never happen</span></div>",
            thousands(off_site));
    }
    p.raw("</section>\n");
}

/// The line of probes: scanners and bots trying the server, set apart from the figures or
/// counted in; none when no input counts requests.
void probes_note(page &p, coverage_report const &r)
{
    auto const &in = r.inputs;
    if (in.access_logs.empty() && !in.from_misses) {
        return;
    }
    p.raw("<p class=\"note\" id=\"probes\">");
    if (in.probe_requests() == 0) {
        p.raw("Probes (scanners and bots trying the server, not links): none.");
    } else {
        p.text(fmt::format("Probes (scanners and bots trying the server, not links): {} request{} ({}), {}.",
                           thousands(in.probe_requests()), in.probe_requests() == 1 ? "" : "s", probe_breakdown(in),
                           in.probes_counted ? "counted in these figures (--count-probes)"
                                             : "set apart from these figures (--count-probes counts them in)"));
    }
    p.raw("</p>\n");
}

void outcomes_section(page &p, coverage_report const &r)
{
    bool const crawled = !r.crawlers.empty();
    section(p, "Outcomes", [&] {
        outcome_chart(p, r);
        sortable_table(p, "outcomes",
                       crawled ? "<th>outcome</th><th class=\"n\">URLs</th><th class=\"n aside\">share</th><th "
                                 "class=\"n\">hits</th><th class=\"n aside\">share</th><th class=\"n\">crawler "
                                 "hits</th>"
                               : "<th>outcome</th><th class=\"n\">URLs</th><th class=\"n aside\">share</th><th "
                                 "class=\"n\">hits</th><th class=\"n aside\">share</th>",
                       ALL_OUTCOMES, [&p, &r, crawled](url_outcome outcome) {
                           auto const index = static_cast<std::size_t>(outcome);
                           auto const &c = r.outcomes[index];
                           p.f("<td><span class=\"swatch\" style=\"background:{}\"></span>", colour(outcome));
                           p.text(label(outcome));
                           p.raw("</td>");
                           urls_and_hits_cells(p, c, c, r.total, column::aside);
                           if (crawled) {
                               number_cell(p, r.crawler_hits[index]);
                           }
                       });
        if (crawled) {
            p.raw("<p class=\"note\">Crawler hits: those of search engines' crawlers (Googlebot, Bingbot…, by "
                  "user agent). One that misses is a search result that leads nowhere.</p>");
        }
    });
}

void crawlers_section(page &p, coverage_report const &r)
{
    if (r.crawlers.empty()) {
        return;
    }
    section(p, "Search engine crawlers", [&] {
        sortable_table(p, "crawlers",
                       "<th>crawler</th><th class=\"n aside\">URLs</th><th class=\"n\">hits</th>"
                       "<th class=\"n\">covered</th><th class=\"n\">missed hits</th>",
                       r.crawlers, [&p](crawler_figures const &c) {
                           p.raw("<td>");
                           p.text(name(c.bot));
                           p.raw("</td>");
                           number_cell(p, c.all.urls, column::aside);
                           number_cell(p, c.all.hits);
                           percent_cell(p, c.covered.hits, c.all.hits);
                           number_cell(p, c.all.hits - c.covered.hits);
                       });
    });
}

void kinds_section(page &p, coverage_report const &r)
{
    if (r.kinds.empty()) {
        return;
    }
    section(p, "By kind of URL", [&] {
        kind_chart(p, r);
        sortable_table(p, "kinds",
                       "<th>kind</th><th class=\"n\">URLs</th>"
                       "<th class=\"n\">covered</th><th class=\"n\">hits</th><th class=\"n\">covered</th>",
                       r.kinds, [&p](auto const &k) {
                           p.f("<td>{}</td>", mappings::to_string(k.kind));
                           urls_and_hits_cells(p, k.all, k.covered, k.all);
                       });
    });
}

void days_section(page &p, coverage_report const &r)
{
    if (r.days.empty()) {
        return;
    }
    section(p, "Per day", [&] { day_chart(p, r); });
}

void reasons_section(page &p, coverage_report const &r)
{
    if (r.why_missed.empty()) {
        return;
    }
    section(p, "Why URLs miss", [&] {
        table_start(p, "reasons",
                    "<th>likely reason</th><th>outcome</th><th class=\"n\">URLs</th><th class=\"n\">hits</th>");
        for (auto const &cause : r.why_missed) {
            p.raw("<tr><td>");
            p.text(cause_label(cause));
            p.f("</td><td><span class=\"swatch\" style=\"background:{}\"></span>", colour(cause.outcome));
            p.text(label(cause.outcome));
            p.raw("</td>");
            number_cell(p, cause.count.urls);
            number_cell(p, cause.count.hits);
            p.raw("</tr>");
        }
        table_end(p);
    });
}

void top_missed_section(page &p, coverage_report const &r)
{
    section(p, "Top missed URLs", [&] {
        if (r.top_missed.empty()) {
            p.raw("<p>None: every old URL lands on a working page.</p>");
        } else {
            p.f("<p class=\"note\">{} of {} missed URLs, the most hits first. Click a heading to sort.</p>",
                thousands(r.top_missed.size()), thousands(r.missed_urls));
            missed_table(p, r);
        }
    });
}

void chains_section(page &p, coverage_report const &r)
{
    if (r.chains.empty()) {
        return;
    }
    section(p, "Redirect chains", [&] {
        p.raw("<p class=\"note\">These land on a working page, but the target "
              "redirects again: "
              "each hop costs the reader time. Point the map at the final URL.</p>");
        sortable_table(p, "chains", "<th class=\"n\">hits</th><th>old URL</th><th class=\"n\">hops</th><th>chain</th>",
                       r.chains, [&p](listed_url const &u) {
                           number_cell(p, u.hits);
                           url_cell(p, u.url);
                           p.f("<td class=\"n\">{}</td><td class=\"url\">", u.hops);
                           p.text(u.detail);
                           p.raw("</td>");
                       });
    });
}

void proposal_rows(page &p, coverage_report const &r)
{
    sortable_table(p, "proposals",
                   "<th>pattern</th><th>replacement</th>"
                   "<th class=\"n\">URLs won</th><th class=\"n aside\">of</th><th class=\"n\">hits won</th><th "
                   "class=\"aside\">for example</th>",
                   r.proposals, [&p](auto const &rule) {
                       p.raw("<td class=\"url\"><code>");
                       p.text(rule.pattern);
                       p.raw("</code><div class=\"note assumes\">Assumes ");
                       p.text(rule.assumption);
                       p.text(fmt::format("; the map knows {} of the {} URLs.", thousands(rule.known_urls),
                                          thousands(rule.matched_urls)));
                       p.raw("</div></td><td><code>");
                       p.text(rule.replacement);
                       p.raw("</code></td>");
                       number_cell(p, rule.won_urls);
                       number_cell(p, rule.matched_urls, column::aside);
                       number_cell(p, rule.won_hits);
                       p.raw("<td class=\"url aside\">");
                       if (!rule.examples.empty()) {
                           p.text(rule.examples.front().first + " → " + rule.examples.front().second);
                       }
                       p.raw("</td>");
                   });
}

void proposals_section(page &p, coverage_report const &r)
{
    section(p, "Proposed rules", [&] {
        if (!r.proposals.empty()) {
            p.raw(
                "<p class=\"note\">Misses that share a shape, and a rewrite rule that would send them to mapped "
                "places. "
                "Each says what it takes the numbers or names for; none is proposed when the map shows that false for "
                "a URL it matches, but only you can tell whether an old software's numbers are the old forum's ids: "
                "check the examples. Review each, add the rows to rules.csv after your own rules (a load replaces the "
                "whole rule list) and load the map.</p>");
            proposal_rows(p, r);
            p.raw("<pre id=\"rules-csv\">");
            p.text(rules_csv(r.proposals));
            p.raw("</pre>");
        } else if (r.proposals_possible) {
            p.raw("<p>None: no group of misses that share a shape could be sent to mapped places by one rule.</p>");
        } else {
            p.raw("<p>None tried: rules are tried against the map, and no map was given (--db).</p>");
        }
    });
}

void input_list(page &p, input_summary const &in)
{
    p.raw("<ul>");
    auto const list_files = [&p](std::string_view what, std::vector<std::string> const &files) {
        for (auto const &file : files) {
            p.raw("<li>");
            p.text(what);
            p.raw(" <code>");
            p.text(file);
            p.raw("</code></li>");
        }
    };
    list_files("sitemap", in.sitemaps);
    list_files("access log", in.access_logs);
    list_files("URL list", in.url_lists);
    if (in.from_map) {
        p.f("<li>every URL the map knows: {}</li>", thousands(in.map_urls));
    }
    if (in.from_misses) {
        p.f("<li>the redirector's miss log: {} URLs</li>", thousands(in.miss_log_urls));
    }
    p.raw("</ul>");
}

void inputs_section(page &p, coverage_report const &r)
{
    auto const &in = r.inputs;
    section(p, "Inputs", [&] {
        input_list(p, in);
        if (!in.sitemaps.empty()) {
            p.f("<p>Sitemaps: {} documents listing {} URLs.</p>", thousands(in.sitemap_documents),
                thousands(in.sitemap_urls));
        }
        if (!in.access_logs.empty()) {
            p.f("<p>Access logs: {} lines, {} requests counted; left out: {} not GET or HEAD, {} without a usable "
                "request "
                "line, "
                "{} for Discourse's own machinery (assets, message bus…).</p>",
                thousands(in.log_lines), thousands(in.log_requests), thousands(in.skipped_method),
                thousands(in.skipped_no_request), thousands(in.skipped_internal));
            p.raw("<ul id=\"log-layouts\">");
            for (auto const &layout : in.log_layouts) {
                p.raw("<li><code>");
                p.text(layout.file);
                p.raw("</code> read as ");
                p.text(layout.layout);
                p.raw("</li>");
            }
            p.raw("</ul>");
        }
        if (in.malformed > 0) {
            p.f("<p class=\"bad\">{} input lines could not be read and were skipped; the first:</p><ul "
                "id=\"malformed\">",
                thousands(in.malformed));
            for (auto const &m : in.malformed_examples) {
                p.raw("<li><code>");
                p.text(fmt::format("{}:{}", m.file, m.line));
                p.raw("</code> ");
                p.text(m.problem);
                p.raw(": <code>");
                p.text(m.text);
                p.raw("</code></li>");
            }
            p.raw("</ul>");
        }
        p.f("<p class=\"note\">Made by forumgate coverage in {:.1f} s.</p>", r.seconds);
    });
}

} // namespace

void html_format::write(coverage_report const &r, std::ostream &out) const
{
    page p;
    head_section(p, r);
    headline_section(p, r);
    probes_note(p, r);
    outcomes_section(p, r);
    crawlers_section(p, r);
    kinds_section(p, r);
    days_section(p, r);
    reasons_section(p, r);
    top_missed_section(p, r);
    chains_section(p, r);
    proposals_section(p, r);
    inputs_section(p, r);
    p.raw("</main><script>");
    p.raw(SCRIPT);
    p.raw("</script></body></html>\n");
    out << p.str();
}

} // namespace forumgate::report
