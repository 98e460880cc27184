// forumgate fetch, phase by phase: check the store and the archive's identity; categories and
// tags; list every topic; fetch the topics that are new, changed or failed before (and sweep
// the ids the lists do not show); users who wrote or were mentioned; upload files; the old
// forum's permalinks. Each item that fails is recorded and the run goes on.

#include "importer/fetch.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/url_codec.hpp"
#include "mappings/snapshot.hpp"
#include "store/store.hpp"
#include "web/base_redirect.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace forumgate::importer {

namespace {

/// Users per page of the admin user list (AdminUserIndexQuery).
constexpr std::size_t ADMIN_USERS_PER_PAGE = 100;

/// What the run's threads share.
struct run_context
{
    fetch_options const &options;
    web::site_url site;
    web::request_pacer pacer;
    std::vector<std::pair<std::string, std::string>> auth;
    web::http_client::options client_options;

    /// \return true the first time `username` is met in this run (any case).
    bool first_sighting(std::string const &username)
    {
        std::lock_guard const lock{users_mutex};
        return users_seen.insert(base::ascii_lower(username)).second;
    }
    std::mutex users_mutex;
    std::set<std::string> users_seen;
    std::atomic<std::uint64_t> users_from_posts{0};
};

/// What one worker thread owns: a connection to the forum and one to the store.
struct worker
{
    worker(run_context &run)
        : context(run), client(run.site, run.client_options), store(run.options.database), records(store.connection())
    {}

    /// GETs `target` politely. \throws web::fetch_error.
    web::http_response get(std::string const &target)
    {
        return web::polite_send(client, context.pacer, web::http_request{.target = target, .headers = context.auth},
                                context.options.retries);
    }

    nlohmann::json get_json(std::string const &target)
    {
        auto const answer = get(target);
        return parse_answer(context.site.url(target), answer.body);
    }

    run_context &context;
    web::http_client client;
    store::database store;
    archive records;
};

// -- Topics ------------------------------------------------------------------------------------

struct topic_job
{
    std::int64_t id = 0;
    std::string list_signature; ///< empty when the topic was not listed (sweep, retry)
};

enum class topic_outcome
{
    stored,
    absent,
    failed,
};

topic_outcome fetch_topic(worker &self, topic_job const &job, std::uint64_t &posts_stored)
{
    auto const &options = self.context.options;
    std::string const target =
        "/t/" + std::to_string(job.id) + ".json" + (options.api_key.empty() ? "" : "?show_deleted=true");
    std::string url = self.context.site.url(target);
    try {
        nlohmann::json answer;
        try {
            answer = self.get_json(target);
        } catch (web::fetch_error const &problem) {
            if (problem.status() == 404 || problem.status() == 403 || problem.status() == 410) {
                // Deleted, private or never used: nothing to keep (a copy fetched before stays).
                self.records.mark_absent(job.id, problem.status());
                return topic_outcome::absent;
            }
            throw;
        }
        auto topic = read_topic(url, answer);
        if (topic.id != job.id) {
            throw bad_answer{url + ": the answer is topic " + std::to_string(topic.id)};
        }
        if (topic.archetype == "private_message" && !options.include_private_messages) {
            self.records.mark_absent(job.id, 0);
            return topic_outcome::absent;
        }
        // Every post with raw, in requests of POSTS_PER_REQUEST ids.
        std::map<std::int64_t, post_record> posts;
        for (auto const &posts_target : posts_targets(job.id, topic.stream)) {
            url = self.context.site.url(posts_target);
            for (auto &post : read_posts(url, self.get_json(posts_target), true)) {
                if (post.topic_id != job.id) {
                    throw bad_answer{url + ": post " + std::to_string(post.id) + " belongs to topic " +
                                     std::to_string(post.topic_id)};
                }
                posts.insert_or_assign(post.id, std::move(post));
            }
        }
        // A post in the stream that the posts answer left out was deleted meanwhile: the
        // topic is stored as the forum shows it now.
        std::vector<post_record> ordered;
        ordered.reserve(posts.size());
        for (auto &[id, post] : posts) {
            ordered.push_back(std::move(post));
        }
        std::ranges::sort(ordered, {}, &post_record::post_number);
        for (std::size_t i = 1; i < ordered.size(); ++i) {
            if (ordered[i].post_number == ordered[i - 1].post_number) {
                throw bad_answer{url + ": posts " + std::to_string(ordered[i - 1].id) + " and " +
                                 std::to_string(ordered[i].id) + " both have post number " +
                                 std::to_string(ordered[i].post_number)};
            }
        }
        std::string const signature = job.list_signature.empty() ? topic_signature(url, answer) : job.list_signature;
        self.records.store_topic(topic, signature, ordered);
        // Authors as their posts show them (id, name, trust level, staff): one request per user
        // saved; the users phase then asks only for the mentioned and the participants.
        for (auto const &post : ordered) {
            if (post.username.empty() || !self.context.first_sighting(post.username)) {
                continue;
            }
            user_record author;
            author.id = post.user_id;
            author.username = post.username;
            author.name = post.name;
            author.trust_level = post.trust_level;
            author.admin = post.admin;
            author.moderator = post.moderator;
            author.data = {{"id", post.user_id ? nlohmann::json(*post.user_id) : nlohmann::json(nullptr)},
                           {"username", post.username},
                           {"name", post.name},
                           {"trust_level", post.trust_level},
                           {"admin", post.admin},
                           {"moderator", post.moderator},
                           {"source", "post"}};
            self.records.store_user(author);
            self.context.users_from_posts.fetch_add(1, std::memory_order_relaxed);
        }
        posts_stored += ordered.size();
        return topic_outcome::stored;
    } catch (web::fetch_error const &problem) {
        self.records.record_failure("topic", std::to_string(job.id), problem.url(), problem.what());
    } catch (bad_answer const &problem) {
        self.records.record_failure("topic", std::to_string(job.id), url, problem.what());
    }
    return topic_outcome::failed;
}

// -- Run ---------------------------------------------------------------------------------------

class fetch_run
{
public:
    explicit fetch_run(fetch_options const &options)
        : m_options(options), m_context{options,
                                        web::site_url::parse(options.source, "--source"),
                                        web::request_pacer{options.rate},
                                        {},
                                        {},
                                        {},
                                        {}}
    {
        if (options.concurrency < 1 || options.concurrency > 64) {
            throw argument_error{"--concurrency " + std::to_string(options.concurrency) + ": must be from 1 to 64"};
        }
        if (!options.api_key.empty()) {
            m_context.auth = {{"Api-Key", options.api_key}, {"Api-Username", options.api_username}};
        }
        m_context.client_options.timeout = options.timeout;
        m_context.client_options.ca_file = options.ca_file;
        m_context.client_options.user_agent = "forumgate-fetch";
    }

