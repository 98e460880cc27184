#include "redirector/map_holder.hpp"

#include "base/text.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

#include <malloc.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace forumgate::redirector {

map_holder::map_holder(std::shared_ptr<mappings::snapshot const> first) : m_map{std::move(first)} {}

void map_holder::replace(std::shared_ptr<mappings::snapshot const> map) noexcept
{
    m_map.store(std::move(map), std::memory_order_release);
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

// ---------------------------------------------------------------------------------------------
// reloader

reloader::reloader(loader load, map_holder &holder, swapped on_swap, std::function<void()> on_failure,
                   std::chrono::seconds min_interval, updater update, updater compare)
    : m_load{std::move(load)}, m_update{std::move(update)}, m_compare{std::move(compare)}, m_holder{holder},
      m_on_swap{std::move(on_swap)}, m_on_failure{std::move(on_failure)},
      m_min_interval{min_interval}, m_thread{[this] { run(); }}
{}

reloader::~reloader()
{
    if (m_thread.joinable()) {
        {
            std::lock_guard const lock{m_mutex};
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
}

bool reloader::stop(std::chrono::milliseconds within)
{
    std::unique_lock lock{m_mutex};
    m_stop = true;
    m_wake.notify_all();
    if (!m_finished.wait_for(lock, within, [this] { return m_done; })) {
        return false;
    }
    lock.unlock();
    m_thread.join();
    return true;
}

void reloader::request(std::string why, bool debounce)
{
    {
        std::lock_guard const lock{m_mutex};
        if (m_pending_reason.empty()) {
            m_pending_reason = std::move(why);
            m_pending_debounced = debounce;
        } else if (!debounce) {
            m_pending_debounced = false; // an operator's request does not wait
        }
    }
    m_wake.notify_all();
}

void reloader::request_changes(std::string why)
{
    if (!m_update) {
        request(std::move(why), true);
        return;
    }
    {
        std::lock_guard const lock{m_mutex};
        if (m_pending_changes.empty()) {
            m_pending_changes = std::move(why);
        }
    }
    m_wake.notify_all();
}

void reloader::run()
{
    // Map work yields to answering: on a busy machine a request's thread gets the core first,
    // and a change applied or a map rebuilt waits a little longer (Linux nice is per thread).
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), RELOADER_NICE) != 0) {
        spdlog::debug("reloader: cannot lower its priority: {}", std::strerror(errno));
    }
    rebuild_until_stopped();
    std::lock_guard const lock{m_mutex};
    m_done = true;
    m_finished.notify_all();
}

void reloader::give_memory_back(std::shared_ptr<mappings::snapshot const> replaced)
{
    // Under load a request in flight may hold the old map for a moment: wait for it to let go
    // (briefly; a map still held then, by an idle keep-alive connection, is retired instead).
    auto const until = std::chrono::steady_clock::now() + std::chrono::seconds{2};
    while (replaced && replaced.use_count() > 1 && std::chrono::steady_clock::now() < until) {
        std::unique_lock lock{m_mutex};
        if (m_wake.wait_for(lock, std::chrono::milliseconds{10}, [this] { return m_stop; })) {
            break;
        }
    }
    retire(std::move(replaced));
    release_retired();
    // The build's scratch memory (query results, the builder's tables) is free in the heap, much
    // of it in this thread's arena; glibc keeps such pages otherwise, and RSS grew by about a
    // map's size with every reload.
    ::malloc_trim(0);
}

void reloader::retire(std::shared_ptr<mappings::snapshot const> replaced)
{
    if (replaced) {
        m_retired.push_back(std::move(replaced));
        m_retired_count = m_retired.size();
    }
}

void reloader::release_retired()
{
    // A map only this thread holds is freed here, not by the last connection to let go of it:
    // freeing a map (unmapping its arrays) in an I/O thread delayed the requests behind it.
    bool base_freed = false;
    std::erase_if(m_retired, [&base_freed](auto const &map) {
        bool const last = map.use_count() == 1;
        base_freed = base_freed || (last && !map->below());
        return last;
    });
    m_retired_count = m_retired.size();
    if (base_freed) {
        ::malloc_trim(0); // a whole map's pages back to the system (see give_memory_back)
    }
}

void reloader::swap_in(std::shared_ptr<mappings::snapshot const> const &map, swap_kind kind)
{
    if (kind != swap_kind::whole_map) {
        retire(m_holder.current()); // a whole map's predecessor is given back by give_memory_back
    }
    m_holder.replace(map);
    if (m_on_swap) {
        m_on_swap(*map, kind);
    }
}

