#include "importer/archive.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/url_codec.hpp"
#include "mappings/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace forumgate::importer {

namespace {

/// A parameter that may be SQL NULL: libpqxx 6.4 sends a null char pointer as NULL.
class nullable
{
public:
    nullable() = default;
    nullable(std::optional<std::string> value) : m_value(std::move(value)) {}
    nullable(std::optional<std::int64_t> value)
    {
        if (value) {
            m_value = std::to_string(*value);
        }
    }
    nullable(std::optional<int> value)
    {
        if (value) {
            m_value = std::to_string(*value);
        }
    }
    [[nodiscard]] char const *get() const { return m_value ? m_value->c_str() : nullptr; }

private:
    std::optional<std::string> m_value;
};

nullable empty_as_null(std::string const &text)
{
    return text.empty() ? nullable{} : nullable{std::optional{text}};
}

/// \return the length of the UTF-8 sequence at the start of `s`, or 0 if it is not a valid one.
std::size_t utf8_sequence(std::string_view s)
{
    auto const lead = static_cast<unsigned char>(s[0]);
    std::size_t length = 0;
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
    } else {
        return 0;
    }
    if (s.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U) {
            return 0;
        }
    }
    return length;
}

/// \return whether any run archived a record (an absent topic counts: it was looked at).
bool archived_anything(pqxx::transaction_base &txn)
{
    return txn
        .exec1("SELECT EXISTS (SELECT 1 FROM forumgate.archive_categories) OR EXISTS (SELECT 1 FROM "
               "forumgate.archive_topics) OR EXISTS (SELECT 1 FROM forumgate.archive_users) OR EXISTS (SELECT 1 FROM "
               "forumgate.archive_uploads) OR EXISTS (SELECT 1 FROM forumgate.archive_absent_topics)")[0]
        .as<bool>();
}

} // namespace

std::string printable_text(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto const length = utf8_sequence(text);
        auto const byte = static_cast<unsigned char>(text[0]);
        if (length == 0 || (length == 1 && (byte < 0x20 || byte == 0x7F))) {
            out += fmt::format("\\x{:02X}", byte);
            text.remove_prefix(1);
        } else {
            out.append(text.substr(0, length));
            text.remove_prefix(length);
        }
    }
    return out;
}

void archive::begin_run(archive_identity const &identity, bool reset)
{
    pqxx::work txn{m_connection};
    if (reset) {
        txn.exec(
            "TRUNCATE forumgate.archive_source, forumgate.archive_categories, forumgate.archive_tags, "
            "forumgate.archive_users, forumgate.archive_posts, forumgate.archive_topics, forumgate.archive_uploads, "
            "forumgate.archive_absent_topics, forumgate.archive_permalinks, forumgate.archive_failures");
    }
    auto const rows = txn.exec("SELECT source, authenticated, include_private_messages FROM forumgate.archive_source");
    bool const bound = !rows.empty() && archived_anything(txn);
    if (!rows.empty() && !bound) {
        // The runs before archived nothing (a wrong address, a refused key): nothing ties the
        // store to what they were given, nor do their failures concern this run.
        txn.exec("DELETE FROM forumgate.archive_source");
        txn.exec("DELETE FROM forumgate.archive_failures");
    }
    if (bound) {
        auto const source = rows[0][0].as<std::string>();
        bool const authenticated = rows[0][1].as<bool>();
        bool const private_messages = rows[0][2].as<bool>();
        if (source != identity.source) {
            throw argument_error{"the archive holds " + source + ", not " + identity.source +
                                 "; use another database, or --reset to empty the archive and start again"};
        }
        if (authenticated != identity.authenticated) {
            throw argument_error{std::string{"the archive of "} + source + " was fetched " +
                                 (authenticated ? "with an API key" : "anonymously") + ", this run is " +
                                 (identity.authenticated ? "with an API key" : "anonymous") +
                                 "; the two would mix, so use the same access, or --reset"};
        }
        if (private_messages != identity.include_private_messages) {
            throw argument_error{std::string{"the archive of "} + source + " was fetched " +
                                 (private_messages ? "with" : "without") + " --include-private-messages; this run is " +
                                 (identity.include_private_messages ? "with" : "without") +
                                 " it; use the same, or --reset"};
        }
        txn.exec("UPDATE forumgate.archive_source SET last_started_at = now(), last_finished_at = NULL, last_complete "
                 "= false");
    } else {
        txn.exec_params("INSERT INTO forumgate.archive_source (source, authenticated, include_private_messages) "
                        "VALUES ($1, $2, $3)",
                        identity.source, identity.authenticated, identity.include_private_messages);
    }
    txn.commit();
}

