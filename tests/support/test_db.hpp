#pragma once
// Real things for tests: a private PostgreSQL database per test, and temporary folders.

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace forumgate::testing {

/// The environment variable naming the PostgreSQL server the tests use (a libpq connection
/// string or URI; scripts/test sets it to a private server it starts).
inline constexpr char const *TEST_DB_VARIABLE = "FORUMGATE_TEST_DB";

/// Set (to anything) to keep the test databases for a look afterwards; their names are printed.
inline constexpr char const *KEEP_TEST_DB_VARIABLE = "FORUMGATE_KEEP_TEST_DB";

/// Represents an empty database created for one test on the server named by FORUMGATE_TEST_DB,
/// named `forumgate-test-<pid>-<unix time>-<counter>` and dropped again at destruction.
class test_database
{
public:
    /// Creates the database.
    /// \throws std::runtime_error (after recording a test failure) if FORUMGATE_TEST_DB is not
    /// set or the server cannot create it.
    test_database();
    /// Drops the database (even with sessions still connected), unless FORUMGATE_KEEP_TEST_DB is set.
    ~test_database();
    test_database(test_database const &) = delete;
    test_database &operator=(test_database const &) = delete;

    /// \return the connection string of this database (the server's, with dbname replaced).
    [[nodiscard]] std::string const &conninfo() const noexcept { return m_conninfo; }
    [[nodiscard]] std::string const &name() const noexcept { return m_name; }

private:
    std::string m_server;
    std::string m_name;
    std::string m_conninfo;
};

/// Makes a new, empty folder `PREFIX-XXXXXX` under TMPDIR (or /tmp), which the caller removes.
/// \return its path. \throws std::runtime_error if it cannot be made.
[[nodiscard]] std::filesystem::path make_temp_folder(std::string_view prefix);

/// Represents a new, empty folder under TMPDIR (or /tmp), removed with its content at destruction.
class temp_dir
{
public:
    /// \throws std::runtime_error if the folder cannot be made.
    temp_dir();
    ~temp_dir();
    temp_dir(temp_dir const &) = delete;
    temp_dir &operator=(temp_dir const &) = delete;

    [[nodiscard]] std::filesystem::path const &path() const noexcept { return m_path; }

    /// Writes `content` to the file `name` in the folder. \return its path.
    std::filesystem::path write(std::string const &name, std::string_view content) const;

private:
    std::filesystem::path m_path;
};

/// Writes `content` to `path` byte for byte (replacing the file). \throws std::runtime_error.
void write_file(std::filesystem::path const &path, std::string_view content);

/// Writes `content` gzip-compressed to `path` (replacing the file). \throws std::runtime_error.
void write_gzip_file(std::filesystem::path const &path, std::string_view content);

/// \return the content of `path` byte for byte. \throws std::runtime_error if it cannot be read.
[[nodiscard]] std::string read_file(std::filesystem::path const &path);

/// Runs `statements` on `db` in one transaction, as an import or an admin changes the store.
void change_store(test_database const &db, std::initializer_list<std::string_view> statements);

} // namespace forumgate::testing
