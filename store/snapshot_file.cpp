#include "base/error.hpp"
#include "base/line_reader.hpp"
#include "base/text.hpp"
#include "base/url_codec.hpp"
#include "mappings/snapshot_comparison.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/layer_rows.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/snapshot_rows.hpp"
#include "store/store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace forumgate::store {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Snapshot files (docs/map-files.md, "Snapshot files")
//
//   forumgate-snapshot 1
//   version 12
//   new_base https://forum.brum.coop
//   old_host forum.cooperationbirmingham.org.uk
//   upload_host cdn.brum.coop
//   table topics old_id,old_slug,new_id,new_slug,restricted 4
//   774<TAB>agm-2023-minutes<TAB>1774<TAB>agm-2023-minutes<TAB>f
//   … (exactly 4 rows, then the next table line: every table of MAP_TABLES once)
//   end
//
// Rows are COPY text rows of snapshot_query(); setting values are COPY-escaped too. Every line
// ends in a line feed. The row counts and the end line make a truncated file an error.

constexpr std::string_view SNAPSHOT_MAGIC = "forumgate-snapshot";
/// The format version written and read. A change to the format is a new version; readers
/// refuse versions they do not know rather than guess.
constexpr int SNAPSHOT_FORMAT = 1;

/// Snapshot files are written in blocks of this size (and read by base::line_reader in blocks
/// as large): one system call per block instead of per row is most of the speed; larger blocks
/// only hold more memory.
constexpr std::size_t SNAPSHOT_BLOCK_BYTES = std::size_t{1} << 20U;

/// Represents a snapshot file being written. It is written as FILE.tmp-PID beside FILE, then
/// flushed to disk and renamed over FILE by commit(): a reader (a redirector starting) sees
/// the old file or the whole new one, never a part. Without commit() the temporary file is
/// removed.
class snapshot_file_writer
{
public:
    explicit snapshot_file_writer(fs::path file) : m_file{std::move(file)}
    {
        m_temporary = m_file;
        m_temporary += fmt::format(".tmp-{}", ::getpid());
        m_fd = ::open(m_temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0) {
            throw input_error{fmt::format("{}: cannot be written: {}", m_temporary.string(), std::strerror(errno))};
        }
        m_block.reserve(SNAPSHOT_BLOCK_BYTES + 4096);
    }
    ~snapshot_file_writer()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        if (!m_committed) {
            std::error_code ignored;
            fs::remove(m_temporary, ignored);
        }
    }
    snapshot_file_writer(snapshot_file_writer const &) = delete;
    snapshot_file_writer &operator=(snapshot_file_writer const &) = delete;

    /// Appends a line (a line feed is added).
    void line(std::string_view text)
    {
        m_block.append(text);
        m_block.push_back('\n');
        if (m_block.size() >= SNAPSHOT_BLOCK_BYTES) {
            flush();
        }
    }
    /// Appends `key value`, the value COPY-escaped.
    void setting(std::string_view key, std::string_view value)
    {
        m_block.append(key);
        m_block.push_back(' ');
        pg::append_copy_text(m_block, value);
        line("");
    }

    /// Writes what is left, flushes the file to disk and renames it over FILE.
    void commit()
    {
        flush();
        if (::fsync(m_fd) != 0) {
            fail("flushing to disk");
        }
        if (::close(std::exchange(m_fd, -1)) != 0) {
            fail("closing");
        }
        std::error_code error;
        fs::rename(m_temporary, m_file, error);
        if (error) {
            throw input_error{
                fmt::format("renaming {} to {}: {}", m_temporary.string(), m_file.string(), error.message())};
        }
        m_committed = true;
        // The rename is durable once the folder is flushed too. The file is complete either
        // way, so a failure here is not worth failing the whole write for.
        fs::path const folder = m_file.has_parent_path() ? m_file.parent_path() : fs::path{"."};
        int const folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (folder_fd >= 0) {
            (void)::fsync(folder_fd);
            ::close(folder_fd);
        }
    }

