#include "report/rule_proposals.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "mappings/resolver.hpp"

#include <fmt/format.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

namespace forumgate::report {
namespace {

/// A shape needs at least this many distinct URLs before a rule is sought for it: one URL is
/// better fixed in the map than by a pattern.
constexpr std::size_t MIN_GROUP = 2;

/// Groups whose URLs vary in more places than this are no shape a rule can name.
constexpr std::size_t MAX_CAPTURES = 3;

/// Candidate rules are tried on at most this many URLs of a group (the most asked-for first)
/// before the best is evaluated on all of them: enough to tell the candidates apart.
constexpr std::size_t SAMPLE = 2000;

/// Proposals listed at most, the most hits won first.
constexpr std::size_t MAX_PROPOSALS = 50;

enum class capture_kind : std::uint8_t
{
    number,
    slug,
};

/// One piece of a generalised target: literal text, or a place where the group's URLs vary.
struct token
{
    bool capture = false;
    capture_kind kind = capture_kind::number;
    std::string text; ///< the literal, or this URL's value at the place
};

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

bool is_slug_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' || c == '%';
}

/// A path segment that reads like a slug: slug characters with at least one '-' and a letter.
bool is_slug(std::string_view segment) noexcept
{
    bool dash = false;
    bool letter = false;
    for (char const c : segment) {
        if (!is_slug_char(c)) {
            return false;
        }
        dash = dash || c == '-';
        letter = letter || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return dash && letter;
}

void add_literal(std::vector<token> &tokens, std::string_view text)
{
    if (text.empty()) {
        return;
    }
    if (!tokens.empty() && !tokens.back().capture) {
        tokens.back().text.append(text);
    } else {
        tokens.push_back(token{false, capture_kind::number, std::string{text}});
    }
}

/// Splits `text` into literals and digit runs.
void add_with_numbers(std::vector<token> &tokens, std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = i;
        if (is_digit(text[i])) {
            while (j < text.size() && is_digit(text[j])) {
                ++j;
            }
            tokens.push_back(token{true, capture_kind::number, std::string{text.substr(i, j - i)}});
        } else {
            while (j < text.size() && !is_digit(text[j])) {
                ++j;
            }
            add_literal(tokens, text.substr(i, j - i));
        }
        i = j;
    }
}

/// The target in pieces: digit runs vary; with `slugs`, slug-like path segments vary too.
std::vector<token> generalise(std::string_view target, bool slugs)
{
    std::vector<token> tokens;
    auto const query = target.find('?');
    std::string_view const path = target.substr(0, query);
    if (!slugs) {
        add_with_numbers(tokens, target);
        return tokens;
    }
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start + 1);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string_view segment = path.substr(start, end - start); // with its leading '/'
        add_literal(tokens, segment.substr(0, 1));
        segment.remove_prefix(1);
        // A slug may carry an extension (.html, .php): kept literal.
        auto const dot = segment.rfind('.');
        std::string_view const extension =
            dot != std::string_view::npos && segment.size() - dot <= 6 ? segment.substr(dot) : "";
        std::string_view const stem = segment.substr(0, segment.size() - extension.size());
        if (is_slug(stem)) {
            tokens.push_back(token{true, capture_kind::slug, std::string{stem}});
            add_literal(tokens, extension);
        } else {
            add_with_numbers(tokens, segment);
        }
        start = end;
    }
    if (query != std::string_view::npos) {
        add_with_numbers(tokens, target.substr(query));
    }
    return tokens;
}

/// `text` escaped for RE2: only what is special is escaped, so the pattern stays readable.
void append_quoted(std::string &out, std::string_view text)
{
    for (char const c : text) {
        if (std::string_view{"\\^$.|?*+()[]{}"}.find(c) != std::string_view::npos) {
            out.push_back('\\');
        }
        out.push_back(c);
    }
}

