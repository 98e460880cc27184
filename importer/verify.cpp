#include "importer/verify.hpp"

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/url_codec.hpp"
#include "importer/archive.hpp"
#include "importer/discourse_json.hpp"
#include "importer/target.hpp"
#include "store/store.hpp"
#include "web/progress.hpp"
#include "web/site_url.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

namespace forumgate::importer {

namespace {

/// What the store says one copied post should look like on the new forum.
struct expected_post
{
    std::int64_t old_id = 0;
    int old_post_number = 0;
    std::int64_t new_id = 0;
    int new_post_number = 0;
    std::string author; ///< new username, lowercased
    std::string created_at;
    std::string raw;
};

struct expected_topic
{
    std::int64_t old_id = 0;
    std::int64_t new_id = 0;
    std::vector<std::string> tags;
    std::vector<expected_post> posts;
};

std::string same_instant(std::string const &time)
{
    // Discourse writes milliseconds and Z; the archive's text went through PostgreSQL. Compare
    // the first 23 characters (to the millisecond) after normalising a missing fraction.
    std::string out = time.substr(0, 19);
    out += time.size() > 19 && time[19] == '.' ? time.substr(19, 4) : ".000";
    return out;
}

/// The copied posts the store expects on the new forum, by topic; adds to `summary` the posts
/// import should have copied and has no record of. \throws argument_error if no import ran.
std::vector<expected_topic> read_expected(verify_options const &options, verify_summary &summary)
{
    store::database store{options.database};
    if (store.schema_version() < 4) {
        throw argument_error{"nothing to verify: no import has run against this database"};
    }
    pqxx::read_transaction txn{store.connection()};
    std::map<std::int64_t, expected_topic> by_old;
    for (auto const &row : txn.exec_params(
             "SELECT i.old_topic_id, i.new_topic_id, t.tags, i.old_id, p.post_number, i.new_id, i.new_post_number, "
             "CASE WHEN i.attributed THEN lower($1) ELSE lower(coalesce(u.new_username, p.username)) END, "
             "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), i.sent_raw "
             "FROM forumgate.import_posts i JOIN forumgate.archive_posts p ON p.id = i.old_id "
             "JOIN forumgate.archive_topics t ON t.id = i.old_topic_id "
             "LEFT JOIN forumgate.import_users u ON u.username_lower = lower(p.username) ORDER BY i.old_topic_id, "
             "p.post_number",
             options.api_username)) {
        auto &topic = by_old[row[0].as<std::int64_t>()];
        topic.old_id = row[0].as<std::int64_t>();
        topic.new_id = row[1].as<std::int64_t>();
        topic.tags = pg::read_text_array(row[2]);
        topic.posts.push_back({row[3].as<std::int64_t>(), row[4].as<int>(), row[5].as<std::int64_t>(), row[6].as<int>(),
                               row[7].as<std::string>(), row[8].as<std::string>(), row[9].as<std::string>()});
    }
    // Posts import copies (see import_state.cpp's copied()) that have no record of being copied.
    for (auto const &row :
         txn.exec("SELECT p.topic_id, p.id FROM forumgate.archive_posts p JOIN forumgate.archive_topics t ON t.id "
                  "= p.topic_id "
                  "WHERE t.deleted_at IS NULL AND p.deleted_at IS NULL AND p.post_type IN (1, 2) AND p.raw <> '' "
                  "AND EXISTS (SELECT FROM forumgate.archive_posts f WHERE f.topic_id = t.id AND f.post_number = 1 "
                  "            AND f.deleted_at IS NULL AND f.post_type IN (1, 2) AND f.raw <> '') "
                  "AND NOT EXISTS (SELECT FROM forumgate.import_posts i WHERE i.old_id = p.id) ORDER BY p.id")) {
        summary.findings.push_back({"not_imported", row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                                    "the archive has this post; the new forum got no copy of it"});
    }
    summary.posts_expected =
        txn.exec1("SELECT count(*) FROM forumgate.import_posts")[0].as<std::uint64_t>() + summary.findings.size();
    std::vector<expected_topic> topics;
    topics.reserve(by_old.size());
    for (auto &[id, topic] : by_old) {
        topics.push_back(std::move(topic));
    }
    return topics;
}

/// Adds a finding for each way the new topic's `posts` differ from what the store expects.
template <typename Add>
void check_posts(expected_topic const &topic, std::vector<target_post> const &posts, Add const &add)
{
    std::map<std::int64_t, target_post const *> by_id;
    std::map<std::pair<std::string, std::string>, int> copies;
    for (auto const &post : posts) {
        by_id.emplace(post.id, &post);
        ++copies[{base::ascii_lower(post.username), same_instant(post.created_at)}];
    }
    int last_number = 0;
    for (auto const &want : topic.posts) {
        auto const found = by_id.find(want.new_id);
        if (found == by_id.end()) {
            add({"missing", topic.old_id, want.old_id,
                 "new post " + std::to_string(want.new_id) + " is not in topic " + std::to_string(topic.new_id)});
            continue;
        }
        auto const &got = *found->second;
        if (base::ascii_lower(got.username) != want.author) {
            add({"author", topic.old_id, want.old_id, "by " + got.username + ", expected " + want.author});
        }
        if (same_instant(got.created_at) != same_instant(want.created_at)) {
            add({"date", topic.old_id, want.old_id, "created " + got.created_at + ", expected " + want.created_at});
        }
        if (got.post_number != want.new_post_number || got.post_number <= last_number) {
            add({"order", topic.old_id, want.old_id,
                 "post number " + std::to_string(got.post_number) + ", expected " +
                     std::to_string(want.new_post_number) + " after " + std::to_string(last_number)});
        }
        last_number = got.post_number;
        if (!want.raw.empty() && got.raw != want.raw) {
            add({"content", topic.old_id, want.old_id, "the raw differs from what the import sent"});
        }
        if (copies[{base::ascii_lower(got.username), same_instant(got.created_at)}] > 1) {
            add({"duplicate", topic.old_id, want.old_id,
                 "more than one post by " + got.username + " at " + got.created_at});
        }
    }
}

/// \return whether the tags of the new topic are the old ones (in any case and order).
bool same_tags(std::vector<std::string> wanted_tags, std::vector<std::string> got_tags)
{
    for (auto *list : {&wanted_tags, &got_tags}) {
        for (auto &tag : *list) {
            tag = base::ascii_lower(tag);
        }
        std::ranges::sort(*list);
    }
    return wanted_tags == got_tags;
}

} // namespace

verify_summary run_verify(verify_options const &options)
{
    if (options.api_key.empty()) {
        throw argument_error{
            "an admin API key of the new forum is needed: --api-key-file F or FORUMGATE_TARGET_API_KEY"};
    }
    auto const site = web::site_url::parse(options.target, "--target");
    verify_summary summary;
    auto const topics = read_expected(options, summary);
    if (topics.empty()) {
        throw argument_error{"nothing to verify: this store records no topic imported into a new forum; run "
                             "forumgate import first (with the same --db)"};
    }

    web::request_pacer pacer{options.rate};
    web::http_client::options client_options;
    client_options.timeout = options.timeout;
    client_options.ca_file = options.ca_file;
    client_options.user_agent = "forumgate-verify";
    std::mutex lock;
    web::progress shown{"verify", "topics", topics.size(), options.terminal, options.quiet};
    auto add = [&](verify_finding finding) {
        std::lock_guard const guard{lock};
        summary.findings.push_back(std::move(finding));
    };
    base::in_parallel(
        options.concurrency, topics,
        [&] { return std::make_unique<target_forum>(site, client_options, pacer, options.retries, options.api_key); },
        [&](target_forum &target, expected_topic const &topic) {
            std::string const topic_target = "/t/" + std::to_string(topic.new_id) + ".json";
            try {
                auto const shown_topic =
                    read_topic(site.url(topic_target), target.get_json(topic_target, options.api_username));
                if (!same_tags(topic.tags, shown_topic.tags)) {
                    add({"tags", topic.old_id, 0, "tags differ"});
                }
                check_posts(topic, target.topic_posts(topic.new_id), add);
                std::lock_guard const guard{lock};
                ++summary.topics_checked;
                summary.posts_checked += topic.posts.size();
            } catch (web::fetch_error const &problem) {
                if (problem.status() == 401 || problem.status() == 403) {
                    throw; // the key is refused: every other topic would be too, so stop now
                }
                add({"unreachable", topic.old_id, 0, problem.what()});
                shown.add_failure();
            } catch (bad_answer const &problem) {
                add({"unreachable", topic.old_id, 0, problem.what()});
                shown.add_failure();
            }
            shown.add();
        });
    std::ranges::sort(summary.findings, [](verify_finding const &a, verify_finding const &b) {
        return std::tie(a.old_topic_id, a.old_post_id, a.check) < std::tie(b.old_topic_id, b.old_post_id, b.check);
    });
    return summary;
}

void write_verify_report(verify_summary const &summary, std::filesystem::path const &file)
{
    nlohmann::ordered_json report{{"format", "forumgate-verify"},
                                  {"version", 1},
                                  {"passed", summary.passed()},
                                  {"topics_checked", summary.topics_checked},
                                  {"posts_checked", summary.posts_checked},
                                  {"posts_expected", summary.posts_expected},
                                  {"findings", nlohmann::ordered_json::array()}};
    std::map<std::string, int> by_check;
    for (auto const &finding : summary.findings) {
        report["findings"].push_back(
            {{"check", finding.check},
             {"old_topic_id", finding.old_topic_id},
             {"old_post_id",
              finding.old_post_id == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(finding.old_post_id)},
             {"detail", finding.detail}});
        ++by_check[finding.check];
    }
    report["counts"] = by_check;
    std::ofstream out{file, std::ios::trunc};
    out << report.dump(2) << "\n";
    if (!out) {
        throw input_error{file.string() + ": cannot write the verify report"};
    }
}

} // namespace forumgate::importer