void archive::finish_run(bool complete)
{
    pqxx::work txn{m_connection};
    txn.exec_params("UPDATE forumgate.archive_source SET last_finished_at = now(), last_complete = $1", complete);
    txn.commit();
}

void archive::store_categories(std::vector<category_record> const &categories)
{
    pqxx::work txn{m_connection};
    for (auto const &c : categories) {
        txn.exec_params(
            "INSERT INTO forumgate.archive_categories (id, parent_id, name, slug, description, color, text_color, "
            "position, read_restricted, topic_count, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11::jsonb) "
            "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, slug = "
            "excluded.slug, "
            "description = excluded.description, color = excluded.color, text_color = excluded.text_color, "
            "position = excluded.position, read_restricted = excluded.read_restricted, topic_count = "
            "excluded.topic_count, "
            "data = excluded.data, fetched_at = now()",
            c.id, nullable{c.parent_id}.get(), c.name, c.slug, c.description, c.color, c.text_color, c.position,
            c.read_restricted, c.topic_count, c.data.dump());
    }
    txn.commit();
}

void archive::store_tags(std::vector<std::pair<std::string, int>> const &tags)
{
    pqxx::work txn{m_connection};
    for (auto const &[name, count] : tags) {
        txn.exec_params("INSERT INTO forumgate.archive_tags (name, topic_count) VALUES ($1, $2) "
                        "ON CONFLICT (name) DO UPDATE SET topic_count = excluded.topic_count, fetched_at = now()",
                        name, count);
    }
    txn.commit();
}

std::unordered_map<std::int64_t, std::string> archive::topic_signatures()
{
    pqxx::read_transaction txn{m_connection};
    std::unordered_map<std::int64_t, std::string> out;
    for (auto const &row : txn.exec("SELECT id, coalesce(list_signature, '') FROM forumgate.archive_topics")) {
        out.emplace(row[0].as<std::int64_t>(), row[1].as<std::string>());
    }
    return out;
}

std::unordered_set<std::int64_t> archive::absent_topics()
{
    pqxx::read_transaction txn{m_connection};
    std::unordered_set<std::int64_t> out;
    for (auto const &row : txn.exec("SELECT id FROM forumgate.archive_absent_topics")) {
        out.insert(row[0].as<std::int64_t>());
    }
    return out;
}

