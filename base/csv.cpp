#include "base/csv.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <array>

namespace forumgate::base {
namespace {

/// Bytes read from the stream at a time. Large enough that a 10-million-line file costs a few
/// hundred reads; small enough to stay in the CPU cache while it is scanned.
constexpr std::size_t READ_BLOCK_BYTES = std::size_t{1} << 20U;

constexpr std::string_view UTF8_BOM = "\xEF\xBB\xBF";

/// Where the parser is within a record.
enum class state : std::uint8_t
{
    record_start, ///< nothing of the record read yet (empty lines are skipped here)
    field_start,  ///< after a comma, or at the first byte of the record
    unquoted,     ///< inside an unquoted field
    quoted,       ///< inside a quoted field
    after_quote,  ///< a quote inside a quoted field: closes it, or is the first half of ""
    after_cr,     ///< a CR outside quotes: must be followed by LF
};

/// Bytes that end a run of unquoted field content, as a table: one load per byte in the
/// scanning loop instead of four comparisons.
struct field_end_table
{
    std::array<bool, 256> ends{};
    constexpr field_end_table()
    {
        for (unsigned char const c : {',', '\n', '\r', '"'}) {
            ends[c] = true;
        }
    }
};
constexpr field_end_table FIELD_ENDS{};

bool is_field_end(char c) noexcept
{
    return FIELD_ENDS.ends[static_cast<unsigned char>(c)];
}

std::string describe_byte(char c)
{
    auto const byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
        return fmt::format("byte 0x{:02X}", byte);
    }
    return fmt::format("'{}'", c);
}

} // namespace

csv_reader::csv_reader(std::istream &in, std::string name) : m_in{in}, m_name{std::move(name)} {}

std::string csv_reader::where(std::string_view message) const
{
    return fmt::format("{}:{}: {}", m_name, m_record_line, message);
}

void csv_reader::fail_at(std::uint64_t line, std::string_view message) const
{
    throw input_error{fmt::format("{}:{}: {}", m_name, line, message)};
}

bool csv_reader::fill()
{
    if (m_eof) {
        return false;
    }
    if (m_buffer.size() != READ_BLOCK_BYTES) {
        m_buffer.resize(READ_BLOCK_BYTES);
    }
    // Everything before m_pos has been copied into fields already, so the block is reused whole.
    m_in.read(m_buffer.data(), static_cast<std::streamsize>(m_buffer.size()));
    if (m_in.bad()) {
        throw input_error{fmt::format("{}:{}: read error", m_name, m_line)};
    }
    m_pos = 0;
    m_end = static_cast<std::size_t>(m_in.gcount());
    if (!m_started) {
        m_started = true;
        // Spreadsheet programs often start UTF-8 CSV with a byte order mark; it is not data.
        if (std::string_view{m_buffer.data(), m_end}.starts_with(UTF8_BOM)) {
            m_pos = UTF8_BOM.size();
        }
    }
    if (m_end == 0) {
        m_eof = true;
        return false;
    }
    return m_pos < m_end || fill();
}

bool csv_reader::next(std::vector<std::string> &fields)
{
    std::size_t used = 0;
    std::string *field = nullptr;
    auto const start_field = [&] {
        if (used == fields.size()) {
            fields.emplace_back();
        } else {
            fields[used].clear();
        }
        field = &fields[used++];
    };
    auto const end_record = [&] {
        fields.resize(used);
        return true;
    };

    state st = state::record_start;
    bool cr_on_empty_line = false;
    std::uint64_t quote_line = 0;
    for (;;) {
        if (m_pos == m_end && !fill()) {
            break;
        }
        char const *const data = m_buffer.data();
        char const c = data[m_pos];
        switch (st) {
        case state::record_start:
            if (c == '\n') {
                ++m_pos;
                ++m_line;
            } else if (c == '\r') {
                ++m_pos;
                cr_on_empty_line = true;
                st = state::after_cr;
            } else {
                m_record_line = m_line;
                start_field();
                st = state::field_start;
            }
            break;
        case state::field_start:
            if (c == '"') {
                ++m_pos;
                quote_line = m_line;
                st = state::quoted;
            } else if (c == ',') {
                ++m_pos;
                start_field();
            } else if (c == '\n') {
                ++m_pos;
                ++m_line;
                return end_record();
            } else if (c == '\r') {
                ++m_pos;
                st = state::after_cr;
            } else {
                st = state::unquoted;
            }
            break;
        case state::unquoted: {
            // Copy the run up to the next special byte in one go: most fields are short and
            // unquoted, and this loop is most of the time spent on a large file.
            std::size_t run_end = m_pos;
            while (run_end < m_end && !is_field_end(data[run_end])) {
                ++run_end;
            }
            field->append(data + m_pos, run_end - m_pos);
            m_pos = run_end;
            if (m_pos == m_end) {
                break;
            }
            char const end = data[m_pos++];
            if (end == ',') {
                start_field();
                st = state::field_start;
            } else if (end == '\n') {
                ++m_line;
                return end_record();
            } else if (end == '\r') {
                st = state::after_cr;
            } else {
                fail_at(m_line,
                        "quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")");
            }
            break;
        }
        case state::quoted: {
            std::size_t run_end = m_pos;
            while (run_end < m_end && data[run_end] != '"' && data[run_end] != '\n') {
                ++run_end;
            }
            field->append(data + m_pos, run_end - m_pos);
            m_pos = run_end;
            if (m_pos == m_end) {
                break;
            }
            if (data[m_pos++] == '\n') {
                field->push_back('\n');
                ++m_line;
            } else {
                st = state::after_quote;
            }
            break;
        }
        case state::after_quote:
            ++m_pos;
            if (c == '"') {
                field->push_back('"');
                st = state::quoted;
            } else if (c == ',') {
                start_field();
                st = state::field_start;
            } else if (c == '\n') {
                ++m_line;
                return end_record();
            } else if (c == '\r') {
                st = state::after_cr;
            } else {
                fail_at(m_line,
                        fmt::format("{} after a closing quote (a quoted field must end at a comma or the line end)",
                                    describe_byte(c)));
            }
            break;
        case state::after_cr:
            if (c != '\n') {
                fail_at(m_line, "carriage return not followed by a line feed outside quotes");
            }
            ++m_pos;
            ++m_line;
            if (cr_on_empty_line) {
                cr_on_empty_line = false;
                st = state::record_start;
                break;
            }
            return end_record();
        }
    }

    // End of input.
    switch (st) {
    case state::record_start:
        return false;
    case state::after_cr:
        // A final line ending in a lone CR: take the CR as its line end.
        return cr_on_empty_line ? false : end_record();
    case state::quoted:
        fail_at(
            m_record_line,
            quote_line == m_record_line
                ? std::string{"quoted field is not closed before the end of the file"}
                : fmt::format("quoted field opened on line {} is not closed before the end of the file", quote_line));
    case state::field_start:
    case state::unquoted:
    case state::after_quote:
        break;
    }
    return end_record();
}

} // namespace forumgate::base
