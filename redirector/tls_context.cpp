#include "redirector/tls_context.hpp"

#include "base/error.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

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
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                         SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    // TLS 1.2: only what tls-ciphers allows (by default ECDHE with AES-GCM or ChaCha20-Poly1305:
    // no static RSA key exchange, no CBC), in its order. TLS 1.3 keeps OpenSSL's suites, all AEAD.
    if (SSL_CTX_set_cipher_list(context->native_handle(), settings.tls_ciphers.c_str()) != 1) {
        ERR_clear_error();
        throw argument_error{fmt::format("--tls-ciphers {}: no cipher OpenSSL knows (an OpenSSL cipher list, "
                                         "e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305)",
                                         settings.tls_ciphers)};
    }
    // OpenSSL's read and write buffers (about 34 KiB) go back to the heap while a connection waits.
    SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
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
