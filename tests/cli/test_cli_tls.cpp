// TLS twins through the built binary: the matrix of server certificates (valid, wrong-name,
// expired, self-signed, TLS off) against every client mode of libpq and mysqlcppconn, judged
// per cell through the JSON report, and the clients_must_verify policy.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* k_pg_password = "tls-matrix-pg-secret";
constexpr const char* k_my_password = "tls-matrix-maria-secret";

// Where a cell's verdict comes from.
enum class Where {
    pass,      // every check passed, over TLS
    tls_check, // connected in plaintext, the `- tls` check failed (tls: "none")
    connect,   // the login itself failed as tls (tls: null)
};

struct Cell {
    std::string mode;    // candidate name
    std::string options; // the query string of the URL, after '?'
    Where where;
    std::string message; // part of the candidate's message ("" for a pass)
};

// The scenario file for one (engine, certificate): one candidate per client mode, each with a
// `- tls` check after connect, expecting what its cell should do.
std::string scenario_text(bool postgres, const std::string& certificate, const std::vector<Cell>& cells) {
    std::string name = std::string(postgres ? "pg" : "maria") + " tls " + certificate;
    std::string text = "scenario: " + name + "\ndatabase:\n  engine: " + (postgres ? "postgres" : "mariadb") +
                       "\n  answers_as: [db.tls.test:" + (postgres ? "5432" : "3306") + "]\n";
    if (certificate != "off")
        text += "  tls: {certificate: " + certificate + "}\n";
    text += "  setup:\n";
    text += postgres ? std::string("    - sql: CREATE ROLE app LOGIN PASSWORD '") + k_pg_password + "'\n"
                     : std::string("    - sql: CREATE USER 'app'@'%' IDENTIFIED BY '") + k_my_password + "'\n";
    text += "candidates:\n";
    for (const auto& cell : cells) {
        text += "  - name: " + cell.mode + "\n";
        text += std::string("    driver: ") + (postgres ? "libpq" : "mysqlcppconn") + "\n";
        text += postgres ? std::string("    url: postgresql://app:") + k_pg_password + "@db.tls.test:5432/postgres?" +
                               cell.options + "\n"
                         : std::string("    url: mysql://app:") + k_my_password + "@db.tls.test:3306/?" + cell.options +
                               "\n";
        if (cell.where != Where::pass)
            text += "    expect: {fail: tls}\n";
        text += "    checks:\n      - tls\n";
    }
    return text;
}

std::string pg(const std::string& mode, bool root = true) {
    return "sslmode=" + mode + (root ? "&sslrootcert=${STAGEGATE_CA_FILE}" : "") + "&connect_timeout=5";
}

std::string my(const std::string& mode, bool ca = true) {
    return "ssl-mode=" + mode + (ca ? "&ssl-ca=${STAGEGATE_CA_FILE}" : "") + "&connect-timeout=5";
}

constexpr const char* k_plaintext = "the session is plaintext: TLS was not negotiated";

// libpq, every mode with sslrootcert (libpq then checks the chain for require too, as verify-ca
// does), plus require without a root certificate, which accepts any certificate.
std::vector<Cell> pg_cells(const std::string& certificate) {
    if (certificate == "valid")
        return {{"disable", pg("disable"), Where::tls_check, k_plaintext},
                {"prefer", pg("prefer"), Where::pass, ""},
                {"require", pg("require"), Where::pass, ""},
                {"verify-ca", pg("verify-ca"), Where::pass, ""},
                {"verify-full", pg("verify-full"), Where::pass, ""},
                {"require without sslrootcert", pg("require", false), Where::pass, ""}};
    if (certificate == "wrong-name")
        return {{"disable", pg("disable"), Where::tls_check, k_plaintext},
                {"prefer", pg("prefer"), Where::pass, ""},
                {"require", pg("require"), Where::pass, ""},
                // verify-ca checks the CA only: the wrong name passes
                {"verify-ca", pg("verify-ca"), Where::pass, ""},
                {"verify-full", pg("verify-full"), Where::connect,
                 "server certificate for \"wrong-name.invalid\" (and 1 other name) does not match host name "
                 "\"db.tls.test\""},
                {"require without sslrootcert", pg("require", false), Where::pass, ""}};
    if (certificate == "expired" || certificate == "self-signed")
        return {{"disable", pg("disable"), Where::tls_check, k_plaintext},
                // prefer: the TLS handshake fails on the certificate and libpq silently retries in
                // plaintext, which only the tls check catches
                {"prefer", pg("prefer"), Where::tls_check, k_plaintext},
                {"require", pg("require"), Where::connect, "certificate verify failed"},
                {"verify-ca", pg("verify-ca"), Where::connect, "certificate verify failed"},
                {"verify-full", pg("verify-full"), Where::connect, "certificate verify failed"},
                {"require without sslrootcert", pg("require", false), Where::pass, ""}};
    // TLS off on the server
    return {{"disable", pg("disable"), Where::tls_check, k_plaintext},
            {"prefer", pg("prefer"), Where::tls_check, k_plaintext},
            {"require", pg("require"), Where::connect, "server does not support SSL, but SSL was required"},
            {"verify-ca", pg("verify-ca"), Where::connect, "server does not support SSL, but SSL was required"},
            {"verify-full", pg("verify-full"), Where::connect, "server does not support SSL, but SSL was required"},
            {"require without sslrootcert", pg("require", false), Where::connect,
             "server does not support SSL, but SSL was required"}};
}

