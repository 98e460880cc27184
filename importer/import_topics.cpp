#include "importer/import_topics.hpp"

#include "base/iso_time.hpp"
#include "base/parallel.hpp"
#include "base/text.hpp"
#include "importer/archive.hpp"
#include "pg/prepared.hpp"
#include "store/archive_reader.hpp"
#include "store/map_writer.hpp"
#include "web/progress.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <vector>

namespace forumgate::importer {

namespace {

/// Represents a post as it is about to be sent: its raw, the rewrite's problems, and whether it
/// is posted by the admin with the author named.
struct outgoing_post
{
    std::string raw;
    std::vector<std::string> problems;
    bool attributed = false;
};

/// Represents the copy of one archived topic: its posts, and those already on the new forum.
class topic_import
{
public:
    topic_import(import_state &state, worker &self, std::int64_t topic_id)
        : m_state(state), m_options(state.options), m_self(self), m_connection(self.store.connection()),
          m_key(std::to_string(topic_id)), m_external_id(state.options.external_id_prefix + m_key)
    {
        read(topic_id);
    }

    /// \return the posts created or reconciled.
    std::uint64_t run()
    {
        bool const is_message = m_topic.archetype == "private_message";
        m_hidden_topic = m_state.restricted(m_topic.category_id) || is_message;
        auto const first = std::ranges::find(m_posts, 1, &store::archived_post::post_number);
        if (m_topic.deleted || first == m_posts.end() || !copied(*first, false)) {
            // Deliberately not copied: the map says so, and the redirector answers 410.
            write_not_copied();
            return 0;
        }
        try {
            find_earlier_topic();
            read_existing_posts();
            for (auto const &post : m_posts) {
                if (copied(post, m_options.keep_whispers) && !m_done.contains(post.id)) {
                    copy_post(post);
                }
            }
            write_posts(true);
        } catch (target_refusal const &refusal) {
            record_failure(refusal.what());
        } catch (web::fetch_error const &problem) {
            record_failure(problem.what());
        } catch (bad_answer const &problem) {
            record_failure(problem.what());
        }
        return m_count;
    }

    /// \return true if run() recorded a failure (the next run tries the topic again).
    [[nodiscard]] bool failed() const noexcept { return m_failed; }

private:
    void record_failure(std::string const &reason)
    {
        // The posts copied before the failure are redirected meanwhile; the rest on the next run.
        write_posts(false);
        import_state::record_failure(m_connection, "topic", m_key, reason);
        m_failed = true;
    }

    /// The archived topic, its posts, and the posts an earlier run copied.
    void read(std::int64_t topic_id)
    {
        // No transaction: this worker is the only writer of the topic's rows while it runs, and
        // BEGIN, SET TRANSACTION READ ONLY and COMMIT were three of a topic's round trips.
        pqxx::nontransaction txn{m_connection};
        store::archive_reader archive{txn};
        m_topic = archive.topic(topic_id);
        m_posts = archive.posts(topic_id);
        for (auto const &p : pg::exec_prepared(txn, "forumgate_import_topic_state",
                                               "SELECT old_id, new_id, new_post_number, new_topic_id, false "
                                               "FROM forumgate.import_posts WHERE old_topic_id = $1 UNION ALL "
                                               "SELECT old_id, NULL, NULL, NULL, true FROM forumgate.posts "
                                               "WHERE old_topic_id = $1 AND new_id IS NOT NULL",
                                               topic_id)) {
            if (p[4].as<bool>()) {
                m_mapped.insert(p[0].as<std::int64_t>());
            } else {
                m_done.emplace(p[0].as<std::int64_t>(), std::pair{p[1].as<std::int64_t>(), p[2].as<int>()});
                m_new_topic_id = p[3].as<std::int64_t>();
            }
        }
    }

