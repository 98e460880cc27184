#include "report/traffic.hpp"

#include "base/enum_names.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace forumgate::report {
namespace {

constexpr std::array<std::string_view, PROBE_KIND_COUNT> PROBE_NAMES = {"none", "exploit", "proxy", "scanner_path",
                                                                        "scanner_agent"};
constexpr std::array<std::string_view, PROBE_KIND_COUNT> PROBE_LABELS = {"", "exploit", "proxy attempt", "scanner path",
                                                                         "scanner agent"};
constexpr std::array<std::string_view, CRAWLER_COUNT> CRAWLER_NAMES = {
    "",          "Googlebot", "Bingbot",  "Applebot", "DuckDuckBot", "YandexBot", "Baiduspider", "Yahoo! Slurp",
    "SeznamBot", "Qwantbot",  "PetalBot", "MojeekBot"};

/// A needle to look for in a lower-cased user agent, and what finding it means.
struct agent_needle
{
    std::string_view text;
    crawler bot; ///< none: a scanner
};

// Scanners first: a scanner that names a crawler in its agent is still a scanner. Each needle is
// something a browser's or a crawler's agent never holds.
constexpr std::array<agent_needle, 34> AGENT_NEEDLES = {{
    {"zgrab", crawler::none},
    {"masscan", crawler::none},
    {"nuclei", crawler::none},
    {"sqlmap", crawler::none},
    {"nikto", crawler::none},
    {"nmap scripting engine", crawler::none},
    {"nmap nse", crawler::none},
    {"wpscan", crawler::none},
    {"dirbuster", crawler::none},
    {"gobuster", crawler::none},
    {"feroxbuster", crawler::none},
    {"wfuzz", crawler::none},
    {"acunetix", crawler::none},
    {"nessus", crawler::none},
    {"openvas", crawler::none},
    {"netsparker", crawler::none},
    {"whatweb", crawler::none},
    {"censysinspect", crawler::none},
    {"l9explore", crawler::none},
    {"l9tcpid", crawler::none},
    {"expanse, a palo alto networks company", crawler::none},
    {"internet-measurement", crawler::none},
    {"googlebot", crawler::googlebot},
    {"bingbot", crawler::bingbot},
    {"applebot", crawler::applebot},
    {"duckduckbot", crawler::duckduckbot},
    {"yandexbot", crawler::yandexbot},
    {"baiduspider", crawler::baiduspider},
    {"yahoo! slurp", crawler::yahoo_slurp},
    {"seznambot", crawler::seznambot},
    {"qwantbot", crawler::qwantbot},
    {"qwantify", crawler::qwantbot},
    {"petalbot", crawler::petalbot},
    {"mojeekbot", crawler::mojeekbot},
}};

/// What an agent that holds a needle is.
struct agent_needs
{
    bool scanner = false;
    crawler bot = crawler::none;
};

/// Agents remembered at most by one classifier; then it starts again. Real logs hold a few
/// thousand distinct agents at most; about 200 bytes each.
constexpr std::size_t MAX_REMEMBERED_AGENTS = 8192;

/// One pass over an agent for every needle at once (RE2's DFA): nearly every agent is a
/// browser's, and looking for each needle in turn would cost more than parsing the line.
RE2 const &agent_prefilter()
{
    static RE2 const re{[] {
        std::string pattern = "(?i)\\$\\{";
        for (auto const &needle : AGENT_NEEDLES) {
            pattern += "|" + RE2::QuoteMeta(needle.text);
        }
        return pattern;
    }()};
    return re;
}

/// Paths scanners try that no forum links to: file names, wherever they stand in the path
/// (they hold a dot, which no Discourse slug, tag or category path does)…
constexpr std::array<std::string_view, 6> SCANNER_FILES = {"wp-login.php", "xmlrpc.php",     "wlwmanifest.xml",
                                                           "phpinfo.php",  "eval-stdin.php", "sftp-config.json"};
/// …and first segments, which no Discourse route starts with.
constexpr std::array<std::string_view, 15> SCANNER_ROOTS = {
    "cgi-bin", "wp-admin", "wp-includes", "wp-json",  "wordpress", "pma",          "myadmin", "mysqladmin",
    "boaform", "hnap1",    "gponform",    "actuator", "_ignition", "autodiscover", "owa"};

bool icontains(std::string_view haystack, std::string_view lower_needle) noexcept;

/// \return what `user_agent` is by the needles it holds (neither, for nearly every agent).
agent_needs judge_agent(std::string_view user_agent)
{
    if (user_agent.empty() ||
        !RE2::PartialMatch(re2::StringPiece{user_agent.data(), user_agent.size()}, agent_prefilter())) {
        return {};
    }
    if (user_agent.find("${") != std::string_view::npos) {
        return {true, crawler::none};
    }
    for (auto const &needle : AGENT_NEEDLES) {
        if (icontains(user_agent, needle.text)) {
            return {needle.bot == crawler::none, needle.bot};
        }
    }
    return {};
}

bool icontains(std::string_view haystack, std::string_view lower_needle) noexcept
{
    if (lower_needle.size() > haystack.size()) {
        return false;
    }
    for (std::size_t i = 0; i + lower_needle.size() <= haystack.size(); ++i) {
        if (base::iequals(haystack.substr(i, lower_needle.size()), lower_needle)) {
            return true;
        }
    }
    return false;
}

bool starts_with_icase(std::string_view text, std::string_view lower_prefix) noexcept
{
    return text.size() >= lower_prefix.size() && base::iequals(text.substr(0, lower_prefix.size()), lower_prefix);
}

/// An injection in a target (`${jndi:…}` and the like, raw or percent-encoded) or a path
/// that climbs out of the site (`../`, `/etc/passwd`); `decoded` is the target percent-decoded.
bool is_exploit(std::string_view target, std::string_view decoded) noexcept
{
    bool const encoded = target.size() != decoded.size();
    return decoded.find("${") != std::string_view::npos || (encoded && icontains(target, "%24%7b")) ||
           decoded.find("/../") != std::string_view::npos || decoded.starts_with("../") ||
           decoded.find("=../") != std::string_view::npos || decoded.ends_with("/..") ||
           decoded.find("..\\") != std::string_view::npos || decoded.find("/etc/passwd") != std::string_view::npos;
}

/// A path scanners try (see SCANNER_FILES, SCANNER_ROOTS; a segment starting with a dot but
/// /.well-known/; /wp-content/ but its uploads, which a forum that was once a WordPress site may link).
bool is_scanner_path(std::string_view path) noexcept
{
    std::size_t index = 0;
    std::string_view first;
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string_view const segment = path.substr(start, end - start);
        start = end + 1;
        if (segment.empty()) {
            continue; // `//phpMyAdmin/` is `/phpMyAdmin/`
        }
        if (segment.starts_with('.') && !base::iequals(segment, ".well-known")) {
            return true;
        }
        // Every scanner's file name holds a dot; nearly no segment of a forum URL does.
        if (segment.find('.') != std::string_view::npos) {
            for (auto const name : SCANNER_FILES) {
                if (base::iequals(segment, name)) {
                    return true;
                }
            }
            if (starts_with_icase(segment, "wp-config.")) {
                return true;
            }
        }
        if (index == 0) {
            first = segment;
            if (starts_with_icase(segment, "phpmyadmin")) {
                return true;
            }
            for (auto const root : SCANNER_ROOTS) {
                if (base::iequals(segment, root)) {
                    return true;
                }
            }
        } else if (index == 1 && base::iequals(first, "wp-content") && !base::iequals(segment, "uploads")) {
            return true;
        }
        ++index;
    }
    return false;
}

