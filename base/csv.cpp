#include "base/csv.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>

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
    record_end,   ///< an LF outside quotes: the record is complete
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

/// \return true for the bytes that end a field outside quotes.
bool is_delimiter(char c) noexcept
{
    return c == ',' || c == '\n' || c == '\r';
}

/// Appends the run of bytes from `pos` that `keep` accepts (up to `end`) to `field`.
/// \return the position after the run.
template <typename Keep>
std::size_t append_run(std::string &field, char const *data, std::size_t pos, std::size_t end, Keep keep)
{
    std::size_t run_end = pos;
    while (run_end < end && keep(data[run_end])) {
        ++run_end;
    }
    field.append(data + pos, run_end - pos);
    return run_end;
}

/// The fields of the record being read, reusing the strings of the caller's vector.
class record_fields
{
public:
    explicit record_fields(std::vector<std::string> &fields) : m_fields{fields} {}

    void start()
    {
        if (m_used == m_fields.size()) {
            m_fields.emplace_back();
        } else {
            m_fields[m_used].clear();
        }
        m_field = &m_fields[m_used++];
    }
    [[nodiscard]] std::string &field() noexcept { return *m_field; }
    bool end()
    {
        m_fields.resize(m_used);
        return true;
    }

private:
    std::vector<std::string> &m_fields;
    std::size_t m_used = 0;
    std::string *m_field = nullptr;
};

/// The state after a delimiter (is_delimiter) outside quotes; a comma starts the next field.
state after_delimiter(char c, record_fields &record)
{
    if (c == ',') {
        record.start();
        return state::field_start;
    }
    return c == '\n' ? state::record_end : state::after_cr;
}

std::string describe_byte(char c)
{
    auto const byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
        return fmt::format("byte 0x{:02X}", byte);
    }
    return fmt::format("'{}'", c);
}

constexpr std::string_view QUOTE_IN_UNQUOTED_FIELD =
    "quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")";

std::string after_closing_quote_message(char c)
{
    return fmt::format("{} after a closing quote (a quoted field must end at a comma or the line end)",
                       describe_byte(c));
}

std::string unclosed_quote_message(std::uint64_t record_line, std::uint64_t quote_line)
{
    return quote_line == record_line
               ? std::string{"quoted field is not closed before the end of the file"}
               : fmt::format("quoted field opened on line {} is not closed before the end of the file", quote_line);
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
    record_fields record{fields};
    state st = state::record_start;
    bool cr_on_empty_line = false;
    std::uint64_t quote_line = 0;
    while (m_pos < m_end || fill()) {
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
                record.start();
                st = state::field_start;
            }
            break;
        case state::field_start:
            if (c == '"') {
                ++m_pos;
                quote_line = m_line;
                st = state::quoted;
            } else if (is_delimiter(c)) {
                ++m_pos;
                st = after_delimiter(c, record);
            } else {
                st = state::unquoted;
            }
            break;
        case state::unquoted: {
            // Copy the run up to the next special byte in one go: most fields are short and
            // unquoted, and this loop is most of the time spent on a large file.
            m_pos = append_run(record.field(), data, m_pos, m_end, [](char b) { return !is_field_end(b); });
            if (m_pos == m_end) {
                break;
            }
            char const delimiter = data[m_pos++];
            if (delimiter == '"') {
                fail_at(m_line, QUOTE_IN_UNQUOTED_FIELD);
            }
            st = after_delimiter(delimiter, record);
            break;
        }
        case state::quoted: {
            m_pos = append_run(record.field(), data, m_pos, m_end, [](char b) { return b != '"' && b != '\n'; });
            if (m_pos == m_end) {
                break;
            }
            if (data[m_pos++] == '\n') {
                record.field().push_back('\n');
                ++m_line;
            } else {
                st = state::after_quote;
            }
            break;
        }
        case state::after_quote:
            ++m_pos;
            if (c == '"') {
                record.field().push_back('"');
                st = state::quoted;
            } else if (is_delimiter(c)) {
                st = after_delimiter(c, record);
            } else {
                fail_at(m_line, after_closing_quote_message(c));
            }
            break;
        case state::after_cr:
            if (c != '\n') {
                fail_at(m_line, "carriage return not followed by a line feed outside quotes");
            }
            ++m_pos;
            m_line += cr_on_empty_line ? 1 : 0;
            st = cr_on_empty_line ? state::record_start : state::record_end;
            cr_on_empty_line = false;
            break;
        case state::record_end:
            break;
        }
        if (st == state::record_end) {
            ++m_line;
            return record.end();
        }
    }

    // End of input. A final line ending in a lone CR takes the CR as its line end.
    if (st == state::quoted) {
        fail_at(m_record_line, unclosed_quote_message(m_record_line, quote_line));
    }
    return st != state::record_start && !(st == state::after_cr && cr_on_empty_line) && record.end();
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

/// A CSV file is written in blocks of this size (one write call per block).
constexpr std::size_t WRITE_BLOCK_BYTES = std::size_t{1} << 20U;

} // namespace

csv_writer::csv_writer(std::filesystem::path path, std::span<std::string_view const> header) : m_path{std::move(path)}
{
    m_temporary = m_path;
    m_temporary += ".tmp";
    m_out.open(m_temporary, std::ios::binary | std::ios::trunc);
    if (!m_out) {
        throw input_error{fmt::format("{}: cannot be written: {}", m_temporary.string(), std::strerror(errno))};
    }
    m_block.reserve(WRITE_BLOCK_BYTES + 4096);
    for (auto const column : header) {
        raw(column);
    }
    end_row();
}

csv_writer::~csv_writer()
{
    if (!m_closed) {
        m_out.close();
        std::error_code ignored;
        std::filesystem::remove(m_temporary, ignored);
    }
}

void csv_writer::raw(std::string_view value)
{
    start_field();
    m_block.append(value);
}

void csv_writer::text(std::string_view value)
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

void csv_writer::end_row()
{
    m_block.push_back('\n');
    m_first_field = true;
    if (m_block.size() >= WRITE_BLOCK_BYTES) {
        flush();
    }
}

void csv_writer::close()
{
    flush();
    m_out.close();
    if (!m_out) {
        throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
    }
    std::filesystem::rename(m_temporary, m_path);
    m_closed = true;
}

void csv_writer::start_field()
{
    if (!m_first_field) {
        m_block.push_back(',');
    }
    m_first_field = false;
}

void csv_writer::flush()
{
    m_out.write(m_block.data(), static_cast<std::streamsize>(m_block.size()));
    if (!m_out) {
        throw input_error{fmt::format("{}: write failed: {}", m_temporary.string(), std::strerror(errno))};
    }
    m_block.clear();
}

} // namespace forumgate::base
