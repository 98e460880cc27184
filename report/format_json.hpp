#pragma once
// The JSON report: every figure, in the schema documented in docs/coverage-report.schema.json.

#include "report/format.hpp"

#include <nlohmann/json_fwd.hpp>

namespace forumgate::report {

/// Represents the JSON format: for scripts and CI (format "forumgate-coverage", version 1).
class json_format : public report_format
{
public:
    /// The version of the JSON layout; raised when a field changes meaning or goes away.
    static constexpr int VERSION = 1;

    void write(coverage_report const &report, std::ostream &out) const override;

    /// \return the report as a JSON value.
    [[nodiscard]] static nlohmann::json to_json(coverage_report const &report);
};

} // namespace forumgate::report
