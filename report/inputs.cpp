#include "report/inputs.hpp"

#include "base/error.hpp"
#include "base/line_reader.hpp"
#include "mappings/old_url.hpp"
#include "report/access_log.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace forumgate::report {
namespace {

/// Log lines counted before the progress counter is told: one atomic add per line would cost
/// more than parsing a short line.
constexpr std::uint64_t PROGRESS_BATCH = 8192;

/// Malformed lines are quoted up to this many bytes.
constexpr std::size_t QUOTED_BYTES = 160;

/// The message of a line_reader error without its "FILE:LINE: " (the report adds its own).
std::string without_position(std::string_view message, std::string const &file)
{
    if (message.starts_with(file + ":")) {
        if (auto const space = message.find(": ", file.size() + 1); space != std::string_view::npos) {
            return std::string{message.substr(space + 2)};
        }
    }
    return std::string{message};
}

} // namespace

bool is_internal_path(std::string_view target) noexcept
{
    // Discourse's asset, polling and tracking routes (config/routes.rb): requested by its own
    // pages and by browsers, never the place a link leads to.
    static constexpr std::array<std::string_view, 19> PREFIXES = {
        "/assets/",        "/stylesheets/",         "/theme-javascripts/",
        "/extra-locales/", "/svg-sprite/",          "/message-bus/",
        "/presence/",      "/highlight-js/",        "/service-worker",
        "/srv/status",     "/logs/report_js_error", "/session/csrf",
        "/topics/timings", "/clicks/track",         "/composer_messages",
        "/draft.json",     "/browser-update",       "/favicon/proxied",
        "/bootstrap/"};
    for (auto const prefix : PREFIXES) {
        if (target.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

void note_malformed(input_summary &summary, std::string_view file, std::uint64_t line, std::string_view problem,
                    std::string_view text)
{
    ++summary.malformed;
    if (summary.malformed_examples.size() < MAX_MALFORMED_EXAMPLES) {
        std::string shown = printable_text(text.substr(0, QUOTED_BYTES));
        if (text.size() > QUOTED_BYTES) {
            shown += "…";
        }
        summary.malformed_examples.push_back(
            malformed_line{std::string{file}, line, std::string{problem}, std::move(shown)});
    }
}

namespace {

/// The layout most of the sampled lines have ("" for none).
std::string most_common(std::vector<std::string> const &layouts)
{
    std::string best;
    std::size_t best_count = 0;
    for (auto const &layout : layouts) {
        auto const count = static_cast<std::size_t>(std::count(layouts.begin(), layouts.end(), layout));
        if (!layout.empty() && count > best_count) {
            best = layout;
            best_count = count;
        }
    }
    return best;
}

} // namespace

void count_log_request(log_request const &request, url_tally &tally, input_summary &summary, log_reading const &how)
{
    traffic_class const who = how.traffic != nullptr
                                  ? how.traffic->classify(request.method, request.target, request.user_agent)
                                  : traffic_class{};
    if (who.probe != probe_kind::none) {
        ++summary.probes[static_cast<std::size_t>(who.probe)];
        if (!how.count_probes) {
            return;
        }
    }
    if (request.method != "GET" && request.method != "HEAD") {
        ++summary.skipped_method;
        return;
    }
    std::string_view host = request.host;
    std::string_view target = request.target;
    if (!target.starts_with('/')) {
        // The absolute form (a request through a proxy) names its host.
        auto const parsed = mappings::request_from_url(target, {});
        if (!parsed) {
            ++summary.skipped_no_request;
            return;
        }
        host = parsed->host;
        target = parsed->target;
    }
    if (!how.keep_internal && is_internal_path(target)) {
        ++summary.skipped_internal;
        return;
    }
    ++summary.log_requests;
    auto const index = tally.add(host, target, 1, FROM_ACCESS_LOG, request.day);
    if (who.bot != crawler::none) {
        tally.add_crawler_hits(index, static_cast<std::uint8_t>(who.bot), 1);
    }
}

void read_access_log(std::string const &path, url_tally &tally, input_summary &summary, log_reading const &how,
                     web::progress *progress)
{
    static_assert(UNKNOWN_DAY == url_tally::NO_DAY);
    base::line_reader reader{path == "-" ? std::string{"/dev/stdin"} : path};
    std::string_view line;
    log_scratch scratch;
    log_request request;
    std::string_view problem;
    std::uint64_t pending = 0;
    std::vector<std::string> sample;
    try {
        while (reader.next(line)) {
            ++summary.log_lines;
            if (++pending == PROGRESS_BATCH && progress != nullptr) {
                progress->add(pending);
                pending = 0;
            }
            auto const kind = how.format != nullptr ? how.format->parse(line, request, scratch, problem)
                                                    : parse_log_line(line, request, scratch, problem);
            if (how.format == nullptr && sample.size() < LAYOUT_SAMPLE_LINES && kind != log_line_kind::blank) {
                sample.push_back(layout_of_line(line));
            }
            switch (kind) {
            case log_line_kind::blank:
                continue;
            case log_line_kind::malformed:
                note_malformed(summary, reader.name(), reader.line_number(), problem, line);
                continue;
            case log_line_kind::no_request:
                ++summary.skipped_no_request;
                continue;
            case log_line_kind::request:
                break;
            }
            count_log_request(request, tally, summary, how);
        }
    } catch (input_error const &e) {
        // A damaged or cut-short gzip file: a partial read would give figures that look whole.
        std::string const what = without_position(e.what(), reader.name());
        if (!how.allow_truncated) {
            throw input_error{fmt::format("{}:{}: {}; the figures would miss the rest of the file: repair or leave "
                                          "out the file, or give --allow-truncated to count what could be read",
                                          reader.name(), reader.line_number() + 1, what)};
        }
        note_malformed(summary, reader.name(), reader.line_number() + 1,
                       what + "; the rest of the file is skipped (--allow-truncated)", "");
    }
    if (progress != nullptr) {
        progress->add(pending);
    }
    std::string layout =
        how.format != nullptr ? fmt::format("--log-format ({} syntax)", how.format->syntax()) : most_common(sample);
    summary.log_layouts.push_back(
        {path, layout.empty() ? std::string{"unknown (no line read as a request)"} : std::move(layout)});
}

void read_url_list(std::string const &path, url_tally &tally, input_summary &summary)
{
    base::line_reader reader{path == "-" ? std::string{"/dev/stdin"} : path};
    std::string_view line;
    try {
        while (reader.next(line)) {
            auto const first = line.find_first_not_of(" \t");
            if (first == std::string_view::npos || line[first] == '#') {
                continue;
            }
            line.remove_prefix(first);
            line = line.substr(0, line.find_last_not_of(" \t") + 1);
            auto const request = mappings::request_from_url(line, {});
            if (!request) {
                note_malformed(summary, path, reader.line_number(), "neither a path (/…) nor an http(s) URL", line);
                continue;
            }
            ++summary.list_urls;
            tally.add(request->host, request->target, 0, FROM_URL_LIST);
        }
    } catch (input_error const &e) {
        note_malformed(summary, path, reader.line_number() + 1,
                       without_position(e.what(), reader.name()) + "; the rest of the file is skipped", "");
    }
}

} // namespace forumgate::report
