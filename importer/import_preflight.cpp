#include "importer/import_preflight.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <optional>
#include <set>

namespace forumgate::importer {

namespace {

/// Represents one preflight: the new forum's settings, the archive, and the findings so far.
class preflight_check
{
public:
    preflight_check(std::map<std::string, std::string> const &settings, std::string const &database)
        : m_settings(settings), m_connection(database), m_txn(m_connection)
    {}

    /// Quiet: no e-mails to members while years of posts arrive.
    void check_emails()
    {
        if (auto const emails = setting("disable_emails"); emails && *emails != "yes" && *emails != "non-staff") {
            add(true, "disable_emails is \"" + *emails + "\": every created account, mention and reply can send e-mail",
                "set disable_emails to \"yes\" for the import (PUT /admin/site_settings/disable_emails)");
        }
    }

    /// What Discourse's post and topic validations would refuse (--skip-validations skips them).
    void check_validations(int concurrency)
    {
        check_titles();
        check_post_lengths();
        check_rate_limits(concurrency);
        check_day_limits();
        if (auto const window = number("unique_posts_mins"); window && *window > 0) {
            add(false,
                fmt::format("unique_posts_mins is {}: an author's repeated short replies (\"+1\") are refused",
                            *window),
                "set unique_posts_mins to 0, or --skip-validations");
        }
    }

    /// Topics the new forum's category and tag settings would refuse.
    void check_categories_and_tags()
    {
        if (setting("allow_uncategorized_topics") == "false") {
            report(
                "SELECT count(*), min(id) FROM forumgate.archive_topics WHERE deleted_at IS NULL AND archetype = "
                "'regular' AND category_id IS NULL",
                [&](pqxx::row const &row) {
                    add(false,
                        fmt::format("{} topics have no category (e.g. topic {})", row[0].as<long>(), row[1].as<long>()),
                        "set allow_uncategorized_topics to true");
                });
        }
        if (auto const most = number("max_tags_per_topic")) {
            report(fmt::format("SELECT count(*), min(id) FROM forumgate.archive_topics WHERE cardinality(tags) > {}",
                               *most),
                   [&](pqxx::row const &row) {
                       add(false,
                           fmt::format("{} topics have more than {} tags (e.g. topic {})", row[0].as<long>(), *most,
                                       row[1].as<long>()),
                           "raise max_tags_per_topic");
                   });
        }
    }

    /// Uploads the new forum's extension and size settings would refuse.
    void check_uploads()
    {
        if (auto const extensions = setting("authorized_extensions");
            extensions && extensions->find('*') == std::string::npos) {
            std::set<std::string> allowed;
            std::string current;
            for (char const c : *extensions + "|") {
                if (c == '|') {
                    allowed.insert(base::ascii_lower(current));
                    current.clear();
                } else if (c != '.' && c != ' ') {
                    current += c;
                }
            }
            for (auto const &row :
                 m_txn.exec("SELECT extension, count(*) FROM forumgate.archive_uploads GROUP BY extension")) {
                if (!allowed.contains(row[0].as<std::string>())) {
                    add(false,
                        fmt::format("{} uploads are .{} files, not in authorized_extensions", row[1].as<long>(),
                                    row[0].as<std::string>()),
                        "add " + row[0].as<std::string>() + " to authorized_extensions");
                }
            }
        }
        if (auto const kilobytes = number("max_image_size_kb")) {
            report(
                fmt::format(
                    "SELECT count(*), max(filesize) FROM forumgate.archive_uploads WHERE filesize > {}::bigint * 1024",
                    *kilobytes),
                [&](pqxx::row const &row) {
                    add(false,
                        fmt::format("{} uploads are larger than {} KB (the largest {} bytes)", row[0].as<long>(),
                                    *kilobytes, row[1].as<long>()),
                        "raise max_image_size_kb and max_attachment_size_kb");
                });
        }
    }

