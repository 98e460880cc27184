// Fuzz target: the snapshot file reader (store::read_snapshot_file, store/snapshot_file.cpp),
// which `serve --snapshot` starts from when the store cannot be reached. The input is the file.
//
// Invariants: a file is either refused with an input_error (no other exception, no crash) or
// read into a map whose every answer keeps the resolver's promises: for a handful of URL shapes
// and the ids 1 to 3, each Location is on the map's new base or one of its upload hosts, only
// visible URL characters, without `//` after the scheme.
//
// The same file is also compared with a fixed map (store::compare_with_snapshot_file, a reload
// without a store), with small layer bounds so that every level is reached: the comparison
// throws only input_error; a file a whole read refuses gives no map; and a map it gives answers
// every probe (the shapes above with the ids of both maps, each topic's and post's links, the
// fixed map's names and rules) as the whole read's map does.

#include "base/error.hpp"
#include "mappings/resolver.hpp"
#include "store/store.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace forumgate;

constexpr std::array<std::string_view, 14> SHAPES{
    "/t/x/",
    "/t/",
    "/p/",
    "/posts/",
    "/c/",
    "/c/x/",
    "/raw/",
    "/u/a",
    "/tag/a",
    "/tags/c/a/",
    "/uploads/default/original/1X/de6756810009c13da0038b7c37bb025408e264b4.png",
    "/uploads/short-url/a",
    "/latest",
    "/viewtopic.php?t="};

void check_answers(mappings::snapshot const &map)
{
    std::string const host = map.settings().old_hosts.empty() ? std::string{} : map.settings().old_hosts.front();
    for (std::string_view const shape : SHAPES) {
        for (char id = '1'; id <= '3'; ++id) {
            std::string const target = std::string{shape} + id;
            mappings::decision const d = mappings::resolve({host, target}, map);
            if (d.status == 301) {
                fuzz::check_location(d.location, map, target);
            } else {
                fuzz::check(d.location.empty(), "only a 301 has a Location", target + " -> " + d.location);
            }
        }
    }
}

/// The map a reload compares each input with: the seed corpus's `full` file, which inputs derived
/// from it share most rows with.
constexpr std::string_view COMPARED_MAP =
    "forumgate-snapshot 1\n"
    "version 12\n"
    "new_base https://forum.brum.coop\n"
    "old_host forum.cooperationbirmingham.org.uk\n"
    "old_host www.forum.cooperationbirmingham.org.uk\n"
    "upload_host cdn.brum.coop\n"
    "table topics old_id,old_slug,new_id,new_slug,restricted 3\n"
    "774\tagm-minutes\t1774\tagm-minutes-2019\tf\n"
    "775\t\\N\t1775\t\\N\tt\n"
    "776\tspam\t\\N\t\\N\tf\n"
    "table posts old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden 3\n"
    "1\t774\t1\t20001\t1774\t1\tf\n"
    "2\t774\t2\t\\N\t\\N\t\\N\tt\n"
    "3\t774\t3\t20003\t1774\t2\tf\n"
    "table categories old_id,old_slug_path,new_id,new_slug_path,restricted 2\n"
    "5\tgeneral\t12\tgeneral\tf\n"
    "7\tworking-groups/housing\t14\tworking-groups/housing-coops\tf\n"
    "table users old_username,new_username 2\n"
    "John.Smith\tjohn_smith\n"
    "Spammer\t\\N\n"
    "table tags old_name,new_name 1\n"
    "housing\thomes\n"
    "table uploads old_path,new_url 2\n"
    "/uploads/default/original/1X/de6756810009c13da0038b7c37bb025408e264b4.png\t"
    "https://cdn.brum.coop/original/1X/de6756810009c13da0038b7c37bb025408e264b4.png\n"
    "/uploads/default/12/abc.png\t/uploads/default/original/1X/logo.png\n"
    "table rules pattern,replacement,kind 2\n"
    "^/viewtopic\\\\.php\\\\?t=(\\\\d+)\t/t/\\\\1\trewrite\n"
    "^/forum/(.*)$\t/\\\\1\tredirect\n"
    "end\n";

std::shared_ptr<mappings::snapshot const> const &compared_map()
{
    static std::shared_ptr<mappings::snapshot const> const map = [] {
        fuzz::memory_file const file{COMPARED_MAP};
        return store::read_snapshot_file(file.path());
    }();
    return map;
}

/// The targets both maps are asked for: the shapes with the ids of either map, each topic's and
/// post's links, and the compared map's names, categories and rules.
std::vector<std::string> probes(mappings::snapshot const &a, mappings::snapshot const &b)
{
    std::set<std::uint64_t> topics{1, 2, 3};
    std::set<std::uint64_t> posts{1, 2, 3};
    std::vector<std::string> slugs;
    for (mappings::snapshot const *map : {&a, &b}) {
        for (auto const &t : map->topics()) {
            if (t.old_id != 0 && topics.size() < 64) {
                topics.insert(t.old_id);
                slugs.emplace_back(map->new_slug(t));
            }
        }
        map->for_each_post_id([&](std::uint32_t old_id, mappings::snapshot::post const &) {
            if (posts.size() < 64) {
                posts.insert(old_id);
            }
        });
    }
    std::vector<std::string> out;
    for (std::uint64_t const id : topics) {
        for (std::string_view const shape : SHAPES) {
            out.push_back(std::string{shape} + std::to_string(id));
        }
        for (int number = 1; number <= 4; ++number) {
            out.push_back("/t/x/" + std::to_string(id) + "/" + std::to_string(number));
        }
    }
    for (std::uint64_t const id : posts) {
        out.push_back("/p/" + std::to_string(id));
    }
    for (std::string const &slug : slugs) {
        out.push_back("/t/" + slug);
    }
    for (std::string_view const fixed : {"/t/agm-minutes", "/t/spam", "/u/John.Smith", "/u/spammer", "/tag/housing",
                                         "/c/general", "/c/working-groups/housing", "/c/housing", "/forum/x",
                                         "/viewtopic.php?t=774", "/uploads/default/12/abc.png"}) {
        out.emplace_back(fixed);
    }
    return out;
}

std::string answer(mappings::decision const &d)
{
    return std::to_string(d.status) + " " + std::string{to_string(d.why)} + " " + d.location;
}

/// Checks that the map a reload layered answers as the file read whole does.
void check_same_answers(mappings::snapshot const &layered, mappings::snapshot const &whole)
{
    std::string const host = whole.settings().old_hosts.empty() ? std::string{} : whole.settings().old_hosts.front();
    for (std::string const &target : probes(layered, whole)) {
        std::string const a = answer(mappings::resolve({host, target}, layered));
        std::string const b = answer(mappings::resolve({host, target}, whole));
        fuzz::check(a == b, "a reload compared with the file answers as the file read whole",
                    target + ": layered " + a + ", whole " + b);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    fuzz::memory_file const file{fuzz::text_of(data, size)};
    std::shared_ptr<mappings::snapshot const> map;
    try {
        map = store::read_snapshot_file(file.path());
    } catch (input_error const &) {
        // refused, with a message naming the line
    }
    std::shared_ptr<mappings::snapshot const> layered;
    try {
        layered = store::compare_with_snapshot_file(compared_map(), file.path(), store::layer_bounds{3, 6, 12, 8}).map;
    } catch (input_error const &) {
        // refused (the reload reads the file whole, and is refused again)
    }
    if (!map) {
        fuzz::check(layered == nullptr, "a file a whole read refuses is not served by a reload");
        return 0;
    }
    check_answers(*map);
    if (layered) {
        check_same_answers(*layered, *map);
    }
    return 0;
}