/// The host of an absolute http(s) URL, lower-case, without user info or port; empty if none.
std::string host_of_absolute(std::string_view target)
{
    std::size_t start = 0;
    if (starts_with_icase(target, "http://")) {
        start = 7;
    } else if (starts_with_icase(target, "https://")) {
        start = 8;
    } else {
        return {};
    }
    std::string_view authority = target.substr(start, target.find_first_of("/?#", start) - start);
    if (auto const at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    if (!authority.starts_with('[')) {
        authority = authority.substr(0, authority.find(':'));
    }
    while (authority.ends_with('.')) {
        authority.remove_suffix(1);
    }
    return base::ascii_lower(authority);
}

} // namespace

std::string_view to_string(probe_kind value) noexcept
{
    return base::enum_name(PROBE_NAMES, value, "none");
}

std::string_view label(probe_kind value) noexcept
{
    return base::enum_name(PROBE_LABELS, value, "");
}

std::string_view name(crawler value) noexcept
{
    return base::enum_name(CRAWLER_NAMES, value, "");
}

crawler crawler_of(std::string_view user_agent)
{
    return judge_agent(user_agent).bot;
}

traffic_classifier::agent_verdict traffic_classifier::judge(std::string_view user_agent) const
{
    if (user_agent.empty()) {
        return {};
    }
    if (auto const found = m_agents.find(user_agent); found != m_agents.end()) {
        return found->second;
    }
    auto const needs = judge_agent(user_agent);
    agent_verdict const verdict{needs.scanner, needs.bot};
    if (m_agents.size() >= MAX_REMEMBERED_AGENTS) {
        m_agents.clear();
    }
    m_agents.emplace(std::string{user_agent}, verdict);
    return verdict;
}