    fetch_summary run()
    {
        auto const started = std::chrono::steady_clock::now();
        // A forum behind TLS answers http:// with a redirect to https://: follow it to the same site.
        m_context.site = web::follow_base_redirects(m_context.site, m_context.client_options, m_context.pacer,
                                                    m_options.retries, "/site.json", "--source");
        // Check the database: the schema is created or brought up to date, and the archive must
        // be of this forum, fetched the same way.
        {
            store::database store{m_options.database};
            store.migrate();
            archive{store.connection()}.begin_run({m_context.site.origin() + m_context.site.prefix,
                                                   !m_options.api_key.empty(), m_options.include_private_messages},
                                                  m_options.reset);
        }
        worker main{m_context};
        fetch_site(main);
        auto const listed = list_topics(main);
        fetch_topics(main, listed);
        fetch_users(main);
        fetch_uploads(main);
        fetch_permalinks(main);

        main.records.finish_run(main.records.status().failures.empty());
        m_summary.archive = main.records.status();
        m_summary.users_fetched += m_context.users_from_posts.load();
        m_summary.requests = m_context.pacer.sent();
        m_summary.retries = m_context.pacer.retries();
        m_summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return m_summary;
    }

private:
    /// Categories (the flat list of /site.json, subcategories included) and tags. The forum
    /// must answer here: if it cannot, nothing else would work, so the run stops.
    void fetch_site(worker &main) const
    {
        auto const url = m_context.site.url("/site.json");
        auto const categories = read_site_categories(url, main.get_json("/site.json"));
        main.records.store_categories(categories);
        main.records.clear_failure("categories", "site");
        spdlog::info("fetch: {} categories", categories.size());
        try {
            auto const tags = read_tags(m_context.site.url("/tags.json"), main.get_json("/tags.json"));
            main.records.store_tags(tags);
            main.records.clear_failure("tags", "tags");
            spdlog::info("fetch: {} tags", tags.size());
        } catch (web::fetch_error const &problem) {
            if (problem.status() == 404 || problem.status() == 403) {
                spdlog::info("fetch: no tags (tagging is off on {})", m_context.site.origin());
            } else {
                main.records.record_failure("tags", "tags", problem.url(), problem.what());
            }
        } catch (bad_answer const &problem) {
            main.records.record_failure("tags", "tags", m_context.site.url("/tags.json"), problem.what());
        }
    }

