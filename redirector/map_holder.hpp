#pragma once
// The map being served, and the machinery that replaces it while requests keep flowing.

#include "mappings/snapshot.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace forumgate::redirector {

/// Represents the current snapshot. Readers take it without locks; a reload swaps it whole, and
/// requests in flight finish on the one they started with.
class map_holder
{
public:
    explicit map_holder(std::shared_ptr<mappings::snapshot const> first);

    [[nodiscard]] std::shared_ptr<mappings::snapshot const> current() const noexcept
    {
        return m_map.load(std::memory_order_acquire);
    }

    /// Changes on every replace(): connections compare it to know when to take the new map.
    [[nodiscard]] std::uint64_t generation() const noexcept { return m_generation.load(std::memory_order_acquire); }

    void replace(std::shared_ptr<mappings::snapshot const> map) noexcept;

private:
    std::atomic<std::shared_ptr<mappings::snapshot const>> m_map;
    std::atomic<std::uint64_t> m_generation{1};
};

/// What a change applied in place made: the map brought up to date, or why the whole map is to
/// be read instead.
struct applied_update
{
    std::shared_ptr<mappings::snapshot const> map; ///< null: read the whole map
    std::string whole_map_reason;
    std::size_t rows_read = 0;
    bool keys_unknown = false; ///< the change log could not say what changed: a comparison may
    std::string compared_with; ///< a comparison's: what the map was compared with, for the log
};

/// How a new map came to be served.
enum class swap_kind : std::uint8_t
{
    whole_map, ///< read whole
    compared,  ///< a reload that compared the map with the store and layered what differs
    changes,   ///< the store's changes applied in place
};

/// Represents the background thread that rebuilds the snapshot when asked (SIGHUP, NOTIFY,
/// the admin endpoint). Requests made while a rebuild runs are merged into one more rebuild.
/// A failed rebuild is logged and the old map kept. Changes announced by the store are applied
/// in place when an updater is given (a layer over the map served: work in proportion to the
/// change), and by a rebuild of the whole map when the updater says it cannot. With a comparer,
/// a rebuild first compares the map with the store and layers what differs, so that it holds one
/// map in memory rather than two; the whole map is read when that cannot be done.
class reloader
{
public:
    using loader = std::function<std::shared_ptr<mappings::snapshot const>()>;
    using updater = std::function<applied_update(std::shared_ptr<mappings::snapshot const> const &current)>;
    /// Called after a successful swap (metrics).
    using swapped = std::function<void(mappings::snapshot const &, swap_kind)>;

    /// Rebuilds asked for with `debounce` wait until `min_interval` has passed since the last
    /// rebuild, so a long import announcing thousands of changes causes a reload every few
    /// seconds rather than thousands.
    reloader(loader load, map_holder &holder, swapped on_swap, std::function<void()> on_failure,
             std::chrono::seconds min_interval, updater update = {}, updater compare = {});
    ~reloader();
    reloader(reloader const &) = delete;
    reloader &operator=(reloader const &) = delete;

