#pragma once
// A map's rows compared with a snapshot: the keys whose rows changed, so that a reload can bring
// the map served up to date with a layer instead of a second whole map in memory.

#include "mappings/snapshot.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::mappings {

/// Compares every row of a map, given one by one in any order (each table whole, as
/// load_snapshot reads it), with a snapshot, and names the keys whose rows differ from the rows
/// the snapshot answers for: a layer over the snapshot holding those keys answers as a snapshot
/// built from all the rows would (docs/architecture.md, "A reload compared with the map"). It
/// errs one way only: a key may be named whose rows are unchanged, never the reverse. Memory:
/// four bytes per topic row and the names of the users and tags, never a second map.
class snapshot_comparison
{
public:
    /// `map` must outlive the comparison.
    explicit snapshot_comparison(snapshot const &map);

    /// Compares the site settings (normalised here) with the map's.
    void compare(site_settings settings);

    /// Each add checks the row as snapshot_builder::add does. \throws input_error the same way.
    void add(topic_row const &row);
    void add(post_row const &row);
    void add(category_row const &row);
    void add(user_row const &row);
    void add(tag_row const &row);
    void add(upload_row const &row);
    void add(rule_row const &row);

    /// After the rows: true if the map holds posts that no row matched, so that the number of
    /// posts of each topic is needed to find their topics (add_post_count for every topic with
    /// posts, then finish).
    [[nodiscard]] bool needs_post_counts() const noexcept { return m_matched_posts != m_map.size().posts; }
    void add_post_count(std::uint64_t old_topic_id, std::size_t posts);

    /// \return the keys whose rows differ (empty: the map answers as its rows do).
    [[nodiscard]] layer_keys finish();

private:
    void mark_topic(std::uint64_t old_id);
    /// Marks the topics the map finds that no topic row has.
    void mark_missing_topics();
    /// Marks the topics with a row and posts in the map that add_post_count did not count.
    void mark_topics_without_posts();

    snapshot const &m_map;
    std::vector<std::uint32_t> m_marked_topics;
    std::vector<std::uint32_t> m_topic_rows; ///< old ids of the topic rows
    std::vector<std::uint32_t> m_counted;    ///< old ids given to add_post_count
    std::size_t m_matched_posts = 0;

    /// The rows of users or of tags compared so far.
    struct names
    {
        std::vector<std::string> rows; ///< lower-case names
        std::vector<std::string> marked;
        std::size_t matched = 0;
    };
    /// Compares one user's or tag's row, found with `find` (the map's lookup by lower-case name).
    void add_name(names &table, std::string_view old_name, std::optional<std::string> const &new_name,
                  snapshot::renamed const *(snapshot::*find)(std::string_view) const noexcept);
    names m_users;
    names m_tags;

    std::size_t m_category_rows = 0;
    bool m_categories_differ = false;
    std::vector<void const *> m_upload_entries; ///< the entry each upload row found
    bool m_uploads_differ = false;

    std::vector<rule_row> m_rules;
    bool m_settings_differ = false;

    // Scratch strings, reused from row to row.
    std::string m_new_slug;
    std::string m_old_slug;
};

} // namespace forumgate::mappings
