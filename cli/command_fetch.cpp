// forumgate fetch: archives the old forum into the store (docs/fetch.md).

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "importer/fetch.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>
#include <memory>

namespace forumgate::cli {
namespace {

struct fetch_cli
{
    importer::fetch_options options;
    std::string api_key_file;
    bool status = false;
    bool no_progress = false;
    int timeout_seconds = 60;
    int retries = 8;
};

std::string size_text(std::int64_t bytes)
{
    if (bytes >= (1LL << 20)) {
        return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
    }
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
}

/// What a complete archive holds: all of the forum, or (anonymous) what a visitor sees.
std::string complete_text(importer::archive_identity const &who)
{
    return who.authenticated ? ", complete"
                             : ", complete as an anonymous visitor sees the forum (no restricted categories, private "
                               "messages or e-mail addresses)";
}

/// Results to stdout: what the archive holds and what is still missing.
void print_status(importer::archive_status const &status)
{
    if (!status.identity) {
        std::cout << "archive: empty (nothing archived yet: run forumgate fetch --source URL)\n";
        return;
    }
    auto const &who = *status.identity;
    std::cout << fmt::format("archive of {} ({}{})\n", who.source, who.authenticated ? "with an API key" : "anonymous",
                             who.include_private_messages ? ", private messages included" : "");
    std::cout << fmt::format("last run: started {}, {}\n", status.last_started_at,
                             status.last_finished_at.empty()
                                 ? std::string{"not finished (interrupted or running)"}
                                 : "finished " + status.last_finished_at +
                                       (status.last_complete ? complete_text(who) : ", incomplete"));
    std::cout << fmt::format("categories     {:>10}\n", status.categories);
    std::cout << fmt::format("tags           {:>10}\n", status.tags);
    std::cout << fmt::format("topics         {:>10}\n", status.topics);
    std::cout << fmt::format("private msgs   {:>10}\n", status.private_messages);
    std::cout << fmt::format("posts          {:>10}\n", status.posts);
    std::cout << fmt::format("users          {:>10} (+{} no longer on the forum)\n", status.users,
                             status.missing_users);
    std::cout << fmt::format("uploads        {:>10} ({})\n", status.uploads, size_text(status.upload_bytes));
    std::cout << fmt::format("permalinks     {:>10}\n", status.permalinks);
    std::cout << fmt::format("absent ids     {:>10} (deleted, private or unused topic ids)\n", status.absent_topic_ids);
    std::cout << fmt::format("failed         {:>10}\n", status.failures.size());
    for (auto const &failure : status.failures) {
        std::cout << fmt::format("  {} {}: {} (attempts {}, last {})\n", failure.kind, failure.key, failure.reason,
                                 failure.attempts, failure.last_failed_at);
    }
}

int run(fetch_cli &cli)
{
    require_db(cli.options.database);
    if (cli.status) {
        print_status(importer::fetch_status(cli.options.database));
        return EXIT_OK;
    }
    if (cli.options.source.empty()) {
        throw argument_error{"--source is needed: the old forum's base URL, e.g. https://forum.example.org"};
    }
    if (cli.timeout_seconds < 1) {
        throw argument_error{"--timeout " + std::to_string(cli.timeout_seconds) + ": must be at least 1 second"};
    }
    if (cli.retries < 1) {
        throw argument_error{"--retries " + std::to_string(cli.retries) + ": must be at least 1"};
    }
    cli.options.api_key = read_secret("--api-key-file", cli.api_key_file, "FORUMGATE_SOURCE_API_KEY");
    if (cli.options.include_private_messages && cli.options.api_key.empty()) {
        throw argument_error{
            "--include-private-messages needs an admin API key (--api-key-file or FORUMGATE_SOURCE_API_KEY)"};
    }
    cli.options.timeout = std::chrono::seconds{cli.timeout_seconds};
    cli.options.retries.max_attempts = cli.retries;
    cli.options.terminal = !cli.no_progress && ::isatty(STDERR_FILENO) == 1;
    cli.options.quiet = cli.no_progress;
    announce_interruptions("fetch");
    spdlog::info("fetch: {} into the archive, {}, {} at once{}", cli.options.source,
                 cli.options.api_key.empty() ? "anonymous" : "as " + cli.options.api_username, cli.options.concurrency,
                 cli.options.rate > 0 ? fmt::format(", at most {} requests/s", cli.options.rate) : std::string{});

    if (cli.options.api_key.empty()) {
        spdlog::warn("fetch: anonymous (no --api-key-file): the archive will hold what a visitor sees, without "
                     "restricted categories and their topics, private messages, whispers, deleted posts and e-mail "
                     "addresses. The import then matches members by username only (not by e-mail), and the topics "
                     "it never saw stay behind (their old links answer 404). For a whole copy give an admin API key.");
    }
    auto const summary = importer::run_fetch(cli.options);

    spdlog::info("fetch: {} topics fetched ({} unchanged, {} absent ids), {} posts, {} users, {} uploads in {:.1f} s "
                 "({:.0f} posts/s); {} requests, {} retried",
                 summary.topics_fetched, summary.topics_unchanged, summary.topics_absent, summary.posts_fetched,
                 summary.users_fetched, summary.uploads_fetched, summary.seconds,
                 static_cast<double>(summary.posts_fetched) / std::max(summary.seconds, 1e-3), summary.requests,
                 summary.retries);
    print_status(summary.archive);
    if (!summary.archive.failures.empty()) {
        spdlog::warn("fetch: {} items could not be fetched (listed above); run the same command again to retry them",
                     summary.archive.failures.size());
        return EXIT_PROBLEMS;
    }
    return EXIT_OK;
}

} // namespace

void add_fetch_command(CLI::App &app, command &run_command)
{
    auto cli = std::make_shared<fetch_cli>();
    auto *fetch = app.add_subcommand("fetch", "Copy the old forum (categories, tags, topics, posts, users, uploads, "
                                              "permalinks) into the store's archive; resumable and incremental");
    add_db_option(*fetch, cli->options.database);
    fetch->add_option("--source", cli->options.source, "The old forum's base URL, e.g. https://forum.example.org");
    fetch
        ->add_option("--api-key-file", cli->api_key_file,
                     "File whose first line is an admin API key (else FORUMGATE_SOURCE_API_KEY; none: anonymous)")
        ->type_name("FILE");
    fetch->add_option("--api-username", cli->options.api_username, "User the API key acts as")->capture_default_str();
    fetch->add_flag("--include-private-messages", cli->options.include_private_messages,
                    "Also archive private messages (needs an admin key)");
    fetch->add_option("--concurrency", cli->options.concurrency, "Requests in flight at once (1-64)")
        ->capture_default_str();
    fetch->add_option("--rate", cli->options.rate, "At most this many requests per second in all (0: no cap)")
        ->capture_default_str();
    fetch->add_option("--uploads-dir", cli->options.uploads_dir, "Folder for upload files, by sha1")
        ->type_name("DIR")
        ->capture_default_str();
    fetch->add_option("--timeout", cli->timeout_seconds, "Seconds for one request before it counts as failed")
        ->capture_default_str();
    fetch->add_option("--retries", cli->retries, "Attempts per request, the first included (5xx, 429, timeouts)")
        ->capture_default_str();
    fetch->add_option("--ca-file", cli->options.ca_file, "PEM file of certificate authorities to trust (TLS)")
        ->type_name("FILE");
    fetch->add_flag("--full", cli->options.full, "Fetch every topic again, and ask again for ids found absent before");
    fetch->add_flag("!--no-sweep", cli->options.sweep, "Do not ask for topic ids the topic lists do not show");
    fetch
        ->add_option("--sweep-slack", cli->options.sweep_slack,
                     "Ids asked for past the highest known one, until this many in a row are absent")
        ->capture_default_str();
    fetch->add_flag("--reset", cli->options.reset, "Empty the archive first (another forum, or another access level)");
    fetch->add_flag("--status", cli->status, "Only summarise the archive: counts by kind, what failed and why");
    fetch->add_flag("--no-progress", cli->no_progress, "No progress line or periodic progress logs");
    set_footer(*fetch, "Exit status: 0 archive complete, 1 some items failed (run again to retry), 2 fatal.");
    fetch->callback([&run_command, cli] { run_command = [cli] { return run(*cli); }; });
}

} // namespace forumgate::cli