bool reloader::apply_changes(std::string const &why)
{
    auto const start = std::chrono::steady_clock::now();
    auto const current = m_holder.current();
    try {
        auto const applied = m_update(current);
        if (!applied.map) {
            spdlog::info("changes ({}) need the whole map read: {}", why, applied.whole_map_reason);
            if (!applied.keys_unknown) {
                std::lock_guard const lock{m_mutex};
                m_pending_whole = true; // a comparison would find the same keys
            }
            return false;
        }
        if (applied.map != current) {
            swap_in(applied.map, swap_kind::changes);
            ++m_changes_applied;
            auto const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            spdlog::info("changes applied ({}): map version {} -> {}, {} rows read again, {} topics, {} posts, in "
                         "{:.3f} s",
                         why, current->version(), applied.map->version(), applied.rows_read, applied.map->size().topics,
                         applied.map->size().posts, seconds);
        }
    } catch (std::exception const &e) {
        // The whole map is read next (on a connection of its own), so that a change is not
        // left unapplied until the next one.
        spdlog::warn("applying changes ({}) failed, still serving map version {}: {}", why, current->version(),
                     e.what());
        return false;
    }
    return true;
}

bool reloader::compare_with_store(std::string const &why)
{
    auto const start = std::chrono::steady_clock::now();
    auto const current = m_holder.current();
    try {
        auto const compared = m_compare(current);
        auto const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!compared.map) {
            spdlog::info("reload ({}): the whole map is read: {}", why, compared.whole_map_reason);
            return false;
        }
        if (compared.map == current) {
            ++m_successes;
            spdlog::info("reload ({}): map version {} -> {}, nothing differs, compared with {} in {:.2f} s", why,
                         current->version(), current->version(), compared.compared_with, seconds);
            if (m_on_swap) {
                m_on_swap(*current, swap_kind::compared);
            }
            return true;
        }
        swap_in(compared.map, swap_kind::compared);
        ++m_successes; // after the swap: whoever sees it counted sees the new map
        spdlog::info("reload ({}): map version {} -> {}, compared with {}, {} rows read again into a layer, {} "
                     "topics, {} posts, in {:.2f} s",
                     why, current->version(), compared.map->version(), compared.compared_with, compared.rows_read,
                     compared.map->size().topics, compared.map->size().posts, seconds);
    } catch (std::exception const &e) {
        spdlog::warn("reload ({}): comparing the map failed, reading it whole: {}", why, e.what());
        return false;
    }
    return true;
}

void reloader::rebuild_until_stopped()
{
    while (true) {
        std::string why;
        std::string changes;
        bool compare_first = false;
        {
            std::unique_lock lock{m_mutex};
            auto const asked = [this] { return m_stop || !m_pending_reason.empty() || !m_pending_changes.empty(); };
            // Retired maps are looked at again every RETIRED_CHECK while any is held.
            while (!asked()) {
                if (m_retired.empty()) {
                    m_wake.wait(lock, asked);
                } else if (!m_wake.wait_for(lock, RETIRED_CHECK, asked)) {
                    lock.unlock();
                    release_retired();
                    lock.lock();
                }
            }
            if (m_pending_reason.empty()) {
                // Paced: the first change after a quiet second is applied at once, then changes
                // are applied at most once a second, and busy at most a third of the time,
                // however often an import commits; those announced meanwhile are applied
                // together. Each layer re-reads the rows of the layers it replaces: applied ten
                // times a second, following an import cost each redirector twice the rows read
                // and its requests twice the p99 (cluster_test).
                m_wake.wait_until(lock, m_next_apply, [this] { return m_stop || !m_pending_reason.empty(); });
            }
            if (m_stop) {
                return;
            }
            if (m_pending_reason.empty()) {
                changes = std::exchange(m_pending_changes, {});
            }
        }
        if (!changes.empty()) {
            auto const start = std::chrono::steady_clock::now();
            bool const applied = apply_changes(changes);
            auto const took = std::chrono::steady_clock::now() - start;
            m_next_apply = start + std::max<std::chrono::steady_clock::duration>(CHANGE_PACE, 3 * took);
            if (!applied) {
                request(changes, true);
            }
            continue;
        }
        {
            std::unique_lock lock{m_mutex};
            if (m_pending_debounced) {
                auto const due = m_last_rebuild + m_min_interval;
                m_wake.wait_until(lock, due, [this] { return m_stop || !m_pending_debounced; });
            }
            if (m_stop) {
                return;
            }
            why = std::exchange(m_pending_reason, {});
            m_pending_changes.clear(); // the whole map read now holds them
            m_pending_debounced = false;
            compare_first = m_compare && !std::exchange(m_pending_whole, false);
            m_last_rebuild = std::chrono::steady_clock::now();
        }
        if (compare_first && compare_with_store(why)) {
            continue;
        }
        auto const start = std::chrono::steady_clock::now();
        std::shared_ptr<mappings::snapshot const> replaced;
        try {
            // Built off the I/O threads; checked (the builder validates every row) before the swap.
            auto map = m_load();
            auto const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            auto const old_version = m_holder.current()->version();
            replaced = m_holder.current();
            spdlog::info("reload ({}): map version {} -> {}, {} topics, {} posts, {:.1f} MiB, built in {:.2f} s", why,
                         old_version, map->version(), map->size().topics, map->size().posts,
                         static_cast<double>(map->memory_bytes()) / (1 << 20), seconds);
            swap_in(map, swap_kind::whole_map);
            ++m_successes; // after the swap: whoever sees it counted sees the new map
        } catch (std::exception const &e) {
            ++m_failures;
            if (m_on_failure) {
                m_on_failure();
            }
            spdlog::warn("reload ({}) failed, still serving map version {}: {}", why, m_holder.current()->version(),
                         e.what());
        }
        give_memory_back(std::move(replaced));
    }
}

