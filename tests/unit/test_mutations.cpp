#include <doctest/doctest.h>

#include "canary.hpp"
#include "run/mutations.hpp"
#include "stagegate/driver.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

const std::string k_password = "S3cr3t-pw-xyz";
const std::string k_zwsp = "\xE2\x80\x8B";

const std::string k_postmortem =
    "postgresql://app:rotated-in-june@db-primary.staging.internal:5432/users?sslmode=prefer&connect_timeout=5";

const Driver& driver_named(std::string_view name) {
    const Driver* driver = find_driver(name);
    REQUIRE(driver != nullptr);
    return *driver;
}

ParsedCandidate parsed(std::string_view driver, const std::string& text) {
    auto result = driver_named(driver).parse(text);
    REQUIRE_MESSAGE(result.has_value(), text, ": ", result.error().message);
    return *result;
}

std::vector<Mutant> mutants_of(std::string_view driver, const std::string& text) {
    auto mutants = mutate(driver_named(driver), parsed(driver, text), text);
    REQUIRE_MESSAGE(mutants.has_value(), mutants.error());
    return *mutants;
}

// libpq in every answer but one: it places no values in its strings.
class NoLayoutDriver final : public Driver {
  public:
    std::string_view name() const override { return "nolayout"; }
    std::string client_version() const override { return m_libpq.client_version(); }
    bool has(Capability capability) const override {
        return capability != Capability::string_layout && m_libpq.has(capability);
    }
    std::span<const std::string_view> protocols() const override { return m_libpq.protocols(); }
    FieldKeys field_keys(std::string_view protocol) const override { return m_libpq.field_keys(protocol); }
    Result<ParsedCandidate> parse(std::string_view text) const override { return m_libpq.parse(text); }
    std::optional<std::string_view> recognises(std::string_view) const override { return std::nullopt; }
    std::optional<StringLayout> layout(std::string_view) const override { return std::nullopt; }
    Result<ComposedString> compose(const Composition& composition) const override {
        return m_libpq.compose(composition);
    }
    Result<std::unique_ptr<Session>> connect(const ParsedCandidate& candidate, std::span<const Route> routes,
                                             const Deadline& deadline) const override {
        return m_libpq.connect(candidate, routes, deadline);
    }
    Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline& deadline) const override {
        return m_libpq.connect_admin(login, deadline);
    }

  private:
    const Driver& m_libpq = driver_named("libpq");
};

bool has_kind(const std::vector<Mutant>& mutants, std::string_view kind) {
    return std::any_of(mutants.begin(), mutants.end(), [&](const Mutant& mutant) { return mutant.kind == kind; });
}

const Mutant& mutant(const std::vector<Mutant>& mutants, std::string_view kind) {
    auto found =
        std::find_if(mutants.begin(), mutants.end(), [&](const Mutant& mutant) { return mutant.kind == kind; });
    REQUIRE_MESSAGE(found != mutants.end(), "no ", kind, " mutant");
    return *found;
}

std::string text_of(const std::vector<Mutant>& mutants, std::string_view kind) {
    return mutant(mutants, kind).text;
}

std::string replaced(std::string text, std::string_view what, std::string_view with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
    return text;
}

std::size_t occurrences(std::string_view text, std::string_view what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
        ++count;
    return count;
}

// The database as each form names it.
std::optional<std::string> database_of(const ParsedCandidate& candidate) {
    for (std::string_view key : {"dbname", "database", "db"}) {
        if (auto value = candidate.get(key))
            return value;
    }
    return std::nullopt;
}

struct Sample {
    std::string_view driver;
    std::string text;
};

