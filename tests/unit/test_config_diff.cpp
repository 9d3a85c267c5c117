#include <doctest/doctest.h>

#include "canary.hpp"
#include "scenario/config_diff.hpp"
#include "stagegate/driver.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// The postmortem: one letter dropped from the host in a config change.
const std::string k_primary = "postgresql://app:pw@db-primary.staging.internal:5432/users";
const std::string k_typo = "postgresql://app:pw@db-prmary.staging.internal:5432/users";

const Driver& driver_named(const std::string& name) {
    const Driver* driver = find_driver(name);
    REQUIRE(driver != nullptr);
    return *driver;
}

ParsedCandidate parsed(const Driver& driver, const std::string& text) {
    auto result = driver.parse(text);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

// Compares two strings read by `driver`; `redactor` learns every secret, as the command's does.
ConfigDiff diff_of(const std::string& before, const std::string& after, const std::string& driver = "libpq",
                   Redactor* redactor = nullptr) {
    const Driver& client = driver_named(driver);
    auto old_config = parsed(client, before);
    auto new_config = parsed(client, after);
    if (redactor) {
        for (const auto* config : {&old_config, &new_config}) {
            for (const auto& secret : config->secrets)
                redactor->add(secret);
        }
    }
    return diff_configs(client, old_config, new_config);
}

const FieldChange& change(const ConfigDiff& diff, const std::string& field) {
    auto found =
        std::find_if(diff.changes.begin(), diff.changes.end(), [&](const auto& c) { return c.field == field; });
    REQUIRE_MESSAGE(found != diff.changes.end(), "no change to " << field);
    return *found;
}

bool changed(const ConfigDiff& diff, const std::string& field) {
    return std::any_of(diff.changes.begin(), diff.changes.end(), [&](const auto& c) { return c.field == field; });
}

std::string text_of(const ConfigDiff& diff) {
    return diff_text(diff, Redactor());
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Whether any run of `width` characters of `secret` appears in `text`.
bool shows_part_of(const std::string& text, std::string_view secret, std::size_t width = 5) {
    for (std::size_t at = 0; at + width <= secret.size(); ++at) {
        if (text.find(secret.substr(at, width)) != std::string::npos)
            return true;
    }
    return false;
}

} // namespace

TEST_SUITE("config_diff") {
    TEST_CASE("a libpq URI and its keyword/value form are the same config") {
        auto diff = diff_of("postgresql://app:pw@db.internal:5432/users?sslmode=verify-full&connect_timeout=5",
                            "host=db.internal port=5432 dbname=users user=app password=pw sslmode=verify-full "
                            "connect_timeout=5");
        CHECK(diff.same());
        CHECK(diff.driver == "libpq");
        CHECK(text_of(diff) == "libpq reads both the same way: no field differs\n");
    }

    TEST_CASE("a one-letter host typo is an identity change at edit distance 1") {
        auto diff = diff_of(k_primary, k_typo);
        REQUIRE(diff.changes.size() == 1);
        const auto& host = change(diff, "host");
        CHECK(host.before == "db-primary.staging.internal");
        CHECK(host.after == "db-prmary.staging.internal");
        CHECK(host.identity);
        CHECK_FALSE(host.secret);
        CHECK(host.distance == 1);
        CHECK(host.note == "edit distance 1");
        CHECK(text_of(diff) == "libpq reads both; 1 field differs (1 identity field, marked *)\n"
                               "* host: db-primary.staging.internal → db-prmary.staging.internal (edit distance 1)\n");
    }

    TEST_CASE("a port change shows the default port the client used before") {
        auto diff = diff_of("postgresql://app:pw@db/users", "postgresql://app:pw@db:6432/users");
        const auto& port = change(diff, "port");
        CHECK(port.before == "5432 (default)");
        CHECK(port.after == "6432");
        CHECK(port.identity);
        CHECK(port.note.empty());
    }

    TEST_CASE("writing the default port out is no change: the client lands on the same port") {
        CHECK(diff_of("postgresql://app:pw@db/users", "postgresql://app:pw@db:5432/users").same());
        CHECK(diff_of("mysql://app:pw@db/users", "mysql://app:pw@db:3306/users", "mysqlcppconn").same());
    }

    TEST_CASE("user and database changes are identity fields, listed before other parameters") {
        auto diff = diff_of("host=db dbname=users user=app connect_timeout=5",
                            "host=db dbname=orders user=reporting connect_timeout=10");
        REQUIRE(diff.changes.size() == 3);
        CHECK(diff.changes[0].field == "database");
        CHECK(diff.changes[1].field == "user");
        CHECK(diff.changes[2].field == "connect_timeout");
        CHECK(diff.changes[0].identity);
        CHECK(diff.changes[1].identity);
        CHECK_FALSE(diff.changes[2].identity);
        CHECK(diff.changes[2].note.empty()); // a number, not a name someone misspells
        CHECK(contains(text_of(diff), "\n* database: users → orders\n* user: app → reporting\n"
                                      "  connect_timeout: 5 → 10\n"));
    }

    TEST_CASE("a letter-case change is named") {
        auto diff = diff_of("host=db user=App", "host=db user=app");
        CHECK(change(diff, "user").note == "differs only in letter case");
    }

    TEST_CASE("an sslmode downgrade says what protection is lost") {
        auto diff = diff_of(k_primary + "?sslmode=verify-full", k_primary + "?sslmode=prefer");
        const auto& tls = change(diff, "TLS");
        CHECK(tls.before == "verify-full");
        CHECK(tls.after == "prefer");
        CHECK(tls.identity);
        CHECK(tls.note == "weaker: the server is no longer verified");
        std::string text = text_of(diff);
        CHECK(contains(text, "* TLS: verify-full → prefer (weaker: the server is no longer verified)\n"));
        CHECK(contains(text, "new warning: sslmode=prefer silently falls back to plaintext"));
    }

    TEST_CASE("TLS notes: off, host name, stronger, and the same protection under another name") {
        CHECK(change(diff_of(k_primary + "?sslmode=require", k_primary + "?sslmode=disable"), "TLS").note ==
              "weaker: TLS is off, credentials and data travel in plaintext");
        CHECK(change(diff_of(k_primary + "?sslmode=verify-full", k_primary + "?sslmode=verify-ca"), "TLS").note ==
              "weaker: the server's host name is no longer checked");
        CHECK(change(diff_of(k_primary + "?sslmode=require", k_primary + "?sslmode=allow"), "TLS").note ==
              "weaker: TLS is no longer required, the session may fall back to plaintext");
        CHECK(change(diff_of(k_primary + "?sslmode=allow", k_primary + "?sslmode=prefer"), "TLS").note ==
              "same protection");
        auto stronger = diff_of(k_primary + "?sslmode=require", k_primary + "?sslmode=require&sslrootcert=/ca.pem");
        const auto& tls = change(stronger, "TLS");
        CHECK(tls.before == "require");
        CHECK(tls.after == "require");
        CHECK(tls.note == "stronger: the server is now verified");
        CHECK(change(stronger, "sslrootcert").after == "/ca.pem");
    }

    TEST_CASE("libpq's default sslmode written out is no change") {
        CHECK(diff_of(k_primary, k_primary + "?sslmode=prefer").same());
    }

    TEST_CASE("an added and a removed parameter") {
        auto diff = diff_of(k_primary + "?application_name=web", k_primary + "?connect_timeout=5");
        const auto& removed = change(diff, "application_name");
        CHECK(removed.before == "web");
        CHECK_FALSE(removed.after);
        const auto& added = change(diff, "connect_timeout");
        CHECK_FALSE(added.before);
        CHECK(added.after == "5");
        std::string text = text_of(diff);
        CHECK(contains(text, "  application_name: web → (not set)\n"));
        CHECK(contains(text, "  connect_timeout: (not set) → 5\n"));
    }

    TEST_CASE("a value that differs only by a trailing space says so, and shows the space") {
        auto diff = diff_of("host=db dbname=users", "host=db dbname='users '");
        const auto& database = change(diff, "database");
        CHECK(database.note == "value differs only by a trailing space");
        CHECK(contains(text_of(diff), "* database: \"users\" → \"users \" (value differs only by a trailing space)"));
    }

    TEST_CASE("a value that differs only by a zero-width space says so, and writes it out") {
        auto diff = diff_of(k_primary, "postgresql://app:pw@db-primary\u200B.staging.internal:5432/users");
        const auto& host = change(diff, "host");
        CHECK(host.note == "value differs only by an invisible character U+200B ZERO WIDTH SPACE inside it");
        CHECK(contains(text_of(diff),
                       "* host: \"db-primary.staging.internal\" → \"db-primary\\u200B.staging.internal\""));
    }

    TEST_CASE("invisible characters: leading, several, and mixed") {
        CHECK(change(diff_of("host=db user=app", "host=db user='\tapp'"), "user").note ==
              "value differs only by a leading tab");
        CHECK(change(diff_of("host=db user=app", "host=db user='app  '"), "user").note ==
              "value differs only by 2 trailing spaces");
        CHECK(change(diff_of("host=db user=app", "host=db user='app \t'"), "user").note ==
              "value differs only by invisible characters or whitespace");
        CHECK(change(diff_of("host=db user=app", "host=db user=app\u00A0"), "user").note ==
              "value differs only by a trailing invisible character U+00A0 NO-BREAK SPACE");
    }

    TEST_CASE("mysqlcppconn strings: database and TLS mode") {
        auto diff = diff_of("mysql://app:pw@db:3306/users?ssl-mode=VERIFY_IDENTITY",
                            "mysql://app:pw@db/shop?ssl-mode=REQUIRED", "mysqlcppconn");
        REQUIRE(diff.changes.size() == 2);
        CHECK(diff.driver == "mysqlcppconn");
        CHECK(change(diff, "database").after == "shop");
        const auto& tls = change(diff, "TLS");
        CHECK(tls.before == "VERIFY_IDENTITY");
        CHECK(tls.after == "REQUIRED");
        CHECK(tls.note == "weaker: the server is no longer verified");
    }

    TEST_CASE("soci strings: libpq's keys behind postgresql://, SOCI's own behind mysql://") {
        auto postgres = diff_of("postgresql://host=db dbname=users connect_timeout=5",
                                "postgresql://host=db dbname=orders connect_timeout=5", "soci");
        REQUIRE(postgres.changes.size() == 1);
        CHECK(change(postgres, "database").after == "orders");
        auto mysql = diff_of("mysql://host=db db=users user=app password=pw",
                             "mysql://host=db port=3307 db=users user=app password=pw sslca=/ca.pem", "soci");
        CHECK(change(mysql, "port").before == "3306 (default)");
        CHECK(change(mysql, "port").after == "3307");
        const auto& tls = change(mysql, "TLS");
        CHECK(tls.note == "stronger: TLS is now required");
        CHECK(change(mysql, "sslca").after == "/ca.pem");
    }

    TEST_CASE("a changed password is only \"changed\": never its value, length, distance or a part of it") {
        const std::string old_password = "Olq-Zk9x-47115";
        std::string quoted;
        for (char c : k_canary) {
            if (c == '\'' || c == '\\')
                quoted += '\\';
            quoted += c;
        }
        Redactor redactor;
        auto diff = diff_of("host=db user=app password=" + old_password, "host=db user=app password='" + quoted + "'",
                            "libpq", &redactor);
        REQUIRE(diff.changes.size() == 1);
        const auto& password = change(diff, "password");
        CHECK(password.secret);
        CHECK_FALSE(password.identity);
        CHECK(password.before == std::string(Redactor::k_mask));
        CHECK(password.after == std::string(Redactor::k_mask));
        CHECK(password.distance == 0);
        CHECK(password.note.empty());
        std::string text = diff_text(diff, redactor);
        std::string json = diff_json(diff, redactor);
        CHECK(contains(text, "\n  password: changed\n"));
        for (const auto& output : {text, json}) {
            CHECK_MESSAGE(canary_form_in(output).empty(), "shows the password as " << canary_form_in(output));
            CHECK_FALSE(shows_part_of(output, old_password));
            CHECK_FALSE(shows_part_of(output, k_canary));
            CHECK_FALSE(contains(output, std::to_string(old_password.size())));
            CHECK_FALSE(contains(output, std::to_string(k_canary.size())));
        }
    }

    TEST_CASE("an added password is \"added\", and an unchanged one is not listed") {
        auto added = diff_of("host=db user=app", "host=db user=app password=s3cret-value");
        CHECK(contains(text_of(added), "  password: added\n"));
        CHECK_FALSE(contains(text_of(added), "s3cret"));
        CHECK_FALSE(changed(diff_of("host=db password=a1 user=x", "host=db password=a1 user=y"), "password"));
    }

    TEST_CASE("every line passes through the redactor: a secret that moved into another field is cut") {
        Redactor redactor;
        auto diff = diff_of("host=db password=Moved-Secret-99 application_name=web",
                            "host=db password=other-pw-123 application_name=Moved-Secret-99", "libpq", &redactor);
        CHECK(change(diff, "application_name").after == "Moved-Secret-99"); // not a secret to libpq
        CHECK_FALSE(contains(diff_text(diff, redactor), "Moved-Secret-99"));
        CHECK_FALSE(contains(diff_json(diff, redactor), "Moved-Secret-99"));
    }

    TEST_CASE("JSON: stagegate-diff/1 with every field of every change") {
        auto diff = diff_of(k_primary + "?sslmode=verify-full", k_typo + "?sslmode=verify-full&connect_timeout=5");
        auto json = nlohmann::ordered_json::parse(diff_json(diff, Redactor()));
        std::vector<std::string> keys;
        for (const auto& item : json.items())
            keys.push_back(item.key());
        CHECK(keys ==
              std::vector<std::string>{"format", "driver", "same", "changes", "warnings_before", "warnings_after"});
        CHECK(json["format"] == "stagegate-diff/1");
        CHECK(json["driver"] == "libpq");
        CHECK(json["same"] == false);
        REQUIRE(json["changes"].size() == 2);
        const auto& host = json["changes"][0];
        CHECK(host == nlohmann::ordered_json{{"field", "host"},
                                             {"before", "db-primary.staging.internal"},
                                             {"after", "db-prmary.staging.internal"},
                                             {"identity", true},
                                             {"secret", false},
                                             {"distance", 1},
                                             {"note", "edit distance 1"}});
        CHECK(json["changes"][1]["field"] == "connect_timeout");
        CHECK(json["changes"][1]["before"].is_null());
        CHECK(json["warnings_before"].size() == json["warnings_after"].size() + 1);
    }

    TEST_CASE("JSON of the same config: no changes, same true") {
        auto json = nlohmann::json::parse(diff_json(diff_of(k_primary, k_primary), Redactor()));
        CHECK(json["same"] == true);
        CHECK(json["changes"].empty());
    }

    TEST_CASE("the driver is guessed from the string's form") {
        CHECK(guess_driver("postgresql://db/users") == "libpq");
        CHECK(guess_driver("postgres://db/users") == "libpq");
        CHECK(guess_driver("host=db dbname=users") == "libpq");
        CHECK(guess_driver("JDBC:postgresql://db/users") == "libpq");
        CHECK(guess_driver("mysql://app@db/users") == "mysqlcppconn");
        CHECK(guess_driver("mariadb://db/users") == "mysqlcppconn");
        CHECK(guess_driver("jdbc:mariadb://db/users") == "mysqlcppconn");
        CHECK(guess_driver("jdbc:mysql://db/users") == "mysqlcppconn");
        CHECK(guess_driver("postgresql://host=db dbname=users") == "soci");
        CHECK(guess_driver("mysql://host=db db=users") == "soci");
        CHECK(guess_driver("sqlite3://db=/tmp/app.db") == "soci");
        CHECK(guess_driver("host=db options='-c x://y'") == "libpq");
        CHECK_FALSE(guess_driver("db-primary"));
        CHECK_FALSE(guess_driver("redis://cache:6379"));
    }
}