// ---------------------------------------------------------------------------------------------
// change_listener

namespace {

/// Represents the subscription to the map's change channel on one connection.
class map_change_receiver : public pqxx::notification_receiver
{
public:
    map_change_receiver(pqxx::connection_base &connection, change_listener::changed_fn &changed)
        : pqxx::notification_receiver{connection, store::MAP_CHANNEL}, m_changed{changed}
    {}

    void operator()(std::string const &payload, int) override
    {
        auto const version = base::parse_uint(payload);
        m_changed(version ? std::optional<std::int64_t>{static_cast<std::int64_t>(*version)} : std::nullopt,
                  "store changed");
    }

private:
    change_listener::changed_fn &m_changed;
};

/// Reads the map version every `interval` (never if zero) until `stop`, calling `changed` when
/// it moved from `version`. \throws what the connection throws when it fails.
void poll_version(pqxx::connection &connection, std::int64_t version, std::chrono::milliseconds interval,
                  std::atomic<bool> const &stop, change_listener::changed_fn &changed)
{
    using namespace std::chrono_literals;
    while (!stop) {
        auto const wait = interval > 0ms ? interval : 1s;
        for (auto waited = 0ms; waited < wait && !stop; waited += 50ms) {
            std::this_thread::sleep_for(std::min(50ms, wait - waited));
        }
        if (stop || interval <= 0ms) {
            continue;
        }
        std::int64_t now = 0;
        {
            pqxx::read_transaction txn{connection};
            now = store::read_map_version(txn);
        }
        if (now != version) {
            version = now;
            changed(version, "standby's map version moved");
        }
    }
}

} // namespace

change_listener::change_listener(std::string conninfo, changed_fn changed, std::chrono::milliseconds poll_interval)
    : m_conninfo{std::move(conninfo)}, m_changed{std::move(changed)}, m_poll_interval{poll_interval}, m_thread{[this] {
          run();
      }}
{}

change_listener::~change_listener()
{
    m_stop = true;
    m_thread.join();
}

void change_listener::run()
{
    using namespace std::chrono_literals;
    auto backoff = 1s;
    bool warned = false;
    std::optional<bool> was_standby;
    while (!m_stop) {
        try {
            pqxx::connection connection{m_conninfo};
            bool standby = false;
            {
                pqxx::read_transaction txn{connection};
                standby = txn.exec1("SELECT pg_is_in_recovery()")[0].as<bool>();
            }
            // A standby refuses LISTEN; on a primary, the LISTEN is sent before the version is
            // read: a change committed between the map's load (or a lost connection) and this
            // moment shows in that version, and any later one is announced.
            std::optional<map_change_receiver> receiver;
            if (!standby) {
                receiver.emplace(connection, m_changed);
                connection.get_notifs(); // sends the LISTEN
            }
            std::int64_t version = 0;
            {
                pqxx::read_transaction txn{connection};
                version = store::read_map_version(txn);
            }
            m_connected = true;
            if (standby != was_standby) {
                if (standby && m_poll_interval > 0ms) {
                    spdlog::info(
                        "the store is a hot standby, which refuses LISTEN: polling its map version every {} ms",
                        m_poll_interval.count());
                } else if (standby) {
                    spdlog::warn("the store is a hot standby, which refuses LISTEN, and change-poll-interval is 0: "
                                 "map changes are not followed (SIGHUP or POST /reload reloads)");
                } else if (was_standby) {
                    spdlog::info("the store is a primary now: listening for map changes");
                }
                was_standby = standby;
            } else if (warned) {
                spdlog::info("following map changes again");
            }
            m_changed(version, warned ? "store back" : "store's version on connecting");
            warned = false;
            backoff = 1s;
            if (standby) {
                poll_version(connection, version, m_poll_interval, m_stop, m_changed);
            } else {
                while (!m_stop) {
                    connection.await_notification(1, 0); // wakes at least once a second to see m_stop
                }
            }
        } catch (std::exception const &e) {
            m_connected = false;
            if (!warned) {
                spdlog::warn("not following map changes ({}); still serving, retrying", e.what());
                warned = true;
            }
            for (auto waited = 0s; waited < backoff && !m_stop; waited += 1s) {
                std::this_thread::sleep_for(1s);
            }
            backoff = std::min(backoff * 2, std::chrono::seconds{30});
        }
    }
}

} // namespace forumgate::redirector
