#pragma once
// The URL shapes an old Discourse link can take, and the parser that recognises them.
// See docs/urls.md for every shape and where it leads.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace forumgate::mappings {

/// Represents a request target split into percent-decoded path segments and query parameters.
/// Empty segments (repeated or trailing slashes) and `.` are dropped, `..` removes the segment
/// before it, as RFC 3986 dot-segment removal does.
class parsed_url
{
public:
    /// More segments than any Discourse route has; a longer path is no known shape.
    static constexpr std::size_t MAX_SEGMENTS = 32;
    /// Query parameters looked at; later ones are ignored. Generous, since tracking
    /// parameters can come before the ones that matter (page=, q=).
    static constexpr std::size_t MAX_PARAMS = 48;
    /// Longest request target accepted (nginx's default large_client_header_buffers is 8k).
    static constexpr std::size_t MAX_TARGET_LENGTH = 4096;

    enum class status : std::uint8_t
    {
        ok,
        malformed, ///< not a path, a bad escape, a control byte or invalid UTF-8 once decoded
        too_long,  ///< longer than MAX_TARGET_LENGTH
        too_deep,  ///< more than MAX_SEGMENTS segments
    };

    struct param
    {
        std::string_view key;
        std::string_view value;
    };

    /// Parses an origin-form target (`/path?query`; a `#fragment` is ignored).
    /// A control byte anywhere (raw, or escaped in path or query) makes the target malformed, as
    /// do a bad escape or invalid UTF-8 in the path. A query parameter with a bad escape or
    /// invalid UTF-8 is skipped instead (trackers write odd things; the path still says where).
    [[nodiscard]] status parse(std::string_view target);

    [[nodiscard]] std::size_t size() const noexcept { return m_segment_count; }
    [[nodiscard]] std::string_view operator[](std::size_t i) const noexcept { return m_segments[i]; }
    [[nodiscard]] std::span<std::string_view const> segments() const noexcept
    {
        return {m_segments.data(), m_segment_count};
    }
    [[nodiscard]] std::span<param const> params() const noexcept { return {m_params.data(), m_param_count}; }
    /// \return the value of the first parameter named `key`, or an empty view.
    [[nodiscard]] std::string_view param_value(std::string_view key) const noexcept;

    /// Shortens segment `i` (used to take `.json` or `.rss` off the last one).
    void trim_segment(std::size_t i, std::size_t count) noexcept { m_segments[i].remove_suffix(count); }

private:
    /// The two halves of parse(): decodes into m_buffer and keeps views of it.
    [[nodiscard]] status parse_path(std::string_view path);
    void parse_query(std::string_view query);

    std::string m_buffer;
    std::array<std::string_view, MAX_SEGMENTS> m_segments{};
    std::array<param, MAX_PARAMS> m_params{};
    std::size_t m_segment_count = 0;
    std::size_t m_param_count = 0;
};

/// What an old URL points at, for figures by kind (coverage report, metrics).
enum class url_kind : std::uint8_t
{
    topic,
    post,
    category,
    user,
    tag,
    upload,
    site_page, ///< lists, feeds, static pages, search: same path on the new forum
    other,     ///< no known shape
};

[[nodiscard]] std::string_view to_string(url_kind kind) noexcept;

/// The recognised shapes. Each names the Discourse route(s) it covers.
enum class shape_id : std::uint8_t
{
    unknown,          ///< no built-in shape
    unmappable,       ///< a real route whose ids mean nothing on the new forum (/t/external_id/…)
    site_page,        ///< /latest, /about, /search, feeds, sitemaps…: same path on the new base
    categories_root,  ///< /c and /category: Discourse sends these to /categories
    topic,            ///< /t/{slug}/{id}[/{n}|/last][/print|/summary|/wordpress][.json|.rss]
    topic_by_slug,    ///< /t/{slug}, /t/id_for/{slug}: looked up by the old slug
    topic_resource,   ///< /t/{id}/posts.json, post_ids.json, excerpts.json (slug-less target)
    post_link,        ///< /p/{id}[/{user_id}], /posts/{id}: the post inside its topic
    post_resource,    ///< /posts/{id}.json, /posts/{id}/raw, /posts/{id}/cooked
    post_by_number,   ///< /posts/by_number/{topic_id}/{n}[.json]
    post_by_date,     ///< /posts/by-date/{topic_id}/{date}
    raw_topic,        ///< /raw/{topic_id}[/{n}]
    category,         ///< /c/{slug path}/{id}[tail], /category/…, /c/{id}/show
    category_by_slug, ///< /c/{slug path}[tail] without an id
    tag_in_category,  ///< /tags/c/{slug path}/{id}/{tag}[tail]
    user,             ///< /u/{name}[tail], /users/{name}[tail]
    user_avatar,      ///< /user_avatar/{host}/{name}/{size}/{version}.{ext}
    letter_avatar,    ///< /letter_avatar/{name}/{size}/{version}.{ext}
    tag,              ///< /tag/{name}[tail], /tags/{name} (pre-2019 form)
    tag_intersection, ///< /tags/intersection/{tag}/{tag}…
    upload_sha1,  ///< /uploads/{site}/original|optimized/…/{sha1}[_{v}_{w}x{h}].{ext}, /uploads/{site}/{sha1}.{ext}
    upload_short, ///< /uploads/short-url/{base62}.{ext}
    upload_path,  ///< any other /uploads/… path (oldest scheme): looked up as a whole
};

/// The response format asked for by an extension on the last segment.
enum class url_format : std::uint8_t
{
    none,
    json,
    rss,
};

/// Represents what the parser understood of an old URL. Views point into the parsed_url.
struct url_shape
{
    shape_id id = shape_id::unknown;
    url_format format = url_format::none;
    bool last = false;             ///< /t/…/last
    bool number_overflow = false;  ///< an id too large for any forum: never in the map
    std::uint64_t number = 0;      ///< topic, post or category id (0 when the shape has none)
    std::uint32_t post_number = 0; ///< 0: none given
    std::string_view name;         ///< slug, slug path's first segment, username, tag, upload file
    std::string_view second_name;  ///< the tag of tag_in_category, the upload's extension
    std::size_t name_begin = 0;    ///< first segment of a category slug path
    std::size_t name_end = 0;      ///< one past the last segment of a category slug path
    std::size_t tail_begin = 0;    ///< first segment carried over to the target unchanged
    std::size_t tail_end = 0;      ///< one past the last segment carried over
};

/// \return the shape of `url`. May trim a `.json`/`.rss` extension off its last segment.
[[nodiscard]] url_shape parse_shape(parsed_url &url);

/// \return the kind of URL a shape belongs to.
[[nodiscard]] url_kind kind_of(shape_id id) noexcept;

} // namespace forumgate::mappings
