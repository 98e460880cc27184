#pragma once
// Where the served map comes from: the store, or the snapshot file written from it for the
// times the store cannot be reached.

#include "mappings/snapshot.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/settings.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace forumgate::store {
class database;
}

namespace forumgate::redirector {

/// \return the map in the store `db` now (migrating the store first).
/// \throws database_error when the store cannot be reached, input_error for a bad row.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> load_map_from_store(std::string const &db);

/// Represents what applies the store's changes to the served map in place (reloader::updater),
/// with a connection of its own kept between changes. The change log is applied only to a map
/// known to be the store's: one read whole from it, or brought to it by a comparison. A map from
/// a snapshot file may be of another store's history: the log is refused for it (keys unknown,
/// so that the reloader compares), and a comparison layers what differs from the store.
class change_applier
{
public:
    explicit change_applier(std::string db);
    ~change_applier();
    change_applier(change_applier const &) = delete;
    change_applier &operator=(change_applier const &) = delete;

    /// Notes a map read whole from the store.
    void read_whole(std::shared_ptr<mappings::snapshot const> const &map);
    [[nodiscard]] applied_update operator()(std::shared_ptr<mappings::snapshot const> const &current);
    /// Compares `current` with the store (store::database::compare_with_map).
    [[nodiscard]] applied_update compare(std::shared_ptr<mappings::snapshot const> const &current);

private:
    /// Whether an update reads the store's change log, which only a map of the store's may take.
    enum class history : std::uint8_t
    {
        needed,
        not_needed,
    };

    /// Runs `update` on the kept connection to the store, once more on a new one if it fails; a
    /// map it gives is the store's from then on.
    template <typename Update>
    applied_update on_store(std::shared_ptr<mappings::snapshot const> const &current, history of_store,
                            Update const &update);

    std::string m_db;
    std::mutex m_mutex;
    std::weak_ptr<mappings::snapshot const> m_base; ///< the base of the last map known to be the store's
    std::unique_ptr<store::database> m_store;
};

/// \return the first map to serve: from the store, or from `--snapshot` when the store cannot
/// be reached (a warning says so); a map from the store is noted in `applier`. Logs its size and
/// how long it took.
/// \throws database_error when the store cannot be reached and there is no snapshot file.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> load_first_map(serve_settings const &settings,
                                                                       change_applier &applier);

/// Compares `current` (served without a store, from the snapshot file) with the snapshot file
/// now, and lays what differs over it (store::compare_with_snapshot_file): the reloader's
/// comparison when there is no store.
[[nodiscard]] applied_update compare_with_snapshot_file(serve_settings const &settings,
                                                        std::shared_ptr<mappings::snapshot const> const &current);

/// \return the map a reload serves: from the store when there is one, else from the snapshot file.
/// \throws as load_map_from_store() and store::read_snapshot_file() do.
[[nodiscard]] std::shared_ptr<mappings::snapshot const> reload_map(serve_settings const &settings);

/// Writes the snapshot file `serve --snapshot` starts from: the map in the store, now.
void write_snapshot_file(std::string const &db, std::filesystem::path const &file);

} // namespace forumgate::redirector
