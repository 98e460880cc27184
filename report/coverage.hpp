#pragma once
// forumgate coverage: which old links land where, weighted by real traffic. Reads the inputs,
// finds where each distinct URL lands, works out the figures and rule proposals, and returns
// them for a formatter to write (docs/coverage.md).

#include "report/report.hpp"
#include "report/web_fetcher.hpp"

#include <string>
#include <vector>

namespace forumgate::report {

/// What to read and how to resolve it.
struct coverage_options
{
    std::string database; ///< the store (map, miss log); may be empty with --via

    std::vector<std::string> sitemaps;    ///< http(s) URLs or files
    std::vector<std::string> access_logs; ///< files, plain or gzip
    std::vector<std::string> url_lists;   ///< files ("-": standard input)
    bool from_map = false;
    bool from_misses = false;

    std::string via;                       ///< a running redirector's base URL; empty: resolve in-process
    std::vector<std::string> old_hosts;    ///< with --via: the old host names (else the store's)
    std::string new_base;                  ///< with --via: the new forum's URL (else the store's)
    std::vector<std::string> upload_hosts; ///< with --via: further hosts uploads may be sent to

    bool check_targets = false;
    std::string api_key;                 ///< with --check-targets: asks members-only targets as a member (never logged)
    std::string api_username = "system"; ///< the user the key acts as
    http_check_options http;             ///< concurrency, rate and timeouts of --via and --check-targets

    std::size_t top = 50;         ///< rows of the lists of URLs (0: all)
    bool keep_internal = false;   ///< count Discourse's asset and polling paths in logs too
    bool count_probes = false;    ///< count scanners' probes in the figures like any request
    std::string log_format;       ///< the access logs' layout as the server's format string; empty: detected
    bool allow_truncated = false; ///< a cut-short gzip log counts what was read instead of failing
    bool terminal = false;        ///< progress redrawn in place (standard error is a terminal)
    bool quiet = false;           ///< no progress at all
};

/// Checks the options before any work: inputs given, combinations that make sense, files that
/// exist. \throws argument_error naming the option; input_error naming a missing file.
void check_options(coverage_options const &options);

/// Makes the report. \throws argument_error, input_error (a file or sitemap that cannot be
/// read), database_error; malformed log lines are counted, never thrown.
[[nodiscard]] coverage_report run_coverage(coverage_options const &options);

} // namespace forumgate::report