    /// Every page of /latest.json (all categories the viewer may see, pinned first).
    std::map<std::int64_t, std::string> list_topics(worker &main) const
    {
        std::map<std::int64_t, std::string> listed;
        list_pages(main, listed);
        spdlog::info("fetch: {} topics listed", listed.size()); // after the pages' last progress line
        return listed;
    }

    /// Reads the pages of /latest.json into `listed`.
    void list_pages(worker &main, std::map<std::int64_t, std::string> &listed) const
    {
        web::progress shown{"listing", "pages", std::nullopt, m_options.terminal, m_options.quiet};
        for (std::optional<int> page = 0; page;) {
            std::string const target = *page == 0 ? "/latest.json" : "/latest.json?page=" + std::to_string(*page);
            try {
                auto const list = read_topic_list(m_context.site.url(target), main.get_json(target));
                for (auto const &topic : list.topics) {
                    listed.insert_or_assign(topic.id, topic.signature);
                }
                if (list.next_page && *list.next_page <= *page) {
                    throw bad_answer{m_context.site.url(target) + ": more_topics_url goes back to page " +
                                     std::to_string(*list.next_page)};
                }
                page = list.topics.empty() ? std::nullopt : list.next_page;
                main.records.clear_failure("list", "latest");
            } catch (web::fetch_error const &problem) {
                main.records.record_failure("list", "latest", problem.url(), problem.what());
                break;
            } catch (bad_answer const &problem) {
                main.records.record_failure("list", "latest", m_context.site.url(target), problem.what());
                break;
            }
            shown.add();
        }
    }

    void fetch_topics(worker &main, std::map<std::int64_t, std::string> const &listed)
    {
        auto const archived = main.records.topic_signatures();
        auto const absent = m_options.full ? std::unordered_set<std::int64_t>{} : main.records.absent_topics();
        std::set<std::int64_t> failed_before;
        for (auto const &key : main.records.failed_keys("topic")) {
            if (auto const id = base::parse_uint(key)) {
                failed_before.insert(static_cast<std::int64_t>(*id));
            }
        }
        std::vector<topic_job> jobs;
        std::int64_t highest = 0;
        for (auto const &[id, signature] : listed) {
            highest = std::max(highest, id);
            auto const have = archived.find(id);
            if (m_options.full || have == archived.end() || have->second != signature || failed_before.contains(id)) {
                jobs.push_back({id, signature});
            } else {
                ++m_summary.topics_unchanged;
            }
        }
        for (auto const &[id, signature] : archived) {
            highest = std::max(highest, id);
            if (!listed.contains(id) && (m_options.full || failed_before.contains(id))) {
                jobs.push_back({id, {}}); // found by an earlier sweep; fetched again on --full
            } else if (!listed.contains(id)) {
                ++m_summary.topics_unchanged;
            }
        }
        for (auto const id : failed_before) {
            if (!listed.contains(id) && !archived.contains(id)) {
                jobs.push_back({id, {}});
                highest = std::max(highest, id);
            }
        }
        if (m_options.sweep) {
            // Ids the lists do not show: unlisted topics, topics bumped past the list while it
            // was read, and (with an admin key) private messages.
            std::set<std::int64_t> planned;
            for (auto const &job : jobs) {
                planned.insert(job.id);
            }
            for (std::int64_t id = 1; id <= highest; ++id) {
                if (!planned.contains(id) && !listed.contains(id) && !archived.contains(id) && !absent.contains(id)) {
                    jobs.push_back({id, {}});
                }
            }
        }
        std::ranges::sort(jobs, {}, &topic_job::id);
        if (!archived.empty()) {
            spdlog::info("fetch: resuming: {} of {} topics already archived and unchanged; {} to fetch",
                         m_summary.topics_unchanged, m_summary.topics_unchanged + jobs.size(), jobs.size());
        }

        // Past the highest id known: keep asking until sweep_slack ids in a row are absent. Each
        // round's ids join the total as they are planned, so the count never passes it.
        bool const sweep_beyond = m_options.sweep && m_options.sweep_slack > 0;
        auto beyond = sweep_beyond ? ids_beyond(highest, absent) : std::vector<topic_job>{};
        web::progress shown{"topics", "topics", jobs.size() + beyond.size(), m_options.terminal, m_options.quiet};
        shown.set_secondary_unit("posts");
        run_topic_jobs(jobs, shown);
        while (sweep_beyond && run_topic_jobs(beyond, shown) > 0) {
            highest += m_options.sweep_slack;
            beyond = ids_beyond(highest, absent);
            shown.add_total(beyond.size());
        }
        spdlog::info("fetch: topics fetched {}, unchanged {}, absent ids {}", m_summary.topics_fetched,
                     m_summary.topics_unchanged, m_summary.topics_absent);
    }

