#pragma once
// PostgreSQL COPY in text format, fast: rows escaped and sent in large blocks, and rows read
// and split by hand. libpqxx 6.4's own row conversions are several times slower, which
// matters for maps of tens of millions of rows.

#include "error.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::mappings {

/// Rows are sent to the server in COPY blocks of about this size. One libpq call per block
/// instead of per row is most of the speed of a large load; bigger blocks save little more and
/// only hold more memory.
inline constexpr std::size_t COPY_BLOCK_BYTES = std::size_t{1} << 20U;

/// Appends `value` in COPY text format: backslash, tab, line feed and carriage return escaped.
void append_copy_text(std::string &out, std::string_view value);

/// Appends a COPY text field, undoing its escapes (\N is handled by the caller).
void append_copy_unescaped(std::string &out, std::string_view in);

/// Represents rows being streamed into a (staging) table with COPY, in text format.
///
/// libpqxx 6.4's stream_to converts each field through to_string and sends one row per libpq
/// call, and its raw-line writer is private; tablewriter's write_raw_line is public. Rows are
/// escaped here and handed over in blocks of COPY_BLOCK_BYTES (COPY data need not be split at
/// row ends). tablewriter's warning about multi-byte encodings concerns its own escaping,
/// which is not used.
class copy_writer
{
public:
    copy_writer(pqxx::transaction_base &txn, std::string const &table)
    {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        m_writer = std::make_unique<pqxx::tablewriter>(txn, table);
#pragma GCC diagnostic pop
        m_block.reserve(COPY_BLOCK_BYTES + 4096);
    }

    void number(std::uint64_t value)
    {
        start_field();
        std::array<char, 24> digits{};
        auto const end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
        m_block.append(digits.data(), end);
    }
    template <typename Number>
    void number(std::optional<Number> value)
    {
        if (value) {
            number(static_cast<std::uint64_t>(*value));
        } else {
            null();
        }
    }
    void text(std::string_view value)
    {
        start_field();
        append_copy_text(m_block, value);
    }
    void text_or_null(std::optional<std::string> const &value)
    {
        if (value) {
            text(std::string_view{*value});
        } else {
            null();
        }
    }
    void flag(bool value)
    {
        start_field();
        m_block.push_back(value ? 't' : 'f');
    }
    void null()
    {
        start_field();
        m_block.append("\\N");
    }
    void end_row()
    {
        m_block.push_back('\n');
        m_first_field = true;
        if (m_block.size() >= COPY_BLOCK_BYTES) {
            flush();
        }
    }
    /// Sends what is left and ends the COPY. \throws pqxx::failure if the server refused a row.
    void complete()
    {
        flush();
        m_writer->complete();
    }

private:
    void start_field()
    {
        if (!m_first_field) {
            m_block.push_back('\t');
        }
        m_first_field = false;
    }
    void flush()
    {
        if (!m_block.empty()) {
            m_writer->write_raw_line(m_block);
            m_block.clear();
        }
    }

    std::unique_ptr<pqxx::tablewriter> m_writer;
    std::string m_block;
    bool m_first_field = true;
};

/// Represents the rows of a query read with COPY … TO STDOUT (text format). Splitting the
/// lines here is several times faster than libpqxx's row and field conversions, which matters
/// for snapshots of tens of millions of rows.
class copy_reader
{
public:
    /// `what` names the table in messages.
    copy_reader(pqxx::transaction_base &txn, std::string what, std::string const &query, std::size_t columns)
        : m_what{std::move(what)}, m_stream{txn, "(" + query + ")"}, m_fields(columns)
    {}

    /// Reads the next row. \return false after the last.
    bool next()
    {
        if (!m_stream.get_raw_line(m_line)) {
            return false;
        }
        std::string_view line = m_line;
        if (!line.empty() && line.back() == '\n') {
            line.remove_suffix(1);
        }
        std::size_t count = 0;
        for (;;) {
            auto const tab = line.find('\t');
            if (count == m_fields.size()) {
                throw database_error{fmt::format("reading {}: a row with more than {} fields", m_what, m_fields.size())};
            }
            m_fields[count++] = line.substr(0, tab);
            if (tab == std::string_view::npos) {
                break;
            }
            line.remove_prefix(tab + 1);
        }
        if (count != m_fields.size()) {
            throw database_error{fmt::format("reading {}: a row with {} fields instead of {}", m_what, count, m_fields.size())};
        }
        return true;
    }

    [[nodiscard]] bool is_null(std::size_t column) const noexcept { return m_fields[column] == "\\N"; }
    /// The field as sent: digits for numbers, t/f for booleans, escaped text for text.
    [[nodiscard]] std::string_view raw(std::size_t column) const noexcept { return m_fields[column]; }

    [[nodiscard]] std::uint64_t number(std::size_t column) const
    {
        std::string_view const field = m_fields[column];
        std::uint64_t value = 0;
        auto const [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (error != std::errc{} || end != field.data() + field.size()) {
            throw database_error{fmt::format("reading {}: '{}' is not a number", m_what, std::string{field.substr(0, 64)})};
        }
        return value;
    }
    template <typename Number>
    [[nodiscard]] std::optional<Number> optional_number(std::size_t column) const
    {
        if (is_null(column)) {
            return std::nullopt;
        }
        return static_cast<Number>(number(column));
    }
    [[nodiscard]] bool flag(std::size_t column) const { return m_fields[column] == "t"; }
    /// Sets `out` to the text of a column (empty for NULL), reusing its memory.
    void text(std::size_t column, std::string &out) const
    {
        out.clear();
        if (!is_null(column)) {
            append_copy_unescaped(out, m_fields[column]);
        }
    }
    void text(std::size_t column, std::optional<std::string> &out) const
    {
        if (is_null(column)) {
            out.reset();
            return;
        }
        if (!out) {
            out.emplace();
        }
        text(column, *out);
    }

    void complete() { m_stream.complete(); }

private:
    std::string m_what;
    pqxx::stream_from m_stream;
    std::string m_line;
    std::vector<std::string_view> m_fields;
};

} // namespace forumgate::mappings
