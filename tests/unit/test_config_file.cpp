#include <doctest/doctest.h>

#include "scenario/config_file.hpp"
#include "support.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>

using namespace stagegate;
using namespace stagegate::test;

namespace {

const std::string k_nbsp = "\xC2\xA0";
const std::string k_bom = "\xEF\xBB\xBF";

// Writes `text` as `name` in a fresh folder and returns its path.
std::filesystem::path config(const std::string& name, const std::string& text) {
    return write_file(fresh_dir("config") / name, text);
}

// The loader called `name`, or the one the file's name chooses when `name` is k_by_name.
constexpr std::string_view k_by_name;
const ConfigLoader& loader(const std::filesystem::path& file, std::string_view name) {
    const ConfigLoader* found = name.empty() ? config_loader_for(file) : find_config_loader(name);
    REQUIRE_MESSAGE(found != nullptr, "no loader for " << file.string() << " " << std::string(name));
    return *found;
}

// Returns what read_config_value finds for `key`, which must succeed.
ConfigValue value_of(const std::filesystem::path& file, std::string_view name, const std::string& key,
                     const Environment& env = fixed_env({})) {
    auto value = read_config_value(file, loader(file, name), key, env);
    REQUIRE_MESSAGE(value.has_value(), value.error());
    return *value;
}

// Returns the reason read_config_value refuses `key` with.
std::string error_of(const std::filesystem::path& file, std::string_view name, const std::string& key,
                     const Environment& env = fixed_env({})) {
    auto value = read_config_value(file, loader(file, name), key, env);
    REQUIRE_FALSE(value.has_value());
    return value.error();
}

// Replaces every "\n" in `text` with "\r\n".
std::string crlf(const std::string& text) {
    std::string out;
    for (char c : text)
        out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
}

const std::string k_database_yml = R"(# PostgreSQL. Versions 9.3 and up are supported.
#   url: <%= ENV["MYAPP_DATABASE_URL"] %>
default: &default
  adapter: postgresql
  encoding: unicode
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
  host: <%= ENV.fetch('DB_HOST', 'localhost') %>
  username: app

development:
  <<: *default
  database: app_development

production:
  <<: *default
  database: app_production
  host: db.internal
  password: <%= ENV['APP_DATABASE_PASSWORD'] %>
  url: <%= ENV.fetch("DATABASE_URL") %>
)";

const std::string k_values_yaml = R"(postgresql:
  enabled: true
  auth:
    username: app
    password: "s3cr3t # not a comment"
    database: app
  primary:
    service:
      ports:
        postgresql: 5432
servers:
  - host: db-0.internal
    port: 5432
  - host: db-1.internal
commonLabels:
  app.kubernetes.io/name: billing
)";

const std::string k_application_yml = R"(spring:
  datasource:
    host: db.internal
    url: jdbc:postgresql://${DB_HOST:${spring.datasource.host}}:5432/app
    username: ${DB_USER}
    password: ${DB_PASSWORD:}
  jpa.open-in-view: false
)";

const std::string k_appsettings = R"({
  // Connection strings for EF Core
  "ConnectionStrings": {
    "Default": "Host=db;Port=5432;Database=app;Username=app;Password=s3cr3t",
    /* the reporting replica */
    "Reporting": "Host=replica;Database=app"
  },
  "Logging": { "LogLevel": { "Default": "Information" } },
  "Database": { "Port": 5432, "Pooling": true, "Timeout": null },
  "Servers": [ { "Host": "a" }, { "Host": "b" } ]
}
)";

const std::string k_application_properties = R"(# Spring Boot
spring.datasource.host=db.internal
spring.datasource.url=jdbc:postgresql://${spring.datasource.host}:5432/app\
    ?sslmode=verify-full\
    &ApplicationName=billing
spring.datasource.username : app
spring.datasource.password ${DB_PASSWORD:changeme}
! an old-style comment
app.greeting=Gr\u00fc\u00df Gott\tand \uD83D\uDE00
my\ key=spaced
key\=with\:separators=x
spring.datasource.username=override
)";

const std::string k_my_cnf = R"(# my.cnf for the billing service
[client]
host = db.internal
port=3306
user = "app"
password = 'p#ss w\'rd'  # the app's password
ssl-ca = /etc/mysql/ca.pem
ssl_mode=VERIFY_IDENTITY
default-character-set=utf8mb4

[mysqld]
port = 3307
; a comment
skip-name-resolve
)";

} // namespace

