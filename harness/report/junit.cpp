#include "report/junit.hpp"

#include "run/signals.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <iterator>
#include <set>

namespace stagegate {

namespace {

// One <testcase>. Strings are raw until cleaned(); escaping happens when written.
struct TestCase {
    enum class Kind { pass, failure, error, skipped };
    std::string name;
    int line = 0;
    Millis elapsed{0};
    Kind kind = Kind::pass;
    std::string message; // failure, error, skipped
    std::string type;    // failure, error
    std::string body;    // failure, error: the details
    std::string output;  // <system-out>
};

// One <testsuite>: a scenario.
struct Suite {
    std::string name;
    std::string file;
    std::vector<TestCase> cases;
};

struct Totals {
    long tests = 0;
    long failures = 0;
    long errors = 0;
    long skipped = 0;
    Millis elapsed{0};

    void add(const Totals& other) {
        tests += other.tests;
        failures += other.failures;
        errors += other.errors;
        skipped += other.skipped;
        elapsed += other.elapsed;
    }
};

void clean(std::string& text) {
    text = xml_sanitized(text);
}

std::string seconds(Millis elapsed) {
    long ms = std::max<long>(elapsed.count(), 0);
    return fmt::format("{}.{:03}", ms / 1000, ms % 1000);
}

TestCase passing_case(std::string name, int line, Millis elapsed) {
    TestCase testcase;
    testcase.name = std::move(name);
    testcase.line = line;
    testcase.elapsed = elapsed;
    return testcase;
}

std::string candidate_title(const CandidateOutcome& candidate) {
    return candidate.phase.empty() ? candidate.name : fmt::format("{} [{}]", candidate.name, candidate.phase);
}

// A candidate left untried: every testcase is skipped (fail-fast) or in error.
void judge_not_run(std::vector<TestCase>& cases, const CandidateOutcome& candidate, const ScenarioOutcome& scenario,
                   const RunOutcome& run) {
    TestCase::Kind kind = TestCase::Kind::error;
    std::string message;
    switch (candidate.not_run) {
    case NotRun::fail_fast:
        kind = TestCase::Kind::skipped;
        message = fmt::format("not run: {}", explain(candidate.not_run));
        break;
    case NotRun::interrupted:
        message = fmt::format("interrupted by {} before this check ran", signal_name(run.signal));
        break;
    case NotRun::timeout:
        message = fmt::format("not run: {}", explain(candidate.not_run));
        break;
    case NotRun::scenario_error:
    case NotRun::tried:
        message =
            scenario.error ? scenario.error->to_string() : fmt::format("not run: {}", to_string(candidate.not_run));
        break;
    }
    for (auto& testcase : cases) {
        testcase.kind = kind;
        testcase.message = message;
        testcase.type = kind == TestCase::Kind::error ? std::string(to_string(candidate.not_run)) : "";
        // A scenario error may span lines: the body shows it whole.
        testcase.body = candidate.not_run == NotRun::scenario_error ? message : "";
    }
}

// A candidate that met its expectation passes, checks that failed as expected included.
void judge_met(std::vector<TestCase>& cases, const CandidateOutcome& candidate) {
    for (std::size_t i = 0; i < candidate.checks.size(); ++i) {
        const CheckOutcome& check = candidate.checks[i];
        std::optional<Category> category = check.category ? check.category : candidate.category;
        if (check.status == CheckOutcome::Status::fail)
            cases[i].output = fmt::format("failed as expected: {}: {}", category ? to_string(*category) : "fail",
                                          check.message.empty() ? candidate.message : check.message);
        else if (check.status == CheckOutcome::Status::skipped)
            cases[i].output = "not run: an earlier check failed as expected";
    }
}

// A candidate that did not meet its expectation: the failure goes on its first failing check (or
// the last check when everything passed against a fail: expectation); later checks are skipped.
void judge_unmet(std::vector<TestCase>& cases, const CandidateOutcome& candidate) {
    const auto& checks = candidate.checks;
    auto status_at = [&](CheckOutcome::Status status) {
        return std::find_if(checks.begin(), checks.end(), [&](const auto& c) { return c.status == status; }) -
               checks.begin();
    };
    auto index = static_cast<std::size_t>(status_at(CheckOutcome::Status::fail));
    if (index >= checks.size())
        index = static_cast<std::size_t>(status_at(CheckOutcome::Status::skipped));
    index = std::min(index, cases.size() - 1);

    std::string outcome = candidate.passed     ? "pass"
                          : candidate.category ? fmt::format("fail:{}", to_string(*candidate.category))
                                               : "fail";
    TestCase& failed = cases[index];
    failed.kind = TestCase::Kind::failure;
    failed.message = candidate.message.empty()
                         ? fmt::format("expected {}, but the outcome was {}", candidate.expected.to_string(), outcome)
                         : candidate.message;
    failed.type = candidate.passed || !candidate.category ? "expectation" : std::string(to_string(*candidate.category));
    failed.body = failed.message;
    if (!candidate.hint.empty())
        failed.body += fmt::format("\nhint: {}", candidate.hint);
    failed.body += fmt::format("\nexpected: {}\noutcome: {}", candidate.expected.to_string(), outcome);
    if (!candidate.origin.file.empty())
        failed.body += fmt::format("\nstring from: {}", candidate.origin.to_string());
    for (std::size_t i = index + 1; i < cases.size(); ++i) {
        cases[i].kind = TestCase::Kind::skipped;
        cases[i].message = "not run: an earlier check failed";
    }
}

// Returns one testcase per check of the candidate (one for the candidate itself when it has none).
std::vector<TestCase> candidate_cases(const CandidateOutcome& candidate, const ScenarioOutcome& scenario,
                                      const RunOutcome& run) {
    std::vector<TestCase> cases;
    std::string title = candidate_title(candidate);
    for (const auto& check : candidate.checks)
        cases.push_back(passing_case(fmt::format("{} › {}", title, check.check), candidate.mark.line, check.elapsed));
    if (cases.empty())
        cases.push_back(passing_case(title, candidate.mark.line, candidate.elapsed));
    if (!candidate.tried())
        judge_not_run(cases, candidate, scenario, run);
    else if (candidate.verdict)
        judge_met(cases, candidate);
    else
        judge_unmet(cases, candidate);
    return cases;
}

TestCase maintenance_case(const StepOutcome& step) {
    TestCase testcase = passing_case(fmt::format("maintenance › {}", step.step), step.mark.line, step.elapsed);
    if (step.ok) {
        testcase.output = step.result;
    } else {
        testcase.kind = TestCase::Kind::failure;
        testcase.message = step.result;
        testcase.type = "maintenance";
        testcase.body = step.result;
    }
    return testcase;
}

// Appends " (2)", " (3)", ... to names already taken, so every testcase of a suite is distinct.
void make_names_unique(std::vector<TestCase>& cases) {
    std::set<std::string> taken;
    for (auto& testcase : cases) {
        std::string name = testcase.name;
        for (int n = 2; taken.contains(name); ++n)
            name = fmt::format("{} ({})", testcase.name, n);
        testcase.name = name;
        taken.insert(name);
    }
}

// Candidates in order, the maintenance steps between the before and the after phase. A scenario
// error no testcase carries (none reached a candidate) gets a testcase of its own, first.
Suite suite_of(const ScenarioOutcome& scenario, const RunOutcome& run) {
    Suite suite{scenario.name, scenario.file, {}};
    bool maintenance_written = scenario.maintenance.empty();
    for (const auto& candidate : scenario.candidates) {
        if (!maintenance_written && candidate.phase != "before") {
            std::ranges::transform(scenario.maintenance, std::back_inserter(suite.cases), maintenance_case);
            maintenance_written = true;
        }
        std::ranges::move(candidate_cases(candidate, scenario, run), std::back_inserter(suite.cases));
    }
    if (!maintenance_written)
        std::ranges::transform(scenario.maintenance, std::back_inserter(suite.cases), maintenance_case);
    bool error_shown = std::ranges::any_of(suite.cases, [](const auto& c) { return c.type == "scenario-error"; });
    if (scenario.error && !error_shown)
        suite.cases.insert(suite.cases.begin(),
                           TestCase{fmt::format("{} › server and setup", scenario.name), 0, scenario.ready_after,
                                    TestCase::Kind::error, scenario.error->to_string(), "scenario-error",
                                    scenario.error->to_string(), ""});
    clean(suite.name);
    clean(suite.file);
    for (auto& testcase : suite.cases) {
        for (auto* text : {&testcase.name, &testcase.message, &testcase.type, &testcase.body, &testcase.output})
            clean(*text);
    }
    make_names_unique(suite.cases);
    return suite;
}

Totals totals_of(const Suite& suite) {
    Totals totals;
    for (const auto& testcase : suite.cases) {
        ++totals.tests;
        totals.failures += testcase.kind == TestCase::Kind::failure;
        totals.errors += testcase.kind == TestCase::Kind::error;
        totals.skipped += testcase.kind == TestCase::Kind::skipped;
        totals.elapsed += testcase.elapsed;
    }
    return totals;
}

// Writes cleaned text escaped.
class XmlWriter {
  public:
    std::string attribute(std::string_view name, std::string_view text) const {
        return fmt::format(" {}=\"{}\"", name, xml_escaped(text, true));
    }
    std::string content(std::string_view text) const { return xml_escaped(text, false); }
    static std::string totals(const Totals& t) {
        return fmt::format(" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"", t.tests,
                           t.failures, t.errors, t.skipped, seconds(t.elapsed));
    }
};

std::string verdict_xml(const TestCase& testcase, const XmlWriter& xml) {
    switch (testcase.kind) {
    case TestCase::Kind::pass:
        return {};
    case TestCase::Kind::skipped:
        return testcase.message.empty()
                   ? "      <skipped/>\n"
                   : fmt::format("      <skipped{}/>\n", xml.attribute("message", testcase.message));
    case TestCase::Kind::failure:
    case TestCase::Kind::error:
        break;
    }
    std::string_view element = testcase.kind == TestCase::Kind::failure ? "failure" : "error";
    std::string head = fmt::format("      <{}{}{}", element, xml.attribute("message", testcase.message),
                                   xml.attribute("type", testcase.type));
    if (testcase.body.empty())
        return head + "/>\n";
    return fmt::format("{}>{}</{}>\n", head, xml.content(testcase.body), element);
}

std::string testcase_xml(const TestCase& testcase, const Suite& suite, const XmlWriter& xml) {
    // classname is the scenario's name, as the suite's: tools that group by class show the scenario.
    std::string out = fmt::format("    <testcase{}{}{}", xml.attribute("classname", suite.name),
                                  xml.attribute("name", testcase.name), xml.attribute("file", suite.file));
    if (testcase.line > 0)
        out += fmt::format(" line=\"{}\"", testcase.line);
    out += fmt::format(" time=\"{}\"", seconds(testcase.elapsed));
    std::string inside = verdict_xml(testcase, xml);
    if (!testcase.output.empty())
        inside += fmt::format("      <system-out>{}</system-out>\n", xml.content(testcase.output));
    if (inside.empty())
        return out + "/>\n";
    return fmt::format("{}>\n{}    </testcase>\n", out, inside);
}

} // namespace

std::string junit_report(const RunOutcome& outcome) {
    XmlWriter xml;
    Totals run_totals;
    std::string suites;
    for (const auto& scenario : outcome.scenarios) {
        Suite suite = suite_of(scenario, outcome);
        Totals totals = totals_of(suite);
        run_totals.add(totals);
        suites += fmt::format("  <testsuite{}{}{}>\n", xml.attribute("name", suite.name), XmlWriter::totals(totals),
                              xml.attribute("file", suite.file));
        for (const auto& testcase : suite.cases)
            suites += testcase_xml(testcase, suite, xml);
        suites += "  </testsuite>\n";
    }
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"stagegate\"{}>\n{}</testsuites>\n",
        XmlWriter::totals(run_totals), suites);
}

} // namespace stagegate