    [[nodiscard]] std::vector<form_field> tag_fields() const
    {
        std::vector<form_field> tags;
        for (auto const &tag : m_topic.tags) {
            tags.push_back({"tags[]", tag});
        }
        return tags;
    }

    /// Reconcile: a topic created by an earlier run that stopped before recording it.
    void find_earlier_topic()
    {
        if (m_new_topic_id) {
            return;
        }
        auto const found = m_self.target.topic_by_external_id(m_external_id);
        if (found) {
            m_new_topic_id = found->id;
            m_new_slug = found->slug;
            spdlog::info("import: topic {} found on the new forum as {} (external id {})", m_topic.id, *m_new_topic_id,
                         m_external_id);
            if (!m_topic.tags.empty()) {
                // The run that created it may have stopped before its tags were set.
                m_self.target.update_topic(m_options.api_username, *m_new_topic_id, tag_fields());
            }
        }
    }

    /// The new topic's posts, when some posts still to copy may already be there.
    void read_existing_posts()
    {
        m_reconcile = m_new_topic_id && std::ranges::any_of(m_posts, [&](store::archived_post const &post) {
                          return copied(post, m_options.keep_whispers) && !m_done.contains(post.id);
                      });
        if (m_reconcile) {
            m_existing = m_self.target.topic_posts(*m_new_topic_id);
        }
    }

    /// The new forum's copy of `post` from an earlier run: same time, by the author or the admin.
    [[nodiscard]] target_post const *find_existing(store::archived_post const &post) const
    {
        auto const when = base::parse_time(post.created_at);
        // The author, or the admin who posted it naming the author.
        auto const author =
            base::ascii_lower(post.username.empty() ? m_options.api_username : m_state.acting_user(post.username));
        auto const admin = base::ascii_lower(m_options.api_username);
        for (auto const &candidate : m_existing) {
            auto const by = base::ascii_lower(candidate.username);
            if ((by == author || by == admin) && base::parse_time(candidate.created_at) == when) {
                return &candidate;
            }
        }
        return nullptr;
    }

    void copy_post(store::archived_post const &post)
    {
        // A post whose account was deleted on the old forum has no author: the admin posts it,
        // saying so.
        bool const deleted_author = post.username.empty();
        auto const acting = deleted_author ? m_options.api_username : m_state.acting_user(post.username);
        if (acting.empty()) {
            throw target_refusal{"post " + std::to_string(post.id) + ": its author " + post.username +
                                     " was not placed on the new forum (see the user failures)",
                                 0,
                                 {}};
        }
        outgoing_post out;
        out.raw = m_state.composed_raw(post, *m_state.snapshot, out.problems, deleted_author);
        out.attributed = deleted_author;
        created_post made;
        bool reconciled = false;
        if (auto const *there = m_reconcile ? find_existing(post) : nullptr) {
            made = {there->id, *m_new_topic_id, there->post_number, {}};
            reconciled = true;
            if (!out.attributed && base::iequals(there->username, m_options.api_username) &&
                !base::iequals(acting, m_options.api_username)) {
                // The earlier run posted it as the admin, naming the author (as_author_or_admin).
                attribute_to_admin(post, acting, out);
            }
        } else if (post.post_number == 1 && !m_new_topic_id) {
            made = as_author_or_admin(post, acting, out, [&](std::string const &who, std::string const &text) {
                return create_topic(who, text, post.created_at);
            });
            m_new_topic_id = made.topic_id;
            m_new_slug = made.topic_slug;
        } else if (post.post_number == 1) {
            throw target_refusal{"topic " + m_key + ": the new forum has topic " + std::to_string(*m_new_topic_id) +
                                     " for it, but not its first post",
                                 0,
                                 {}};
        } else {
            made = create_reply(post, acting, out);
        }
        m_done.emplace(post.id, std::pair{made.id, made.post_number});
        m_mapped.erase(post.id); // a row from elsewhere (a map load) gives way to the copy
        record_post(post, made, out, reconciled);
        ++m_count;
        std::lock_guard const lock{m_state.counts};
        ++(reconciled ? m_state.summary.posts_reconciled : m_state.summary.posts_created);
        if (post.post_number == 1 && !reconciled) {
            ++m_state.summary.topics_created;
        }
    }

