#pragma once
// Reading input files line by line, plain or gzip-compressed (rotated logs are usually
// compressed), with the line numbers every message about a line needs: access logs, URL lists
// and sitemaps of the report, snapshot files of the store.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::base {

/// Represents a text file being read line by line. A gzip file (told apart by its first two
/// bytes, whatever its name) is decompressed on the fly; any other file is read as it is.
class line_reader
{
public:
    /// What ends a line.
    enum class line_ends : std::uint8_t
    {
        text,  ///< LF or CRLF (the CR is dropped); the last line may lack its line end
        exact, ///< LF only, and every line has one: a last line without it means a file cut short
    };

    /// Opens `path`. \throws input_error "FILE: cannot open: why".
    explicit line_reader(std::filesystem::path const &path, line_ends ends = line_ends::text);
    ~line_reader();
    line_reader(line_reader const &) = delete;
    line_reader &operator=(line_reader const &) = delete;

    /// Reads the next line, without its line end. The view is valid until the next call.
    /// \return false at the end of the file.
    /// \throws input_error "FILE:LINE: …" if the compressed data is damaged or cut short, a line
    /// is longer than 64 MiB, or (line_ends::exact) the last line has no line feed; the lines
    /// before it were all returned.
    [[nodiscard]] bool next(std::string_view &line);

    /// The number of the line last returned (1-based).
    [[nodiscard]] std::uint64_t line_number() const noexcept { return m_line; }
    [[nodiscard]] std::string const &name() const noexcept { return m_name; }
    [[nodiscard]] bool compressed() const noexcept { return m_compressed; }

private:
    /// Reads more into the buffer. \return false when nothing more came.
    bool fill();

    std::string m_name;
    line_ends m_ends;
    void *m_file = nullptr; ///< zlib's gzFile
    bool m_compressed = false;
    bool m_end = false;
    std::vector<char> m_buffer;
    std::size_t m_begin = 0; ///< first unread byte
    std::size_t m_size = 0;  ///< bytes held
    std::uint64_t m_line = 0;
};

/// \return the whole content of a file, decompressed if it is gzip.
/// \throws input_error "FILE: …" if it cannot be read, is damaged, or is larger than `limit`
/// bytes once decompressed.
[[nodiscard]] std::string read_text_file(std::filesystem::path const &path, std::size_t limit);

/// \return `data` decompressed if it starts with the gzip magic bytes, else `data` itself.
/// \throws input_error "WHAT: …" if it is damaged or larger than `limit` bytes decompressed.
[[nodiscard]] std::string gunzip_if_compressed(std::string data, std::string_view what, std::size_t limit);

} // namespace forumgate::base
