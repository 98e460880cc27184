#pragma once
// A request to the rehearsal forum, parsed once: its method, its decoded path segments and
// format suffix, its query string and (for writes) its form, JSON or multipart body. The JSON
// API's read and write routes and the page routes all route on this.

#include "rehearsal/http_server.hpp"

#include <boost/beast/http/verb.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

/// \return `text` percent-decoded (and `+` as a space when `plus_is_space`). A `%` not followed
/// by two hex digits stays as it is, as Rack's lenient unescape keeps it.
[[nodiscard]] std::string url_decode(std::string_view text, bool plus_is_space);

/// One `name=value` pair of a form-encoded text, decoded; `value` is nullopt when the pair has no `=`.
struct form_field
{
    std::string name;
    std::optional<std::string> value;
};

/// \return the pairs of `a=1&b=2` in order, decoded with `+` as a space; empty pairs are skipped.
[[nodiscard]] std::vector<form_field> split_form(std::string_view text);

/// A file sent in a multipart body.
struct uploaded_file
{
    std::string field;
    std::string filename;
    std::string content_type;
    std::string bytes;
};

/// Represents a request's parameters as Rails sees them: name/value pairs in the order sent,
/// names kept as sent (`tags[]`, `post[raw]`), plus the files of a multipart body.
class parameters
{
public:
    void add(std::string name, std::string value) { m_pairs.emplace_back(std::move(name), std::move(value)); }
    /// Adds the pairs of a form-encoded text (a pair without `=` has an empty value).
    void add_form(std::string_view text);

    /// \return the first value of `name` (what the read routes look at), or nullopt.
    [[nodiscard]] std::optional<std::string> first(std::string_view name) const;
    /// \return the last value of `name` (Rails keeps the last of repeated scalar names), or nullopt.
    [[nodiscard]] std::optional<std::string> last(std::string_view name) const;
    /// \return the first of `names` whose last value is absent or empty (what Rails'
    /// `params.require` refuses), or nullopt when all are given.
    [[nodiscard]] std::optional<std::string_view> first_missing(std::initializer_list<std::string_view> names) const;
    /// \return every value of exactly `name`, in order.
    [[nodiscard]] std::vector<std::string> all(std::string_view name) const;
    /// \return every value of `name` and of `name[]`, in order.
    [[nodiscard]] std::vector<std::string> listed(std::string_view name) const;
    /// \return the (key, value) of every `prefix[key]`, e.g. the groups of `permissions[staff]=1`.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> nested(std::string_view prefix) const;
    /// \return whether the first value of `name` is "true", "1" or "t" (the read routes' flags).
    [[nodiscard]] bool flag(std::string_view name) const;
    /// \return whether the last value of `name` is exactly "true", as Discourse tests
    /// skip_validations, whisper, ….
    [[nodiscard]] bool is_true(std::string_view name) const { return last(name) == "true"; }
    /// \return the last value of `name` as ActiveRecord casts a boolean: absent or empty is
    /// false, and so are 0, f, false, off (any case); anything else is true.
    [[nodiscard]] bool truthy(std::string_view name) const;

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> const &pairs() const noexcept { return m_pairs; }

    std::vector<uploaded_file> files;

private:
    std::vector<std::pair<std::string, std::string>> m_pairs;
};

/// Represents one request to the forum, parsed once from what the HTTP server received.
struct request
{
    /// Parses `received`: path, query, and for any method but GET and HEAD the body.
    explicit request(api_request const &received);

    api_request const &raw;
    boost::beast::http::verb method;
    /// Path segments, percent-decoded, with a format suffix (`.json`, `.rss`, `.xml`, `.txt`)
    /// taken off the last one, as the page routes see them.
    std::vector<std::string> parts;
    /// "", "json", "rss", "xml" or "txt".
    std::string format;
    /// Path segments as the JSON API routes them: only a `.json` suffix is taken off.
    std::vector<std::string> api_parts;
    /// The query string's parameters.
    parameters query;
    /// The query string's parameters, then the body's (form, JSON flattened to Rails names, or
    /// multipart); empty for GET and HEAD, which read `query` only.
    parameters params;
    /// What is wrong with the body, if it could not be read.
    std::optional<std::string> body_problem;

    [[nodiscard]] bool is_read() const noexcept
    {
        return method == boost::beast::http::verb::get || method == boost::beast::http::verb::head;
    }
    /// \return whether `parts` is exactly `pattern` ("*" matches any one segment).
    [[nodiscard]] bool is(std::initializer_list<std::string_view> pattern) const;
    /// \return whether `api_parts` is exactly `pattern` ("*" matches any one segment).
    [[nodiscard]] bool api_is(std::initializer_list<std::string_view> pattern) const;
};

} // namespace forumgate::rehearsal
