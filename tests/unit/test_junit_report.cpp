#include <doctest/doctest.h>

#include "canary.hpp"
#include "junit_xml.hpp"
#include "report/junit.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include <csignal>
#include <cstdlib>
#include <locale>
#include <memory>
#include <regex>
#include <string>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

CheckOutcome check(std::string label, CheckOutcome::Status status, std::optional<Category> category = std::nullopt,
                   long ms = 0, std::string message = {}) {
    return CheckOutcome{std::move(label), "data", status, category, Millis(ms), std::move(message)};
}

CandidateOutcome candidate(std::string name, int line) {
    CandidateOutcome c;
    c.name = std::move(name);
    c.driver = "libpq";
    c.mark = {"scenarios/users.yaml", line, 5};
    return c;
}

// Connected and ran its query, as expected.
CandidateOutcome corrected(int line = 8) {
    CandidateOutcome c = candidate("DATABASE_URL corrected", line);
    c.passed = true;
    c.verdict = true;
    c.message = "every check passed";
    c.elapsed = Millis(41);
    c.checks = {check("connect", CheckOutcome::Status::pass, std::nullopt, 12),
                check("query: SELECT 1", CheckOutcome::Status::pass, std::nullopt, 3)};
    return c;
}

// Refused at login, as the scenario expected.
CandidateOutcome old_password() {
    CandidateOutcome c = candidate("password from before the rotation", 15);
    c.expected = Expectation{false, Category::auth};
    c.category = Category::auth;
    c.verdict = true;
    c.message = "password authentication failed for user \"app\"";
    c.hint = "check the user name and password (was it rotated?)";
    c.elapsed = Millis(7);
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::auth, 7, c.message),
                check("query: SELECT 1", CheckOutcome::Status::skipped)};
    return c;
}

// Expected to pass, failed on an unknown host; its string came from the application's config file.
CandidateOutcome typo() {
    CandidateOutcome c = candidate("DATABASE_URL as edited", 22);
    c.category = Category::dns;
    c.message = "host db-prmary is unknown; did you mean db-primary?";
    c.hint = "fix the host name in the connection string";
    c.origin = {"config/app.env", 3, 14};
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::dns, 1, c.message),
                check("query: SELECT 1", CheckOutcome::Status::skipped)};
    return c;
}

// Expected to be refused, but every check passed.
CandidateOutcome writable_replica() {
    CandidateOutcome c = candidate("reporting user on the replica", 29);
    c.expected = Expectation{false, Category::permission};
    c.passed = true;
    c.message = "expected to fail with permission, but every check passed";
    c.hint = "the gate would let this config through: check the scenario";
    c.checks = {check("connect", CheckOutcome::Status::pass, std::nullopt, 9),
                check("read-write: read-only", CheckOutcome::Status::pass, std::nullopt, 2)};
    return c;
}

CandidateOutcome untried(std::string name, int line, NotRun why) {
    CandidateOutcome c = candidate(std::move(name), line);
    c.not_run = why;
    c.checks = {check("connect", CheckOutcome::Status::skipped),
                check("query: SELECT 1", CheckOutcome::Status::skipped)};
    return c;
}

CandidateOutcome in_phase(CandidateOutcome c, std::string phase) {
    c.phase = std::move(phase);
    return c;
}

ScenarioOutcome scenario(std::string name, std::string file, std::vector<CandidateOutcome> candidates) {
    ScenarioOutcome s;
    s.name = std::move(name);
    s.file = std::move(file);
    s.server = "PostgreSQL 15";
    s.ready_after = Millis(812);
    s.candidates = std::move(candidates);
    return s;
}

StepOutcome step(std::string label, bool ok, std::string result, int line) {
    return StepOutcome{std::move(label), std::move(result), ok, Millis(150), {"scenarios/rotation.yaml", line, 7}};
}