    /// Asks for a rebuild; `why` is logged. Thread-safe, returns at once.
    void request(std::string why, bool debounce = false);
    /// Says the store's map changed: applied in place at once when the updater can, else a
    /// rebuild debounced as request(why, true). Thread-safe, returns at once.
    void request_changes(std::string why);
    /// Stops the thread, waiting at most `within` for a rebuild under way (one blocked in the
    /// store or on a file). \return false if it is still running then: shutdown never waits on
    /// a reload, so the caller ends the process without destroying this.
    [[nodiscard]] bool stop(std::chrono::milliseconds within);
    /// \return how many rebuilds failed and succeeded so far.
    [[nodiscard]] std::uint64_t failures() const noexcept { return m_failures.load(); }
    [[nodiscard]] std::uint64_t successes() const noexcept { return m_successes.load(); }
    /// \return how many changes were applied in place so far.
    [[nodiscard]] std::uint64_t changes_applied() const noexcept { return m_changes_applied.load(); }
    /// \return how many replaced maps are kept because a connection still held them when they
    /// were replaced (freed as soon as none does).
    [[nodiscard]] std::size_t retired_maps() const noexcept { return m_retired_count.load(); }

private:
    void run();
    void rebuild_until_stopped();
    /// Applies the store's changes in place. \return false if the whole map is to be read (the
    /// updater says so, or failed).
    bool apply_changes(std::string const &why);
    /// Compares the map with the store and layers what differs. \return false if the whole map
    /// is to be read (the comparer says so, or failed).
    bool compare_with_store(std::string const &why);
    /// Publishes a new map and logs it.
    void swap_in(std::shared_ptr<mappings::snapshot const> const &map, swap_kind kind);
    /// Frees the map `replaced` once no request holds it (waiting at most 2 s, else it is
    /// retired) and returns the heap's free pages to the system.
    void give_memory_back(std::shared_ptr<mappings::snapshot const> replaced);
    /// Keeps a replaced map until no connection holds it, to free it on this thread.
    void retire(std::shared_ptr<mappings::snapshot const> replaced);
    /// Frees the retired maps no connection holds any more.
    void release_retired();

    loader m_load;
    updater m_update;
    updater m_compare;
    map_holder &m_holder;
    swapped m_on_swap;
    std::function<void()> m_on_failure;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_pending_reason;  ///< empty: nothing asked
    std::string m_pending_changes; ///< empty: no change announced
    bool m_pending_debounced = false;
    bool m_pending_whole = false; ///< a layer cannot hold the changes: no comparison first
    bool m_stop = false;
    bool m_done = false; ///< the thread has left run()
    std::condition_variable m_finished;
    std::chrono::seconds m_min_interval;
    std::chrono::steady_clock::time_point m_last_rebuild{};
    /// Changes applied in place are applied at most once per CHANGE_PACE, and not sooner than
    /// three times the last one took after it started (a change after a quiet CHANGE_PACE is
    /// applied at once).
    static constexpr std::chrono::milliseconds CHANGE_PACE{1000};
    /// The reloader thread's nice value: a tenth of a request thread's share of a busy core.
    static constexpr int RELOADER_NICE = 10;
    static constexpr std::chrono::milliseconds RETIRED_CHECK{100};
    std::vector<std::shared_ptr<mappings::snapshot const>> m_retired; ///< this thread's only
    std::atomic<std::size_t> m_retired_count{0};                      ///< m_retired.size(), for metrics
    std::chrono::steady_clock::time_point m_next_apply{};
    std::atomic<std::uint64_t> m_failures{0};
    std::atomic<std::uint64_t> m_successes{0};
    std::atomic<std::uint64_t> m_changes_applied{0};
    std::thread m_thread;
};

/// Represents a LISTEN on the store's change channel in a thread of its own. Calls `changed`
/// with the store's map version and why: for each change announced, and each time the LISTEN is
/// (re)established, with the version read after it, so a change committed between the first load
/// (or a lost connection) and the LISTEN is not missed. A hot standby refuses LISTEN: on one, the
/// map version is read every `poll_interval` instead (never if zero) and `changed` is called when
/// it moved. Reconnects with back-off when the store goes away, and asks again then whether it is
/// a standby (after a failover the same address may be a primary). A version of nullopt is an
/// announcement whose payload is not a version.
class change_listener
{
public:
    using changed_fn = std::function<void(std::optional<std::int64_t> version, std::string_view why)>;

    change_listener(std::string conninfo, changed_fn changed, std::chrono::milliseconds poll_interval);
    ~change_listener();
    change_listener(change_listener const &) = delete;
    change_listener &operator=(change_listener const &) = delete;

    /// \return true while connected and listening.
    [[nodiscard]] bool connected() const noexcept { return m_connected.load(); }

private:
    void run();

    std::string m_conninfo;
    changed_fn m_changed;
    std::chrono::milliseconds m_poll_interval;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_connected{false};
    std::thread m_thread;
};

} // namespace forumgate::redirector