    [[nodiscard]] std::vector<preflight_finding> findings() && { return std::move(m_findings); }

private:
    void check_titles()
    {
        if (auto const minimum = number("min_topic_title_length")) {
            report(fmt::format("SELECT count(*), min(id), min(title) FROM forumgate.archive_topics WHERE deleted_at IS "
                               "NULL AND archetype = 'regular' AND char_length(title) < {}",
                               *minimum),
                   [&](pqxx::row const &row) {
                       add(false,
                           fmt::format("{} topics have titles shorter than {} characters (e.g. topic {}: \"{}\")",
                                       row[0].as<long>(), *minimum, row[1].as<long>(), row[2].as<std::string>()),
                           "lower min_topic_title_length, or --skip-validations");
                   });
        }
        if (setting("allow_duplicate_topic_titles") == "false") {
            report("SELECT count(*), min(title) FROM (SELECT lower(title) AS title FROM forumgate.archive_topics "
                   "WHERE deleted_at IS NULL AND archetype = 'regular' GROUP BY lower(title) HAVING count(*) > 1) d",
                   [&](pqxx::row const &row) {
                       add(false,
                           fmt::format("{} titles are used by more than one topic (e.g. \"{}\")", row[0].as<long>(),
                                       row[1].as<std::string>()),
                           "set allow_duplicate_topic_titles to true, or --skip-validations");
                   });
        }
    }

    void check_post_lengths()
    {
        for (auto const &check : {std::pair{"min_first_post_length", true}, std::pair{"min_post_length", false}}) {
            // Named copies, not structured bindings: lambdas below capture them.
            char const *const name = check.first;
            bool const first = check.second;
            if (auto const minimum = number(name)) {
                report(fmt::format("SELECT count(*), min(p.id) FROM forumgate.archive_posts p JOIN "
                                   "forumgate.archive_topics t ON t.id = p.topic_id WHERE t.archetype = 'regular' AND "
                                   "p.deleted_at IS NULL AND p.post_type IN (1, 2) AND p.post_number {} 1 AND "
                                   "char_length(p.raw) < {}",
                                   first ? "=" : ">", *minimum),
                       [&](pqxx::row const &row) {
                           add(false,
                               fmt::format("{} {} are shorter than {} characters (e.g. post {})", row[0].as<long>(),
                                           first ? "first posts" : "replies", *minimum, row[1].as<long>()),
                               std::string{"lower "} + name + ", or --skip-validations");
                       });
            }
        }
        if (auto const maximum = number("max_post_length")) {
            report(fmt::format("SELECT count(*), min(id) FROM forumgate.archive_posts WHERE deleted_at IS NULL AND "
                               "char_length(raw) > {}",
                               *maximum),
                   [&](pqxx::row const &row) {
                       add(false,
                           fmt::format("{} posts are longer than {} characters (e.g. post {})", row[0].as<long>(),
                                       *maximum, row[1].as<long>()),
                           "raise max_post_length, or --skip-validations");
                   });
        }
    }

    /// Per-user rate limits: every author who is not staff waits between topics and between
    /// replies (the new-user limits, when longer: created accounts are new there), and a worker
    /// waits with them. How long that makes the run: the busiest author's waits, or all waits
    /// shared among the workers, whichever is longer.
    void check_rate_limits(int concurrency)
    {
        auto const longest = [this](char const *a, char const *b) {
            return std::max({0L, number(a).value_or(0), number(b).value_or(0)});
        };
        long const topic_wait = longest("rate_limit_create_topic", "rate_limit_new_user_create_topic");
        long const reply_wait = longest("rate_limit_create_post", "rate_limit_new_user_create_post");
        if (topic_wait == 0 && reply_wait == 0) {
            return;
        }
        long total = 0;
        long busiest = 0;
        std::string busiest_author;
        long authors = 0;
        for (auto const &row : m_txn.exec(
                 "SELECT p.username, count(*) FILTER (WHERE p.post_number = 1), count(*) FILTER (WHERE p.post_number > "
                 "1) FROM forumgate.archive_posts p JOIN forumgate.archive_topics t ON t.id = p.topic_id LEFT JOIN "
                 "forumgate.archive_users u ON u.username_lower = lower(p.username) WHERE p.deleted_at IS NULL AND "
                 "t.deleted_at IS NULL AND p.post_type IN (1, 2) AND p.username IS NOT NULL AND NOT "
                 "coalesce(u.admin, false) AND NOT coalesce(u.moderator, false) GROUP BY p.username")) {
            long const waits =
                std::max(0L, row[1].as<long>() - 1) * topic_wait + std::max(0L, row[2].as<long>() - 1) * reply_wait;
            authors += waits > 0 ? 1 : 0;
            total += waits;
            if (waits > busiest) {
                busiest = waits;
                busiest_author = row[0].as<std::string>();
            }
        }
        long const estimate = std::max(busiest, total / std::max(1, concurrency));
        if (estimate < 60) {
            return;
        }
        add(false,
            fmt::format("per-user rate limits (a topic every {} s, a reply every {} s, for authors who are not staff) "
                        "make the run take at least about {}: {} authors wait between posts, {} the longest ({})",
                        topic_wait, reply_wait, spoken_duration(estimate), authors, busiest_author,
                        spoken_duration(busiest)),
            "--skip-validations (as Discourse's own importers do), or set rate_limit_create_topic, "
            "rate_limit_create_post, rate_limit_new_user_create_topic and rate_limit_new_user_create_post to 0 "
            "for the import");
    }

