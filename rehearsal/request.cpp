// Parsing a request to the rehearsal forum once (request.hpp): path segments, format, query
// string and body, with the percent-decoding of base/url_codec.hpp.

#include "rehearsal/request.hpp"

#include "base/text.hpp"
#include "base/url_codec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace forumgate::rehearsal {

namespace {

using json = nlohmann::ordered_json;

/// The formats a path may end in that change which page route answers (`/latest.rss`).
constexpr std::array<std::string_view, 4> FORMATS{"json", "rss", "xml", "txt"};

bool is_escape_at(std::string_view text, std::size_t pos)
{
    return pos + 2 < text.size() && base::hex_value(text[pos + 1]) >= 0 && base::hex_value(text[pos + 2]) >= 0;
}

void append_decoded(std::string &out, std::string_view text, bool plus_is_space)
{
    // Only called on runs without malformed escapes, so the decoders cannot fail here.
    bool const decoded = plus_is_space ? base::append_form_decoded(out, text) : base::append_percent_decoded(out, text);
    (void)decoded;
}

bool matches(std::vector<std::string> const &parts, std::initializer_list<std::string_view> pattern)
{
    if (pattern.size() != parts.size()) {
        return false;
    }
    std::size_t i = 0;
    for (auto const want : pattern) {
        if (want != "*" && want != parts[i]) {
            return false;
        }
        ++i;
    }
    return true;
}

/// \return the value of `attribute` in a header value such as `form-data; name="file"`.
std::optional<std::string> header_attribute(std::string_view header, std::string_view attribute)
{
    std::size_t pos = 0;
    while (pos < header.size()) {
        auto const semicolon = header.find(';', pos);
        auto part = header.substr(pos, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - pos);
        pos = semicolon == std::string_view::npos ? header.size() : semicolon + 1;
        while (!part.empty() && part.front() == ' ') {
            part.remove_prefix(1);
        }
        auto const eq = part.find('=');
        if (eq == std::string_view::npos || base::ascii_lower(part.substr(0, eq)) != attribute) {
            continue;
        }
        auto value = part.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return std::string{value};
    }
    return std::nullopt;
}

/// The name, file name and type a multipart part's headers give.
struct part_head
{
    std::optional<std::string> name;
    std::optional<std::string> filename;
    std::string content_type;
};

part_head read_part_head(std::string_view head)
{
    part_head out;
    std::size_t line_start = 0;
    while (line_start <= head.size()) {
        auto const line_end = head.find("\r\n", line_start);
        auto const line = head.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                                     : line_end - line_start);
        line_start = line_end == std::string_view::npos ? head.size() + 1 : line_end + 2;
        auto const colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        std::string const field = base::ascii_lower(line.substr(0, colon));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        if (field == "content-disposition") {
            out.name = header_attribute(value, "name");
            out.filename = header_attribute(value, "filename");
        } else if (field == "content-type") {
            out.content_type = value;
        }
    }
    return out;
}

/// Reads a multipart/form-data body: fields become parameters, parts with a filename files.
/// \return what is wrong with the body, or nullopt.
std::optional<std::string> read_multipart(std::string_view content_type, std::string_view body, parameters &into)
{
    auto const boundary = header_attribute(content_type, "boundary");
    if (!boundary || boundary->empty()) {
        return "multipart body without a boundary";
    }
    std::string const delimiter = "--" + *boundary;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) {
        return "multipart body without its boundary line";
    }
    while (true) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") {
            return std::nullopt; // the closing delimiter
        }
        if (body.substr(pos, 2) != "\r\n") {
            return "multipart boundary line not followed by CRLF";
        }
        pos += 2;
        auto const head_end = body.find("\r\n\r\n", pos);
        if (head_end == std::string_view::npos) {
            return "multipart part without the blank line after its headers";
        }
        auto const next = body.find("\r\n" + delimiter, head_end + 4);
        if (next == std::string_view::npos) {
            return "multipart part not closed by the boundary";
        }
        std::string_view const content = body.substr(head_end + 4, next - head_end - 4);
        auto head = read_part_head(body.substr(pos, head_end - pos));
        if (!head.name) {
            return "multipart part without a name";
        }
        if (head.filename) {
            into.files.push_back(
                uploaded_file{*head.name, *head.filename, std::move(head.content_type), std::string{content}});
        } else {
            into.add(*head.name, std::string{content});
        }
        pos = next + 2;
    }
}

/// Flattens a JSON value into Rails parameter names: `{"post":{"raw":"x"}}` → `post[raw]=x`,
/// `{"tags":["a","b"]}` → `tags[]=a`, `tags[]=b`. Booleans and numbers become their text.
void flatten_json(std::string const &name, json const &value, parameters &into)
{
    if (value.is_object()) {
        for (auto const &item : value.items()) {
            flatten_json(name.empty() ? item.key() : name + "[" + item.key() + "]", item.value(), into);
        }
    } else if (value.is_array()) {
        for (auto const &element : value) {
            flatten_json(name + "[]", element, into);
        }
    } else if (value.is_string()) {
        into.add(name, value.get<std::string>());
    } else if (value.is_null()) {
        into.add(name, "");
    } else {
        into.add(name, value.dump());
    }
}

