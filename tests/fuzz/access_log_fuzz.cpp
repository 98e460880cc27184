// Fuzz target: access logs (report/access_log, report/inputs): the input as one log line
// (report::parse_log_line), then as a whole log file, plain or gzip (report::read_access_log:
// base::line_reader, the line parser, absolute-form targets, the URL tally).
//
// Invariants: a request line has a method of capital letters (and - or _) and a target without trailing
// spaces, pointing into the line or the scratch string, a status of three digits and a day that
// date_of_day() and days_from_civil() turn back into itself; a malformed line says why. Reading
// the file counts every line once as a request or as skipped, malformed or blank; the tally holds
// as many hits as requests counted; every URL shown for people is free of control bytes and spaces.

#include "report/access_log.hpp"
#include "report/inputs.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstdint>
#include <string>

namespace {

using namespace forumgate;

bool points_into(std::string_view part, std::string_view whole)
{
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// An nginx layout with the fields the report reads, in another order than combined's.
report::log_format const &nginx_layout()
{
    static report::log_format const format{
        R"($host $remote_addr [$time_iso8601] "$request_method" "$uri$is_args$args" $status "$http_user_agent")"};
    return format;
}

void check_parsed(std::string_view line, report::log_line_kind kind, report::log_request const &request,
                  report::log_scratch const &scratch, std::string_view problem)
{
    switch (kind) {
    case report::log_line_kind::request: {
        fuzz::check(!request.method.empty(), "a request has a method", line);
        for (char const c : request.method) {
            // Capital letters, and the '-' and '_' of methods such as M-SEARCH and VERSION-CONTROL.
            fuzz::check((c >= 'A' && c <= 'Z') || c == '-' || c == '_', "a method is capital letters, - and _", line);
        }
        fuzz::check(!request.target.empty() && !request.target.ends_with(' '), "a target has no trailing space", line);
        fuzz::check(points_into(request.target, line) || points_into(request.target, scratch.request),
                    "the target points into the line or the scratch string", line);
        fuzz::check(request.user_agent.empty() || points_into(request.user_agent, line) ||
                        points_into(request.user_agent, scratch.user_agent),
                    "the user agent points into the line or the scratch string", line);
        fuzz::check(request.host.empty() || points_into(request.host, line), "the host points into the line", line);
        fuzz::check(request.status >= 0 && request.status <= 999, "the status has three digits", line);
        if (request.day == report::UNKNOWN_DAY) {
            break;
        }
        std::string const date = report::date_of_day(request.day);
        int const year = std::stoi(date.substr(0, date.size() - 6));
        auto const month = static_cast<unsigned>(std::stoi(date.substr(date.size() - 5, 2)));
        auto const day = static_cast<unsigned>(std::stoi(date.substr(date.size() - 2)));
        fuzz::check(report::days_from_civil(year, month, day) == request.day, "the day survives a round trip", date);
        break;
    }
    case report::log_line_kind::malformed:
        fuzz::check(!problem.empty(), "a malformed line says why", line);
        break;
    case report::log_line_kind::no_request:
    case report::log_line_kind::blank:
        break;
    }
}

void check_line(std::string_view line)
{
    report::log_request request;
    report::log_scratch scratch;
    std::string_view problem;
    check_parsed(line, report::parse_log_line(line, request, scratch, problem), request, scratch, problem);
    check_parsed(line, nginx_layout().parse(line, request, scratch, problem), request, scratch, problem);
    (void)report::layout_of_line(line);
}

void check_file(std::string_view content)
{
    fuzz::memory_file const file{content};
    report::url_tally tally{"forum.cooperationbirmingham.org.uk"};
    report::input_summary summary;
    // A damaged gzip stream is an error naming the file, unless allowed: allowed here, so that
    // the counts of what was read can be checked.
    report::read_access_log(file.path().string(), tally, summary, {nullptr, false, true}, nullptr);
    std::uint64_t const counted = summary.log_requests + summary.skipped_method + summary.skipped_no_request +
                                  summary.skipped_internal + summary.malformed;
    fuzz::check(counted <= summary.log_lines + 1, "every line is counted once (a damaged gzip stream adds one)");
    std::uint64_t hits = 0;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        hits += tally[i].hits;
        for (char const c : tally.display(i)) {
            fuzz::check(static_cast<unsigned char>(c) > 0x20 && c != 0x7F, "a URL shown has no control byte or space",
                        tally.display(i));
        }
    }
    fuzz::check(hits == summary.log_requests, "the tally holds one hit per request counted");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    std::string_view const input = fuzz::text_of(data, size);
    check_line(input.substr(0, input.find('\n')));
    check_file(input);
    return 0;
}
