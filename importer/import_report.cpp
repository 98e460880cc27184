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

namespace {} // namespace

forum_totals read_forum_totals(pqxx::connection &connection, bool with_notes)
{
    pqxx::read_transaction txn{connection};
    // Every count in one query, in the order of forum_totals' fields.
    auto const row = txn.exec1(
        "SELECT (SELECT count(*) FROM forumgate.archive_categories), "
        "(SELECT count(*) FROM forumgate.categories WHERE new_id IS NOT NULL), "
        "u.placed, u.created, u.fallback, "
        "(SELECT count(*) FROM forumgate.archive_uploads), "
        "(SELECT count(*) FROM forumgate.uploads WHERE new_url IS NOT NULL), "
        "(SELECT count(*) FROM forumgate.archive_topics), t.placed, t.not_copied, p.placed, p.with_notes, "
        "(SELECT count(*) FROM forumgate.import_failures) "
        "FROM (SELECT count(*) AS placed, count(*) FILTER (WHERE how IN ('created', 'sso')) AS created, "
        "count(*) FILTER (WHERE how = 'fallback') AS fallback FROM forumgate.import_users) u, "
        "(SELECT count(*) FILTER (WHERE new_id IS NOT NULL) AS placed, count(*) FILTER (WHERE new_id IS NULL) AS "
        "not_copied FROM forumgate.topics) t, "
        "(SELECT count(*) AS placed, count(*) FILTER (WHERE cardinality(problems) > 0) AS with_notes FROM "
        "forumgate.import_posts) p");
    forum_totals totals;
    pqxx::row::size_type column = 0;
    for (auto *field : {&totals.categories_archived, &totals.categories_placed, &totals.users_placed,
                        &totals.users_created, &totals.users_fallback, &totals.uploads_archived, &totals.uploads_placed,
                        &totals.topics_archived, &totals.topics_placed, &totals.topics_not_copied, &totals.posts_placed,
                        &totals.posts_with_notes, &totals.failures}) {
        *field = row[column++].as<std::uint64_t>();
    }
    if (with_notes) {
        // Notes by kind: only the start of each is needed to tell its kind (and the end, for links).
        for (auto const &kinds : txn.exec("SELECT left(note, 16) || right(note, 40), count(*) FROM "
                                          "forumgate.import_posts, unnest(problems) AS n(note) GROUP BY 1")) {
            totals.notes.at(static_cast<std::size_t>(kind_of_note(kinds[0].as<std::string>()))) +=
                kinds[1].as<std::uint64_t>();
        }
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
