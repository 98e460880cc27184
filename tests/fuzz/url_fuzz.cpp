// Fuzz target: URL shapes (mappings/url_shape) and the resolver (mappings/resolver) against the
// map the resolver tests use (tests/mappings/resolver_map.hpp): topics with hidden and dropped
// posts, a restricted topic and category, users, tags, uploads on a CDN, custom rules. The first
// byte chooses the Host; the rest is the request target, and also read as a URL people write.
//
// Invariants: parsed segments are non-empty, never `.` or `..`, valid UTF-8 without control
// bytes, within MAX_SEGMENTS and MAX_PARAMS; a shape's ranges lie within the path; every decision
// has a status that fits its outcome (301 redirect or pass-through with a Location, 400/414 bad
// request, 404, 410 not migrated, no Location otherwise); every Location is on the new base or
// the upload host, only visible URL characters, no `//` after the scheme, and names no
// restricted topic or category unless the request did; resolving again with a reused scratch
// gives the same decision.

#include "base/text.hpp"
#include "mappings/old_url.hpp"
#include "mappings/resolver.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/mappings/resolver_map.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace forumgate;
using namespace forumgate::mappings;

constexpr std::array<std::string_view, 5> HOSTS{"forum.cooperationbirmingham.org.uk",
                                                "www.forum.cooperationbirmingham.org.uk:8080", "",
                                                "FORUM.cooperationbirmingham.org.uk", "evil.example"};
constexpr std::array<std::string_view, 3> SECRETS{"board-secrets", "staff-room", "staff"};

snapshot const &map()
{
    return forumgate::testing::resolver_map::map();
}

void check_parsed(parsed_url &url, std::string_view target)
{
    fuzz::check(url.size() <= parsed_url::MAX_SEGMENTS, "at most MAX_SEGMENTS segments", target);
    fuzz::check(url.params().size() <= parsed_url::MAX_PARAMS, "at most MAX_PARAMS parameters", target);
    for (std::string_view const segment : url.segments()) {
        fuzz::check(!segment.empty() && segment != "." && segment != "..", "no empty, . or .. segment", target);
        fuzz::check(base::is_valid_utf8(segment), "segments are valid UTF-8", target);
        for (char const c : segment) {
            fuzz::check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "segments hold no control byte", target);
        }
    }
    url_shape const shape = parse_shape(url);
    fuzz::check(shape.name_begin <= shape.name_end && shape.name_end <= url.size(), "the name range is in the path",
                target);
    fuzz::check(shape.tail_begin <= shape.tail_end && shape.tail_end <= url.size(), "the tail range is in the path",
                target);
}

void check_decision(decision const &d, std::string_view asked)
{
    std::string const detail = std::string{asked} + " -> " + std::to_string(d.status) + " " + d.location;
    switch (d.status) {
    case 301:
        fuzz::check(d.what == outcome::redirect || d.what == outcome::pass_through, "301 redirects", detail);
        fuzz::check_location(d.location, map(), asked);
        fuzz::check_no_secret(d.location, asked, SECRETS);
        return;
    case 400:
    case 414:
        fuzz::check(d.what == outcome::bad_request, "400 and 414 are bad requests", detail);
        break;
    case 404:
        fuzz::check(d.what == outcome::not_found, "404 is not found", detail);
        break;
    case 410:
        fuzz::check(d.what == outcome::gone && d.why == reason::not_migrated, "410 is not migrated", detail);
        break;
    default:
        fuzz::broken("the status is 301, 400, 404, 410 or 414", detail);
    }
    fuzz::check(d.location.empty(), "only a 301 has a Location", detail);
}

void check_resolved(request const &req, parsed_url &scratch, std::string_view asked)
{
    decision const d = resolve(req, map());
    check_decision(d, asked);
    decision const again = resolve(req, map(), scratch);
    fuzz::check(again.status == d.status && again.location == d.location && again.why == d.why,
                "a reused scratch gives the same decision", asked);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    std::string_view const host = HOSTS[data[0] % HOSTS.size()];
    std::string_view const target = fuzz::text_of(data + 1, size - 1);
    static parsed_url scratch;

    parsed_url url;
    if (url.parse(target) == parsed_url::status::ok) {
        check_parsed(url, target);
    }
    check_resolved(request{host, target}, scratch, target);
    if (auto const written = request_from_url(target, HOSTS[0])) {
        check_resolved(*written, scratch, target);
    }
    return 0;
}
