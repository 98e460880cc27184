#pragma once
// Asking a running redirector (forumgate serve, or whatever answers the old host name) where
// each old URL goes, over HTTP: --via, to test a real deployment.

#include "report/classify.hpp"
#include "report/url_tally.hpp"
#include "report/web_fetcher.hpp"

#include <vector>

namespace forumgate::web {
class progress;
}

namespace forumgate::report {

/// Sends `GET target` to the redirector at `via` for every URL of `tally`, with the URL's old
/// host in the Host header (the main old host for bare paths), with the concurrency and rate
/// of `options`; a transport failure or a 503 is tried again up to `options.attempts` times.
/// A target holding a control byte or a space cannot be sent in a request line: it counts as
/// the 400 the redirector would answer. Bytes beyond ASCII are sent percent-encoded, as a
/// browser sends them.
/// \return the answers, in the tally's order. Never throws for one URL; the answer says.
[[nodiscard]] std::vector<probe_answer> ask_redirector(web::site_url const &via, url_tally const &tally,
                                                       http_check_options const &options, web::progress *progress);

} // namespace forumgate::report