    /// \return the next sweep_slack ids past `highest`, less those known to be absent.
    [[nodiscard]] std::vector<topic_job> ids_beyond(std::int64_t highest,
                                                    std::unordered_set<std::int64_t> const &absent) const
    {
        std::vector<topic_job> beyond;
        for (std::int64_t id = highest + 1; id <= highest + m_options.sweep_slack; ++id) {
            if (!absent.contains(id)) {
                beyond.push_back({id, {}});
            }
        }
        return beyond;
    }

    /// \return how many of `jobs` were stored or failed (i.e. exist).
    std::uint64_t run_topic_jobs(std::vector<topic_job> const &jobs, web::progress &shown)
    {
        std::atomic<std::uint64_t> existing{0};
        std::mutex summary_mutex;
        base::in_parallel(
            m_options.concurrency, jobs, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, topic_job const &job) {
                std::uint64_t posts = 0;
                auto const outcome = fetch_topic(self, job, posts);
                shown.add();
                shown.add_secondary(posts);
                std::lock_guard const lock{summary_mutex};
                switch (outcome) {
                case topic_outcome::stored:
                    ++m_summary.topics_fetched;
                    m_summary.posts_fetched += posts;
                    ++existing;
                    break;
                case topic_outcome::absent:
                    ++m_summary.topics_absent;
                    break;
                case topic_outcome::failed:
                    shown.add_failure();
                    ++existing;
                    break;
                }
            });
        return existing.load();
    }

