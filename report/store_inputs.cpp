#include "report/store_inputs.hpp"

#include "base/error.hpp"
#include "base/url_codec.hpp"
#include "mappings/url_shape.hpp"
#include "pg/copy.hpp"
#include "store/archive_reader.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace forumgate::report {
namespace {

using read_only_transaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

/// Runs `f` and turns a database failure into a database_error naming `what`.
template <typename F>
void reading(std::string_view what, F &&f)
{
    try {
        f();
    } catch (pqxx::failure const &e) {
        throw database_error{fmt::format("reading {} from the store: {}", what, e.what())};
    }
}

/// Appends `/{segment}` percent-encoded as the redirector writes segments.
void append_segment(std::string &out, std::string_view segment)
{
    out.push_back('/');
    base::append_encoded_segment(out, segment);
}

/// Reads each row of `query` (its first column's text in `text`, the rest raw) and calls `f(row)`.
template <typename F>
void each_row(pqxx::transaction_base &txn, std::string const &what, std::string const &query, std::size_t columns,
              F &&f)
{
    pg::copy_reader rows{txn, what, query, columns};
    while (rows.next()) {
        f(rows.row());
    }
    rows.complete();
}

} // namespace

std::uint64_t add_map_urls(store::database &store, url_tally &tally)
{
    std::uint64_t added = 0;
    auto const add = [&](std::string const &target) {
        tally.add({}, target, 0, FROM_MAP);
        ++added;
    };
    reading("the map's old URLs", [&] {
        read_only_transaction txn{store.connection()};
        std::string text;
        std::string target;
        each_row(txn, "forumgate.topics", "SELECT old_id, old_slug FROM forumgate.topics ORDER BY old_id", 2,
                 [&](pg::copy_row const &row) {
                     row.text(1, text);
                     target = "/t";
                     if (!text.empty()) {
                         append_segment(target, text);
                     }
                     target += fmt::format("/{}", row.number(0));
                     add(target);
                 });
        each_row(txn, "forumgate.posts",
                 "SELECT p.old_id, p.old_topic_id, p.old_post_number, coalesce(t.old_slug, '') FROM forumgate.posts p "
                 "LEFT JOIN forumgate.topics t ON t.old_id = p.old_topic_id WHERE NOT p.hidden "
                 "ORDER BY p.old_topic_id, p.old_post_number",
                 4, [&](pg::copy_row const &row) {
                     add(fmt::format("/p/{}", row.number(0)));
                     if (row.number(2) > 1) {
                         row.text(3, text);
                         target = "/t";
                         if (!text.empty()) {
                             append_segment(target, text);
                         }
                         target += fmt::format("/{}/{}", row.number(1), row.number(2));
                         add(target);
                     }
                 });
        each_row(txn, "forumgate.categories", "SELECT old_id, old_slug_path FROM forumgate.categories ORDER BY old_id",
                 2, [&](pg::copy_row const &row) {
                     row.text(1, text);
                     target = "/c";
                     std::string_view path = text;
                     while (!path.empty()) {
                         auto const slash = path.find('/');
                         append_segment(target, path.substr(0, slash));
                         path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
                     }
                     target += fmt::format("/{}", row.number(0));
                     add(target);
                 });
        // Users and tags: one name under a fixed prefix.
        struct named_rows
        {
            char const *table;
            char const *query;
            char const *prefix;
        };
        for (auto const &rows :
             {named_rows{"forumgate.users", "SELECT old_username FROM forumgate.users ORDER BY old_username_lower",
                         "/u"},
              named_rows{"forumgate.tags", "SELECT old_name FROM forumgate.tags ORDER BY old_name_lower", "/tag"}}) {
            each_row(txn, rows.table, rows.query, 1, [&](pg::copy_row const &row) {
                row.text(0, text);
                target = rows.prefix;
                append_segment(target, text);
                add(target);
            });
        }
        each_row(txn, "forumgate.uploads", "SELECT old_path FROM forumgate.uploads ORDER BY old_path", 1,
                 [&](pg::copy_row const &row) {
                     row.text(0, text);
                     target.clear();
                     std::string_view path = text;
                     if (path.starts_with("upload://")) {
                         // A short URL in a post's raw; the browser asks for it as /uploads/short-url/….
                         target = "/uploads/short-url";
                         path.remove_prefix(9);
                         append_segment(target, path);
                     } else {
                         while (!path.empty()) {
                             path.remove_prefix(path.starts_with('/') ? 1 : 0);
                             auto const slash = path.find('/');
                             append_segment(target, path.substr(0, slash));
                             path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
                         }
                     }
                     if (!target.empty()) {
                         add(target);
                     }
                 });
        txn.commit();
    });
    return added;
}

