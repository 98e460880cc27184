#include "importer/import_rewrite.hpp"

#include "base/parallel.hpp"
#include "importer/archive.hpp"
#include "pg/prepared.hpp"
#include "pg/text_array.hpp"
#include "web/progress.hpp"

#include <nlohmann/json.hpp>

namespace forumgate::importer {

namespace {

/// Represents a post the import sent, with the raw it last sent.
struct sent_post
{
    std::int64_t old_id = 0;
    std::int64_t new_id = 0;
    std::string sent_raw;
    store::archived_post post;
    bool attributed = false;
    std::vector<std::string> problems; ///< as last recorded
    bool failed = false;               ///< an earlier edit of it failed (recorded in import_failures)
};

std::vector<sent_post> read_sent(import_state &state)
{
    std::vector<sent_post> posts;
    pqxx::connection connection{state.options.database};
    pqxx::read_transaction txn{connection};
    state.snapshot = store::database{state.options.database}.load_snapshot();
    for (auto const &row :
         txn.exec("SELECT i.old_id, i.new_id, i.sent_raw, p.raw, coalesce(p.username, ''), "
                  "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), i.attributed, "
                  "array_to_json(i.problems)::text, EXISTS (SELECT FROM forumgate.import_failures f WHERE f.kind = "
                  "'edit' AND f.key = i.old_id::text) FROM forumgate.import_posts i JOIN forumgate.archive_posts p "
                  "ON p.id = i.old_id ORDER BY i.old_id")) {
        sent_post item;
        item.old_id = row[0].as<std::int64_t>();
        item.new_id = row[1].as<std::int64_t>();
        item.sent_raw = row[2].as<std::string>();
        item.post.raw = row[3].as<std::string>();
        item.post.username = row[4].as<std::string>();
        item.post.created_at = row[5].as<std::string>();
        item.attributed = row[6].as<bool>();
        item.problems = nlohmann::json::parse(row[7].as<std::string>()).get<std::vector<std::string>>();
        item.failed = row[8].as<bool>();
        posts.push_back(std::move(item));
    }
    return posts;
}

/// Edits the post if its raw changed and records what was sent, if anything changed (a post the
/// whole map rewrites as it was sent costs no transaction). \return whether it was edited.
/// \throws target_refusal, web::fetch_error.
bool edit_if_changed(import_state &state, worker &self, sent_post const &item, std::string const &raw,
                     std::vector<std::string> const &problems)
{
    if (raw == item.sent_raw && problems == item.problems && !item.failed) {
        return false;
    }
    bool edited = false;
    if (raw != item.sent_raw) {
        self.target.edit_post(
            state.options.api_username, item.new_id,
            {{"post[raw]", raw}, {"post[edit_reason]", "links to the old forum updated"}, {"bypass_bump", "true"}});
        edited = true;
    }
    // The record and the edit's failure cleared in one prepared statement, a transaction of its
    // own: one round trip instead of four (BEGIN, the two, COMMIT) for each post edited.
    pqxx::nontransaction txn{self.store.connection()};
    pg::exec_prepared(txn, "forumgate_record_edit",
                      "WITH cleared AS (DELETE FROM forumgate.import_failures WHERE kind = 'edit' AND key = $4) "
                      "UPDATE forumgate.import_posts SET sent_raw = $2, problems = $3::text[], updated_at = now() "
                      "WHERE old_id = $1",
                      item.old_id, raw, forumgate::pg::text_array_literal(problems), std::to_string(item.old_id));
    return edited;
}

} // namespace

void rewrite_pass(import_state &state)
{
    auto const posts = read_sent(state);
    auto const &options = state.options;
    web::progress shown{"rewrite", "posts", posts.size(), options.terminal, options.quiet};
    base::in_parallel(
        options.concurrency, posts, [&] { return state.make_worker(); },
        [&](worker &self, sent_post const &item) {
            std::vector<std::string> problems;
            auto const raw = state.composed_raw(item.post, *state.snapshot, problems, item.attributed);
            if (item.attributed) {
                problems.push_back("posted by " + options.api_username + " with the author named");
            }
            bool edited = false;
            try {
                edited = edit_if_changed(state, self, item, raw, problems);
            } catch (target_refusal const &refusal) {
                import_state::record_failure(self.store.connection(), "edit", std::to_string(item.old_id),
                                             refusal.what());
                shown.add_failure();
            } catch (web::fetch_error const &problem) {
                import_state::record_failure(self.store.connection(), "edit", std::to_string(item.old_id),
                                             problem.what());
                shown.add_failure();
            }
            std::lock_guard const lock{state.counts};
            auto &summary = state.summary;
            summary.posts_edited += edited ? 1 : 0;
            summary.posts_with_problems += problems.empty() ? 0 : 1;
            shown.add();
        });
}

} // namespace forumgate::importer
