#include "report/format.hpp"

#include "base/error.hpp"
#include "report/format_html.hpp"
#include "report/format_json.hpp"
#include "report/format_terminal.hpp"

#include <string>

namespace forumgate::report {

std::unique_ptr<report_format> create_format(std::string_view name)
{
    if (name == "html") {
        return std::make_unique<html_format>();
    }
    if (name == "json") {
        return std::make_unique<json_format>();
    }
    if (name == "terminal") {
        return std::make_unique<terminal_format>();
    }
    throw argument_error{"unknown report format '" + std::string{name} + "' (html, json or terminal)"};
}

} // namespace forumgate::report
