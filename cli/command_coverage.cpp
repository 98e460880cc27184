// forumgate coverage: which old links land where, weighted by real traffic (docs/coverage.md).

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "report/coverage.hpp"
#include "report/format.hpp"
#include "report/rule_proposals.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace forumgate::cli {
namespace {

struct coverage_cli
{
    report::coverage_options options;
    std::string html;
    std::string json;
    std::string rules;
    std::string api_key_file;
    std::optional<double> fail_under;
    std::string fail_by = "auto";
    int timeout_seconds = 15;
    bool no_progress = false;
};

/// Writes `format` of `r` to `file` ("-": standard output), whole or not at all.
void write_report(report::report_format const &format, report::coverage_report const &r, std::string const &file)
{
    if (file == "-") {
        format.write(r, std::cout);
        std::cout.flush();
        return;
    }
    auto const temporary = fmt::format("{}.tmp-{}", file, ::getpid());
    {
        std::ofstream out{temporary, std::ios::binary};
        format.write(r, out);
        out.flush();
        if (!out) {
            std::filesystem::remove(temporary);
            throw input_error{fmt::format("{}: cannot write the report", file)};
        }
    }
    std::filesystem::rename(temporary, file);
    spdlog::info("coverage: wrote {}", file);
}

/// Writes the proposed rules as rules.csv rows.
void write_rules(report::coverage_report const &r, std::string const &file)
{
    std::ofstream out{file, std::ios::binary};
    out << report::rules_csv(r.proposals);
    out.flush();
    if (!out) {
        throw input_error{fmt::format("{}: cannot write the proposed rules", file)};
    }
    spdlog::info("coverage: wrote {} proposed rules to {}", r.proposals.size(), file);
}

int run(coverage_cli &cli)
{
    auto &options = cli.options;
    if (cli.fail_under && (*cli.fail_under < 0 || *cli.fail_under > 100)) {
        throw argument_error{fmt::format("--fail-under {}: a percentage from 0 to 100", *cli.fail_under)};
    }
    if (cli.timeout_seconds < 1) {
        throw argument_error{fmt::format("--timeout {}: must be at least 1 second", cli.timeout_seconds)};
    }
    if (cli.html == "-" && cli.json == "-") {
        throw argument_error{"--html - and --json - both want standard output: write one of them to a file"};
    }
    // The key is read for --check-targets only (a key in the environment is for that), or to be
    // refused by name when --api-key-file comes without it.
    if (options.check_targets || !cli.api_key_file.empty()) {
        options.api_key = read_secret("--api-key-file", cli.api_key_file, "FORUMGATE_TARGET_API_KEY");
    }
    options.http.timeout = std::chrono::seconds{cli.timeout_seconds};
    options.terminal = !cli.no_progress && ::isatty(STDERR_FILENO) == 1;
    options.quiet = cli.no_progress;

    auto const r = report::run_coverage(options);

    // Results on standard output, unless a report goes there; then the summary goes to stderr.
    bool const summary_to_stderr = cli.html == "-" || cli.json == "-";
    auto const terminal = report::create_format("terminal");
    terminal->write(r, summary_to_stderr ? std::cerr : std::cout);
    if (!summary_to_stderr) {
        std::cout.flush();
    }
    if (!cli.html.empty()) {
        write_report(*report::create_format("html"), r, cli.html);
    }
    if (!cli.json.empty()) {
        write_report(*report::create_format("json"), r, cli.json);
    }
    if (!cli.rules.empty()) {
        write_rules(r, cli.rules);
    }

    int status = EXIT_OK;
    auto const off_site = r.outcomes[static_cast<std::size_t>(report::url_outcome::off_site)].urls;
    if (off_site > 0) {
        spdlog::error("coverage: {} URLs were redirected off the new forum; this must never happen", off_site);
        status = EXIT_PROBLEMS;
    }
    if (cli.fail_under) {
        bool const by_hits = cli.fail_by == "hits" || (cli.fail_by == "auto" && r.total.hits > 0);
        auto const coverage = by_hits ? r.coverage_by_hits() : r.coverage_by_urls();
        std::string const what = by_hits ? "hits" : "URLs";
        if (!coverage) {
            spdlog::error("coverage: no {} to measure --fail-under against", what);
            status = EXIT_PROBLEMS;
        } else if (*coverage < *cli.fail_under) {
            spdlog::error("coverage: {:.2f}% of {} is below --fail-under {}", *coverage, what, *cli.fail_under);
            status = EXIT_PROBLEMS;
        } else {
            spdlog::info("coverage: {:.2f}% of {} meets --fail-under {}", *coverage, what, *cli.fail_under);
        }
    }
    return status;
}

} // namespace