TEST_SUITE("config_file") {
    TEST_CASE("loader names and their other names are found, unknown names are not") {
        for (const auto& each : config_loaders())
            CHECK(find_config_loader(each.name) == &each);
        CHECK(find_config_loader("dotenv")->name == "env");
        CHECK(find_config_loader("yml")->name == "yaml");
        CHECK(find_config_loader("toml") == nullptr);
        CHECK(find_config_loader("YAML") == nullptr);
        CHECK(config_loader_names() ==
              std::vector<std::string>{"rails", "spring", "yaml", "json", "properties", "pg_service", "ini", "env"});
    }

    TEST_CASE("the file name chooses the loader of its framework") {
        auto chosen = [](const char* file) -> std::string {
            const ConfigLoader* found = config_loader_for(file);
            return found ? std::string(found->name) : "none";
        };
        CHECK(chosen(".env") == "env");
        CHECK(chosen("/srv/app/.env.production") == "env");
        CHECK(chosen("app.env") == "env");
        CHECK(chosen(".env.yml") == "yaml");
        CHECK(chosen("config/database.yml") == "rails");
        CHECK(chosen("config/database.yaml") == "yaml");
        CHECK(chosen("application.yml") == "spring");
        CHECK(chosen("application-prod.yaml") == "spring");
        CHECK(chosen("bootstrap.properties") == "spring");
        CHECK(chosen("src/main/resources/application.properties") == "spring");
        CHECK(chosen("values.YAML") == "yaml");
        CHECK(chosen("appsettings.Production.json") == "json");
        CHECK(chosen("driver.properties") == "properties");
        CHECK(chosen("pg_service.conf") == "pg_service");
        CHECK(chosen("my.cnf") == "ini");
        CHECK(chosen("app.ini") == "ini");
        CHECK(chosen("mysql.conf") == "ini");
        CHECK(chosen("settings.toml") == "none");
        CHECK(chosen("environment") == "none");
        CHECK(several_loaders_read("database.yml"));
        CHECK(several_loaders_read("application.properties"));
        CHECK_FALSE(several_loaders_read("app.env"));
        CHECK_FALSE(several_loaders_read("values.yaml"));
    }

    TEST_CASE("a file larger than 4 MiB is refused before it is read") {
        auto file = config("big.yml", "a: " + std::string(4 * 1024 * 1024, 'x') + "\n");
        CHECK(error_of(file, k_by_name, "a") ==
              file.string() + ": cannot read the file: 4194308 bytes is more than the 4 MiB stagegate reads of a file");
        CHECK(error_of(file, "env", "a").ends_with("more than the 4 MiB stagegate reads of a file"));
    }

    TEST_CASE("a missing file is named") {
        auto file = fresh_dir("config-missing") / "database.yml";
        CHECK(error_of(file, k_by_name, "production.url") == file.string() + ": cannot read the file: no such file");
    }
}

TEST_SUITE("config_file_dotenv") {
    TEST_CASE("a dotenv value comes with the line of its last assignment") {
        auto file = config(".env", "DATABASE_URL=first\n# comment\nDATABASE_URL=postgresql://${DB_HOST}/app\n");
        auto value = value_of(file, "env", "DATABASE_URL", fixed_env({{"DB_HOST", "db"}}));
        CHECK(value.value == "postgresql://db/app");
        CHECK(value.line == 3);
    }

    TEST_CASE("dotenv reasons pass on unchanged") {
        auto file = config(".env", "DATABSE_URL=x\n");
        CHECK(error_of(file, "env", "DATABASE_URL") ==
              file.string() + " has no key DATABASE_URL; did you mean DATABSE_URL?");
        auto broken = config(".env", "A=1\nnot an assignment\n");
        CHECK(error_of(broken, "env", "A") == broken.string() + ":2: expected KEY=VALUE");
    }

    TEST_CASE("a dotenv value keeps a trailing no-break space") {
        auto file = config(".env", crlf(k_bom + "PASSWORD=secret" + k_nbsp + "\n"));
        CHECK(value_of(file, "env", "PASSWORD").value == "secret" + k_nbsp);
    }
}

