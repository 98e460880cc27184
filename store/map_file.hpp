#pragma once
// Reading map files (CSV, docs/map-files.md) for a load: one file's header and fields, the checks
// a snapshot build makes on each row, and duplicate keys. Used by csv_load.cpp, and by the map
// file fuzz target (tests/fuzz/map_csv_fuzz.cpp), which reads files as a load does without a
// database.

#include "base/csv.hpp"
#include "base/error.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"
#include "store/detail.hpp"
#include "store/map_tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace forumgate::store {

/// Rows checked by one scratch snapshot_builder before it is replaced. The builder keeps every
/// row it is given; replacing it keeps a 10-million-post load at a few MB instead of the
/// hundreds a full snapshot takes. Checks that need a build (uploads) build once per batch.
constexpr std::size_t CHECK_BATCH_ROWS = 65536;

// ---------------------------------------------------------------------------------------------
// Reading map files
//
// The map files (docs/map-files.md). Each is optional; the first line names the columns, in any
// order. An empty value means "none": not migrated for new ids and new names.
//
//   topics.csv      old_id,old_slug,new_id,new_slug[,restricted]
//   posts.csv       old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number[,hidden]
//   categories.csv  old_id,old_slug_path,new_id,new_slug_path[,restricted]
//   users.csv       old_username,new_username
//   tags.csv        old_name,new_name
//   uploads.csv     old_path,new_url
//   rules.csv       pattern,replacement[,kind]     kind: redirect (default) or rewrite
//   settings.csv    key,value                      keys: new_base, old_host…, upload_host…
//
// Ids are plain decimal numbers from 1 to 4294967295, post numbers from 1 to 2147483647.
// restricted and hidden are true/false (also t/f, yes/no, 1/0, any case; empty is false).
// Users and tags are keyed by their old name ignoring ASCII case; uploads by old path.
// rules.csv replaces all rules: its order is the order they are tried in. settings.csv is
// read only when the load is given no settings.

/// Represents one map file being read: its header, then each row's fields by column.
class map_file
{
public:
    map_file(std::filesystem::path const &path, std::string name, std::span<map_column const> columns)
        : m_name{std::move(name)}, m_columns{columns}, m_reader{m_stream, m_name}, m_index(columns.size(), NO_FIELD)
    {
        m_stream.open(path, std::ios::binary);
        if (!m_stream) {
            throw input_error{fmt::format("{}: cannot be opened: {}", m_name, std::strerror(errno))};
        }
        read_header();
    }

    /// Reads the next row. \return false at the end of the file.
    bool next()
    {
        if (!m_reader.next(m_fields)) {
            return false;
        }
        if (m_fields.size() != m_header_fields) {
            fail(fmt::format("{} fields, but the first line names {} columns", m_fields.size(), m_header_fields));
        }
        ++m_rows;
        return true;
    }

    [[nodiscard]] std::string const &name() const noexcept { return m_name; }
    [[nodiscard]] std::uint64_t line() const noexcept { return m_reader.line(); }
    [[nodiscard]] std::int64_t rows() const noexcept { return m_rows; }
    [[noreturn]] void fail(std::string_view message) const { throw input_error{m_reader.where(message)}; }

    /// \return the raw value of a column ("" if the file has no such column).
    [[nodiscard]] std::string_view field(std::size_t column) const noexcept
    {
        return m_index[column] == NO_FIELD ? std::string_view{} : std::string_view{m_fields[m_index[column]]};
    }

    [[nodiscard]] std::uint64_t id(std::size_t column) const { return number(column, MAX_ID); }
    [[nodiscard]] std::optional<std::uint64_t> optional_id(std::size_t column) const
    {
        return field(column).empty() ? std::nullopt : std::optional{id(column)};
    }
    [[nodiscard]] std::uint32_t post_number(std::size_t column) const
    {
        return static_cast<std::uint32_t>(number(column, MAX_POST_NUMBER));
    }
    [[nodiscard]] std::optional<std::uint32_t> optional_post_number(std::size_t column) const
    {
        return field(column).empty() ? std::nullopt : std::optional{post_number(column)};
    }

    [[nodiscard]] bool flag(std::size_t column) const
    {
        std::string const value = base::ascii_lower(field(column));
        if (value.empty() || value == "false" || value == "f" || value == "0" || value == "no") {
            return false;
        }
        if (value == "true" || value == "t" || value == "1" || value == "yes") {
            return true;
        }
        fail(fmt::format("{} '{}' is not true or false", m_columns[column].name, shown(field(column))));
    }