    /// Creates as `acting`; an author the new forum does not let post there (a restricted
    /// category whose groups they are not in) is named at the top of a post by the admin instead.
    template <typename Create>
    created_post as_author_or_admin(store::archived_post const &post, std::string const &acting, outgoing_post &out,
                                    Create const &create)
    {
        try {
            return create(acting, out.raw);
        } catch (target_refusal const &refusal) {
            // Discourse refuses a reply in a topic the user may not post in with a 422 "topic not
            // found" message (PostCreator#valid?), a new topic with a 403.
            bool const not_allowed =
                refusal.status() == 403 ||
                (refusal.status() == 422 && std::ranges::any_of(refusal.errors(), [](std::string const &error) {
                     return error.find("closed or deleted") != std::string::npos;
                 }));
            if (!not_allowed || base::iequals(acting, m_options.api_username)) {
                throw;
            }
            attribute_to_admin(post, acting, out);
            return create(m_options.api_username, out.raw);
        }
    }

    /// Makes `out` the admin's post naming its author `acting`, who may not post there.
    void attribute_to_admin(store::archived_post const &post, std::string const &acting, outgoing_post &out)
    {
        out.attributed = true;
        out.raw = m_state.composed_raw(post, *m_state.snapshot, out.problems, true);
        out.problems.push_back("posted by " + m_options.api_username + " with the author named: " + acting +
                               " may not post there on the new forum");
    }

    created_post create_reply(store::archived_post const &post, std::string const &acting, outgoing_post &out)
    {
        std::vector<form_field> fields{
            {"topic_id", std::to_string(*m_new_topic_id)}, {"raw", out.raw}, {"created_at", post.created_at}};
        if (post.reply_to) {
            for (auto const &other : m_posts) {
                if (other.post_number == *post.reply_to && m_done.contains(other.id)) {
                    fields.push_back({"reply_to_post_number", std::to_string(m_done.at(other.id).second)});
                }
            }
        }
        if (post.post_type == 4) {
            fields.push_back({"whisper", "true"});
        }
        if (m_options.skip_validations) {
            fields.push_back({"skip_validations", "true"});
        }
        fields.push_back({"import_mode", "true"});
        return as_author_or_admin(post, acting, out, [&](std::string const &who, std::string const &text) {
            auto with_text = fields;
            with_text[1].value = text;
            return m_self.target.create_post(who, with_text);
        });
    }

    created_post create_topic(std::string const &acting, std::string const &raw, std::string const &created_at)
    {
        std::vector<form_field> fields{
            {"title", m_topic.title}, {"raw", raw}, {"created_at", created_at}, {"external_id", m_external_id}};
        if (m_topic.archetype == "private_message") {
            std::string recipients;
            for (auto const &participant : m_topic.participants) {
                auto const name = m_state.acting_user(participant);
                if (!name.empty() && !base::iequals(name, acting)) {
                    recipients += (recipients.empty() ? "" : ",") + name;
                }
            }
            fields.push_back({"archetype", "private_message"});
            fields.push_back({"target_recipients", recipients});
        } else if (m_topic.category_id) {
            auto const category = m_state.new_category.find(*m_topic.category_id);
            if (category == m_state.new_category.end()) {
                throw target_refusal{"topic " + std::to_string(m_topic.id) + ": its category " +
                                         std::to_string(*m_topic.category_id) + " was not placed on the new forum",
                                     0,
                                     {}};
            }
            fields.push_back({"category", std::to_string(category->second)});
        }
        if (m_options.skip_validations) {
            fields.push_back({"skip_validations", "true"});
        }
        fields.push_back({"import_mode", "true"});
        auto const tags = tag_fields();
        fields.insert(fields.end(), tags.begin(), tags.end());
        auto made = m_self.target.create_post(acting, fields);
        if (!m_topic.tags.empty() && !base::iequals(acting, m_options.api_username)) {
            // Discourse drops, without a word, the tags an author may not create (below
            // min_trust_to_create_tag): the admin sets them all again.
            m_self.target.update_topic(m_options.api_username, made.topic_id, tags);
        }
        return made;
    }

