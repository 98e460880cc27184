// Fuzz target: the Discourse JSON the importer reads (importer/discourse_json): the input is an
// answer body, parsed (importer::parse_answer) and read as the answer the first byte chooses —
// /site.json's categories, /tags.json, a topic list, a topic, /t/{id}/posts.json, a user — and
// the raw markdown of the posts read is scanned for mentions and uploads.
//
// Invariants: an answer is either read or refused with a bad_answer whose message starts with the
// URL (no other exception: a missing field or one of the wrong type never escapes as a JSON
// library error); mentions are lower-case and non-empty; every upload reference is an
// `upload://` short URL or an `/uploads/…/original/…` path, and none is given twice.

#include "importer/discourse_json.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstdint>
#include <set>
#include <string>

namespace {

using namespace forumgate;
using importer::bad_answer;

constexpr std::string_view URL = "https://forum.example/answer.json";

void check_markdown(std::string_view raw, std::string_view cooked)
{
    for (std::string const &name : importer::mentioned_usernames(raw)) {
        fuzz::check(!name.empty() && base::ascii_lower(name) == name, "mentions are lower-case names", name);
    }
    std::set<std::string> seen;
    for (auto const &upload : importer::referenced_uploads(raw, cooked)) {
        std::string const &found = upload.short_url.empty() ? upload.path : upload.short_url;
        fuzz::check(upload.short_url.empty() != upload.path.empty(), "an upload has a short URL or a path", found);
        fuzz::check(found.starts_with("upload://") || found.starts_with("/uploads/"), "an upload reference", found);
        fuzz::check(seen.insert(found).second, "each upload once", found);
    }
}

void read_as(std::uint8_t choice, nlohmann::json const &answer)
{
    std::string const url{URL};
    switch (choice % 7U) {
    case 0:
        (void)importer::read_site_categories(url, answer);
        break;
    case 1:
        (void)importer::read_tags(url, answer);
        break;
    case 2:
        (void)importer::read_topic_list(url, answer);
        break;
    case 3:
        (void)importer::topic_signature(url, answer);
        break;
    case 4: {
        auto const topic = importer::read_topic(url, answer);
        (void)importer::posts_targets(topic.id, topic.stream);
        break;
    }
    case 5:
        for (auto const &post : importer::read_posts(url, answer, choice % 2U == 0)) {
            check_markdown(post.raw, post.cooked);
        }
        break;
    default:
        (void)importer::read_user(url, answer);
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    std::string const body{fuzz::text_of(data + 1, size - 1)};
    try {
        read_as(data[0], importer::parse_answer(std::string{URL}, body));
    } catch (bad_answer const &e) {
        fuzz::check(std::string_view{e.what()}.starts_with(URL), "a refusal names the URL", e.what());
    }
    check_markdown(body, body);
    return 0;
}
