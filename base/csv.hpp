#pragma once
// RFC 4180 CSV: reading, with file:line positions for every error, and writing.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::base {

/// Represents a CSV file being read record by record. Quoted fields may hold commas, quotes
/// ("" inside quotes) and line breaks; CRLF and LF line ends are both accepted.
///
/// Empty lines are skipped (a line holding only spaces is a record of one field); the last
/// line may lack its line end; a UTF-8 byte order mark at the start is ignored.
class csv_reader
{
public:
    /// `name` is used in error messages (usually the file name).
    csv_reader(std::istream &in, std::string name);

    /// Reads the next record into `fields` (reusing its strings: pass the same vector each
    /// time to read without allocating). \return false at end of file.
    /// \throws input_error "NAME:LINE: …" on a malformed record (stray quote, unterminated quote).
    bool next(std::vector<std::string> &fields);

    /// The line on which the record last returned by next() starts (1-based).
    [[nodiscard]] std::uint64_t line() const noexcept { return m_record_line; }
    [[nodiscard]] std::string const &name() const noexcept { return m_name; }

    /// \return "NAME:LINE: message" for the current record.
    [[nodiscard]] std::string where(std::string_view message) const;

private:
    /// Reads the next block of input. \return false at end of input.
    bool fill();
    [[noreturn]] void fail_at(std::uint64_t line, std::string_view message) const;

    std::istream &m_in;
    std::string m_name;
    std::string m_buffer;
    std::size_t m_pos = 0; ///< next unread byte in m_buffer
    std::size_t m_end = 0; ///< end of the valid bytes in m_buffer
    bool m_started = false;
    bool m_eof = false;
    std::uint64_t m_line = 1; ///< the line of the next unread byte
    std::uint64_t m_record_line = 0;
};

/// Represents a CSV file being written (RFC 4180, LF line ends), in blocks. It is written under
/// a temporary name (NAME.tmp) and renamed by close(), so a failed write never leaves a
/// truncated file under the real name; destroyed unclosed, it removes the temporary.
class csv_writer
{
public:
    /// `header`: the column names of the first line. \throws input_error when it cannot be created.
    csv_writer(std::filesystem::path path, std::span<std::string_view const> header);
    ~csv_writer();
    csv_writer(csv_writer const &) = delete;
    csv_writer &operator=(csv_writer const &) = delete;

    /// A value that never needs quoting (numbers, booleans, column names).
    void raw(std::string_view value);
    /// A text value, quoted when it holds a comma, quote, CR or LF.
    void text(std::string_view value);
    void flag(bool value) { raw(value ? "true" : "false"); }
    void end_row();
    /// Writes what is left and gives the file its name. \throws input_error on a failed write.
    void close();

private:
    void start_field();
    void flush();

    std::filesystem::path m_path;
    std::filesystem::path m_temporary;
    std::ofstream m_out;
    std::string m_block;
    bool m_first_field = true;
    bool m_closed = false;
};

} // namespace forumgate::base
