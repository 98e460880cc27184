// Fuzz target: the snapshot file reader (store::read_snapshot_file, store/snapshot_file.cpp),
// which `serve --snapshot` starts from when the store cannot be reached. The input is the file.
//
// Invariants: a file is either refused with an input_error (no other exception, no crash) or
// read into a map whose every answer keeps the resolver's promises: for a handful of URL shapes
// and the ids 1 to 3, each Location is on the map's new base or one of its upload hosts, only
// visible URL characters, without `//` after the scheme.

#include "base/error.hpp"
#include "mappings/resolver.hpp"
#include "store/store.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    fuzz::memory_file const file{fuzz::text_of(data, size)};
    std::shared_ptr<mappings::snapshot const> map;
    try {
        map = store::read_snapshot_file(file.path());
    } catch (input_error const &) {
        return 0; // refused, with a message naming the line
    }
    fuzz::check(map != nullptr, "a file read gives a map");
    check_answers(*map);
    return 0;
}