TEST_SUITE("config_file_yaml") {
    TEST_CASE("Rails database.yml: merge keys give the default's values, explicit keys win") {
        auto file = config("database.yml", k_database_yml);
        auto env = fixed_env({{"APP_DATABASE_PASSWORD", "hunter2"}, {"DATABASE_URL", "postgres://db/app"}});
        auto database = value_of(file, k_by_name, "production.database", env);
        CHECK(database.value == "app_production");
        CHECK(database.line == 16);
        auto username = value_of(file, k_by_name, "production.username", env);
        CHECK(username.value == "app");
        CHECK(username.line == 8); // where the merged value is written
        CHECK(value_of(file, k_by_name, "production.host", env).value == "db.internal");
        CHECK(value_of(file, k_by_name, "development.host", env).value == "localhost");
        CHECK(value_of(file, k_by_name, "development.adapter", env).value == "postgresql");
    }

    TEST_CASE("Rails database.yml: ERB reads ENV[...] and ENV.fetch with and without defaults") {
        auto file = config("database.yml", k_database_yml);
        auto env = fixed_env(
            {{"APP_DATABASE_PASSWORD", "hunter2"}, {"DATABASE_URL", "postgres://db/app"}, {"DB_HOST", "db.from.env"}});
        auto password = value_of(file, k_by_name, "production.password", env);
        CHECK(password.value == "hunter2");
        CHECK(password.line == 18);
        CHECK(value_of(file, k_by_name, "production.url", env).value == "postgres://db/app");
        CHECK(value_of(file, k_by_name, "development.host", env).value == "db.from.env");
        CHECK(value_of(file, k_by_name, "production.pool", env).value == "5");
        CHECK(value_of(file, k_by_name, "production.pool", fixed_env({{"RAILS_MAX_THREADS", "10"}})).value == "10");
    }

    TEST_CASE("Rails database.yml: an unset variable fails only for the value that uses it") {
        auto file = config("database.yml", k_database_yml);
        // The commented-out MYAPP_DATABASE_URL and the unset DATABASE_URL do not matter here.
        CHECK(value_of(file, k_by_name, "production.database").value == "app_production");
        CHECK(error_of(file, k_by_name, "production.password") ==
              file.string() + ":18: production.password: APP_DATABASE_PASSWORD is not set (ENV[...] reads nil, an "
                              "empty value)");
        CHECK(error_of(file, k_by_name, "production.url") ==
              file.string() + ":19: production.url: DATABASE_URL is not set (ENV.fetch without a default raises "
                              "KeyError)");
    }

    TEST_CASE("ERB beyond ENV lookups is refused at its line") {
        auto file = config("database.yml", "production:\n  adapter: postgresql\n  password: <%= "
                                           "Rails.application.credentials.dig(:db, :password) %>\n");
        CHECK(error_of(file, k_by_name, "production.adapter") ==
              file.string() + ":3: ERB <%= Rails.application.credentials.dig(:db, :password) %>: stagegate evaluates "
                              "only ENV[...] and ENV.fetch(...)");
        auto block = config("database.yml", "<% if true %>\nproduction:\n  adapter: postgresql\n<% end %>\n");
        CHECK(error_of(block, k_by_name, "production.adapter")
                  .starts_with(block.string() + ":1: ERB <% if "
                                                "true %>"));
        auto open = config("database.yml", "production:\n  url: <%= ENV['X']\n");
        CHECK(error_of(open, k_by_name, "production.url") == open.string() + ":2: an ERB tag <% is not closed with %>");
    }

    TEST_CASE("a list of merged maps: the earlier map wins, explicit keys over both") {
        auto file = config("database.yml", "a: &a\n  host: from-a\n  port: 1\nb: &b\n  host: from-b\n  user: bob\n"
                                           "production:\n  <<: [*a, *b]\n  port: 2\n");
        CHECK(value_of(file, k_by_name, "production.host").value == "from-a");
        CHECK(value_of(file, k_by_name, "production.user").value == "bob");
        CHECK(value_of(file, k_by_name, "production.port").value == "2");
    }

    TEST_CASE("Helm values.yaml: nested paths, list indexes, quoted values, keys with dots") {
        auto file = config("values.yaml", k_values_yaml);
        auto password = value_of(file, k_by_name, "postgresql.auth.password");
        CHECK(password.value == "s3cr3t # not a comment");
        CHECK(password.line == 5);
        CHECK(value_of(file, k_by_name, "postgresql.primary.service.ports.postgresql").value == "5432");
        CHECK(value_of(file, k_by_name, "postgresql.enabled").value == "true");
        CHECK(value_of(file, k_by_name, "servers.1.host").value == "db-1.internal");
        CHECK(value_of(file, k_by_name, "commonLabels.app\\.kubernetes\\.io/name").value == "billing");
        CHECK(value_of(file, k_by_name, "commonLabels.app.kubernetes.io/name").value == "billing");
    }

    TEST_CASE("a mapping or a list is not a value, and its children are suggested") {
        auto file = config("values.yaml", k_values_yaml);
        CHECK(error_of(file, k_by_name, "postgresql.auth") ==
              file.string() + ":3: postgresql.auth is a mapping, not a value; did you mean postgresql.auth.username, "
                              "postgresql.auth.password or postgresql.auth.database?");
        CHECK(error_of(file, k_by_name, "servers") ==
              file.string() + ":11: servers is a list, not a value; did you mean servers.0 or servers.1?");
    }

    TEST_CASE("a typo'd yaml key gets the closest path") {
        auto file = config("values.yaml", k_values_yaml);
        CHECK(error_of(file, k_by_name, "postgresql.auth.pasword") ==
              file.string() + " has no key postgresql.auth.pasword; did you mean postgresql.auth.password?");
        CHECK(error_of(file, k_by_name, "servers.2.host") ==
              file.string() + " has no key servers.2.host; did you mean servers.0.host or servers.1.host?");
        auto rails = config("database.yml", k_database_yml);
        CHECK(error_of(rails, k_by_name, "prodution.database") ==
              rails.string() + " has no key prodution.database; did you mean production.database?");
    }

    TEST_CASE("a null yaml value is empty") {
        auto file = config("database.yml", "production:\n  password: ~\n  host:\n  user: null\n  quoted: \"~\"\n");
        CHECK(error_of(file, k_by_name, "production.password") ==
              file.string() + ":2: production.password is empty (null)");
        CHECK(error_of(file, k_by_name, "production.host") == file.string() + ":3: production.host is empty (null)");
        CHECK(error_of(file, k_by_name, "production.user") == file.string() + ":4: production.user is empty (null)");
        CHECK(value_of(file, k_by_name, "production.quoted").value == "~");
    }

    TEST_CASE("Spring application.yml: placeholders from the environment, then the file") {
        auto file = config("application.yml", k_application_yml);
        auto env = fixed_env({{"DB_USER", "app"}});
        CHECK(value_of(file, k_by_name, "spring.datasource.url", env).value ==
              "jdbc:postgresql://db.internal:5432/app");
        CHECK(value_of(file, k_by_name, "spring.datasource.url", fixed_env({{"DB_HOST", "db.env"}})).value ==
              "jdbc:postgresql://db.env:5432/app");
        // Spring's environment source also answers spring.datasource.host as SPRING_DATASOURCE_HOST.
        CHECK(value_of(file, k_by_name, "spring.datasource.url", fixed_env({{"SPRING_DATASOURCE_HOST", "db.relaxed"}}))
                  .value == "jdbc:postgresql://db.relaxed:5432/app");
        CHECK(value_of(file, k_by_name, "spring.datasource.username", env).value == "app");
        CHECK(value_of(file, k_by_name, "spring.datasource.password", env).value.empty());
        CHECK(value_of(file, k_by_name, "spring.jpa.open-in-view").value == "false");
        CHECK(error_of(file, k_by_name, "spring.datasource.username") ==
              file.string() + ":5: spring.datasource.username: placeholder ${DB_USER} is neither an environment "
                              "variable nor a key of the file: export it, or write ${DB_USER:default}");
    }

    TEST_CASE("each framework's loader evaluates only its own syntax") {
        // Rails runs ERB and nothing else: ${...} is a password's text.
        auto rails = config("database.yml", "production:\n  password: p${x}w\n  host: <%= ENV['DB_HOST'] %>\n");
        CHECK(value_of(rails, k_by_name, "production.password").value == "p${x}w");
        CHECK(value_of(rails, k_by_name, "production.host", fixed_env({{"DB_HOST", "db"}})).value == "db");
        // Spring resolves ${...} and nothing else: <% is a password's text, in YAML and in properties.
        auto spring = config("application.yml", "spring:\n  datasource:\n    password: p<%w\n"
                                                "    host: ${DB_HOST}\n");
        CHECK(value_of(spring, k_by_name, "spring.datasource.password").value == "p<%w");
        CHECK(value_of(spring, k_by_name, "spring.datasource.host", fixed_env({{"DB_HOST", "db"}})).value == "db");
        auto properties = config("application.properties", "password=p<%= x %>w\nhost=${DB_HOST}\n");
        CHECK(value_of(properties, k_by_name, "password").value == "p<%= x %>w");
        CHECK(value_of(properties, k_by_name, "host", fixed_env({{"DB_HOST", "db"}})).value == "db");
        // Plain YAML and java.util.Properties evaluate neither.
        auto values = config("values.yaml", "password: p${x}w\nhost: <%= ENV['DB_HOST'] %>\n");
        CHECK(value_of(values, k_by_name, "password").value == "p${x}w");
        CHECK(value_of(values, k_by_name, "host", fixed_env({{"DB_HOST", "db"}})).value == "<%= ENV['DB_HOST'] %>");
        auto driver = config("driver.properties", "host=${DB_HOST}\n");
        CHECK(value_of(driver, k_by_name, "host", fixed_env({{"DB_HOST", "db"}})).value == "${DB_HOST}");
        // A loader the scenario names wins over the file name.
        CHECK(value_of(values, "rails", "host", fixed_env({{"DB_HOST", "db"}})).value == "db");
        CHECK(value_of(driver, "spring", "host", fixed_env({{"DB_HOST", "db"}})).value == "db");
    }

    TEST_CASE("a key set in a later yaml document is refused") {
        auto file = config("application.yml", "spring:\n  application.name: billing\n  datasource:\n"
                                              "    url: jdbc:postgresql://db/app\n---\n"
                                              "spring:\n  config:\n    activate:\n      on-profile: prod\n"
                                              "  datasource:\n    url: jdbc:postgresql://prod/app\n");
        CHECK(error_of(file, k_by_name, "spring.datasource.url") ==
              file.string() + ":11: spring.datasource.url is set in YAML document 2 of 2; which document wins depends "
                              "on the active profile, which stagegate cannot know: keep the value in one document");
        CHECK(value_of(file, k_by_name, "spring.application.name").value == "billing");
    }

    TEST_CASE("broken yaml is reported at its line") {
        auto file = config("database.yml", "production:\n  host: db\n port: 5432\n");
        CHECK(error_of(file, k_by_name, "production.host") == file.string() + ":3: end of map not found");
        auto unclosed = config("values.yaml", "a: 1\nb: [x, y\nc: 2\n");
        CHECK(error_of(unclosed, k_by_name, "a") == unclosed.string() + ":3: end of sequence flow not found");
    }

    TEST_CASE("a byte-order mark and CRLF line ends are read") {
        auto file = config("database.yml", k_bom + crlf(k_database_yml));
        auto value = value_of(file, k_by_name, "production.username");
        CHECK(value.value == "app");
        CHECK(value.line == 8);
        CHECK(value_of(file, k_by_name, "production.database").value == "app_production");
    }

    TEST_CASE("a trailing no-break space in a yaml value is kept") {
        auto file = config("values.yaml", "auth:\n  password: secret" + k_nbsp + "\n  other: x\t\n");
        CHECK(value_of(file, k_by_name, "auth.password").value == "secret" + k_nbsp);
        // YAML itself drops trailing blanks of a plain scalar.
        CHECK(value_of(file, k_by_name, "auth.other").value == "x");
    }
}