// Every form the drivers read, each with the recognisable password where the form takes one.
const std::vector<Sample> k_samples{
    {"libpq",
     "postgresql://app:" + k_password +
         "@db-primary.staging.internal:5432/users?sslmode=verify-full&connect_timeout=5&application_name=billing"},
    {"libpq",
     "host='db primary' port=5432 dbname=users user=app password=" + k_password + " sslmode=require connect_timeout=5"},
    {"libpq", "postgresql://app%40corp:" + k_password + "@[2001:db8::1]:6543/users"},
    {"libpq", "postgresql://app:" + k_password +
                  "@db-one.internal:5432,db-two.internal:5433/users?target_session_attrs=read-write"},
    {"libpq", "host=db1.internal,db2.internal port=5432,5433 dbname=users user=app password='" + k_password +
                  "' application_name=billing"},
    {"libpq", "postgresql://app@db.internal/users"},
    {"mysqlcppconn", "mysql://app:" + k_password +
                         "@db-primary.staging.internal:3306/users?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem"
                         "&connect-timeout=5"},
    {"mysqlcppconn", "tcp://db.internal:3306/users?user=app&password=" + k_password + "&sslMode=required"},
    {"mysqlcppconn", "mariadb://app:" + k_password + "@[::1]:3306/users"},
    {"mysqlcppconn", "unix:///run/mysqld/mysqld.sock?user=app&password=" + k_password + "&schema=users"},
    {"soci", "postgresql://host=db-primary.internal port=5432 dbname=users user=app password=" + k_password +
                 " sslmode=verify-ca connect_timeout=5"},
    {"soci", "postgresql://host=\"'db primary'\" dbname=users user=app password=" + k_password},
    {"soci", "postgresql://postgresql://app:" + k_password + "@db.internal:5432/users?connect_timeout=5"},
    {"soci", "mysql://host=db.internal port=3306 db=users user=app password='" + k_password +
                 "' sslca=/etc/ca.pem connect_timeout=5"},
    {"soci", "sqlite3://db=/var/lib/app/app.db timeout=5"},
};

// Checks that `mutant`, when its driver reads it, changed what its kind says it changed.
void check_mutated_field(const Mutant& mutant, const ParsedCandidate& before, const ParsedCandidate& after) {
    INFO(mutant.kind, ": ", mutant.description);
    if (mutant.kind.starts_with("host-") || mutant.kind == "invisible-char") {
        REQUIRE_FALSE(after.endpoints.empty());
        CHECK(after.endpoints[0].host != before.endpoints[0].host);
    } else if (mutant.kind.starts_with("port-")) {
        REQUIRE_FALSE(after.endpoints.empty());
        CHECK(after.endpoints[0].port != before.endpoints[0].port);
    } else if (mutant.kind.starts_with("user-")) {
        CHECK(after.get("user") != before.get("user"));
    } else if (mutant.kind.starts_with("database-")) {
        CHECK(database_of(after) != database_of(before));
    } else if (mutant.kind == "password-wrong") {
        CHECK(after.get("password") != before.get("password"));
    } else if (mutant.kind == "tls-downgrade") {
        CHECK(after.tls_setting != before.tls_setting);
        CHECK(static_cast<int>(after.tls) <= static_cast<int>(before.tls));
    } else if (mutant.kind == "param-misspelled") {
        CHECK_FALSE(after.get(mutant.field).has_value());
    }
}

} // namespace

