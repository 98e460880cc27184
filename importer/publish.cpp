// forumgate import, phase by phase: check the store (the archive, the import's identity, the
// map's settings); read the new forum's settings and refuse to be noisy; categories; users;
// uploads; topics, each with its replies in order, reconciled first with what the new forum
// already holds; then the pass that rewrites every copied post against the whole map. Each
// phase has its own file (importer/import_*.cpp); the map rows they write go through store::map_writer.

#include "importer/publish.hpp"

#include "base/error.hpp"
#include "importer/archive.hpp"
#include "importer/import_categories.hpp"
#include "importer/import_preflight.hpp"
#include "importer/import_rewrite.hpp"
#include "importer/import_state.hpp"
#include "importer/import_topics.hpp"
#include "importer/import_uploads.hpp"
#include "importer/import_users.hpp"
#include "mappings/snapshot.hpp"
#include "store/map_writer.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace forumgate::importer {

namespace {

/// Refuses options no run could use. \throws argument_error naming the option.
void check_options(import_options const &options)
{
    if (options.api_key.empty()) {
        throw argument_error{
            "an admin API key of the new forum is needed: --api-key-file F or FORUMGATE_TARGET_API_KEY"};
    }
    if (options.concurrency < 1 || options.concurrency > 32) {
        throw argument_error{"--concurrency " + std::to_string(options.concurrency) + ": must be from 1 to 32"};
    }
    if (options.external_id_prefix.empty() || options.external_id_prefix.size() > 30 ||
        !std::ranges::all_of(options.external_id_prefix, [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
        })) {
        throw argument_error{
            "--external-id-prefix " + options.external_id_prefix +
            ": 1 to 30 letters, digits, '_' or '-' (Discourse's external ids match [\\w-]+, 50 at most)"};
    }
}

/// Adds each of `more` that `hosts` lacks, in order.
void add_hosts(std::vector<std::string> &hosts, std::vector<std::string> const &more)
{
    for (auto const &host : more) {
        if (std::ranges::find(hosts, host) == hosts.end()) {
            hosts.push_back(host);
        }
    }
}

/// Represents one run of `forumgate import`, from the store's checks to the run's summary.
class import_run
{
public:
    explicit import_run(import_options const &options) : m_state(options)
    {
        check_options(options);
        auto &client = m_state.context.client_options;
        client.timeout = options.timeout;
        client.ca_file = options.ca_file;
        client.user_agent = "forumgate-import";
    }

    import_summary run()
    {
        auto const started = std::chrono::steady_clock::now();
        worker main{m_state.context};
        // Check the database: the archive is there, and the import and the map are this forum's.
        check_store(main);
        // Read the new forum's settings; a dry run stops here, a noisy forum is refused.
        m_state.summary.findings = preflight(main.target.site_settings(), m_state.options);
        if (m_state.options.dry_run) {
            return m_state.summary;
        }
        refuse_notifications();
        record_start(main);
        announce_resume(main);

        // Publish: each phase places what the next ones need, and writes the map as it goes.
        import_categories(m_state, main);
        import_users(m_state, main);
        import_uploads(m_state);
        import_topics(m_state, main);
        // Rewrite every copied post against the whole map.
        rewrite_pass(m_state);

        // Record how the run ended, and what the whole forum looks like now.
        collect_failures(main);
        {
            pqxx::work txn{main.store.connection()};
            txn.exec_params("UPDATE forumgate.import_target SET last_finished_at = now(), last_complete = $1",
                            m_state.summary.failures == 0);
            txn.commit();
        }
        m_state.summary.totals = read_forum_totals(main.store.connection(), true);
        if (!m_state.options.notes_file.empty()) {
            m_state.summary.notes_written = write_notes_file(main.store.connection(), m_state.options.notes_file);
        }
        m_state.summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return m_state.summary;
    }

private:
    [[nodiscard]] std::string target() const { return m_state.context.site.origin() + m_state.context.site.prefix; }