// Every mapping the report makes: pass, expected failure, unexpected failure, unexpected pass,
// repeated names, phases around maintenance, scenario errors, interrupted, timeout, fail-fast.
RunOutcome basic_outcome() {
    RunOutcome run;
    CandidateOutcome repeated = corrected(36);
    repeated.checks.push_back(check("query: SELECT 1", CheckOutcome::Status::pass, std::nullopt, 2));
    run.scenarios.push_back(scenario("user service", "scenarios/users.yaml",
                                     {corrected(), old_password(), typo(), writable_replica(), repeated,
                                      untried("fallback url", 43, NotRun::fail_fast)}));

    ScenarioOutcome rotation =
        scenario("password rotation", "scenarios/rotation.yaml",
                 {in_phase(corrected(), "before"), in_phase(corrected(), "after"), in_phase(old_password(), "after")});
    rotation.maintenance = {step("sql: ALTER ROLE app PASSWORD ...", true, "done", 18),
                            step("settings: ssl", true, "reload", 21)};
    run.scenarios.push_back(rotation);

    ScenarioOutcome replica = scenario("replica", "scenarios/replica.yaml", {});
    replica.error = ScenarioFailure{{"scenarios/replica.yaml", 4, 3},
                                    "setup step 1 (sql) failed: relation \"accounts\" does not exist"};
    run.scenarios.push_back(replica);

    ScenarioOutcome move = scenario("network move", "scenarios/move.yaml",
                                    {in_phase(corrected(), "before"),
                                     in_phase(untried("DATABASE_URL corrected", 8, NotRun::scenario_error), "after")});
    move.maintenance = {step("answers_as: db-new.internal:5432", false, "restart failed: port 5432 is in use", 10)};
    move.error = ScenarioFailure{{"scenarios/move.yaml", 10, 7},
                                 "maintenance step 1 failed: restart failed: port 5432 is in use"};
    run.scenarios.push_back(move);

    run.scenarios.push_back(
        scenario("billing", "scenarios/billing.yaml",
                 {untried("billing url", 6, NotRun::interrupted), untried("billing pool", 12, NotRun::timeout)}));
    run.signal = SIGINT;
    run.timed_out = true;
    run.stopped_early = true;
    return run;
}

// Returns `xml` with every time attribute set to 0.000, so goldens do not depend on timing.
std::string normalised_times(const std::string& xml) {
    static const std::regex k_time(R"( time="[0-9]+\.[0-9]{3}")");
    return std::regex_replace(xml, k_time, R"( time="0.000")");
}

// Compares `text` with tests/unit/golden/<name> (support: golden_text).
void check_golden(const std::string& name, const std::string& text) {
    CHECK(golden_text(source_dir() / "tests" / "unit" / "golden" / name, text) == text);
}

using Document = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

// Parses `text` strictly: no network, no recovery; every message goes to `messages`.
Document parsed(const std::string& text, XmlMessages& messages) {
    Document doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "report.xml", nullptr, XML_PARSE_NONET),
                 xmlFreeDoc);
    if (!doc && messages.messages().empty())
        FAIL("libxml2 returned no document and no message");
    return doc;
}

// Parses and validates a report, failing the test on any message; returns the document.
Document valid_document(const std::string& text) {
    Document doc(nullptr, xmlFreeDoc);
    {
        XmlMessages messages;
        doc = parsed(text, messages);
        for (const auto& message : messages.messages())
            FAIL_CHECK("parser: " << message);
    }
    REQUIRE(doc);
    for (const auto& message : schema_messages(doc.get()))
        FAIL_CHECK("schema: " << message);
    return doc;
}

using XPathResult = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;

XPathResult evaluated(xmlDoc* doc, const std::string& expression) {
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> context(xmlXPathNewContext(doc),
                                                                             xmlXPathFreeContext);
    XPathResult result(xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), context.get()),
                       xmlXPathFreeObject);
    REQUIRE_MESSAGE(result, expression);
    return result;
}

// Returns the XPath string() of `expression`.
std::string xpath_string(xmlDoc* doc, const std::string& expression) {
    XPathResult result = evaluated(doc, fmt::format("string({})", expression));
    return result->stringval ? reinterpret_cast<const char*>(result->stringval) : "";
}

long xpath_count(xmlDoc* doc, const std::string& expression) {
    return static_cast<long>(evaluated(doc, fmt::format("count({})", expression))->floatval);
}

// Returns every attribute value and text node of `doc`, decoded, as a reader sees them.
std::vector<std::string> decoded_strings(xmlDoc* doc) {
    XPathResult nodes = evaluated(doc, "//@* | //text()");
    std::vector<std::string> out;
    for (int i = 0; nodes->nodesetval && i < nodes->nodesetval->nodeNr; ++i) {
        xmlChar* content = xmlNodeGetContent(nodes->nodesetval->nodeTab[i]);
        out.emplace_back(content ? reinterpret_cast<const char*>(content) : "");
        xmlFree(content);
    }
    return out;
}