private:
    [[noreturn]] void fail(std::string_view what) const
    {
        throw input_error{fmt::format("{}: {} failed: {}", m_temporary.string(), what, std::strerror(errno))};
    }
    void flush()
    {
        std::string_view rest = m_block;
        while (!rest.empty()) {
            ssize_t const written = ::write(m_fd, rest.data(), rest.size());
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail("write");
            }
            rest.remove_prefix(static_cast<std::size_t>(written));
        }
        m_block.clear();
    }

    fs::path m_file;
    fs::path m_temporary;
    int m_fd = -1;
    std::string m_block;
    bool m_committed = false;
};

/// \return `file`. \throws input_error if it exists and is not a regular file: a FIFO or a
/// device would block the reader (a start, a reload) for as long as nothing writes to it.
fs::path const &regular_file(fs::path const &file)
{
    std::error_code ec;
    auto const status = fs::status(file, ec);
    if (!ec && fs::exists(status) && !fs::is_regular_file(status)) {
        throw input_error{fmt::format("{}: not a regular file (a snapshot is a file written by forumgate map snapshot)",
                                      file.string())};
    }
    return file;
}

/// Represents a snapshot file being read line by line, and where in it: every error names
/// FILE:LINE.
class snapshot_file_reader
{
public:
    explicit snapshot_file_reader(fs::path const &file)
        : m_lines{regular_file(file), base::line_reader::line_ends::exact}
    {}

    /// Reads the next line, without its line feed; `line` is valid until the next call.
    /// \return false at the end of the file. \throws input_error if the last line has no line
    /// feed (the file was cut), or a line is too long to be a snapshot's.
    bool next(std::string_view &line) { return m_lines.next(line); }

    /// The number of the line last read (1 for the first).
    [[nodiscard]] std::uint64_t line_number() const noexcept { return m_lines.line_number(); }

    /// \throws input_error "FILE:LINE: message" for the line last read.
    [[noreturn]] void fail(std::string_view message) const { fail_at(line_number(), message); }
    [[noreturn]] void fail_at(std::uint64_t line, std::string_view message) const
    {
        throw input_error{fmt::format("{}:{}: {}", name(), line, message)};
    }
    /// \throws input_error "FILE:LINE: message" for the line after the last (a missing line).
    [[noreturn]] void fail_at_end(std::string_view message) const { fail_at(line_number() + 1, message); }

    [[nodiscard]] std::string const &name() const noexcept { return m_lines.name(); }

private:
    base::line_reader m_lines;
};

/// Splits "keyword rest" at its first space (rest is empty without one).
std::pair<std::string_view, std::string_view> split_keyword(std::string_view line)
{
    auto const space = line.find(' ');
    if (space == std::string_view::npos) {
        return {line, {}};
    }
    return {line.substr(0, space), line.substr(space + 1)};
}

/// The header of a snapshot file: its format line, map version and settings.
struct snapshot_file_header
{
    std::int64_t version = 0;
    site_settings settings;
    std::uint64_t settings_line = 0; ///< the new_base line, for messages about the settings
};