    /// Users who wrote, were mentioned or take part in a private message. With an admin key the
    /// admin list comes first (it has e-mails, which import matches accounts by).
    void fetch_users(worker &main)
    {
        if (!m_options.api_key.empty()) {
            try {
                for (int page = 1;; ++page) {
                    std::string const target =
                        "/admin/users/list/all.json?show_emails=true&page=" + std::to_string(page);
                    auto const list = main.get_json(target);
                    if (!list.is_array()) {
                        throw bad_answer{m_context.site.url(target) + ": expected an array of users"};
                    }
                    for (auto const &item : list) {
                        auto const user = read_user(m_context.site.url(target), item);
                        main.records.store_user(user);
                        // Most were stored already as authors of posts: counted once, as the
                        // archive's status counts them.
                        if (m_context.first_sighting(user.username)) {
                            ++m_summary.users_fetched;
                        }
                    }
                    if (list.size() < ADMIN_USERS_PER_PAGE) {
                        break;
                    }
                }
                main.records.clear_failure("list", "admin-users");
            } catch (web::fetch_error const &problem) {
                main.records.record_failure("list", "admin-users", problem.url(), problem.what());
            } catch (bad_answer const &problem) {
                main.records.record_failure("list", "admin-users", m_context.site.url("/admin/users/list/all.json"),
                                            problem.what());
            }
        }
        auto const needed = main.records.users_needed();
        web::progress shown{"users", "users", needed.size(), m_options.terminal, m_options.quiet};
        std::mutex summary_mutex;
        base::in_parallel(
            m_options.concurrency, needed, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, std::string const &username) {
                std::string encoded;
                base::append_encoded_segment(encoded, username);
                std::string const target = "/u/" + encoded + ".json";
                try {
                    self.records.store_user(read_user(m_context.site.url(target), self.get_json(target)));
                    std::lock_guard const lock{summary_mutex};
                    ++m_summary.users_fetched;
                } catch (web::fetch_error const &problem) {
                    if (problem.status() == 404) {
                        self.records.store_missing_user(username); // deleted account, or a mention of nobody
                    } else {
                        self.records.record_failure("user", username, problem.url(), problem.what());
                        shown.add_failure();
                    }
                } catch (bad_answer const &problem) {
                    self.records.record_failure("user", username, m_context.site.url(target), problem.what());
                    shown.add_failure();
                }
                shown.add();
            });
    }

    /// Files: from the path a post showed, else through /uploads/short-url/ (a redirect to the
    /// path). Checked against the sha1 in their name, written as {dir}/{sha1[0:2]}/{sha1}.{ext}.
    void fetch_uploads(worker &main)
    {
        auto const needed = main.records.uploads_needed();
        if (!needed.empty()) {
            std::filesystem::create_directories(m_options.uploads_dir);
        }
        web::progress shown{"uploads", "files", needed.size(), m_options.terminal, m_options.quiet};
        std::mutex summary_mutex;
        base::in_parallel(
            m_options.concurrency, needed, [this] { return std::make_unique<worker>(m_context); },
            [&](worker &self, upload_entry const &upload) {
                std::string target = upload.path;
                if (target.empty()) {
                    target = "/uploads/short-url/" + upload.short_url.substr(9);
                }
                try {
                    auto answer = self.get(target);
                    for (int hop = 0; hop < 3 && answer.status >= 300 && answer.status < 400; ++hop) {
                        auto location = answer.header("Location").value_or("");
                        // Only a path on the same forum is followed; an absolute URL to the same
                        // origin is turned into its path.
                        auto const origin = m_context.site.origin();
                        if (location.starts_with(origin)) {
                            location = location.substr(origin.size());
                        }
                        if (!location.starts_with('/') || location.starts_with("//")) {
                            throw bad_answer{m_context.site.url(target) + ": redirects off the forum to " + location};
                        }
                        if (!m_context.site.prefix.empty() && location.starts_with(m_context.site.prefix + "/")) {
                            location = location.substr(m_context.site.prefix.size());
                        }
                        target = location;
                        answer = self.get(target);
                    }
                    if (answer.status != 200) {
                        throw bad_answer{m_context.site.url(target) + ": HTTP " + std::to_string(answer.status) +
                                         " for a file"};
                    }
                    auto const actual = base::sha1_hex(answer.body);
                    if (actual != upload.sha1) {
                        throw bad_answer{m_context.site.url(target) + ": checksum mismatch: the name says sha1 " +
                                         upload.sha1 + ", the " + std::to_string(answer.body.size()) + " bytes have " +
                                         actual};
                    }
                    auto const dir = m_options.uploads_dir / upload.sha1.substr(0, 2);
                    std::filesystem::create_directories(dir);
                    auto const file = dir / (upload.sha1 + (upload.extension.empty() ? "" : "." + upload.extension));
                    auto const temporary = file.string() + ".part-" + std::to_string(::getpid());
                    {
                        std::ofstream out{temporary, std::ios::binary | std::ios::trunc};
                        out.write(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
                        out.flush();
                        if (!out) {
                            throw input_error{temporary + ": cannot write the upload file"};
                        }
                    }
                    std::filesystem::rename(temporary, file);
                    self.records.store_upload(upload, m_context.site.url(target),
                                              static_cast<std::int64_t>(answer.body.size()));
                    std::lock_guard const lock{summary_mutex};
                    ++m_summary.uploads_fetched;
                } catch (web::fetch_error const &problem) {
                    self.records.record_failure("upload", upload.sha1, problem.url(), problem.what());
                    shown.add_failure();
                } catch (bad_answer const &problem) {
                    self.records.record_failure("upload", upload.sha1, m_context.site.url(target), problem.what());
                    shown.add_failure();
                }
                shown.add();
            });
    }

    /// The old forum's own permalinks (admin only): old URLs it already redirects, which the
    /// new forum's redirector must keep answering.
    void fetch_permalinks(worker &main)
    {
        if (m_options.api_key.empty()) {
            return;
        }
        std::string const target = "/admin/customize/permalinks.json";
        try {
            auto const list = main.get_json(target);
            auto const &items = list.is_object() && list.contains("permalinks") ? list.at("permalinks") : list;
            if (!items.is_array()) {
                throw bad_answer{m_context.site.url(target) + ": expected an array of permalinks"};
            }
            main.records.store_permalinks(std::vector<nlohmann::json>(items.begin(), items.end()));
            spdlog::info("fetch: {} permalinks", items.size());
        } catch (web::fetch_error const &problem) {
            if (problem.status() == 404) {
                spdlog::info("fetch: {} has no permalinks route; none archived", m_context.site.origin());
                main.records.clear_failure("permalinks", "permalinks");
            } else {
                main.records.record_failure("permalinks", "permalinks", problem.url(), problem.what());
            }
        } catch (bad_answer const &problem) {
            main.records.record_failure("permalinks", "permalinks", m_context.site.url(target), problem.what());
        }
    }

    fetch_options const &m_options;
    run_context m_context;
    fetch_summary m_summary;
};

} // namespace

fetch_summary run_fetch(fetch_options const &options)
{
    return fetch_run{options}.run();
}

archive_status fetch_status(std::string const &database)
{
    store::database store{database};
    if (store.schema_version() < 3) {
        return {};
    }
    return archive{store.connection()}.status();
}

} // namespace forumgate::importer
