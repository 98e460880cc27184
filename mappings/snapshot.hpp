#pragma once
// The ID map in memory: an immutable, compact snapshot that the resolver reads without locks.

#include "mappings/lookup_table.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace forumgate::mappings {

/// Represents where the map redirects to and which old host names it answers for.
struct site_settings
{
    std::string new_base;                  ///< https://forum.brum.coop (optionally with a path)
    std::vector<std::string> old_hosts;    ///< host names of the old forum, first is the main one
    std::vector<std::string> upload_hosts; ///< further hosts an upload may be redirected to
};

/// Checks and normalises settings: new_base must be an http(s) URL with no query, fragment or
/// user info (trailing `/` removed); hosts are lower-cased and must be plain host names.
/// \throws input_error naming the bad value.
void normalise(site_settings &settings);

/// Overrides `settings` with what `given` sets: its new base if not empty, each host list if not
/// empty (command-line options over stored settings).
void override_with(site_settings &settings, site_settings const &given);

/// \return the host (lower-case, without port) of an http(s) URL, or empty if it has none.
[[nodiscard]] std::string host_of_url(std::string_view url);

/// One topic of the map. A topic without new_id was deliberately not migrated (410).
/// Slugs may be given as text or percent-encoded (Discourse's `encoded` slugs); the snapshot
/// keeps the text.
struct topic_row
{
    std::uint64_t old_id = 0;
    std::string old_slug;
    std::optional<std::uint64_t> new_id;
    std::string new_slug;
    bool restricted = false; ///< not public on the old forum: no slug kept, not found by old slug
};

/// One post of the map. A post without new_id was deliberately not migrated.
struct post_row
{
    std::uint64_t old_id = 0;
    std::uint64_t old_topic_id = 0;
    std::uint32_t old_post_number = 0;
    std::optional<std::uint64_t> new_id;
    std::optional<std::uint64_t> new_topic_id;
    std::optional<std::uint32_t> new_post_number;
    bool hidden = false; ///< not in the old forum's public post stream (deleted, whisper)
};

/// One category. Slug paths are `parent/child` (no leading or trailing `/`).
struct category_row
{
    std::uint64_t old_id = 0;
    std::string old_slug_path;
    std::optional<std::uint64_t> new_id;
    std::string new_slug_path;
    bool restricted = false;
};

struct user_row
{
    std::string old_username;
    std::optional<std::string> new_username; ///< none: the account was not migrated
};

struct tag_row
{
    std::string old_name;
    std::optional<std::string> new_name;
};

/// One upload. old_path is the path on the old forum (`/uploads/default/original/1X/….png`);
/// new_url is a path on the new base or an absolute URL on the new or an upload host.
struct upload_row
{
    std::string old_path;
    std::optional<std::string> new_url;
};

/// What a custom rule's result is.
enum class rule_kind : std::uint8_t
{
    redirect, ///< a path on the new forum
    rewrite,  ///< a path on the old forum, resolved again by the built-in shapes
};

/// One custom rule: an RE2 pattern matched against the whole old path and query, and a
/// replacement with \1…\9 (like Discourse's permalink_normalizations).
struct rule_row
{
    std::string pattern;
    std::string replacement;
    rule_kind kind = rule_kind::redirect;
};

/// A compiled custom rule.
struct rule
{
    std::shared_ptr<re2::RE2 const> pattern;
    std::string replacement;
    rule_kind kind = rule_kind::redirect;
};

/// Compiles and checks a rule. \throws input_error naming what is wrong.
[[nodiscard]] rule compile_rule(rule_row const &row);

/// What a layer holds in place of the map below it (docs/architecture.md, "Changes applied in
/// place"): the rows of these keys as they are now. A key whose row is gone is still listed: the
/// layer hides what the map below has for it.
struct layer_keys
{
    std::vector<std::uint32_t> topics; ///< old topic ids: the topic's row and all its posts
    std::vector<std::string> users;    ///< old usernames, lower case
    std::vector<std::string> tags;     ///< old tag names, lower case
    bool categories = false;           ///< the whole categories table
    bool uploads = false;              ///< the whole uploads table (with settings: always)
    bool rules = false;                ///< the whole rules table
    bool settings = false;             ///< the site settings (uploads are checked against them)

    /// Adds `other`'s keys (the lists stay sorted and without duplicates).
    void merge(layer_keys const &other);
    [[nodiscard]] bool empty() const noexcept
    {
        return topics.empty() && users.empty() && tags.empty() && !categories && !uploads && !rules && !settings;
    }
};