void archive::store_topic(topic_record const &t, std::string const &signature, std::vector<post_record> const &posts)
{
    pqxx::work txn{m_connection};
    txn.exec_params(
        "INSERT INTO forumgate.archive_topics (id, title, fancy_title, slug, category_id, user_id, archetype, "
        "created_at, "
        "bumped_at, last_posted_at, visible, closed, archived, pinned, deleted_at, tags, highest_post_number, "
        "posts_count, "
        "views, like_count, participants, list_signature, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
        "$12, "
        "$13, $14, $15, $16::text[], $17, $18, $19, $20, $21::text[], $22, $23::jsonb) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, fancy_title = excluded.fancy_title, slug = "
        "excluded.slug, "
        "category_id = excluded.category_id, user_id = excluded.user_id, archetype = excluded.archetype, "
        "created_at = excluded.created_at, bumped_at = excluded.bumped_at, last_posted_at = excluded.last_posted_at, "
        "visible = excluded.visible, closed = excluded.closed, archived = excluded.archived, pinned = excluded.pinned, "
        "deleted_at = excluded.deleted_at, tags = excluded.tags, highest_post_number = excluded.highest_post_number, "
        "posts_count = excluded.posts_count, views = excluded.views, like_count = excluded.like_count, "
        "participants = excluded.participants, list_signature = excluded.list_signature, data = excluded.data, "
        "fetched_at = now()",
        t.id, t.title, t.fancy_title, t.slug, nullable{t.category_id}.get(), nullable{t.user_id}.get(), t.archetype,
        t.created_at, nullable{t.bumped_at}.get(), nullable{t.last_posted_at}.get(), t.visible, t.closed, t.archived,
        t.pinned, nullable{t.deleted_at}.get(), pg::text_array_literal(t.tags), t.highest_post_number, t.posts_count,
        t.views, t.like_count, pg::text_array_literal(t.participants), signature, t.data.dump());

    // The posts: those no longer shown go, the rest are replaced. Post numbers may move between
    // ids only by a topic split/merge on the old forum; clearing first keeps (topic, number)
    // unique whatever happened.
    std::vector<std::string> ids;
    ids.reserve(posts.size());
    for (auto const &p : posts) {
        ids.push_back(std::to_string(p.id));
    }
    std::string id_list = "{";
    for (auto const &id : ids) {
        id_list += (id_list.size() > 1 ? "," : "") + id;
    }
    id_list += "}";
    // Two statements, each on an index (an OR of the two would scan the whole table per topic).
    txn.exec_params("DELETE FROM forumgate.archive_posts WHERE topic_id = $1", t.id);
    txn.exec_params("DELETE FROM forumgate.archive_posts WHERE id = ANY($1::bigint[])", id_list);
    for (auto const &p : posts) {
        std::vector<std::string> refs;
        for (auto const &ref : referenced_uploads(p.raw, p.cooked)) {
            refs.push_back(ref.short_url.empty() ? ref.path : ref.short_url);
        }
        txn.exec_params("INSERT INTO forumgate.archive_posts (id, topic_id, post_number, user_id, username, post_type, "
                        "action_code, raw, "
                        "cooked, created_at, updated_at, reply_to_post_number, version, like_count, reads, hidden, "
                        "wiki, deleted_at, "
                        "mentions, upload_refs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
                        "$15, $16, $17, $18, "
                        "$19::text[], $20::text[])",
                        p.id, t.id, p.post_number, nullable{p.user_id}.get(), empty_as_null(p.username).get(),
                        p.post_type, empty_as_null(p.action_code).get(), p.raw, p.cooked, p.created_at, p.updated_at,
                        nullable{p.reply_to_post_number}.get(), p.version, p.like_count, p.reads, p.hidden, p.wiki,
                        nullable{p.deleted_at}.get(), pg::text_array_literal(mentioned_usernames(p.raw)),
                        pg::text_array_literal(refs));
    }
    txn.exec_params("DELETE FROM forumgate.archive_absent_topics WHERE id = $1", t.id);
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = 'topic' AND key = $1", std::to_string(t.id));
    txn.commit();
}

void archive::mark_absent(std::int64_t topic_id, int status)
{
    pqxx::work txn{m_connection};
    txn.exec_params("INSERT INTO forumgate.archive_absent_topics (id, status) VALUES ($1, $2) "
                    "ON CONFLICT (id) DO UPDATE SET status = excluded.status, checked_at = now()",
                    topic_id, status);
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = 'topic' AND key = $1",
                    std::to_string(topic_id));
    txn.commit();
}

std::vector<std::string> archive::users_needed()
{
    pqxx::read_transaction txn{m_connection};
    std::vector<std::string> out;
    auto const rows =
        txn.exec("SELECT name FROM ("
                 "  SELECT lower(username) AS name FROM forumgate.archive_posts WHERE username IS NOT NULL"
                 "  UNION SELECT unnest(mentions) FROM forumgate.archive_posts"
                 "  UNION SELECT lower(unnest(participants)) FROM forumgate.archive_topics"
                 ") needed WHERE name <> '' AND NOT EXISTS (SELECT FROM forumgate.archive_users u WHERE "
                 "u.username_lower = needed.name) "
                 "ORDER BY name");
    out.reserve(rows.size());
    for (auto const &row : rows) {
        out.push_back(row[0].as<std::string>());
    }
    return out;
}

