#pragma once
// Who sent a request: scanners' probes, which are no missed links and are set apart from the
// figures, and search engines' crawlers, whose misses are lost search results
// (docs/coverage.md lists every shape and agent).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace forumgate::report {

/// Why a request is a probe (a scanner or bot trying the server) rather than someone following a
/// link. Tested in this order: exploit, proxy, scanner path, scanner agent.
enum class probe_kind : std::uint8_t
{
    none,          ///< not a probe
    exploit,       ///< an injection in the target or the user agent (`${jndi:…}`), or a path climbing out (`/../`)
    proxy,         ///< CONNECT, or an absolute-form request for a host that is none of the old forum's
    scanner_path,  ///< a path scanners try and no forum links to (`/wp-login.php`, `/.env`, `/phpMyAdmin/`…)
    scanner_agent, ///< the user agent of a known scanner (zgrab, masscan, Nuclei, sqlmap, Nikto…)
};
inline constexpr std::size_t PROBE_KIND_COUNT = 5;

/// \return the name used in the JSON report ("scanner_path").
[[nodiscard]] std::string_view to_string(probe_kind value) noexcept;
/// \return the words used in the HTML and terminal reports, for one ("scanner path").
[[nodiscard]] std::string_view label(probe_kind value) noexcept;

/// A search engine's crawler, told by its user agent (as it announces itself; not verified).
enum class crawler : std::uint8_t
{
    none,
    googlebot,
    bingbot,
    applebot,
    duckduckbot,
    yandexbot,
    baiduspider,
    yahoo_slurp,
    seznambot,
    qwantbot,
    petalbot,
    mojeekbot,
};
inline constexpr std::size_t CRAWLER_COUNT = 12;

/// \return the crawler's name as it calls itself ("Googlebot"); "" for none.
[[nodiscard]] std::string_view name(crawler value) noexcept;

/// \return the search engine crawler `user_agent` announces, or none.
[[nodiscard]] crawler crawler_of(std::string_view user_agent);

/// \return the probe `target` is by its shape alone (exploit or scanner path), or none. For
/// targets with no method or agent, such as the redirector's miss log.
[[nodiscard]] probe_kind probe_of_target(std::string_view target);

/// What one request is.
struct traffic_class
{
    probe_kind probe = probe_kind::none;
    crawler bot = crawler::none;
};

/// Represents the rules that tell probes and crawlers apart from people following links. Not
/// thread-safe (it remembers the user agents it has judged): one per reader.
class traffic_classifier
{
public:
    /// `old_hosts`: the old forum's host names (an absolute-form request for another is a probe).
    explicit traffic_classifier(std::span<std::string const> old_hosts);

    /// Classifies one request as a log line records it: its method, its target as sent (a path,
    /// or an absolute URL through a proxy), and its user agent ("" when the log has none).
    [[nodiscard]] traffic_class classify(std::string_view method, std::string_view target,
                                         std::string_view user_agent) const;

private:
    /// What a user agent is.
    struct agent_verdict
    {
        bool scanner = false;
        crawler bot = crawler::none;
    };
    struct agent_hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view agent) const noexcept { return std::hash<std::string_view>{}(agent); }
    };

    [[nodiscard]] agent_verdict judge(std::string_view user_agent) const;

    std::vector<std::string> m_old_hosts; ///< lower-case
    // A log holds few distinct agents, each on many lines: looking the verdict up costs a hash of
    // the agent, where judging it again costs a pass over it for every needle (as long as
    // parsing the whole line). Bounded: a log of random agents only refills it.
    mutable std::unordered_map<std::string, agent_verdict, agent_hash, std::equal_to<>> m_agents;
};

} // namespace forumgate::report
