#include "redirector/tls_context.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

namespace forumgate::redirector {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(serve_settings const &settings)
{
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    boost::system::error_code ec;
    context->use_certificate_chain_file(settings.tls_cert, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-cert {}: {}", settings.tls_cert, ec.message())};
    }
    context->use_private_key_file(settings.tls_key, ssl::context::pem, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-key {}: {}", settings.tls_key, ec.message())};
    }
    return context;
}

} // namespace forumgate::redirector