// The XPath of the testcase named `name`.
std::string testcase(const std::string& name) {
    return fmt::format("//testcase[@name='{}']", name);
}

// Returns every byte XML 1.0 forbids or that is not UTF-8, with markup, quotes, emoji and
// bidirectional marks between them.
std::string hostile_text() {
    std::string text = "start";
    for (int c = 0; c < 0x20; ++c)
        text += static_cast<char>(c);
    text += "\x7f | \xC3\x28 | \xFF | \xC0\xAF | \xED\xA0\x80 | \xEF\xBF\xBE | \xEF\xBF\xBF | \xE2\x82 |";
    text += " ]]> \"double\" 'single' & &amp; < > &#0; \xF0\x9F\x9A\x80 \xE2\x80\x8F\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D "
            "\xE2\x80\xAE end \xF0\x9F\x98";
    return text;
}

// A run whose every string holds hostile bytes and the canary in each of its forms.
RunOutcome hostile_outcome() {
    std::vector<CandidateOutcome> candidates;
    for (const auto& form : k_canary_forms) {
        CandidateOutcome c = typo();
        c.name = fmt::format("{} {} {}", hostile_text(), form.name, form.text);
        c.message = fmt::format("password={} failed {}", form.text, hostile_text());
        c.hint = fmt::format("the URI was postgresql://app:{}@db/users {}", form.text, hostile_text());
        c.checks = {check(fmt::format("query: SELECT '{}' {}", form.text, hostile_text()), CheckOutcome::Status::fail,
                          Category::query, 1, c.message)};
        candidates.push_back(c);
        candidates.push_back(in_phase(untried(c.name, 50, NotRun::scenario_error), hostile_text()));
    }
    CandidateOutcome expected = old_password();
    expected.checks[0].message = fmt::format("{} {}", k_canary, hostile_text());
    candidates.push_back(expected);
    // A control character inside the secret: dropped for XML, the secret must still go.
    CandidateOutcome split = typo();
    split.message = fmt::format("password=Can@ry:p/ss\x01 w%rd'\"\\<&> {}", hostile_text());
    candidates.push_back(split);

    ScenarioOutcome s = scenario(hostile_text() + std::string(k_canary), hostile_text(), candidates);
    s.error = ScenarioFailure{{}, fmt::format("setup failed: {} {}", k_canary_forms[5].text, hostile_text())};
    s.maintenance = {step(hostile_text() + std::string(k_canary), false, hostile_text() + std::string(k_canary), 3)};
    RunOutcome run;
    run.scenarios.push_back(s);
    run.scenarios.push_back(scenario(std::string(k_canary), hostile_text(), {}));
    run.scenarios.back().error = ScenarioFailure{{}, std::string(k_canary) + hostile_text()};
    return run;
}

// A numpunct that writes 1.234,5: decimal comma, dot grouping every digit.
struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\1"; }
};

// Installs a global locale for its lifetime.
class GlobalLocale {
  public:
    explicit GlobalLocale(const std::locale& locale) : m_previous(std::locale::global(locale)) {}
    ~GlobalLocale() { std::locale::global(m_previous); }
    GlobalLocale(const GlobalLocale&) = delete;
    GlobalLocale& operator=(const GlobalLocale&) = delete;

  private:
    std::locale m_previous;
};

} // namespace