void add_coverage_command(CLI::App &app, command &run_command)
{
    auto cli = std::make_shared<coverage_cli>();
    auto &o = cli->options;
    auto *coverage = app.add_subcommand(
        "coverage",
        "Report which old URLs land where, weighted by real traffic: from sitemaps, access logs, URL lists, "
        "the map and the miss log; resolved in-process or by a running redirector (--via)");
    add_db_option(*coverage, o.database);
    coverage
        ->add_option("--sitemap", o.sitemaps,
                     "The old forum's sitemap or sitemap index: URL or file, plain or gzip (repeatable)")
        ->type_name("URL|FILE");
    coverage
        ->add_option("--access-log", o.access_logs,
                     "Access log in nginx/Apache combined format, plain or gzip ('-': standard input; repeatable)")
        ->type_name("FILE");
    coverage->add_option("--urls", o.url_lists, "File of URLs or paths, one a line ('-': standard input; repeatable)")
        ->type_name("FILE");
    coverage->add_flag("--from-map", o.from_map,
                       "Every URL the map knows: topics, posts, categories, users, tags, uploads");
    coverage->add_flag("--from-misses", o.from_misses,
                       "The URLs in the redirectors' miss log (forumgate.misses), with their hits");
    coverage->add_option("--via", o.via,
                         "Ask the redirector at this URL (http://HOST:PORT) instead of resolving in-process");
    coverage->add_option("--old-host", o.old_hosts, "With --via: an old host name (repeatable; first: for bare paths)");
    coverage->add_option("--new-base", o.new_base, "With --via: the new forum's URL, to tell an off-site redirect");
    coverage->add_option("--upload-host", o.upload_hosts,
                         "With --via: a further host uploads may be redirected to (repeatable)");
    coverage->add_flag("--check-targets", o.check_targets,
                       "Ask the new forum for each distinct target: it must answer 200; chains and loops are followed");
    coverage
        ->add_option("--api-key-file", cli->api_key_file,
                     "With --check-targets: file whose first line is an API key of the new forum, to check "
                     "members-only targets as a member (else FORUMGATE_TARGET_API_KEY; none: not checked)")
        ->type_name("FILE");
    coverage->add_option("--api-username", o.api_username, "User of the new forum the API key acts as")
        ->capture_default_str();
    coverage
        ->add_option("--concurrency", o.http.concurrency,
                     "Requests in flight at once for --via and --check-targets (1-64)")
        ->capture_default_str();
    coverage->add_option("--rate", o.http.rate, "At most this many requests per second in all (0: no cap)")
        ->capture_default_str();
    coverage->add_option("--timeout", cli->timeout_seconds, "Seconds for one request")->capture_default_str();
    coverage->add_option("--ca-file", o.http.ca_file, "PEM file of certificate authorities to trust (TLS)")
        ->type_name("FILE");
    coverage->add_option("--html", cli->html, "Write the HTML report to FILE ('-': standard output)")
        ->type_name("FILE");
    coverage->add_option("--json", cli->json, "Write the JSON report to FILE ('-': standard output)")
        ->type_name("FILE");
    coverage->add_option("--rules", cli->rules, "Write the proposed rules to FILE as rules.csv rows")
        ->type_name("FILE");
    coverage->add_option("--top", o.top, "Rows in the lists of missed URLs and chains (0: all)")->capture_default_str();
    coverage->add_flag(
        "--count-probes", o.count_probes,
        "Count scanners' probes (/wp-login.php, /.env, CONNECT, zgrab…) in the figures like any request");
    coverage->add_flag("--keep-internal", o.keep_internal,
                       "Count requests for Discourse's own assets and polling routes in access logs too");
    coverage
        ->add_option("--log-format", o.log_format,
                     R"(The access logs' layout as the server's own format string: nginx log_format syntax )"
                     R"(($remote_addr - $remote_user [$time_local] "$request" $status …) or Apache LogFormat )"
                     R"(syntax (%h %l %u %t "%r" %>s %b …), bare or the whole directive (default: the combined )"
                     R"(family, detected per file))")
        ->type_name("FORMAT");
    coverage->add_flag("--allow-truncated", o.allow_truncated,
                       "Count what can be read of a damaged or cut-short gzip log instead of stopping with an error");
    coverage->add_option("--fail-under", cli->fail_under, "Exit 1 if coverage is below this many percent");
    coverage
        ->add_option("--fail-by", cli->fail_by,
                     "What --fail-under measures: hits, urls, or auto (hits when the inputs have any)")
        ->check(CLI::IsMember({"auto", "hits", "urls"}))
        ->capture_default_str();
    coverage->add_flag("--no-progress", cli->no_progress, "No progress line or periodic progress logs");
    set_footer(*coverage, "Exit status: 0 ok, 1 coverage below --fail-under or a redirect off the new forum, 2 fatal.");
    coverage->callback([&run_command, cli] { run_command = [cli] { return run(*cli); }; });
}

} // namespace forumgate::cli
