// Changes applied in place: a map read from the store is brought to the store's version by a
// layer holding the rows of the keys that changed (docs/architecture.md).

#include "base/error.hpp"
#include "mappings/snapshot_comparison.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "pg/text_array.hpp"
#include "store/detail.hpp"
#include "store/layer_rows.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/snapshot_rows.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

namespace forumgate::store {
namespace {

using mappings::layer_keys;

/// \return `ids` as a PostgreSQL array literal: {1,2,3}.
std::string id_array(std::vector<std::uint32_t> const &ids)
{
    return fmt::format("{{{}}}", fmt::join(ids, ","));
}

/// The keys the change log names, as a layer holds them. \return false if a topic id cannot be
/// a snapshot's (the whole map's build names the bad row).
bool layer_keys_of(map_change_set const &changes, layer_keys &keys)
{
    for (std::uint64_t const id : changes.topics) {
        if (id == 0 || id > MAX_ID) {
            return false;
        }
        keys.topics.push_back(static_cast<std::uint32_t>(id));
    }
    keys.users = changes.users;
    keys.tags = changes.tags;
    std::sort(keys.users.begin(), keys.users.end());
    std::sort(keys.tags.begin(), keys.tags.end());
    // A category's leaf slug and an upload's SHA-1 are shared between rows: a layer holds these
    // two (small) tables whole rather than the rows that changed.
    keys.categories = !changes.categories.empty();
    keys.uploads = !changes.uploads.empty();
    keys.rules = changes.rules;
    keys.settings = changes.settings;
    return true;
}

/// Represents the rows of a layer's keys in one transaction of the store.
class key_rows
{
public:
    key_rows(pqxx::transaction_base &txn, layer_keys const &keys)
        : m_txn{txn}, m_keys{keys}, m_topics{txn.quote(id_array(keys.topics))},
          m_users{txn.quote(pg::text_array_literal(keys.users))}, m_tags{txn.quote(pg::text_array_literal(keys.tags))}
    {}

    /// \return how many rows the keys have: the topics', their posts', users', tags', and every
    /// row of the tables held whole.
    [[nodiscard]] std::size_t count()
    {
        auto const row = m_txn.exec1(fmt::format(
            "SELECT (SELECT count(*) FROM forumgate.topics WHERE old_id = ANY({0}::bigint[])) + "
            "(SELECT count(*) FROM forumgate.posts WHERE old_topic_id = ANY({0}::bigint[])) + "
            "(SELECT count(*) FROM forumgate.users WHERE old_username_lower = ANY({1}::text[])) + "
            "(SELECT count(*) FROM forumgate.tags WHERE old_name_lower = ANY({2}::text[])) + "
            "(SELECT count(*) FROM forumgate.categories WHERE {3}) + "
            "(SELECT count(*) FROM forumgate.uploads WHERE {4}) + "
            "(SELECT count(*) FROM forumgate.rules WHERE {5}) + {6}",
            m_topics, m_users, m_tags, m_keys.categories, m_keys.uploads, m_keys.rules, m_keys.settings ? 1 : 0));
        return row[0].as<std::size_t>();
    }

    /// Adds the rows to a layer's builder.
    void read_into(snapshot_builder &builder)
    {
        read_map_tables(m_txn, builder, [this](map_table_spec const &spec) {
            std::string where = condition(spec.table);
            if (where.empty()) {
                return where;
            }
            std::string query =
                fmt::format("SELECT {} FROM forumgate.{} WHERE {}", column_list(spec, ", "), spec.name, where);
            if (!spec.snapshot_order.empty()) {
                query += fmt::format(" ORDER BY {}", spec.snapshot_order); // the rules, in order
            }
            return query;
        });
    }

private:
    /// \return the WHERE condition of a table's rows, or "" for a table the layer takes from below.
    [[nodiscard]] std::string condition(map_table table) const
    {
        switch (table) {
        case map_table::topics:
            return m_keys.topics.empty() ? "" : fmt::format("old_id = ANY({}::bigint[])", m_topics);
        case map_table::posts:
            return m_keys.topics.empty() ? "" : fmt::format("old_topic_id = ANY({}::bigint[])", m_topics);
        case map_table::users:
            return m_keys.users.empty() ? "" : fmt::format("old_username_lower = ANY({}::text[])", m_users);
        case map_table::tags:
            return m_keys.tags.empty() ? "" : fmt::format("old_name_lower = ANY({}::text[])", m_tags);
        case map_table::categories:
            return m_keys.categories ? "true" : "";
        case map_table::uploads:
            return m_keys.uploads ? "true" : "";
        case map_table::rules:
            return m_keys.rules ? "true" : "";
        }
        return "";
    }