/// Represents the whole ID map, read-only. Built by snapshot_builder; shared by every request
/// through a shared_ptr<const snapshot>.
///
/// A snapshot is either a base (the whole map) or a layer over another snapshot: a layer holds
/// the current rows of a few keys (layer_keys) and answers every other lookup from the map below,
/// so that a change to the map costs work in proportion to the change. Every lookup answers as
/// a snapshot built from all the rows at the layer's version would.
class snapshot
{
public:
    /// A topic as the resolver sees it. 24 bytes.
    struct topic
    {
        std::uint32_t old_id;
        std::uint32_t new_id; ///< 0: not migrated
        std::uint32_t new_slug_offset;
        std::uint32_t first_post; ///< index of its first post in posts()
        std::uint32_t post_count;
        std::uint16_t new_slug_length;
        std::uint8_t flags;
    };
    static constexpr std::uint8_t TOPIC_RESTRICTED = 1;
    static constexpr std::uint8_t TOPIC_HAS_HIDDEN_POSTS = 2;
    /// Its old slug leads to it in its own snapshot's slug table (the lowest old id of a shared
    /// slug): a layer that hides it must still hold it under that slug.
    static constexpr std::uint8_t TOPIC_SLUG_HOLDER = 4;
    /// Its old slug (lower case) is its new slug, byte for byte: the slug index reads it there.
    static constexpr std::uint8_t TOPIC_OLD_SLUG_IS_NEW = 8;
    /// Its new slug has nothing to percent-encode in a path (base::is_plain_segment): a Location
    /// takes it as it is.
    static constexpr std::uint8_t TOPIC_NEW_SLUG_PLAIN = 16;

    /// A post as the resolver sees it. 20 bytes; posts are grouped by topic, by post number.
    struct post
    {
        std::uint32_t old_post_number; ///< high bit set: hidden (not in the public stream)
        std::uint32_t new_post_number; ///< 0: not migrated
        std::uint32_t new_topic_id;
        std::uint32_t new_id;
        std::uint32_t topic_index;
    };
    static constexpr std::uint32_t POST_HIDDEN = 0x80000000U;

    struct category
    {
        std::uint32_t old_id;
        std::uint32_t new_id; ///< 0: not migrated
        bool restricted;
        std::string new_slug_path;
    };

    /// The new name of a user or tag, or the new URL of an upload; empty: not migrated.
    struct renamed
    {
        std::string new_name;
    };

    [[nodiscard]] site_settings const &settings() const noexcept { return m_settings; }
    /// new_base without its path, and its path prefix ("" for a forum at the root).
    [[nodiscard]] std::string_view base_origin() const noexcept { return m_base_origin; }
    [[nodiscard]] std::string_view base_path() const noexcept { return m_base_path; }
    /// The new forum's host name.
    [[nodiscard]] std::string_view new_host() const noexcept { return m_new_host; }
    [[nodiscard]] bool is_old_host(std::string_view host) const noexcept;
    /// \return true if an absolute upload URL may point at `host`.
    [[nodiscard]] bool is_upload_host(std::string_view host) const noexcept;

    [[nodiscard]] topic const *find_topic(std::uint64_t old_id) const noexcept;
    [[nodiscard]] topic const *find_topic_by_slug(std::string_view old_slug) const noexcept;
    /// `t` must come from this snapshot (a find_ of it or of posts_of/topic_of).
    [[nodiscard]] std::string_view new_slug(topic const &t) const noexcept
    {
        if (m_below && !holds(t)) [[unlikely]] {
            return m_below->new_slug(t);
        }
        return std::string_view{m_slugs.data() + t.new_slug_offset, t.new_slug_length};
    }
    [[nodiscard]] std::span<post const> posts_of(topic const &t) const noexcept
    {
        if (m_below && !holds(t)) [[unlikely]] {
            return m_below->posts_of(t);
        }
        return {m_posts.data() + t.first_post, t.post_count};
    }
    [[nodiscard]] post const *find_post(std::uint64_t old_id) const noexcept;

