#pragma once
// Connecting to PostgreSQL and turning its failures into database_error messages that say what
// was being done (as osm2pgsql passes a context string into every connection error).

#include "base/error.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace forumgate::pg {

/// \return `conninfo` with its database name replaced by `dbname` (libpq keyword/value or URI).
/// \throws argument_error if the connection string cannot be parsed.
[[nodiscard]] std::string with_database(std::string const &conninfo, std::string const &dbname);

/// \return a description of `conninfo` for messages: host, port, database, user; no password.
[[nodiscard]] std::string describe_conninfo(std::string const &conninfo);

/// \return the useful part of a libpq or libpqxx message, on one line: without "ERROR:  ", the
/// query excerpt and its caret line.
[[nodiscard]] std::string server_message(std::exception const &e);

/// Runs `action`, turning a libpqxx failure into a database_error that says what was being done:
/// "`what`: server message".
template <typename Action>
auto with_context(std::string_view what, Action &&action) -> decltype(action())
{
    try {
        return action();
    } catch (pqxx::failure const &e) {
        throw database_error{fmt::format("{}: {}", what, server_message(e))};
    }
}

/// Opens a connection whose client encoding is UTF-8 (COPY text is exchanged as UTF-8 whatever
/// the server's or the environment's encoding).
/// \throws database_error "connecting to `description`: …".
[[nodiscard]] std::unique_ptr<pqxx::connection> connect(std::string const &conninfo, std::string_view description);

} // namespace forumgate::pg
