#include "report/url_tally.hpp"

#include "base/url_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace forumgate::report {

std::string normal_host(std::string_view host)
{
    std::string out = base::ascii_lower(host);
    if (out.starts_with('[')) {
        if (auto const close = out.find(']'); close != std::string::npos) {
            out.resize(close + 1);
        }
        return out;
    }
    if (auto const colon = out.rfind(':');
        colon != std::string::npos && base::is_digits(std::string_view{out}.substr(colon + 1))) {
        out.resize(colon);
    }
    while (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

namespace {

/// Copies `text`, escaping bytes below `lowest_kept`, DEL and bytes that are not valid UTF-8:
/// as `%HH` in URLs, as `\xhh` in text.
std::string printable(std::string_view text, unsigned char lowest_kept, bool url)
{
    std::string out;
    out.reserve(text.size());
    auto const escape = [&](unsigned char byte) {
        out += url ? fmt::format("%{:02X}", byte) : fmt::format("\\x{:02x}", byte);
    };
    for (std::size_t i = 0; i < text.size();) {
        auto const byte = static_cast<unsigned char>(text[i]);
        if (byte < lowest_kept || byte == 0x7FU) {
            escape(byte);
            ++i;
            continue;
        }
        if (byte < 0x80U) {
            out.push_back(static_cast<char>(byte));
            ++i;
            continue;
        }
        // The length of a UTF-8 sequence starting here, if it is a valid one.
        std::size_t length = 0;
        if (byte >= 0xC2U && byte <= 0xDFU) {
            length = 2;
        } else if (byte >= 0xE0U && byte <= 0xEFU) {
            length = 3;
        } else if (byte >= 0xF0U && byte <= 0xF4U) {
            length = 4;
        }
        if (length > 0 && i + length <= text.size() && base::is_valid_utf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            escape(byte);
            ++i;
        }
    }
    return out;
}

} // namespace

std::string printable_url(std::string_view text)
{
    return printable(text, 0x21U, true);
}

std::string printable_text(std::string_view text)
{
    return printable(text, 0x20U, false);
}

url_tally::url_tally(std::string_view main_host) : m_main_host{normal_host(main_host)} {}

std::uint32_t url_tally::add(std::string_view host, std::string_view target, std::uint64_t hits, source_bit source,
                             std::int32_t day)
{
    std::uint32_t index = 0;
    // Most URLs are on the main host: looked up by the target alone, with no copy made.
    bool const main = host.empty() || host == m_main_host || normal_host(host) == m_main_host;
    if (main) {
        index = find_or_add_target(target);
    } else {
        std::string normal = normal_host(host);
        std::string key = normal + ' ' + std::string{target};
        auto const found = m_by_host_and_target.find(key);
        if (found != m_by_host_and_target.end()) {
            index = found->second;
        } else {
            index = static_cast<std::uint32_t>(m_urls.size());
            auto &url = m_urls.emplace_back();
            url.host = std::move(normal);
            url.target = target;
            m_by_host_and_target.emplace(std::move(key), index);
        }
    }
    auto &url = m_urls[index];
    url.hits += hits;
    url.sources |= source;
    if (day != NO_DAY && hits > 0) {
        // Logs run in time order, so the day sought is nearly always the list's head.
        std::uint32_t node = url.first_day;
        while (node != UINT32_MAX && m_days[node].day != day) {
            node = m_days[node].next;
        }
        if (node == UINT32_MAX) {
            m_days.push_back(day_count{day, 0, url.first_day});
            node = static_cast<std::uint32_t>(m_days.size() - 1);
            url.first_day = node;
        }
        m_days[node].hits += hits;
    }
    return index;
}

void url_tally::add_crawler_hits(std::uint32_t index, std::uint8_t crawler, std::uint64_t hits)
{
    auto &url = m_urls[index];
    std::uint32_t node = url.first_crawler;
    while (node != UINT32_MAX && m_crawlers[node].crawler != crawler) {
        node = m_crawlers[node].next;
    }
    if (node == UINT32_MAX) {
        m_crawlers.push_back(crawler_count{crawler, 0, url.first_crawler});
        node = static_cast<std::uint32_t>(m_crawlers.size() - 1);
        url.first_crawler = node;
    }
    m_crawlers[node].hits += hits;
}

std::uint32_t url_tally::find_or_add_target(std::string_view target)
{
    if (m_used * 2 >= m_slots.size()) {
        grow(); // at most half full: probes stay short
    }
    std::uint64_t const hash = std::hash<std::string_view>{}(target);
    std::size_t const mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        slot &s = m_slots[i];
        if (s.index == UINT32_MAX) {
            s = slot{hash, static_cast<std::uint32_t>(m_urls.size())};
            ++m_used;
            m_urls.emplace_back().target = target;
            return s.index;
        }
        if (s.hash == hash && m_urls[s.index].host.empty() && m_urls[s.index].target == target) {
            return s.index;
        }
    }
}

void url_tally::grow()
{
    std::vector<slot> old = std::move(m_slots);
    m_slots.assign(std::max<std::size_t>(1024, old.size() * 2), slot{});
    std::size_t const mask = m_slots.size() - 1;
    for (auto const &s : old) {
        if (s.index == UINT32_MAX) {
            continue;
        }
        std::size_t i = s.hash & mask;
        while (m_slots[i].index != UINT32_MAX) {
            i = (i + 1) & mask;
        }
        m_slots[i] = s;
    }
}

std::string url_tally::display(std::size_t i) const
{
    auto const &url = m_urls[i];
    return url.host.empty() ? printable_url(url.target) : printable_url(url.host) + printable_url(url.target);
}

} // namespace forumgate::report
