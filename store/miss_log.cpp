#include "base/url_codec.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

// The miss log (forumgate.misses): how often real visitors asked for old URLs that got a 404 or
// 410. Not part of the map.

namespace forumgate::store {

void database::record_misses(std::vector<miss_count> const &misses)
{
    // Only what PostgreSQL can store: one unstorable target would fail the batch, and the
    // redirector keeps a failed batch to retry it, so it would never get through.
    std::size_t skipped = 0;
    std::vector<std::pair<std::string_view, miss_count const *>> rows;
    rows.reserve(misses.size());
    for (auto const &miss : misses) {
        std::string_view target = miss.target;
        if (target.size() > MAX_MISS_TARGET_BYTES) {
            target = target.substr(0, MAX_MISS_TARGET_BYTES);
            // Not in the middle of a UTF-8 sequence: drop continuation bytes and their lead byte.
            while (!target.empty() && (static_cast<unsigned char>(target.back()) & 0xC0U) == 0x80U) {
                target.remove_suffix(1);
            }
            if (!target.empty() && (static_cast<unsigned char>(target.back()) & 0x80U) != 0) {
                target.remove_suffix(1);
            }
        }
        bool const storable = miss.hits > 0 && !target.empty() && target.find('\0') == std::string_view::npos &&
                              miss.reason.find('\0') == std::string::npos && base::is_valid_utf8(target) &&
                              base::is_valid_utf8(miss.reason);
        if (storable) {
            rows.emplace_back(target, &miss);
        } else {
            ++skipped;
        }
    }
    if (skipped > 0) {
        spdlog::warn("miss log: {} of {} entries skipped (no hits, or a target that is not UTF-8 text)", skipped,
                     misses.size());
    }
    if (rows.empty()) {
        return;
    }
    pg::with_context(fmt::format("recording {} missed URLs in {}", rows.size(), m_description), [&] {
        pqxx::work txn{*m_connection};
        check_schema(txn, m_description);
        txn.exec("CREATE TEMP TABLE fg_misses (position bigint, target text, reason text, hits bigint) ON COMMIT DROP");
        {
            pg::copy_writer staging{txn, "fg_misses"};
            std::uint64_t position = 0;
            for (auto const &[target, miss] : rows) {
                staging.number(++position);
                staging.text(target);
                staging.text(miss->reason);
                staging.number(static_cast<std::uint64_t>(miss->hits));
                staging.end_row();
            }
            staging.complete();
        }
        // One row per target (ON CONFLICT may not touch a row twice), its last reason winning.
        // Ordered by target, so that two redirectors recording at once lock rows in the same
        // order and never deadlock.
        txn.exec("INSERT INTO forumgate.misses AS m (target, reason, hits) "
                 "SELECT target, (array_agg(reason ORDER BY position DESC))[1], sum(hits)::bigint "
                 "FROM fg_misses GROUP BY target ORDER BY target "
                 "ON CONFLICT (target) DO UPDATE SET hits = m.hits + excluded.hits, reason = excluded.reason, "
                 "last_seen = now()");
        txn.commit();
    });
}

} // namespace forumgate::store
