#include "base/line_reader.hpp"

#include "base/error.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

namespace forumgate::base {
namespace {

/// Bytes asked of zlib at a time. Large enough that a log of a million lines costs a few
/// hundred calls; small enough to stay in the L2 cache with the decompression window.
constexpr std::size_t READ_BLOCK = std::size_t{1} << 20U;

/// zlib's own input buffer (gzbuffer); its default of 8 KiB costs a system call per 8 KiB.
constexpr unsigned ZLIB_BUFFER = 1U << 17U;

/// A line longer than this is no log line or URL; reading stops rather than fill the memory.
constexpr std::size_t MAX_LINE = std::size_t{64} << 20U;

gzFile as_gz(void *file)
{
    return static_cast<gzFile>(file);
}

} // namespace

line_reader::line_reader(std::filesystem::path const &path, line_ends ends)
    : m_name{path.string()}, m_ends{ends}, m_buffer(READ_BLOCK)
{
    errno = 0;
    gzFile const file = gzopen(m_name.c_str(), "rb");
    if (file == nullptr) {
        throw input_error{
            fmt::format("{}: cannot open: {}", m_name, errno != 0 ? std::strerror(errno) : "out of memory")};
    }
    gzbuffer(file, ZLIB_BUFFER);
    m_file = file;
}

line_reader::~line_reader()
{
    if (m_file != nullptr) {
        gzclose(as_gz(m_file));
    }
}

bool line_reader::fill()
{
    if (m_end) {
        return false;
    }
    // Keep the unread part of the buffer at its start, and make room for a block.
    if (m_begin > 0) {
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_size - m_begin);
        m_size -= m_begin;
        m_begin = 0;
    }
    if (m_buffer.size() - m_size < READ_BLOCK) {
        if (m_buffer.size() >= MAX_LINE) {
            throw input_error{
                fmt::format("{}:{}: a line longer than {} MiB: not a text file?", m_name, m_line + 1, MAX_LINE >> 20U)};
        }
        m_buffer.resize(m_buffer.size() * 2);
    }
    auto const wanted = static_cast<unsigned>(std::min<std::size_t>(m_buffer.size() - m_size, UINT_MAX / 2));
    int const got = gzread(as_gz(m_file), m_buffer.data() + m_size, wanted);
    int code = Z_OK;
    char const *message = gzerror(as_gz(m_file), &code);
    m_compressed = gzdirect(as_gz(m_file)) == 0;
    // zlib may hand over the data it could decompress and report the damage with it: those
    // lines are returned first, and the error comes with the next read.
    if (got <= 0 && code != Z_OK && code != Z_STREAM_END) {
        m_end = true;
        if (code == Z_BUF_ERROR) {
            throw input_error{
                fmt::format("{}:{}: the gzip data ends early (the file was cut short)", m_name, m_line + 1)};
        }
        throw input_error{fmt::format("{}:{}: cannot read: {}", m_name, m_line + 1,
                                      code == Z_ERRNO ? std::strerror(errno) : message)};
    }
    if (got <= 0) {
        m_end = true;
        return false;
    }
    m_size += static_cast<std::size_t>(got);
    return true;
}

bool line_reader::next(std::string_view &line)
{
    std::size_t scanned = m_begin;
    for (;;) {
        auto const *const start = m_buffer.data() + scanned;
        auto const *const newline = static_cast<char const *>(std::memchr(start, '\n', m_size - scanned));
        if (newline != nullptr) {
            auto const end = static_cast<std::size_t>(newline - m_buffer.data());
            line = std::string_view{m_buffer.data() + m_begin, end - m_begin};
            m_begin = end + 1;
            break;
        }
        std::size_t const pending = m_size - m_begin;
        if (!fill()) {
            if (m_size == m_begin) {
                return false;
            }
            if (m_ends == line_ends::exact) {
                throw input_error{fmt::format("{}:{}: the last line ends without a line feed: the file was cut short",
                                              m_name, m_line + 1)};
            }
            // The last line, without a line end.
            line = std::string_view{m_buffer.data() + m_begin, m_size - m_begin};
            m_begin = m_size;
            break;
        }
        scanned = m_begin + pending;
    }
    if (m_ends == line_ends::text && !line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    ++m_line;
    return true;
}

std::string read_text_file(std::filesystem::path const &path, std::size_t limit)
{
    line_reader reader{path};
    std::string out;
    std::string_view line;
    while (reader.next(line)) {
        if (out.size() + line.size() + 1 > limit) {
            throw input_error{fmt::format("{}: larger than {} MiB", reader.name(), limit >> 20U)};
        }
        out.append(line);
        out.push_back('\n');
    }
    return out;
}

std::string gunzip_if_compressed(std::string data, std::string_view what, std::size_t limit)
{
    if (data.size() < 2 || static_cast<unsigned char>(data[0]) != 0x1FU ||
        static_cast<unsigned char>(data[1]) != 0x8BU) {
        return data;
    }
    z_stream stream{};
    // 16 + MAX_WBITS: a gzip header and trailer, not a raw zlib stream.
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        throw input_error{fmt::format("{}: cannot start decompressing", what)};
    }
    std::string out;
    std::array<char, 1U << 16U> block{};
    stream.next_in = reinterpret_cast<Bytef *>(data.data());
    stream.avail_in = static_cast<uInt>(data.size());
    int result = Z_OK;
    while (result != Z_STREAM_END || stream.avail_in > 0) {
        if (result == Z_STREAM_END) {
            inflateReset(&stream); // another gzip member follows (concatenated files)
        }
        stream.next_out = reinterpret_cast<Bytef *>(block.data());
        stream.avail_out = static_cast<uInt>(block.size());
        result = inflate(&stream, Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END) {
            inflateEnd(&stream);
            throw input_error{
                fmt::format("{}: damaged gzip data{}", what, result == Z_BUF_ERROR ? " (cut short)" : "")};
        }
        out.append(block.data(), block.size() - stream.avail_out);
        if (out.size() > limit) {
            inflateEnd(&stream);
            throw input_error{fmt::format("{}: larger than {} MiB once decompressed", what, limit >> 20U)};
        }
    }
    inflateEnd(&stream);
    return out;
}

} // namespace forumgate::base
