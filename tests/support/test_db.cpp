#include "tests/support/test_db.hpp"

#include "store/store.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace forumgate::testing {
namespace {

/// Tells databases of one process apart (a process may make several in the same second).
std::atomic<unsigned> g_database_counter{0};

std::string unique_database_name()
{
    auto const now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return "forumgate-test-" + std::to_string(::getpid()) + "-" + std::to_string(now.count()) + "-" +
           std::to_string(g_database_counter++);
}

} // namespace

test_database::test_database()
{
    char const *const server = std::getenv(TEST_DB_VARIABLE);
    if (server == nullptr || *server == '\0') {
        std::string const message = std::string{TEST_DB_VARIABLE} +
                                    " is not set: run scripts/test, or set it to a libpq connection string of a "
                                    "PostgreSQL server";
        ADD_FAILURE() << message;
        throw std::runtime_error{message};
    }
    m_server = server;
    m_name = unique_database_name();
    try {
        pqxx::connection connection{m_server};
        pqxx::nontransaction create{connection};
        create.exec("CREATE DATABASE " + create.quote_name(m_name));
    } catch (std::exception const &e) {
        std::string const message =
            "creating test database " + m_name + " on " + pg::describe_conninfo(m_server) + ": " + e.what();
        ADD_FAILURE() << message;
        throw std::runtime_error{message};
    }
    m_conninfo = pg::with_database(m_server, m_name);
}

test_database::~test_database()
{
    if (std::getenv(KEEP_TEST_DB_VARIABLE) != nullptr) {
        std::cerr << "keeping test database " << m_name << " (" << KEEP_TEST_DB_VARIABLE << " is set)\n";
        return;
    }
    try {
        pqxx::connection connection{m_server};
        pqxx::nontransaction drop{connection};
        // FORCE: a test may still hold a connection (a listener, a store) when this runs.
        drop.exec("DROP DATABASE IF EXISTS " + drop.quote_name(m_name) + " WITH (FORCE)");
    } catch (std::exception const &e) {
        std::cerr << "could not drop test database " << m_name << ": " << e.what() << '\n';
    }
}

std::filesystem::path make_temp_folder(std::string_view prefix)
{
    char const *const tmpdir = std::getenv("TMPDIR");
    std::string pattern =
        std::string{tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp"} + "/" + std::string{prefix} + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        throw std::runtime_error{"making a temporary folder " + pattern + ": " + std::strerror(errno)};
    }
    return buffer.data();
}

temp_dir::temp_dir() : m_path{make_temp_folder("forumgate-test")} {}

temp_dir::~temp_dir()
{
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::filesystem::path temp_dir::write(std::string const &name, std::string_view content) const
{
    auto const path = m_path / name;
    write_file(path, content);
    return path;
}

void write_file(std::filesystem::path const &path, std::string_view content)
{
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
        throw std::runtime_error{"writing " + path.string() + ": " + std::strerror(errno)};
    }
}

void write_gzip_file(std::filesystem::path const &path, std::string_view content)
{
    gzFile file = gzopen(path.c_str(), "wb");
    if (file == nullptr) {
        throw std::runtime_error{"writing " + path.string() + ": " + std::strerror(errno)};
    }
    bool const written =
        gzwrite(file, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size());
    if (gzclose(file) != Z_OK || !written) {
        throw std::runtime_error{"writing " + path.string() + " gzip-compressed"};
    }
}

std::string read_file(std::filesystem::path const &path)
{
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        throw std::runtime_error{"reading " + path.string() + ": " + std::strerror(errno)};
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void change_store(test_database const &db, std::initializer_list<std::string_view> statements)
{
    pqxx::connection c{db.conninfo()};
    pqxx::work txn{c};
    for (std::string_view const sql : statements) {
        txn.exec(std::string{sql});
    }
    txn.commit();
}

} // namespace forumgate::testing