TEST_SUITE("config_file_json") {
    TEST_CASE("appsettings.json with comments: dot paths, numbers, booleans, indexes") {
        auto file = config("appsettings.json", k_appsettings);
        CHECK(value_of(file, "json", "ConnectionStrings.Default").value ==
              "Host=db;Port=5432;Database=app;Username=app;Password=s3cr3t");
        CHECK(value_of(file, "json", "ConnectionStrings.Reporting").value == "Host=replica;Database=app");
        CHECK(value_of(file, "json", "Database.Port").value == "5432");
        CHECK(value_of(file, "json", "Database.Pooling").value == "true");
        CHECK(value_of(file, "json", "Servers.1.Host").value == "b");
        CHECK(value_of(file, "json", "Database.Port").line == 0);
    }

    TEST_CASE("json null, objects and arrays are not values") {
        auto file = config("appsettings.json", k_appsettings);
        CHECK(error_of(file, "json", "Database.Timeout") == file.string() + ": Database.Timeout is empty (null)");
        CHECK(error_of(file, "json", "ConnectionStrings") ==
              file.string() + ": ConnectionStrings is an object, not a value; did you mean ConnectionStrings.Default "
                              "or ConnectionStrings.Reporting?");
        CHECK(error_of(file, "json", "Servers") ==
              file.string() + ": Servers is an array, not a value; did you mean Servers.0 or Servers.1?");
    }

    TEST_CASE("a typo'd json key gets the closest path, in any case") {
        auto file = config("appsettings.json", k_appsettings);
        CHECK(error_of(file, "json", "ConnectionStrings.Defualt") ==
              file.string() + " has no key ConnectionStrings.Defualt; did you mean ConnectionStrings.Default?");
        CHECK(error_of(file, "json", "connectionstrings.default") ==
              file.string() + " has no key connectionstrings.default; did you mean ConnectionStrings.Default?");
    }

    TEST_CASE("broken json is reported at its line without the text it read") {
        auto missing_comma = config("appsettings.json", "{\n  \"A\": \"x\"\n  \"B\": \"y\"\n}\n");
        CHECK(error_of(missing_comma, "json", "A") ==
              missing_comma.string() +
                  ":3: syntax error while parsing object - unexpected string literal; expected '}'");
        auto unterminated = config("appsettings.json", "{\n  \"Password\": \"hunter2\n}\n");
        auto reason = error_of(unterminated, "json", "Password");
        CHECK(reason.starts_with(unterminated.string() + ":2: syntax error while parsing value - invalid string"));
        CHECK(reason.find("hunter2") == std::string::npos);
    }

    TEST_CASE("a byte-order mark, CRLF and a trailing no-break space in json") {
        auto file = config("appsettings.json", k_bom + crlf("{\n  \"ConnectionStrings\": {\n    \"Default\": "
                                                            "\"Password=secret" +
                                                            k_nbsp + "\"\n  }\n}\n"));
        CHECK(value_of(file, "json", "ConnectionStrings.Default").value == "Password=secret" + k_nbsp);
    }
}