/// The group key and, later, the pattern: literals quoted, captures as groups.
std::string pattern_of(std::vector<token> const &tokens)
{
    std::string out = "^";
    for (auto const &t : tokens) {
        if (!t.capture) {
            append_quoted(out, t.text);
        } else {
            out += t.kind == capture_kind::number ? "(\\d+)" : "([^/?#]+)";
        }
    }
    out += "$";
    return out;
}

/// A group of misses sharing a generalised shape.
struct group
{
    std::vector<std::size_t> members;       ///< indexes into the misses
    std::vector<std::vector<token>> tokens; ///< each member's pieces
};

/// The replacements worth trying for captures of these kinds.
std::vector<std::string> candidates(std::vector<capture_kind> const &kinds)
{
    // The more precise first: a topic with a post number wins a tie with the topic alone.
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        for (std::size_t j = 0; j < kinds.size(); ++j) {
            if (j != i && kinds[j] == capture_kind::number) {
                out.push_back(fmt::format("/t/\\{}/\\{}", i + 1, j + 1)); // topic (id or slug) and post number
            }
        }
    }
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        std::string const ref = fmt::format("\\{}", i + 1);
        if (kinds[i] == capture_kind::number) {
            for (auto const *prefix : {"/t/", "/p/", "/c/"}) {
                out.push_back(prefix + ref);
            }
        } else {
            for (auto const *prefix : {"/t/", "/c/", "/u/", "/tag/"}) {
                out.push_back(prefix + ref);
            }
        }
    }
    return out;
}

} // namespace

std::string rules_csv(std::span<rule_proposal const> proposals)
{
    auto const field = [](std::string const &text) {
        if (text.find_first_of(",\"\r\n") == std::string::npos) {
            return text;
        }
        std::string quoted = "\"";
        for (char const c : text) {
            quoted += c == '"' ? std::string{"\"\""} : std::string{c};
        }
        return quoted + "\"";
    };
    std::string out = "pattern,replacement,kind\n";
    for (auto const &rule : proposals) {
        out += fmt::format("{},{},{}\n", field(rule.pattern), field(rule.replacement), rule.kind);
    }
    return out;
}

namespace {

// Group by shape: first with the numbers generalised, then, for URLs left alone, with
// slug-like segments too.
std::vector<group> group_misses(std::span<unmatched_url const> misses)
{
    std::vector<bool> grouped(misses.size(), false);
    std::vector<group> groups;
    for (bool const slugs : {false, true}) {
        std::map<std::string, group> by_key;
        for (std::size_t i = 0; i < misses.size(); ++i) {
            if (grouped[i] || base::has_control_bytes(misses[i].target) || !misses[i].target.starts_with('/')) {
                continue;
            }
            auto tokens = generalise(misses[i].target, slugs);
            auto &g = by_key[pattern_of(tokens)];
            g.members.push_back(i);
            g.tokens.push_back(std::move(tokens));
        }
        for (auto &[key, g] : by_key) {
            if (g.members.size() >= MIN_GROUP) {
                for (auto const member : g.members) {
                    grouped[member] = true;
                }
                groups.push_back(std::move(g));
            }
        }
    }
    return groups;
}

/// A group's pattern and the kinds of its captures.
struct group_pattern
{
    std::string pattern;
    std::vector<capture_kind> kinds;
};

/// \return the group's pattern, or nullopt if it has no variable place or too many.
std::optional<group_pattern> pattern_of_group(group const &g)
{
    // A place where every URL of the group holds the same value is no variable: literal.
    std::vector<token> shape = g.tokens.front();
    std::size_t captures = 0;
    for (std::size_t t = 0; t < shape.size(); ++t) {
        if (!shape[t].capture) {
            continue;
        }
        bool const constant = std::all_of(g.tokens.begin(), g.tokens.end(),
                                          [&](auto const &tokens) { return tokens[t].text == shape[t].text; });
        if (constant) {
            shape[t].capture = false;
        } else {
            ++captures;
        }
    }
    if (captures == 0 || captures > MAX_CAPTURES) {
        return std::nullopt;
    }
    std::vector<token> merged;
    group_pattern out;
    for (auto const &t : shape) {
        if (t.capture) {
            merged.push_back(t);
            out.kinds.push_back(t.kind);
        } else {
            add_literal(merged, t.text);
        }
    }
    out.pattern = pattern_of(merged);
    return out;
}

/// The range of the old ids the map has, of one kind (topics, posts or categories).
struct id_range
{
    std::uint64_t first = UINT64_MAX;
    std::uint64_t last = 0;

