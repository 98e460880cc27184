#pragma once
// A forum's base URL that answers with a redirect: every Discourse behind TLS sends http:// to
// https://, and many send www. to the bare name or back. Such a move of the same site is
// followed, with a notice; a redirect to another site is refused, naming where it leads.

#include "web/http_client.hpp"
#include "web/polite.hpp"
#include "web/site_url.hpp"

#include <string_view>

namespace forumgate::web {

/// \return whether `to` is the same site as `from`: the same host but for a leading `www.`, and
/// the same path prefix; scheme and port may differ.
[[nodiscard]] bool same_site(site_url const &from, site_url const &to);

/// Asks `site` for `probe` (a path every Discourse answers, such as /site.json), without
/// credentials, and follows the redirects of its base URL to the same site (at most 5).
/// \return where it leads (`site` itself when it answers at once).
/// \throws argument_error naming `what` (e.g. "--source") and the Location of a redirect to
/// another site, or of one that does not keep the probe's path; web::fetch_error when the site
/// cannot be reached.
[[nodiscard]] site_url follow_base_redirects(site_url site, http_client::options const &options, request_pacer &pacer,
                                             retry_policy const &policy, std::string_view probe, std::string_view what);

} // namespace forumgate::web
