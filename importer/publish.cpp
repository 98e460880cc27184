// forumgate import, phase by phase: check the store (the archive, the import's identity, the
// map's settings); read the new forum's settings and refuse to be noisy; categories; users;
// uploads; topics, each with its replies in order, reconciled first with what the new forum
// already holds; then the pass that rewrites every copied post against the whole map.

#include "importer/publish.hpp"

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/url_codec.hpp"
#include "importer/archive.hpp"
#include "importer/discourse_json.hpp"
#include "importer/rewrite.hpp"
#include "importer/target.hpp"
#include "mappings/snapshot.hpp"
#include "store/store.hpp"
#include "web/progress.hpp"
#include "web/site_url.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace forumgate::importer {

namespace {

// -- The archive, as import reads it ------------------------------------------------------------

struct old_category
{
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::string name;
    std::string slug;
    std::string description;
    std::string color;
    std::string text_color;
    bool read_restricted = false;
};

struct old_user
{
    std::string username;
    std::string name;
    std::string email;
    std::optional<std::int64_t> id;
    bool missing = false;
};

struct old_topic
{
    std::int64_t id = 0;
    std::string title;
    std::string slug;
    std::optional<std::int64_t> category_id;
    std::string archetype;
    std::string created_at;
    bool deleted = false;
    std::vector<std::string> tags;
    std::vector<std::string> participants;
};

struct old_post
{
    std::int64_t id = 0;
    int post_number = 0;
    std::string username;
    int post_type = 1;
    std::string raw;
    std::string created_at;
    std::optional<int> reply_to;
    bool deleted = false;
};

/// Milliseconds since the epoch of an ISO-8601 time as Discourse writes it
/// (`2020-01-27T11:32:03.646Z`, or with an offset); nullopt if unreadable.
std::optional<std::int64_t> epoch_ms(std::string_view text)
{
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int used = 0;
    std::string const copy{text};
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) !=
        6) {
        return std::nullopt;
    }
    std::string_view rest = std::string_view{copy}.substr(static_cast<std::size_t>(used));
    std::int64_t millis = 0;
    if (rest.starts_with('.')) {
        rest.remove_prefix(1);
        int digits = 0;
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
            if (digits < 3) {
                millis = millis * 10 + (rest.front() - '0');
            }
            ++digits;
            rest.remove_prefix(1);
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    std::int64_t offset = 0;
    if (rest.size() >= 6 && (rest.front() == '+' || rest.front() == '-')) {
        int const sign = rest.front() == '-' ? -1 : 1;
        offset = sign * ((rest[1] - '0') * 600 + (rest[2] - '0') * 60 + (rest[4] - '0') * 10 + (rest[5] - '0'));
    }
    auto const days = std::chrono::sys_days{std::chrono::year{year} / month / day}.time_since_epoch().count();
    return ((static_cast<std::int64_t>(days) * 86400 + hour * 3600 + minute * 60 + second - offset * 60) * 1000) +
           millis;
}

/// Posts of these types are copied; small actions (3) are the new forum's own to make, and
/// whispers (4) only with --keep-whispers.
bool copied(old_post const &post, bool keep_whispers)
{
    return !post.deleted && !post.raw.empty() &&
           (post.post_type == 1 || post.post_type == 2 || (keep_whispers && post.post_type == 4));
}

// -- What each thread owns ----------------------------------------------------------------------

struct run_context
{
    import_options const &options;
    web::site_url site;
    web::request_pacer pacer;
    web::http_client::options client_options;
};

struct worker
{
    explicit worker(run_context &run)
        : target(run.site, run.client_options, run.pacer, run.options.retries, run.options.api_key),
          store(run.options.database)
    {}
    target_forum target;
    store::database store;
};

std::string random_password()
{
    std::array<unsigned char, 24> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error{"no random bytes for a password"};
    }
    std::string out;
    for (auto const byte : bytes) {
        out += fmt::format("{:02x}", byte);
    }
    return out;
}

/// A username Discourse accepts (3–20 of `[A-Za-z0-9_.-]`, starting and ending alphanumeric or
/// `_`), made from `wanted`; `suffix` > 0 appends a number to tell it from a taken one.
std::string acceptable_username(std::string const &wanted, int suffix)
{
    std::string out;
    for (char const c : wanted) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        out += ok ? c : '_';
    }
    while (!out.empty() && (out.front() == '.' || out.front() == '-')) {
        out.erase(out.begin());
    }
    std::string const number = suffix > 0 ? std::to_string(suffix) : "";
    out = out.substr(0, 20 - number.size());
    while (!out.empty() && (out.back() == '.' || out.back() == '-')) {
        out.pop_back();
    }
    out += number;
    while (out.size() < 3) {
        out += '_';
    }
    return out;
}

// -- The run ------------------------------------------------------------------------------------

class import_run
{
public:
    explicit import_run(import_options const &options)
        : m_options(options), m_context{options,
                                        web::site_url::parse(options.target, "--target"),
                                        web::request_pacer{options.rate},
                                        {}}
    {
        if (options.api_key.empty()) {
            throw argument_error{
                "an admin API key of the new forum is needed: --api-key-file F or FORUMGATE_TARGET_API_KEY"};
        }
        if (options.concurrency < 1 || options.concurrency > 32) {
            throw argument_error{"--concurrency " + std::to_string(options.concurrency) + ": must be from 1 to 32"};
        }
        if (options.external_id_prefix.empty() || options.external_id_prefix.size() > 30 ||
            !std::ranges::all_of(options.external_id_prefix, [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
            })) {
            throw argument_error{
                "--external-id-prefix " + options.external_id_prefix +
                ": 1 to 30 letters, digits, '_' or '-' (Discourse's external ids match [\\w-]+, 50 at most)"};
        }
        m_context.client_options.timeout = options.timeout;
        m_context.client_options.ca_file = options.ca_file;
        m_context.client_options.user_agent = "forumgate-import";
    }

    import_summary run()
    {
        auto const started = std::chrono::steady_clock::now();
        worker main{m_context};
        check_store(main);
        auto const settings = main.target.site_settings();
        preflight(settings);
        if (m_options.dry_run) {
            return m_summary;
        }
        std::vector<std::string> blocking;
        for (auto const &finding : m_summary.findings) {
            if (finding.blocking && !m_options.allow_notifications) {
                blocking.push_back(finding.what + " (" + finding.remedy + ")");
            }
        }
        if (!blocking.empty()) {
            std::string message = "the new forum would notify or mail members during the import:";
            for (auto const &line : blocking) {
                message += "\n  - " + line;
            }
            throw argument_error{message + "\nchange those settings first, or pass --allow-notifications"};
        }
        record_start(main);

        import_categories(main);
        import_users(main);
        import_uploads();
        import_topics(main);
        rewrite_pass();

        collect_failures(main);
        {
            pqxx::work txn{main.store.connection()};
            txn.exec_params("UPDATE forumgate.import_target SET last_finished_at = now(), last_complete = $1",
                            m_summary.failures == 0);
            txn.commit();
        }
        m_summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return m_summary;
    }

private:
    // -- Check the store ------------------------------------------------------------------------