    void add(std::uint64_t id) noexcept
    {
        first = std::min(first, id);
        last = std::max(last, id);
    }
    [[nodiscard]] bool holds(std::uint64_t id) const noexcept { return id >= first && id <= last; }
};

/// What the map knows of the old forum's ids: an id it lacks inside a range may be a topic or
/// post deleted before the move, or a private message; one outside it was never the old forum's.
struct old_ids
{
    id_range topics;
    id_range posts;
    id_range categories;

    explicit old_ids(mappings::snapshot const &map)
    {
        for (auto const &t : map.topics()) {
            if (t.old_id != 0) {
                topics.add(t.old_id);
            }
        }
        map.for_each_post_id([this](std::uint32_t id, mappings::snapshot::post const &) { posts.add(id); });
        for (auto const &c : map.categories()) {
            categories.add(c.old_id);
        }
    }
};

/// What a replacement takes its first capture for: an old topic, post or category id, or an old
/// topic slug, category path, username or tag.
struct reading
{
    enum class place : std::uint8_t
    {
        topic,
        post,
        category,
        user,
        tag,
    };
    place where = place::topic;
    bool number = true;       ///< an id; else a name
    bool post_number = false; ///< a second capture: a post number in the topic
    std::size_t prefix = 3;   ///< the length of the replacement's literal start ("/t/")

    reading(std::string_view replacement, std::vector<capture_kind> const &kinds)
    {
        static constexpr std::array<std::pair<std::string_view, place>, 5> PREFIXES = {{{"/t/", place::topic},
                                                                                        {"/p/", place::post},
                                                                                        {"/c/", place::category},
                                                                                        {"/u/", place::user},
                                                                                        {"/tag/", place::tag}}};
        for (auto const &[text, which] : PREFIXES) {
            if (replacement.starts_with(text)) {
                where = which;
                prefix = text.size();
            }
        }
        // "\N" right after the prefix names the capture.
        auto const index = static_cast<std::size_t>(replacement[prefix + 1] - '1');
        number = index < kinds.size() && kinds[index] == capture_kind::number;
        post_number = replacement.find('\\', prefix + 2) != std::string_view::npos;
    }

    /// \return the words for the assumption, ending in how the map answers it.
    [[nodiscard]] std::string words(bool same_ids) const
    {
        static constexpr std::array<std::string_view, 5> IDS = {"topic", "post", "category", "user", "tag"};
        static constexpr std::array<std::string_view, 5> NAMES = {"topic slug", "post", "category path", "username",
                                                                  "tag"};
        auto const what = static_cast<std::size_t>(where);
        if (!number) {
            static constexpr std::array<std::string_view, 5> PLACES = {"topic", "post", "category", "user", "tag"};
            return fmt::format("the text is the old forum's {}; the map gives the new {}", NAMES[what], PLACES[what]);
        }
        std::string out =
            fmt::format("the {}number is the old forum's {} id (kept from its earlier software){}",
                        post_number ? "first " : "", IDS[what], post_number ? ", the second a post number in it" : "");
        return out + (same_ids ? ", and the new forum's too: the map keeps every one of them"
                               : "; the map gives the new one");
    }
};

/// What trying a replacement on a group's URLs found.
struct trial_score
{
    std::uint64_t won_hits = 0; ///< sent to a mapped place
    std::uint64_t won_urls = 0;
    std::uint64_t known_urls = 0;    ///< won, or known to the map and deliberately not migrated
    std::uint64_t contradicted = 0;  ///< URLs for which the map shows the assumption false
    bool same_ids = true;            ///< every id won is the same on both forums
    std::string first_contradiction; ///< for the log

