// `stagegate drill` through the built binary: the demo's exact kill table (golden), the
// postmortem's typo found again, --min-score, a scenario that fails its own expectations,
// advice for survivors, no secret (nor its mutated form) in any output, invalid input, and the
// same table whatever --jobs.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* k_postmortem_name = "user-service after the June maintenance";
constexpr const char* k_corrected = "DATABASE_URL corrected";
constexpr const char* k_as_edited = "DATABASE_URL as edited during maintenance";
constexpr const char* k_baseline_heading =
    "the drill needs the scenarios to meet their own expectations first; these did not:";

// The demo's passwords and their password-wrong mutants (last letter or digit moved on by one).
const std::vector<std::string> k_demo_secrets = {
    "rotated-in-june",    "rotated-in-junf", "spring-2026",        "spring-2027",    "catalog-staging-pw",
    "catalog-staging-px", "0rders:st@ging",  "0rders%3Ast%40ging", "0rders:st@ginh", "0rders%3Ast%40ginh",
    "pr1cing pw",         "pr1cing px",      "reporting-pw",       "report-pw"};

struct DrillRun {
    CliResult result;
    std::string report_text; // the JSON file as written, "" when there is none
    json report;             // null when there is none
    fs::path root;           // STAGEGATE_RUNTIME_DIR of the run
};

// Runs `stagegate drill --json FILE <args...>` (cwd: the repository) with its own runtime root.
DrillRun run_drill(const std::string& name, const std::vector<std::string>& args) {
    DrillRun run;
    run.root = fresh_runtime_root("rt-drill-" + name);
    fs::path report = fresh_dir("drill-" + name) / "drill.json";
    std::vector<std::string> argv = {"drill", "--json", report.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    run.result = run_stagegate(argv, {{"STAGEGATE_RUNTIME_DIR", run.root.string()}});
    if (fs::exists(report)) {
        run.report_text = read_file(report);
        run.report = parse_report(report);
    }
    return run;
}

// The demo drilled once with --jobs 4, shared by the cases that read it.
const DrillRun& demo_drill() {
    static const DrillRun run = run_drill("demo", {"--jobs", "4", "scenarios/"});
    return run;
}

std::string or_dash(const json& value) {
    return value.is_null() ? "-" : value.get<std::string>();
}

// One line per mutant: file|candidate|kind|outcome|category|phase ("-" for none).
std::vector<std::string> kill_table(const json& report) {
    std::vector<std::string> lines;
    for (const auto& m : report.at("mutants"))
        lines.push_back(fmt::format("{}|{}|{}|{}|{}|{}", m.at("file").get<std::string>(),
                                    m.at("candidate").get<std::string>(), m.at("kind").get<std::string>(),
                                    m.at("outcome").get<std::string>(), or_dash(m.at("category")),
                                    or_dash(m.at("phase"))));
    return lines;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    return text;
}

// Returns the lines of `a` that `b` lacks, each prefixed with `mark`.
std::string missing_from(const std::vector<std::string>& a, const std::vector<std::string>& b, const char* mark) {
    std::multiset<std::string> in_b(b.begin(), b.end());
    std::string out;
    for (const auto& line : a) {
        if (auto found = in_b.find(line); found != in_b.end())
            in_b.erase(found);
        else
            out += fmt::format("{} {}\n", mark, line);
    }
    return out;
}

// Checks that two kill tables are equal; otherwise shows what differs (- `expected`, + `actual`).
void check_same_table(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                      const std::string& legend) {
    std::string diff = missing_from(expected, actual, "-") + missing_from(actual, expected, "+");
    bool same = expected == actual;
    CHECK_MESSAGE(same, legend << ":\n" << (diff.empty() ? "the same lines in another order\n" : diff));
}

// Compares `lines` with tests/cli/golden/<name>. A missing golden, or STAGEGATE_UPDATE_GOLDEN=1,
// writes it and fails, so a new golden is reviewed before any run passes with it.
void check_golden(const std::string& name, const std::vector<std::string>& lines) {
    fs::path path = source_dir() / "tests" / "cli" / "golden" / name;
    check_same_table(lines_of(golden_text(path, joined(lines))), lines,
                     "the kill table differs from " + path.string() + " (- golden, + this run)");
}

// The text report's last line for these totals.
std::string score_line(const json& report) {
    std::size_t killed = report.at("killed");
    std::size_t survived = report.at("survived");
    std::size_t total = report.at("mutants").size();
    std::size_t untried = total - killed - survived;
    double score = killed + survived == 0 ? 100.0 : 100.0 * double(killed) / double(killed + survived);
    return fmt::format("drill: {} mutant{}, {} killed, {} survived{}: score {:.1f}%", total, total == 1 ? "" : "s",
                       killed, survived, untried ? fmt::format(", {} not run", untried) : "", score);
}

const json* find_mutant(const json& report, const std::string& candidate, const std::string& kind) {
    for (const auto& m : report.at("mutants")) {
        if (m.at("candidate") == candidate && m.at("kind") == kind)
            return &m;
    }
    return nullptr;
}

// Returns the index of the first line of `lines` that contains `part`, or nothing.
std::optional<std::size_t> line_with(const std::vector<std::string>& lines, const std::string& part) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (contains(lines[i], part))
            return i;
    }
    return std::nullopt;
}

