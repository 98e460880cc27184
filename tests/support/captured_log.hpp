#pragma once
// spdlog's default logger writing to a string, for tests that check what a run logs.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace forumgate::testing {

/// Sends the default logger's lines (the message only, debug and up) to a string while it lives.
class captured_log
{
public:
    captured_log() : m_previous(spdlog::default_logger())
    {
        auto logger = std::make_shared<spdlog::logger>(
            "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(m_stream, true));
        logger->set_pattern("%v");
        logger->set_level(spdlog::level::debug);
        spdlog::set_default_logger(logger);
    }
    ~captured_log() { spdlog::set_default_logger(m_previous); }
    captured_log(captured_log const &) = delete;
    captured_log &operator=(captured_log const &) = delete;

    [[nodiscard]] std::string text() const { return m_stream.str(); }

private:
    std::shared_ptr<spdlog::logger> m_previous;
    std::ostringstream m_stream;
};

} // namespace forumgate::testing