    /// \return a rule's kind: redirect (also when empty) or rewrite, in any case.
    [[nodiscard]] rule_kind kind(std::size_t column) const
    {
        std::string const value = base::ascii_lower(field(column));
        if (value.empty() || value == "redirect") {
            return rule_kind::redirect;
        }
        if (value == "rewrite") {
            return rule_kind::rewrite;
        }
        fail(fmt::format("{} '{}' is neither redirect nor rewrite", m_columns[column].name, shown(field(column))));
    }

    /// \return a text value, checked to be UTF-8 without NUL bytes (PostgreSQL text holds neither).
    [[nodiscard]] std::string_view text(std::size_t column) const
    {
        std::string_view const value = field(column);
        if (value.find('\0') != std::string_view::npos) {
            fail(fmt::format("{} holds a NUL byte", m_columns[column].name));
        }
        if (!base::is_valid_utf8(value)) {
            fail(fmt::format("{} '{}' is not valid UTF-8", m_columns[column].name, shown(value)));
        }
        return value;
    }
    /// Like text(), with an empty value read as none.
    void optional_text(std::size_t column, std::optional<std::string> &out) const
    {
        std::string_view const value = text(column);
        if (value.empty()) {
            out.reset();
        } else {
            out.emplace(value);
        }
    }

private:
    static constexpr std::size_t NO_FIELD = SIZE_MAX;

    void read_header()
    {
        std::string expected;
        for (auto const &column : m_columns) {
            expected += expected.empty() ? "" : ",";
            expected += column.name;
        }
        if (!m_reader.next(m_fields)) {
            throw input_error{
                fmt::format("{}:1: the file is empty; its first line must name the columns: {}", m_name, expected)};
        }
        m_header_fields = m_fields.size();
        for (std::size_t i = 0; i < m_fields.size(); ++i) {
            auto const known = std::find_if(m_columns.begin(), m_columns.end(),
                                            [&](map_column const &c) { return c.name == m_fields[i]; });
            if (known == m_columns.end()) {
                fail(fmt::format("unknown column {} (the columns are {})", shown(m_fields[i]), expected));
            }
            auto const column = static_cast<std::size_t>(known - m_columns.begin());
            if (m_index[column] != NO_FIELD) {
                fail(fmt::format("column {} appears twice", known->name));
            }
            m_index[column] = i;
        }
        for (std::size_t column = 0; column < m_columns.size(); ++column) {
            if (m_columns[column].required && m_index[column] == NO_FIELD) {
                fail(fmt::format("missing column {}", m_columns[column].name));
            }
        }
    }

    [[nodiscard]] std::uint64_t number(std::size_t column, std::uint64_t max) const
    {
        std::string_view const value = field(column);
        std::string_view const name = m_columns[column].name;
        if (value.empty()) {
            fail(fmt::format("{} is empty", name));
        }
        if (!base::is_digits(value)) {
            fail(fmt::format("{} '{}' is not a number", name, shown(value)));
        }
        auto const parsed = base::parse_uint(value); // nullopt: more than 64 bits
        if (!parsed || *parsed == 0 || *parsed > max) {
            fail(fmt::format("{} '{}' is out of range (1 to {})", name, shown(value), max));
        }
        return *parsed;
    }

    std::string m_name;
    std::span<map_column const> m_columns;
    std::ifstream m_stream;
    base::csv_reader m_reader;
    std::vector<std::string> m_fields;
    std::vector<std::size_t> m_index; ///< per column: its field in each record, or NO_FIELD
    std::size_t m_header_fields = 0;
    std::int64_t m_rows = 0;
};

/// Runs the checks a snapshot build makes on each row, with a scratch snapshot_builder, so
/// that a row the redirector could not load is refused now, with its file and line.
template <typename Row>
class row_checker
{
public:
    /// `check_build`: also run the checks build() makes (uploads parse their paths there).
    row_checker(site_settings const &settings, bool check_build) : m_settings{settings}, m_check_build{check_build} {}