    /// The better score wins the most hits, then URLs; one the map contradicts never wins.
    [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> merit() const noexcept
    {
        return contradicted > 0 ? std::pair<std::uint64_t, std::uint64_t>{0, 0} : std::pair{won_hits, won_urls};
    }
};

/// Represents the trial of replacements for one group of misses against the map.
class group_trial
{
public:
    group_trial(std::span<unmatched_url const> misses, group const &g, RE2 const &re, mappings::snapshot const &map,
                old_ids const &ids, mappings::parsed_url &scratch)
        : m_misses{misses}, m_group{g}, m_re{re}, m_map{map}, m_ids{ids}, m_scratch{scratch}
    {}

    /// Rewrites the first `limit` members with `replacement` (read as `how`) and resolves them;
    /// fills `record` (matches and examples) if given.
    trial_score evaluate(std::string const &replacement, reading const &how, std::size_t limit,
                         rule_proposal *record) const
    {
        std::string const &main_host = m_map.settings().old_hosts.front();
        trial_score score;
        std::string rewritten;
        for (std::size_t k = 0; k < std::min(limit, m_group.members.size()); ++k) {
            auto const &miss = m_misses[m_group.members[k]];
            re2::StringPiece const text{miss.target.data(), miss.target.size()};
            if (!RE2::Extract(text, m_re, replacement, &rewritten)) {
                continue;
            }
            if (record != nullptr) {
                ++record->matched_urls;
                record->matched_hits += miss.hits;
            }
            auto const d = mappings::resolve(mappings::request{main_host, rewritten}, m_map, m_scratch);
            std::optional<std::uint64_t> const id = how.number
                                                        ? base::parse_uint(std::string_view{rewritten}.substr(
                                                              how.prefix, rewritten.find('/', how.prefix) - how.prefix))
                                                        : std::nullopt;
            if (d.what == mappings::outcome::redirect) {
                ++score.won_urls;
                ++score.known_urls;
                score.won_hits += miss.hits;
                score.same_ids = score.same_ids && id && new_id_of(how, *id) == id;
                if (record != nullptr && record->examples.size() < 3) {
                    record->examples.emplace_back(std::string{miss.target}, d.location);
                }
            } else if (d.what == mappings::outcome::gone) {
                ++score.known_urls;
            } else if (d.what != mappings::outcome::pass_through && !in_range(how, id)) {
                // Not an id the old forum could have had, or a name it never had.
                if (score.contradicted++ == 0) {
                    score.first_contradiction = std::string{miss.target};
                }
            }
        }
        score.same_ids = score.same_ids && how.number && score.won_urls > 0;
        return score;
    }

private:
    /// \return the new id of old `id` of the place `how` reads, if the map has one.
    [[nodiscard]] std::optional<std::uint64_t> new_id_of(reading const &how, std::uint64_t id) const
    {
        switch (how.where) {
        case reading::place::topic:
            if (auto const *t = m_map.find_topic(id); t != nullptr && t->new_id != 0) {
                return t->new_id;
            }
            break;
        case reading::place::post:
            if (auto const *p = m_map.find_post(id); p != nullptr && p->new_id != 0) {
                return p->new_id;
            }
            break;
        case reading::place::category:
            if (auto const *c = m_map.find_category(id); c != nullptr && c->new_id != 0) {
                return c->new_id;
            }
            break;
        default:
            break;
        }
        return std::nullopt;
    }

    /// \return true if `id` lies among the old ids the map has of the place `how` reads.
    [[nodiscard]] bool in_range(reading const &how, std::optional<std::uint64_t> id) const noexcept
    {
        if (!id) {
            return false;
        }
        switch (how.where) {
        case reading::place::topic:
            return m_ids.topics.holds(*id);
        case reading::place::post:
            return m_ids.posts.holds(*id);
        case reading::place::category:
            return m_ids.categories.holds(*id);
        default:
            return false;
        }
    }

