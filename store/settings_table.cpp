#include "store/settings_table.hpp"

#include "pg/connection.hpp"
#include "pg/text_array.hpp"
#include "store/detail.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace forumgate::store {

std::optional<site_settings> read_settings(pqxx::transaction_base &txn)
{
    auto const rows = txn.exec("SELECT new_base, old_hosts, upload_hosts FROM forumgate.settings");
    if (rows.empty()) {
        return std::nullopt;
    }
    site_settings settings;
    settings.new_base = rows[0][0].as<std::string>();
    settings.old_hosts = pg::read_text_array(rows[0][1]);
    settings.upload_hosts = pg::read_text_array(rows[0][2]);
    return settings;
}

settings_change store_settings(pqxx::transaction_base &txn, site_settings const &settings)
{
    auto const rows = txn.exec_params(
        "INSERT INTO forumgate.settings AS s (id, new_base, old_hosts, upload_hosts) "
        "VALUES (true, $1, $2::text[], $3::text[]) "
        "ON CONFLICT (id) DO UPDATE SET new_base = excluded.new_base, old_hosts = excluded.old_hosts, "
        "upload_hosts = excluded.upload_hosts "
        "WHERE (s.new_base, s.old_hosts, s.upload_hosts) IS DISTINCT FROM "
        "(excluded.new_base, excluded.old_hosts, excluded.upload_hosts) "
        "RETURNING (s.xmax = 0)",
        settings.new_base, pg::text_array_literal(settings.old_hosts), pg::text_array_literal(settings.upload_hosts));
    if (rows.empty()) {
        return settings_change::none;
    }
    return rows[0][0].as<bool>() ? settings_change::inserted : settings_change::updated;
}

std::optional<site_settings> database::settings()
{
    return pg::with_context(fmt::format("reading the site settings from {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        check_schema(txn, m_description);
        return read_settings(txn);
    });
}

void database::set_settings(site_settings settings)
{
    normalise(settings);
    pg::with_context(fmt::format("storing the site settings in {}", m_description), [&] {
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        (void)store_settings(txn, settings);
        txn.commit();
    });
}

} // namespace forumgate::store
