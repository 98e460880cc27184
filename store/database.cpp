#include "pg/connection.hpp"
#include "store/detail.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace forumgate::store {

/// A value as quoted in an error message: clipped, control bytes shown as '?'.
std::string shown(std::string_view value)
{
    std::string out{value.substr(0, MAX_SHOWN_VALUE)};
    std::replace_if(
        out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }, '?');
    if (value.size() > MAX_SHOWN_VALUE) {
        out += "…";
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

database::database(std::string const &conninfo)
    : m_description{pg::describe_conninfo(conninfo)}, m_connection{pg::connect(conninfo, m_description)}
{}

database::~database() = default;

map_stats database::stats()
{
    return pg::with_context(fmt::format("counting the map in {}", m_description), [&] {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto const row =
            txn.exec1("SELECT v.version, t.total, t.not_migrated, t.restricted, p.total, p.not_migrated, "
                      "(SELECT count(*) FROM forumgate.categories), (SELECT count(*) FROM forumgate.users), "
                      "(SELECT count(*) FROM forumgate.tags), (SELECT count(*) FROM forumgate.uploads), "
                      "(SELECT count(*) FROM forumgate.rules), (SELECT count(*) FROM forumgate.misses) "
                      "FROM forumgate.map_version v, "
                      "(SELECT count(*) AS total, count(*) FILTER (WHERE new_id IS NULL) AS not_migrated, "
                      "count(*) FILTER (WHERE restricted) AS restricted FROM forumgate.topics) t, "
                      "(SELECT count(*) AS total, count(*) FILTER (WHERE new_id IS NULL) AS not_migrated FROM "
                      "forumgate.posts) p");
        map_stats out;
        out.version = row[0].as<std::int64_t>();
        out.topics = row[1].as<std::int64_t>();
        out.topics_not_migrated = row[2].as<std::int64_t>();
        out.topics_restricted = row[3].as<std::int64_t>();
        out.posts = row[4].as<std::int64_t>();
        out.posts_not_migrated = row[5].as<std::int64_t>();
        out.categories = row[6].as<std::int64_t>();
        out.users = row[7].as<std::int64_t>();
        out.tags = row[8].as<std::int64_t>();
        out.uploads = row[9].as<std::int64_t>();
        out.rules = row[10].as<std::int64_t>();
        out.misses = row[11].as<std::int64_t>();
        txn.commit();
        return out;
    });
}

std::int64_t database::map_version()
{
    return pg::with_context(fmt::format("reading the map version from {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        check_schema(txn, m_description);
        return read_map_version(txn);
    });
}

map_change_set read_changes(pqxx::transaction_base &txn, std::int64_t version)
{
    map_change_set out;
    out.from_version = version;
    out.to_version = read_map_version(txn);
    if (out.to_version == version) {
        return out;
    }
    auto const whole = [&out](std::string why) {
        out.whole_map = true;
        out.whole_map_reason = std::move(why);
        return out;
    };
    if (out.to_version < version) {
        return whole(fmt::format("the store's map version {} is behind {}: a store rebuilt", out.to_version, version));
    }
    // Every version in between left at least one row; a missing one was pruned or never logged.
    auto const held = txn.exec_params1("SELECT count(DISTINCT version) FROM forumgate.map_changes WHERE version > $1 "
                                       "AND version <= $2",
                                       version, out.to_version)[0]
                          .as<std::int64_t>();
    if (held != out.to_version - version) {
        return whole(fmt::format("the change log no longer holds every version after {}", version));
    }
    auto const rows = txn.exec_params("SELECT DISTINCT table_name, key FROM forumgate.map_changes WHERE version > $1 "
                                      "AND version <= $2 ORDER BY table_name, key",
                                      version, out.to_version);
    for (auto const &row : rows) {
        auto const table = row[0].as<std::string>();
        auto key = row[1].as<std::string>();
        if (table == "settings") {
            out.settings = true;
        } else if (table == "rules") {
            out.rules = true;
        } else if (key == "*") {
            whole(fmt::format("{} changed as a whole", table));
        } else if (table == "topics" || table == "posts") {
            out.topics.push_back(std::stoull(key));
        } else if (table == "categories") {
            out.categories.push_back(std::stoull(key));
        } else if (table == "users") {
            out.users.push_back(std::move(key));
        } else if (table == "tags") {
            out.tags.push_back(std::move(key));
        } else if (table == "uploads") {
            out.uploads.push_back(std::move(key));
        } else {
            whole(fmt::format("the log names a table it does not know: {}", table));
        }
    }
    std::sort(out.topics.begin(), out.topics.end());
    out.topics.erase(std::unique(out.topics.begin(), out.topics.end()), out.topics.end());
    std::sort(out.categories.begin(), out.categories.end());
    return out;
}

map_change_set database::changes_since(std::int64_t version)
{
    return pg::with_context(fmt::format("reading the map's changes after version {} from {}", version, m_description),
                            [&] {
                                pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
                                check_schema(txn, m_description);
                                auto out = read_changes(txn, version);
                                txn.commit();
                                return out;
                            });
}

} // namespace forumgate::store