// Says whether `line` reads "<file>:L:C: error: ...".
bool has_mark(const std::string& line, const std::string& file) {
    if (!line.starts_with(file + ":"))
        return false;
    std::string_view rest = std::string_view(line).substr(file.size() + 1);
    auto digits = [&rest] {
        std::size_t n = rest.find_first_not_of("0123456789");
        if (n == 0 || n == std::string_view::npos || rest[n] != ':')
            return false;
        rest.remove_prefix(n + 1);
        return true;
    };
    return digits() && digits() && rest.starts_with(" error: ");
}

// A scenario whose candidate expected to pass counts one row too many: the baseline fails.
constexpr const char* k_baseline_scenario = R"(scenario: drill baseline
database:
  engine: sqlite
  answers_as: [/srv/drill-baseline/items.db]
  setup:
    - sql: |
        CREATE TABLE items (id INTEGER PRIMARY KEY);
        INSERT INTO items VALUES (1), (2), (3);
candidates:
  - name: counts four items
    driver: soci
    url: sqlite3://db=/srv/drill-baseline/items.db timeout=2
    checks:
      - query: SELECT count(*) FROM items
        expect_value: "4"
  - name: counts three items
    driver: soci
    url: sqlite3://db=/srv/drill-baseline/items.db timeout=2
    checks:
      - query: SELECT count(*) FROM items
        expect_value: "3"
)";

// The password is written percent-encoded in the URI and plain in the keyword/value string.
constexpr const char* k_secret_scenario = R"(scenario: drill secrets
database:
  engine: postgres
  answers_as: [db.drill-secret.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'Drill@Secret-93x'
    - sql: CREATE DATABASE shop OWNER app
candidates:
  - name: URI
    driver: libpq
    url: postgresql://app:Drill%40Secret-93x@db.drill-secret.test:5432/shop?connect_timeout=5
  - name: keyword/value
    driver: libpq
    url: host=db.drill-secret.test port=5432 dbname=shop user=app password=Drill@Secret-93x connect_timeout=5
  - name: old password
    driver: libpq
    url: postgresql://app:Drill%40Secret-93w@db.drill-secret.test:5432/shop?connect_timeout=5
    expect: {fail: auth}
)";

// The secret in every form it is written, and its password-wrong mutant (x → y) likewise; "Secret-93" catches
// any part of either.
const std::vector<std::string> k_drill_secrets = {"Drill@Secret-93x",   "Drill%40Secret-93x", "Drill@Secret-93y",
                                                  "Drill%40Secret-93y", "Drill@Secret-93w",   "Drill%40Secret-93w",
                                                  "Secret-93"};

} // namespace

