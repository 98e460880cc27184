#pragma once
// The TLS side of `--tls-listen`: the server context built from the certificate and key files.

#include "redirector/settings.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace forumgate::redirector {

/// \return a TLS server context (TLS 1.2 and later, `settings.tls_ciphers` in the server's order)
/// with `settings.tls_cert` and `settings.tls_key` loaded; built again on each reload, so a renewed
/// certificate is picked up.
/// \throws argument_error naming --tls-cert, --tls-key or --tls-ciphers and why it is unusable.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_tls_context(serve_settings const &settings);

} // namespace forumgate::redirector