/// Reads the header up to and including the first table line (left in `line`).
snapshot_file_header read_snapshot_header(snapshot_file_reader &in, std::string_view &line)
{
    std::string const expected = fmt::format("{} {}", SNAPSHOT_MAGIC, SNAPSHOT_FORMAT);
    std::string const not_a_snapshot =
        fmt::format("not a forumgate snapshot file (its first line would be \"{}\")", expected);
    bool has_line = false;
    try {
        has_line = in.next(line);
    } catch (input_error const &) {
        // No line feed in the whole file, or none in the first 64 MiB: binary, or something else.
        in.fail_at(1, not_a_snapshot);
    }
    if (!has_line) {
        in.fail_at_end(fmt::format("the file is empty, {}", not_a_snapshot));
    }
    if (line != expected) {
        auto const [magic, format] = split_keyword(line);
        if (magic == SNAPSHOT_MAGIC) {
            in.fail(
                fmt::format("snapshot format '{}' is not one this forumgate reads (it reads {}): written by another "
                            "version of forumgate?",
                            shown(format), SNAPSHOT_FORMAT));
        }
        in.fail(not_a_snapshot);
    }
    snapshot_file_header header;
    std::uint64_t version_line = 0;
    std::string value;
    for (;;) {
        if (!in.next(line)) {
            in.fail_at_end("the file ends in its header: it was cut short");
        }
        auto const [keyword, rest] = split_keyword(line);
        if (keyword == "table") {
            break;
        }
        if (keyword == "version") {
            if (version_line != 0) {
                in.fail(fmt::format("version already on line {}", version_line));
            }
            auto const parsed = base::is_digits(rest) ? base::parse_uint(rest) : std::nullopt;
            if (!parsed || *parsed > static_cast<std::uint64_t>(INT64_MAX)) {
                in.fail(fmt::format("version '{}' is not a number", shown(rest)));
            }
            header.version = static_cast<std::int64_t>(*parsed);
            version_line = in.line_number();
            continue;
        }
        value.clear();
        pg::append_copy_unescaped(value, rest);
        if (keyword == "new_base") {
            if (header.settings_line != 0) {
                in.fail(fmt::format("new_base already on line {}", header.settings_line));
            }
            header.settings.new_base = value;
            header.settings_line = in.line_number();
        } else if (keyword == "old_host") {
            header.settings.old_hosts.push_back(value);
        } else if (keyword == "upload_host") {
            header.settings.upload_hosts.push_back(value);
        } else {
            in.fail(fmt::format("unknown header line '{}' (expected version, new_base, old_host, upload_host or table)",
                                shown(line)));
        }
    }
    if (version_line == 0) {
        in.fail("no version line before the first table");
    }
    if (header.settings_line == 0) {
        in.fail("no new_base line before the first table");
    }
    return header;
}

/// Reads the rows of one table into `builder` (a snapshot_builder, a snapshot_comparison or one
/// of the row filters below); `line` holds its table line and, after, the line that follows its
/// rows.
template <typename Builder>
void read_snapshot_table(snapshot_file_reader &in, std::string_view &line, std::span<bool> seen, Builder &builder,
                         snapshot_row_decoder &decoder)
{
    // table NAME COLUMNS ROWS
    auto const [name_part, after_name] = split_keyword(split_keyword(line).second);
    std::string_view const name = name_part; // a named copy: the lambda below captures it
    auto const [columns, count] = split_keyword(after_name);
    auto const known =
        std::find_if(MAP_TABLES.begin(), MAP_TABLES.end(), [&](map_table_spec const &t) { return t.name == name; });
    if (known == MAP_TABLES.end()) {
        std::string names;
        for (auto const &t : MAP_TABLES) {
            names += fmt::format("{}{}", names.empty() ? "" : ", ", t.name);
        }
        in.fail(fmt::format("unknown table '{}' (the tables are {})", shown(name), names));
    }
    auto const &table = *known;
    auto const index = static_cast<std::size_t>(known - MAP_TABLES.begin());
    if (seen[index]) {
        in.fail(fmt::format("table {} appears twice", table.name));
    }
    seen[index] = true;
    if (columns != column_list(table)) {
        in.fail(fmt::format("table {} has the columns '{}', but this forumgate reads {}", table.name, shown(columns),
                            column_list(table)));
    }
    auto const rows = base::is_digits(count) ? base::parse_uint(count) : std::nullopt;
    if (!rows) {
        in.fail(fmt::format("table {}: row count '{}' is not a number (a table line is `table NAME COLUMNS ROWS`)",
                            table.name, shown(count)));
    }
    std::uint64_t const table_line = in.line_number();
    if constexpr (std::is_same_v<Builder, snapshot_builder>) {
        if (table.table == map_table::posts) {
            builder.reserve_posts(static_cast<std::size_t>(std::min<std::uint64_t>(*rows, MAX_ID)));
        }
    }

    pg::copy_row row{table.names};
    for (std::uint64_t read = 0; read < *rows; ++read) {
        if (!in.next(line)) {
            in.fail_at_end(fmt::format("the file ends after {} of the {} rows of table {} (line {}): it was cut short",
                                       read, *rows, table.name, table_line));
        }
        try {
            if (!base::is_valid_utf8(line)) {
                throw input_error{"the row is not UTF-8 text (a store holds only UTF-8)"};
            }
            row.split(line);
            decoder.add(table.table, row, builder);
        } catch (input_error const &e) {
            if (line == "end" || line.starts_with("table ")) {
                in.fail(fmt::format("table {} (line {}) has {} rows, not the {} its table line says", table.name,
                                    table_line, read, *rows));
            }
            in.fail(fmt::format("table {}: {}", table.name, e.what()));
        }
    }
    if (!in.next(line)) {
        in.fail_at_end("the file ends without its end line: it was cut short");
    }
    if (line != "end" && !line.starts_with("table ") &&
        static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1 == table.columns.size()) {
        in.fail(fmt::format("table {} (line {}) has more rows than the {} its table line says", table.name, table_line,
                            *rows));
    }
}