    void check_store(worker &main)
    {
        main.store.migrate();
        auto const status = archive{main.store.connection()}.status();
        if (!status.identity) {
            throw argument_error{"the archive is empty: run forumgate fetch first"};
        }
        m_state.source = status.identity->source;
        if (!status.failures.empty() || !status.last_complete) {
            spdlog::warn("import: the archive of {} is incomplete ({} items failed in the last fetch); what is missing "
                         "will not be imported until a fetch completes and import runs again",
                         m_state.source, status.failures.size());
        }
        // Only checks here: a store is tied to a target (and the map to its base) by the first
        // run that gets as far as creating something, in record_start().
        pqxx::read_transaction txn{main.store.connection()};
        m_created_before = created_anything(txn);
        auto const identity = txn.exec("SELECT target, archive_source FROM forumgate.import_target");
        if (!identity.empty() && m_created_before) {
            auto const tied_to = identity[0][0].as<std::string>();
            if (tied_to != target() && !m_state.options.retarget) {
                throw argument_error{"this store was imported into " + tied_to + ", not " + target() +
                                     "; if the new forum moved to " + target() +
                                     ", run again with --retarget; for another forum use another database"};
            }
            if (tied_to != target()) {
                check_moved(main, txn, tied_to);
                m_retargeted_from = tied_to;
            }
            if (identity[0][1].as<std::string>() != m_state.source) {
                throw argument_error{"this store's import came from " + identity[0][1].as<std::string>() +
                                     ", but the archive now holds " + m_state.source};
            }
        }
        check_map_settings(txn);
    }

    /// Checks that the new forum really moved from `old_target` to the target: topics the import
    /// created answer there by their external ids with the ids the map has, and (unless --force)
    /// no longer at the old address. \throws argument_error saying which check failed.
    void check_moved(worker &main, pqxx::transaction_base &txn, std::string const &old_target)
    {
        auto const sample =
            txn.exec("SELECT old_id, new_id FROM forumgate.topics WHERE new_id IS NOT NULL AND old_id IN "
                     "(SELECT old_topic_id FROM forumgate.import_posts) ORDER BY old_id LIMIT 3");
        if (sample.empty()) {
            return; // nothing of ours to look for: categories and users only
        }
        auto const ours = [&sample, this](target_forum &forum) {
            for (auto const &row : sample) {
                auto const found =
                    forum.topic_by_external_id(m_state.options.external_id_prefix + row[0].as<std::string>());
                if (!found || found->id != row[1].as<std::int64_t>()) {
                    return false;
                }
            }
            return true;
        };
        if (!ours(main.target)) {
            throw argument_error{fmt::format(
                "--retarget: {} does not hold the topics this store imported into {} (topic {} is not there by its "
                "external id); is it the same forum?",
                target(), old_target, sample[0][0].as<std::string>())};
        }
        if (m_state.options.force) {
            return;
        }
        bool still_there = false;
        try {
            auto &context = m_state.context;
            web::retry_policy once = context.options.retries;
            once.max_attempts = 1;
            target_forum old_forum{web::site_url::parse(old_target, "the store's target"), context.client_options,
                                   context.pacer, once, context.options.api_key};
            still_there = ours(old_forum);
        } catch (std::exception const &) {
            still_there = false; // not answering, or not with our topics: moved
        }
        if (still_there) {
            throw argument_error{fmt::format("--retarget: {} still serves the imported topics; if both addresses are "
                                             "the same forum, add --force",
                                             old_target)};
        }
    }

    /// \return whether the map holds anything created on a new forum (by an import, or loaded).
    static bool created_anything(pqxx::transaction_base &txn)
    {
        return txn
            .exec1(
                "SELECT EXISTS (SELECT 1 FROM forumgate.import_posts) OR EXISTS (SELECT 1 FROM forumgate.import_users)"
                " OR EXISTS (SELECT 1 FROM forumgate.categories WHERE new_id IS NOT NULL)"
                " OR EXISTS (SELECT 1 FROM forumgate.topics WHERE new_id IS NOT NULL)"
                " OR EXISTS (SELECT 1 FROM forumgate.uploads)")[0]
            .as<bool>();
    }