TEST_SUITE("mutations") {
    TEST_CASE("the postmortem URI mutates into exactly these strings, in this order") {
        const std::string tail = ":5432/users?sslmode=prefer&connect_timeout=5";
        const std::vector<std::pair<std::string, std::string>> expected{
            {"host-drop", "postgresql://app:{pw}@db-prmary.staging.internal" + tail},
            {"host-double", "postgresql://app:{pw}@db-priimary.staging.internal" + tail},
            {"host-swap", "postgresql://app:{pw}@db-pirmary.staging.internal" + tail},
            {"port-plus-one",
             "postgresql://app:{pw}@db-primary.staging.internal:5433/users?sslmode=prefer&connect_timeout=5"},
            {"port-minus-one",
             "postgresql://app:{pw}@db-primary.staging.internal:5431/users?sslmode=prefer&connect_timeout=5"},
            {"port-transpose",
             "postgresql://app:{pw}@db-primary.staging.internal:4532/users?sslmode=prefer&connect_timeout=5"},
            {"user-drop", "postgresql://ap:{pw}@db-primary.staging.internal" + tail},
            {"user-double", "postgresql://appp:{pw}@db-primary.staging.internal" + tail},
            {"user-swap", "postgresql://pap:{pw}@db-primary.staging.internal" + tail},
            {"database-drop",
             "postgresql://app:{pw}@db-primary.staging.internal:5432/usrs?sslmode=prefer&connect_timeout=5"},
            {"database-double",
             "postgresql://app:{pw}@db-primary.staging.internal:5432/useers?sslmode=prefer&connect_timeout=5"},
            {"database-swap",
             "postgresql://app:{pw}@db-primary.staging.internal:5432/uesrs?sslmode=prefer&connect_timeout=5"},
            {"password-wrong", "postgresql://app:rotated-in-junf@db-primary.staging.internal" + tail},
            {"tls-downgrade",
             "postgresql://app:{pw}@db-primary.staging.internal:5432/users?sslmode=disable&connect_timeout=5"},
            {"param-misspelled",
             "postgresql://app:{pw}@db-primary.staging.internal:5432/users?sslmode=prefer&conect_timeout=5"},
            {"trailing-space", "postgresql://app:{pw}@db-primary.staging.internal" + tail + " "},
            {"invisible-char", "postgresql://app:{pw}@db-primary" + k_zwsp + ".staging.internal" + tail},
            {"scheme-typo", "postgreslq://app:{pw}@db-primary.staging.internal" + tail},
        };
        auto mutants = mutants_of("libpq", k_postmortem);
        std::string want;
        for (const auto& [kind, text] : expected)
            want += kind + " " + text + "\n";
        std::string got;
        for (const auto& mutant : mutants)
            got += mutant.kind + " " + replaced(mutant.text, "rotated-in-june", "{pw}") + "\n";
        CHECK(got == want);
    }

    TEST_CASE("the postmortem's host-drop mutation is the real typo") {
        auto mutants = mutants_of("libpq", k_postmortem);
        CHECK(text_of(mutants, "host-drop") ==
              replaced(k_postmortem, "db-primary.staging.internal", "db-prmary.staging.internal"));
    }

    TEST_CASE("mutation descriptions say what changed in one line, and mask the password") {
        auto mutants = mutants_of("libpq", k_postmortem);
        CHECK(mutant(mutants, "host-drop").description ==
              "host db-primary.staging.internal → db-prmary.staging.internal");
        CHECK(mutant(mutants, "port-plus-one").description == "port 5432 → 5433");
        CHECK(mutant(mutants, "user-swap").description == "user app → pap");
        CHECK(mutant(mutants, "database-drop").description == "database users → usrs");
        CHECK(mutant(mutants, "password-wrong").description == "password changed by one character");
        CHECK(mutant(mutants, "tls-downgrade").description == "sslmode prefer → disable");
        CHECK(mutant(mutants, "param-misspelled").description == "parameter connect_timeout → conect_timeout");
        CHECK(mutant(mutants, "trailing-space").description == "trailing space after the string");
        CHECK(mutant(mutants, "invisible-char").description == "U+200B (zero-width space) inside host");
        CHECK(mutant(mutants, "scheme-typo").description == "scheme postgresql:// → postgreslq://");
        for (const auto& mutant : mutants) {
            CHECK(mutant.description.find('\n') == std::string::npos);
            CHECK(mutant.catches.find('\n') == std::string::npos);
            CHECK_FALSE(mutant.catches.empty());
        }
    }

    TEST_CASE("a surviving mutation's advice names the check that would catch it") {
        auto mutants = mutants_of("libpq", k_postmortem);
        CHECK(mutant(mutants, "password-wrong").catches.find("pg_hba") != std::string::npos);
        CHECK(mutant(mutants, "user-drop").catches.find("`privileges`") != std::string::npos);
        CHECK(mutant(mutants, "database-drop").catches.find("`query`") != std::string::npos);
        CHECK(mutant(mutants, "tls-downgrade").catches.find("`tls`") != std::string::npos);
        CHECK(mutant(mutants, "param-misspelled").catches.find("`setting`") != std::string::npos);
        auto verified = mutants_of("libpq", replaced(k_postmortem, "sslmode=prefer", "sslmode=verify-full"));
        CHECK(mutant(verified, "tls-downgrade").catches.find("clients_must_verify") != std::string::npos);
    }

    TEST_CASE("a user equal to the password is masked in mutation descriptions") {
        auto mutants = mutants_of("libpq", "postgresql://postgres:postgres@db.internal/users");
        for (const auto& mutant : mutants)
            CHECK(mutant.description.find("postgres") == std::string::npos);
        CHECK(has_kind(mutants, "user-drop"));
    }

    TEST_CASE("a percent-encoded password appears in no mutation description or advice") {
        std::string text = "postgresql://app:" + std::string(k_canary_forms[1].text) + "@db.internal:5432/users";
        auto mutants = mutants_of("libpq", text);
        REQUIRE(has_kind(mutants, "password-wrong"));
        for (const auto& mutant : mutants) {
            CHECK(canary_form_in(mutant.description).empty());
            CHECK(canary_form_in(mutant.catches).empty());
        }
        // The last letter of the password (d of w%rd) moves on; every escape stays whole.
        CHECK(text_of(mutants, "password-wrong") == replaced(text, "w%25rd%27", "w%25re%27"));
    }

    TEST_CASE("keyword/value values keep their quotes when mutated") {
        auto mutants = mutants_of("libpq", "host='db primary' dbname=users user=app password='it\\'s " + k_password +
                                               "' connect_timeout=5");
        CHECK(text_of(mutants, "host-drop") ==
              "host='db prmary' dbname=users user=app password='it\\'s " + k_password + "' connect_timeout=5");
        CHECK(text_of(mutants, "password-wrong") ==
              "host='db primary' dbname=users user=app password='it\\'s S3cr3t-pw-xya' connect_timeout=5");
        CHECK(text_of(mutants, "tls-downgrade") == "host='db primary' dbname=users user=app password='it\\'s " +
                                                       k_password + "' connect_timeout=5 sslmode=disable");
        CHECK(text_of(mutants, "param-misspelled") ==
              "host='db primary' dbname=users user=app password='it\\'s " + k_password + "' conect_timeout=5");
        CHECK(text_of(mutants, "invisible-char") == "host='db primary" + k_zwsp +
                                                        "' dbname=users user=app "
                                                        "password='it\\'s " +
                                                        k_password + "' connect_timeout=5");
    }

    TEST_CASE("a backslash escape is mutated as one character of the value") {
        auto mutants = mutants_of("libpq", "host=db.internal user='a\\'b'");
        CHECK(text_of(mutants, "user-drop") == "host=db.internal user='ab'");
        CHECK(text_of(mutants, "user-double") == "host=db.internal user='a\\'\\'b'");
        CHECK(text_of(mutants, "user-swap") == "host=db.internal user='\\'ab'");
    }

    TEST_CASE("a percent-encoded user is mutated with its escapes whole") {
        auto mutants = mutants_of("libpq", "postgresql://a%40b@db.internal/users");
        CHECK(text_of(mutants, "user-drop") == "postgresql://ab@db.internal/users");
        CHECK(text_of(mutants, "user-double") == "postgresql://a%40%40b@db.internal/users");
        CHECK(text_of(mutants, "user-swap") == "postgresql://%40ab@db.internal/users");
        CHECK(mutant(mutants, "user-swap").description == "user a@b → @ab");
    }

    TEST_CASE("an IPv6 host is mutated inside its brackets") {
        auto mutants = mutants_of("libpq", "postgresql://app@[2001:db8::1]:6543/users");
        CHECK(text_of(mutants, "host-drop") == "postgresql://app@[2001:b8::1]:6543/users");
        CHECK(text_of(mutants, "port-plus-one") == "postgresql://app@[2001:db8::1]:6544/users");
        CHECK(text_of(mutants, "invisible-char") == "postgresql://app@[2001:db8::1" + k_zwsp + "]:6543/users");
        auto mysql = mutants_of("mysqlcppconn", "mariadb://app@[::1]:3306/users");
        CHECK(text_of(mysql, "host-drop") == "mariadb://app@[:1]:3306/users");
        CHECK(text_of(mysql, "host-swap") == "mariadb://app@[:1:]:3306/users");
        CHECK(text_of(mysql, "port-transpose") == "mariadb://app@[::1]:3036/users");
    }

    TEST_CASE("a string without port or password gets no port or password mutations") {
        auto mutants = mutants_of("libpq", "postgresql://app@db.internal/users");
        CHECK_FALSE(has_kind(mutants, "port-plus-one"));
        CHECK_FALSE(has_kind(mutants, "port-transpose"));
        CHECK_FALSE(has_kind(mutants, "password-wrong"));
        CHECK_FALSE(has_kind(mutants, "param-misspelled"));
        CHECK(text_of(mutants, "tls-downgrade") == "postgresql://app@db.internal/users?sslmode=disable");
        CHECK(mutant(mutants, "tls-downgrade").description == "sslmode=disable added (the string set no sslmode)");
    }

    TEST_CASE("a swap mutation exchanges letters within a word, not across a dot") {
        auto mutants = mutants_of("libpq", "host=db.internal user=ab dbname=aa");
        CHECK(text_of(mutants, "host-swap") == "host=db.niternal user=ab dbname=aa");
        CHECK(text_of(mutants, "user-swap") == "host=db.internal user=ba dbname=aa");
        CHECK_FALSE(has_kind(mutants, "database-swap"));
        CHECK(text_of(mutants, "database-drop") == "host=db.internal user=ab dbname=a");
    }

    TEST_CASE("a port of equal digits gets no transpose mutation") {
        auto mutants = mutants_of("libpq", "postgresql://app@db.internal:5555/users");
        CHECK(text_of(mutants, "port-minus-one") == "postgresql://app@db.internal:5554/users");
        CHECK_FALSE(has_kind(mutants, "port-transpose"));
    }

    TEST_CASE("of several hosts only the first is mutated") {
        auto uri = mutants_of("libpq", "postgresql://app@db-one.internal:5432,db-two.internal:5433/users");
        CHECK(text_of(uri, "host-drop") == "postgresql://app@db-ne.internal:5432,db-two.internal:5433/users");
        CHECK(text_of(uri, "port-plus-one") == "postgresql://app@db-one.internal:5433,db-two.internal:5433/users");
        auto keyword = mutants_of("libpq", "host=db1.internal,db2.internal port=5432,5433 dbname=users");
        CHECK(text_of(keyword, "host-drop") == "host=db1.nternal,db2.internal port=5432,5433 dbname=users");
        CHECK(text_of(keyword, "port-transpose") == "host=db1.internal,db2.internal port=4532,5433 dbname=users");
    }

    TEST_CASE("a value written twice is not mutated") {
        auto mutants = mutants_of("libpq", "host=a.internal host=b.internal dbname=users");
        CHECK_FALSE(has_kind(mutants, "host-drop"));
        CHECK_FALSE(has_kind(mutants, "invisible-char"));
        CHECK(has_kind(mutants, "database-drop"));
    }

    TEST_CASE("libpq's sslmode mutates one step weaker") {
        const std::vector<std::pair<std::string, std::string>> steps{
            {"verify-full", "require"}, {"verify-ca", "require"}, {"require", "prefer"},
            {"prefer", "disable"},      {"allow", "disable"},
        };
        for (const auto& [from, to] : steps) {
            auto mutants = mutants_of("libpq", "host=db.internal sslmode=" + from);
            CHECK(text_of(mutants, "tls-downgrade") == "host=db.internal sslmode=" + to);
            CHECK(mutant(mutants, "tls-downgrade").field == "sslmode");
        }
        CHECK_FALSE(has_kind(mutants_of("libpq", "host=db.internal sslmode=disable"), "tls-downgrade"));
        CHECK(text_of(mutants_of("libpq", "host=db.internal"), "tls-downgrade") == "host=db.internal sslmode=disable");
    }

    TEST_CASE("mysqlcppconn's ssl-mode mutates one step weaker, in the string's letter case") {
        const std::string base = "mysql://app@db.internal:3306/users?ssl-mode=";
        CHECK(text_of(mutants_of("mysqlcppconn", base + "VERIFY_IDENTITY"), "tls-downgrade") == base + "REQUIRED");
        CHECK(text_of(mutants_of("mysqlcppconn", base + "VERIFY_CA"), "tls-downgrade") == base + "REQUIRED");
        CHECK(text_of(mutants_of("mysqlcppconn", base + "REQUIRED"), "tls-downgrade") == base + "PREFERRED");
        CHECK(text_of(mutants_of("mysqlcppconn", base + "required"), "tls-downgrade") == base + "preferred");
        CHECK(text_of(mutants_of("mysqlcppconn", base + "PREFERRED"), "tls-downgrade") == base + "DISABLED");
        CHECK_FALSE(has_kind(mutants_of("mysqlcppconn", base + "DISABLED"), "tls-downgrade"));
    }

    TEST_CASE("mysqlcppconn gets an ssl-mode=DISABLED mutation only where a TLS option would ask for TLS") {
        auto with_ca = mutants_of("mysqlcppconn", "mysql://app@db.internal/users?ssl-ca=/etc/ca.pem");
        CHECK(text_of(with_ca, "tls-downgrade") ==
              "mysql://app@db.internal/users?ssl-ca=/etc/ca.pem&ssl-mode=DISABLED");
        CHECK_FALSE(has_kind(mutants_of("mysqlcppconn", "mysql://app@db.internal/users"), "tls-downgrade"));
    }

    TEST_CASE("SOCI's mysql TLS mutation removes its sslca") {
        auto mutants = mutants_of("soci", "mysql://host=db.internal sslca=/etc/ca.pem db=users");
        CHECK(text_of(mutants, "tls-downgrade") == "mysql://host=db.internal db=users");
        CHECK(mutant(mutants, "tls-downgrade").description == "sslca removed: the session goes plaintext");
        auto first = mutants_of("soci", "mysql://sslca='/etc/ca.pem' host=db.internal");
        CHECK(text_of(first, "tls-downgrade") == "mysql://host=db.internal");
    }

    TEST_CASE("mysqlcppconn's forms are mutated where the URL holds each value") {
        auto tcp = mutants_of("mysqlcppconn", "tcp://db.internal:3306/users?user=app&password=" + k_password);
        CHECK(text_of(tcp, "user-drop") == "tcp://db.internal:3306/users?user=ap&password=" + k_password);
        CHECK(text_of(tcp, "database-drop") == "tcp://db.internal:3306/usrs?user=app&password=" + k_password);
        CHECK(text_of(tcp, "scheme-typo") == "tpc://db.internal:3306/users?user=app&password=" + k_password);
        auto unix_socket = mutants_of("mysqlcppconn", "unix:///run/mysqld/mysqld.sock?user=app&schema=users");
        CHECK(text_of(unix_socket, "host-drop") == "unix:///rn/mysqld/mysqld.sock?user=app&schema=users");
        CHECK(text_of(unix_socket, "database-drop") == "unix:///run/mysqld/mysqld.sock?user=app&schema=usrs");
        auto url = mutants_of("mysqlcppconn", "mysql://app:" + k_password + "@db.internal/users?connect-timeout=5");
        CHECK(text_of(url, "scheme-typo") == "myslq://app:" + k_password + "@db.internal/users?connect-timeout=5");
        CHECK(text_of(url, "param-misspelled") == "mysql://app:" + k_password + "@db.internal/users?conect-timeout=5");
    }

    TEST_CASE("SOCI's forms are mutated where each backend reads the value") {
        auto keyword = mutants_of("soci", "postgresql://host=db-primary.internal dbname=users connect_timeout=5");
        CHECK(text_of(keyword, "host-drop") == "postgresql://host=db-prmary.internal dbname=users connect_timeout=5");
        CHECK(text_of(keyword, "tls-downgrade") ==
              "postgresql://host=db-primary.internal dbname=users connect_timeout=5 sslmode=disable");
        CHECK(text_of(keyword, "scheme-typo") ==
              "postgreslq://host=db-primary.internal dbname=users connect_timeout=5");
        auto quoted = mutants_of("soci", "postgresql://host=\"'db primary'\" dbname=users");
        CHECK(text_of(quoted, "host-drop") == "postgresql://host=\"'db prmary'\" dbname=users");
        auto uri = mutants_of("soci", "postgresql://postgresql://app@db.internal:5432/users?connect_timeout=5");
        CHECK(text_of(uri, "port-plus-one") ==
              "postgresql://postgresql://app@db.internal:5433/users?connect_timeout=5");
        CHECK(text_of(uri, "scheme-typo") == "postgreslq://postgresql://app@db.internal:5432/users?connect_timeout=5");
        auto mysql = mutants_of("soci", "mysql://host=db.internal db=users user=app password='" + k_password +
                                            "' connect_timeout=5");
        CHECK(text_of(mysql, "password-wrong") ==
              "mysql://host=db.internal db=users user=app password='S3cr3t-pw-xya' connect_timeout=5");
        CHECK(text_of(mysql, "param-misspelled") ==
              "mysql://host=db.internal db=users user=app password='" + k_password + "' conect_timeout=5");
        auto sqlite = mutants_of("soci", "sqlite3://db=/var/lib/app/app.db timeout=5");
        CHECK(text_of(sqlite, "database-drop") == "sqlite3://db=/vr/lib/app/app.db timeout=5");
        CHECK(text_of(sqlite, "param-misspelled") == "sqlite3://db=/var/lib/app/app.db tmeout=5");
        CHECK_FALSE(has_kind(sqlite, "tls-downgrade"));
    }

    TEST_CASE("a string in another driver's form is not mutated") {
        const Driver& libpq = driver_named("libpq");
        CHECK(mutate(libpq, ParsedCandidate{}, "mysql://app@db.internal/users").value().empty());
        CHECK(mutate(driver_named("mysqlcppconn"), ParsedCandidate{}, "host=db.internal").value().empty());
        CHECK(mutate(libpq, ParsedCandidate{}, "").value().empty());
    }

    TEST_CASE("a driver that places no values in its strings is said to, not silently left without mutants") {
        NoLayoutDriver driver;
        const std::string text = "host=db.internal dbname=users user=app";
        auto mutants = mutate(driver, parsed("libpq", text), text);
        REQUIRE_FALSE(mutants.has_value());
        CHECK(mutants.error() == "driver nolayout does not say where the values stand in its strings");
    }

    TEST_CASE("every mutated string differs from the input and from the others, and keeps the password to itself") {
        for (const auto& sample : k_samples) {
            INFO(sample.driver, ": ", sample.text);
            auto mutants = mutants_of(sample.driver, sample.text);
            CHECK(mutants.size() >= 5);
            std::set<std::string> texts;
            std::set<std::string> kinds;
            for (const auto& mutant : mutants) {
                INFO(mutant.kind);
                CHECK(mutant.text != sample.text);
                CHECK(texts.insert(mutant.text).second);
                CHECK(kinds.insert(mutant.kind).second);
                CHECK(mutant.description.find(k_password) == std::string::npos);
                CHECK(mutant.catches.find(k_password) == std::string::npos);
                std::size_t before = occurrences(sample.text, k_password);
                if (mutant.kind == "password-wrong")
                    CHECK(occurrences(mutant.text, k_password) < before);
                else
                    CHECK(occurrences(mutant.text, k_password) == before);
            }
        }
    }

    TEST_CASE("each mutation changes what its kind says, where the client reads it") {
        for (const auto& sample : k_samples) {
            INFO(sample.driver, ": ", sample.text);
            const Driver& driver = driver_named(sample.driver);
            ParsedCandidate before = parsed(sample.driver, sample.text);
            auto mutants = mutate(driver, before, sample.text);
            REQUIRE_MESSAGE(mutants.has_value(), mutants.error());
            for (const auto& mutant : *mutants) {
                auto after = driver.parse(mutant.text);
                if (mutant.kind == "scheme-typo")
                    CHECK_FALSE(after.has_value());
                if (after)
                    check_mutated_field(mutant, before, *after);
            }
        }
    }
}