    pqxx::transaction_base &m_txn;
    layer_keys const &m_keys;
    std::string m_topics;
    std::string m_users;
    std::string m_tags;
};

/// Where a new layer goes, and what it holds.
struct layer_plan
{
    std::shared_ptr<snapshot const> below;
    layer_keys keys;
    snapshot::level level = snapshot::level::small_layer;
    std::size_t rows = 0;
};

/// The rows of a layer's keys in one transaction of the store.
class store_rows final : public layer_row_source
{
public:
    explicit store_rows(pqxx::transaction_base &txn) : m_txn{txn} {}

    [[nodiscard]] std::size_t count(layer_keys const &keys) override { return key_rows{m_txn, keys}.count(); }
    void read_into(layer_keys const &keys, snapshot_builder &builder) override
    {
        key_rows{m_txn, keys}.read_into(builder);
    }
    [[nodiscard]] std::optional<site_settings> settings() override { return read_settings(m_txn); }

private:
    pqxx::transaction_base &m_txn;
};

/// Chooses the layer for `changed` over `current`: the smallest level whose bound holds the
/// changed keys and those of every layer of that level or smaller on top, which it replaces.
/// \return false, with `why`, when not even a large layer holds them: read the whole map then.
bool plan_layer(layer_row_source &rows, std::shared_ptr<snapshot const> const &current, layer_keys changed,
                layer_bounds const &bounds, layer_plan &plan, std::string &why)
{
    using level = snapshot::level;
    plan.below = current;
    plan.keys = std::move(changed);
    for (auto const kind : {level::small_layer, level::medium_layer, level::large_layer}) {
        bool peeled = kind == level::small_layer;
        while (plan.below->kind() >= kind) {
            plan.keys.merge(plan.below->keys());
            plan.below = plan.below->below();
            peeled = true;
        }
        if (peeled) {
            plan.rows = rows.count(plan.keys);
        }
        std::size_t limit = bounds.small_rows;
        if (kind == level::medium_layer) {
            limit = bounds.medium_rows;
        } else if (kind == level::large_layer) {
            limit = std::max(bounds.large_rows, plan.below->rows() / std::max<std::size_t>(bounds.large_share, 1));
        }
        if (plan.rows <= limit) {
            plan.level = kind;
            return true;
        }
        if (kind == level::large_layer) {
            why = fmt::format("{} rows changed since the map was last read whole (a layer holds at most {})", plan.rows,
                              limit);
        }
    }
    return false;
}

/// \return true if an upload URL `before` allows may point at a host `after` does not: a host
/// of its upload hosts or its new base's. \throws input_error if `after` is unusable.
bool loses_upload_host(site_settings before, site_settings after)
{
    normalise(before);
    normalise(after);
    auto const hosts = [](site_settings const &s) {
        std::vector<std::string> out = s.upload_hosts;
        out.push_back(mappings::host_of_url(s.new_base));
        return out;
    };
    auto const kept = hosts(after);
    auto const had = hosts(before);
    return std::any_of(had.begin(), had.end(), [&kept](std::string const &host) {
        return std::find(kept.begin(), kept.end(), host) == kept.end();
    });
}

} // namespace

void plan_and_read_layer(layer_row_source &rows, std::shared_ptr<snapshot const> const &current, layer_keys changed,
                         std::int64_t version, layer_bounds const &bounds, applied_changes &out,
                         std::unique_ptr<snapshot_builder> &builder)
{
    // A layer that holds the settings (changed now, or in a layer it replaces) has the rows'.
    std::optional<site_settings> stored;
    if (changed.settings) {
        stored = rows.settings();
        // The settings say where an upload may point, and every upload of the map was checked
        // against the hosts of the settings it was built with: with a host gone, a layer checks
        // them all again, as a whole read would.
        changed.uploads = changed.uploads || (stored && loses_upload_host(current->settings(), *stored));
    }
    layer_plan plan;
    if (!plan_layer(rows, current, std::move(changed), bounds, plan, out.whole_map_reason)) {
        return;
    }
    if (plan.keys.settings) {
        if (!stored) {
            stored = rows.settings(); // a layer replaced held them
        }
        if (!stored) {
            out.whole_map_reason = "the site settings are gone";
            return;
        }
    }
    site_settings settings = plan.keys.settings ? std::move(*stored) : site_settings{plan.below->settings()};
    builder = std::make_unique<snapshot_builder>(plan.below, plan.keys, plan.level, std::move(settings));
    builder->set_version(version);
    builder->reserve_posts(plan.rows);
    rows.read_into(plan.keys, *builder);
    out.rows_read = plan.rows;
}

applied_changes built_layer(std::unique_ptr<snapshot_builder> const &builder, applied_changes out)
{
    if (builder) {
        out.map = builder->build();
        if (!out.map) {
            out.whole_map_reason = builder->refusal();
        }
    }
    return out;
}

applied_changes database::apply_changes(std::shared_ptr<snapshot const> const &current, layer_bounds const &bounds)
{
    applied_changes out;
    out.to_version = current->version();
    std::unique_ptr<snapshot_builder> builder;
    pg::with_context(
        fmt::format("reading the map's changes after version {} from {}", current->version(), m_description), [&] {
            pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
            check_schema(txn, m_description);
            auto const changes = read_changes(txn, current->version());
            out.to_version = changes.to_version;
            if (changes.whole_map) {
                out.whole_map_reason = changes.whole_map_reason;
                out.keys_unknown = true;
                return;
            }
            layer_keys changed;
            if (!layer_keys_of(changes, changed)) {
                out.whole_map_reason = "a changed topic's id is out of range";
                return;
            }
            if (changed.empty()) {
                out.map = current;
                return;
            }
            store_rows rows{txn};
            plan_and_read_layer(rows, current, std::move(changed), changes.to_version, bounds, out, builder);
            txn.commit();
        });
    return built_layer(builder, std::move(out));
}

applied_changes database::compare_with_map(std::shared_ptr<snapshot const> const &current, layer_bounds const &bounds)
{
    applied_changes out;
    out.to_version = current->version();
    std::unique_ptr<snapshot_builder> builder;
    pg::with_context(fmt::format("comparing the map with {}", m_description), [&] {
        // One repeatable-read transaction, as load_snapshot: the rows compared and the rows of
        // the keys that differ are of one moment.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto const settings = read_settings(txn);
        out.to_version = read_map_version(txn);
        if (!settings) {
            out.whole_map_reason = "the site settings are gone";
            return;
        }
        mappings::snapshot_comparison comparison{*current};
        comparison.compare(*settings);
        read_map_tables(txn, comparison);
        if (comparison.needs_post_counts()) {
            pg::copy_reader counts{txn, "forumgate.posts",
                                   "SELECT old_topic_id, count(*) FROM forumgate.posts GROUP BY old_topic_id", 2};
            while (counts.next()) {
                comparison.add_post_count(counts.row().number(0), counts.row().number(1));
            }
            counts.complete();
        }
        layer_keys changed = comparison.finish();
        if (changed.empty() && out.to_version == current->version()) {
            out.map = current;
            return;
        }
        // Nothing differs but the version: the small layer on top is built again at it.
        store_rows rows{txn};
        plan_and_read_layer(rows, current, std::move(changed), out.to_version, bounds, out, builder);
        txn.commit();
    });
    return built_layer(builder, std::move(out));
}

} // namespace forumgate::store