/// Reads every table after the header (`line` holds the first table line) into `builder`, up to
/// and including the end line, which must be the file's last.
template <typename Builder>
void read_snapshot_tables(snapshot_file_reader &in, std::string_view &line, Builder &builder)
{
    // Tables, each once, in any order, until the end line.
    std::array<bool, MAP_TABLES.size()> seen{};
    snapshot_row_decoder decoder;
    while (line != "end") {
        if (!line.starts_with("table ")) {
            in.fail(fmt::format("'{}' is neither a table line nor the end line", shown(line)));
        }
        read_snapshot_table(in, line, seen, builder, decoder);
    }
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (!seen[i]) {
            in.fail(fmt::format("no table {} before the end line", MAP_TABLES[i].name));
        }
    }
    if (in.next(line)) {
        in.fail("more lines after the end line");
    }
}

// ---------------------------------------------------------------------------------------------
// A reload compared with a snapshot file (docs/architecture.md, "A reload compared with the map")
//
// As database::compare_with_map, with the file in place of the store: one read of the file
// compares every row with the map served, and later reads take the rows of the keys that
// differ into a layer. Every read checks that the file is still the one compared.

/// What tells one file from another at a path: a file written later is renamed over it.
struct file_identity
{
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t modified_ns = 0;

    bool operator==(file_identity const &) const = default;
};

/// \return the identity of the file at `file` now. \throws input_error if it cannot be read.
file_identity identity_of(fs::path const &file)
{
    struct stat status
    {};
    if (::stat(file.c_str(), &status) != 0) {
        throw input_error{fmt::format("{}: cannot be read: {}", file.string(), std::strerror(errno))};
    }
    return {status.st_dev, status.st_ino, status.st_size,
            std::int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec};
}

/// Represents a snapshot file opened for one of a comparison's reads, with the identity of the
/// file opened: the same before and after the open, or another file was renamed over it meanwhile.
class identified_reader
{
public:
    /// \throws input_error if the file cannot be opened or was replaced while it was opened.
    explicit identified_reader(fs::path const &file)
        : m_before{identity_of(file)}, m_in{file}, m_identity{identity_of(file)}
    {
        if (m_identity != m_before) {
            throw input_error{fmt::format("{}: replaced while it was opened", file.string())};
        }
    }

    [[nodiscard]] snapshot_file_reader &in() noexcept { return m_in; }
    [[nodiscard]] file_identity const &identity() const noexcept { return m_identity; }

private:
    file_identity m_before;
    snapshot_file_reader m_in;
    file_identity m_identity;
};

/// Passes on to `Inner` (a snapshot_builder or a row_counter) the rows of a layer's keys only.
template <typename Inner>
class key_filter
{
public:
    key_filter(mappings::layer_keys const &keys, Inner &inner) : m_keys{keys}, m_inner{inner} {}

