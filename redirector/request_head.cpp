#include "redirector/request_head.hpp"

#include "base/url_codec.hpp"

#include <algorithm>

namespace forumgate::redirector {

void request_fields::clear() noexcept
{
    method = http::verb::unknown;
    version = 11;
    host_count = 0;
    keep_alive = true;
    target.clear();
    host.clear();
    forwarded_for.clear();
    forwarded_proto.clear();
    user_agent.clear();
    referer.clear();
}

request_head::request_head(request_fields &fields, std::uint32_t header_limit) : m_fields{fields}
{
    m_fields.clear();
    this->header_limit(header_limit);
    body_limit(BODY_LIMIT);
}

void request_head::on_request_impl(http::verb method, boost::beast::string_view, boost::beast::string_view target,
                                   int version, boost::beast::error_code &)
{
    m_fields.method = method;
    m_fields.version = version;
    m_fields.target.assign(target.data(), target.size());
}

void request_head::on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code &ec)
{
    ec = http::error::bad_method; // never called for a request parser
}

void request_head::on_field_impl(http::field name, boost::beast::string_view name_string,
                                 boost::beast::string_view value, boost::beast::error_code &)
{
    // Beast 1.74 has no enum values for the X-Forwarded-* fields: compare their names.
    if (name == http::field::unknown) {
        std::string_view const field_name{name_string.data(), name_string.size()};
        if (base::iequals(field_name, "x-forwarded-for")) {
            if (!m_fields.forwarded_for.empty()) {
                m_fields.forwarded_for.append(", "); // several headers read as one list
            }
            m_fields.forwarded_for.append(value.data(), value.size());
        } else if (base::iequals(field_name, "x-forwarded-proto")) {
            m_fields.forwarded_proto.assign(value.data(), value.size());
        }
        return;
    }
    switch (name) {
    case http::field::transfer_encoding:
        m_transfer_encoding = true;
        break;
    case http::field::host:
        ++m_fields.host_count;
        m_fields.host.assign(value.data(), value.size());
        break;
    case http::field::user_agent:
        m_fields.user_agent.assign(value.data(), std::min<std::size_t>(value.size(), 512));
        break;
    case http::field::referer:
        m_fields.referer.assign(value.data(), std::min<std::size_t>(value.size(), 1024));
        break;
    default:
        break;
    }
}

void request_head::on_header_impl(boost::beast::error_code &ec)
{
    // A request's Transfer-Encoding must end in chunked, or its length is unknown (RFC 9112
    // 6.3). Beast takes any other coding as "no body", so the body would be read as the next
    // request: a way to smuggle one past a proxy that reads it differently. And a chunked body
    // is refused too: forumgate answers GET and HEAD only, so it never needs one, and Boost
    // 1.74's chunk parser has an assertion a fuzzed trailer trips (tests/fuzz, session_test).
    // The connection answers 400 and closes; a body with a Content-Length is read and dropped.
    if (m_transfer_encoding) {
        ec = http::error::bad_transfer_encoding;
    }
}

void request_head::on_body_init_impl(boost::optional<std::uint64_t> const &, boost::beast::error_code &) {}

std::size_t request_head::on_body_impl(boost::beast::string_view body, boost::beast::error_code &)
{
    return body.size();
}

void request_head::on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code &) {}

std::size_t request_head::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, boost::beast::error_code &)
{
    return body.size();
}

void request_head::on_finish_impl(boost::beast::error_code &) {}

} // namespace forumgate::redirector