probe_kind probe_of_target(std::string_view target)
{
    std::string_view const path = target.substr(0, target.find_first_of("?#"));
    // Checked as the server would read it: `/%2e%2e/` is `/../`, `/%2Eenv` is `/.env`.
    thread_local std::string decoded;
    std::string_view decoded_target = target;
    std::string_view decoded_path = path;
    if (target.find('%') != std::string_view::npos) {
        decoded.clear();
        if (base::append_percent_decoded(decoded, target)) {
            decoded_target = decoded;
            decoded_path = std::string_view{decoded}.substr(0, decoded.find_first_of("?#"));
        }
    }
    // Every exploit shape holds a `$`, a `.` or `/etc/`: one pass tells the rest apart.
    bool const suspect = decoded_target.find_first_of("$.") != std::string_view::npos ||
                         decoded_target.find("/etc/") != std::string_view::npos;
    if (suspect && is_exploit(target, decoded_target)) {
        return probe_kind::exploit;
    }
    if (is_scanner_path(decoded_path)) {
        return probe_kind::scanner_path;
    }
    return probe_kind::none;
}

traffic_classifier::traffic_classifier(std::span<std::string const> old_hosts)
{
    for (auto const &host : old_hosts) {
        m_old_hosts.push_back(base::ascii_lower(host));
    }
}

traffic_class traffic_classifier::classify(std::string_view method, std::string_view target,
                                           std::string_view user_agent) const
{
    traffic_class out;
    agent_verdict const agent = judge(user_agent);
    if (agent.scanner && user_agent.find("${") != std::string_view::npos) {
        out.probe = probe_kind::exploit;
        return out;
    }
    std::string_view path_and_query = target;
    if (method == "CONNECT") {
        out.probe = probe_kind::proxy;
        return out;
    }
    if (!target.starts_with('/')) {
        auto const host = host_of_absolute(target);
        if (!host.empty() && std::find(m_old_hosts.begin(), m_old_hosts.end(), host) == m_old_hosts.end()) {
            out.probe = probe_kind::proxy;
            return out;
        }
        auto const scheme = target.find("://");
        auto const path = scheme == std::string_view::npos ? std::string_view::npos : target.find('/', scheme + 3);
        path_and_query = path == std::string_view::npos ? std::string_view{"/"} : target.substr(path);
    }
    out.probe = probe_of_target(path_and_query);
    if (out.probe == probe_kind::none) {
        out.probe = agent.scanner ? probe_kind::scanner_agent : probe_kind::none;
        out.bot = agent.bot;
    }
    return out;
}

} // namespace forumgate::report