TEST_SUITE("junit_report") {
    TEST_CASE("a run is written as the golden report") {
        check_golden("junit-basic.xml", normalised_times(junit_report(basic_outcome())));
    }

    TEST_CASE("the report parses strictly and validates against the schema") {
        valid_document(junit_report(basic_outcome()));
        valid_document(junit_report(RunOutcome{}));
    }

    TEST_CASE("the checker itself rejects malformed XML and schema violations") {
        {
            XmlMessages messages;
            Document doc = parsed("<testsuites>\x01</testsuites>", messages);
            CHECK_FALSE(messages.messages().empty());
        }
        XmlMessages messages;
        Document doc = parsed(R"(<testsuites name="stagegate" tests="1" failures="0" errors="0" skipped="0" time="1,5">
            <testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0.000">
              <testcase classname="s" name="a" time="0.000"/><testcase classname="s" name="a" time="0.000"/>
            </testsuite></testsuites>)",
                              messages);
        REQUIRE(doc);
        CHECK(schema_messages(doc.get()).size() == 2); // the comma time, the repeated name
    }

    TEST_CASE("totals equal the counts of the elements") {
        const std::pair<std::string, std::string> k_totals[] = {
            {"failures", "failure"}, {"errors", "error"}, {"skipped", "skipped"}};
        Document doc = valid_document(junit_report(basic_outcome()));
        for (const std::string suite : {"/testsuites", "//testsuite[1]", "//testsuite[2]", "//testsuite[3]",
                                        "//testsuite[4]", "//testsuite[5]"}) {
            CAPTURE(suite);
            CHECK(std::stol(xpath_string(doc.get(), suite + "/@tests")) ==
                  xpath_count(doc.get(), suite + "//testcase"));
            for (const auto& [total, element] : k_totals) {
                CAPTURE(element);
                CHECK(std::stol(xpath_string(doc.get(), fmt::format("{}/@{}", suite, total))) ==
                      xpath_count(doc.get(), fmt::format("{}//testcase/{}", suite, element)));
            }
        }
        CHECK(xpath_count(doc.get(), "//testsuite") == 5);
        CHECK(xpath_string(doc.get(), "/testsuites/@name") == "stagegate");
    }

    TEST_CASE("a candidate that met its expectation passes, a check that failed as expected included") {
        Document doc = valid_document(junit_report(basic_outcome()));
        std::string connect = testcase("password from before the rotation › connect");
        CHECK(xpath_count(doc.get(), connect + "/*[self::failure or self::error or self::skipped]") == 0);
        CHECK(xpath_string(doc.get(), connect + "/system-out") ==
              "failed as expected: auth: password authentication failed for user \"app\"");
        std::string query = testcase("password from before the rotation › query: SELECT 1");
        CHECK(xpath_count(doc.get(), query + "/*[self::failure or self::error or self::skipped]") == 0);
        CHECK(xpath_string(doc.get(), connect + "/@classname") == "user service");
        CHECK(xpath_string(doc.get(), connect + "/@file") == "scenarios/users.yaml");
        CHECK(xpath_string(doc.get(), connect + "/@line") == "15");
    }

    TEST_CASE("an unexpected failure goes on the first failing check and skips the later ones") {
        Document doc = valid_document(junit_report(basic_outcome()));
        std::string connect = testcase("DATABASE_URL as edited › connect");
        CHECK(xpath_string(doc.get(), connect + "/failure/@type") == "dns");
        CHECK(xpath_string(doc.get(), connect + "/failure/@message") ==
              "host db-prmary is unknown; did you mean db-primary?");
        CHECK(xpath_string(doc.get(), connect + "/failure") == "host db-prmary is unknown; did you mean db-primary?\n"
                                                               "hint: fix the host name in the connection string\n"
                                                               "expected: pass\n"
                                                               "outcome: fail:dns\n"
                                                               "string from: config/app.env:3:14");
        CHECK(xpath_count(doc.get(), testcase("DATABASE_URL as edited › query: SELECT 1") + "/skipped") == 1);
    }

    TEST_CASE("an unexpected pass fails on the last check") {
        Document doc = valid_document(junit_report(basic_outcome()));
        CHECK(xpath_count(doc.get(), testcase("reporting user on the replica › connect") + "/*") == 0);
        std::string last = testcase("reporting user on the replica › read-write: read-only");
        CHECK(xpath_string(doc.get(), last + "/failure/@type") == "expectation");
        CHECK(xpath_string(doc.get(), last + "/failure/@message") ==
              "expected to fail with permission, but every check passed");
    }

    TEST_CASE("repeated names get a number") {
        Document doc = valid_document(junit_report(basic_outcome()));
        CHECK(xpath_count(doc.get(), testcase("DATABASE_URL corrected › query: SELECT 1")) == 1);
        CHECK(xpath_count(doc.get(), testcase("DATABASE_URL corrected › query: SELECT 1 (2)")) == 1);
        CHECK(xpath_count(doc.get(), testcase("DATABASE_URL corrected › query: SELECT 1 (3)")) == 1);
        CHECK(xpath_string(doc.get(), testcase("DATABASE_URL corrected › query: SELECT 1 (3)") + "/@line") == "36");
    }

    TEST_CASE("phases name the candidates and maintenance steps sit between them") {
        Document doc = valid_document(junit_report(basic_outcome()));
        std::string suite = "//testsuite[@name='password rotation']";
        CHECK(xpath_string(doc.get(), suite + "/testcase[1]/@name") == "DATABASE_URL corrected [before] › connect");
        CHECK(xpath_string(doc.get(), suite + "/testcase[3]/@name") ==
              "maintenance › sql: ALTER ROLE app PASSWORD ...");
        CHECK(xpath_string(doc.get(), suite + "/testcase[3]/@line") == "18");
        CHECK(xpath_string(doc.get(), suite + "/testcase[4]/system-out") == "reload");
        CHECK(xpath_string(doc.get(), suite + "/testcase[5]/@name") == "DATABASE_URL corrected [after] › connect");
    }

    TEST_CASE("a failed maintenance step is a failure and the candidates it kept from running are errors") {
        Document doc = valid_document(junit_report(basic_outcome()));
        std::string suite = "//testsuite[@name='network move']";
        std::string maintenance = suite + testcase("maintenance › answers_as: db-new.internal:5432").substr(1);
        CHECK(xpath_string(doc.get(), maintenance + "/failure/@message") == "restart failed: port 5432 is in use");
        CHECK(xpath_count(doc.get(), suite + "/testcase/error") == 2);
        CHECK(xpath_string(doc.get(), suite + "/testcase[4]/error/@message") ==
              "scenarios/move.yaml:10:7: maintenance step 1 failed: restart failed: port 5432 is in use");
        CHECK(xpath_string(doc.get(), suite + "/testcase[4]/error/@type") == "scenario-error");
        CHECK(xpath_count(doc.get(), testcase("network move › server and setup")) == 0);
    }

    TEST_CASE("a scenario error without candidates gets a server and setup testcase") {
        Document doc = valid_document(junit_report(basic_outcome()));
        std::string setup = testcase("replica › server and setup");
        CHECK(xpath_string(doc.get(), setup + "/error/@type") == "scenario-error");
        CHECK(xpath_string(doc.get(), setup + "/error/@message") ==
              "scenarios/replica.yaml:4:3: setup step 1 (sql) failed: relation \"accounts\" does not exist");
        CHECK(xpath_string(doc.get(), "//testsuite[@name='replica']/@errors") == "1");
    }

    TEST_CASE("untried candidates are errors when stopped, skipped under fail-fast") {
        Document doc = valid_document(junit_report(basic_outcome()));
        CHECK(xpath_string(doc.get(), testcase("billing url › query: SELECT 1") + "/error/@message") ==
              "interrupted by SIGINT before this check ran");
        CHECK(xpath_string(doc.get(), testcase("billing url › connect") + "/error/@type") == "interrupted");
        CHECK(xpath_string(doc.get(), testcase("billing pool › connect") + "/error/@message") ==
              "not run: the run's --timeout passed");
        CHECK(xpath_string(doc.get(), testcase("billing pool › connect") + "/error/@type") == "timeout");
        CHECK(xpath_string(doc.get(), testcase("fallback url › connect") + "/skipped/@message") ==
              "not run: --fail-fast stopped the run after an earlier failure");
        CHECK(xpath_count(doc.get(), testcase("fallback url › query: SELECT 1") + "/skipped") == 1);
    }

    TEST_CASE("a candidate without checks is one testcase") {
        CandidateOutcome c = typo();
        c.checks.clear();
        RunOutcome run;
        run.scenarios.push_back(scenario("user service", "scenarios/users.yaml", {c}));
        Document doc = valid_document(junit_report(run));
        CHECK(xpath_string(doc.get(), testcase("DATABASE_URL as edited") + "/failure/@type") == "dns");
    }

    TEST_CASE("times are seconds with three decimals, summed into the totals") {
        CandidateOutcome c = corrected();
        c.checks[0].elapsed = Millis(1234567);
        c.checks[1].elapsed = Millis(5);
        RunOutcome run;
        run.scenarios.push_back(scenario("user service", "scenarios/users.yaml", {c}));
        Document doc = valid_document(junit_report(run));
        CHECK(xpath_string(doc.get(), "//testcase[1]/@time") == "1234.567");
        CHECK(xpath_string(doc.get(), "//testcase[2]/@time") == "0.005");
        CHECK(xpath_string(doc.get(), "//testsuite/@time") == "1234.572");
        CHECK(xpath_string(doc.get(), "/testsuites/@time") == "1234.572");
    }

    TEST_CASE("times use a dot whatever the global locale") {
        RunOutcome run = basic_outcome();
        run.scenarios[0].candidates[0].checks[0].elapsed = Millis(1234567);
        std::string text;
        {
            GlobalLocale comma(std::locale(std::locale::classic(), new CommaDecimal));
            REQUIRE(std::use_facet<std::numpunct<char>>(std::locale()).decimal_point() == ',');
            text = junit_report(run);
        }
        CHECK(std::use_facet<std::numpunct<char>>(std::locale()).decimal_point() == '.');
        Document doc = valid_document(text);
        std::vector<std::string> times;
        XPathResult nodes = evaluated(doc.get(), "//@time");
        REQUIRE(nodes->nodesetval);
        const std::regex k_seconds(R"(^[0-9]+\.[0-9]{3}$)");
        for (int i = 0; i < nodes->nodesetval->nodeNr; ++i) {
            xmlChar* content = xmlNodeGetContent(nodes->nodesetval->nodeTab[i]);
            std::string time = reinterpret_cast<const char*>(content);
            xmlFree(content);
            CAPTURE(time);
            CHECK(std::regex_match(time, k_seconds));
        }
        CHECK(nodes->nodesetval->nodeNr > 20);
        CHECK(text.find(R"(time="1234.567")") != std::string::npos);
    }

    TEST_CASE("hostile text still parses and validates, and shows no secret in any form") {
        Redactor redactor;
        redactor.add(k_canary);
        std::string text = junit_report(redacted(hostile_outcome(), redactor));
        CHECK(canary_form_in(text) == "");
        Document doc = valid_document(text);
        std::vector<std::string> strings = decoded_strings(doc.get());
        REQUIRE(strings.size() > 100);
        bool emoji = false;
        bool rtl_mark = false;
        bool replaced = false;
        for (const auto& value : strings) {
            CAPTURE(value);
            CHECK(canary_form_in(value) == "");
            emoji = emoji || value.find("\xF0\x9F\x9A\x80") != std::string::npos;
            rtl_mark = rtl_mark || value.find("\xE2\x80\x8F") != std::string::npos;
            replaced = replaced || value.find("\xEF\xBF\xBD") != std::string::npos;
        }
        CHECK(emoji);
        CHECK(rtl_mark);
        CHECK(replaced);
        CHECK(text.find("]]>") == std::string::npos);
        CHECK(text.find("\x7f | ") != std::string::npos); // XML 1.0 allows DEL
    }

    TEST_CASE("a secret split by a character XML cannot carry is still cut") {
        Redactor redactor;
        redactor.add(k_canary);
        CandidateOutcome c = typo();
        c.message = "password=Can@ry:p/ss\x01 w%rd'\"\\<&> failed";
        RunOutcome run;
        run.scenarios.push_back(scenario("user service", "scenarios/users.yaml", {c}));
        Document doc = valid_document(junit_report(redacted(run, redactor)));
        CHECK(xpath_string(doc.get(), "//failure/@message") == "password=******** failed");
    }

    TEST_CASE("line breaks and tabs survive in attributes and text") {
        CandidateOutcome c = typo();
        c.message = "first line\nsecond\tline\r\nthird";
        RunOutcome run;
        run.scenarios.push_back(scenario("user service", "scenarios/users.yaml", {c}));
        Document doc = valid_document(junit_report(run));
        std::string connect = testcase("DATABASE_URL as edited › connect");
        CHECK(xpath_string(doc.get(), connect + "/failure/@message") == "first line\nsecond\tline\r\nthird");
        CHECK(xpath_string(doc.get(), connect + "/failure").starts_with("first line\nsecond\tline\r\nthird\nhint: "));
    }

    TEST_CASE("a secret that spells markup does not break the XML") {
        Redactor redactor;
        for (const char* secret : {"amp", "quot", "name", "testcase", "failure", "UTF-8", "time", "#10"})
            redactor.add(secret);
        CandidateOutcome c = typo();
        c.message = "name & \"quot\"\nfailure";
        RunOutcome run;
        run.scenarios.push_back(scenario("testcase", "scenarios/users.yaml", {c}));
        std::string text = junit_report(redacted(run, redactor));
        Document doc = valid_document(text);
        // The values are cut before they are escaped: the entities stay, so the markup is whole.
        CHECK(xpath_string(doc.get(), "//testsuite/@name") == "********");
        CHECK(xpath_string(doc.get(), "//failure/@message") == "******** & \"********\"\n********");
    }
}
