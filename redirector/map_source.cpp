#include "redirector/map_source.hpp"

#include "base/error.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <chrono>

namespace forumgate::redirector {

namespace {

/// A load waits at most this long for a lock (another session altering or locking a map table)
/// and runs at most this long in all: then it fails, is logged, and the map in memory stays.
constexpr char const *LOAD_LOCK_TIMEOUT = "10s";
constexpr char const *LOAD_STATEMENT_TIMEOUT = "5min";

} // namespace

namespace {

/// Opens the store with the time limits of a map read.
std::unique_ptr<store::database> open_for_reading(std::string const &db)
{
    auto store = std::make_unique<store::database>(db);
    pqxx::nontransaction session{store->connection()};
    session.exec(fmt::format("SET lock_timeout = '{}'", LOAD_LOCK_TIMEOUT));
    session.exec(fmt::format("SET statement_timeout = '{}'", LOAD_STATEMENT_TIMEOUT));
    return store;
}

} // namespace

std::shared_ptr<mappings::snapshot const> load_map_from_store(std::string const &db)
{
    auto const store = open_for_reading(db);
    store->migrate();
    return store->load_snapshot();
}

change_applier::change_applier(std::string db) : m_db{std::move(db)} {}

change_applier::~change_applier() = default;

void change_applier::read_whole(std::shared_ptr<mappings::snapshot const> const &map)
{
    std::lock_guard const lock{m_mutex};
    m_base = map;
}

applied_update change_applier::operator()(std::shared_ptr<mappings::snapshot const> const &current)
{
    return on_store(current, history::needed,
                    [](store::database &store, auto const &map) { return store.apply_changes(map); });
}

applied_update change_applier::compare(std::shared_ptr<mappings::snapshot const> const &current)
{
    // A comparison needs no history: whatever map it starts from (the snapshot file's, when the
    // store was away at start-up), the map it gives answers as the store's does.
    return on_store(current, history::not_needed,
                    [](store::database &store, auto const &map) { return store.compare_with_map(map); });
}

namespace {

/// \return the whole map `map` lies on (itself if it is not a layer).
std::shared_ptr<mappings::snapshot const> base_of(std::shared_ptr<mappings::snapshot const> map)
{
    while (map->below()) {
        map = map->below();
    }
    return map;
}

} // namespace

template <typename Update>
applied_update change_applier::on_store(std::shared_ptr<mappings::snapshot const> const &current, history of_store,
                                        Update const &update)
{
    std::lock_guard const lock{m_mutex};
    if (of_store == history::needed && m_base.lock() != base_of(current)) {
        // The change log is the store's history since a version: a map from a snapshot file may
        // be of another store's. A comparison brings it to the store's map; then the log applies.
        return {nullptr, "the map was not read from the store (a snapshot file)", 0, true, "the store"};
    }
    // A connection kept since the last change may have been dropped meanwhile (the store
    // restarted, a failover): on a failure, once more on a new one. A new connection that
    // fails is not tried again at once: the store is away, and the reloader reads the whole map
    // next, which tries once more.
    for (int attempt = 1;; ++attempt) {
        bool const kept = m_store != nullptr;
        try {
            if (!kept) {
                m_store = open_for_reading(m_db);
            }
            auto applied = update(*m_store, current);
            if (applied.map) {
                m_base = base_of(applied.map); // the store's map now, whatever it was read from
            }
            return {std::move(applied.map), std::move(applied.whole_map_reason), applied.rows_read,
                    applied.keys_unknown, "the store"};
        } catch (std::exception const &e) {
            m_store.reset();
            if (!kept || attempt == 2) {
                throw;
            }
            spdlog::debug("applying changes on a new connection to the store: {}", e.what());
        }
    }
}

std::shared_ptr<mappings::snapshot const> load_first_map(serve_settings const &settings, change_applier &applier)
{
    std::shared_ptr<mappings::snapshot const> first;
    auto const start = std::chrono::steady_clock::now();
    if (!settings.db.empty()) {
        try {
            first = load_map_from_store(settings.db);
            applier.read_whole(first);
        } catch (database_error const &e) {
            if (settings.snapshot.empty()) {
                throw;
            }
            spdlog::warn("store unreachable ({}); starting from snapshot file {}", e.what(), settings.snapshot);
        }
    }
    if (!first) {
        first = store::read_snapshot_file(settings.snapshot);
    }
    spdlog::info("map version {} loaded: {} topics, {} posts, {:.1f} MiB, in {:.2f} s", first->version(),
                 first->size().topics, first->size().posts, static_cast<double>(first->memory_bytes()) / (1 << 20),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return first;
}

applied_update compare_with_snapshot_file(serve_settings const &settings,
                                          std::shared_ptr<mappings::snapshot const> const &current)
{
    auto applied = store::compare_with_snapshot_file(current, settings.snapshot);
    return {std::move(applied.map), std::move(applied.whole_map_reason), applied.rows_read, false,
            fmt::format("snapshot file {}", settings.snapshot)};
}

std::shared_ptr<mappings::snapshot const> reload_map(serve_settings const &settings)
{
    if (!settings.db.empty()) {
        return load_map_from_store(settings.db);
    }
    return store::read_snapshot_file(settings.snapshot);
}

void write_snapshot_file(std::string const &db, std::filesystem::path const &file)
{
    store::database store{db};
    store.migrate();
    auto const start = std::chrono::steady_clock::now();
    store.write_snapshot_file(file);
    spdlog::info("map version {} written to {} in {:.1f} s", store.map_version(), file.string(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

} // namespace forumgate::redirector
