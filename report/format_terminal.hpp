#pragma once
// The terminal summary: the headline figures, outcomes, kinds, the worst misses and the
// proposed rules, in plain text that fits a terminal.

#include "report/format.hpp"

namespace forumgate::report {

/// Represents the plain-text summary written to standard output.
class terminal_format : public report_format
{
public:
    /// URLs longer than this are shortened (with "…") to keep the columns.
    static constexpr std::size_t URL_WIDTH = 64;
    /// Rows of each list shown; the HTML and JSON reports hold the rest.
    static constexpr std::size_t LIST_ROWS = 20;

    void write(coverage_report const &report, std::ostream &out) const override;
};

} // namespace forumgate::report