// mysqlcppconn, every mode with ssl-ca (DISABLED with ssl-ca has its own case below), and DISABLED
// and REQUIRED without it.
std::vector<Cell> my_cells(const std::string& certificate) {
    Cell disabled_no_ca{"DISABLED without ssl-ca", my("DISABLED", false), Where::tls_check, k_plaintext};
    if (certificate == "valid")
        return {disabled_no_ca,
                {"PREFERRED", my("PREFERRED"), Where::pass, ""},
                {"REQUIRED", my("REQUIRED"), Where::pass, ""},
                {"VERIFY_CA", my("VERIFY_CA"), Where::pass, ""},
                {"VERIFY_IDENTITY", my("VERIFY_IDENTITY"), Where::pass, ""},
                {"REQUIRED without ssl-ca", my("REQUIRED", false), Where::pass, ""}};
    if (certificate == "wrong-name")
        return {disabled_no_ca,
                {"PREFERRED", my("PREFERRED"), Where::pass, ""},
                {"REQUIRED", my("REQUIRED"), Where::pass, ""},
                {"VERIFY_CA", my("VERIFY_CA"), Where::pass, ""},
                {"VERIFY_IDENTITY", my("VERIFY_IDENTITY"), Where::connect,
                 "the server's certificate is not valid for db.tls.test (CN=wrong-name.invalid"},
                {"REQUIRED without ssl-ca", my("REQUIRED", false), Where::pass, ""}};
    if (certificate == "expired" || certificate == "self-signed") {
        std::string why = certificate == "expired" ? "certificate has expired" : "self-signed certificate";
        // REQUIRED with ssl-ca: MariaDB Connector/C checks the chain whenever a CA is given (as
        // libpq's require with sslrootcert does); without ssl-ca REQUIRED accepts it. PREFERRED never
        // verifies (stagegate passes it no CA), so it encrypts whatever the certificate.
        return {disabled_no_ca,
                {"PREFERRED", my("PREFERRED"), Where::pass, ""},
                {"REQUIRED", my("REQUIRED"), Where::connect, why},
                {"VERIFY_CA", my("VERIFY_CA"), Where::connect, why},
                {"VERIFY_IDENTITY", my("VERIFY_IDENTITY"), Where::connect, why},
                {"REQUIRED without ssl-ca", my("REQUIRED", false), Where::pass, ""}};
    }
    return {
        {"DISABLED", my("DISABLED"), Where::tls_check, k_plaintext},
        disabled_no_ca,
        {"PREFERRED", my("PREFERRED"), Where::tls_check, k_plaintext},
        {"REQUIRED", my("REQUIRED"), Where::connect, "ssl-mode=REQUIRED asked for TLS, but the session is plaintext"},
        {"VERIFY_CA", my("VERIFY_CA"), Where::connect, "SSL is required, but the server does not support it"},
        {"VERIFY_IDENTITY", my("VERIFY_IDENTITY"), Where::connect,
         "SSL is required, but the server does not support it"},
        {"REQUIRED without ssl-ca", my("REQUIRED", false), Where::connect,
         "ssl-mode=REQUIRED asked for TLS, but the session is plaintext"}};
}