    /// Records the post copied in import_posts, so that a rerun never copies it again: at the
    /// end of the topic (write_posts), with the map rows of the topic and its posts, in one
    /// transaction. A topic or post created and not yet recorded when the run stops is found
    /// on the new forum by the next run (find_earlier_topic by external id, find_existing), as
    /// one created just before a crash always was.
    void record_post(store::archived_post const &post, created_post const &made, outgoing_post const &out,
                     bool reconciled)
    {
        nlohmann::json record{{"old_id", post.id},
                              {"old_topic_id", m_topic.id},
                              {"new_id", made.id},
                              {"new_topic_id", made.topic_id},
                              {"new_post_number", made.post_number},
                              {"sent_raw", reconciled ? std::string{} : out.raw},
                              {"problems", out.problems},
                              {"reconciled", reconciled},
                              {"attributed", out.attributed}};
        m_unrecorded.push_back(std::move(record));
        if (post.post_number == 1) {
            m_topic_row_due = true;
        }
    }

    /// Writes import_posts rows (a JSON array of records) in one statement.
    static void write_records(pqxx::work &txn, nlohmann::json const &records)
    {
        if (records.empty()) {
            return;
        }
        pg::exec_prepared(
            txn, "forumgate_record_imported_posts",
            "INSERT INTO forumgate.import_posts (old_id, old_topic_id, new_id, new_topic_id, new_post_number, "
            "sent_raw, problems, reconciled, attributed) SELECT r.old_id, r.old_topic_id, r.new_id, r.new_topic_id, "
            "r.new_post_number, r.sent_raw, ARRAY(SELECT json_array_elements_text(r.problems)), r.reconciled, "
            "r.attributed FROM json_to_recordset($1::json) AS r(old_id bigint, old_topic_id bigint, new_id bigint, "
            "new_topic_id bigint, new_post_number integer, sent_raw text, problems json, reconciled boolean, "
            "attributed boolean) ON CONFLICT (old_id) "
            "DO UPDATE SET new_id = excluded.new_id, new_topic_id = excluded.new_topic_id, "
            "new_post_number = excluded.new_post_number, sent_raw = excluded.sent_raw, problems = excluded.problems, "
            "reconciled = excluded.reconciled, attributed = excluded.attributed, updated_at = now()",
            records.dump());
    }

    /// The map row of an old post that gets no new place.
    [[nodiscard]] store::map_post uncopied(store::archived_post const &post) const
    {
        return {post.id, m_topic.id, post.post_number, 0, 0, 0, post.deleted || post.post_type == 4};
    }

