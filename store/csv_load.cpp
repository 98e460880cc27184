#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/map_file.hpp"
#include "store/map_tables.hpp"
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
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
                                            std::span<std::string_view const> values)
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

std::string staging_name(map_table_spec const &table)
{
    return fmt::format("fg_load_{}", table.name);
}

/// Creates a load's staging table: the table's key where it is derived, its columns, and the
/// line each row came from (for messages).
void create_staging_table(pqxx::work &txn, map_table_spec const &table)
{
    std::string columns;
    if (table.key_from == derived_key::lowercase) {
        columns = fmt::format("{} text, ", table.key);
    } else if (table.key_from == derived_key::position) {
        columns = fmt::format("{} integer, ", table.key);
    }
    for (auto const &column : table.columns) {
        columns += fmt::format("{} {}, ", column.name, sql_type(column.type));
    }
    txn.exec(fmt::format("CREATE TEMP TABLE {} ({}line bigint) ON COMMIT DROP", staging_name(table), columns));
}

/// Writes the current row of `file` to the staging table, in the order create_staging_table
/// made its columns. `position`: the row's place in the file.
void stage_row(pg::copy_writer &staging, map_file const &file, map_table_spec const &table, std::int64_t position)
{
    if (table.key_from == derived_key::lowercase) {
        staging.text(base::ascii_lower(file.text(0)));
    } else if (table.key_from == derived_key::position) {
        staging.number(static_cast<std::uint64_t>(position));
    }
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        auto const &column = table.columns[i];
        if (column.empty_is_null && file.field(i).empty()) {
            staging.null();
            continue;
        }
        switch (column.type) {
        case column_type::id:
            staging.number(file.id(i));
            break;
        case column_type::post_number:
            staging.number(file.post_number(i));
            break;
        case column_type::flag:
            staging.flag(file.flag(i));
            break;
        case column_type::text:
            staging.text(file.text(i));
            break;
        case column_type::rule_kind:
            staging.text(file.kind(i) == rule_kind::rewrite ? "rewrite" : "redirect");
            break;
        }
    }
    staging.number(file.line());
    staging.end_row();
}

/// Finds nothing: rules may repeat (each is tried in turn).
struct no_duplicates
{
    template <typename Row>
    void add(Row const & /*row*/, map_file const & /*file*/)
    {}
    void check(map_file const & /*file*/) {}
};

/// Reads every row of `file` into a Row (`read`), checks it as a snapshot build would
/// (`check_build`: also the checks build() makes) and against the file's other rows
/// (`duplicates`), and calls `each` after each row.
template <typename Row, typename Duplicates>
void read_rows(map_file &file, site_settings const &settings, bool check_build, void (*read)(map_file const &, Row &),
               Duplicates &&duplicates, std::function<void()> const &each)
{
    row_checker<Row> checker{settings, check_build};
    Row row;
    while (file.next()) {
        read(file, row);
        checker.check(row, file);
        duplicates.add(row, file);
        each();
    }
    checker.finish(file);
    duplicates.check(file);
}

/// Inserts the staging table's rows into the map table, and updates the rows whose values
/// differ (merge()). \return what a load reports of the file.
load_result::file merge_file(pqxx::transaction_base &txn, map_file const &file, map_table_spec const &table)
{
    std::vector<std::string_view> values;
    for (auto const name : table.names) {
        if (name != table.key) {
            values.push_back(name);
        }
    }
    return file_result(file, merge(txn, staging_name(table), table.name, table.key, values));
}

/// Old ids given twice in a file of topics, posts or categories.
struct old_id_duplicates : id_duplicates
{
    using id_duplicates::id_duplicates;
    template <typename Row>
    void add(Row const &row, map_file const &file)
    {
        id_duplicates::add(row.old_id, file);
    }
};

/// Names given twice (ignoring ASCII case) in a file of users or tags, or upload paths.
template <typename Row>
struct old_name_duplicates : name_duplicates
{
    old_name_duplicates(std::string_view what, std::string Row::*name, bool ignore_case)
        : name_duplicates{what}, m_name{name}, m_ignore_case{ignore_case}
    {}
    void add(Row const &row, map_file const &file)
    {
        std::string const &name = row.*m_name;
        name_duplicates::add(m_ignore_case ? base::ascii_lower(name) : name, name, file);
    }
    void check(map_file const & /*file*/) {}

    std::string Row::*m_name;
    bool m_ignore_case;
};

/// Reads a topic's or a category's row: old id, old slug (path), new id, new slug (path), restricted.
template <typename Row, std::string Row::*old_slug, std::string Row::*new_slug>
void read_place(map_file const &file, Row &row)
{
    row.old_id = file.id(0);
    row.*old_slug = file.text(1);
    row.new_id = file.optional_id(2);
    row.*new_slug = file.text(3);
    row.restricted = file.flag(4);
}