    void check(Row const &row, map_file const &file)
    {
        if (!m_builder) {
            m_builder = std::make_unique<snapshot_builder>(m_settings);
        }
        try {
            m_builder->add(row);
        } catch (input_error const &e) {
            file.fail(e.what());
        }
        if (m_check_build) {
            m_batch.emplace_back(row, file.line());
        }
        if (++m_rows == CHECK_BATCH_ROWS) {
            finish(file);
        }
    }

    /// Checks the rows not yet built.
    void finish(map_file const &file)
    {
        if (m_check_build && m_builder) {
            try {
                (void)m_builder->build();
            } catch (input_error const &) {
                // Find the row by building each alone. If none fails alone, rows clash with
                // each other (a duplicate): the duplicate check reports that with both lines.
                for (auto const &[row, line] : m_batch) {
                    snapshot_builder single{m_settings};
                    try {
                        single.add(row);
                        (void)single.build();
                    } catch (input_error const &e) {
                        throw input_error{fmt::format("{}:{}: {}", file.name(), line, e.what())};
                    }
                }
            }
        }
        m_builder.reset();
        m_batch.clear();
        m_rows = 0;
    }

private:
    site_settings const &m_settings;
    bool m_check_build;
    std::unique_ptr<snapshot_builder> m_builder;
    std::vector<std::pair<Row, std::uint64_t>> m_batch;
    std::size_t m_rows = 0;
};

/// Finds an old id given twice in one file. Keeps 8 bytes per row (id and line in one word)
/// and sorts once at the end: a hash map from id to line would take several times the memory
/// on a file of 10 million posts.
class id_duplicates
{
public:
    explicit id_duplicates(std::string_view what) : m_what{what} {}

    void add(std::uint64_t id, map_file const &file)
    {
        if (file.line() > UINT32_MAX) {
            file.fail("the file has more than 4294967295 lines");
        }
        m_entries.push_back((id << 32U) | file.line());
    }

    /// \throws input_error "FILE:LINE: topic 774 already on line 12" for the earliest repeat.
    void check(map_file const &file)
    {
        std::sort(m_entries.begin(), m_entries.end());
        std::uint64_t repeat_line = UINT64_MAX;
        std::uint64_t first_line = 0;
        std::uint64_t repeated_id = 0;
        for (std::size_t i = 1; i < m_entries.size(); ++i) {
            std::uint64_t const id = m_entries[i] >> 32U;
            if (id == m_entries[i - 1] >> 32U && (i < 2 || m_entries[i - 2] >> 32U != id)) {
                std::uint64_t const line = m_entries[i] & UINT32_MAX;
                if (line < repeat_line) {
                    repeat_line = line;
                    first_line = m_entries[i - 1] & UINT32_MAX;
                    repeated_id = id;
                }
            }
        }
        m_entries = {};
        if (repeat_line != UINT64_MAX) {
            throw input_error{fmt::format("{}:{}: {} {} already on line {}", file.name(), repeat_line, m_what,
                                          repeated_id, first_line)};
        }
    }

private:
    std::string_view m_what;
    std::vector<std::uint64_t> m_entries;
};

/// Finds a name (user, tag, upload path) given twice in one file.
class name_duplicates
{
public:
    explicit name_duplicates(std::string_view what) : m_what{what} {}

    void add(std::string key, std::string_view shown_name, map_file const &file)
    {
        auto const [entry, inserted] = m_first_lines.try_emplace(std::move(key), file.line());
        if (!inserted) {
            file.fail(fmt::format("{} {} already on line {}", m_what, shown(shown_name), entry->second));
        }
    }

private:
    std::string_view m_what;
    std::unordered_map<std::string, std::uint64_t> m_first_lines;
};

/// Reads every row of `file`, a map file of `table`, as a load does: each row read into its
/// table's row (topic_row…), checked as a snapshot build with `settings` would check it, and
/// checked against the file's other rows (an old id or name given twice). Calls `each` after
/// each row is read and checked (file.rows() is then its place in the file).
/// \throws input_error "FILE:LINE: …" for the first bad row.
void read_map_rows(map_file &file, map_table_spec const &table, site_settings const &settings,
                   std::function<void()> const &each);

/// \return the site settings of a settings.csv (key,value rows), normalised; `rows` is set to
/// the number of rows read. \throws input_error naming the file.
[[nodiscard]] site_settings read_settings_file(std::filesystem::path const &path, std::int64_t &rows);

} // namespace forumgate::store