    /// Read-ahead for resolutions to come: each asks the CPU to bring into its cache, without
    /// waiting, what a lookup of `old_id` reads at one step of its chain of dependent reads.
    /// Step 0 needs nothing in cache; step n reads what step n - 1 brought. They change
    /// nothing: a wrong or unknown id only wastes the read.
    /// Topic: 0 its entry (or its id's slot); 1 its new slug and the middle of its posts; later
    /// steps nothing.
    void prefetch_topic(std::uint64_t old_id, int step) const noexcept;
    /// Post: 0 its id's slot; 1 the post; 2 its topic; 3 the topic's new slug.
    void prefetch_post(std::uint64_t old_id, int step) const noexcept;
    /// The topic a post (from find_post or posts_of) belongs to.
    [[nodiscard]] topic const &topic_of(post const &p) const noexcept
    {
        if (m_below && !holds(p)) [[unlikely]] {
            return m_below->topic_of(p);
        }
        return m_topics[p.topic_index];
    }
    /// Adds to `out` the old ids of every topic whose old slug (lower case) is one of
    /// `old_slugs` (sorted), as this snapshot answers: in any layer, unless a layer above hides
    /// it. Walks every topic: for checking a layer as it is built, not for answering requests.
    void topics_with_old_slugs(std::vector<std::string> const &old_slugs, std::vector<std::uint32_t> &out) const;
    /// Every topic slot, in old id order; a slot with old_id 0 is a gap between dense ids.
    /// \pre a base snapshot (not a layer): the map exports walk whole maps only.
    [[nodiscard]] std::span<topic const> topics() const noexcept { return {m_topics.data(), m_topics.size()}; }
    /// Calls `visit(old_post_id, post)` for every post, in no particular order. \pre a base.
    template <typename Visit>
    void for_each_post_id(Visit &&visit) const
    {
        m_post_by_id.for_each([&](std::uint32_t old_id, std::uint32_t index) { visit(old_id, m_posts[index]); });
    }

    [[nodiscard]] category const *find_category(std::uint64_t old_id) const noexcept;
    [[nodiscard]] std::span<category const> categories() const noexcept
    {
        return categories_below() ? m_below->categories() : std::span<category const>{m_categories};
    }
    /// Looks up `parent/child` (case-insensitive), or a leaf slug that only one category has.
    [[nodiscard]] category const *find_category_by_path(std::string_view old_slug_path) const;

    [[nodiscard]] renamed const *find_user(std::string_view old_username) const;
    [[nodiscard]] renamed const *find_tag(std::string_view old_name) const;
    [[nodiscard]] renamed const *find_upload_by_sha1(std::string_view sha1_hex) const;
    [[nodiscard]] renamed const *find_upload_by_path(std::string_view old_path) const;
    /// The old upload paths find_upload_by_path() knows, as it looks them up (decoded segments,
    /// secure-upload prefixes read as /uploads).
    [[nodiscard]] string_table const &upload_paths() const noexcept
    {
        return uploads_below() ? m_below->upload_paths() : m_upload_by_path;
    }

    [[nodiscard]] std::span<rule const> rules() const noexcept { return m_rules; }

    /// Counts for `map stats`, metrics and reload log lines.
    struct counts
    {
        std::size_t topics = 0;
        std::size_t posts = 0;
        std::size_t categories = 0;
        std::size_t users = 0;
        std::size_t tags = 0;
        std::size_t uploads = 0;
        std::size_t rules = 0;
    };
    [[nodiscard]] counts const &size() const noexcept { return m_counts; }
    /// Heap bytes held by the snapshot.
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// The store's map version this snapshot was built from (0 when built from files/tests).
    [[nodiscard]] std::int64_t version() const noexcept { return m_version; }

    /// How a snapshot stands to the whole map. Layers lie on lower levels only: a large one on
    /// the base, a medium one on either, a small one on any.
    enum class level : std::uint8_t
    {
        base,         ///< the whole map
        large_layer,  ///< rebuilt when a medium layer outgrows its bound
        medium_layer, ///< rebuilt when a small layer outgrows its bound
        small_layer,  ///< rebuilt on every change
    };
    [[nodiscard]] level kind() const noexcept { return m_level; }
    /// The snapshot a layer lies on; null for a base.
    [[nodiscard]] std::shared_ptr<snapshot const> const &below() const noexcept { return m_below; }
    /// The keys a layer holds (empty for a base).
    [[nodiscard]] layer_keys const &keys() const noexcept { return m_keys; }
    /// Rows this snapshot was built from (for a layer: the rows of its keys).
    [[nodiscard]] std::size_t rows() const noexcept { return m_rows; }

private:
    friend class snapshot_builder;
    friend class snapshot_comparison;

