#include "base/error.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/map_tables.hpp"
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

/// Writes one map table to {name}.csv, its columns in their MAP_TABLES order.
void export_file(pqxx::transaction_base &txn, fs::path const &dir, map_table_spec const &spec)
{
    csv_writer out{dir / fmt::format("{}.csv", spec.name), spec.names};
    pg::copy_reader rows{
        txn, fmt::format("forumgate.{}", spec.name),
        fmt::format("SELECT {} FROM forumgate.{} ORDER BY {}", column_list(spec, ", "), spec.name, spec.export_order),
        spec.columns.size()};
    std::string text;
    while (rows.next()) {
        pg::copy_row const &row = rows.row();
        for (std::size_t i = 0; i < spec.columns.size(); ++i) {
            if (row.is_null(i)) {
                out.raw("");
                continue;
            }
            switch (spec.columns[i].type) {
            case column_type::id:
            case column_type::post_number:
                out.raw(row.raw(i));
                break;
            case column_type::flag:
                out.flag(row.flag(i));
                break;
            case column_type::text:
            case column_type::rule_kind:
                row.text(i, text);
                out.text(text);
                break;
            }
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
        for (auto const &table : MAP_TABLES) {
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
