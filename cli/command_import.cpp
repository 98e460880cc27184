// forumgate import: recreates the archived old forum on the new one and fills the ID map
// (docs/import.md).

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "importer/publish.hpp"
#include "importer/verify.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

namespace forumgate::cli {
namespace {

struct import_cli
{
    importer::import_options options;
    std::string api_key_file;
    std::string sso_secret_file;
    bool no_progress = false;
    int timeout_seconds = 60;
    int retries = 8;
};

void print_findings(std::vector<importer::preflight_finding> const &findings, bool dry_run)
{
    if (findings.empty()) {
        std::cout << "preflight: nothing in the new forum's settings stands in the way\n";
        return;
    }
    std::cout << "preflight: " << findings.size()
              << (dry_run ? " things would fail or bother members:\n" : " findings:\n");
    for (auto const &finding : findings) {
        std::cout << fmt::format("  {} {}\n      -> {}\n", finding.blocking ? "[refuses to start]" : "[would fail]",
                                 finding.what, finding.remedy);
    }
}

/// What this run did, then the whole forum as it stands on the new one, the notes by kind and
/// the failures: one screen whatever the forum's size (every note is in the notes file).
void print_summary(importer::import_summary const &summary, std::filesystem::path const &notes_file)
{
    auto const &t = summary.totals;
    std::cout << fmt::format("this run    created {} categories, {} users, {} uploads, {} topics, {} posts\n",
                             summary.categories_created, summary.users_created, summary.uploads_created,
                             summary.topics_created, summary.posts_created);
    std::cout << fmt::format("            found {} posts already there; edited {} in the rewrite\n",
                             summary.posts_reconciled, summary.posts_edited);
    std::cout << "on the new forum now (all runs):\n";
    std::cout << fmt::format("  categories  {} of {}\n", t.categories_placed, t.categories_archived);
    std::cout << fmt::format("  users       {}: {} created, {} matched to accounts there, {} posted as another\n",
                             t.users_placed, t.users_created, t.users_placed - t.users_created - t.users_fallback,
                             t.users_fallback);
    std::cout << fmt::format("  uploads     {} of {}\n", t.uploads_placed, t.uploads_archived);
    std::cout << fmt::format("  topics      {} of {}{}\n", t.topics_placed, t.topics_archived,
                             t.topics_not_copied == 0 ? std::string{}
                                                      : fmt::format(" ({} deleted, not copied)", t.topics_not_copied));
    std::cout << fmt::format("  posts       {} (small actions, deleted posts and whispers are not copied)\n",
                             t.posts_placed);
    std::cout << fmt::format("notes       {} posts carry notes (the posts are copied; a note says what differs)\n",
                             t.posts_with_notes);
    for (auto const &kind : importer::note_kinds()) {
        if (auto const n = t.notes_of(kind.kind); n > 0) {
            std::cout << fmt::format("  {:>6}  {}\n", n, kind.label);
        }
    }
    std::cout << fmt::format("failed      {}\n", summary.failures);
    constexpr std::size_t SHOWN_FAILURES = 5;
    for (std::size_t i = 0; i < summary.failure_lines.size() && i < SHOWN_FAILURES; ++i) {
        std::cout << "  " << summary.failure_lines[i] << "\n";
    }
    if (summary.failure_lines.size() > SHOWN_FAILURES) {
        std::cout << fmt::format("  and {} more\n", summary.failure_lines.size() - SHOWN_FAILURES);
    }
    if (!notes_file.empty()) {
        std::cout << fmt::format("every note and failure: {}\n", notes_file.string());
    }
}

int run(import_cli &cli)
{
    require_db(cli.options.database);
    if (cli.options.target.empty()) {
        throw argument_error{"--target is needed: the new forum's base URL, e.g. https://forum.example.org"};
    }
    cli.options.api_key = read_secret("--api-key-file", cli.api_key_file, "FORUMGATE_TARGET_API_KEY");
    cli.options.sso_secret = read_secret("--sso-secret-file", cli.sso_secret_file, "FORUMGATE_SSO_SECRET");
    cli.options.timeout = std::chrono::seconds{cli.timeout_seconds};
    cli.options.retries.max_attempts = std::max(cli.retries, 1);
    cli.options.terminal = !cli.no_progress && ::isatty(STDERR_FILENO) == 1;
    cli.options.quiet = cli.no_progress;
    if (!cli.options.dry_run) {
        announce_interruptions("import");
    }

    auto const summary = importer::run_import(cli.options);

    print_findings(summary.findings, cli.options.dry_run);
    if (cli.options.dry_run) {
        return summary.findings.empty() ? EXIT_OK : EXIT_PROBLEMS;
    }
    print_summary(summary, cli.options.notes_file);
    spdlog::info("import: done in {:.1f} s", summary.seconds);
    if (summary.failures > 0) {
        spdlog::warn("import: {} items are not imported (listed above); run the same command again to retry them",
                     summary.failures);
        return EXIT_PROBLEMS;
    }
    return EXIT_OK;
}

struct verify_cli
{
    importer::verify_options options;
    std::string api_key_file;
    std::string report = "forumgate-verify.json";
    bool no_progress = false;
    int timeout_seconds = 60;
};

int run_verify(verify_cli &cli)
{
    require_db(cli.options.database);
    if (cli.options.target.empty()) {
        throw argument_error{"--target is needed: the new forum's base URL"};
    }
    cli.options.api_key = read_secret("--api-key-file", cli.api_key_file, "FORUMGATE_TARGET_API_KEY");
    cli.options.timeout = std::chrono::seconds{cli.timeout_seconds};
    cli.options.terminal = !cli.no_progress && ::isatty(STDERR_FILENO) == 1;
    cli.options.quiet = cli.no_progress;
    auto const summary = importer::run_verify(cli.options);
    if (!cli.report.empty()) {
        importer::write_verify_report(summary, cli.report);
    }
    std::map<std::string, int> by_check;
    for (auto const &finding : summary.findings) {
        ++by_check[finding.check];
    }
    std::cout << fmt::format("verify: {} topics and {} posts checked of {} expected: {}\n", summary.topics_checked,
                             summary.posts_checked, summary.posts_expected, summary.passed() ? "PASSED" : "FAILED");
    for (auto const &[check, count] : by_check) {
        std::cout << fmt::format("  {:<13} {}\n", check, count);
    }
    std::size_t shown = 0;
    for (auto const &finding : summary.findings) {
        if (++shown > 20) {
            std::cout << fmt::format("  … and {} more in {}\n", summary.findings.size() - 20, cli.report);
            break;
        }
        std::cout << fmt::format("  topic {} post {}: {}: {}\n", finding.old_topic_id, finding.old_post_id,
                                 finding.check, finding.detail);
    }
    if (!cli.report.empty()) {
        spdlog::info("verify: report written to {}", cli.report);
    }
    return summary.passed() ? EXIT_OK : EXIT_PROBLEMS;
}

} // namespace

void add_verify_command(CLI::App &app, command &run_command)
{
    auto cli = std::make_shared<verify_cli>();
    auto *verify =
        app.add_subcommand("verify", "Compare the archive with the new forum after an import: every post once, "
                                     "authors, dates, order, tags, rewritten content");
    add_db_option(*verify, cli->options.database);
    verify->add_option("--target", cli->options.target, "The new forum's base URL");
    verify
        ->add_option("--api-key-file", cli->api_key_file,
                     "File whose first line is an admin API key of the new forum (else FORUMGATE_TARGET_API_KEY)")
        ->type_name("FILE");
    verify
        ->add_option("--api-username", cli->options.api_username,
                     "Admin the key acts as (and who posted attributed posts)")
        ->capture_default_str();
    verify->add_option("--report", cli->report, "Write the JSON report here (\"\": none)")
        ->type_name("FILE")
        ->capture_default_str();
    verify->add_option("--concurrency", cli->options.concurrency, "Topics checked at once")->capture_default_str();
    verify->add_option("--rate", cli->options.rate, "At most this many requests per second (0: no cap)")
        ->capture_default_str();
    verify->add_option("--timeout", cli->timeout_seconds, "Seconds for one request")->capture_default_str();
    verify->add_option("--ca-file", cli->options.ca_file, "PEM file of certificate authorities to trust (TLS)")
        ->type_name("FILE");
    verify->add_flag("--no-progress", cli->no_progress, "No progress line or periodic progress logs");
    set_footer(*verify, "Exit status: 0 passed, 1 differences found (listed, and in the report), 2 fatal.");
    verify->callback([&run_command, cli] { run_command = [cli] { return run_verify(*cli); }; });
}

void add_import_command(CLI::App &app, command &run_command)
{
    auto cli = std::make_shared<import_cli>();
    auto *import = app.add_subcommand("import", "Recreate the archived old forum on the new one through its REST API, "
                                                "fill the ID map and rewrite links; resumable, never duplicating");
    add_db_option(*import, cli->options.database);
    import->add_option("--target", cli->options.target, "The new forum's base URL, e.g. https://forum.example.org");
    import
        ->add_option(
            "--api-key-file", cli->api_key_file,
            "File whose first line is an all-users admin API key of the new forum (else FORUMGATE_TARGET_API_KEY)")
        ->type_name("FILE");
    import
        ->add_option("--api-username", cli->options.api_username,
                     "Admin who creates categories and uploads and edits posts")
        ->capture_default_str();
    import->add_option(
        "--fallback-user", cli->options.fallback_user,
        "Attribute posts of authors with no account on the new forum to this account (named in each post)");
    import
        ->add_option("--category-map", cli->options.category_map,
                     "CSV lines OLD,NEW (ids or slug paths) placing old categories")
        ->type_name("FILE");
    import
        ->add_option("--sso-secret-file", cli->sso_secret_file,
                     "DiscourseConnect secret (else FORUMGATE_SSO_SECRET): provision users through sync_sso instead "
                     "of creating them")
        ->type_name("FILE");
    import->add_option("--external-id-prefix", cli->options.external_id_prefix, "Topics get external id PREFIX{old id}")
        ->capture_default_str();
    import->add_option("--uploads-dir", cli->options.uploads_dir, "Folder where fetch stored upload files")
        ->type_name("DIR")
        ->capture_default_str();
    import
        ->add_option("--notes-file", cli->options.notes_file,
                     "CSV file to write every note on imported posts and every failure to, after each run")
        ->type_name("FILE")
        ->capture_default_str();
    import->add_option("--old-host", cli->options.old_hosts,
                       "More host names of the old forum for the map (repeatable)");
    import
        ->add_option("--placeholder-email-domain", cli->options.placeholder_email_domain,
                     "Domain of the addresses given to created accounts whose e-mail the archive lacks")
        ->capture_default_str();
    import->add_option("--concurrency", cli->options.concurrency, "Topics imported at once (1-32)")
        ->capture_default_str();
    import->add_option("--rate", cli->options.rate, "At most this many requests per second in all (0: no cap)")
        ->capture_default_str();
    import->add_option("--timeout", cli->timeout_seconds, "Seconds for one request")->capture_default_str();
    import->add_option("--retries", cli->retries, "Attempts per request (5xx, 429, timeouts)")->capture_default_str();
    import->add_option("--ca-file", cli->options.ca_file, "PEM file of certificate authorities to trust (TLS)")
        ->type_name("FILE");
    import->add_flag("--dry-run", cli->options.dry_run,
                     "Only read the new forum's settings and list what would fail or notify members; create nothing");
    import->add_flag("--retarget", cli->options.retarget,
                     "The new forum moved to --target: take that as this store's target once the topics imported "
                     "before are found there and no longer at the old address");
    import->add_flag("--force", cli->options.force,
                     "With --retarget: even though the old address still serves the imported topics");
    import->add_flag("--allow-notifications", cli->options.allow_notifications,
                     "Start even though the new forum's settings would mail or notify members");
    import->add_flag("--skip-validations", cli->options.skip_validations,
                     "Send skip_validations=true (no title/body length, duplicate or per-user rate checks)");
    import->add_flag("--keep-whispers", cli->options.keep_whispers, "Copy whispers too (as whispers)");
    import->add_flag("--no-progress", cli->no_progress, "No progress line or periodic progress logs");
    set_footer(*import, "Exit status: 0 everything imported, 1 some items failed (run again to retry) or --dry-run "
                        "found problems, 2 fatal.");
    import->callback([&run_command, cli] { run_command = [cli] { return run(*cli);
};
} // namespace forumgate::cli
);
}

} // namespace forumgate::cli
