// `stagegate lint` (no server) and `stagegate explain` (how libpq reads a string, secrets masked).
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <algorithm>
#include <cctype>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool has_line(const std::string& text, const std::function<bool(const std::string&)>& matches) {
    auto lines = lines_of(text);
    return std::any_of(lines.begin(), lines.end(), matches);
}

std::string percent_encoded(const std::string& text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

std::string kv_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

// A password made of the characters that each quoting scheme treats specially; every form of it
// starts with the marker, so the marker must appear nowhere.
constexpr const char* k_marker = "Zq7Canary";
const std::string k_canary = std::string(k_marker) + "'p a\\s\"s@w:o/r?d#[]%&=+;$";

void check_no_canary(const CliResult& result) {
    for (const std::string& form : {k_canary, percent_encoded(k_canary), kv_quoted(k_canary), std::string(k_marker)}) {
        CHECK_MESSAGE(!contains(result.out, form), "stdout shows the password as " << form);
        CHECK_MESSAGE(!contains(result.err, form), "stderr shows the password as " << form);
    }
}

constexpr const char* k_typo_scenario = R"(scenario: typo in the passing candidate
database:
  engine: postgres
  answers_as: [db-primary.staging.internal:5432]
candidates:
  - name: the config that should work
    driver: libpq
    url: postgresql://app:lint-pw@db-prmary.staging.internal:5432/users?sslmode=verify-full&connect_timeout=5
  - name: the right host
    driver: libpq
    url: postgresql://app:lint-pw@db-primary.staging.internal:5432/users?sslmode=verify-full&connect_timeout=5
)";

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("lint on scenarios/ exits 0: the typo candidate is expected to fail with dns") {
        auto result = run_stagegate({"lint", "scenarios/"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(has_line(result.out, [](const std::string& line) {
            return line.starts_with("scenarios/postmortem.yaml:") &&
                   contains(line, ": ok: DATABASE_URL as edited during maintenance: ") &&
                   contains(line, "db-prmary.staging.internal is unknown") &&
                   contains(line, "(dns), as the scenario expects");
        }));
        CHECK(has_line(result.out, [](const std::string& line) {
            return line.starts_with("scenarios/postmortem.yaml:") && contains(line, ": ok: DATABASE_URL corrected");
        }));
        CHECK(has_line(result.out, [](const std::string& line) {
            return line.starts_with("scenarios/postmortem.yaml:") &&
                   contains(line, ": warning: DATABASE_URL corrected: sslmode=prefer");
        }));
        auto lines = lines_of(result.out);
        REQUIRE(!lines.empty());
        CHECK(contains(lines.back(), "checked without a server; 0 candidates would not behave as expected"));
        for (const char* secret : {"rotated-in-june", "spring-2026"}) {
            CHECK(!contains(result.out, secret));
            CHECK(!contains(result.err, secret));
        }
    }

    TEST_CASE("lint starts no server and creates no run folder") {
        auto parent = fresh_dir("rt-lint");
        auto root = parent / "root";
        auto result = run_stagegate(
            {"lint", "scenarios/"},
            {{"STAGEGATE_PG_BINDIR", "/nonexistent/stagegate-bin"}, {"STAGEGATE_RUNTIME_DIR", root.string()}}, 20000);
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK_MESSAGE(!fs::exists(root), "lint created the runtime folder " << root);
        CHECK(processes_under(parent).empty());
    }

    TEST_CASE("lint exits 1 when a candidate expected to pass names an unknown host") {
        auto file = write_file(fresh_dir("lint-typo") / "typo.yaml", k_typo_scenario);
        auto result = run_stagegate({"lint", file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(has_line(result.out, [&](const std::string& line) {
            return line.starts_with(file.string() + ":6:5:") &&
                   contains(line, ": error: the config that should work: host db-prmary.staging.internal is unknown") &&
                   contains(line, "did you mean db-primary.staging.internal?") && contains(line, "(dns)");
        }));
        CHECK(has_line(result.out, [&](const std::string& line) {
            return line.starts_with(file.string()) && contains(line, ": ok: the right host");
        }));
        CHECK(contains(result.out, "1 candidate would not behave as expected"));
        CHECK(!contains(result.out, "lint-pw"));
    }

    TEST_CASE("lint exits 2 on a broken file with one file:line:col line") {
        auto file =
            write_file(fresh_dir("lint-broken") / "broken.yaml", std::string(k_typo_scenario) + "    expct: pass\n");
        auto result = run_stagegate({"lint", file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        auto lines = lines_of(result.err);
        REQUIRE(!lines.empty());
        CHECK(lines.front().starts_with(file.string() + ":12:5: error: "));
        CHECK(contains(lines.front(), "did you mean expect?"));
        CHECK(std::count_if(lines.begin(), lines.end(),
                            [&](const std::string& line) { return line.starts_with(file.string()); }) == 1);
    }

    TEST_CASE("explain masks a URI's percent-encoded password and lists parameters and destinations") {
        std::string uri = "postgresql://app:" + percent_encoded(k_canary) +
                          "@db.example.internal:6543/users?sslmode=prefer&connect_timeout=5";
        auto result = run_stagegate({"explain", uri});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        check_no_canary(result);
        CHECK(contains(result.out, "uri"));
        CHECK(has_line(result.out,
                       [](const std::string& line) { return contains(line, "user ") && line.ends_with(" app"); }));
        CHECK(has_line(result.out,
                       [](const std::string& line) { return contains(line, "password ") && contains(line, "***"); }));
        CHECK(has_line(result.out,
                       [](const std::string& line) { return contains(line, "dbname ") && line.ends_with(" users"); }));
        CHECK(has_line(result.out,
                       [](const std::string& line) { return contains(line, "port ") && line.ends_with(" 6543"); }));
        CHECK(has_line(result.out, [](const std::string& line) {
            return contains(line, "sslmode ") && line.ends_with(" prefer");
        }));
        CHECK(contains(result.out, "destination 1: db.example.internal port 6543"));
        CHECK(has_line(result.out, [](const std::string& line) {
            return line.starts_with("warning: ") && contains(line, "sslmode=prefer");
        }));
    }

    TEST_CASE("explain masks a keyword/value quoted password") {
        std::string text = "host=db.example.internal user=app dbname=users password=" + kv_quoted(k_canary) +
                           " sslmode=prefer connect_timeout=5";
        auto result = run_stagegate({"explain", text});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        check_no_canary(result);
        CHECK(contains(result.out, "keyword/value"));
        CHECK(has_line(result.out,
                       [](const std::string& line) { return contains(line, "password ") && contains(line, "***"); }));
        CHECK(contains(result.out, "destination 1: db.example.internal port 5432"));
        CHECK(has_line(result.out, [](const std::string& line) {
            return line.starts_with("warning: ") && contains(line, "sslmode=prefer");
        }));
    }

    TEST_CASE("explain lists every destination of a multi-host string and warns about fallback") {
        auto result = run_stagegate(
            {"explain",
             "host=a.example,b.example port=5432,6432 user=app dbname=d sslmode=verify-full connect_timeout=3"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "destination 1: a.example port 5432"));
        CHECK(contains(result.out, "destination 2: b.example port 6432"));
        CHECK(has_line(result.out, [](const std::string& line) { return line.starts_with("warning: 2 hosts"); }));
        CHECK(!contains(result.out, "sslmode=prefer"));
    }

    TEST_CASE("explain exits 2 on strings libpq rejects, with libpq's reason on one line") {
        struct Bad {
            std::string text;
            std::string reason;
        };
        for (const Bad& bad :
             {Bad{"hots=x", "invalid connection option \"hots\""},
              Bad{"host=x sslmode=requir", "invalid sslmode value: \"requir\""},
              Bad{"postgresql://app@x/users?sslmode=requir", "invalid sslmode value: \"requir\""},
              // a password in the string must not hide libpq's reason
              Bad{std::string("host=x password=") + k_marker + " sslmode=requir", "invalid sslmode value: \"requir\""},
              Bad{std::string("host=x password=") + k_marker + " hots=y", "invalid connection option \"hots\""}}) {
            auto result = run_stagegate({"explain", bad.text});
            INFO("string: " << bad.text << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(result.out.empty());
            auto lines = lines_of(result.err);
            REQUIRE(!lines.empty());
            CHECK(lines.front().starts_with("stagegate: error: "));
            CHECK(contains(lines.front(), bad.reason));
            CHECK(!contains(result.err, k_marker));
        }
    }

    TEST_CASE("explain never shows a password libpq cannot decode") {
        auto result = run_stagegate({"explain", std::string("postgresql://app:") + k_marker + "%zz9@db.example/users"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "percent-encoded"));
        CHECK(!contains(result.err, k_marker));
        CHECK(!contains(result.out, k_marker));
    }

    TEST_CASE("explain reads a JDBC URL as run does: translated for the driver, each step shown, no password") {
        auto result = run_stagegate(
            {"explain", std::string("jdbc:postgresql://db.example:6432/users?user=app&password=") + k_marker});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "from JDBC: host db.example:6432 -> host=db.example port=6432"));
        CHECK(contains(result.out, "libpq"));
        CHECK(contains(result.out, "destination 1: db.example port 6432"));
        CHECK(!contains(result.out, k_marker));
        CHECK(!contains(result.err, k_marker));
    }

    TEST_CASE("explain names the JDBC part it cannot translate, and exits 2") {
        auto result = run_stagegate(
            {"explain", "jdbc:postgresql://db.example/users?loggerLevel=TRACE&password=" + std::string(k_marker)});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(contains(result.err, "loggerLevel"));
        CHECK(!contains(result.err, k_marker));
    }

    TEST_CASE("explain with an unknown --driver exits 2 naming the drivers there are") {
        auto result = run_stagegate({"explain", "--driver", "jdbc", "host=x"});
        INFO("stderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(lines_of(result.err).size() == 1);
        CHECK(contains(result.err, "unknown driver \"jdbc\""));
        CHECK(contains(result.err, "libpq"));
    }
}