    void add(topic_row const &row) { pass_if(has_topic(row.old_id), row); }
    void add(post_row const &row) { pass_if(has_topic(row.old_topic_id), row); }
    void add(user_row const &row) { pass_if(has_name(m_keys.users, row.old_username), row); }
    void add(tag_row const &row) { pass_if(has_name(m_keys.tags, row.old_name), row); }
    void add(category_row const &row) { pass_if(m_keys.categories, row); }
    void add(upload_row const &row) { pass_if(m_keys.uploads, row); }
    void add(rule_row const &row) { pass_if(m_keys.rules, row); }

private:
    template <typename Row>
    void pass_if(bool keep, Row const &row)
    {
        if (keep) {
            m_inner.add(row);
        }
    }
    [[nodiscard]] bool has_topic(std::uint64_t old_id) const
    {
        return old_id <= MAX_ID &&
               std::binary_search(m_keys.topics.begin(), m_keys.topics.end(), static_cast<std::uint32_t>(old_id));
    }
    /// The keys hold names in lower case, as snapshot_comparison names them.
    [[nodiscard]] bool has_name(std::vector<std::string> const &names, std::string const &name)
    {
        if (names.empty()) {
            return false;
        }
        m_lower = base::ascii_lower(name);
        return std::binary_search(names.begin(), names.end(), m_lower);
    }

    mappings::layer_keys const &m_keys;
    Inner &m_inner;
    std::string m_lower;
};

/// Counts the rows given to it.
struct row_counter
{
    std::size_t rows = 0;

    template <typename Row>
    void add(Row const &)
    {
        ++rows;
    }
};

/// Counts each topic's posts (snapshot_comparison::add_post_count), in runs of rows of one
/// topic: a file written from the store has each topic's posts mostly together.
class post_counter
{
public:
    void add(post_row const &row)
    {
        if (m_runs.empty() || m_runs.back().first != row.old_topic_id) {
            m_runs.emplace_back(row.old_topic_id, 0);
        }
        ++m_runs.back().second;
    }
    template <typename Row>
    void add(Row const &)
    {}

    /// Gives each topic's count to `comparison`, once.
    void give_to(mappings::snapshot_comparison &comparison)
    {
        std::sort(m_runs.begin(), m_runs.end());
        for (std::size_t i = 0; i < m_runs.size();) {
            auto const topic = m_runs[i].first;
            std::size_t posts = 0;
            for (; i < m_runs.size() && m_runs[i].first == topic; ++i) {
                posts += m_runs[i].second;
            }
            comparison.add_post_count(topic, posts);
        }
    }

private:
    std::vector<std::pair<std::uint64_t, std::size_t>> m_runs;
};

/// The rows of a layer's keys, read again from a snapshot file already compared.
class snapshot_file_rows final : public layer_row_source
{
public:
    snapshot_file_rows(fs::path file, file_identity identity, site_settings settings)
        : m_file{std::move(file)}, m_identity{identity}, m_settings{std::move(settings)}
    {}

    [[nodiscard]] std::size_t count(mappings::layer_keys const &keys) override
    {
        row_counter counter;
        key_filter<row_counter> filter{keys, counter};
        read(filter);
        return counter.rows + (keys.settings ? 1 : 0);
    }
    void read_into(mappings::layer_keys const &keys, snapshot_builder &builder) override
    {
        key_filter<snapshot_builder> filter{keys, builder};
        read(filter);
    }
    [[nodiscard]] std::optional<site_settings> settings() override { return m_settings; }

    /// Reads every row of the file into `builder`.
    /// \throws input_error if the file is no longer the one compared (another was renamed over it).
    template <typename Builder>
    void read(Builder &builder)
    {
        identified_reader opened{m_file};
        if (opened.identity() != m_identity) {
            throw input_error{fmt::format("{}: replaced while it was compared with the map", m_file.string())};
        }
        std::string_view line;
        (void)read_snapshot_header(opened.in(), line);
        read_snapshot_tables(opened.in(), line, builder);
    }

private:
    fs::path m_file;
    file_identity m_identity;
    site_settings m_settings;
};

} // namespace