    void check_store(worker &main)
    {
        main.store.migrate();
        auto const status = archive{main.store.connection()}.status();
        if (!status.identity) {
            throw argument_error{"the archive is empty: run forumgate fetch first"};
        }
        m_source = status.identity->source;
        if (!status.failures.empty() || !status.last_complete) {
            spdlog::warn("import: the archive of {} is incomplete ({} items failed in the last fetch); what is missing "
                         "will not be imported until a fetch completes and import runs again",
                         m_source, status.failures.size());
        }
        pqxx::work txn{main.store.connection()};
        auto const identity = txn.exec("SELECT target, archive_source FROM forumgate.import_target");
        std::string const target = m_context.site.origin() + m_context.site.prefix;
        if (!identity.empty()) {
            if (identity[0][0].as<std::string>() != target) {
                throw argument_error{"this store was imported into " + identity[0][0].as<std::string>() + ", not " +
                                     target + "; use another database for another target"};
            }
            if (identity[0][1].as<std::string>() != m_source) {
                throw argument_error{"this store's import came from " + identity[0][1].as<std::string>() +
                                     ", but the archive now holds " + m_source};
            }
        }
        // The map's settings: where it redirects to, and which hosts it answers for.
        auto const source_host = web::site_url::parse(m_source, "the archive's source").host;
        auto const settings = txn.exec("SELECT new_base, old_hosts FROM forumgate.settings");
        std::vector<std::string> hosts{source_host};
        for (auto const &host : m_options.old_hosts) {
            if (std::ranges::find(hosts, host) == hosts.end()) {
                hosts.push_back(host);
            }
        }
        if (settings.empty()) {
            txn.exec_params("INSERT INTO forumgate.settings (new_base, old_hosts) VALUES ($1, $2::text[])", target,
                            pg::text_array_literal(hosts));
        } else if (settings[0][0].as<std::string>() != target) {
            throw argument_error{"the map redirects to " + settings[0][0].as<std::string>() + ", not " + target +
                                 "; use another database, or load settings with forumgate map load --new-base"};
        } else {
            for (auto const &host : pg::read_text_array(settings[0][1])) {
                if (std::ranges::find(hosts, host) == hosts.end()) {
                    hosts.push_back(host);
                }
            }
            txn.exec_params("UPDATE forumgate.settings SET old_hosts = $1::text[] WHERE old_hosts <> $1::text[]",
                            pg::text_array_literal(hosts));
        }
        txn.commit();
    }

    void record_start(worker &main)
    {
        pqxx::work txn{main.store.connection()};
        txn.exec_params(
            "INSERT INTO forumgate.import_target (target, archive_source) VALUES ($1, $2) "
            "ON CONFLICT (id) DO UPDATE SET last_started_at = now(), last_finished_at = NULL, last_complete = false",
            m_context.site.origin() + m_context.site.prefix, m_source);
        txn.commit();
    }

    // -- Preflight ------------------------------------------------------------------------------