    /// The map's settings this run will write: where it redirects to (the target) and which hosts
    /// it answers for (the archive's, --old-host's and those the map has). Checked as the
    /// redirector will check them, so that a clash stops the run before anything is created.
    void check_map_settings(pqxx::transaction_base &txn)
    {
        auto const source_host = web::site_url::parse(m_state.source, "the archive's source").host;
        auto const settings = txn.exec("SELECT new_base, old_hosts FROM forumgate.settings");
        std::vector<std::string> hosts{source_host};
        add_hosts(hosts, m_state.options.old_hosts);
        m_settings_row = settings.empty() ? settings_row::none : settings_row::same_base;
        if (!settings.empty() && settings[0][0].as<std::string>() != target()) {
            if (m_created_before && m_retargeted_from.empty()) {
                throw argument_error{"the map redirects to " + settings[0][0].as<std::string>() + ", not " + target() +
                                     "; use another database, or load settings with forumgate map load --new-base"};
            }
            // From a run that created nothing, or the forum's old address: replaced.
            m_settings_row = settings_row::other_base;
            add_hosts(hosts, pg::read_text_array(settings[0][1]));
        } else if (!settings.empty()) {
            add_hosts(hosts, pg::read_text_array(settings[0][1]));
        }
        mappings::site_settings checked{.new_base = target(), .old_hosts = hosts, .upload_hosts = {}};
        try {
            mappings::normalise(checked);
        } catch (input_error const &problem) {
            throw argument_error{fmt::format(
                "the map this import would write: {}. The old forum and the new one need different host names "
                "(a rehearsal can reach one as 127.0.0.1 and the other as localhost)",
                problem.what())};
        }
        m_hosts = std::move(hosts);
    }

    /// Writes the map's settings checked by check_map_settings().
    void write_map_settings(pqxx::work &txn) const
    {
        store::map_writer writer{txn};
        switch (m_settings_row) {
        case settings_row::none:
            writer.insert_settings(target(), m_hosts);
            break;
        case settings_row::other_base:
            writer.set_new_base(target());
            writer.set_old_hosts(m_hosts);
            break;
        case settings_row::same_base:
            writer.set_old_hosts(m_hosts);
            break;
        }
    }

    void refuse_notifications() const
    {
        std::vector<std::string> blocking;
        for (auto const &finding : m_state.summary.findings) {
            if (finding.blocking && !m_state.options.allow_notifications) {
                blocking.push_back(finding.what + " (" + finding.remedy + ")");
            }
        }
        if (!blocking.empty()) {
            std::string message = "the new forum would notify or mail members during the import:";
            for (auto const &line : blocking) {
                message += "\n  - " + line;
            }
            throw argument_error{message + "\nchange those settings first, or pass --allow-notifications"};
        }
    }

    /// Ties the store to this target and the map to its base, as the run starts creating.
    void record_start(worker &main)
    {
        pqxx::work txn{main.store.connection()};
        write_map_settings(txn);
        // A row left by a run that created nothing (checked in check_store) takes this target.
        txn.exec_params("INSERT INTO forumgate.import_target (target, archive_source) VALUES ($1, $2) "
                        "ON CONFLICT (id) DO UPDATE SET target = excluded.target, archive_source = "
                        "excluded.archive_source, last_started_at = now(), last_finished_at = NULL, "
                        "last_complete = false",
                        target(), m_state.source);
        txn.commit();
        if (!m_retargeted_from.empty()) {
            spdlog::info("import: this store's target is now {} (was {}); the map redirects there", target(),
                         m_retargeted_from);
        }
    }

    /// Says so when earlier runs did part of the work: a rerun continues where they stopped.
    void announce_resume(worker &main) const
    {
        if (!m_created_before) {
            return;
        }
        auto const totals = read_forum_totals(main.store.connection(), false);
        spdlog::info("import: resuming: {} of {} topics and {} posts already on the new forum (earlier runs); "
                     "continuing with the rest",
                     totals.topics_placed, totals.topics_archived, totals.posts_placed);
    }

    void collect_failures(worker &main)
    {
        pqxx::read_transaction txn{main.store.connection()};
        for (auto const &row :
             txn.exec("SELECT kind, key, reason, attempts FROM forumgate.import_failures ORDER BY kind, key")) {
            m_state.summary.failure_lines.push_back(fmt::format("{} {}: {} (attempts {})", row[0].as<std::string>(),
                                                                row[1].as<std::string>(), row[2].as<std::string>(),
                                                                row[3].as<int>()));
        }
        m_state.summary.failures = m_state.summary.failure_lines.size();
    }

    /// What the store's settings row holds, as check_map_settings() found it.
    enum class settings_row : std::uint8_t
    {
        none,       ///< no row: inserted
        same_base,  ///< this target's: its old hosts completed
        other_base, ///< another target's, from runs that created nothing: replaced
    };

    import_state m_state;
    bool m_created_before = false;
    std::string m_retargeted_from; ///< set: --retarget accepted, from this old target
    settings_row m_settings_row = settings_row::none;
    std::vector<std::string> m_hosts; ///< the map's old hosts after this run
};

} // namespace

import_summary run_import(import_options const &options)
{
    return import_run{options}.run();
}

} // namespace forumgate::importer
