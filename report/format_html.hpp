#pragma once
// The HTML report: one self-contained page (inline CSS, SVG charts and a few lines of script
// to sort tables; no external assets) that reads on a phone as well as on a desktop.

#include "report/format.hpp"

#include <string>
#include <string_view>

namespace forumgate::report {

/// Represents the HTML format, for people: a page to open, keep and send around.
class html_format : public report_format
{
public:
    void write(coverage_report const &report, std::ostream &out) const override;
};

} // namespace forumgate::report
