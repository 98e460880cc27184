#pragma once
// The resolver's Location builder: how a redirect's URL is put together from trusted and
// untrusted pieces. Used by mappings/resolver.cpp only.

#include "base/url_codec.hpp"
#include "mappings/url_shape.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace forumgate::mappings {

// Query parameters that only tell where a click came from: never carried over.
inline bool is_tracking_param(std::string_view key) noexcept
{
    static constexpr std::string_view TRACKING[] = {
        "_ga",    "_gl",     "_hsenc",  "_hsmi", "dclid",   "fbclid", "gbraid", "gclid",  "igshid", "mc_cid",
        "mc_eid", "mkt_tok", "msclkid", "ref",   "ref_src", "twclid", "u",      "wbraid", "yclid",
    };
    return key.starts_with("utm_") || std::find(std::begin(TRACKING), std::end(TRACKING), key) != std::end(TRACKING);
}

// Query parameters a topic view understands (Discourse carries these over when it corrects a
// topic URL; `page` is turned into a post number instead).
inline bool is_topic_param(std::string_view key) noexcept
{
    return key == "print" || key == "filter" || key == "username_filters" || key == "filter_top_level_replies";
}

/// Which query parameters of the old URL a Location keeps.
enum class query_policy : std::uint8_t
{
    none,      ///< drop every parameter
    topic,     ///< keep only the topic view's own parameters
    page_only, ///< keep only `page` (raw topic pages)
    all_but_tracking,
};

// Builds a Location: the new base, then path segments (each percent-encoded, so nothing taken
// from the request can change the URL's structure), then the kept query parameters.
class location_builder
{
public:
    explicit location_builder(std::string &out) : m_out{out} {}

    location_builder &literal(std::string_view trusted)
    {
        m_out.append(trusted);
        return *this;
    }

    location_builder &segment(std::string_view untrusted)
    {
        if (untrusted.empty()) {
            return *this; // never an empty segment: `//` could read as a host
        }
        m_out.push_back('/');
        base::append_encoded_segment(m_out, untrusted);
        return *this;
    }

    /// A segment known to need no escaping (base::is_plain_segment), appended as it is.
    location_builder &plain_segment(std::string_view checked)
    {
        if (!checked.empty()) {
            m_out.push_back('/');
            m_out.append(checked);
        }
        return *this;
    }

    location_builder &number(std::uint64_t value)
    {
        std::array<char, 24> buffer{};
        auto const result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
        m_out.push_back('/');
        m_out.append(buffer.data(), result.ptr);
        return *this;
    }

    location_builder &segments(parsed_url const &url, std::size_t begin, std::size_t end)
    {
        for (std::size_t i = begin; i < end; ++i) {
            segment(url[i]);
        }
        return *this;
    }

    location_builder &format(url_format fmt)
    {
        if (fmt == url_format::json) {
            m_out.append(".json");
        } else if (fmt == url_format::rss) {
            m_out.append(".rss");
        }
        return *this;
    }

    location_builder &query(parsed_url const &url, query_policy policy)
    {
        if (policy == query_policy::none) {
            return *this;
        }
        char separator = '?';
        for (auto const &[key, value] : url.params()) {
            bool const keep = policy == query_policy::topic       ? is_topic_param(key)
                              : policy == query_policy::page_only ? key == "page"
                                                                  : !is_tracking_param(key);
            if (!keep) {
                continue;
            }
            m_out.push_back(separator);
            separator = '&';
            base::append_encoded_query_component(m_out, key);
            m_out.push_back('=');
            base::append_encoded_query_component(m_out, value);
        }
        return *this;
    }

private:
    std::string &m_out;
};

} // namespace forumgate::mappings
