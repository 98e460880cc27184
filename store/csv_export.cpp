#include "base/error.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Writing the map as CSV files in the format a load reads (docs/map-files.md).

namespace forumgate::store {
namespace {

namespace fs = std::filesystem;

/// CSV export is written in blocks of this size (one write call per block).
constexpr std::size_t EXPORT_BLOCK_BYTES = std::size_t{1} << 20U;

// ---------------------------------------------------------------------------------------------
// Writing map files

/// Represents one CSV file being written in the format map_file reads. It is written under a
/// temporary name and renamed when complete, so a failed export never leaves a truncated file
/// under the real name.
class csv_writer
{
public:
    /// `header`: the column names of the first line.
    csv_writer(fs::path path, std::span<std::string_view const> header) : m_path{std::move(path)}
    {
        m_temporary = m_path;
        m_temporary += ".tmp";
        m_out.open(m_temporary, std::ios::binary | std::ios::trunc);
        if (!m_out) {
            throw input_error{fmt::format("{}: cannot be written: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.reserve(EXPORT_BLOCK_BYTES + 4096);
        for (auto const column : header) {
            raw(column);
        }
        end_row();
    }
    ~csv_writer()
    {
        if (!m_closed) {
            m_out.close();
            std::error_code ignored;
            fs::remove(m_temporary, ignored);
        }
    }
    csv_writer(csv_writer const &) = delete;
    csv_writer &operator=(csv_writer const &) = delete;

    /// A value that never needs quoting (numbers, booleans, column names).
    void raw(std::string_view value)
    {
        start_field();
        m_block.append(value);
    }
    /// A text value, quoted when it holds a comma, quote, CR or LF.
    void text(std::string_view value)
    {
        start_field();
        if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
            m_block.append(value);
            return;
        }
        m_block.push_back('"');
        for (char const c : value) {
            if (c == '"') {
                m_block.push_back('"');
            }
            m_block.push_back(c);
        }
        m_block.push_back('"');
    }
    void flag(bool value) { raw(value ? "true" : "false"); }
    void end_row()
    {
        m_block.push_back('\n');
        m_first_field = true;
        if (m_block.size() >= EXPORT_BLOCK_BYTES) {
            flush();
        }
    }
    void close()
    {
        flush();
        m_out.close();
        if (!m_out) {
            throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
        }
        fs::rename(m_temporary, m_path);
        m_closed = true;
    }

private:
    void start_field()
    {
        if (!m_first_field) {
            m_block.push_back(',');
        }
        m_first_field = false;
    }
    void flush()
    {
        m_out.write(m_block.data(), static_cast<std::streamsize>(m_block.size()));
        if (!m_out) {
            throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.clear();
    }

    fs::path m_path;
    fs::path m_temporary;
    std::ofstream m_out;
    std::string m_block;
    bool m_first_field = true;
    bool m_closed = false;
};

/// How a column is written to CSV.
enum class cell : std::uint8_t
{
    number, ///< digits, or empty for NULL
    text,   ///< quoted when needed, empty for NULL
    flag,   ///< true/false
};

struct export_column
{
    std::string_view name;
    cell kind;
};

/// One exported table: its file, its columns (named as in the file and the table), its order.
struct export_table
{
    std::string_view file;
    std::string_view table;
    std::string_view order_by;
    std::vector<export_column> columns;
};

void export_file(pqxx::transaction_base &txn, fs::path const &dir, export_table const &spec)
{
    std::string select;
    std::vector<std::string_view> header;
    for (auto const &column : spec.columns) {
        select += fmt::format("{}{}", select.empty() ? "" : ", ", column.name);
        header.push_back(column.name);
    }
    csv_writer out{dir / spec.file, header};
    pg::copy_reader rows{txn, fmt::format("forumgate.{}", spec.table),
                         fmt::format("SELECT {} FROM forumgate.{} ORDER BY {}", select, spec.table, spec.order_by),
                         spec.columns.size()};
    std::string text;
    while (rows.next()) {
        pg::copy_row const &row = rows.row();
        std::size_t i = 0;
        for (auto const &column : spec.columns) {
            if (row.is_null(i)) {
                out.raw("");
            } else if (column.kind == cell::number) {
                out.raw(row.raw(i));
            } else if (column.kind == cell::flag) {
                out.flag(row.flag(i));
            } else {
                row.text(i, text);
                out.text(text);
            }
            ++i;
        }
        out.end_row();
    }
    rows.complete();
    out.close();
}

} // namespace

void database::export_csv(std::filesystem::path const &dir)
{
    pg::with_context(fmt::format("exporting the map from {} to {}", m_description, dir.string()), [&] {
        fs::create_directories(dir);
        // One snapshot of the database for all files, so that they agree with each other.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        using enum cell;
        // Text keys are ordered by byte (COLLATE "C"), so exports are the same whatever the
        // database's locale.
        std::array<export_table, 7> const tables{{
            {"topics.csv",
             "topics",
             "old_id",
             {{"old_id", number}, {"old_slug", text}, {"new_id", number}, {"new_slug", text}, {"restricted", flag}}},
            {"posts.csv",
             "posts",
             "old_id",
             {{"old_id", number},
              {"old_topic_id", number},
              {"old_post_number", number},
              {"new_id", number},
              {"new_topic_id", number},
              {"new_post_number", number},
              {"hidden", flag}}},
            {"categories.csv",
             "categories",
             "old_id",
             {{"old_id", number},
              {"old_slug_path", text},
              {"new_id", number},
              {"new_slug_path", text},
              {"restricted", flag}}},
            {"users.csv",
             "users",
             "old_username_lower COLLATE \"C\"",
             {{"old_username", text}, {"new_username", text}}},
            {"tags.csv", "tags", "old_name_lower COLLATE \"C\"", {{"old_name", text}, {"new_name", text}}},
            {"uploads.csv", "uploads", "old_path COLLATE \"C\"", {{"old_path", text}, {"new_url", text}}},
            {"rules.csv", "rules", "position", {{"pattern", text}, {"replacement", text}, {"kind", text}}},
        }};
        for (auto const &table : tables) {
            export_file(txn, dir, table);
        }
        if (auto const stored = read_settings(txn)) {
            std::array<std::string_view, 2> const header{"key", "value"};
            csv_writer out{dir / "settings.csv", header};
            auto const row = [&](std::string_view key, std::string_view value) {
                out.raw(key);
                out.text(value);
                out.end_row();
            };
            row("new_base", stored->new_base);
            for (auto const &host : stored->old_hosts) {
                row("old_host", host);
            }
            for (auto const &host : stored->upload_hosts) {
                row("upload_host", host);
            }
            out.close();
        }
        txn.commit();
    });
}

} // namespace forumgate::store