TEST_SUITE("config_file_properties") {
    TEST_CASE("Spring application.properties: continuation lines and placeholders") {
        auto file = config("application.properties", k_application_properties);
        auto url = value_of(file, k_by_name, "spring.datasource.url");
        CHECK(url.value == "jdbc:postgresql://db.internal:5432/app?sslmode=verify-full&ApplicationName=billing");
        CHECK(url.line == 3);
        CHECK(value_of(file, k_by_name, "spring.datasource.password").value == "changeme");
        CHECK(value_of(file, k_by_name, "spring.datasource.password", fixed_env({{"DB_PASSWORD", "from-env"}})).value ==
              "from-env");
        CHECK(value_of(file, k_by_name, "spring.datasource.url", fixed_env({{"SPRING_DATASOURCE_HOST", "db.env"}}))
                  .value == "jdbc:postgresql://db.env:5432/app?sslmode=verify-full&ApplicationName=billing");
    }

    TEST_CASE("the last assignment wins, with its line") {
        auto file = config("application.properties", k_application_properties);
        auto user = value_of(file, k_by_name, "spring.datasource.username");
        CHECK(user.value == "override");
        CHECK(user.line == 12);
    }

    TEST_CASE("escapes, escaped separators and the three separator forms") {
        auto file = config("application.properties", k_application_properties);
        CHECK(value_of(file, k_by_name, "app.greeting").value == "Gr\xC3\xBC\xC3\x9F Gott\tand \xF0\x9F\x98\x80");
        CHECK(value_of(file, k_by_name, "my key").value == "spaced");
        CHECK(value_of(file, k_by_name, "key=with:separators").value == "x");
        auto forms = config("application.properties", "a=1\nb: 2\nc 3\n  d  =  4  \ne\n");
        CHECK(value_of(forms, k_by_name, "a").value == "1");
        CHECK(value_of(forms, k_by_name, "b").value == "2");
        CHECK(value_of(forms, k_by_name, "c").value == "3");
        CHECK(value_of(forms, k_by_name, "d").value == "4  "); // Java keeps trailing blanks
        CHECK(value_of(forms, k_by_name, "e").value.empty());
    }

    TEST_CASE("comment lines do not continue, continued lines are never comments") {
        auto file = config("application.properties", "# a comment \\\nkey=a\\\n  # part of the value\n");
        CHECK(value_of(file, k_by_name, "key").value == "a# part of the value");
    }

    TEST_CASE("placeholder cycles and unset placeholders are errors") {
        auto file = config("application.properties", "a=${b}\nb=${a}\nc=${MISSING}\nd=${MISSING:${a}}\n");
        CHECK(error_of(file, k_by_name, "a") == file.string() + ":1: a: placeholder ${b} refers back "
                                                                "to itself");
        CHECK(error_of(file, k_by_name, "c") ==
              file.string() + ":3: c: placeholder ${MISSING} is neither an environment variable nor a key of the "
                              "file: export it, or write ${MISSING:default}");
        CHECK(error_of(file, k_by_name, "d").find("refers back to itself") != std::string::npos);
    }

    TEST_CASE("a typo'd property gets the closest key, a prefix its keys") {
        auto file = config("application.properties", k_application_properties);
        CHECK(error_of(file, k_by_name, "spring.datasource.pasword") ==
              file.string() + " has no key spring.datasource.pasword; did you mean spring.datasource.password?");
        CHECK(error_of(file, k_by_name, "spring.datasource") ==
              file.string() + " has no key spring.datasource; did you mean spring.datasource.host, "
                              "spring.datasource.url or spring.datasource.username?");
    }

    TEST_CASE("a malformed unicode escape is reported at its line") {
        auto file = config("application.properties", "a=1\nb=\\u00zz\n");
        CHECK(error_of(file, k_by_name, "a") == file.string() + ":2: malformed \\uxxxx encoding");
        auto half = config("application.properties", "a=\\uD83D\n");
        CHECK(error_of(half, k_by_name, "a") ==
              half.string() + ":1: \\uD83D is half of a UTF-16 surrogate pair without its other half");
    }

    TEST_CASE("a byte-order mark, CRLF and a trailing no-break space in properties") {
        auto file = config("application.properties",
                           k_bom + crlf("spring.datasource.password=secret" + k_nbsp + "\nnext=a\\\n   b\n"));
        CHECK(value_of(file, k_by_name, "spring.datasource.password").value == "secret" + k_nbsp);
        auto next = value_of(file, k_by_name, "next");
        CHECK(next.value == "ab");
        CHECK(next.line == 2);
    }
}