void check_cell(const json& scenario, const Cell& cell) {
    const json* found = find_candidate(scenario, cell.mode);
    REQUIRE_MESSAGE(found != nullptr, "no candidate " << cell.mode);
    const json& c = *found;
    INFO("candidate: " << c.dump());
    CHECK(c["verdict"] == "pass");
    REQUIRE(c["checks"].size() == 2);
    CHECK(c["checks"][1]["check"] == "tls");
    CHECK(c["checks"][1]["layer"] == "transport encryption");
    switch (cell.where) {
    case Where::pass:
        CHECK(c["expected"] == "pass");
        CHECK(c["outcome"] == "pass");
        CHECK(c["category"].is_null());
        REQUIRE(c["tls"].is_string());
        CHECK(c["tls"].get<std::string>().starts_with("TLSv1."));
        CHECK(c["checks"][0]["outcome"] == "pass");
        CHECK(c["checks"][1]["outcome"] == "pass");
        break;
    case Where::tls_check:
        CHECK(c["expected"] == "fail:tls");
        CHECK(c["outcome"] == "fail");
        CHECK(c["category"] == "tls");
        CHECK(c["tls"] == "none");
        CHECK(c["checks"][0]["outcome"] == "pass");
        CHECK(c["checks"][1]["outcome"] == "fail");
        CHECK(c["checks"][1]["category"] == "tls");
        break;
    case Where::connect:
        CHECK(c["expected"] == "fail:tls");
        CHECK(c["outcome"] == "fail");
        CHECK(c["category"] == "tls");
        CHECK(c["tls"].is_null());
        CHECK(c["checks"][0]["outcome"] == "fail");
        CHECK(c["checks"][0]["category"] == "tls");
        CHECK(c["checks"][1]["outcome"] == "skipped");
        break;
    }
    if (!cell.message.empty())
        CHECK_MESSAGE(contains(c["message"].get<std::string>(), cell.message), "message lacks: " << cell.message);
}

// Across every candidate of the report: a passed tls check means an encrypted session.
void check_tls_invariant(const json& report) {
    int passed_tls_checks = 0;
    for (const auto& scenario : report["scenarios"]) {
        for (const auto& c : scenario["candidates"]) {
            for (const auto& check : c["checks"]) {
                if (check["check"] != "tls" || check["outcome"] != "pass")
                    continue;
                ++passed_tls_checks;
                INFO("candidate: " << c.dump());
                CHECK(c["tls"].is_string());
                CHECK(c["tls"] != "none");
            }
        }
    }
    CHECK(passed_tls_checks > 0);
}

const std::vector<std::string> k_certificates{"valid", "wrong-name", "expired", "self-signed", "off"};

} // namespace

