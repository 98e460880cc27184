#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/map_file.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Loading map files (CSV) into the map tables: each file is read, checked and COPYed into a
// staging table, then merged into its table, all in one transaction.

namespace forumgate::store {
namespace {

namespace fs = std::filesystem;

/// Advisory lock key (ASCII "fgloadmp"; migrations take "fgmigrat", schema.cpp). Loads take it
/// so that two loads queue up instead of waiting on each other's row locks (and possibly deadlocking).
constexpr std::int64_t LOAD_LOCK_KEY = 0x66676C6F61646D70;

/// Inserts the staging table's rows into a map table, and updates the rows whose values
/// differ; identical rows are not touched (so an identical reload bumps no version).
/// \return the rows inserted and updated.
std::pair<std::int64_t, std::int64_t> merge(pqxx::transaction_base &txn, std::string_view staging,
                                            std::string_view table, std::string_view key,
                                            std::initializer_list<std::string_view> values)
{
    std::string value_list;
    std::string assignments;
    std::string target_values;
    std::string new_values;
    std::string stored_values;
    std::string staged_values;
    for (auto const value : values) {
        bool const first = value_list.empty();
        std::string_view const comma = first ? "" : ", ";
        value_list += fmt::format("{}{}", comma, value);
        assignments += fmt::format("{}{} = excluded.{}", comma, value, value);
        target_values += fmt::format("{}target.{}", comma, value);
        new_values += fmt::format("{}excluded.{}", comma, value);
        stored_values += fmt::format("{}stored.{}", comma, value);
        staged_values += fmt::format("{}staged.{}", comma, value);
    }
    // The NOT EXISTS drops unchanged rows before the INSERT sees them. ON CONFLICT … WHERE alone
    // would give the same result, but it locks every conflicting row it does not update, which
    // rewrites every page of the table on an identical reload (39 s instead of 13 s for 10M
    // posts). The WHERE stays as the rule of what counts as a change.
    // xmax is 0 on a freshly inserted row version and set on an updated one (the old version's
    // row lock carries over): the usual way to tell the two apart in one statement.
    auto const started = std::chrono::steady_clock::now();
    auto const row = txn.exec1(
        fmt::format("WITH changed AS ("
                    "INSERT INTO forumgate.{table} AS target ({key}, {values}) "
                    "SELECT {key}, {values} FROM {staging} AS staged WHERE NOT EXISTS ("
                    "SELECT FROM forumgate.{table} AS stored WHERE stored.{key} = staged.{key} "
                    "AND ({stored_values}) IS NOT DISTINCT FROM ({staged_values})) "
                    "ON CONFLICT ({key}) DO UPDATE SET {assignments} "
                    "WHERE ({target_values}) IS DISTINCT FROM ({new_values}) "
                    "RETURNING (target.xmax = 0) AS inserted) "
                    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM changed",
                    fmt::arg("table", table), fmt::arg("key", key), fmt::arg("values", value_list),
                    fmt::arg("staging", staging), fmt::arg("assignments", assignments),
                    fmt::arg("target_values", target_values), fmt::arg("new_values", new_values),
                    fmt::arg("stored_values", stored_values), fmt::arg("staged_values", staged_values)));
    spdlog::debug("merged {} into forumgate.{} in {:.1f} s", staging, table, seconds_since(started));
    return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
}

load_result::file file_result(map_file const &file, std::pair<std::int64_t, std::int64_t> changed)
{
    return {file.name(), file.rows(), changed.first, changed.second, 0};
}

namespace topic_csv {
enum : std::size_t
{
    old_id,
    old_slug,
    new_id,
    new_slug,
    restricted
};
constexpr std::array<column_spec, 5> COLUMNS{
    {{"old_id", true}, {"old_slug", true}, {"new_id", true}, {"new_slug", true}, {"restricted", false}}};
} // namespace topic_csv

load_result::file load_topics(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "topics.csv", topic_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_topics (old_id bigint, old_slug text, new_id bigint, new_slug text, "
             "restricted boolean, line bigint) ON COMMIT DROP");
    row_checker<topic_row> checker{settings, false};
    id_duplicates duplicates{"topic"};
    {
        pg::copy_writer staging{txn, "fg_load_topics"};
        topic_row row;
        while (file.next()) {
            row.old_id = file.id(topic_csv::old_id);
            row.old_slug = file.text(topic_csv::old_slug);
            row.new_id = file.optional_id(topic_csv::new_id);
            row.new_slug = file.text(topic_csv::new_slug);
            row.restricted = file.flag(topic_csv::restricted);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.text(row.old_slug);
            staging.number(row.new_id);
            staging.text(row.new_slug);
            staging.flag(row.restricted);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    return file_result(
        file, merge(txn, "fg_load_topics", "topics", "old_id", {"old_slug", "new_id", "new_slug", "restricted"}));
}

namespace post_csv {
enum : std::size_t
{
    old_id,
    old_topic_id,
    old_post_number,
    new_id,
    new_topic_id,
    new_post_number,
    hidden
};
constexpr std::array<column_spec, 7> COLUMNS{{{"old_id", true},
                                              {"old_topic_id", true},
                                              {"old_post_number", true},
                                              {"new_id", true},
                                              {"new_topic_id", true},
                                              {"new_post_number", true},
                                              {"hidden", false}}};
} // namespace post_csv

/// Explains why (old_topic_id, old_post_number) is not unique, with lines, after the merge of
/// posts failed on it.
[[noreturn]] void explain_post_number_clash(pqxx::transaction_base &txn, std::string const &message)
{
    auto const in_file =
        txn.exec("SELECT s.line, s.old_id, s.old_topic_id, s.old_post_number, f.line, f.old_id FROM fg_load_posts s "
                 "JOIN fg_load_posts f ON f.old_topic_id = s.old_topic_id AND f.old_post_number = s.old_post_number "
                 "AND f.line < s.line ORDER BY s.line LIMIT 1");
    if (!in_file.empty()) {
        auto const &r = in_file[0];
        throw input_error{fmt::format("posts.csv:{}: post {}: topic {} post number {} is already post {} on line {}",
                                      r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[5].c_str(),
                                      r[4].c_str())};
    }
    auto const stored =
        txn.exec("SELECT s.line, s.old_id, s.old_topic_id, s.old_post_number, p.old_id FROM fg_load_posts s "
                 "JOIN forumgate.posts p ON p.old_topic_id = s.old_topic_id AND p.old_post_number = s.old_post_number "
                 "AND p.old_id <> s.old_id WHERE NOT EXISTS (SELECT FROM fg_load_posts o WHERE o.old_id = p.old_id) "
                 "ORDER BY s.line LIMIT 1");
    if (!stored.empty()) {
        auto const &r = stored[0];
        throw input_error{fmt::format("posts.csv:{}: post {}: topic {} post number {} is already post {} in the map",
                                      r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str())};
    }
    throw database_error{fmt::format("loading posts.csv: {}", message)};
}

load_result::file load_posts(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "posts.csv", post_csv::COLUMNS};
    txn.exec(
        "CREATE TEMP TABLE fg_load_posts (old_id bigint, old_topic_id bigint, old_post_number integer, "
        "new_id bigint, new_topic_id bigint, new_post_number integer, hidden boolean, line bigint) ON COMMIT DROP");
    row_checker<post_row> checker{settings, false};
    id_duplicates duplicates{"post"};
    {
        pg::copy_writer staging{txn, "fg_load_posts"};
        post_row row;
        while (file.next()) {
            row.old_id = file.id(post_csv::old_id);
            row.old_topic_id = file.id(post_csv::old_topic_id);
            row.old_post_number = file.post_number(post_csv::old_post_number);
            row.new_id = file.optional_id(post_csv::new_id);
            row.new_topic_id = file.optional_id(post_csv::new_topic_id);
            row.new_post_number = file.optional_post_number(post_csv::new_post_number);
            row.hidden = file.flag(post_csv::hidden);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.number(row.old_topic_id);
            staging.number(row.old_post_number);
            staging.number(row.new_id);
            staging.number(row.new_topic_id);
            staging.number(row.new_post_number);
            staging.flag(row.hidden);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    // In a savepoint, so that a clash of post numbers can be explained afterwards.
    std::string clash;
    try {
        pqxx::subtransaction merging{txn, "merge_posts"};
        auto const changed =
            merge(merging, "fg_load_posts", "posts", "old_id",
                  {"old_topic_id", "old_post_number", "new_id", "new_topic_id", "new_post_number", "hidden"});
        merging.commit();
        return file_result(file, changed);
    } catch (pqxx::unique_violation const &e) {
        clash = pg::server_message(e);
    }
    explain_post_number_clash(txn, clash);
}

namespace category_csv {
enum : std::size_t
{
    old_id,
    old_slug_path,
    new_id,
    new_slug_path,
    restricted
};
constexpr std::array<column_spec, 5> COLUMNS{
    {{"old_id", true}, {"old_slug_path", true}, {"new_id", true}, {"new_slug_path", true}, {"restricted", false}}};
} // namespace category_csv

load_result::file load_categories(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "categories.csv", category_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_categories (old_id bigint, old_slug_path text, new_id bigint, "
             "new_slug_path text, restricted boolean, line bigint) ON COMMIT DROP");
    row_checker<category_row> checker{settings, true};
    id_duplicates duplicates{"category"};
    {
        pg::copy_writer staging{txn, "fg_load_categories"};
        category_row row;
        while (file.next()) {
            row.old_id = file.id(category_csv::old_id);
            row.old_slug_path = file.text(category_csv::old_slug_path);
            row.new_id = file.optional_id(category_csv::new_id);
            row.new_slug_path = file.text(category_csv::new_slug_path);
            row.restricted = file.flag(category_csv::restricted);
            checker.check(row, file);
            duplicates.add(row.old_id, file);
            staging.number(row.old_id);
            staging.text(row.old_slug_path);
            staging.number(row.new_id);
            staging.text(row.new_slug_path);
            staging.flag(row.restricted);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        duplicates.check(file);
        staging.complete();
    }
    return file_result(file, merge(txn, "fg_load_categories", "categories", "old_id",
                                   {"old_slug_path", "new_id", "new_slug_path", "restricted"}));
}

// users.csv and tags.csv: a name and its new name, compared without regard to ASCII case (as
// the snapshot looks names up).
struct name_file
{
    std::string_view file;       ///< "users.csv"
    std::string_view table;      ///< "users"
    std::string_view old_column; ///< "old_username"
    std::string_view new_column; ///< "new_username"
    std::string_view label;      ///< "user", in messages
};

constexpr name_file USERS_FILE{"users.csv", "users", "old_username", "new_username", "user"};
constexpr name_file TAGS_FILE{"tags.csv", "tags", "old_name", "new_name", "tag"};

template <typename Row>
load_result::file load_names(pqxx::work &txn, fs::path const &path, site_settings const &settings,
                             name_file const &spec, std::string Row::*old_name,
                             std::optional<std::string> Row::*new_name)
{
    enum : std::size_t
    {
        old_index,
        new_index
    };
    std::array<column_spec, 2> const columns{{{spec.old_column, true}, {spec.new_column, true}}};
    map_file file{path, std::string{spec.file}, columns};
    std::string const staging_table = fmt::format("fg_load_{}", spec.table);
    txn.exec(fmt::format("CREATE TEMP TABLE {} ({}_lower text, {} text, {} text, line bigint) ON COMMIT DROP",
                         staging_table, spec.old_column, spec.old_column, spec.new_column));
    row_checker<Row> checker{settings, true};
    name_duplicates duplicates{spec.label};
    {
        pg::copy_writer staging{txn, staging_table};
        Row row;
        while (file.next()) {
            row.*old_name = file.text(old_index);
            file.optional_text(new_index, row.*new_name);
            checker.check(row, file);
            std::string key = base::ascii_lower(row.*old_name);
            staging.text(key);
            duplicates.add(std::move(key), row.*old_name, file);
            staging.text(row.*old_name);
            staging.text_or_null(row.*new_name);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    std::string const key = fmt::format("{}_lower", spec.old_column);
    return file_result(file, merge(txn, staging_table, spec.table, key, {spec.old_column, spec.new_column}));
}

load_result::file load_users(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    return load_names(txn, path, settings, USERS_FILE, &user_row::old_username, &user_row::new_username);
}

load_result::file load_tags(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    return load_names(txn, path, settings, TAGS_FILE, &tag_row::old_name, &tag_row::new_name);
}

namespace upload_csv {
enum : std::size_t
{
    old_path,
    new_url
};
constexpr std::array<column_spec, 2> COLUMNS{{{"old_path", true}, {"new_url", true}}};
} // namespace upload_csv

load_result::file load_uploads(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "uploads.csv", upload_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_uploads (old_path text, new_url text, line bigint) ON COMMIT DROP");
    row_checker<upload_row> checker{settings, true};
    name_duplicates duplicates{"upload"};
    {
        pg::copy_writer staging{txn, "fg_load_uploads"};
        upload_row row;
        while (file.next()) {
            row.old_path = file.text(upload_csv::old_path);
            file.optional_text(upload_csv::new_url, row.new_url);
            checker.check(row, file);
            duplicates.add(row.old_path, row.old_path, file);
            staging.text(row.old_path);
            staging.text_or_null(row.new_url);
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    return file_result(file, merge(txn, "fg_load_uploads", "uploads", "old_path", {"new_url"}));
}

namespace rule_csv {
enum : std::size_t
{
    pattern,
    replacement,
    kind
};
constexpr std::array<column_spec, 3> COLUMNS{{{"pattern", true}, {"replacement", true}, {"kind", false}}};
} // namespace rule_csv

std::string_view rule_kind_name(rule_kind kind)
{
    return kind == rule_kind::rewrite ? "rewrite" : "redirect";
}

load_result::file load_rules(pqxx::work &txn, fs::path const &path, site_settings const &settings)
{
    map_file file{path, "rules.csv", rule_csv::COLUMNS};
    txn.exec("CREATE TEMP TABLE fg_load_rules (position integer, pattern text, replacement text, kind text, "
             "line bigint) ON COMMIT DROP");
    row_checker<rule_row> checker{settings, true};
    std::int64_t position = 0;
    {
        pg::copy_writer staging{txn, "fg_load_rules"};
        rule_row row;
        while (file.next()) {
            row.pattern = file.text(rule_csv::pattern);
            row.replacement = file.text(rule_csv::replacement);
            std::string const kind = base::ascii_lower(file.text(rule_csv::kind));
            if (kind.empty() || kind == "redirect") {
                row.kind = rule_kind::redirect;
            } else if (kind == "rewrite") {
                row.kind = rule_kind::rewrite;
            } else {
                file.fail(fmt::format("kind '{}' is neither redirect nor rewrite", shown(file.field(rule_csv::kind))));
            }
            checker.check(row, file);
            staging.number(static_cast<std::uint64_t>(++position));
            staging.text(row.pattern);
            staging.text(row.replacement);
            staging.text(rule_kind_name(row.kind));
            staging.number(file.line());
            staging.end_row();
        }
        checker.finish(file);
        staging.complete();
    }
    // Rules are tried in order, so the file replaces them all: rule N is the file's Nth row.
    auto result =
        file_result(file, merge(txn, "fg_load_rules", "rules", "position", {"pattern", "replacement", "kind"}));
    result.deleted = static_cast<std::int64_t>(
        txn.exec_params("DELETE FROM forumgate.rules WHERE position > $1", position).affected_rows());
    return result;
}

namespace settings_csv {
enum : std::size_t
{
    key,
    value
};
constexpr std::array<column_spec, 2> COLUMNS{{{"key", true}, {"value", true}}};
} // namespace settings_csv

/// Reads settings.csv (normalised). \throws input_error naming the file.
site_settings read_settings_file(fs::path const &path, std::int64_t &rows)
{
    map_file file{path, "settings.csv", settings_csv::COLUMNS};
    site_settings settings;
    std::uint64_t new_base_line = 0;
    while (file.next()) {
        std::string_view const key = file.text(settings_csv::key);
        std::string_view const value = file.text(settings_csv::value);
        if (key == "new_base") {
            if (new_base_line != 0) {
                file.fail(fmt::format("new_base already on line {}", new_base_line));
            }
            new_base_line = file.line();
            settings.new_base = value;
        } else if (key == "old_host") {
            settings.old_hosts.emplace_back(value);
        } else if (key == "upload_host") {
            settings.upload_hosts.emplace_back(value);
        } else {
            file.fail(fmt::format("unknown key '{}' (the keys are new_base, old_host and upload_host)", shown(key)));
        }
    }
    rows = file.rows();
    if (new_base_line == 0) {
        throw input_error{"settings.csv: no new_base row"};
    }
    try {
        normalise(settings);
    } catch (input_error const &e) {
        throw input_error{fmt::format("settings.csv: {}", e.what())};
    }
    return settings;
}

/// The map files in the order they are loaded.
struct map_file_kind
{
    std::string_view name;
    load_result::file (*load)(pqxx::work &, fs::path const &, site_settings const &);
};

constexpr std::array<map_file_kind, 7> MAP_FILES{{
    {"topics.csv", load_topics},
    {"posts.csv", load_posts},
    {"categories.csv", load_categories},
    {"users.csv", load_users},
    {"tags.csv", load_tags},
    {"uploads.csv", load_uploads},
    {"rules.csv", load_rules},
}};

} // namespace

load_result database::load_csv(std::filesystem::path const &dir, std::optional<site_settings> settings)
{
    if (!fs::is_directory(dir)) {
        throw input_error{fmt::format("{} is not a folder", dir.string())};
    }
    return pg::with_context(fmt::format("loading the map from {} into {}", dir.string(), m_description), [&] {
        load_result result;
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        txn.exec(fmt::format("SELECT pg_advisory_xact_lock({})", LOAD_LOCK_KEY));
        result.version_before = read_map_version(txn);

        // Settings given by the caller win over settings.csv; either is stored (if it differs
        // from what is stored) and used to check the rows. Without either, the stored ones are.
        std::optional<load_result::file> settings_file;
        if (settings) {
            normalise(*settings);
        } else if (fs::exists(dir / "settings.csv")) {
            settings_file.emplace();
            settings_file->name = "settings.csv";
            settings = read_settings_file(dir / "settings.csv", settings_file->rows);
        }
        if (settings) {
            auto const change = store_settings(txn, *settings);
            if (settings_file) {
                settings_file->inserted = change == settings_change::inserted ? 1 : 0;
                settings_file->updated = change == settings_change::updated ? 1 : 0;
                result.files.push_back(*settings_file);
            }
        } else {
            settings = read_settings(txn);
        }

        for (auto const &kind : MAP_FILES) {
            fs::path const path = dir / kind.name;
            if (!fs::exists(path)) {
                continue;
            }
            if (!settings) {
                throw input_error{
                    "the map has no site settings yet: --new-base and --old-host are needed on the first load"};
            }
            auto const started = std::chrono::steady_clock::now();
            result.files.push_back(kind.load(txn, path, *settings));
            spdlog::debug("{}: {} rows read, checked and merged in {:.1f} s", kind.name, result.files.back().rows,
                          seconds_since(started));
        }
        result.version_after = read_map_version(txn);
        txn.commit();
        return result;
    });
}

} // namespace forumgate::store