    void preflight(std::map<std::string, std::string> const &settings)
    {
        auto setting = [&](std::string const &name) -> std::optional<std::string> {
            auto const found = settings.find(name);
            return found == settings.end() ? std::nullopt : std::optional{found->second};
        };
        auto number = [&](std::string const &name) -> std::optional<long> {
            auto const text = setting(name);
            if (!text) {
                return std::nullopt;
            }
            try {
                return std::stol(*text);
            } catch (std::exception const &) {
                return std::nullopt;
            }
        };
        auto add = [&](bool blocking, std::string what, std::string remedy) {
            m_summary.findings.push_back({blocking, std::move(what), std::move(remedy)});
        };

        // Quiet: no e-mails to members while years of posts arrive.
        if (auto const emails = setting("disable_emails"); emails && *emails != "yes" && *emails != "non-staff") {
            add(true, "disable_emails is \"" + *emails + "\": every created account, mention and reply can send e-mail",
                "set disable_emails to \"yes\" for the import (PUT /admin/site_settings/disable_emails)");
        }

        pqxx::connection connection{m_options.database};
        pqxx::read_transaction txn{connection};
        auto report = [&](char const *query, auto const &describe) {
            auto const rows = txn.exec(query);
            if (!rows.empty() && rows[0][0].as<long>() > 0) {
                describe(rows[0]);
            }
        };
        if (!m_options.skip_validations) {
            if (auto const minimum = number("min_topic_title_length")) {
                report(
                    fmt::format(
                        "SELECT count(*), min(id), min(title) FROM forumgate.archive_topics WHERE deleted_at IS NULL "
                        "AND archetype = 'regular' AND char_length(title) < {}",
                        *minimum)
                        .c_str(),
                    [&](pqxx::row const &row) {
                        add(false,
                            fmt::format("{} topics have titles shorter than {} characters (e.g. topic {}: \"{}\")",
                                        row[0].as<long>(), *minimum, row[1].as<long>(), row[2].as<std::string>()),
                            "lower min_topic_title_length, or --skip-validations");
                    });
            }
            if (setting("allow_duplicate_topic_titles") == "false") {
                report("SELECT count(*), min(title) FROM (SELECT lower(title) AS title FROM forumgate.archive_topics "
                       "WHERE "
                       "deleted_at IS NULL AND archetype = 'regular' GROUP BY lower(title) HAVING count(*) > 1) d",
                       [&](pqxx::row const &row) {
                           add(false,
                               fmt::format("{} titles are used by more than one topic (e.g. \"{}\")", row[0].as<long>(),
                                           row[1].as<std::string>()),
                               "set allow_duplicate_topic_titles to true, or --skip-validations");
                       });
            }
            for (auto const &[name, first] :
                 {std::pair{"min_first_post_length", true}, std::pair{"min_post_length", false}}) {
                if (auto const minimum = number(name)) {
                    report(
                        fmt::format(
                            "SELECT count(*), min(p.id) FROM forumgate.archive_posts p JOIN forumgate.archive_topics t "
                            "ON t.id = p.topic_id WHERE t.archetype = 'regular' AND p.deleted_at IS NULL AND "
                            "p.post_type IN (1, 2) AND p.post_number {} 1 AND char_length(p.raw) < {}",
                            first ? "=" : ">", *minimum)
                            .c_str(),
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
                                   *maximum)
                           .c_str(),
                       [&](pqxx::row const &row) {
                           add(false,
                               fmt::format("{} posts are longer than {} characters (e.g. post {})", row[0].as<long>(),
                                           *maximum, row[1].as<long>()),
                               "raise max_post_length, or --skip-validations");
                       });
            }
            for (auto const *limit : {"rate_limit_create_topic", "rate_limit_create_post",
                                      "rate_limit_new_user_create_topic", "rate_limit_new_user_create_post"}) {
                if (auto const seconds = number(limit); seconds && *seconds > 0) {
                    add(false,
                        fmt::format("{} is {} s: authors who are not staff wait that long between posts", limit,
                                    *seconds),
                        std::string{"set "} + limit + " to 0 for the import, or --skip-validations");
                }
            }
            // Per-author day limits: every post arrives within hours, and created accounts are in
            // their first day, so an author with more topics or replies than a limit meets it.
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
                    report(
                        fmt::format("SELECT count(*), max(n), (array_agg(username ORDER BY n DESC))[1] FROM (SELECT "
                                    "p.username, "
                                    "count(*) AS n FROM forumgate.archive_posts p JOIN forumgate.archive_topics t ON "
                                    "t.id = p.topic_id "
                                    "WHERE p.deleted_at IS NULL AND p.post_type IN (1, 2) AND {} GROUP BY p.username "
                                    "HAVING count(*) > {}) a",
                                    limit.filter, *most)
                            .c_str(),
                        [&](pqxx::row const &row) {
                            add(false,
                                fmt::format("{} is {}: {} authors have more {} (e.g. {} with {})", limit.setting, *most,
                                            row[0].as<long>(), limit.what, row[2].as<std::string>(), row[1].as<long>()),
                                std::string{"raise "} + limit.setting + " for the import, or --skip-validations");
                        });
                }
            }
            if (auto const window = number("unique_posts_mins"); window && *window > 0) {
                add(false,
                    fmt::format("unique_posts_mins is {}: an author's repeated short replies (\"+1\") are refused",
                                *window),
                    "set unique_posts_mins to 0, or --skip-validations");
            }
        }
        if (setting("allow_uncategorized_topics") == "false") {
            report(
                "SELECT count(*), min(id) FROM forumgate.archive_topics WHERE deleted_at IS NULL AND archetype = "
                "'regular' "
                "AND category_id IS NULL",
                [&](pqxx::row const &row) {
                    add(false,
                        fmt::format("{} topics have no category (e.g. topic {})", row[0].as<long>(), row[1].as<long>()),
                        "set allow_uncategorized_topics to true");
                });
        }
        if (auto const most = number("max_tags_per_topic")) {
            report(fmt::format("SELECT count(*), min(id) FROM forumgate.archive_topics WHERE cardinality(tags) > {}",
                               *most)
                       .c_str(),
                   [&](pqxx::row const &row) {
                       add(false,
                           fmt::format("{} topics have more than {} tags (e.g. topic {})", row[0].as<long>(), *most,
                                       row[1].as<long>()),
                           "raise max_tags_per_topic");
                   });
        }
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
                 txn.exec("SELECT extension, count(*) FROM forumgate.archive_uploads GROUP BY extension")) {
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
                    *kilobytes)
                    .c_str(),
                [&](pqxx::row const &row) {
                    add(false,
                        fmt::format("{} uploads are larger than {} KB (the largest {} bytes)", row[0].as<long>(),
                                    *kilobytes, row[1].as<long>()),
                        "raise max_image_size_kb and max_attachment_size_kb");
                });
        }
    }

    // -- Categories -----------------------------------------------------------------------------

    /// The old category's slug path as the map knows it (`parent/child`).
    std::string old_slug_path(std::int64_t id) const
    {
        auto const &category = m_categories.at(id);
        std::string const own = category.slug.empty() ? std::to_string(id) + "-category" : category.slug;
        return category.parent_id && m_categories.contains(*category.parent_id)
                   ? old_slug_path(*category.parent_id) + "/" + own
                   : own;
    }

    bool restricted(std::optional<std::int64_t> category_id) const
    {
        for (auto id = category_id; id && m_categories.contains(*id); id = m_categories.at(*id).parent_id) {
            if (m_categories.at(*id).read_restricted) {
                return true;
            }
        }
        return false;
    }

    std::map<std::string, std::string> read_category_map() const
    {
        std::map<std::string, std::string> out;
        if (m_options.category_map.empty()) {
            return out;
        }
        std::ifstream in{m_options.category_map};
        if (!in) {
            throw input_error{m_options.category_map.string() + ": cannot read the file"};
        }
        std::string line;
        for (int number = 1; std::getline(in, line); ++number) {
            if (line.empty() || line.front() == '#') {
                continue;
            }
            auto const comma = line.find(',');
            if (comma == std::string::npos || comma == 0 || comma + 1 >= line.size()) {
                throw input_error{m_options.category_map.string() + ":" + std::to_string(number) +
                                  ": expected OLD,NEW (an id or slug path each), got \"" + line + "\""};
            }
            out[line.substr(0, comma)] = line.substr(comma + 1);
        }
        return out;
    }

    void import_categories(worker &main)
    {
        auto &connection = main.store.connection();
        {
            pqxx::read_transaction txn{connection};
            for (auto const &row :
                 txn.exec("SELECT id, parent_id, name, slug, coalesce(description, ''), coalesce(color, ''), "
                          "coalesce(text_color, ''), read_restricted FROM forumgate.archive_categories")) {
                old_category category;
                category.id = row[0].as<std::int64_t>();
                category.parent_id = row[1].is_null() ? std::nullopt : std::optional{row[1].as<std::int64_t>()};
                category.name = row[2].as<std::string>();
                category.slug = row[3].as<std::string>();
                category.description = row[4].as<std::string>();
                category.color = row[5].as<std::string>();
                category.text_color = row[6].as<std::string>();
                category.read_restricted = row[7].as<bool>();
                m_categories.emplace(category.id, category);
            }
            for (auto const &row :
                 txn.exec("SELECT old_id, new_id FROM forumgate.categories WHERE new_id IS NOT NULL")) {
                m_new_category.emplace(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
            }
        }
        auto existing = main.target.categories();
        auto path_of = [&](target_category const &category) {
            std::string path = category.slug;
            for (auto parent = category.parent_id; parent;) {
                auto const found = std::ranges::find(existing, *parent, &target_category::id);
                if (found == existing.end()) {
                    break;
                }
                path = found->slug + "/" + path;
                parent = found->parent_id;
            }
            return path;
        };
        auto const wanted = read_category_map();
        // Parents before children.
        std::vector<old_category const *> order;
        for (auto const &[id, category] : m_categories) {
            if (!category.parent_id) {
                order.push_back(&category);
            }
        }
        for (auto const &[id, category] : m_categories) {
            if (category.parent_id) {
                order.push_back(&category);
            }
        }
        for (auto const *category : order) {
            if (m_new_category.contains(category->id)) {
                continue;
            }
            std::string const old_path = old_slug_path(category->id);
            std::optional<target_category> placed;
            bool created = false;
            // A --category-map line, by old id or slug path, naming a new id or slug path.
            for (auto const &key : {std::to_string(category->id), old_path}) {
                if (auto const entry = wanted.find(key); entry != wanted.end() && !placed) {
                    for (auto const &candidate : existing) {
                        if (std::to_string(candidate.id) == entry->second || path_of(candidate) == entry->second) {
                            placed = candidate;
                        }
                    }
                    if (!placed) {
                        throw input_error{m_options.category_map.string() + ": category " + entry->second +
                                          " (for old " + key + ") is not on " + m_context.site.origin()};
                    }
                }
            }
            if (!placed) {
                for (auto const &candidate : existing) {
                    if (path_of(candidate) == old_path) {
                        placed = candidate;
                    }
                }
            }
            if (!placed) {
                std::vector<form_field> fields{{"name", category->name}};
                if (!category->slug.empty()) {
                    fields.push_back({"slug", category->slug});
                }
                if (!category->color.empty()) {
                    fields.push_back({"color", category->color});
                }
                if (!category->text_color.empty()) {
                    fields.push_back({"text_color", category->text_color});
                }
                if (!category->description.empty()) {
                    fields.push_back({"description", category->description});
                }
                if (category->parent_id) {
                    auto const parent = m_new_category.find(*category->parent_id);
                    if (parent == m_new_category.end()) {
                        record_failure(connection, "category", std::to_string(category->id),
                                       "its parent category was not placed");
                        continue;
                    }
                    fields.push_back({"parent_category_id", std::to_string(parent->second)});
                }
                if (category->read_restricted) {
                    fields.push_back(
                        {"permissions[staff]", "1"}); // the old groups are not known: staff only, then adjust
                }
                try {
                    placed = main.target.create_category(fields);
                    created = true;
                    existing.push_back(*placed);
                } catch (target_refusal const &refusal) {
                    record_failure(connection, "category", std::to_string(category->id), refusal.what());
                    continue;
                }
            }
            pqxx::work txn{connection};
            txn.exec_params(
                "INSERT INTO forumgate.categories (old_id, old_slug_path, new_id, new_slug_path, restricted) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (old_id) DO UPDATE SET old_slug_path = "
                "excluded.old_slug_path, "
                "new_id = excluded.new_id, new_slug_path = excluded.new_slug_path, restricted = excluded.restricted",
                category->id, old_path, placed->id, path_of(*placed), restricted(category->id));
            clear_failure(txn, "category", std::to_string(category->id));
            txn.commit();
            m_new_category.emplace(category->id, placed->id);
            ++(created ? m_summary.categories_created : m_summary.categories_matched);
        }
        spdlog::info("import: categories {} created, {} matched", m_summary.categories_created,
                     m_summary.categories_matched);
    }

    // -- Users ----------------------------------------------------------------------------------

    void import_users(worker &main)
    {
        auto &connection = main.store.connection();
        std::vector<old_user> needed;
        {
            pqxx::read_transaction txn{connection};
            // Authors of what will be copied, and participants of private messages.
            for (auto const &row :
                 txn.exec("SELECT u.username, coalesce(u.name, ''), coalesce(u.email, ''), u.id, coalesce(u.missing, "
                          "true), n.name "
                          "FROM (SELECT DISTINCT lower(p.username) AS name FROM forumgate.archive_posts p "
                          "      JOIN forumgate.archive_topics t ON t.id = p.topic_id "
                          "      WHERE p.username IS NOT NULL AND p.deleted_at IS NULL AND t.deleted_at IS NULL "
                          "      UNION SELECT DISTINCT lower(unnest(participants)) FROM forumgate.archive_topics) n "
                          "LEFT JOIN forumgate.archive_users u ON u.username_lower = n.name "
                          "WHERE NOT EXISTS (SELECT FROM forumgate.import_users i WHERE i.username_lower = n.name) "
                          "ORDER BY n.name")) {
                old_user user;
                user.username = row[0].is_null() ? row[5].as<std::string>() : row[0].as<std::string>();
                user.name = row[1].as<std::string>();
                user.email = row[2].as<std::string>();
                user.id = row[3].is_null() ? std::nullopt : std::optional{row[3].as<std::int64_t>()};
                user.missing = row[4].as<bool>();
                needed.push_back(std::move(user));
            }
        }
        if (!needed.empty()) {
            std::map<std::string, target_user> by_email;
            std::map<std::string, target_user> by_username;
            for (auto const &account : main.target.users()) {
                if (!account.email.empty()) {
                    by_email.emplace(base::ascii_lower(account.email), account);
                }
                by_username.emplace(base::ascii_lower(account.username), account);
            }
            std::optional<target_user> fallback;
            if (!m_options.fallback_user.empty()) {
                auto const found = by_username.find(base::ascii_lower(m_options.fallback_user));
                if (found == by_username.end()) {
                    throw argument_error{"--fallback-user " + m_options.fallback_user + ": no such account on " +
                                         m_context.site.origin()};
                }
                fallback = found->second;
            }
            web::progress shown{"users", "users", needed.size(), m_options.terminal, m_options.quiet};
            for (auto const &user : needed) {
                place_user(main, user, by_email, by_username, fallback);
                shown.add();
            }
        }
        pqxx::read_transaction txn{connection};
        for (auto const &row : txn.exec("SELECT username_lower, new_username, how FROM forumgate.import_users")) {
            m_new_username.emplace(row[0].as<std::string>(), row[1].as<std::string>());
            if (row[2].as<std::string>() == "fallback") {
                m_attributed.insert(row[0].as<std::string>());
            }
        }
        spdlog::info("import: users {} created, {} matched, {} attributed to another account", m_summary.users_created,
                     m_summary.users_matched, m_summary.users_fallback);
    }

    void place_user(worker &main, old_user const &user, std::map<std::string, target_user> &by_email,
                    std::map<std::string, target_user> &by_username, std::optional<target_user> const &fallback)
    {
        auto &connection = main.store.connection();
        auto const key = base::ascii_lower(user.username);
        std::optional<target_user> placed;
        std::string how;
        if (!user.email.empty()) {
            if (auto const found = by_email.find(base::ascii_lower(user.email)); found != by_email.end()) {
                placed = found->second;
                how = "email";
            }
        }
        if (!placed) {
            if (auto const found = by_username.find(key); found != by_username.end()) {
                placed = found->second;
                how = "username";
            }
        }
        if (!placed && (fallback || user.missing)) {
            // A deleted account, or --fallback-user: the posts go to another account, with the
            // original author named at the top of each.
            placed = fallback ? *fallback : target_user{-1, m_options.api_username, {}, true};
            how = "fallback";
        }
        try {
            if (!placed && !m_options.sso_secret.empty()) {
                placed = provision_sso(main, user);
                how = "sso";
            }
            if (!placed) {
                placed = create_user(main, user, by_username);
                how = "created";
            }
        } catch (target_refusal const &refusal) {
            record_failure(connection, "user", key, refusal.what());
            return;
        } catch (web::fetch_error const &problem) {
            record_failure(connection, "user", key, problem.what());
            return;
        }
        by_username.emplace(base::ascii_lower(placed->username), *placed);
        pqxx::work txn{connection};
        txn.exec_params("INSERT INTO forumgate.import_users (username_lower, new_user_id, new_username, how) VALUES "
                        "($1, $2, $3, $4) "
                        "ON CONFLICT (username_lower) DO UPDATE SET new_user_id = excluded.new_user_id, "
                        "new_username = excluded.new_username, how = excluded.how, updated_at = now()",
                        key, placed->id, placed->username, how);
        // The map: /u/old and @old reach the person (a fallback is not them: left out).
        if (how != "fallback") {
            txn.exec_params(
                "INSERT INTO forumgate.users (old_username_lower, old_username, new_username) VALUES ($1, $2, $3) "
                "ON CONFLICT (old_username_lower) DO UPDATE SET old_username = excluded.old_username, "
                "new_username = excluded.new_username",
                key, user.username, placed->username);
        }
        clear_failure(txn, "user", key);
        txn.commit();
        ++(how == "created" || how == "sso" ? m_summary.users_created
           : how == "fallback"              ? m_summary.users_fallback
                                            : m_summary.users_matched);
    }

    target_user create_user(worker &main, old_user const &user, std::map<std::string, target_user> const &by_username)
    {
        std::string const email =
            !user.email.empty()
                ? user.email
                : "old-" + (user.id ? std::to_string(*user.id) : acceptable_username(user.username, 0)) + "@" +
                      m_options.placeholder_email_domain;
        std::string last_reason;
        for (int attempt = 0; attempt < 4; ++attempt) {
            std::string const username =
                attempt == 0 ? user.username : acceptable_username(user.username, attempt == 1 ? 0 : attempt - 1);
            if (attempt > 0 && by_username.contains(base::ascii_lower(username))) {
                continue;
            }
            try {
                auto created = main.target.create_user({{"name", user.name.empty() ? user.username : user.name},
                                                        {"email", email},
                                                        {"username", username},
                                                        {"password", random_password()},
                                                        {"active", "true"},
                                                        {"approved", "true"}});
                created.username = username;
                if (created.id == 0) {
                    // Newer Discourse leaves user_id out when hide_email_address_taken is on.
                    auto const shown = main.target.get_json("/u/" + username + ".json");
                    created.id = read_user(m_context.site.url("/u/" + username + ".json"), shown).id.value_or(0);
                }
                if (!created.active && created.id > 0) {
                    main.target.activate_user(created.id);
                }
                return created;
            } catch (target_refusal const &refusal) {
                last_reason = refusal.what();
                bool const about_username = std::ranges::any_of(refusal.errors(), [](std::string const &error) {
                    return base::ascii_lower(error).find("username") != std::string::npos;
                });
                if (!about_username) {
                    throw;
                }
            }
        }
        throw target_refusal{last_reason, 422, {last_reason}};
    }

    target_user provision_sso(worker &main, old_user const &user)
    {
        // sync_sso: the payload is a form-encoded query, Base64-encoded without '+' (older
        // servers turn it into a space): an ignored pad field is lengthened until none is left.
        std::string const external_id = m_options.external_id_prefix + "user-" +
                                        (user.id ? std::to_string(*user.id) : base::ascii_lower(user.username));
        std::string const email = !user.email.empty()
                                      ? user.email
                                      : "old-" + base::ascii_lower(acceptable_username(user.username, 0)) + "@" +
                                            m_options.placeholder_email_domain;
        std::string payload;
        for (std::string pad;; pad += 'x') {
            auto const query = form_encode({{"external_id", external_id},
                                            {"email", email},
                                            {"username", user.username},
                                            {"name", user.name.empty() ? user.username : user.name},
                                            {"suppress_welcome_message", "true"},
                                            {"pad", pad}});
            payload = base64(query);
            if (payload.find('+') == std::string::npos || pad.size() > 16) {
                break;
            }
        }
        return main.target.sync_sso(payload, m_options.sso_secret);
    }

    static std::string base64(std::string_view bytes)
    {
        static constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string out;
        std::size_t i = 0;
        for (; i + 2 < bytes.size(); i += 3) {
            auto const n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8U) | static_cast<unsigned char>(bytes[i + 2]);
            out +=
                {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], ALPHABET[n & 63U]};
        }
        if (i + 1 == bytes.size()) {
            auto const n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
            out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], '=', '='};
        } else if (i + 2 == bytes.size()) {
            auto const n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U) |
                           (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U);
            out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], '='};
        }
        return out;
    }

    // -- Uploads --------------------------------------------------------------------------------

    void import_uploads()
    {
        struct pending
        {
            std::string sha1;
            std::string extension;
            std::string url;
        };
        std::vector<pending> uploads;
        {
            pqxx::connection connection{m_options.database};
            pqxx::read_transaction txn{connection};
            for (auto const &row :
                 txn.exec("SELECT a.sha1, a.extension, a.url FROM forumgate.archive_uploads a WHERE NOT EXISTS "
                          "(SELECT FROM forumgate.uploads m WHERE m.new_url IS NOT NULL AND "
                          "m.old_path LIKE '%/' || a.sha1 || '.%') ORDER BY a.sha1")) {
                uploads.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
            }
        }
        web::progress shown{"uploads", "files", uploads.size(), m_options.terminal, m_options.quiet};
        std::mutex counts;
        base::in_parallel(
            m_options.concurrency, uploads, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, pending const &upload) {
                auto const name = upload.sha1 + (upload.extension.empty() ? "" : "." + upload.extension);
                auto const file = m_options.uploads_dir / upload.sha1.substr(0, 2) / name;
                std::ifstream in{file, std::ios::binary};
                if (!in) {
                    record_failure(
                        self.store.connection(), "upload", upload.sha1,
                        file.string() +
                            ": the fetched file is missing (run forumgate fetch with the same --uploads-dir)");
                    return;
                }
                std::string const bytes{std::istreambuf_iterator<char>{in}, {}};
                try {
                    auto const [url, short_url] = self.target.upload(name, bytes);
                    std::string const absolute = url.starts_with("http://") || url.starts_with("https://") ? url
                                                 : url.starts_with("//")
                                                     ? (m_context.site.tls ? "https:" : "http:") + url
                                                     : m_context.site.origin() + url;
                    // The map's key is the old path (the redirector's /uploads/… input).
                    auto const path_start = upload.url.find("/uploads/");
                    std::string const old_path =
                        path_start == std::string::npos ? upload.url : upload.url.substr(path_start);
                    pqxx::work txn{self.store.connection()};
                    // Uploads served from another host (a CDN): the map must allow it.
                    auto const host =
                        web::site_url::parse(absolute.substr(0, absolute.find('/', absolute.find("//") + 2)),
                                             "an upload URL")
                            .host;
                    if (host != m_context.site.host) {
                        txn.exec_params("UPDATE forumgate.settings SET upload_hosts = upload_hosts || $1::text "
                                        "WHERE NOT ($1 = ANY(upload_hosts))",
                                        host);
                    }
                    txn.exec_params(
                        "INSERT INTO forumgate.uploads (old_path, new_url) VALUES ($1, $2) ON CONFLICT (old_path) "
                        "DO UPDATE SET new_url = excluded.new_url",
                        old_path, absolute);
                    clear_failure(txn, "upload", upload.sha1);
                    txn.commit();
                    std::lock_guard const lock{counts};
                    ++m_summary.uploads_created;
                } catch (target_refusal const &refusal) {
                    record_failure(self.store.connection(), "upload", upload.sha1, refusal.what());
                } catch (web::fetch_error const &problem) {
                    record_failure(self.store.connection(), "upload", upload.sha1, problem.what());
                }
                shown.add();
            });
    }

    // -- Topics ---------------------------------------------------------------------------------

    std::string acting_user(std::string const &old_username) const
    {
        auto const found = m_new_username.find(base::ascii_lower(old_username));
        return found == m_new_username.end() ? std::string{} : found->second;
    }

    /// The raw to send: rewritten against the map as it is, with the original author named at
    /// the top when the post goes to another account.
    std::string composed_raw(old_post const &post, mappings::snapshot const &map, std::vector<std::string> &problems,
                             bool attributed = false) const
    {
        auto result = rewrite_post(post.raw, map);
        problems = std::move(result.problems);
        if (post.username.empty()) {
            return "*Originally posted on " + post.created_at.substr(0, 10) +
                   " by an account that no longer exists*\n\n" + result.raw;
        }
        if (attributed || m_attributed.contains(base::ascii_lower(post.username))) {
            return "*Originally posted by @" + post.username + " on " + post.created_at.substr(0, 10) + "*\n\n" +
                   result.raw;
        }
        return result.raw;
    }

    void import_topics(worker &main)
    {
        std::vector<std::int64_t> topics;
        {
            pqxx::read_transaction txn{main.store.connection()};
            // Oldest first: with created_at sent, the order only matters for new ids.
            for (auto const &row : txn.exec("SELECT id FROM forumgate.archive_topics ORDER BY created_at, id")) {
                topics.push_back(row[0].as<std::int64_t>());
            }
        }
        m_snapshot = main.store.load_snapshot();
        web::progress shown{"topics", "topics", topics.size(), m_options.terminal, m_options.quiet};
        shown.set_secondary_unit("posts");
        base::in_parallel(
            m_options.concurrency, topics, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, std::int64_t topic_id) {
                auto const posts = import_topic(self, topic_id);
                shown.add();
                shown.add_secondary(posts);
            });
        spdlog::info("import: topics {} created; posts {} created, {} found already there, {} skipped",
                     m_summary.topics_created, m_summary.posts_created, m_summary.posts_reconciled,
                     m_summary.posts_skipped);
    }

    /// \return the posts created or reconciled.
    std::uint64_t import_topic(worker &self, std::int64_t topic_id)
    {
        auto &connection = self.store.connection();
        old_topic topic;
        std::vector<old_post> posts;
        std::map<std::int64_t, std::pair<std::int64_t, int>> done; // old post id -> new id, new number
        std::optional<std::int64_t> new_topic_id;
        {
            pqxx::read_transaction txn{connection};
            auto const row = txn.exec_params1("SELECT id, title, slug, category_id, archetype, created_at, deleted_at "
                                              "IS NOT NULL, tags, participants "
                                              "FROM forumgate.archive_topics WHERE id = $1",
                                              topic_id);
            topic.id = row[0].as<std::int64_t>();
            topic.title = row[1].as<std::string>();
            topic.slug = row[2].as<std::string>();
            topic.category_id = row[3].is_null() ? std::nullopt : std::optional{row[3].as<std::int64_t>()};
            topic.archetype = row[4].as<std::string>();
            topic.created_at = row[5].as<std::string>();
            topic.deleted = row[6].as<bool>();
            topic.tags = pg::read_text_array(row[7]);
            topic.participants = pg::read_text_array(row[8]);
            for (auto const &p : txn.exec_params(
                     "SELECT id, post_number, coalesce(username, ''), post_type, raw, "
                     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                     "reply_to_post_number, "
                     "deleted_at IS NOT NULL FROM forumgate.archive_posts WHERE topic_id = $1 ORDER BY post_number",
                     topic_id)) {
                posts.push_back({p[0].as<std::int64_t>(), p[1].as<int>(), p[2].as<std::string>(), p[3].as<int>(),
                                 p[4].as<std::string>(), p[5].as<std::string>(),
                                 p[6].is_null() ? std::nullopt : std::optional{p[6].as<int>()}, p[7].as<bool>()});
            }
            for (auto const &p :
                 txn.exec_params("SELECT old_id, new_id, new_post_number, new_topic_id FROM forumgate.import_posts "
                                 "WHERE old_topic_id = $1",
                                 topic_id)) {
                done.emplace(p[0].as<std::int64_t>(), std::pair{p[1].as<std::int64_t>(), p[2].as<int>()});
                new_topic_id = p[3].as<std::int64_t>();
            }
        }
        std::string const key = std::to_string(topic_id);
        bool const is_message = topic.archetype == "private_message";
        bool const hidden_topic = restricted(topic.category_id) || is_message;
        auto const first = std::ranges::find(posts, 1, &old_post::post_number);
        if (topic.deleted || first == posts.end() || !copied(*first, false)) {
            // Deliberately not copied: the map says so, and the redirector answers 410.
            write_not_copied(connection, topic, posts, hidden_topic);
            return 0;
        }
        std::uint64_t count = 0;
        try {
            std::string const external_id = m_options.external_id_prefix + std::to_string(topic_id);
            // Reconcile: a topic created by an earlier run that stopped before recording it.
            if (!new_topic_id) {
                new_topic_id = self.target.topic_by_external_id(external_id);
                if (new_topic_id) {
                    spdlog::info("import: topic {} found on the new forum as {} (external id {})", topic_id,
                                 *new_topic_id, external_id);
                    if (!topic.tags.empty()) {
                        // The run that created it may have stopped before its tags were set.
                        std::vector<form_field> tags;
                        for (auto const &tag : topic.tags) {
                            tags.push_back({"tags[]", tag});
                        }
                        self.target.update_topic(m_options.api_username, *new_topic_id, tags);
                    }
                }
            }
            std::vector<target_post> existing;
            bool const reconcile = new_topic_id && std::ranges::any_of(posts, [&](old_post const &post) {
                                       return copied(post, m_options.keep_whispers) && !done.contains(post.id);
                                   });
            if (reconcile) {
                existing = self.target.topic_posts(*new_topic_id);
            }
            auto find_existing = [&](old_post const &post) -> target_post const * {
                auto const when = epoch_ms(post.created_at);
                // The author, or the admin who posted it naming the author.
                auto const author =
                    base::ascii_lower(post.username.empty() ? m_options.api_username : acting_user(post.username));
                auto const admin = base::ascii_lower(m_options.api_username);
                for (auto const &candidate : existing) {
                    auto const by = base::ascii_lower(candidate.username);
                    if ((by == author || by == admin) && epoch_ms(candidate.created_at) == when) {
                        return &candidate;
                    }
                }
                return nullptr;
            };
            std::string new_slug;
            for (auto const &post : posts) {
                if (!copied(post, m_options.keep_whispers) || done.contains(post.id)) {
                    continue;
                }
                // A post whose account was deleted on the old forum has no author: the admin
                // posts it, saying so.
                bool const deleted_author = post.username.empty();
                auto const acting = deleted_author ? m_options.api_username : acting_user(post.username);
                if (acting.empty()) {
                    throw target_refusal{"post " + std::to_string(post.id) + ": its author " + post.username +
                                             " was not placed on the new forum (see the user failures)",
                                         0,
                                         {}};
                }
                std::vector<std::string> problems;
                std::string raw = composed_raw(post, *m_snapshot, problems, deleted_author);
                created_post made;
                bool reconciled = false;
                bool attributed = deleted_author;
                // An author the new forum does not let post there (a restricted category whose
                // groups they are not in) is named at the top of a post by the admin instead.
                auto as_author_or_admin = [&](auto &&create) {
                    try {
                        return create(acting, raw);
                    } catch (target_refusal const &refusal) {
                        // Discourse refuses a reply in a topic the user may not post in with a 422
                        // "topic not found" message (PostCreator#valid?), a new topic with a 403.
                        bool const not_allowed = refusal.status() == 403 ||
                                                 (refusal.status() == 422 &&
                                                  std::ranges::any_of(refusal.errors(), [](std::string const &error) {
                                                      return error.find("closed or deleted") != std::string::npos;
                                                  }));
                        if (!not_allowed || base::iequals(acting, m_options.api_username)) {
                            throw;
                        }
                        attributed = true;
                        raw = composed_raw(post, *m_snapshot, problems, true);
                        problems.push_back("posted by " + m_options.api_username + " with the author named: " + acting +
                                           " may not post there on the new forum");
                        return create(m_options.api_username, raw);
                    }
                };
                if (auto const *there = reconcile ? find_existing(post) : nullptr) {
                    made = {there->id, *new_topic_id, there->post_number, {}};
                    reconciled = true;
                } else if (post.post_number == 1 && !new_topic_id) {
                    made = as_author_or_admin([&](std::string const &who, std::string const &text) {
                        return create_topic(self, topic, who, text, post.created_at, external_id);
                    });
                    new_topic_id = made.topic_id;
                    new_slug = made.topic_slug;
                } else if (post.post_number == 1) {
                    throw target_refusal{"topic " + key + ": the new forum has topic " + std::to_string(*new_topic_id) +
                                             " for it, but not its first post",
                                         0,
                                         {}};
                } else {
                    std::vector<form_field> fields{
                        {"topic_id", std::to_string(*new_topic_id)}, {"raw", raw}, {"created_at", post.created_at}};
                    if (post.reply_to) {
                        for (auto const &other : posts) {
                            if (other.post_number == *post.reply_to && done.contains(other.id)) {
                                fields.push_back({"reply_to_post_number", std::to_string(done.at(other.id).second)});
                            }
                        }
                    }
                    if (post.post_type == 4) {
                        fields.push_back({"whisper", "true"});
                    }
                    if (m_options.skip_validations) {
                        fields.push_back({"skip_validations", "true"});
                    }
                    fields.push_back({"import_mode", "true"});
                    made = as_author_or_admin([&](std::string const &who, std::string const &text) {
                        auto with_text = fields;
                        with_text[1].value = text;
                        return self.target.create_post(who, with_text);
                    });
                }
                done.emplace(post.id, std::pair{made.id, made.post_number});
                record_post(connection, topic, post, made, raw, problems, reconciled, hidden_topic, new_slug,
                            attributed);
                ++count;
                std::lock_guard const lock{m_counts};
                ++(reconciled ? m_summary.posts_reconciled : m_summary.posts_created);
                if (post.post_number == 1 && !reconciled) {
                    ++m_summary.topics_created;
                }
            }
            write_skipped(connection, topic, posts, done);
            pqxx::work txn{connection};
            clear_failure(txn, "topic", key);
            txn.commit();
        } catch (target_refusal const &refusal) {
            record_failure(connection, "topic", key, refusal.what());
        } catch (web::fetch_error const &problem) {
            record_failure(connection, "topic", key, problem.what());
        } catch (bad_answer const &problem) {
            record_failure(connection, "topic", key, problem.what());
        }
        return count;
    }

    created_post create_topic(worker &self, old_topic const &topic, std::string const &acting, std::string const &raw,
                              std::string const &created_at, std::string const &external_id)
    {
        std::vector<form_field> fields{
            {"title", topic.title}, {"raw", raw}, {"created_at", created_at}, {"external_id", external_id}};
        if (topic.archetype == "private_message") {
            std::string recipients;
            for (auto const &participant : topic.participants) {
                auto const name = acting_user(participant);
                if (!name.empty() && !base::iequals(name, acting)) {
                    recipients += (recipients.empty() ? "" : ",") + name;
                }
            }
            fields.push_back({"archetype", "private_message"});
            fields.push_back({"target_recipients", recipients});
        } else if (topic.category_id) {
            auto const category = m_new_category.find(*topic.category_id);
            if (category == m_new_category.end()) {
                throw target_refusal{"topic " + std::to_string(topic.id) + ": its category " +
                                         std::to_string(*topic.category_id) + " was not placed on the new forum",
                                     0,
                                     {}};
            }
            fields.push_back({"category", std::to_string(category->second)});
        }
        if (m_options.skip_validations) {
            fields.push_back({"skip_validations", "true"});
        }
        fields.push_back({"import_mode", "true"});
        for (auto const &tag : topic.tags) {
            fields.push_back({"tags[]", tag});
        }
        auto made = self.target.create_post(acting, fields);
        if (!topic.tags.empty() && !base::iequals(acting, m_options.api_username)) {
            // Discourse drops, without a word, the tags an author may not create (below
            // min_trust_to_create_tag): the admin sets them all again.
            std::vector<form_field> tags;
            for (auto const &tag : topic.tags) {
                tags.push_back({"tags[]", tag});
            }
            self.target.update_topic(m_options.api_username, made.topic_id, tags);
        }
        return made;
    }

    void record_post(pqxx::connection &connection, old_topic const &topic, old_post const &post,
                     created_post const &made, std::string const &raw, std::vector<std::string> const &problems,
                     bool reconciled, bool hidden_topic, std::string const &new_slug, bool attributed)
    {
        pqxx::work txn{connection};
        if (post.post_number == 1) {
            txn.exec_params(
                "INSERT INTO forumgate.topics (old_id, old_slug, new_id, new_slug, restricted) VALUES ($1, $2, $3, $4, "
                "$5) "
                "ON CONFLICT (old_id) DO UPDATE SET old_slug = excluded.old_slug, new_id = excluded.new_id, "
                "new_slug = CASE WHEN excluded.new_slug = '' THEN forumgate.topics.new_slug ELSE excluded.new_slug "
                "END, "
                "restricted = excluded.restricted",
                topic.id, topic.slug, made.topic_id, new_slug.empty() ? topic.slug : new_slug, hidden_topic);
        }
        txn.exec_params("INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, new_id, new_topic_id, "
                        "new_post_number, hidden) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (old_id) DO UPDATE SET old_topic_id = "
                        "excluded.old_topic_id, "
                        "old_post_number = excluded.old_post_number, new_id = excluded.new_id, new_topic_id = "
                        "excluded.new_topic_id, "
                        "new_post_number = excluded.new_post_number, hidden = excluded.hidden",
                        post.id, topic.id, post.post_number, made.id, made.topic_id, made.post_number,
                        post.post_type == 4);
        txn.exec_params(
            "INSERT INTO forumgate.import_posts (old_id, old_topic_id, new_id, new_topic_id, new_post_number, "
            "sent_raw, "
            "problems, reconciled, attributed) VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9) ON CONFLICT "
            "(old_id) "
            "DO UPDATE SET new_id = excluded.new_id, new_topic_id = excluded.new_topic_id, "
            "new_post_number = excluded.new_post_number, sent_raw = excluded.sent_raw, problems = excluded.problems, "
            "reconciled = excluded.reconciled, attributed = excluded.attributed, updated_at = now()",
            post.id, topic.id, made.id, made.topic_id, made.post_number, reconciled ? std::string{} : raw,
            pg::text_array_literal(problems), reconciled, attributed);
        txn.commit();
    }

    /// The posts deliberately not copied (small actions, whispers, deleted) go into the map
    /// without a new place: the redirector sends their links to the nearest copied post.
    void write_skipped(pqxx::connection &connection, old_topic const &topic, std::vector<old_post> const &posts,
                       std::map<std::int64_t, std::pair<std::int64_t, int>> const &done)
    {
        pqxx::work txn{connection};
        std::uint64_t skipped = 0;
        for (auto const &post : posts) {
            if (done.contains(post.id) || copied(post, m_options.keep_whispers)) {
                continue;
            }
            txn.exec_params(
                "INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, hidden) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (old_id) DO NOTHING",
                post.id, topic.id, post.post_number, post.deleted || post.post_type == 4);
            ++skipped;
        }
        txn.commit();
        std::lock_guard const lock{m_counts};
        m_summary.posts_skipped += skipped;
    }

    void write_not_copied(pqxx::connection &connection, old_topic const &topic, std::vector<old_post> const &posts,
                          bool hidden_topic)
    {
        pqxx::work txn{connection};
        txn.exec_params("INSERT INTO forumgate.topics (old_id, old_slug, restricted) VALUES ($1, $2, $3) ON CONFLICT "
                        "(old_id) DO NOTHING",
                        topic.id, topic.slug, hidden_topic);
        for (auto const &post : posts) {
            txn.exec_params(
                "INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, hidden) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (old_id) DO NOTHING",
                post.id, topic.id, post.post_number, post.deleted || post.post_type == 4);
        }
        clear_failure(txn, "topic", std::to_string(topic.id));
        txn.commit();
        std::lock_guard const lock{m_counts};
        m_summary.posts_skipped += posts.size();
    }

    // -- The rewrite pass -----------------------------------------------------------------------

    struct sent_post
    {
        std::int64_t old_id = 0;
        std::int64_t new_id = 0;
        std::string sent_raw;
        old_post post;
        bool attributed = false;
    };

    /// With the whole map known, every copied post is rewritten again; those whose raw changes
    /// (links to topics created after them, quotes of posts of their own topic) are edited as the
    /// admin without bumping the topic (discourse.md §3.4.1).
    void rewrite_pass()
    {
        std::vector<sent_post> posts;
        {
            pqxx::connection connection{m_options.database};
            pqxx::read_transaction txn{connection};
            m_snapshot = store::database{m_options.database}.load_snapshot();
            for (auto const &row :
                 txn.exec("SELECT i.old_id, i.new_id, i.sent_raw, p.raw, coalesce(p.username, ''), "
                          "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), i.attributed "
                          "FROM forumgate.import_posts i JOIN forumgate.archive_posts p ON p.id = i.old_id ORDER BY "
                          "i.old_id")) {
                sent_post item;
                item.old_id = row[0].as<std::int64_t>();
                item.new_id = row[1].as<std::int64_t>();
                item.sent_raw = row[2].as<std::string>();
                item.post.raw = row[3].as<std::string>();
                item.post.username = row[4].as<std::string>();
                item.post.created_at = row[5].as<std::string>();
                item.attributed = row[6].as<bool>();
                posts.push_back(std::move(item));
            }
        }
        web::progress shown{"rewrite", "posts", posts.size(), m_options.terminal, m_options.quiet};
        base::in_parallel(
            m_options.concurrency, posts, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, sent_post const &item) {
                std::vector<std::string> problems;
                auto const raw = composed_raw(item.post, *m_snapshot, problems, item.attributed);
                if (item.attributed) {
                    problems.push_back("posted by " + m_options.api_username + " with the author named");
                }
                bool edited = false;
                try {
                    if (raw != item.sent_raw) {
                        self.target.edit_post(m_options.api_username, item.new_id,
                                              {{"post[raw]", raw},
                                               {"post[edit_reason]", "links to the old forum updated"},
                                               {"bypass_bump", "true"}});
                        edited = true;
                    }
                    pqxx::work txn{self.store.connection()};
                    txn.exec_params(
                        "UPDATE forumgate.import_posts SET sent_raw = $2, problems = $3::text[], updated_at = now() "
                        "WHERE old_id = $1",
                        item.old_id, raw, pg::text_array_literal(problems));
                    clear_failure(txn, "edit", std::to_string(item.old_id));
                    txn.commit();
                } catch (target_refusal const &refusal) {
                    record_failure(self.store.connection(), "edit", std::to_string(item.old_id), refusal.what());
                } catch (web::fetch_error const &problem) {
                    record_failure(self.store.connection(), "edit", std::to_string(item.old_id), problem.what());
                }
                std::lock_guard const lock{m_counts};
                m_summary.posts_edited += edited ? 1 : 0;
                if (!problems.empty()) {
                    ++m_summary.posts_with_problems;
                    for (auto const &problem : problems) {
                        if (m_summary.problem_lines.size() < 1000) {
                            m_summary.problem_lines.push_back("post " + std::to_string(item.old_id) + " (new " +
                                                              std::to_string(item.new_id) + "): " + problem);
                        }
                    }
                }
                shown.add();
            });
    }

    // -- Failures -------------------------------------------------------------------------------

    static void clear_failure(pqxx::work &txn, std::string const &kind, std::string const &key)
    {
        txn.exec_params("DELETE FROM forumgate.import_failures WHERE kind = $1 AND key = $2", kind, key);
    }

    static void record_failure(pqxx::connection &connection, std::string const &kind, std::string const &key,
                               std::string const &reason)
    {
        spdlog::warn("import: {} {}: {}", kind, key, printable_text(reason));
        pqxx::work txn{connection};
        txn.exec_params(
            "INSERT INTO forumgate.import_failures (kind, key, reason) VALUES ($1, $2, $3) ON CONFLICT (kind, key) "
            "DO UPDATE SET reason = excluded.reason, attempts = forumgate.import_failures.attempts + 1, last_failed_at "
            "= now()",
            kind, key, printable_text(reason));
        txn.commit();
    }

    void collect_failures(worker &main)
    {
        pqxx::read_transaction txn{main.store.connection()};
        for (auto const &row :
             txn.exec("SELECT kind, key, reason, attempts FROM forumgate.import_failures ORDER BY kind, key")) {
            m_summary.failure_lines.push_back(fmt::format("{} {}: {} (attempts {})", row[0].as<std::string>(),
                                                          row[1].as<std::string>(), row[2].as<std::string>(),
                                                          row[3].as<int>()));
        }
        m_summary.failures = m_summary.failure_lines.size();
    }

    import_options const &m_options;
    run_context m_context;
    import_summary m_summary;
    std::mutex m_counts;
    std::string m_source;
    std::map<std::int64_t, old_category> m_categories;
    std::map<std::int64_t, std::int64_t> m_new_category;
    std::unordered_map<std::string, std::string> m_new_username; ///< old lowercase -> new
    std::set<std::string> m_attributed;                          ///< old lowercase names posted as someone else
    std::shared_ptr<mappings::snapshot const> m_snapshot;
};

} // namespace

import_summary run_import(import_options const &options)
{
    return import_run{options}.run();
}

} // namespace forumgate::importer