    [[nodiscard]] bool holds(topic const &t) const noexcept
    {
        return std::less_equal<>{}(m_topics.data(), &t) && std::less<>{}(&t, m_topics.data() + m_topics.size());
    }
    [[nodiscard]] bool holds(post const &p) const noexcept
    {
        return std::less_equal<>{}(m_posts.data(), &p) && std::less<>{}(&p, m_posts.data() + m_posts.size());
    }
    [[nodiscard]] bool categories_below() const noexcept { return m_below && !m_keys.categories; }
    [[nodiscard]] bool uploads_below() const noexcept { return m_below && !m_keys.uploads; }
    [[nodiscard]] bool hides_topic(std::uint64_t old_id) const noexcept
    {
        return m_hidden_topics.find(old_id).has_value();
    }
    [[nodiscard]] topic const *find_own_topic(std::uint64_t old_id) const noexcept;
    /// \return the index of this snapshot's topic with old slug `old_slug` (lower case).
    [[nodiscard]] std::optional<std::uint32_t> find_own_topic_by_slug(std::string_view old_slug) const noexcept;
    /// The old slug (lower case) of the topic at `index`, as the slug index keys it.
    [[nodiscard]] std::string_view old_slug_at(std::uint32_t index) const noexcept;
    /// \return true if the snapshot that holds `t` finds it by `old_slug`.
    [[nodiscard]] bool holds_under_slug(topic const &t, std::string_view old_slug) const noexcept;
    [[nodiscard]] renamed const *find_user_lower(std::string_view lower) const noexcept;
    [[nodiscard]] renamed const *find_tag_lower(std::string_view lower) const noexcept;
    /// The old slug (lower case) `t` is found by; empty if none. `t` as for new_slug().
    [[nodiscard]] std::string_view old_slug(topic const &t) const noexcept
    {
        if (m_below && !holds(t)) {
            return m_below->old_slug(t);
        }
        return old_slug_at(static_cast<std::uint32_t>(&t - m_topics.data()));
    }
    /// The snapshot whose category tables answer for this one.
    [[nodiscard]] snapshot const &category_holder() const noexcept
    {
        return categories_below() ? m_below->category_holder() : *this;
    }

    site_settings m_settings;
    std::string m_base_origin;
    std::string m_base_path;
    std::string m_new_host;
    std::vector<std::string> m_old_hosts;
    std::vector<std::string> m_upload_hosts;

    // Topics by old id. When ids are dense (the usual case) m_topics[old_id - m_first_topic_id]
    // is the topic itself, with empty entries for the gaps: one cache miss per lookup.
    // Otherwise m_topic_by_id finds the index.
    big_vector<topic> m_topics;
    big_string m_slugs;
    bool m_topics_dense = false;
    std::uint32_t m_first_topic_id = 0;
    id_table m_topic_by_id;
    // Topics by old slug. The index keeps no keys: a topic's old slug is its new slug (flag
    // TOPIC_OLD_SLUG_IS_NEW, the usual case) or one of m_other_old_slugs.
    keyed_index m_topic_by_slug;
    big_string m_other_old_slugs;                    ///< old slugs that differ from the new ones
    big_vector<std::uint32_t> m_other_old_slug_ends; ///< where each of them ends
    id_table m_other_old_slug_of;                    ///< topic index -> its entry in the two above
    big_vector<post> m_posts;
    id_table m_post_by_id;

    std::vector<category> m_categories;
    id_table m_category_by_id;
    string_table m_category_by_path;
    string_table m_category_by_leaf; ///< value UINT32_MAX: the leaf slug is ambiguous

    std::vector<renamed> m_users;
    string_table m_user_by_name;
    std::vector<renamed> m_tags;
    string_table m_tag_by_name;
    std::vector<renamed> m_uploads;
    string_table m_upload_by_sha1;
    string_table m_upload_by_path;

    std::vector<rule> m_rules;
    counts m_counts;
    std::int64_t m_version = 0;
    std::size_t m_rows = 0;

    // A layer: the snapshot below, the keys held here, and those keys as lookup sets.
    level m_level = level::base;
    std::shared_ptr<snapshot const> m_below;
    layer_keys m_keys;
    id_table m_hidden_topics;
    string_table m_hidden_users;
    string_table m_hidden_tags;
};

/// Collects map rows and builds a snapshot. Rows may come in any order.
class snapshot_builder
{
public:
    /// \throws input_error if the settings are unusable.
    explicit snapshot_builder(site_settings settings);
    /// Builds a layer over `below` that holds `keys`: add the current rows of exactly those keys
    /// (every row of a table the keys name whole), nothing else. `settings` are the layer's (the
    /// current ones when keys.settings, else below's); the rules are below's unless keys.rules.
    snapshot_builder(std::shared_ptr<snapshot const> below, layer_keys keys, snapshot::level level,
                     site_settings settings);
    ~snapshot_builder();
    snapshot_builder(snapshot_builder const &) = delete;
    snapshot_builder &operator=(snapshot_builder const &) = delete;

