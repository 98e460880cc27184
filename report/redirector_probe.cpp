#include "report/redirector_probe.hpp"

#include "base/parallel.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>

#include <memory>
#include <thread>

namespace forumgate::report {
namespace {

/// The target as a browser would send it: bytes beyond ASCII percent-encoded. nullopt if it
/// holds a byte no request line may carry.
std::optional<std::string> sendable(std::string_view target)
{
    std::string out;
    out.reserve(target.size());
    for (char const c : target) {
        auto const byte = static_cast<unsigned char>(c);
        if (byte <= 0x20U || byte == 0x7FU) {
            return std::nullopt;
        }
        if (byte >= 0x80U) {
            out += fmt::format("%{:02X}", byte);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

std::vector<probe_answer> ask_redirector(web::site_url const &via, url_tally const &tally,
                                         http_check_options const &options, web::progress *progress)
{
    std::vector<probe_answer> answers(tally.size());
    web::request_pacer pacer{options.rate};
    auto const client_options = options.client_options();
    base::run_parallel(
        tally.size(), options.concurrency, [&] { return std::make_unique<web::http_client>(via, client_options); },
        [&](std::size_t i, std::unique_ptr<web::http_client> &client) {
            auto const &url = tally[i];
            probe_answer &answer = answers[i];
            auto const target = sendable(url.target);
            if (!target) {
                answer.status = 400;
            } else {
                web::http_request request{.target = *target,
                                          .headers = {{"Host", url.host.empty() ? tally.main_host() : url.host}}};
                for (int attempt = 1;; ++attempt) {
                    pacer.admit();
                    try {
                        auto const response = client->send(request);
                        answer.status = response.status;
                        answer.location = response.header("Location").value_or("");
                        answer.problem.clear();
                        if (response.status != 503) {
                            break;
                        }
                    } catch (web::transport_error const &e) {
                        answer.status = 0;
                        answer.problem = e.what();
                    }
                    if (attempt >= options.attempts) {
                        break;
                    }
                    pacer.count_retry(false);
                    std::this_thread::sleep_for(std::chrono::milliseconds{100} * (1 << std::min(attempt, 5)));
                }
            }
            if (progress != nullptr) {
                progress->add();
                if (answer.status == 0) {
                    progress->add_failure();
                }
            }
        });
    return answers;
}

} // namespace forumgate::report
