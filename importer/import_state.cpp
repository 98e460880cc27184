#include "importer/import_state.hpp"

#include "base/text.hpp"
#include "importer/archive.hpp"
#include "importer/rewrite.hpp"
#include "pg/prepared.hpp"

#include <spdlog/spdlog.h>

namespace forumgate::importer {

bool copied(store::archived_post const &post, bool keep_whispers)
{
    return !post.deleted && !post.raw.empty() &&
           (post.post_type == 1 || post.post_type == 2 || (keep_whispers && post.post_type == 4));
}

import_state::import_state(import_options const &run_options)
    : options(run_options), context{run_options,
                                    web::site_url::parse(run_options.target, "--target"),
                                    web::request_pacer{run_options.rate},
                                    {}}
{}

std::string import_state::acting_user(std::string const &old_username) const
{
    auto const found = new_username.find(base::ascii_lower(old_username));
    return found == new_username.end() ? std::string{} : found->second;
}

bool import_state::restricted(std::optional<std::int64_t> category_id) const
{
    for (auto id = category_id; id && categories.contains(*id); id = categories.at(*id).parent_id) {
        if (categories.at(*id).read_restricted) {
            return true;
        }
    }
    return false;
}

std::string import_state::old_slug_path(std::int64_t id) const
{
    auto const &category = categories.at(id);
    std::string const own = category.slug.empty() ? std::to_string(id) + "-category" : category.slug;
    return category.parent_id && categories.contains(*category.parent_id)
               ? old_slug_path(*category.parent_id) + "/" + own
               : own;
}

std::string import_state::composed_raw(store::archived_post const &post, mappings::snapshot const &map,
                                       std::vector<std::string> &problems, bool attributed_post) const
{
    auto result = rewrite_post(post.raw, map);
    problems = std::move(result.problems);
    if (post.username.empty()) {
        return "*Originally posted on " + post.created_at.substr(0, 10) + " by an account that no longer exists*\n\n" +
               result.raw;
    }
    if (attributed_post || attributed.contains(base::ascii_lower(post.username))) {
        return "*Originally posted by @" + post.username + " on " + post.created_at.substr(0, 10) + "*\n\n" +
               result.raw;
    }
    return result.raw;
}

void import_state::clear_failure(pqxx::work &txn, std::string const &kind, std::string const &key)
{
    pg::exec_prepared(txn, "forumgate_clear_failure",
                      "DELETE FROM forumgate.import_failures WHERE kind = $1 AND key = $2", kind, key);
}

void import_state::record_failure(pqxx::connection &connection, std::string const &kind, std::string const &key,
                                  std::string const &reason)
{
    spdlog::warn("import: {} {}: {}", kind, key, printable_text(reason));
    pqxx::work txn{connection};
    txn.exec_params(
        "INSERT INTO forumgate.import_failures (kind, key, reason) VALUES ($1, $2, $3) ON CONFLICT (kind, key) "
        "DO UPDATE SET reason = excluded.reason, attempts = forumgate.import_failures.attempts + 1, last_failed_at "
        "= now()",
        kind, key, printable_text(reason));
    txn.commit();
}

} // namespace forumgate::importer