TEST_SUITE("cli drill") {
    TEST_CASE("drill on scenarios/ kills and spares exactly the golden table's mutants") {
        const DrillRun& run = demo_drill();
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        CHECK(run.result.err.empty());
        REQUIRE(run.report.is_object());
        const json& report = run.report;
        CHECK(report["format"] == "stagegate-drill/1");
        CHECK(report["baseline_failures"] == json::array());
        CHECK(report["problems"] == json::array());

        std::vector<std::string> table = kill_table(report);
        check_golden("drill-demo.txt", table);

        std::size_t killed = 0;
        std::size_t survived = 0;
        for (const auto& m : report["mutants"]) {
            killed += m["outcome"] == "killed";
            survived += m["outcome"] == "survived";
        }
        CHECK(killed + survived == table.size()); // every mutant ran
        CHECK(report["killed"] == killed);
        CHECK(report["survived"] == survived);
        REQUIRE(killed + survived > 0);
        double score = 100.0 * double(killed) / double(killed + survived);
        CHECK(report["score"].get<double>() == std::round(score * 10) / 10);

        auto lines = lines_of(run.result.out);
        REQUIRE(lines.size() >= 2);
        CHECK(lines.front() ==
              fmt::format("drill: {} mutants of the candidates expected to pass, in 7 scenarios", table.size()));
        CHECK(lines.back() == score_line(report));
        check_no_secrets(run.result, run.report_text, k_demo_secrets);
        check_nothing_left(run.root);
    }

    TEST_CASE("drill on the postmortem finds the outage's typo among the corrected URL's mutants") {
        auto run = run_drill("postmortem", {"scenarios/postmortem.yaml"});
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.report.is_object());
        const json* typo = find_mutant(run.report, k_corrected, "host-drop");
        REQUIRE(typo != nullptr);
        INFO("mutant: " << typo->dump());
        CHECK((*typo)["scenario"] == k_postmortem_name);
        CHECK((*typo)["file"] == "scenarios/postmortem.yaml");
        CHECK((*typo)["field"] == "host");
        CHECK((*typo)["description"] == "host db-primary.staging.internal → db-prmary.staging.internal");
        CHECK((*typo)["outcome"] == "killed");
        CHECK((*typo)["category"] == "dns");
        CHECK((*typo)["phase"].is_null());
        CHECK((*typo)["catches"].is_null());
        CHECK((*typo)["same_as"] == k_as_edited);
        CHECK(contains((*typo)["message"].get<std::string>(), "did you mean db-primary.staging.internal"));
        for (const auto& m : run.report["mutants"]) {
            CHECK(m["candidate"] == k_corrected); // the only candidate expected to pass
            if (&m != typo)
                CHECK(m["same_as"].is_null());
        }

        auto lines = lines_of(run.result.out);
        REQUIRE(!lines.empty());
        CHECK(lines.back() == score_line(run.report));
        auto seen = line_with(lines, fmt::format("the typo of \"{}\"", k_as_edited));
        REQUIRE_MESSAGE(seen.has_value(), "the text does not name the typo seen before");
        REQUIRE(*seen > 0);
        CHECK(contains(lines[*seen - 1], "KILLED"));
        CHECK(contains(lines[*seen - 1], "host-drop"));
        CHECK(contains(lines[*seen - 1], "caught as dns"));
        check_no_secrets(run.result, run.report_text, k_demo_secrets);
        check_nothing_left(run.root);
    }

    TEST_CASE("drill --min-score fails the command only when the score is below it") {
        auto strict = run_drill("min-score-100", {"--min-score", "100", "scenarios/postmortem.yaml"});
        {
            INFO("stdout:\n" << strict.result.out << "\nstderr:\n" << strict.result.err);
            CHECK(strict.result.exit_code == 1);
            REQUIRE(strict.report.is_object());
            CHECK(strict.report["survived"].get<int>() > 0);
            CHECK(strict.report["baseline_failures"] == json::array());
            auto below = line_with(lines_of(strict.result.out), "is below --min-score 100.0%");
            REQUIRE_MESSAGE(below.has_value(), "no line says the score is below");
            CHECK(lines_of(strict.result.out)[*below] ==
                  fmt::format("drill: the score {:.1f}% is below --min-score 100.0%",
                              strict.report["score"].get<double>()));
            check_nothing_left(strict.root);
        }
        auto lenient = run_drill("min-score-50", {"--min-score", "50", "scenarios/postmortem.yaml"});
        {
            INFO("stdout:\n" << lenient.result.out << "\nstderr:\n" << lenient.result.err);
            CHECK(lenient.result.exit_code == 0);
            CHECK(!contains(lenient.result.out, "is below"));
            REQUIRE(lenient.report.is_object());
            CHECK(lenient.report["score"].get<double>() >= 50.0);
            check_nothing_left(lenient.root);
        }
        // The score compared is the score printed: 16 of 18 is 88.9%, and --min-score 88.9 is met.
        auto printed = run_drill("min-score-printed", {"--min-score", "88.9", "scenarios/postmortem.yaml"});
        {
            INFO("stdout:\n" << printed.result.out << "\nstderr:\n" << printed.result.err);
            REQUIRE(printed.report.is_object());
            CHECK(printed.report["score"].get<double>() == doctest::Approx(88.9));
            CHECK(printed.result.exit_code == 0);
            CHECK(!contains(printed.result.out, "is below"));
        }
    }

    TEST_CASE("drill exits 1 and lists the candidates that miss their own expectations") {
        auto file = write_file(fresh_dir("drill-baseline-scenario") / "baseline.yaml", k_baseline_scenario);
        auto run = run_drill("baseline", {file.string()});
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 1);
        REQUIRE(run.report.is_object());
        REQUIRE(run.report["baseline_failures"].size() == 1);
        std::string failure = run.report["baseline_failures"][0];
        CHECK(contains(failure, "drill baseline › counts four items: expected pass, got fail:expectation"));
        CHECK(!contains(run.report.dump(), "counts three items: expected"));
        // The failing original's mutants prove nothing: not run, neither killed nor survived.
        std::size_t of_failing = 0;
        for (const auto& mutant : run.report["mutants"]) {
            if (mutant["candidate"] != "counts four items")
                continue;
            ++of_failing;
            CHECK(mutant["outcome"] == "not-run");
        }
        CHECK(of_failing > 0);

        auto lines = lines_of(run.result.out);
        auto heading = line_with(lines, k_baseline_heading);
        REQUIRE_MESSAGE(heading.has_value(), "no baseline heading");
        REQUIRE(*heading + 1 < lines.size());
        CHECK(lines[*heading + 1] == "  " + failure);
        CHECK(lines.back() == score_line(run.report));
        check_nothing_left(run.root);
    }

    TEST_CASE("drill advises how to catch every survivor and gives no advice for the killed") {
        const DrillRun& run = demo_drill();
        REQUIRE(run.report.is_object());
        std::size_t survivors = 0;
        for (const auto& m : run.report["mutants"]) {
            INFO("mutant: " << m.dump());
            if (m["outcome"] == "survived") {
                ++survivors;
                REQUIRE(m["catches"].is_string());
                CHECK(!m["catches"].get<std::string>().empty());
                CHECK(m["category"].is_null());
                CHECK(m["phase"].is_null());
                CHECK(m["message"].is_null());
            } else {
                CHECK(m["outcome"] == "killed");
                CHECK(m["catches"].is_null());
                CHECK(!m["category"].is_null());
                REQUIRE(m["message"].is_string());
                CHECK(!m["message"].get<std::string>().empty());
            }
        }
        CHECK(survivors > 0);
        std::size_t advice = 0;
        for (const auto& line : lines_of(run.result.out))
            advice += line.starts_with("              would be caught by: ");
        CHECK(advice == survivors);
    }

    TEST_CASE("drill shows neither a password nor its mutated form in any output") {
        auto file = write_file(fresh_dir("drill-secret-scenario") / "secret.yaml", k_secret_scenario);
        auto run = run_drill("secrets", {file.string()});
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.report.is_object());
        for (const char* candidate : {"URI", "keyword/value"}) {
            CAPTURE(candidate);
            const json* wrong = find_mutant(run.report, candidate, "password-wrong");
            REQUIRE(wrong != nullptr);
            CHECK((*wrong)["description"] == "password changed by one character");
            CHECK((*wrong)["outcome"] == "killed");
            CHECK((*wrong)["category"] == "auth");
        }
        // the URI's scheme typo makes libpq refuse the whole string: its message must not quote it
        const json* scheme = find_mutant(run.report, "URI", "scheme-typo");
        REQUIRE(scheme != nullptr);
        CHECK((*scheme)["outcome"] == "killed");
        CHECK(contains((*scheme)["message"].get<std::string>(), "postgreslq://app:")); // the string is quoted
        check_no_secrets(run.result, run.report_text, k_drill_secrets);
        check_nothing_left(run.root);
    }

    TEST_CASE("drill refuses invalid input with exit 2 and starts nothing") {
        fs::path never = fresh_dir("rt-drill-never") / "root";
        std::map<std::string, std::string> env = {{"STAGEGATE_RUNTIME_DIR", never.string()}};
        SUBCASE("a scenario that is not valid YAML: one line with its place") {
            auto file = write_file(fresh_dir("drill-yaml") / "broken.yaml", R"(scenario: x
database:
  engine: postgres
   answers_as: [db.valid.test:5432]
candidates: []
)");
            auto result = run_stagegate({"drill", file.string()}, env, 30000);
            INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(result.out.empty());
            std::vector<std::string> problems;
            for (const auto& line : lines_of(result.err)) {
                if (!line.starts_with("stagegate:"))
                    problems.push_back(line);
            }
            REQUIRE(problems.size() == 1);
            CHECK_MESSAGE(has_mark(problems.front(), file.string()), "not file:line:col: error: " << problems.front());
            CHECK(problems.front().starts_with(file.string() + ":4:"));
        }
        SUBCASE("--min-score above 100") {
            auto result = run_stagegate({"drill", "--min-score", "101", "scenarios/postmortem.yaml"}, env, 30000);
            INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(result.out.empty());
            CHECK(contains(result.err, "--min-score"));
        }
        SUBCASE("--jobs 0") {
            auto result = run_stagegate({"drill", "--jobs", "0", "scenarios/postmortem.yaml"}, env, 30000);
            INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(result.out.empty());
            CHECK(contains(result.err, "--jobs"));
        }
        CHECK_MESSAGE(!fs::exists(never), "stagegate started a run for invalid input");
    }

    TEST_CASE("drill --jobs 1 judges every mutant as --jobs 4 does") {
        const DrillRun& four = demo_drill();
        auto one = run_drill("jobs-1", {"--jobs", "1", "scenarios/"});
        INFO("stdout:\n" << one.result.out << "\nstderr:\n" << one.result.err);
        CHECK(one.result.exit_code == 0);
        REQUIRE(four.report.is_object());
        REQUIRE(one.report.is_object());
        auto serial = kill_table(one.report);
        auto parallel = kill_table(four.report);
        check_same_table(parallel, serial, "the kill tables differ (- --jobs 4, + --jobs 1)");
        CHECK(one.report["score"] == four.report["score"]);
        check_nothing_left(one.root);
    }
}
