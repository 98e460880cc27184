#pragma once
// Reading the file inputs of a report into the tally of distinct URLs: access logs (many
// files, plain or gzip) and plain lists of URLs. Lines that cannot be read are counted and the
// first few kept with file and line; they never stop the run.

#include "report/access_log.hpp"
#include "report/report.hpp"
#include "report/url_tally.hpp"

#include <string>
#include <string_view>

namespace forumgate::web {
class progress;
}

namespace forumgate::report {

/// Malformed lines kept with file and line for the report; the rest are only counted.
inline constexpr std::size_t MAX_MALFORMED_EXAMPLES = 10;

/// \return true if `target` is a path of Discourse's own machinery (assets, stylesheets, the
/// message bus, timings, service worker…) that the forum's pages load and no link points at.
[[nodiscard]] bool is_internal_path(std::string_view target) noexcept;

/// How access logs are read.
struct log_reading
{
    log_format const *format = nullptr; ///< the layout given by --log-format; null: the combined family
    bool keep_internal = false;         ///< count Discourse's own machinery too
    bool allow_truncated = false;       ///< a cut-short gzip file counts what was read instead of failing
    /// Tells probes and crawlers; null: every request is a visit.
    traffic_classifier const *traffic = nullptr;
    bool count_probes = false; ///< count probes in like any request (--count-probes)
};

/// Lines of a log whose layout names the file's layout in the report.
inline constexpr std::size_t LAYOUT_SAMPLE_LINES = 20;

/// Adds each GET and HEAD request of an access log (plain or gzip; "-": standard input) to
/// `tally` with its day and the crawler that made it, counting what is skipped, what is malformed
/// and what is a probe (set apart unless `how.count_probes`) in `summary`, and naming the layout
/// the file was read as (the one most of its first lines have).
/// `progress` (may be null) counts lines.
/// \throws input_error if the file cannot be opened, or if its gzip stream is damaged or cut
/// short, naming the file and line (unless `allow_truncated`: then what was read counts, and a
/// malformed-line entry says where it ended).
void read_access_log(std::string const &path, url_tally &tally, input_summary &summary, log_reading const &how,
                     web::progress *progress);

/// Adds each URL of a list (one a line: a full http(s) URL, or a path on the main old host;
/// blank lines and lines starting with '#' are skipped) to `tally`. A line that is neither is
/// counted as malformed. \throws input_error only if the file cannot be opened.
/// Counts one request a log line records (count_log_request() is read_access_log() for one
/// line): a probe apart, a method other than GET and HEAD or Discourse's own machinery skipped,
/// anything else a hit, with its crawler.
void count_log_request(log_request const &request, url_tally &tally, input_summary &summary, log_reading const &how);

void read_url_list(std::string const &path, url_tally &tally, input_summary &summary);

/// Records a malformed line in `summary`: counted, and kept if among the first few.
void note_malformed(input_summary &summary, std::string_view file, std::uint64_t line, std::string_view problem,
                    std::string_view text);

} // namespace forumgate::report