void archive::store_user(user_record const &u)
{
    pqxx::work txn{m_connection};
    txn.exec_params(
        "INSERT INTO forumgate.archive_users (username_lower, id, username, name, email, created_at, trust_level, "
        "admin, "
        "moderator, missing, data) VALUES (lower($1), $2, $1, $3, $4, $5::timestamptz, $6, $7, $8, false, $9::jsonb) "
        "ON CONFLICT (username_lower) DO UPDATE SET id = excluded.id, username = excluded.username, name = "
        "excluded.name, "
        "email = coalesce(excluded.email, forumgate.archive_users.email), created_at = excluded.created_at, "
        "trust_level = excluded.trust_level, admin = excluded.admin, moderator = excluded.moderator, missing = false, "
        "data = excluded.data, fetched_at = now()",
        u.username, nullable{u.id}.get(), u.name, empty_as_null(u.email).get(), empty_as_null(u.created_at).get(),
        u.trust_level, u.admin, u.moderator, u.data.dump());
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = 'user' AND key = lower($1)", u.username);
    txn.commit();
}

void archive::store_missing_user(std::string const &username)
{
    pqxx::work txn{m_connection};
    txn.exec_params(
        "INSERT INTO forumgate.archive_users (username_lower, username, missing) VALUES (lower($1), $1, true) "
        "ON CONFLICT (username_lower) DO UPDATE SET missing = true, fetched_at = now()",
        username);
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = 'user' AND key = lower($1)", username);
    txn.commit();
}

std::vector<upload_entry> archive::uploads_needed()
{
    pqxx::read_transaction txn{m_connection};
    std::map<std::string, upload_entry> by_sha1;
    for (auto const &row : txn.exec("SELECT DISTINCT unnest(upload_refs) FROM forumgate.archive_posts")) {
        auto const ref = row[0].as<std::string>();
        upload_entry entry;
        auto const name = ref.substr(ref.rfind('/') + 1);
        auto const dot = name.rfind('.');
        auto const stem = name.substr(0, dot);
        entry.extension = dot == std::string::npos ? std::string{} : base::ascii_lower(name.substr(dot + 1));
        if (ref.starts_with("upload://")) {
            auto const sha1 = base::sha1_from_base62(stem);
            if (!sha1) {
                continue; // not a short URL Discourse could have made; nothing to fetch
            }
            entry.sha1 = *sha1;
            entry.short_url = ref;
        } else {
            entry.sha1 = stem;
            entry.path = ref;
            entry.short_url =
                "upload://" + base::base62_from_sha1(stem) + (entry.extension.empty() ? "" : "." + entry.extension);
        }
        auto [slot, fresh] = by_sha1.emplace(entry.sha1, entry);
        if (!fresh && slot->second.path.empty() && !entry.path.empty()) {
            slot->second.path = entry.path;
        }
    }
    std::vector<upload_entry> out;
    auto const have = txn.exec("SELECT sha1 FROM forumgate.archive_uploads");
    std::unordered_set<std::string> archived;
    for (auto const &row : have) {
        archived.insert(row[0].as<std::string>());
    }
    for (auto &[sha1, entry] : by_sha1) {
        if (!archived.contains(sha1)) {
            out.push_back(std::move(entry));
        }
    }
    return out;
}

void archive::store_upload(upload_entry const &upload, std::string const &url, std::int64_t filesize)
{
    pqxx::work txn{m_connection};
    txn.exec_params(
        "INSERT INTO forumgate.archive_uploads (sha1, extension, short_url, url, filesize) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (sha1) DO UPDATE SET extension = excluded.extension, short_url = excluded.short_url, "
        "url = excluded.url, filesize = excluded.filesize, fetched_at = now()",
        upload.sha1, upload.extension, upload.short_url, url, filesize);
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = 'upload' AND key = $1", upload.sha1);
    txn.commit();
}

void archive::store_permalinks(std::vector<nlohmann::json> const &permalinks)
{
    pqxx::work txn{m_connection};
    txn.exec("DELETE FROM forumgate.archive_permalinks");
    for (auto const &item : permalinks) {
        auto text = [&](char const *key) -> nullable {
            auto const found = item.find(key);
            if (found == item.end() || found->is_null()) {
                return {};
            }
            return nullable{std::optional{found->is_string() ? found->get<std::string>() : found->dump()}};
        };
        txn.exec_params(
            "INSERT INTO forumgate.archive_permalinks (url, topic_id, post_id, category_id, tag_name, user_id, "
            "external_url, data) VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5, $6::bigint, $7, $8::jsonb) "
            "ON CONFLICT (url) DO NOTHING",
            item.value("url", std::string{}), text("topic_id").get(), text("post_id").get(), text("category_id").get(),
            text("tag_name").get(), text("user_id").get(), text("external_url").get(), item.dump());
    }
    txn.exec("DELETE FROM forumgate.archive_failures WHERE kind = 'permalinks'");
    txn.commit();
}