    /// "3 h 20 min", "12 min", "45 s".
    static std::string spoken_duration(long seconds)
    {
        if (seconds >= 3600) {
            return fmt::format("{} h {} min", seconds / 3600, seconds % 3600 / 60);
        }
        return seconds >= 60 ? fmt::format("{} min", seconds / 60) : fmt::format("{} s", seconds);
    }

    /// Per-author day limits: every post arrives within hours, and created accounts are in their
    /// first day, so an author with more topics or replies than a limit meets it.
    void check_day_limits()
    {
        struct day_limit
        {
            char const *setting;
            char const *filter;
            char const *what;
        };
        for (auto const &limit :
             {day_limit{"max_topics_per_day", "p.post_number = 1 AND t.archetype = 'regular'", "topics"},
              day_limit{"max_topics_in_first_day", "p.post_number = 1 AND t.archetype = 'regular'", "topics"},
              day_limit{"max_replies_in_first_day", "p.post_number > 1", "replies"},
              day_limit{"max_personal_messages_per_day", "p.post_number = 1 AND t.archetype = 'private_message'",
                        "private messages"}}) {
            if (auto const most = number(limit.setting)) {
                report(fmt::format("SELECT count(*), max(n), (array_agg(username ORDER BY n DESC))[1] FROM (SELECT "
                                   "p.username, count(*) AS n FROM forumgate.archive_posts p JOIN "
                                   "forumgate.archive_topics t ON t.id = p.topic_id WHERE p.deleted_at IS NULL AND "
                                   "p.post_type IN (1, 2) AND {} GROUP BY p.username HAVING count(*) > {}) a",
                                   limit.filter, *most),
                       [&](pqxx::row const &row) {
                           add(false,
                               fmt::format("{} is {}: {} authors have more {} (e.g. {} with {})", limit.setting, *most,
                                           row[0].as<long>(), limit.what, row[2].as<std::string>(), row[1].as<long>()),
                               std::string{"raise "} + limit.setting + " for the import, or --skip-validations");
                       });
            }
        }
    }

    [[nodiscard]] std::optional<std::string> setting(std::string const &name) const
    {
        auto const found = m_settings.find(name);
        return found == m_settings.end() ? std::nullopt : std::optional{found->second};
    }

    /// A numeric setting; nullopt if absent or not a number.
    [[nodiscard]] std::optional<long> number(std::string const &name) const
    {
        auto const text = setting(name);
        if (!text) {
            return std::nullopt;
        }
        try {
            return std::stol(*text);
        } catch (std::exception const &) {
            return std::nullopt;
        }
    }

    void add(bool blocking, std::string what, std::string remedy)
    {
        m_findings.push_back({blocking, std::move(what), std::move(remedy)});
    }

    /// Runs `query`, whose first column is a count, and describes its row if the count is not 0.
    template <typename Describe>
    void report(std::string const &query, Describe const &describe)
    {
        auto const rows = m_txn.exec(query);
        if (!rows.empty() && rows[0][0].as<long>() > 0) {
            describe(rows[0]);
        }
    }

    std::map<std::string, std::string> const &m_settings;
    pqxx::connection m_connection;
    pqxx::read_transaction m_txn;
    std::vector<preflight_finding> m_findings;
};

} // namespace

std::vector<preflight_finding> preflight(std::map<std::string, std::string> const &settings,
                                         import_options const &options)
{
    preflight_check check{settings, options.database};
    check.check_emails();
    if (!options.skip_validations) {
        check.check_validations(options.concurrency);
    }
    check.check_categories_and_tags();
    check.check_uploads();
    return std::move(check).findings();
}

} // namespace forumgate::importer
