#pragma once
// What an import leaves to read: the whole forum as it stands on the new one (all runs, not only
// the last), the notes on copied posts counted by kind, and the full list of notes as a CSV file.
// Notes live in the store (forumgate.import_posts.problems); the file is written from there.

#include <pqxx/pqxx>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace forumgate::importer {

/// The kinds of note an imported post can carry: each is something a reader of the copy may
/// notice, and none is a failure (the post is there).
enum class note_kind : std::uint8_t
{
    attributed,   ///< posted by the importing admin with the author named at the top
    link_nearest, ///< a link to a post that was not copied now points at the nearest one
    link_left,    ///< a link to the old forum that leads nowhere was left as written
    quote_left,   ///< a quote of a topic or post that was not copied was left as written
    upload_left,  ///< a reference to an upload that was not copied was left as written
    other,        ///< none of the above (a note this version does not know)
};
inline constexpr std::size_t NOTE_KINDS = 6;

/// One kind's name in files, its line in the summary and what it means (docs/import.md).
struct note_kind_info
{
    note_kind kind;
    std::string_view key;
    std::string_view label;
};

/// \return every kind, in the order the summary shows them.
[[nodiscard]] std::array<note_kind_info, NOTE_KINDS> const &note_kinds() noexcept;

/// \return the kind of a note as the importer writes it ("posted by …", "link …", "quote …",
/// "upload …").
[[nodiscard]] note_kind kind_of_note(std::string_view note) noexcept;

/// The forum as it stands on the new one after every run so far.
struct forum_totals
{
    std::uint64_t categories_archived = 0;
    std::uint64_t categories_placed = 0;
    std::uint64_t users_placed = 0;
    std::uint64_t users_created = 0; ///< created or provisioned by import (the rest were matched)
    std::uint64_t users_fallback = 0;
    std::uint64_t uploads_archived = 0;
    std::uint64_t uploads_placed = 0;
    std::uint64_t topics_archived = 0;
    std::uint64_t topics_placed = 0;
    std::uint64_t topics_not_copied = 0; ///< deliberately: deleted (the redirector answers 410)
    std::uint64_t posts_placed = 0;
    std::uint64_t posts_with_notes = 0;
    std::array<std::uint64_t, NOTE_KINDS> notes{}; ///< by note_kind
    std::uint64_t failures = 0;

    [[nodiscard]] std::uint64_t notes_of(note_kind kind) const { return notes.at(static_cast<std::size_t>(kind)); }
};

/// \return the totals the store holds now; the notes by kind only `with_notes` (they take a
/// pass over every note).
[[nodiscard]] forum_totals read_forum_totals(pqxx::connection &connection, bool with_notes);

/// Writes every note of every imported post to `file` as CSV (kind, old topic id, old post id,
/// new post id, note), then every failure the next run retries (kind `failed`, the ids empty),
/// replacing the file atomically. \return the number of rows written.
/// \throws input_error when the file cannot be written.
std::uint64_t write_notes_file(pqxx::connection &connection, std::filesystem::path const &file);

} // namespace forumgate::importer
