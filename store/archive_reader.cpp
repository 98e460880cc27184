#include "store/archive_reader.hpp"

#include "pg/copy.hpp"
#include "pg/prepared.hpp"
#include "pg/text_array.hpp"

namespace forumgate::store {
namespace {

/// Times as the import sends them: ISO 8601 in UTC with milliseconds.
constexpr char const *ISO_CREATED_AT = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

template <typename Number>
std::optional<Number> optional_of(pqxx::field const &field)
{
    return field.is_null() ? std::nullopt : std::optional{field.as<Number>()};
}

/// Adds the numbers of a one-column query to `out`, streamed with COPY.
void collect(pqxx::transaction_base &txn, std::string const &what, std::string const &query,
             std::unordered_set<std::uint64_t> &out)
{
    pg::copy_reader rows{txn, what, query, 1};
    while (rows.next()) {
        out.insert(rows.row().number(0));
    }
    rows.complete();
}

} // namespace

std::vector<std::int64_t> archive_reader::topic_ids_oldest_first()
{
    std::vector<std::int64_t> ids;
    for (auto const &row : m_txn.exec("SELECT id FROM forumgate.archive_topics ORDER BY created_at, id")) {
        ids.push_back(row[0].as<std::int64_t>());
    }
    return ids;
}

archived_topic archive_reader::topic(std::int64_t id)
{
    auto const rows = pg::exec_prepared(m_txn, "forumgate_archived_topic",
                                        "SELECT id, title, slug, category_id, archetype, created_at, "
                                        "deleted_at IS NOT NULL, tags, participants "
                                        "FROM forumgate.archive_topics WHERE id = $1",
                                        id);
    if (rows.size() != 1) {
        throw pqxx::unexpected_rows{"the archive has no topic " + std::to_string(id)};
    }
    auto const row = rows[0];
    archived_topic topic;
    topic.id = row[0].as<std::int64_t>();
    topic.title = row[1].as<std::string>();
    topic.slug = row[2].as<std::string>();
    topic.category_id = optional_of<std::int64_t>(row[3]);
    topic.archetype = row[4].as<std::string>();
    topic.created_at = row[5].as<std::string>();
    topic.deleted = row[6].as<bool>();
    topic.tags = pg::read_text_array(row[7]);
    topic.participants = pg::read_text_array(row[8]);
    return topic;
}

std::vector<archived_post> archive_reader::posts(std::int64_t topic_id)
{
    std::vector<archived_post> posts;
    for (auto const &row : pg::exec_prepared(
             m_txn, "forumgate_archived_posts",
             std::string{"SELECT id, post_number, coalesce(username, ''), post_type, raw, "} + ISO_CREATED_AT +
                 ", reply_to_post_number, deleted_at IS NOT NULL FROM forumgate.archive_posts "
                 "WHERE topic_id = $1 ORDER BY post_number",
             topic_id)) {
        posts.push_back({row[0].as<std::int64_t>(), row[1].as<int>(), row[2].as<std::string>(), row[3].as<int>(),
                         row[4].as<std::string>(), row[5].as<std::string>(), optional_of<int>(row[6]),
                         row[7].as<bool>()});
    }
    return posts;
}

std::vector<archived_category> archive_reader::categories()
{
    std::vector<archived_category> categories;
    for (auto const &row :
         m_txn.exec("SELECT id, parent_id, name, slug, coalesce(description, ''), coalesce(color, ''), "
                    "coalesce(text_color, ''), read_restricted FROM forumgate.archive_categories ORDER BY id")) {
        categories.push_back({row[0].as<std::int64_t>(), optional_of<std::int64_t>(row[1]), row[2].as<std::string>(),
                              row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                              row[6].as<std::string>(), row[7].as<bool>()});
    }
    return categories;
}

archived_restrictions archive_reader::restrictions()
{
    archived_restrictions out;
    std::string const restricted_topics = "SELECT t.id FROM forumgate.archive_topics t "
                                          "LEFT JOIN forumgate.archive_categories c ON c.id = t.category_id "
                                          "WHERE t.archetype = 'private_message' OR coalesce(c.read_restricted, false)";
    collect(m_txn, "forumgate.archive_topics",
            restricted_topics + " UNION SELECT id FROM forumgate.archive_absent_topics WHERE status = 403", out.topics);
    collect(m_txn, "forumgate.archive_posts",
            "SELECT p.id FROM forumgate.archive_posts p WHERE p.topic_id IN (" + restricted_topics + ")", out.posts);
    collect(m_txn, "forumgate.archive_categories", "SELECT id FROM forumgate.archive_categories WHERE read_restricted",
            out.categories);
    return out;
}

} // namespace forumgate::store
