#pragma once
// The report's output formats, one class each behind this interface, as osmium-tool has its
// export formats (src/export/export_format_*.hpp): a formatter only lays out the facts it is
// given.

#include "report/report.hpp"

#include <iosfwd>
#include <memory>
#include <string_view>

namespace forumgate::report {

/// Represents one way of writing a coverage report.
class report_format
{
public:
    virtual ~report_format() = default;
    report_format() = default;
    report_format(report_format const &) = delete;
    report_format &operator=(report_format const &) = delete;

    /// Writes the whole of `report` to `out`.
    virtual void write(coverage_report const &report, std::ostream &out) const = 0;
};

/// \return the format called `name`: "html", "json" or "terminal".
/// \throws argument_error for any other name.
[[nodiscard]] std::unique_ptr<report_format> create_format(std::string_view name);

} // namespace forumgate::report