TEST_SUITE("config_file_ini") {
    TEST_CASE("my.cnf [client]: quotes, escapes and a comment after the value") {
        auto file = config("my.cnf", k_my_cnf);
        auto password = value_of(file, "ini", "client.password");
        CHECK(password.value == "p#ss w'rd");
        CHECK(password.line == 6);
        CHECK(value_of(file, "ini", "client.user").value == "app");
        CHECK(value_of(file, "ini", "client.host").value == "db.internal");
        CHECK(value_of(file, "ini", "mysqld.port").value == "3307");
        CHECK(value_of(file, "ini", "mysqld.skip-name-resolve").value.empty());
    }

    TEST_CASE("'-' and '_' are the same in option names") {
        auto file = config("my.cnf", k_my_cnf);
        CHECK(value_of(file, "ini", "client.ssl_ca").value == "/etc/mysql/ca.pem");
        CHECK(value_of(file, "ini", "client.ssl-mode").value == "VERIFY_IDENTITY");
        CHECK(error_of(file, "ini", "client.sslca") ==
              file.string() + " has no key client.sslca; did you mean client.ssl-ca?");
    }

    TEST_CASE("a typo'd option or section gets a suggestion, and sections are case-sensitive") {
        auto file = config("my.cnf", k_my_cnf);
        CHECK(error_of(file, "ini", "client.pasword") ==
              file.string() + " has no key client.pasword; did you mean client.password?");
        CHECK(error_of(file, "ini", "Client.password") ==
              file.string() + " has no key Client.password; did you mean client.password?");
    }

    TEST_CASE("a '#' outside quotes ends the value as in MySQL, even without a blank before it") {
        auto file = config("my.cnf", "[client]\nhost=db#primary\npassword=\"a#b\"\nuser=it's#me\n");
        CHECK(value_of(file, "ini", "client.host").value == "db");
        CHECK(value_of(file, "ini", "client.password").value == "a#b");
        // An unmatched quote opens a string for MySQL's comment scan too.
        CHECK(value_of(file, "ini", "client.user").value == "it's#me");
    }

    TEST_CASE("MySQL escapes, and quotes only when they match") {
        auto file = config("my.cnf", "[client]\na=\"x\\ty\\sz\\\\\"\nb='open\nc=back\\q\nd=\"\"\n");
        CHECK(value_of(file, "ini", "client.a").value == "x\ty z\\");
        CHECK(value_of(file, "ini", "client.b").value == "'open");
        CHECK(value_of(file, "ini", "client.c").value == "back\\q");
        CHECK(value_of(file, "ini", "client.d").value.empty());
    }

    TEST_CASE("the last assignment in a section wins, and a key before any section has no prefix") {
        auto file = config("app.ini", "user=root\n[client]\nuser=a\n[other]\nuser=b\n[client]\nuser=c\n");
        CHECK(value_of(file, "ini", "user").value == "root");
        auto last = value_of(file, "ini", "client.user");
        CHECK(last.value == "c");
        CHECK(last.line == 7);
        CHECK(value_of(file, "ini", "other.user").value == "b");
    }

    TEST_CASE("!include and broken sections are reported at their line") {
        auto include = config("my.cnf", "[client]\n!includedir /etc/mysql/conf.d/\nuser=a\n");
        CHECK(error_of(include, "ini", "client.user") ==
              include.string() + ":2: !includedir is not followed by stagegate: put the options in this file");
        auto include_file = config("my.cnf", "!include /etc/mysql/common.cnf\n");
        CHECK(error_of(include_file, "ini", "client.user") ==
              include_file.string() + ":1: !include is not followed by stagegate: put the options in this file");
        auto section = config("my.cnf", "[client\nuser=a\n");
        CHECK(error_of(section, "ini", "client.user") ==
              section.string() + ":1: a section header without its closing ]");
        auto nameless = config("my.cnf", "[client]\n= x\n");
        CHECK(error_of(nameless, "ini", "client.user") == nameless.string() + ":2: an option without a name");
    }

    TEST_CASE("a byte-order mark, CRLF and a trailing no-break space in an option file") {
        auto file = config("my.cnf", k_bom + crlf("[client]\npassword=secret" + k_nbsp + "\nuser = 'app'  \n"));
        CHECK(value_of(file, "ini", "client.password").value == "secret" + k_nbsp);
        CHECK(value_of(file, "ini", "client.user").value == "app");
    }
}