    /// Each add checks the row. \throws input_error naming the row (old id) and what is wrong.
    void add(topic_row const &row);
    void add(post_row const &row);
    void add(category_row const &row);
    void add(user_row const &row);
    void add(tag_row const &row);
    void add(upload_row const &row);
    void add(rule_row const &row);
    void set_version(std::int64_t version) noexcept { m_version = version; }
    /// Reserves room for a known number of posts (saves re-allocation on large maps).
    void reserve_posts(std::size_t count) { m_posts.reserve(count); }

    /// How add() keeps a row, for snapshot_comparison. Each \throws input_error as add() does.
    /// Checks a topic row's ids and slugs. \return its new id (0: not migrated).
    [[nodiscard]] static std::uint32_t checked_topic(topic_row const &row);
    /// A topic's slugs: decoded text, the old one in lower case; none for a restricted topic.
    static void stored_slugs(topic_row const &row, std::string &new_slug, std::string &old_slug);
    /// A post as posts_of() gives it (topic_index 0).
    [[nodiscard]] static snapshot::post stored_post(post_row const &row);
    /// A category's slug path as it is found: decoded, lower case, no empty segments.
    [[nodiscard]] static std::string stored_slug_path(std::string_view path);
    /// Where an upload is found: by `path` (as find_upload_by_path() takes it), or, for a short
    /// URL (upload://…), by `sha1` alone. `sha1` is also set for a path that holds one; a
    /// thumbnail's (optimized copy) is its original's.
    struct upload_key
    {
        std::string path;
        std::string sha1;
        bool thumbnail = false;
    };
    [[nodiscard]] static upload_key stored_upload_key(std::string_view old_path);

    /// Sorts, indexes and hands over the snapshot; the builder is empty afterwards.
    /// \throws input_error on duplicate old ids.
    /// \return null for a layer that cannot answer as the whole map would (refusal() says why):
    /// build the whole map instead.
    [[nodiscard]] std::shared_ptr<snapshot const> build();
    /// Why build() returned null.
    [[nodiscard]] std::string const &refusal() const noexcept { return m_refusal; }

private:
    struct pending_post
    {
        std::uint32_t old_id;
        std::uint32_t old_topic_id;
        std::uint32_t old_post_number; ///< with POST_HIDDEN
        std::uint32_t new_id;
        std::uint32_t new_topic_id;
        std::uint32_t new_post_number;
    };
    struct pending_topic
    {
        std::uint32_t old_id;
        std::uint32_t new_id;
        std::uint32_t new_slug_offset;
        std::uint32_t old_slug_offset;
        std::uint16_t new_slug_length;
        std::uint16_t old_slug_length;
        bool restricted;
    };

    /// (old id, index) pairs for an id_table.
    using id_pairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
    /// (lower-case old name, new name) of users or tags.
    using renamed_rows = std::vector<std::pair<std::string, std::optional<std::string>>>;

    /// Each step of build(): moves its rows into the snapshot and indexes them.
    /// \return build_topics: the number of distinct old topic ids.
    std::size_t build_topics();
    void sort_topics_and_posts();
    std::size_t choose_topic_layout();
    void add_topic(pending_topic const *pending, std::uint32_t old_id, std::size_t &next_post);
    void index_old_topic_slugs();
    void build_categories();
    static void build_names(renamed_rows &rows, std::vector<snapshot::renamed> &out, string_table &table);
    void build_uploads();
    /// A layer's part of build(): what it hides below, its counts.
    void finish_layer(std::size_t distinct_topics);
    /// A layer that hides a topic its old slug leads to must hold it under that slug, or hold
    /// every topic below with that slug (else the slug's next topic below is unknown here).
    /// \return false, with m_refusal, if not.
    bool check_slug_holders();

    std::unique_ptr<snapshot> m_snapshot;
    std::string m_refusal;
    std::vector<pending_topic> m_pending_topics;
    std::string m_old_slugs;
    std::vector<pending_post> m_posts;
    std::vector<category_row> m_category_rows;
    renamed_rows m_users;
    renamed_rows m_tags;
    std::vector<upload_row> m_upload_rows;
    std::int64_t m_version = 0;
    std::size_t m_rows = 0;
};

} // namespace forumgate::mappings