TEST_SUITE("tls") {
    TEST_CASE("TLS matrix: every certificate against every libpq and mysqlcppconn mode, cell by cell") {
        auto root = fresh_runtime_root("rt-tls-matrix");
        auto dir = fresh_dir("tls-matrix");
        std::vector<std::string> args{"run", "--json", (dir / "report.json").string()};
        for (const auto& certificate : k_certificates) {
            args.push_back(write_file(dir / ("pg-" + certificate + ".yaml"),
                                      scenario_text(true, certificate, pg_cells(certificate)))
                               .string());
            args.push_back(write_file(dir / ("maria-" + certificate + ".yaml"),
                                      scenario_text(false, certificate, my_cells(certificate)))
                               .string());
        }
        auto result = run_stagegate(args, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "pass");
        CHECK(report["scenarios"].size() == 10);
        for (const auto& certificate : k_certificates) {
            for (bool postgres : {true, false}) {
                std::string name = std::string(postgres ? "pg" : "maria") + " tls " + certificate;
                CAPTURE(name);
                const json* scenario = find_scenario(report, name);
                REQUIRE(scenario != nullptr);
                CHECK((*scenario)["error"].is_null());
                auto cells = postgres ? pg_cells(certificate) : my_cells(certificate);
                CHECK((*scenario)["candidates"].size() == cells.size());
                for (const auto& cell : cells) {
                    CAPTURE(cell.mode);
                    check_cell(*scenario, cell);
                }
            }
        }
        check_tls_invariant(report);
        check_no_secrets(result, text, {k_pg_password, k_my_password});
        check_nothing_left(root);
    }

    // Connector/C turns TLS on (and checks the chain) whenever a CA is set, so the driver passes no
    // TLS option at all with DISABLED: the session stays plaintext whatever the certificate.
    TEST_CASE("TLS: mysqlcppconn ssl-mode=DISABLED with ssl-ca stays plaintext") {
        auto dir = fresh_dir("tls-disabled");
        std::vector<std::string> args{"run", "--json", (dir / "report.json").string()};
        for (const std::string certificate : {"valid", "wrong-name", "expired", "self-signed"})
            args.push_back(write_file(dir / ("maria-" + certificate + ".yaml"),
                                      scenario_text(false, certificate,
                                                    {{"DISABLED", my("DISABLED"), Where::tls_check, k_plaintext}}))
                               .string());
        auto result = run_stagegate(args);
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        json report = parse_report(dir / "report.json");
        for (const std::string certificate : {"valid", "wrong-name", "expired", "self-signed"}) {
            const json* scenario = find_scenario(report, "maria tls " + certificate);
            REQUIRE(scenario != nullptr);
            check_cell(*scenario, {"DISABLED", my("DISABLED"), Where::tls_check, k_plaintext});
        }
        check_no_secrets(result, read_file(dir / "report.json"), {k_my_password});
    }

    TEST_CASE("TLS: clients_must_verify blocks every string that does not check the certificate and name") {
        auto root = fresh_runtime_root("rt-must-verify");
        auto dir = fresh_dir("must-verify");
        auto pg_file = write_file(dir / "pg.yaml", std::string(R"(scenario: must verify pg
database:
  engine: postgres
  answers_as: [db.verify.test:5432]
  tls: {certificate: valid, clients_must_verify: true}
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'must-verify-pg-pw'
candidates:
  - name: require
    driver: libpq
    url: postgresql://app:must-verify-pg-pw@db.verify.test/postgres?sslmode=require&connect_timeout=5
    expect: {fail: tls}
  - name: prefer
    driver: libpq
    url: postgresql://app:must-verify-pg-pw@db.verify.test/postgres?sslmode=prefer&connect_timeout=5
    expect: {fail: tls}
  - name: no sslmode
    driver: libpq
    url: host=db.verify.test dbname=postgres user=app password=must-verify-pg-pw connect_timeout=5
    expect: {fail: tls}
  - name: verify-ca
    driver: libpq
    url: postgresql://app:must-verify-pg-pw@db.verify.test/postgres?sslmode=verify-ca&sslrootcert=${STAGEGATE_CA_FILE}
    expect: {fail: tls}
  - name: verify-full
    driver: libpq
    url: postgresql://app:must-verify-pg-pw@db.verify.test/postgres?sslmode=verify-full&sslrootcert=${STAGEGATE_CA_FILE}&connect_timeout=5
    checks:
      - tls: {min_version: TLSv1.2}
)"));
        auto my_file = write_file(dir / "maria.yaml", std::string(R"(scenario: must verify maria
database:
  engine: mariadb
  answers_as: [db.verify.test:3306]
  tls: {certificate: valid, clients_must_verify: true}
  setup:
    - sql: CREATE USER 'app'@'%' IDENTIFIED BY 'must-verify-maria-pw'
candidates:
  - name: REQUIRED
    driver: mysqlcppconn
    url: mysql://app:must-verify-maria-pw@db.verify.test/?ssl-mode=REQUIRED&ssl-ca=${STAGEGATE_CA_FILE}&connect-timeout=5
    expect: {fail: tls}
  - name: PREFERRED
    driver: mysqlcppconn
    url: mysql://app:must-verify-maria-pw@db.verify.test/?ssl-mode=PREFERRED&connect-timeout=5
    expect: {fail: tls}
  - name: VERIFY_CA
    driver: mysqlcppconn
    url: mysql://app:must-verify-maria-pw@db.verify.test/?ssl-mode=VERIFY_CA&ssl-ca=${STAGEGATE_CA_FILE}&connect-timeout=5
    expect: {fail: tls}
  - name: VERIFY_IDENTITY
    driver: mysqlcppconn
    url: mysql://app:must-verify-maria-pw@db.verify.test/?ssl-mode=VERIFY_IDENTITY&ssl-ca=${STAGEGATE_CA_FILE}&connect-timeout=5
    checks:
      - tls
)"));
        auto result =
            run_stagegate({"run", "--json", (dir / "report.json").string(), pg_file.string(), my_file.string()},
                          {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "pass");
        struct Blocked {
            std::string scenario, name, said;
        };
        for (const auto& blocked : std::vector<Blocked>{
                 {"must verify pg", "require", "sslmode=require encrypts but never checks who answers"},
                 {"must verify pg", "prefer", "sslmode=prefer falls back to plaintext"},
                 {"must verify pg", "no sslmode", "no sslmode (libpq's default: prefer)"},
                 {"must verify pg", "verify-ca", "sslmode=verify-ca checks the certificate's CA but not its name"},
                 {"must verify maria", "REQUIRED", "ssl-mode=REQUIRED checks the certificate's CA but not its name"},
                 {"must verify maria", "PREFERRED", "ssl-mode=PREFERRED falls back to plaintext"},
                 {"must verify maria", "VERIFY_CA",
                  "ssl-mode=VERIFY_CA checks the certificate's CA but not its name"}}) {
            CAPTURE(blocked.name);
            const json* scenario = find_scenario(report, blocked.scenario);
            REQUIRE(scenario != nullptr);
            const json* c = find_candidate(*scenario, blocked.name);
            REQUIRE(c != nullptr);
            INFO("candidate: " << c->dump());
            CHECK((*c)["outcome"] == "fail");
            CHECK((*c)["category"] == "tls");
            CHECK((*c)["verdict"] == "pass");
            CHECK((*c)["tls"].is_null()); // refused before any login
            CHECK((*c)["checks"][0]["category"] == "tls");
            std::string message = (*c)["message"];
            CHECK(contains(message, blocked.said));
            CHECK(contains(message, "the scenario requires clients to verify the server"));
        }
        for (const auto& [scenario_name, name] : std::vector<std::pair<std::string, std::string>>{
                 {"must verify pg", "verify-full"}, {"must verify maria", "VERIFY_IDENTITY"}}) {
            const json* scenario = find_scenario(report, scenario_name);
            REQUIRE(scenario != nullptr);
            const json* c = find_candidate(*scenario, name);
            REQUIRE(c != nullptr);
            INFO("candidate: " << c->dump());
            CHECK((*c)["outcome"] == "pass");
            CHECK((*c)["verdict"] == "pass");
            CHECK((*c)["tls"].get<std::string>().starts_with("TLSv1."));
        }
        check_tls_invariant(report);
        check_no_secrets(result, text, {"must-verify-pg-pw", "must-verify-maria-pw"});
        check_nothing_left(root);
    }
}

TEST_SUITE("tls statements") {
    // The statement deadline of a Connector/C++ session ends the statement with KILL QUERY from a
    // second login of the same account; under require_secure_transport that login must use TLS
    // too, or the statement runs on until its read timeout.
    TEST_CASE("TLS: a statement over TLS on a server that requires it still ends at its deadline") {
        auto dir = fresh_dir("tls-kill");
        auto file = write_file(dir / "kill.yaml", R"(scenario: kill over tls
database:
  engine: mariadb
  answers_as: [db.kill.test:3306]
  tls: {certificate: valid}
  access: {require_tls: true}
  setup:
    - sql: "CREATE USER 'app'@'%' IDENTIFIED BY 'kill-tls-secret-1'; GRANT ALL ON *.* TO 'app'@'%'"
candidates:
  - name: slow statement
    driver: mysqlcppconn
    url: mysql://app:kill-tls-secret-1@db.kill.test:3306/?ssl-mode=REQUIRED
    expect: {fail: timeout}
    checks:
      - query: SELECT SLEEP(20)
        timeout_ms: 500
)");
        auto report_file = dir / "report.json";
        auto result = run_stagegate({"run", "--json", report_file.string(), file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        auto report = parse_report(report_file);
        const json* scenario = find_scenario(report, "kill over tls");
        REQUIRE(scenario != nullptr);
        const json* candidate = find_candidate(*scenario, "slow statement");
        REQUIRE(candidate != nullptr);
        CHECK((*candidate)["category"] == "timeout");
        CHECK((*candidate)["tls"] != "none");
        CHECK((*candidate)["checks"][1]["elapsed_ms"].get<long>() < 5000);
        check_no_secrets(result, read_file(report_file), {"kill-tls-secret-1"});
    }
}