    std::span<unmatched_url const> m_misses;
    group const &m_group;
    RE2 const &m_re;
    mappings::snapshot const &m_map;
    old_ids const &m_ids;
    mappings::parsed_url &m_scratch;
};

/// \return the best rule for one group, or nullopt if none sends any of it to a mapped place
/// without the map showing its assumption false for a URL it matches.
std::optional<rule_proposal> propose_for(group &g, std::span<unmatched_url const> misses, mappings::snapshot const &map,
                                         old_ids const &ids, mappings::parsed_url &scratch)
{
    auto const found = pattern_of_group(g);
    if (!found) {
        return std::nullopt;
    }
    RE2 const re{found->pattern};
    if (!re.ok()) {
        return std::nullopt;
    }
    // The most asked-for URLs first: they decide between the candidates.
    std::sort(g.members.begin(), g.members.end(), [&](std::size_t a, std::size_t b) {
        return misses[a].hits != misses[b].hits ? misses[a].hits > misses[b].hits : misses[a].target < misses[b].target;
    });
    group_trial const trial{misses, g, re, map, ids, scratch};
    // The candidates that win something on the sample, the best first (stable: the more precise
    // first on a tie).
    std::vector<std::pair<std::pair<std::uint64_t, std::uint64_t>, std::string>> ranked;
    for (auto const &candidate : candidates(found->kinds)) {
        auto const merit = trial.evaluate(candidate, reading{candidate, found->kinds}, SAMPLE, nullptr).merit();
        if (merit.second > 0) {
            ranked.emplace_back(merit, candidate);
        }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](auto const &a, auto const &b) { return a.first > b.first; });
    for (auto const &[merit, candidate] : ranked) {
        try {
            (void)mappings::compile_rule(mappings::rule_row{found->pattern, candidate, mappings::rule_kind::rewrite});
        } catch (input_error const &) {
            continue; // not loadable as it stands: better no proposal than a wrong one
        }
        rule_proposal proposal;
        proposal.pattern = found->pattern;
        proposal.replacement = candidate;
        reading const how{candidate, found->kinds};
        auto const score = trial.evaluate(candidate, how, g.members.size(), &proposal);
        if (score.contradicted > 0 || score.won_urls == 0) {
            // Past the sample, a URL the map shows the rule misreads: the numbers are not all
            // ids of the old forum, and some would be sent to another place than their own.
            spdlog::debug("coverage: no rule {} → {}: {} of its URLs are no old ids or names (e.g. {})",
                          proposal.pattern, candidate, score.contradicted, score.first_contradiction);
            continue;
        }
        proposal.won_hits = score.won_hits;
        proposal.won_urls = score.won_urls;
        proposal.known_urls = score.known_urls;
        proposal.assumes = !how.number ? "old_names" : score.same_ids ? "same_ids" : "old_ids";
        proposal.assumption = how.words(score.same_ids);
        return proposal;
    }
    return std::nullopt;
}

} // namespace

std::vector<rule_proposal> propose_rules(std::span<unmatched_url const> misses, mappings::snapshot const &map)
{
    std::vector<rule_proposal> out;
    mappings::parsed_url scratch;
    auto groups = group_misses(misses);
    if (groups.empty()) {
        return out;
    }
    old_ids const ids{map};
    for (auto &g : groups) {
        if (auto proposal = propose_for(g, misses, map, ids, scratch)) {
            out.push_back(std::move(*proposal));
        }
    }
    std::sort(out.begin(), out.end(), [](auto const &a, auto const &b) {
        if (a.won_hits != b.won_hits) {
            return a.won_hits > b.won_hits;
        }
        return a.won_urls != b.won_urls ? a.won_urls > b.won_urls : a.pattern < b.pattern;
    });
    if (out.size() > MAX_PROPOSALS) {
        out.resize(MAX_PROPOSALS);
    }
    return out;
}

} // namespace forumgate::report
