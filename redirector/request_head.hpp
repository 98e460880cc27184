#pragma once
// Reads the head of one HTTP request with Beast's parser, keeping only what the redirector
// needs, in buffers the connection reuses from request to request: no allocation per request.

#include <boost/beast/http/basic_parser.hpp>

#include <string>
#include <string_view>

namespace forumgate::redirector {

namespace http = boost::beast::http;

/// Represents what the redirector keeps of one request's head. Owned by the connection and
/// cleared for each request, so its strings keep their capacity.
struct request_fields
{
    http::verb method = http::verb::unknown;
    int version = 11;
    int host_count = 0;
    bool keep_alive = true; ///< set by the connection once the head is read
    std::string target;
    std::string host;
    std::string forwarded_for;
    std::string forwarded_proto;
    std::string user_agent;
    std::string referer;

    void clear() noexcept;
    [[nodiscard]] bool http10() const noexcept { return version == 10; }
};

/// Represents the parser of one request: a fresh one per request (it is small and allocates
/// nothing), writing into the connection's request_fields.
class request_head : public http::basic_parser<true>
{
public:
    /// Bodies are read and thrown away (only GET and HEAD are served), up to this size.
    static constexpr std::uint64_t BODY_LIMIT = 64 * 1024;

    request_head(request_fields &fields, std::uint32_t header_limit);

private:
    void on_request_impl(http::verb method, boost::beast::string_view method_str, boost::beast::string_view target,
                         int version, boost::beast::error_code &ec) override;
    void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code &ec) override;
    void on_field_impl(http::field name, boost::beast::string_view name_string, boost::beast::string_view value,
                       boost::beast::error_code &ec) override;
    void on_header_impl(boost::beast::error_code &ec) override;
    void on_body_init_impl(boost::optional<std::uint64_t> const &content_length, boost::beast::error_code &ec) override;
    std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code &ec) override;
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                              boost::beast::error_code &ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                   boost::beast::error_code &ec) override;
    void on_finish_impl(boost::beast::error_code &ec) override;

    request_fields &m_fields;
    bool m_transfer_encoding = false; ///< a Transfer-Encoding header was seen
};

} // namespace forumgate::redirector
