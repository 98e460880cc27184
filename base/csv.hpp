#pragma once
// RFC 4180 CSV reading, with file:line positions for every error.

#include <cstdint>
#include <istream>
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

} // namespace forumgate::base
