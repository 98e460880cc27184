// forumgate coverage run as users run it: the real binary, a real store, real files; --via
// against a real `forumgate serve` on a loopback port (and its miss log read back with
// --from-misses); --check-targets against a real loopback web site standing in for the new
// forum; exit codes for --fail-under and off-site redirects; bad command lines.

#include "report/sitemap.hpp"
#include "tests/report/loopback_site.hpp"
#include "tests/report/report_map.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_shape.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace forumgate::testing;
using nlohmann::json;

/// Two days of the old forum's log: topics, posts, a share link, users, phpBB-era links that a
/// rule could send on, a scanner, Discourse's own polling, and two lines no server writes.
std::string const ACCESS_LOG = read_file(fs::path{FORUMGATE_FIXTURES} / "coverage" / "access.log");

std::string const SITEMAP = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://forum.cooperationbirmingham.org.uk/t/agm-2023-minutes/774</loc></url>
  <url><loc>https://forum.cooperationbirmingham.org.uk/t/proposal-food-co-op/775</loc></url>
  <url><loc>https://forum.cooperationbirmingham.org.uk/c/general/5</loc></url>
</urlset>
)";

/// Runs `forumgate coverage ARGS` with FORUMGATE_DB unset and progress off.
process_result coverage(std::vector<std::string> args)
{
    args.insert(args.begin(), "coverage");
    args.emplace_back("--no-progress");
    return run_process(FORUMGATE_BINARY, args, {{"FORUMGATE_DB", ""}});
}

/// The outcome counts of a JSON report: outcome → (URLs, hits).
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> outcomes(json const &report)
{
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> out;
    for (auto const &o : report["outcomes"]) {
        out[o["outcome"]] = {o["urls"], o["hits"]};
    }
    return out;
}

/// The listed URLs of a JSON report's top_missed: URL → "outcome reason".
std::map<std::string, std::string> missed(json const &report)
{
    std::map<std::string, std::string> out;
    for (auto const &u : report["top_missed"]) {
        out[u["url"]] = u["outcome"].get<std::string>() + " " +
                        (u["reason"].is_null() ? std::string{"-"} : u["reason"].get<std::string>());
    }
    return out;
}

class coverage_command_test : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_db = new test_database;
        load_report_map(*s_db);
    }
    static void TearDownTestSuite()
    {
        delete s_db;
        s_db = nullptr;
    }
    void SetUp() override
    {
        ASSERT_NE(s_db, nullptr) << "no test database (see the first failure)";
        log = dir.path() / "access.log.1.gz";
        write_gzip_file(log, ACCESS_LOG);
        sitemap = dir.write("sitemap.xml", SITEMAP);
        urls = dir.write("urls.txt", "# from the "
                                     "newsletter\n/t/proposal-food-co-op/775\nhttps://"
                                     "www.forum.cooperationbirmingham.org.uk/c/working-groups/housing/7\n");
    }

    static test_database *s_db;
    temp_dir dir;
    fs::path log;
    fs::path sitemap;
    fs::path urls;
};

test_database *coverage_command_test::s_db = nullptr;

} // namespace

