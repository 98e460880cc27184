// The JSON report: valid against its documented schema (docs/coverage-report.schema.json),
// every enumerated value one the schema names, the figures where the schema says they are,
// and bytes that are not UTF-8 never failing the report.

#include "report/format_json.hpp"

#include "tests/report/sample_report.hpp"
#include "tests/support/json_shape.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace forumgate;
using namespace forumgate::report;
using nlohmann::json;

namespace {

json schema()
{
    return forumgate::testing::read_json_file(std::string{FORUMGATE_SOURCE_DIR} + "/docs/coverage-report.schema.json");
}

/// Checks the `enum` keyword, which schema_violations() leaves out, walking schema and value
/// together through properties and items.
void check_enums(json const &schema, json const &value, std::string const &path, std::vector<std::string> &out)
{
    if (auto const values = schema.find("enum"); values != schema.end()) {
        if (std::find(values->begin(), values->end(), value) == values->end()) {
            out.push_back(path + ": " + value.dump() + " is none of " + values->dump());
        }
    }
    if (value.is_object() && schema.contains("properties")) {
        for (auto const &[key, item] : value.items()) {
            if (schema["properties"].contains(key)) {
                check_enums(schema["properties"][key], item, path + "." + key, out);
            }
        }
    }
    if (value.is_array() && schema.contains("items")) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            check_enums(schema["items"], value[i], path + "[" + std::to_string(i) + "]", out);
        }
    }
}

} // namespace

TEST(json_format, is_valid_against_the_documented_schema)
{
    std::ostringstream text;
    create_format("json")->write(forumgate::testing::sample_report(), text);
    auto const report = json::parse(text.str());
    auto const violations = forumgate::testing::schema_violations(schema(), report);
    EXPECT_TRUE(violations.empty()) << forumgate::testing::joined_lines(violations);
    std::vector<std::string> bad_values;
    check_enums(schema(), report, "$", bad_values);
    EXPECT_TRUE(bad_values.empty()) << forumgate::testing::joined_lines(bad_values);
}

TEST(json_format, holds_the_figures)
{
    auto const report = json_format::to_json(forumgate::testing::sample_report());
    EXPECT_EQ(report["format"], "forumgate-coverage");
    EXPECT_EQ(report["version"], 1);
    EXPECT_EQ(report["map_version"], 12);
    EXPECT_EQ(report["old_forum"], "forum.cooperationbirmingham.org.uk");
    EXPECT_EQ(report["new_forum"], "forum.brum.coop");
    EXPECT_EQ(report["redirector"], nullptr);
    EXPECT_EQ(report["totals"]["urls"], 12);
    EXPECT_EQ(report["totals"]["covered_hits"], 189);
    EXPECT_NEAR(report["coverage"]["by_hits"].get<double>(), 100.0 * 189 / 215, 1e-9);
    ASSERT_EQ(report["outcomes"].size(), OUTCOME_COUNT);
    EXPECT_EQ(report["outcomes"][0]["outcome"], "redirected");
    EXPECT_EQ(report["outcomes"][0]["covered"], true);
    EXPECT_EQ(report["outcomes"][3]["outcome"], "restricted");
    EXPECT_EQ(report["outcomes"][3]["covered"], true);
    EXPECT_EQ(report["outcomes"][3]["urls"], 1);
    EXPECT_EQ(report["outcomes"][4]["outcome"], "not_found");
    EXPECT_EQ(report["outcomes"][4]["hits"], 21);
    EXPECT_EQ(report["outcomes"][4]["crawler_hits"], 4);
    EXPECT_EQ(report["crawlers"][0],
              (json{{"crawler", "Googlebot"}, {"urls", 2}, {"hits", 24}, {"covered_urls", 1}, {"covered_hits", 20}}));
    EXPECT_EQ(report["top_missed"][0]["crawler_hits"], 4);
    EXPECT_EQ(report["inputs"]["probes"],
              (json{{"requests", 56},
                    {"counted_in", false},
                    {"by_kind", {{"exploit", 2}, {"proxy", 5}, {"scanner_path", 40}, {"scanner_agent", 9}}}}));
    EXPECT_EQ(report["members_only_targets"], 1);
    EXPECT_EQ(report["members_checked_as"], "system");
    // Why URLs miss: every miss, a broken target too.
    ASSERT_EQ(report["why_missed"].size(), 5U);
    EXPECT_EQ(
        report["why_missed"][3],
        (json{
            {"outcome", "target_broken"}, {"reason", nullptr}, {"label", "target broken"}, {"urls", 1}, {"hits", 2}}));
    EXPECT_EQ(report["days"][2]["date"], "2024-05-03");
    EXPECT_EQ(report["top_missed"][0]["url"], "/t/some-topic/999");
    EXPECT_EQ(report["top_missed"][0]["reason"], "never_imported");
    EXPECT_EQ(report["top_missed"][0]["location"], nullptr);
    EXPECT_EQ(report["top_missed"][3]["target_status"], 404);
    EXPECT_EQ(report["chains"][0]["hops"], 1);
    EXPECT_EQ(report["rule_proposals"][0]["replacement"], "/t/\\1");
    EXPECT_EQ(report["rule_proposals"][0]["assumes"], "old_ids");
    EXPECT_EQ(report["rule_proposals"][0]["known_urls"], 1);
    EXPECT_NE(report["rule_proposals"][0]["assumption"].get<std::string>().find("old forum's topic id"),
              std::string::npos);
    EXPECT_EQ(report["inputs"]["malformed_examples"][0]["line"], 7);
    EXPECT_EQ(report["inputs"]["skipped"]["internal"], 24);
    // A report with no hits has no share by hits.
    coverage_report empty;
    EXPECT_EQ(json_format::to_json(empty)["coverage"]["by_hits"], nullptr);
}

TEST(json_format, bytes_that_are_not_utf8_do_not_fail_the_report)
{
    auto r = forumgate::testing::sample_report();
    r.top_missed[0].detail = "a detail with \xFF\xFE in it";
    std::ostringstream text;
    EXPECT_NO_THROW(create_format("json")->write(r, text));
    json parsed;
    EXPECT_NO_THROW(parsed = json::parse(text.str()));
    EXPECT_NE(parsed["top_missed"][0]["detail"].get<std::string>().find("a detail with "), std::string::npos);
}
