#pragma once
// PostgreSQL COPY in text format, fast: rows escaped and sent in large blocks, and rows read
// and split by hand. libpqxx 6.4's own row conversions are several times slower, which
// matters for maps of tens of millions of rows.

#include "base/error.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::pg {

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

/// Represents one row in COPY text format split into its fields: a line of a COPY … TO STDOUT
/// stream, or of a snapshot file (which holds the same lines). Fields are views into the line
/// given to split(), valid while it is.
class copy_row
{
public:
    /// `columns`: the names of the fields, in order, for messages; a row has exactly that many.
    /// They must outlive the copy_row.
    explicit copy_row(std::span<std::string_view const> columns) : m_names{columns}, m_fields(columns.size()) {}
    /// For rows whose fields have no names: messages say "field 3".
    explicit copy_row(std::size_t columns) : m_fields(columns) {}

    /// Splits a line (without its line feed) into fields.
    /// \throws input_error "a row with 4 fields instead of 5 (…)" if it has another number of fields.
    void split(std::string_view line)
    {
        std::size_t count = 0;
        for (;;) {
            auto const tab = line.find('\t');
            if (count == m_fields.size()) {
                throw input_error{
                    fmt::format("a row with more than {} fields{}", m_fields.size(), names_in_brackets())};
            }
            m_fields[count++] = line.substr(0, tab);
            if (tab == std::string_view::npos) {
                break;
            }
            line.remove_prefix(tab + 1);
        }
        if (count != m_fields.size()) {
            throw input_error{fmt::format("a row with {} field{} instead of {}{}", count, count == 1 ? "" : "s",
                                          m_fields.size(), names_in_brackets())};
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return m_fields.size(); }
    [[nodiscard]] bool is_null(std::size_t column) const noexcept { return m_fields[column] == "\\N"; }
    /// The field as sent: digits for numbers, t/f for booleans, escaped text for text.
    [[nodiscard]] std::string_view raw(std::size_t column) const noexcept { return m_fields[column]; }

    /// \throws input_error unless the field is a decimal number of 64 bits at most.
    [[nodiscard]] std::uint64_t number(std::size_t column) const
    {
        std::string_view const field = m_fields[column];
        std::uint64_t value = 0;
        auto const [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (field.empty() || error != std::errc{} || end != field.data() + field.size()) {
            throw input_error{fmt::format("{} '{}' is not a number", name(column), shown(field))};
        }
        return value;
    }
    /// \return nullopt for NULL. \throws input_error if neither NULL nor a number.
    template <typename Number>
    [[nodiscard]] std::optional<Number> optional_number(std::size_t column) const
    {
        if (is_null(column)) {
            return std::nullopt;
        }
        return static_cast<Number>(number(column));
    }
    /// \throws input_error unless the field is t or f (a boolean's COPY text).
    [[nodiscard]] bool flag(std::size_t column) const
    {
        std::string_view const field = m_fields[column];
        if (field == "t") {
            return true;
        }
        if (field != "f") {
            throw input_error{fmt::format("{} '{}' is neither t nor f", name(column), shown(field))};
        }
        return false;
    }
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

    /// \return the name of a column for messages: its name, or "field 3".
    [[nodiscard]] std::string name(std::size_t column) const
    {
        return column < m_names.size() ? std::string{m_names[column]} : fmt::format("field {}", column + 1);
    }

private:
    /// Error messages quote at most this many bytes of a bad field.
    static constexpr std::size_t MAX_SHOWN_FIELD = 64;

    static std::string shown(std::string_view field)
    {
        std::string out{field.substr(0, MAX_SHOWN_FIELD)};
        for (char &c : out) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                c = '?';
            }
        }
        return field.size() > MAX_SHOWN_FIELD ? out + "…" : out;
    }
    [[nodiscard]] std::string names_in_brackets() const
    {
        std::string out;
        for (auto const name : m_names) {
            out += out.empty() ? " (" : ",";
            out += name;
        }
        return out.empty() ? out : out + ")";
    }

    std::span<std::string_view const> m_names;
    std::vector<std::string_view> m_fields;
};

/// Represents the rows of a query read with COPY … TO STDOUT (text format). Splitting the
/// lines here is several times faster than libpqxx's row and field conversions, which matters
/// for snapshots of tens of millions of rows.
class copy_reader
{
public:
    /// `what` names the table in messages; `columns` names the query's columns (see copy_row).
    copy_reader(pqxx::transaction_base &txn, std::string what, std::string const &query,
                std::span<std::string_view const> columns)
        : m_what{std::move(what)}, m_stream{txn, "(" + query + ")"}, m_row{columns}
    {}
    copy_reader(pqxx::transaction_base &txn, std::string what, std::string const &query, std::size_t columns)
        : m_what{std::move(what)}, m_stream{txn, "(" + query + ")"}, m_row{columns}
    {}

    /// Reads the next row and splits it into row(). \return false after the last.
    /// \throws database_error if the row has another number of fields than the query's columns.
    bool next()
    {
        if (!next_line()) {
            return false;
        }
        try {
            m_row.split(line());
        } catch (input_error const &e) {
            throw database_error{fmt::format("reading {}: {}", m_what, e.what())};
        }
        return true;
    }

    /// Reads the next row without splitting it (row() is then stale). \return false after the last.
    bool next_line()
    {
        if (!m_stream.get_raw_line(m_line)) {
            return false;
        }
        m_view = m_line;
        if (!m_view.empty() && m_view.back() == '\n') {
            m_view.remove_suffix(1);
        }
        return true;
    }

    /// The row last read, as sent in COPY text format, without its line feed.
    [[nodiscard]] std::string_view line() const noexcept { return m_view; }
    /// The fields of the row last read with next().
    [[nodiscard]] copy_row const &row() const noexcept { return m_row; }

    void complete() { m_stream.complete(); }

private:
    std::string m_what;
    pqxx::stream_from m_stream;
    std::string m_line;
    std::string_view m_view;
    copy_row m_row;
};

} // namespace forumgate::pg