TEST_F(coverage_command_test, reports_every_input_in_every_format)
{
    auto const json_file = dir.path() / "coverage.json";
    auto const html_file = dir.path() / "coverage.html";
    auto const rules_file = dir.path() / "proposed-rules.csv";
    auto const result = coverage({"--db", s_db->conninfo(), "--access-log", log.string(), "--sitemap", sitemap.string(),
                                  "--urls", urls.string(), "--from-map", "--json", json_file.string(), "--html",
                                  html_file.string(), "--rules", rules_file.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    // Results on stdout: the summary, with the malformed lines and where they are.
    EXPECT_NE(result.out.find("forumgate coverage: "), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(log.string() + ":10: no [time] field"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(log.string() + ":18: the request line has no closing quote"), std::string::npos)
        << result.out;
    // Talk on stderr, and no warnings or errors in it.
    EXPECT_EQ(result.err.find(" error "), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(" warning "), std::string::npos) << result.err;

    auto const report = read_json_file(json_file.string());
    auto const violations = schema_violations(
        read_json_file(std::string{FORUMGATE_SOURCE_DIR} + "/docs/coverage-report.schema.json"), report);
    EXPECT_TRUE(violations.empty()) << joined_lines(violations);

    EXPECT_EQ(report["inputs"]["log_lines"], 18);
    EXPECT_EQ(report["inputs"]["log_requests"], 13);
    EXPECT_EQ(report["inputs"]["malformed_lines"], 2);
    // A scanner's /wp-login.php is no missed link: set apart, and shown in a line of its own.
    EXPECT_EQ(report["inputs"]["probes"]["requests"], 1);
    EXPECT_EQ(report["inputs"]["probes"]["by_kind"]["scanner_path"], 1);
    EXPECT_EQ(report["inputs"]["probes"]["counted_in"], false);
    EXPECT_NE(result.out.find("probes (scanners and bots trying the server, not links): 1 request (1 scanner path), "
                              "set apart from the figures"),
              std::string::npos)
        << result.out;
    EXPECT_EQ(report["inputs"]["skipped"]["internal"], 1);
    EXPECT_EQ(report["inputs"]["skipped"]["method"], 1);
    EXPECT_EQ(report["inputs"]["sitemap_urls"], 3);
    EXPECT_EQ(report["inputs"]["list_urls"], 2);
    EXPECT_EQ(report["inputs"]["map_urls"], 14);
    EXPECT_EQ(report["totals"]["hits"], 13);
    // Hits: 774 ×3, 774/3, /p/9004, /u/Alice_Old/activity, /latest land (7); showthread ×3,
    // 999, 777, board-only miss (6).
    EXPECT_EQ(report["totals"]["covered_hits"], 7);
    EXPECT_EQ(missed(report),
              (std::map<std::string, std::string>{{"/showthread.php?tid=774", "not_found unknown_shape"},
                                                  {"/showthread.php?tid=775", "not_found unknown_shape"},
                                                  {"/t/some-topic/999", "not_found never_imported"},
                                                  {"/t/spam-topic/777", "gone not_migrated"},
                                                  {"/t/board-only-budget-draft", "not_found restricted"},
                                                  {"/u/gone_user", "gone not_migrated"}}));
    EXPECT_EQ(report["top_missed"][0]["url"], "/showthread.php?tid=775"); // 2 hits: the most
    ASSERT_EQ(report["days"].size(), 2U);
    EXPECT_EQ(report["days"][0]["date"], "2024-05-01");
    EXPECT_EQ(report["days"][0]["hits"], 7);
    EXPECT_EQ(report["days"][0]["covered_hits"], 4);
    ASSERT_EQ(report["rule_proposals"].size(), 1U);
    EXPECT_EQ(report["rule_proposals"][0]["pattern"], "^/showthread\\.php\\?tid=(\\d+)$");
    EXPECT_EQ(report["rule_proposals"][0]["won_hits"], 3);
    EXPECT_EQ(report["rule_proposals"][0]["known_urls"], 2);
    EXPECT_EQ(report["rule_proposals"][0]["assumes"], "old_ids");
    EXPECT_NE(result.out.find("      assumes the number is the old forum's topic id (kept from its earlier software); "
                              "the map gives the new one; the map knows 2 of the 2 URLs"),
              std::string::npos)
        << result.out;

    auto const html = read_file(html_file);
    EXPECT_NE(html.find("id=\"coverage-hits\""), std::string::npos);
    EXPECT_EQ(read_file(rules_file), "pattern,replacement,kind\n^/showthread\\.php\\?tid=(\\d+)$,/t/\\1,rewrite\n");
}

TEST_F(coverage_command_test, proposed_rules_load_and_win_their_hits_back)
{
    test_database db;
    load_report_map(db);
    auto const rules_file = dir.path() / "proposed.csv";
    auto const before = coverage({"--db", db.conninfo(), "--access-log", log.string(), "--rules", rules_file.string(),
                                  "--json", (dir.path() / "before.json").string()});
    ASSERT_EQ(before.exit_code, 0) << before.err;

    // As the report says: the map's own rules first, then the proposals, and load.
    fs::path const rules_dir = dir.path() / "rules";
    fs::create_directories(rules_dir);
    std::string const own = read_file(fs::path{FORUMGATE_FIXTURES} / "cli-map" / "rules.csv");
    std::string const proposed = read_file(rules_file);
    write_file(rules_dir / "rules.csv", own + proposed.substr(proposed.find('\n') + 1));
    auto const load = run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), rules_dir.string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;

    auto const after =
        coverage({"--db", db.conninfo(), "--access-log", log.string(), "--json", (dir.path() / "after.json").string()});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    auto const was = read_json_file((dir.path() / "before.json").string());
    auto const is = read_json_file((dir.path() / "after.json").string());
    EXPECT_EQ(is["totals"]["covered_hits"].get<int>(), was["totals"]["covered_hits"].get<int>() + 3);
    EXPECT_EQ(missed(is).count("/showthread.php?tid=775"), 0U);
    EXPECT_TRUE(is["rule_proposals"].empty());
}

TEST_F(coverage_command_test, a_cut_short_log_stops_the_run_unless_allowed)
{
    // Half of the gzip log: before, its figures were reported as if whole.
    std::string const bytes = read_file(log);
    auto const cut = dir.write("cut.log.gz", std::string_view{bytes}.substr(0, bytes.size() - 20));
    auto const refused = coverage({"--db", s_db->conninfo(), "--access-log", cut.string()});
    EXPECT_EQ(refused.exit_code, 2) << refused.err;
    EXPECT_NE(refused.err.find(cut.string() + ":"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--allow-truncated"), std::string::npos) << refused.err;
    auto const allowed = coverage({"--db", s_db->conninfo(), "--access-log", cut.string(), "--allow-truncated"});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_NE(allowed.out.find("rest of the file is skipped (--allow-truncated)"), std::string::npos) << allowed.out;
}

TEST_F(coverage_command_test, reads_a_log_in_the_layout_given)
{
    // The fixture log rewritten in a layout of its own: time, status, request, agent.
    auto const custom = dir.write("custom.log", "2023-10-10T13:55:36+01:00 301 \"GET /t/774 HTTP/1.1\" \"curl\"\n"
                                                "2023-10-10T13:55:37+01:00 404 \"GET /t/99999 HTTP/1.1\" \"curl\"\n");
    auto const read =
        coverage({"--db", s_db->conninfo(), "--access-log", custom.string(), "--log-format",
                  R"(log_format mine '$time_iso8601 $status "$request" "$http_user_agent"';)", "--json", "-"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto const report = nlohmann::json::parse(read.out);
    EXPECT_EQ(report["inputs"]["log_requests"], 2);
    EXPECT_EQ(report["inputs"]["malformed_lines"], 0);
    EXPECT_EQ(report["inputs"]["log_layouts"][0]["layout"], "--log-format (nginx syntax)");
    // The default reader names what it read; a format it cannot follow stops the run first.
    auto const detected = coverage({"--db", s_db->conninfo(), "--access-log", log.string()});
    EXPECT_NE(detected.out.find(log.string() + " read as combined"), std::string::npos) << detected.out;
    auto const bad =
        coverage({"--db", s_db->conninfo(), "--access-log", custom.string(), "--log-format", "$remote_addr$request"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("$remote_addr and $request have nothing between them"), std::string::npos) << bad.err;
}

TEST_F(coverage_command_test, sets_probes_apart_and_shows_search_engines_share)
{
    // An hour of the old forum: visits, Googlebot and Bingbot, and scanners trying the server
    // (tests/fixtures/coverage/access-probes.log): 5 scanner paths, 2 proxy attempts, 2 exploits
    // and a scanner's agent.
    auto const probes_log = fs::path{FORUMGATE_FIXTURES} / "coverage" / "access-probes.log";
    auto const run = [&](std::vector<std::string> extra, std::string const &name) {
        std::vector<std::string> args = {"--db",         s_db->conninfo(),
                                         "--access-log", probes_log.string(),
                                         "--json",       (dir.path() / (name + ".json")).string(),
                                         "--html",       (dir.path() / (name + ".html")).string()};
        args.insert(args.end(), extra.begin(), extra.end());
        auto result = coverage(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        auto report = read_json_file((dir.path() / (name + ".json")).string());
        auto const violations = schema_violations(
            read_json_file(std::string{FORUMGATE_SOURCE_DIR} + "/docs/coverage-report.schema.json"), report);
        EXPECT_TRUE(violations.empty()) << joined_lines(violations);
        return std::tuple{result, report, read_file(dir.path() / (name + ".html"))};
    };

    auto const [apart_run, apart, apart_html] = run({}, "apart");
    EXPECT_EQ(apart["inputs"]["probes"],
              (json{{"requests", 10},
                    {"counted_in", false},
                    {"by_kind", {{"exploit", 2}, {"proxy", 2}, {"scanner_path", 5}, {"scanner_agent", 1}}}}));
    // Only the visits and the crawls count: 774 ×2 and 775 land, 999 and 777 miss.
    EXPECT_EQ(apart["totals"]["hits"], 5);
    EXPECT_EQ(apart["totals"]["urls"], 4);
    EXPECT_EQ(apart["totals"]["covered_hits"], 3);
    EXPECT_EQ(missed(apart), (std::map<std::string, std::string>{{"/t/some-topic/999", "not_found never_imported"},
                                                                 {"/t/spam-topic/777", "gone not_migrated"}}));
    EXPECT_EQ(apart["inputs"]["skipped"]["method"], 0); // the POST and the CONNECT are probes
    std::string const line = "probes (scanners and bots trying the server, not links): 10 requests (2 exploits, 2 "
                             "proxy attempts, 5 scanner paths, 1 scanner agent), set apart from the figures";
    EXPECT_NE(apart_run.out.find(line), std::string::npos) << apart_run.out;
    EXPECT_NE(apart_html.find("id=\"probes\">Probes (scanners and bots trying the server, not links): 10 requests"),
              std::string::npos);
    // A 404 to Googlebot is a search result lost: its share of each outcome, and per crawler.
    EXPECT_EQ(apart["crawlers"], json::parse(R"([
        {"crawler": "Googlebot", "urls": 2, "hits": 2, "covered_urls": 1, "covered_hits": 1},
        {"crawler": "Bingbot", "urls": 1, "hits": 1, "covered_urls": 1, "covered_hits": 1}])"));
    for (auto const &o : apart["outcomes"]) {
        EXPECT_EQ(o["crawler_hits"], o["outcome"] == "redirected"  ? 2
                                     : o["outcome"] == "not_found" ? 1
                                                                   : 0)
            << o.dump();
    }
    auto const googlebot = apart_run.out.find("  Googlebot ");
    ASSERT_NE(googlebot, std::string::npos) << apart_run.out;
    std::string const crawled = apart_run.out.substr(googlebot, apart_run.out.find('\n', googlebot) - googlebot);
    for (auto const *part : {" 2 hits ", " 50.0% covered ", " 1 missed hits"}) {
        EXPECT_NE(crawled.find(part), std::string::npos) << part << " in " << crawled;
    }
    EXPECT_NE(apart_html.find("<td>Googlebot</td>"), std::string::npos);

    // --count-probes: their GET and HEAD requests count like any other, and miss.
    auto const [counted_run, counted, counted_html] = run({"--count-probes"}, "counted");
    EXPECT_EQ(counted["inputs"]["probes"]["requests"], 10);
    EXPECT_EQ(counted["inputs"]["probes"]["counted_in"], true);
    EXPECT_EQ(counted["totals"]["hits"], 13); // all but the POST and the CONNECT
    EXPECT_EQ(counted["inputs"]["skipped"]["method"], 2);
    EXPECT_EQ(missed(counted).count("/wp-login.php"), 1U);
    EXPECT_EQ(missed(counted).count("/.env"), 1U);
    EXPECT_NE(counted_run.out.find("counted in the figures (--count-probes)"), std::string::npos) << counted_run.out;
}

TEST_F(coverage_command_test, fail_under_sets_the_exit_status)
{
    std::vector<std::string> const base = {"--db", s_db->conninfo(), "--access-log", log.string()};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return coverage(args);
    };
    // 7 of 13 hits (53.8%); 5 of 10 URLs (50%); the scanner's probe counts in neither.
    auto const passes = with({"--fail-under", "50"});
    EXPECT_EQ(passes.exit_code, 0) << passes.err;
    EXPECT_NE(passes.err.find("53.85% of hits meets --fail-under 50"), std::string::npos) << passes.err;
    auto const fails = with({"--fail-under", "60"});
    EXPECT_EQ(fails.exit_code, 1) << fails.err;
    EXPECT_NE(fails.err.find("53.85% of hits is below --fail-under 60"), std::string::npos) << fails.err;
    auto const by_urls = with({"--fail-under", "55", "--fail-by", "urls"});
    EXPECT_EQ(by_urls.exit_code, 1) << by_urls.err;
    EXPECT_NE(by_urls.err.find("50.00% of URLs is below --fail-under 55"), std::string::npos) << by_urls.err;
    auto const by_urls_lower = with({"--fail-under", "50", "--fail-by", "urls"});
    EXPECT_EQ(by_urls_lower.exit_code, 0) << by_urls_lower.err;
    auto const bad = with({"--fail-under", "150"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--fail-under 150"), std::string::npos) << bad.err;
    // No hits (a sitemap alone): auto measures URLs.
    auto const sitemap_only =
        coverage({"--db", s_db->conninfo(), "--sitemap", sitemap.string(), "--fail-under", "100"});
    EXPECT_EQ(sitemap_only.exit_code, 0) << sitemap_only.err;
    EXPECT_NE(sitemap_only.err.find("100.00% of URLs meets"), std::string::npos) << sitemap_only.err;
}

TEST_F(coverage_command_test, via_a_running_redirector_agrees_with_the_map)
{
    server_process serve{FORUMGATE_BINARY,
                         {"serve", "--db", s_db->conninfo(), "--listen", "127.0.0.1:0", "--stats-interval", "0",
                          "--miss-log-interval", "1"},
                         {{"FORUMGATE_DB", ""}}};
    ASSERT_TRUE(serve.wait_listening(1)) << serve.log();
    std::string const via = "http://127.0.0.1:" + std::to_string(serve.ports().at(0));
    std::vector<std::string> const inputs = {"--access-log",   log.string(), "--sitemap",
                                             sitemap.string(), "--urls",     urls.string()};

    auto run = [&](std::vector<std::string> args, std::string const &name) {
        args.insert(args.end(), inputs.begin(), inputs.end());
        args.insert(args.end(), {"--json", (dir.path() / name).string()});
        auto const result = coverage(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return read_json_file((dir.path() / name).string());
    };
    auto const in_process = run({"--db", s_db->conninfo()}, "in-process.json");
    auto const asked = run({"--db", s_db->conninfo(), "--via", via, "--concurrency", "3"}, "via.json");
    auto const without_store = run({"--via", via, "--old-host", REPORT_OLD_HOST, "--old-host", "www." + REPORT_OLD_HOST,
                                    "--new-base", REPORT_NEW_BASE},
                                   "via-without-store.json");

    EXPECT_EQ(asked["resolved_by"], "redirector");
    EXPECT_EQ(asked["redirector"], via);
    // The forums are named by host, as the map names them, not by the redirector's address or
    // the host --via was told to ask for first.
    auto const named = coverage({"--db", s_db->conninfo(), "--via", via, "--old-host", "www." + REPORT_OLD_HOST,
                                 "--old-host", REPORT_OLD_HOST, "--urls", urls.string(), "--html",
                                 (dir.path() / "named.html").string(), "--json", (dir.path() / "named.json").string()});
    ASSERT_EQ(named.exit_code, 0) << named.err;
    std::string const forums = REPORT_OLD_HOST + " → forum.brum.coop";
    EXPECT_EQ(named.out.rfind("forumgate coverage: " + forums + "\n", 0), 0U) << named.out;
    EXPECT_NE(read_file(dir.path() / "named.html").find("<span id=\"forums\">" + forums + "</span>"),
              std::string::npos);
    auto const named_report = read_json_file((dir.path() / "named.json").string());
    EXPECT_EQ(named_report["old_forum"], REPORT_OLD_HOST);
    EXPECT_EQ(named_report["new_forum"], "forum.brum.coop");
    EXPECT_EQ(named_report["old_hosts"][0], "www." + REPORT_OLD_HOST); // asked for as told
    EXPECT_EQ(without_store["old_forum"], REPORT_OLD_HOST);            // no map: the hosts given
    EXPECT_EQ(outcomes(asked), outcomes(in_process));
    EXPECT_EQ(missed(asked), missed(in_process)); // with the store, the same likely reasons
    EXPECT_EQ(asked["kinds"], in_process["kinds"]);
    EXPECT_EQ(outcomes(without_store), outcomes(in_process));
    EXPECT_EQ(without_store["map_version"], nullptr);
    EXPECT_EQ(without_store["rule_proposals_possible"], false);
    for (auto const &u : without_store["top_missed"]) {
        EXPECT_TRUE(u["reason"] == "unknown" || u["reason"] == "not_migrated") << u.dump();
    }

    // The redirector counted the misses it was asked for; --from-misses reads them back.
    json from_misses;
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds{200});
        auto const result =
            coverage({"--db", s_db->conninfo(), "--from-misses", "--json", (dir.path() / "misses.json").string()});
        if (result.exit_code == 0) {
            from_misses = read_json_file((dir.path() / "misses.json").string());
            // Both runs' misses flushed: the redirector flushes on a timer, and a flush may
            // fall between the two runs, so five URLs may show before their second hits do.
            bool const all_counted = std::all_of(from_misses["top_missed"].begin(), from_misses["top_missed"].end(),
                                                 [](json const &u) { return u["hits"] == 2; });
            if (from_misses["inputs"]["miss_log_urls"] == 5 && all_counted) {
                break;
            }
        }
    }
    // The five misses of the inputs (showthread ×2, 999, 777, board-only); the scanner's
    // wp-login was set apart, never asked for.
    ASSERT_EQ(from_misses["inputs"]["miss_log_urls"], 5) << serve.log();
    EXPECT_EQ(from_misses["totals"]["covered_urls"], 0);
    // Each of the two --via runs asked for each distinct URL once.
    EXPECT_EQ(missed(from_misses).count("/showthread.php?tid=775"), 1U);
    for (auto const &u : from_misses["top_missed"]) {
        EXPECT_EQ(u["hits"], 2) << u.dump();
    }
}

TEST_F(coverage_command_test, checks_targets_on_the_new_forum)
{
    // The new forum: a loopback site, and a map that sends old URLs there.
    loopback_site site;
    site.serve("/t/agm-2023-minutes/1774", {200, "text/html", "<html>AGM</html>", {}});
    site.serve("/t/agm-2023-minutes/1774/2", {200, "text/html", "<html>AGM</html>", {}});
    site.serve("/t/proposal-food-co-op/1775",
               {301, "text/html", "", {{"Location", "/t/proposal-food-co-op-2024/1775"}}});
    site.serve("/t/proposal-food-co-op-2024/1775", {200, "text/html", "<html>food</html>", {}});
    site.serve("/t/1776", {404, "text/html", "", {}}); // members only: a visitor gets Discourse's 404
    site.serve("/tag/loop", {301, "text/html", "", {{"Location", "/tag/loop/l/latest"}}});
    site.serve("/tag/loop/l/latest", {302, "text/html", "", {{"Location", site.url("/tag/loop")}}});
    site.serve("/latest", {200, "text/html", "<html>latest</html>", {}});
    site.serve("/c/general/12", {500, "text/plain", "oops", {}});
    // /u/somebody is not there: 404.
    test_database db;
    std::string const new_base = "http://127.0.0.1:" + std::to_string(site.port());
    load_report_map(db, new_base);
    auto const list = dir.write(
        "targets.txt", "/t/agm-2023-minutes/774\n/p/9003\n/t/agm-2023-minutes/774/3\n/t/proposal-food-co-op/775\n"
                       "/t/board-only-budget-draft/776\n/latest\n/u/somebody\n/c/general/5\n/tag/loop\n");
    auto const json_file = dir.path() / "targets.json";
    auto const result = coverage({"--db", db.conninfo(), "--urls", list.string(), "--check-targets", "--concurrency",
                                  "2", "--rate", "200", "--json", json_file.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto const report = read_json_file(json_file.string());
    EXPECT_EQ(report["targets_checked"], true);
    EXPECT_EQ(report["targets"], 7); // /p/9003 and /t/…/774/3 share their target; members-only: none
    EXPECT_EQ(report["members_only_targets"], 1);
    EXPECT_EQ(report["members_checked_as"], nullptr);
    EXPECT_EQ(site.asked("/t/agm-2023-minutes/1774/2"), 1);
    EXPECT_EQ(site.asked("/t/1776"), 0); // without a key a members-only target is not asked for
    auto const counts = outcomes(report);
    EXPECT_EQ(counts.at("redirected").first, 3U);
    EXPECT_EQ(counts.at("passed_through").first, 1U);
    EXPECT_EQ(counts.at("chain").first, 1U);
    EXPECT_EQ(counts.at("restricted").first, 1U);
    EXPECT_EQ(counts.at("loop").first, 1U);
    EXPECT_EQ(counts.at("target_broken").first, 2U);
    EXPECT_EQ(missed(report),
              (std::map<std::string, std::string>{
                  {"/tag/loop", "loop -"}, {"/u/somebody", "target_broken -"}, {"/c/general/5", "target_broken -"}}));
    ASSERT_EQ(report["chains"].size(), 1U);
    EXPECT_EQ(report["chains"][0]["url"], "/t/proposal-food-co-op/775");
    EXPECT_EQ(report["chains"][0]["hops"], 1);
    for (auto const &u : report["top_missed"]) {
        if (u["url"] == "/c/general/5") {
            EXPECT_EQ(u["target_status"], 500);
        }
    }
    // A chain still lands, and a members-only page works for members: both covered, 6 of 9.
    EXPECT_EQ(report["totals"]["covered_urls"], 6);
    auto const strict =
        coverage({"--db", db.conninfo(), "--urls", list.string(), "--check-targets", "--fail-under", "100"});
    EXPECT_EQ(strict.exit_code, 1) << strict.err;
}

TEST_F(coverage_command_test, checks_targets_on_the_rehearsal_forum)
{
    // The new forum: a generated rehearsal forum, serving Discourse's HTML topic pages.
    server_process forum{
        FORUMGATE_BINARY, {"rehearsal-forum", "--listen", "127.0.0.1:0", "--generate", "20"}, {{"FORUMGATE_DB", ""}}};
    ASSERT_TRUE(forum.wait_listening(1)) << forum.log();
    std::uint16_t const port = forum.ports().at(0);
    std::string const new_base = "http://127.0.0.1:" + std::to_string(port);
    auto const sitemap_answer = http_request(port, "/sitemap_1.xml", "127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(sitemap_answer && sitemap_answer->status == 200);
    auto const topics = forumgate::report::parse_sitemap(sitemap_answer->body, "sitemap_1.xml").locations;
    ASSERT_GE(topics.size(), 5U);

    // A map from an old forum whose topic ids were 1000 higher: every topic where the new forum
    // has it, but one under a slug the new forum corrects (a redirect chain) and one pointing at
    // a topic the new forum does not have.
    std::string csv = "old_id,old_slug,new_id,new_slug\n";
    std::string list;
    std::string missing_target;
    for (std::size_t i = 0; i < topics.size(); ++i) {
        ASSERT_EQ(topics[i].rfind(new_base + "/t/", 0), 0U) << topics[i];
        std::string_view url = topics[i];
        url.remove_prefix(new_base.size() + 3); // "/t/"
        std::string const slug{url.substr(0, url.find('/'))};
        std::string const id{url.substr(url.find('/') + 1)};
        std::string const old_id = std::to_string(1000 + std::stoul(id));
        csv += old_id + "," + slug + "," + (i == 1 ? "99999" : id) + "," + (i == 0 ? "an-old-title" : slug) + "\n";
        list += "/t/" + slug + "/" + old_id + "\n";
        if (i == 1) {
            missing_target = new_base + "/t/" + slug + "/99999";
        }
    }
    fs::path const map_dir = dir.path() / "rehearsal-map";
    fs::create_directories(map_dir);
    write_file(map_dir / "topics.csv", csv);
    test_database db;
    auto const load = run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), "--new-base", new_base,
                                                     "--old-host", "forum.old.example", map_dir.string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto const urls_file = dir.write("rehearsal-urls.txt", list);
    auto const json_file = dir.path() / "rehearsal.json";
    auto const result = coverage({"--db", db.conninfo(), "--urls", urls_file.string(), "--check-targets",
                                  "--concurrency", "4", "--json", json_file.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto const report = read_json_file(json_file.string());
    auto const counts = outcomes(report);
    EXPECT_EQ(counts.at("redirected").first, topics.size() - 2);
    EXPECT_EQ(counts.at("chain").first, 1U);
    EXPECT_EQ(counts.at("target_broken").first, 1U);
    ASSERT_EQ(report["chains"].size(), 1U);
    // The rehearsal forum, like Discourse, corrects the slug with a 301 to the canonical URL.
    EXPECT_NE(report["chains"][0]["detail"].get<std::string>().find(" → " + topics[0]), std::string::npos)
        << report["chains"].dump();
    ASSERT_EQ(report["top_missed"].size(), 1U);
    EXPECT_EQ(report["top_missed"][0]["target_status"], 404);
    EXPECT_EQ(report["top_missed"][0]["location"], missing_target);
}

namespace {

/// The new forum for the members-only tests: a public category and a board-only one, two public
/// topics, two board topics and a private message (new ids 101–301).
std::string const MEMBERS_ONLY_SEED = R"({
  "format": "forumgate-rehearsal-seed", "version": 1,
  "groups": [{"id": 1, "name": "board", "user_ids": [2]}],
  "categories": [
    {"id": 1, "name": "General", "slug": "general"},
    {"id": 2, "name": "Board room", "slug": "board-room", "read_restricted": true, "allowed_groups": ["board"]}
  ],
  "users": [{"id": 2, "username": "alice", "created_at": "2020-01-01T00:00:00.000Z"}],
  "topics": [
    {"id": 101, "title": "Public topic one", "slug": "public-topic-one", "category_id": 1, "user_id": 2,
     "created_at": "2020-01-02T00:00:00.000Z", "posts": [{"id": 1001, "post_number": 1, "user_id": 2,
     "created_at": "2020-01-02T00:00:00.000Z", "raw": "Open to all, as everyone can read here."}]},
    {"id": 102, "title": "Public topic two", "slug": "public-topic-two", "category_id": 1, "user_id": 2,
     "created_at": "2020-01-03T00:00:00.000Z", "posts": [{"id": 1002, "post_number": 1, "user_id": 2,
     "created_at": "2020-01-03T00:00:00.000Z", "raw": "Open to all, as everyone can read here."}]},
    {"id": 201, "title": "Board minutes of May", "slug": "board-minutes", "category_id": 2, "user_id": 2,
     "created_at": "2020-01-04T00:00:00.000Z", "posts": [{"id": 2001, "post_number": 1, "user_id": 2,
     "created_at": "2020-01-04T00:00:00.000Z", "raw": "For the board only, not for the public."}]},
    {"id": 202, "title": "Board budget draft", "slug": "board-budget", "category_id": 2, "user_id": 2,
     "created_at": "2020-01-05T00:00:00.000Z", "posts": [{"id": 2002, "post_number": 1, "user_id": 2,
     "created_at": "2020-01-05T00:00:00.000Z", "raw": "For the board only, not for the public."}]},
    {"id": 301, "title": "A private word", "archetype": "private_message", "allowed_user_ids": [2], "user_id": 2,
     "created_at": "2020-01-06T00:00:00.000Z", "posts": [{"id": 3001, "post_number": 1, "user_id": 2,
     "created_at": "2020-01-06T00:00:00.000Z", "raw": "Between us, as a private message."}]}
  ]
})";

/// The map from the old forum (ids 11–31) to MEMBERS_ONLY_SEED's: the board's topics, its
/// category and the private message restricted; old topic 23 sent to a topic the new forum
/// lacks (299), for members as for anyone.
void write_members_only_map(fs::path const &dir)
{
    fs::create_directories(dir);
    write_file(dir / "topics.csv", "old_id,old_slug,new_id,new_slug,restricted\n"
                                   "11,public-topic-one,101,public-topic-one,false\n"
                                   "12,public-topic-two,102,public-topic-two,false\n"
                                   "21,board-minutes,201,board-minutes,true\n"
                                   "22,board-budget,202,board-budget,true\n"
                                   "23,board-ghost,299,board-ghost,true\n"
                                   "31,a-private-word,301,,true\n");
    write_file(dir / "posts.csv", "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden\n"
                                  "2101,21,1,2001,201,1,false\n");
    write_file(dir / "categories.csv", "old_id,old_slug_path,new_id,new_slug_path,restricted\n"
                                       "1,general,1,general,false\n"
                                       "2,board-room,2,board-room,true\n");
}

std::string const MEMBERS_ONLY_URLS = "/t/public-topic-one/11\n/t/public-topic-two/12\n/c/general/1\n"
                                      "/t/board-minutes/21\n/t/board-budget/22\n/t/board-ghost/23\n/p/2101\n"
                                      "/c/board-room/2\n/t/a-private-word/31\n";

} // namespace

TEST_F(coverage_command_test, members_only_targets_on_the_rehearsal_forum)
{
    // The new forum: a rehearsal forum with a board-only category and a private message, and an
    // all-users admin key, as Discourse's.
    std::string const key = "f0e1d2c3b4a59687f0e1d2c3b4a59687";
    auto const key_file = dir.write("admin.key", key + "\n");
    auto const wrong_key_file = dir.write("wrong.key", "not-the-key\n");
    auto const seed = dir.write("new-forum.json", MEMBERS_ONLY_SEED);
    server_process forum{
        FORUMGATE_BINARY,
        {"rehearsal-forum", "--listen", "127.0.0.1:0", "--seed", seed.string(), "--admin-key-file", key_file.string()},
        {{"FORUMGATE_DB", ""}}};
    ASSERT_TRUE(forum.wait_listening(1)) << forum.log();
    std::string const new_base = "http://127.0.0.1:" + std::to_string(forum.ports().at(0));
    test_database db;
    write_members_only_map(dir.path() / "members-map");
    auto const load =
        run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), "--new-base", new_base, "--old-host",
                                       "forum.old.example", (dir.path() / "members-map").string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto const list = dir.write("members-urls.txt", MEMBERS_ONLY_URLS);
    auto const run = [&](std::vector<std::string> extra, std::string const &name) {
        std::vector<std::string> args = {"--db",
                                         db.conninfo(),
                                         "--urls",
                                         list.string(),
                                         "--check-targets",
                                         "--json",
                                         (dir.path() / (name + ".json")).string(),
                                         "--html",
                                         (dir.path() / (name + ".html")).string()};
        args.insert(args.end(), extra.begin(), extra.end());
        auto result = coverage(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        EXPECT_EQ(result.out.find(key), std::string::npos) << "the key was shown";
        EXPECT_EQ(result.err.find(key), std::string::npos) << "the key was logged";
        EXPECT_EQ(read_file(dir.path() / (name + ".html")).find(key), std::string::npos);
        return std::pair{result, read_json_file((dir.path() / (name + ".json")).string())};
    };

    // Anonymous: members-only links are counted apart, covered, and never called broken.
    auto const [anonymous_run, anonymous] = run({}, "anonymous");
    auto const seen = outcomes(anonymous);
    EXPECT_EQ(seen.at("redirected").first, 3U);
    EXPECT_EQ(seen.at("restricted").first, 6U);
    EXPECT_EQ(seen.at("target_broken").first, 0U) << anonymous["top_missed"].dump();
    EXPECT_EQ(anonymous["totals"]["covered_urls"], 9);
    EXPECT_EQ(anonymous["members_only_targets"], 5); // /t/board-minutes/21 and /p/2101 share theirs
    EXPECT_EQ(anonymous["members_checked_as"], nullptr);
    EXPECT_NE(anonymous_run.out.find("members-only targets: 5, not checked"), std::string::npos) << anonymous_run.out;

    // As a member (the admin key, acting as system): the board's pages answer, and the one the
    // new forum lacks is broken for members too.
    auto const [keyed_run, keyed] = run({"--api-key-file", key_file.string()}, "keyed");
    auto const checked = outcomes(keyed);
    EXPECT_EQ(checked.at("redirected").first, 3U);
    EXPECT_EQ(checked.at("restricted").first, 5U);
    EXPECT_EQ(checked.at("target_broken").first, 1U);
    EXPECT_EQ(keyed["members_checked_as"], "system");
    EXPECT_EQ(keyed["targets"], 8);
    ASSERT_EQ(keyed["top_missed"].size(), 1U);
    EXPECT_EQ(keyed["top_missed"][0]["url"], "/t/board-ghost/23");
    EXPECT_EQ(keyed["top_missed"][0]["target_status"], 404);
    EXPECT_EQ(keyed["why_missed"][0]["outcome"], "target_broken");
    EXPECT_NE(keyed_run.out.find("members-only targets: 5, checked as system"), std::string::npos) << keyed_run.out;

    // A key the new forum refuses is said so, not taken for broken pages.
    auto const [refused_run, refused] = run({"--api-key-file", wrong_key_file.string()}, "refused");
    EXPECT_EQ(outcomes(refused).at("error").first, 6U);
    EXPECT_EQ(outcomes(refused).at("target_broken").first, 0U);
    EXPECT_NE(refused_run.err.find("refused the API key for 5 members-only targets"), std::string::npos)
        << refused_run.err;
    EXPECT_NE(refused["top_missed"][0]["detail"].get<std::string>().find("--api-key-file"), std::string::npos);

    // The key goes with --check-targets only.
    auto const alone = coverage({"--db", db.conninfo(), "--urls", list.string(), "--api-key-file", key_file.string()});
    EXPECT_EQ(alone.exit_code, 2);
    EXPECT_NE(alone.err.find("--api-key-file goes with --check-targets"), std::string::npos) << alone.err;
}

TEST_F(coverage_command_test, a_redirect_off_the_new_forum_fails_the_run)
{
    // A misconfigured front end that sends old links elsewhere.
    loopback_site rogue;
    rogue.serve("/t/agm-2023-minutes/774", {301, "text/html", "", {{"Location", "https://evil.example/t/774"}}});
    rogue.serve("/latest", {301, "text/html", "", {{"Location", REPORT_NEW_BASE + "/latest"}}});
    auto const list = dir.write("two.txt", "/t/agm-2023-minutes/774\n/latest\n");
    auto const result = coverage({"--via", rogue.url(""), "--old-host", REPORT_OLD_HOST, "--new-base", REPORT_NEW_BASE,
                                  "--urls", list.string(), "--json", (dir.path() / "rogue.json").string()});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("1 URLs were redirected off the new forum"), std::string::npos) << result.err;
    auto const report = read_json_file((dir.path() / "rogue.json").string());
    EXPECT_EQ(outcomes(report).at("off_site").first, 1U);
    EXPECT_NE(report["top_missed"][0]["detail"].get<std::string>().find("https://evil.example"), std::string::npos);
}

TEST_F(coverage_command_test, a_redirector_that_does_not_answer_is_an_error_per_url)
{
    auto const list = dir.write("one.txt", "/t/agm-2023-minutes/774\n");
    auto const result =
        coverage({"--via", "http://127.0.0.1:1", "--old-host", REPORT_OLD_HOST, "--new-base", REPORT_NEW_BASE, "--urls",
                  list.string(), "--timeout", "2", "--json", (dir.path() / "down.json").string()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto const report = read_json_file((dir.path() / "down.json").string());
    EXPECT_EQ(outcomes(report).at("error").first, 1U);
    EXPECT_NE(report["top_missed"][0]["detail"].get<std::string>().find("127.0.0.1:1"), std::string::npos)
        << report["top_missed"].dump();
}

TEST_F(coverage_command_test, reads_a_log_from_standard_input)
{
    auto const result = run_process(
        FORUMGATE_BINARY, {"coverage", "--db", s_db->conninfo(), "--access-log", "-", "--json", "-", "--no-progress"},
        {{"FORUMGATE_DB", ""}}, ACCESS_LOG);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    // The JSON report on stdout; the summary went to stderr.
    auto const report = json::parse(result.out);
    EXPECT_EQ(report["totals"]["hits"], 13);
    EXPECT_EQ(report["inputs"]["access_logs"], json::array({"-"}));
    EXPECT_NE(result.err.find("forumgate coverage: forum.cooperationbirmingham.org.uk → forum.brum.coop\n10 old URLs, "
                              "13 hits"),
              std::string::npos)
        << result.err;
}

TEST_F(coverage_command_test, bad_command_lines_name_what_is_wrong)
{
    struct bad
    {
        std::vector<std::string> args;
        std::string message;
    };
    std::string const db = s_db->conninfo();
    for (auto const &[args, message] : std::initializer_list<bad>{
             {{"--db", db}, "no old URLs to check"},
             {{"--from-map"}, "--from-map reads the map from the store"},
             {{"--urls", urls.string()}, "resolving old URLs needs the map"},
             {{"--via", "http://127.0.0.1:1", "--urls", urls.string()}, "--via without --db needs --old-host"},
             {{"--db", db, "--old-host", "x.example", "--urls", urls.string()},
              "--old-host, --new-base and --upload-host go with --via"},
             {{"--db", db, "--via", "ftp://x", "--urls", urls.string()}, "--via ftp://x"},
             {{"--db", db, "--access-log", "/nonexistent/access.log"}, "/nonexistent/access.log: no such file"},
             {{"--db", db, "--urls", urls.string(), "--concurrency", "0"}, "--concurrency 0"},
             {{"--db", db, "--urls", urls.string(), "--fail-by", "visits"}, "--fail-by"},
             {{"--db", db, "--urls", "-", "--access-log", "-"}, "standard input ('-') can be read once"},
         }) {
        auto const result = coverage(args);
        EXPECT_EQ(result.exit_code, 2) << joined_lines(args) << result.err;
        EXPECT_NE(result.err.find(message), std::string::npos) << joined_lines(args) << "\n" << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
    auto const help = run_process(FORUMGATE_BINARY, {"coverage", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (auto const *option :
         {"--sitemap", "--access-log", "--urls", "--from-map", "--from-misses", "--via", "--check-targets",
          "--concurrency", "--rate", "--html", "--json", "--fail-under", "--db"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option;
    }
}