TEST_SUITE("config_file_bounds") {
    TEST_CASE("merge keys that reach the same maps many ways are applied once each, quickly") {
        // Two maps per level, each merging both maps of the level below: 2^40 ways down.
        std::string text = "a0: &a0\n  deep: found\nb0: &b0\n  other: x\n";
        for (int i = 1; i <= 40; ++i)
            text += fmt::format("a{0}: &a{0}\n  <<: [*a{1}, *b{1}]\nb{0}: &b{0}\n  <<: [*b{1}, *a{1}]\n", i, i - 1);
        auto file = config("values.yaml", text);
        auto start = std::chrono::steady_clock::now();
        CHECK(value_of(file, k_by_name, "a40.deep").value == "found");
        CHECK(error_of(file, k_by_name, "a40.missing").starts_with(file.string() + " has no key a40.missing"));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }

    TEST_CASE("a map that holds and merges itself through its own anchor ends there") {
        const std::string key(1000, 'k'); // YAML allows keys of up to 1024 characters without "? "
        auto file = config("values.yaml", "default: &default\n  " + key + "1: *default\n  " + key +
                                              "2: *default\n  <<: *default\n  url: x\n");
        auto start = std::chrono::steady_clock::now();
        CHECK(value_of(file, k_by_name, "default.url").value == "x");
        CHECK(value_of(file, k_by_name, "default." + key + "1.url").value == "x");
        CHECK(error_of(file, k_by_name, "default.ur").ends_with("did you mean default.url?"));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }

    TEST_CASE("placeholders that double at every level are refused quickly") {
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += fmt::format("p{}=${{p{}}}${{p{}}}\n", i, i + 1, i + 1);
        auto file = config("application.properties", text + "p40=x\n");
        auto start = std::chrono::steady_clock::now();
        CHECK(error_of(file, k_by_name, "p0") ==
              file.string() + ":1: p0: resolving the value takes more than 10000 placeholders: keys refer to each "
                              "other too many times over; simplify them");
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }

    TEST_CASE("placeholders nest at most 64 deep and grow to at most 4 MiB") {
        std::string chain;
        for (int i = 0; i < 100; ++i)
            chain += fmt::format("c{}=${{c{}}}\n", i, i + 1);
        auto file = config("application.properties", chain + "c100=x\nbig=${huge}${huge}${huge}${huge}${huge}\nhuge=" +
                                                         std::string(1024 * 1024, 'y') + "\n");
        CHECK(error_of(file, k_by_name, "c0")
                  .ends_with("placeholders nest more than 64 deep (a key "
                             "refers to a key that refers to ...): simplify "
                             "them"));
        CHECK(value_of(file, k_by_name, "c40").value == "x");
        CHECK(error_of(file, k_by_name, "big")
                  .ends_with("the value grows beyond 4 MiB once its placeholders are resolved: keys refer to each "
                             "other too many times over"));
        std::string nested;
        for (int i = 0; i < 100000; ++i)
            nested += "${";
        auto deep = config("deep.properties", "a=" + nested + "\n");
        CHECK(value_of(deep, "spring", "a").value == nested); // no closing brace: kept, as Spring does
    }

    TEST_CASE("a config file that is a FIFO or a device is refused without blocking") {
        auto dir = fresh_dir("config-special");
        REQUIRE(::mkfifo((dir / "app.env").c_str(), 0600) == 0);
        REQUIRE(::mkfifo((dir / "app.yml").c_str(), 0600) == 0);
        std::filesystem::create_symlink("/dev/zero", dir / "zero.json");
        CHECK(error_of(dir / "app.env", "env", "URL") ==
              (dir / "app.env").string() +
                  ": cannot read the file: a named pipe (FIFO), not a regular file: name a regular file");
        CHECK(error_of(dir / "app.yml", k_by_name, "url")
                  .ends_with("a named pipe (FIFO), not a regular file: "
                             "name a regular file"));
        CHECK(error_of(dir / "zero.json", "json", "url")
                  .ends_with("a device, not a regular file: name a "
                             "regular file"));
    }

    TEST_CASE("an ERB tag of a megabyte is read without recursion") {
        auto file = config("database.yml", "production:\n  url: <%= ENV['" + std::string(1024 * 1024, 'A') + "'] %>\n");
        CHECK(error_of(file, k_by_name, "production.url").find("is not set") != std::string::npos);
    }

    TEST_CASE("yaml nesting too deep says so") {
        auto file = config("values.yaml", std::string(100000, '[') + std::string(100000, ']') + "\n");
        CHECK(error_of(file, k_by_name, "a")
                  .ends_with("lists and mappings nest too deeply to be read: "
                             "flatten the file"));
    }
}