void archive::record_failure(std::string const &kind, std::string const &key, std::string const &url,
                             std::string const &reason)
{
    pqxx::work txn{m_connection};
    txn.exec_params("INSERT INTO forumgate.archive_failures (kind, key, url, reason) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (kind, key) DO UPDATE SET url = excluded.url, reason = excluded.reason, "
                    "attempts = forumgate.archive_failures.attempts + 1, last_failed_at = now()",
                    kind, printable_text(key), printable_text(url), printable_text(reason));
    txn.commit();
}

void archive::clear_failure(std::string const &kind, std::string const &key)
{
    pqxx::work txn{m_connection};
    txn.exec_params("DELETE FROM forumgate.archive_failures WHERE kind = $1 AND key = $2", kind, key);
    txn.commit();
}

std::vector<std::string> archive::failed_keys(std::string const &kind)
{
    pqxx::read_transaction txn{m_connection};
    std::vector<std::string> out;
    for (auto const &row :
         txn.exec_params("SELECT key FROM forumgate.archive_failures WHERE kind = $1 ORDER BY key", kind)) {
        out.push_back(row[0].as<std::string>());
    }
    return out;
}

archive_status archive::status()
{
    pqxx::read_transaction txn{m_connection};
    archive_status out;
    auto const source = txn.exec("SELECT source, authenticated, include_private_messages, "
                                 "to_char(last_started_at, 'YYYY-MM-DD HH24:MI:SS TZ'), "
                                 "coalesce(to_char(last_finished_at, 'YYYY-MM-DD HH24:MI:SS TZ'), ''), last_complete "
                                 "FROM forumgate.archive_source");
    if (!source.empty()) {
        out.identity =
            archive_identity{source[0][0].as<std::string>(), source[0][1].as<bool>(), source[0][2].as<bool>()};
        out.last_started_at = source[0][3].as<std::string>();
        out.last_finished_at = source[0][4].as<std::string>();
        out.last_complete = source[0][5].as<bool>();
    }
    auto const counts = txn.exec(
        "SELECT (SELECT count(*) FROM forumgate.archive_categories), (SELECT count(*) FROM forumgate.archive_tags), "
        "(SELECT count(*) FILTER (WHERE archetype <> 'private_message') FROM forumgate.archive_topics), "
        "(SELECT count(*) FILTER (WHERE archetype = 'private_message') FROM forumgate.archive_topics), "
        "(SELECT count(*) FROM forumgate.archive_posts), "
        "(SELECT count(*) FILTER (WHERE NOT missing) FROM forumgate.archive_users), "
        "(SELECT count(*) FILTER (WHERE missing) FROM forumgate.archive_users), "
        "(SELECT count(*) FROM forumgate.archive_uploads), (SELECT coalesce(sum(filesize), 0) FROM "
        "forumgate.archive_uploads), "
        "(SELECT count(*) FROM forumgate.archive_permalinks), (SELECT count(*) FROM forumgate.archive_absent_topics)")
                            [0];
    out.categories = counts[0].as<std::int64_t>();
    out.tags = counts[1].as<std::int64_t>();
    out.topics = counts[2].as<std::int64_t>();
    out.private_messages = counts[3].as<std::int64_t>();
    out.posts = counts[4].as<std::int64_t>();
    out.users = counts[5].as<std::int64_t>();
    out.missing_users = counts[6].as<std::int64_t>();
    out.uploads = counts[7].as<std::int64_t>();
    out.upload_bytes = counts[8].as<std::int64_t>();
    out.permalinks = counts[9].as<std::int64_t>();
    out.absent_topic_ids = counts[10].as<std::int64_t>();
    for (auto const &row :
         txn.exec("SELECT kind, key, url, reason, attempts, to_char(last_failed_at, 'YYYY-MM-DD HH24:MI:SS TZ') "
                  "FROM forumgate.archive_failures ORDER BY kind, key")) {
        out.failures.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                row[3].as<std::string>(), row[4].as<int>(), row[5].as<std::string>()});
    }
    return out;
}

} // namespace forumgate::importer
