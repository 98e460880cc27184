#pragma once
// Working out a report's figures from the distinct URLs and what became of each.

#include "report/classify.hpp"
#include "report/report.hpp"
#include "report/url_tally.hpp"

#include <vector>

namespace forumgate::report {

/// Fills `out`'s totals, outcomes, reasons, kinds, days, top_missed (at most `top`, 0: all),
/// missed_urls and chains (at most `top`) from `tally` and `verdicts` (one per URL).
void work_out_figures(coverage_report &out, url_tally const &tally, std::vector<verdict> const &verdicts,
                      std::size_t top);

} // namespace forumgate::report
