#include "importer/import_report.hpp"

#include "base/csv.hpp"

#include <algorithm>

namespace forumgate::importer {

std::array<note_kind_info, NOTE_KINDS> const &note_kinds() noexcept
{
    static constexpr std::array<note_kind_info, NOTE_KINDS> KINDS{{
        {note_kind::attributed, "attributed", "posted by the importing admin, the author named at the top"},
        {note_kind::link_nearest, "link-nearest", "links to a post not copied, now to the nearest post"},
        {note_kind::link_left, "link-left", "links to the old forum that lead nowhere, left as written"},
        {note_kind::quote_left, "quote-left", "quotes of a topic or post not copied, left as written"},
        {note_kind::upload_left, "upload-left", "uploads not copied, their references left as written"},
        {note_kind::other, "other", "other notes"},
    }};
    return KINDS;
}

note_kind kind_of_note(std::string_view note) noexcept
{
    if (note.starts_with("posted by ")) {
        return note_kind::attributed;
    }
    if (note.starts_with("link ")) {
        return note.ends_with("it now points at the nearest one") ? note_kind::link_nearest : note_kind::link_left;
    }
    if (note.starts_with("quote ")) {
        return note_kind::quote_left;
    }
    if (note.starts_with("upload ")) {
        return note_kind::upload_left;
    }
    return note_kind::other;
}

namespace {

std::uint64_t count(pqxx::read_transaction &txn, std::string const &query)
{
    return txn.exec1(query)[0].as<std::uint64_t>();
}

} // namespace

forum_totals read_forum_totals(pqxx::connection &connection)
{
    pqxx::read_transaction txn{connection};
    forum_totals totals;
    totals.categories_archived = count(txn, "SELECT count(*) FROM forumgate.archive_categories");
    totals.categories_placed = count(txn, "SELECT count(*) FROM forumgate.categories WHERE new_id IS NOT NULL");
    auto const users = txn.exec1("SELECT count(*), count(*) FILTER (WHERE how IN ('created', 'sso')), "
                                 "count(*) FILTER (WHERE how = 'fallback') FROM forumgate.import_users");
    totals.users_placed = users[0].as<std::uint64_t>();
    totals.users_created = users[1].as<std::uint64_t>();
    totals.users_fallback = users[2].as<std::uint64_t>();
    totals.uploads_archived = count(txn, "SELECT count(*) FROM forumgate.archive_uploads");
    totals.uploads_placed = count(txn, "SELECT count(*) FROM forumgate.uploads WHERE new_url IS NOT NULL");
    totals.topics_archived = count(txn, "SELECT count(*) FROM forumgate.archive_topics");
    auto const topics = txn.exec1("SELECT count(*) FILTER (WHERE new_id IS NOT NULL), count(*) FILTER (WHERE new_id "
                                  "IS NULL) FROM forumgate.topics");
    totals.topics_placed = topics[0].as<std::uint64_t>();
    totals.topics_not_copied = topics[1].as<std::uint64_t>();
    auto const posts = txn.exec1("SELECT count(*), count(*) FILTER (WHERE cardinality(problems) > 0) "
                                 "FROM forumgate.import_posts");
    totals.posts_placed = posts[0].as<std::uint64_t>();
    totals.posts_with_notes = posts[1].as<std::uint64_t>();
    totals.failures = count(txn, "SELECT count(*) FROM forumgate.import_failures");
    // Notes by kind: only the start of each is needed to tell its kind (and the end, for links).
    for (auto const &row : txn.exec("SELECT left(note, 16) || right(note, 40), count(*) FROM forumgate.import_posts, "
                                    "unnest(problems) AS n(note) GROUP BY 1")) {
        totals.notes.at(static_cast<std::size_t>(kind_of_note(row[0].as<std::string>()))) += row[1].as<std::uint64_t>();
    }
    return totals;
}

std::uint64_t write_notes_file(pqxx::connection &connection, std::filesystem::path const &file)
{
    static constexpr std::array<std::string_view, 5> HEADER{"kind", "old_topic_id", "old_post_id", "new_post_id",
                                                            "note"};
    base::csv_writer out{file, HEADER};
    pqxx::read_transaction txn{connection};
    std::uint64_t written = 0;
    for (auto const &row :
         txn.exec("SELECT p.old_topic_id, p.old_id, p.new_id, n.note FROM forumgate.import_posts p, "
                  "unnest(p.problems) WITH ORDINALITY AS n(note, position) ORDER BY p.old_topic_id, p.old_id, "
                  "n.position")) {
        auto const note = row[3].as<std::string>();
        out.raw(note_kinds().at(static_cast<std::size_t>(kind_of_note(note))).key);
        for (int column = 0; column < 3; ++column) {
            out.raw(row[column].c_str());
        }
        out.text(note);
        out.end_row();
        ++written;
    }
    // What failed is retried by the next run; until then it is listed here too.
    for (auto const &row : txn.exec("SELECT kind || ' ' || key || ': ' || reason || ' (attempts ' || attempts || ')' "
                                    "FROM forumgate.import_failures ORDER BY kind, key")) {
        out.raw("failed");
        out.raw("");
        out.raw("");
        out.raw("");
        out.text(row[0].as<std::string>());
        out.end_row();
        ++written;
    }
    out.close();
    return written;
}

} // namespace forumgate::importer