    /// Writes the topic and its posts into the map in one transaction, so that the topic
    /// reaches the redirectors as one change: the topic's row once its first post is copied,
    /// the posts copied (in this run or an earlier one that stopped before this step) and, once
    /// the topic is done, those deliberately not copied (small actions, whispers, deleted),
    /// whose links the redirector sends to the nearest copied post. The map's rows go last, in
    /// one statement: the map's version row is locked from the first of them to the commit,
    /// and the other workers' topics wait for it.
    void write_posts(bool topic_done)
    {
        std::vector<store::map_post> copied_rows;
        std::vector<store::map_post> skipped_rows;
        for (auto const &post : m_posts) {
            if (auto const done = m_done.find(post.id); done != m_done.end()) {
                if (!m_mapped.contains(post.id) && m_new_topic_id) {
                    copied_rows.push_back({post.id, m_topic.id, post.post_number, done->second.first, *m_new_topic_id,
                                           done->second.second, post.post_type == 4});
                }
            } else if (topic_done && !copied(post, m_options.keep_whispers)) {
                skipped_rows.push_back(uncopied(post)); // kept if the map has it (ON CONFLICT DO NOTHING)
            }
        }
        pqxx::work txn{m_connection};
        write_records(txn, m_unrecorded);
        if (topic_done) {
            import_state::clear_failure(txn, "topic", m_key);
        }
        bool const topic_row = m_topic_row_due && m_new_topic_id;
        store::map_topic const topic{m_topic.id, m_topic.slug, m_new_topic_id.value_or(0),
                                     m_new_slug.empty() ? m_topic.slug : m_new_slug, m_hidden_topic};
        store::map_writer{txn}.put_topic_rows(topic_row ? &topic : nullptr, copied_rows, skipped_rows);
        txn.commit();
        if (topic_row) {
            m_topic_row_due = false;
        }
        for (auto const &row : copied_rows) {
            m_mapped.insert(row.old_id);
        }
        m_unrecorded = nlohmann::json::array();
        std::lock_guard const lock{m_state.counts};
        m_state.summary.posts_skipped += skipped_rows.size();
    }

    void write_not_copied()
    {
        pqxx::work txn{m_connection};
        store::map_writer map{txn};
        map.put_uncopied_topic({m_topic.id, m_topic.slug, 0, {}, m_hidden_topic});
        std::vector<store::map_post> rows;
        for (auto const &post : m_posts) {
            rows.push_back(uncopied(post));
        }
        map.put_uncopied_posts(rows);
        import_state::clear_failure(txn, "topic", m_key);
        txn.commit();
        std::lock_guard const lock{m_state.counts};
        m_state.summary.posts_skipped += m_posts.size();
    }

    import_state &m_state;
    import_options const &m_options;
    worker &m_self;
    pqxx::connection &m_connection;
    std::string const m_key;
    std::string const m_external_id;
    store::archived_topic m_topic;
    std::vector<store::archived_post> m_posts;
    std::map<std::int64_t, std::pair<std::int64_t, int>> m_done; ///< old post id -> new id, new number
    std::set<std::int64_t> m_mapped; ///< old post ids whose map row has the new place recorded for them
    nlohmann::json m_unrecorded = nlohmann::json::array(); ///< import_posts records not yet written
    std::optional<std::int64_t> m_new_topic_id;
    bool m_topic_row_due = false; ///< the first post is copied: the topic's map row is to be written
    bool m_hidden_topic = false;
    bool m_reconcile = false;
    std::vector<target_post> m_existing;
    std::string m_new_slug;
    std::uint64_t m_count = 0;
    bool m_failed = false;
};

} // namespace

void import_topics(import_state &state, worker &main)
{
    std::vector<std::int64_t> topics;
    {
        pqxx::read_transaction txn{main.store.connection()};
        // Oldest first: with created_at sent, the order only matters for new ids.
        topics = store::archive_reader{txn}.topic_ids_oldest_first();
    }
    state.snapshot = main.store.load_snapshot();
    auto const &options = state.options;
    web::progress shown{"topics", "topics", topics.size(), options.terminal, options.quiet};
    shown.set_secondary_unit("posts");
    base::in_parallel(
        options.concurrency, topics, [&] { return state.make_worker(); },
        [&](worker &self, std::int64_t topic_id) {
            topic_import one{state, self, topic_id};
            auto const posts = one.run();
            if (one.failed()) {
                shown.add_failure();
            }
            shown.add();
            shown.add_secondary(posts);
        });
    spdlog::info("import: topics {} created; posts {} created, {} found already there, {} skipped",
                 state.summary.topics_created, state.summary.posts_created, state.summary.posts_reconciled,
                 state.summary.posts_skipped);
}

} // namespace forumgate::importer