void read_post(map_file const &file, post_row &row)
{
    row.old_id = file.id(0);
    row.old_topic_id = file.id(1);
    row.old_post_number = file.post_number(2);
    row.new_id = file.optional_id(3);
    row.new_topic_id = file.optional_id(4);
    row.new_post_number = file.optional_post_number(5);
    row.hidden = file.flag(6);
}

/// Reads a row of a name and its new name (none when empty): users, tags, uploads.
template <typename Row, std::string Row::*old_name, std::optional<std::string> Row::*new_name>
void read_names(map_file const &file, Row &row)
{
    row.*old_name = file.text(0);
    file.optional_text(1, row.*new_name);
}

void read_rule(map_file const &file, rule_row &row)
{
    row.pattern = file.text(0);
    row.replacement = file.text(1);
    row.kind = file.kind(2);
}

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

} // namespace

void read_map_rows(map_file &file, map_table_spec const &table, site_settings const &settings,
                   std::function<void()> const &each)
{
    switch (table.table) {
    case map_table::topics:
        read_rows(file, settings, false, read_place<topic_row, &topic_row::old_slug, &topic_row::new_slug>,
                  old_id_duplicates{table.what}, each);
        return;
    case map_table::posts:
        read_rows(file, settings, false, read_post, old_id_duplicates{table.what}, each);
        return;
    case map_table::categories:
        read_rows(file, settings, true,
                  read_place<category_row, &category_row::old_slug_path, &category_row::new_slug_path>,
                  old_id_duplicates{table.what}, each);
        return;
    case map_table::users:
        read_rows(file, settings, true, read_names<user_row, &user_row::old_username, &user_row::new_username>,
                  old_name_duplicates<user_row>{table.what, &user_row::old_username, true}, each);
        return;
    case map_table::tags:
        read_rows(file, settings, true, read_names<tag_row, &tag_row::old_name, &tag_row::new_name>,
                  old_name_duplicates<tag_row>{table.what, &tag_row::old_name, true}, each);
        return;
    case map_table::uploads:
        read_rows(file, settings, true, read_names<upload_row, &upload_row::old_path, &upload_row::new_url>,
                  old_name_duplicates<upload_row>{table.what, &upload_row::old_path, false}, each);
        return;
    case map_table::rules:
        read_rows(file, settings, true, read_rule, no_duplicates{}, each);
        return;
    }
}

namespace {

/// Loads one map file of `table` (which `dir / {name}.csv` names) in the caller's transaction:
/// its rows are read, checked and COPYed into a staging table, then merged into the table.
load_result::file load_table(pqxx::work &txn, map_file &file, map_table_spec const &table,
                             site_settings const &settings)
{
    create_staging_table(txn, table);
    {
        pg::copy_writer staging{txn, staging_name(table)};
        read_map_rows(file, table, settings, [&] { stage_row(staging, file, table, file.rows()); });
        staging.complete();
    }
    switch (table.table) {
    case map_table::posts: {
        // In a savepoint, so that a clash of post numbers can be explained afterwards.
        std::string clash;
        try {
            pqxx::subtransaction merging{txn, "merge_posts"};
            auto result = merge_file(merging, file, table);
            merging.commit();
            return result;
        } catch (pqxx::unique_violation const &e) {
            clash = pg::server_message(e);
        }
        explain_post_number_clash(txn, clash);
    }
    case map_table::rules: {
        // Rules are tried in order, so the file replaces them all: rule N is the file's Nth row.
        auto result = merge_file(txn, file, table);
        result.deleted = static_cast<std::int64_t>(
            txn.exec_params("DELETE FROM forumgate.rules WHERE position > $1", file.rows()).affected_rows());
        return result;
    }
    default:
        return merge_file(txn, file, table);
    }
}

namespace settings_csv {
enum : std::size_t
{
    key,
    value
};
constexpr std::array<map_column, 2> COLUMNS{
    {{"key", column_type::text, true, false}, {"value", column_type::text, true, false}}};
} // namespace settings_csv

} // namespace

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

        for (auto const &table : MAP_TABLES) {
            std::string const name = fmt::format("{}.csv", table.name);
            fs::path const path = dir / name;
            if (!fs::exists(path)) {
                continue;
            }
            if (!settings) {
                throw input_error{
                    "the map has no site settings yet: --new-base and --old-host are needed on the first load"};
            }
            auto const started = std::chrono::steady_clock::now();
            map_file file{path, name, table.columns};
            result.files.push_back(load_table(txn, file, table, *settings));
            spdlog::debug("{}: {} rows read, checked and merged in {:.1f} s", name, result.files.back().rows,
                          seconds_since(started));
        }
        result.version_after = read_map_version(txn);
        txn.commit();
        return result;
    });
}

} // namespace forumgate::store