void database::write_snapshot_file(std::filesystem::path const &file)
{
    auto const started = std::chrono::steady_clock::now();
    std::int64_t total_rows = 0;
    pg::with_context(fmt::format("writing a snapshot of the map in {} to {}", m_description, file.string()), [&] {
        // One repeatable-read transaction, as load_snapshot: every table, and its row count, as
        // it was at the same moment.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto const settings = read_settings(txn);
        if (!settings) {
            throw input_error{fmt::format(EMPTY_MAP_MESSAGE, m_description)};
        }
        std::string count_query = "SELECT (SELECT version FROM forumgate.map_version)";
        for (auto const &spec : MAP_TABLES) {
            count_query += fmt::format(", (SELECT count(*) FROM forumgate.{})", spec.name);
        }
        auto const counts = txn.exec1(count_query);

        snapshot_file_writer out{file};
        out.line(fmt::format("{} {}", SNAPSHOT_MAGIC, SNAPSHOT_FORMAT));
        out.line(fmt::format("version {}", counts[0].as<std::int64_t>()));
        out.setting("new_base", settings->new_base);
        for (auto const &host : settings->old_hosts) {
            out.setting("old_host", host);
        }
        for (auto const &host : settings->upload_hosts) {
            out.setting("upload_host", host);
        }
        for (std::size_t i = 0; i < MAP_TABLES.size(); ++i) {
            auto const &spec = MAP_TABLES[i];
            auto const rows = counts[static_cast<int>(i + 1)].as<std::int64_t>();
            out.line(fmt::format("table {} {} {}", spec.name, column_list(spec), rows));
            // The lines as the server sends them are the file's rows: no decoding, no encoding.
            pg::copy_reader copy{txn, fmt::format("forumgate.{}", spec.name), snapshot_query(spec), spec.names};
            std::int64_t written = 0;
            while (copy.next_line()) {
                out.line(copy.line());
                ++written;
            }
            copy.complete();
            if (written != rows) {
                throw database_error{
                    fmt::format("reading forumgate.{}: {} rows counted, but {} read in the same transaction", spec.name,
                                rows, written)};
            }
            total_rows += written;
        }
        out.line("end");
        txn.commit();
        out.commit();
    });
    spdlog::debug("snapshot of {} rows written to {} in {:.1f} s", total_rows, file.string(), seconds_since(started));
}

std::shared_ptr<snapshot const> read_snapshot_file(std::filesystem::path const &file)
{
    snapshot_file_reader in{file};
    std::string_view line;
    auto header = read_snapshot_header(in, line);
    std::unique_ptr<snapshot_builder> builder;
    try {
        builder = std::make_unique<snapshot_builder>(std::move(header.settings));
    } catch (input_error const &e) {
        in.fail_at(header.settings_line, fmt::format("the settings are unusable: {}", e.what()));
    }
    builder->set_version(header.version);
    read_snapshot_tables(in, line, *builder);
    try {
        return builder->build();
    } catch (input_error const &e) {
        throw input_error{fmt::format("{}: {}", in.name(), e.what())};
    }
}

applied_changes compare_with_snapshot_file(std::shared_ptr<snapshot const> const &current,
                                           std::filesystem::path const &file, layer_bounds const &bounds)
{
    applied_changes out;
    identified_reader opened{file};
    snapshot_file_reader &in = opened.in();
    std::string_view line;
    auto header = read_snapshot_header(in, line);
    out.to_version = header.version;
    mappings::snapshot_comparison comparison{*current};
    try {
        comparison.compare(header.settings);
    } catch (input_error const &e) {
        in.fail_at(header.settings_line, fmt::format("the settings are unusable: {}", e.what()));
    }
    read_snapshot_tables(in, line, comparison);
    snapshot_file_rows rows{file, opened.identity(), std::move(header.settings)};
    if (comparison.needs_post_counts()) {
        post_counter counter;
        rows.read(counter);
        counter.give_to(comparison);
    }
    mappings::layer_keys changed = comparison.finish();
    if (changed.empty() && out.to_version == current->version()) {
        out.map = current;
        return out;
    }
    std::unique_ptr<snapshot_builder> builder;
    try {
        plan_and_read_layer(rows, current, std::move(changed), out.to_version, bounds, out, builder);
        return built_layer(builder, std::move(out));
    } catch (input_error const &e) {
        throw input_error{fmt::format("{}: {}", file.string(), e.what())};
    }
}

} // namespace forumgate::store
