#include "pg/connection.hpp"

#include <libpq-fe.h>

#include <initializer_list>

namespace forumgate::pg {
namespace {

/// libpq's parse of a connection string (nullptr if it cannot be parsed).
using conninfo_options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

conninfo_options parse_conninfo(std::string const &conninfo)
{
    char *error = nullptr;
    PQconninfoOption *const options = PQconninfoParse(conninfo.c_str(), &error);
    // libpq's parse errors may quote the string, password and all: never shown.
    if (error != nullptr) {
        PQfreemem(error);
    }
    return conninfo_options{options, &PQconninfoFree};
}

/// A value for a keyword/value connection string, quoted when it has to be.
std::string conninfo_value(std::string_view value)
{
    bool const plain = !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string_view::npos;
    if (plain) {
        return std::string{value};
    }
    std::string quoted = "'";
    for (char const c : value) {
        if (c == '\'' || c == '\\') {
            quoted.push_back('\\');
        }
        quoted.push_back(c);
    }
    quoted.push_back('\'');
    return quoted;
}

/// `line` without the blanks at either end.
std::string_view trimmed(std::string_view line)
{
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        line.remove_prefix(1);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    return line;
}

} // namespace

std::string describe_conninfo(std::string const &conninfo)
{
    auto const options = parse_conninfo(conninfo);
    if (!options) {
        return "an unparsable connection string";
    }
    std::string out;
    for (std::string_view const keyword : {"host", "port", "dbname", "user"}) {
        for (PQconninfoOption const *option = options.get(); option->keyword != nullptr; ++option) {
            if (option->keyword == keyword && option->val != nullptr && option->val[0] != '\0') {
                out += fmt::format("{}{}={}", out.empty() ? "" : " ", keyword, conninfo_value(option->val));
            }
        }
    }
    return out.empty() ? "the default database (libpq defaults and PG* variables)" : out;
}

std::string with_database(std::string const &conninfo, std::string const &dbname)
{
    auto const options = parse_conninfo(conninfo);
    if (!options) {
        throw argument_error{"the database connection string cannot be parsed (see the libpq manual, "
                             "\"Connection Strings\")"};
    }
    std::string out;
    for (PQconninfoOption const *option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && std::string_view{option->keyword} != "dbname") {
            out += fmt::format("{}={} ", option->keyword, conninfo_value(option->val));
        }
    }
    out += fmt::format("dbname={}", conninfo_value(dbname));
    return out;
}

std::string server_message(std::exception const &e)
{
    std::string out;
    std::string_view rest = e.what();
    while (!rest.empty()) {
        auto const end = rest.find('\n');
        std::string_view line = trimmed(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (line.starts_with("ERROR:")) {
            line.remove_prefix(6);
            while (!line.empty() && line.front() == ' ') {
                line.remove_prefix(1);
            }
        }
        if (line.empty() || line.starts_with("LINE ") || line.find_first_not_of(" ^") == std::string_view::npos) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(' ');
        }
        out.append(line);
    }
    return out;
}

std::unique_ptr<pqxx::connection> connect(std::string const &conninfo, std::string_view description)
{
    return with_context(fmt::format("connecting to {}", description), [&] {
        auto connection = std::make_unique<pqxx::connection>(conninfo);
        connection->set_client_encoding("UTF8");
        return connection;
    });
}

} // namespace forumgate::pg
