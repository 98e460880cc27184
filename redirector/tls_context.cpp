#include "redirector/tls_context.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace forumgate::redirector {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(serve_settings const &settings)
{
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    for (auto const &[flag, file] :
         {std::pair{"--tls-cert", settings.tls_cert}, std::pair{"--tls-key", settings.tls_key}}) {
        if (std::FILE *const opened = std::fopen(file.c_str(), "r")) {
            std::fclose(opened);
        } else {
            throw argument_error{fmt::format("{} {}: cannot read: {} (a PEM file; certbot writes them under "
                                             "/etc/letsencrypt/live/HOST/)",
                                             flag, file, std::strerror(errno))};
        }
    }
    boost::system::error_code ec;
    context->use_certificate_chain_file(settings.tls_cert, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-cert {}: not a PEM certificate chain OpenSSL can read ({})",
                                         settings.tls_cert, ec.message())};
    }
    context->use_private_key_file(settings.tls_key, ssl::context::pem, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-key {}: not a PEM private key OpenSSL can read, or not the key of "
                                         "--tls-cert ({})",
                                         settings.tls_key, ec.message())};
    }
    return context;
}

} // namespace forumgate::redirector