std::uint64_t add_miss_log(store::database &store, url_tally &tally, input_summary *probes)
{
    std::uint64_t rows_read = 0;
    reading("the miss log (forumgate.misses)", [&] {
        read_only_transaction txn{store.connection()};
        std::string target;
        each_row(txn, "forumgate.misses", "SELECT target, hits FROM forumgate.misses ORDER BY hits DESC, target", 2,
                 [&](pg::copy_row const &row) {
                     row.text(0, target);
                     ++rows_read;
                     auto const hits = row.number(1);
                     if (probes != nullptr) {
                         if (auto const probe = probe_of_target(target); probe != probe_kind::none) {
                             probes->probes[static_cast<std::size_t>(probe)] += hits;
                             if (!probes->probes_counted) {
                                 return;
                             }
                         }
                     }
                     tally.add({}, target, hits, FROM_MISS_LOG);
                 });
        txn.commit();
    });
    return rows_read;
}

miss_explainer miss_explainer::load(store::database &store)
{
    miss_explainer out;
    reading("restricted topics and categories", [&] {
        read_only_transaction txn{store.connection()};
        std::string text;
        each_row(txn, "forumgate.topics",
                 "SELECT lower(old_slug) FROM forumgate.topics WHERE restricted AND old_slug <> ''", 1,
                 [&](pg::copy_row const &row) {
                     row.text(0, text);
                     out.m_restricted_slugs.insert(text);
                 });
        // From the archive: private messages, topics in read-restricted categories, and topic
        // ids the old forum refused to show (403) when fetch swept for them.
        auto archived = store::archive_reader{txn}.restrictions();
        out.m_restricted_topics = std::move(archived.topics);
        out.m_restricted_posts = std::move(archived.posts);
        out.m_restricted_categories = std::move(archived.categories);
        each_row(txn, "forumgate.topics", "SELECT old_id FROM forumgate.topics WHERE restricted", 1,
                 [&](pg::copy_row const &row) { out.m_restricted_topics.insert(row.number(0)); });
        each_row(txn, "forumgate.categories", "SELECT old_id FROM forumgate.categories WHERE restricted", 1,
                 [&](pg::copy_row const &row) { out.m_restricted_categories.insert(row.number(0)); });
        txn.commit();
    });
    return out;
}

miss_reason miss_explainer::explain(mappings::decision const &d, std::string_view target) const
{
    using mappings::reason;
    if (d.status == 301) {
        return miss_reason::none;
    }
    switch (d.why) {
    case reason::unknown_host:
        return miss_reason::unknown_host;
    case reason::unknown_shape:
        return miss_reason::unknown_shape;
    case reason::unmappable:
        return miss_reason::unmappable;
    case reason::not_migrated:
        return miss_reason::not_migrated;
    case reason::malformed:
    case reason::too_long:
        return miss_reason::malformed;
    case reason::unknown_id:
        break;
    default:
        return miss_reason::never_imported;
    }
    // An id or name the map does not have: restricted on the old forum, or never imported.
    mappings::parsed_url url;
    if (url.parse(target) != mappings::parsed_url::status::ok) {
        return miss_reason::never_imported;
    }
    auto const shape = mappings::parse_shape(url);
    using mappings::shape_id;
    switch (shape.id) {
    case shape_id::topic_by_slug:
        return m_restricted_slugs.contains(base::ascii_lower(shape.name)) ? miss_reason::restricted
                                                                          : miss_reason::never_imported;
    case shape_id::topic:
    case shape_id::topic_resource:
    case shape_id::post_by_number:
    case shape_id::post_by_date:
    case shape_id::raw_topic:
        return m_restricted_topics.contains(shape.number) ? miss_reason::restricted : miss_reason::never_imported;
    case shape_id::post_link:
    case shape_id::post_resource:
        return m_restricted_posts.contains(shape.number) ? miss_reason::restricted : miss_reason::never_imported;
    case shape_id::category:
    case shape_id::tag_in_category:
        return m_restricted_categories.contains(shape.number) ? miss_reason::restricted : miss_reason::never_imported;
    default:
        return miss_reason::never_imported;
    }
}

} // namespace forumgate::report