/// Reads the body's parameters after the query's. \return what is wrong with the body, or nullopt.
std::optional<std::string> read_body(api_request const &received, parameters &into)
{
    std::string const type = base::ascii_lower(std::string_view{received.content_type}.substr(
        0, std::min(received.content_type.size(), received.content_type.find(';'))));
    if (type == "application/json") {
        if (received.body.empty()) {
            return std::nullopt;
        }
        json const document = json::parse(received.body, nullptr, false);
        if (document.is_discarded() || !document.is_object()) {
            return "the body is not a JSON object";
        }
        flatten_json("", document, into);
        return std::nullopt;
    }
    if (type == "multipart/form-data") {
        return read_multipart(received.content_type, received.body, into);
    }
    // Form-encoded, as the Ruby client sends, and what any other type is read as.
    into.add_form(received.body);
    return std::nullopt;
}

} // namespace

std::string url_decode(std::string_view text, bool plus_is_space)
{
    std::string out;
    out.reserve(text.size());
    std::size_t start = 0;
    for (std::size_t pos = text.find('%'); pos != std::string_view::npos; pos = text.find('%', pos + 1)) {
        if (!is_escape_at(text, pos)) {
            append_decoded(out, text.substr(start, pos - start), plus_is_space);
            out.push_back('%');
            start = pos + 1;
        }
    }
    append_decoded(out, text.substr(start), plus_is_space);
    return out;
}

std::vector<form_field> split_form(std::string_view text)
{
    std::vector<form_field> fields;
    while (!text.empty()) {
        auto const amp = text.find('&');
        auto const pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        auto const eq = pair.find('=');
        fields.push_back(form_field{url_decode(pair.substr(0, eq), true),
                                    eq == std::string_view::npos
                                        ? std::nullopt
                                        : std::optional<std::string>{url_decode(pair.substr(eq + 1), true)}});
    }
    return fields;
}

// -- parameters ---------------------------------------------------------------------------------

void parameters::add_form(std::string_view text)
{
    for (auto &field : split_form(text)) {
        add(std::move(field.name), std::move(field.value).value_or(std::string{}));
    }
}

std::optional<std::string> parameters::first(std::string_view name) const
{
    for (auto const &[key, value] : m_pairs) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

std::optional<std::string> parameters::last(std::string_view name) const
{
    std::optional<std::string> found;
    for (auto const &[key, value] : m_pairs) {
        if (key == name) {
            found = value;
        }
    }
    return found;
}

std::optional<std::string_view> parameters::first_missing(std::initializer_list<std::string_view> names) const
{
    auto const missing = std::ranges::find_if(names, [this](std::string_view name) {
        auto const value = last(name);
        return !value || value->empty();
    });
    return missing == names.end() ? std::nullopt : std::optional<std::string_view>{*missing};
}

std::vector<std::string> parameters::all(std::string_view name) const
{
    std::vector<std::string> values;
    for (auto const &[key, value] : m_pairs) {
        if (key == name) {
            values.push_back(value);
        }
    }
    return values;
}

std::vector<std::string> parameters::listed(std::string_view name) const
{
    std::string const with_brackets = std::string{name} + "[]";
    std::vector<std::string> values;
    for (auto const &[key, value] : m_pairs) {
        if (key == name || key == with_brackets) {
            values.push_back(value);
        }
    }
    return values;
}

std::vector<std::pair<std::string, std::string>> parameters::nested(std::string_view prefix) const
{
    std::vector<std::pair<std::string, std::string>> found;
    for (auto const &[key, value] : m_pairs) {
        if (key.size() > prefix.size() + 2 && key.starts_with(prefix) && key[prefix.size()] == '[' &&
            key.back() == ']') {
            found.emplace_back(key.substr(prefix.size() + 1, key.size() - prefix.size() - 2), value);
        }
    }
    return found;
}

bool parameters::flag(std::string_view name) const
{
    auto const value = first(name);
    return value && (*value == "true" || *value == "1" || *value == "t");
}

bool parameters::truthy(std::string_view name) const
{
    auto const value = last(name);
    if (!value || value->empty()) {
        return false;
    }
    std::string const lower = base::ascii_lower(*value);
    return lower != "0" && lower != "f" && lower != "false" && lower != "off";
}

// -- request ------------------------------------------------------------------------------------

request::request(api_request const &received) : raw(received), method(received.method)
{
    std::string_view path = received.path;
    while (!path.empty()) {
        auto const slash = path.find('/');
        auto const part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (!part.empty()) {
            parts.push_back(url_decode(part, false));
        }
    }
    api_parts = parts;
    if (!parts.empty()) {
        auto &last = parts.back();
        auto const dot = last.rfind('.');
        if (dot != std::string::npos && dot > 0) {
            auto const suffix = std::string_view{last}.substr(dot + 1);
            if (std::ranges::find(FORMATS, suffix) != FORMATS.end()) {
                format = std::string{suffix};
                last.resize(dot);
            }
        }
        if (format == "json") {
            api_parts.back() = last;
        }
    }
    query.add_form(received.query);
    if (!is_read()) {
        params = query;
        body_problem = read_body(received, params);
    }
}

bool request::is(std::initializer_list<std::string_view> pattern) const
{
    return matches(parts, pattern);
}

bool request::api_is(std::initializer_list<std::string_view> pattern) const
{
    return matches(api_parts, pattern);
}

} // namespace forumgate::rehearsal
