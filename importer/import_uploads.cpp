#include "importer/import_uploads.hpp"

#include "base/parallel.hpp"
#include "store/map_writer.hpp"
#include "web/progress.hpp"

#include <fstream>

namespace forumgate::importer {

namespace {

/// Represents an archived upload the map has no new URL for.
struct pending_upload
{
    std::string sha1;
    std::string extension;
    std::string url;
};

std::vector<pending_upload> read_pending(std::string const &database)
{
    std::vector<pending_upload> uploads;
    pqxx::connection connection{database};
    pqxx::read_transaction txn{connection};
    for (auto const &row :
         txn.exec("SELECT a.sha1, a.extension, a.url FROM forumgate.archive_uploads a WHERE NOT EXISTS "
                  "(SELECT FROM forumgate.uploads m WHERE m.new_url IS NOT NULL AND "
                  "m.old_path LIKE '%/' || a.sha1 || '.%') ORDER BY a.sha1")) {
        uploads.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    return uploads;
}

/// Uploads one file and writes its map row. \throws target_refusal, web::fetch_error.
void upload_one(import_state &state, worker &self, pending_upload const &upload, std::string const &name,
                std::string const &bytes)
{
    auto const &site = state.context.site;
    auto const [url, short_url] = self.target.upload(name, bytes);
    std::string const absolute = url.starts_with("http://") || url.starts_with("https://") ? url
                                 : url.starts_with("//") ? (site.tls ? "https:" : "http:") + url
                                                         : site.origin() + url;
    // The map's key is the old path (the redirector's /uploads/… input).
    auto const path_start = upload.url.find("/uploads/");
    std::string const old_path = path_start == std::string::npos ? upload.url : upload.url.substr(path_start);
    pqxx::work txn{self.store.connection()};
    // Uploads served from another host (a CDN): the map must allow it.
    auto const host =
        web::site_url::parse(absolute.substr(0, absolute.find('/', absolute.find("//") + 2)), "an upload URL").host;
    store::map_writer map{txn};
    if (host != site.host) {
        map.add_upload_host(host);
    }
    map.put_upload(old_path, absolute);
    import_state::clear_failure(txn, "upload", upload.sha1);
    txn.commit();
    std::lock_guard const lock{state.counts};
    ++state.summary.uploads_created;
}

} // namespace

void import_uploads(import_state &state)
{
    auto const uploads = read_pending(state.options.database);
    auto const &options = state.options;
    web::progress shown{"uploads", "files", uploads.size(), options.terminal, options.quiet};
    base::in_parallel(
        options.concurrency, uploads, [&] { return state.make_worker(); },
        [&](worker &self, pending_upload const &upload) {
            auto const name = upload.sha1 + (upload.extension.empty() ? "" : "." + upload.extension);
            auto const file = options.uploads_dir / upload.sha1.substr(0, 2) / name;
            std::ifstream in{file, std::ios::binary};
            if (!in) {
                import_state::record_failure(
                    self.store.connection(), "upload", upload.sha1,
                    file.string() + ": the fetched file is missing (run forumgate fetch with the same --uploads-dir)");
                shown.add_failure();
                shown.add();
                return;
            }
            std::string const bytes{std::istreambuf_iterator<char>{in}, {}};
            try {
                upload_one(state, self, upload, name, bytes);
            } catch (target_refusal const &refusal) {
                import_state::record_failure(self.store.connection(), "upload", upload.sha1, refusal.what());
                shown.add_failure();
            } catch (web::fetch_error const &problem) {
                import_state::record_failure(self.store.connection(), "upload", upload.sha1, problem.what());
                shown.add_failure();
            }
            shown.add();
        });
}

} // namespace forumgate::importer
