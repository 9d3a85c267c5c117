// How a JDBC URL's settings reach a native client: jdbc:postgresql as pgjdbc reads it,
// jdbc:mysql as MySQL Connector/J 8 does and jdbc:mariadb as MariaDB Connector/J 3 does.
// Nothing is guessed: a part the native client cannot express exactly, or whose meaning in the
// Java driver stagegate is not sure of, is refused with the reason, and the user translates it
// by hand. Parameter values are never quoted back (one may be a password); names are.
#include "scenario/jdbc.hpp"

#include "stagegate/driver.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <span>

namespace stagegate {

namespace {

using Failed = std::unexpected<std::string>;

constexpr std::string_view k_hidden = "********";
// The longest timeout the native readers take (mysqlcppconn's option table stops at one day).
constexpr long long k_max_timeout_seconds = 86400;

enum class Dialect { postgresql, mysql, mariadb };

std::string_view name_of(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgresql:
        return "postgresql";
    case Dialect::mysql:
        return "mysql";
    case Dialect::mariadb:
        return "mariadb";
    }
    return "";
}

// The protocol a Java driver speaks, as the native drivers name it.
std::string_view protocol_of(Dialect dialect) {
    return dialect == Dialect::postgresql ? "postgresql" : "mysql";
}

std::string_view java_driver(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgresql:
        return "pgjdbc";
    case Dialect::mysql:
        return "Connector/J";
    case Dialect::mariadb:
        return "MariaDB Connector/J";
    }
    return "";
}

struct Host {
    std::string name;
    std::optional<int> port;
};

struct Parameter {
    std::string name;
    std::string value;
};

struct JdbcUrl {
    Dialect dialect = Dialect::postgresql;
    std::vector<Host> hosts; // empty: the Java driver's default host
    std::optional<std::string> database;
    std::optional<std::string> user;     // Connector/J's user:password@ part
    std::optional<std::string> password; // ditto
    std::vector<Parameter> parameters;   // in URL order, values decoded
    std::vector<std::string> secrets;    // password texts as written and decoded, cut from any message
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
        auto next = text.find(separator, at);
        parts.push_back(text.substr(at, next == std::string_view::npos ? next : next - at));
        if (next == std::string_view::npos)
            return parts;
        at = next + 1;
    }
}

// --- reading the URL -------------------------------------------------------------------------

// Decodes %XX escapes in `text`, named `part` in messages. pgjdbc and Connector/J decode with
// java.net.URLDecoder, which also reads '+' as a space; whether MariaDB Connector/J decodes at
// all is not something stagegate knows. Both cases are refused rather than guessed.
std::expected<std::string, std::string> decode(std::string_view text, std::string_view part, Dialect dialect) {
    if (dialect == Dialect::mariadb && text.find_first_of("%+") != std::string_view::npos)
        return Failed(fmt::format("the {} holds '%' or '+', and stagegate does not know whether MariaDB Connector/J "
                                  "percent-decodes it: translate the URL by hand",
                                  part));
    if (text.find('+') != std::string_view::npos)
        return Failed(fmt::format("the {} holds a '+', which Java's URL decoder reads as a space: write %2B for a "
                                  "plus (or %20 for a space)",
                                  part));
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        unsigned value = 0;
        auto digits = i + 3 <= text.size() ? text.substr(i + 1, 2) : std::string_view();
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
        if (digits.size() != 2 || error != std::errc() || end != digits.data() + 2)
            return Failed(fmt::format("the {} holds a broken %-escape (write a '%' as %25)", part));
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

std::expected<int, std::string> read_port(std::string_view text, const std::string& host) {
    int port = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535)
        return Failed(fmt::format("the port of host {} is not a number from 1 to 65535", host));
    return port;
}

// host, host:port, [v6] or [v6]:port.
std::expected<Host, std::string> read_host(std::string_view text) {
    Host host;
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos)
            return Failed(std::string("an IPv6 address misses its closing ]"));
        host.name = std::string(text.substr(1, close - 1));
        auto after = text.substr(close + 1);
        if (!after.empty() && after.front() != ':')
            return Failed(fmt::format("unexpected text after the IPv6 address {}", host.name));
        port = after.empty() ? after : after.substr(1);
    } else {
        auto colon = text.find(':');
        if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
            return Failed(std::string("write an IPv6 address in brackets: [::1]:5432"));
        host.name = std::string(text.substr(0, colon));
        port = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
        if (colon != std::string_view::npos && port.empty())
            return Failed(fmt::format("host {} has a ':' without a port", host.name));
    }
    if (host.name.empty())
        return Failed(std::string("a host name is empty"));
    if (!port.empty()) {
        auto number = read_port(port, host.name);
        if (!number)
            return Failed(number.error());
        host.port = *number;
    }
    return host;
}

// key=value pairs joined by '&'. pgjdbc reads a bare key as an empty value; the MySQL drivers'
// handling of one is not documented, so there it is refused.
std::expected<void, std::string> read_query(std::string_view query, JdbcUrl& url) {
    for (auto pair : split(query, '&')) {
        if (pair.empty())
            continue;
        auto equals = pair.find('=');
        std::string name(pair.substr(0, equals));
        if (equals == std::string_view::npos && url.dialect != Dialect::postgresql)
            return Failed(fmt::format("parameter {} has no value: write {}=value", name, name));
        auto raw = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
        if (name == "password" && !raw.empty())
            url.secrets.emplace_back(raw);
        auto value = decode(raw, fmt::format("value of {}", name), url.dialect);
        if (!value)
            return Failed(value.error());
        if (name == "password" && !value->empty())
            url.secrets.push_back(*value);
        bool repeated = std::any_of(url.parameters.begin(), url.parameters.end(),
                                    [&](const Parameter& parameter) { return parameter.name == name; });
        if (repeated)
            return Failed(fmt::format("parameter {} is given twice", name));
        url.parameters.push_back({name, *value});
    }
    return {};
}

std::expected<void, std::string> read_database(std::string_view path, JdbcUrl& url) {
    auto database = decode(path, "database name", url.dialect);
    if (!database)
        return Failed(database.error());
    if (!database->empty())
        url.database = *database;
    return {};
}

// pgjdbc's forms: //host[:port][,host2[:port]]/db, //host/ (the default database),
// postgresql:db and postgresql:/ (localhost:5432).
std::expected<void, std::string> read_postgresql(std::string_view rest, JdbcUrl& url) {
    auto question = rest.find('?');
    std::string_view body = rest.substr(0, question);
    if (question != std::string_view::npos) {
        if (auto read = read_query(rest.substr(question + 1), url); !read)
            return read;
    }
    if (body == "/")
        return {};
    if (!body.starts_with("//")) {
        if (body.empty() || body.starts_with('/'))
            return Failed(std::string("pgjdbc's URL forms are jdbc:postgresql://host:5432/database, "
                                      "jdbc:postgresql:database and jdbc:postgresql:/"));
        return read_database(body, url);
    }
    body.remove_prefix(2);
    auto slash = body.find('/');
    if (slash == std::string_view::npos)
        return Failed(std::string("pgjdbc needs a '/' after the host: jdbc:postgresql://host:5432/database (or "
                                  "host:5432/ for the default database)"));
    std::string_view authority = body.substr(0, slash);
    if (authority.find('@') != std::string_view::npos)
        return Failed(std::string("pgjdbc's URL has no user@ part: give user and password as parameters or keys"));
    if (authority.empty())
        return Failed(std::string("no host between // and /"));
    for (auto text : split(authority, ',')) {
        auto host = read_host(text);
        if (!host)
            return Failed(host.error());
        url.hosts.push_back(*host);
    }
    return read_database(body.substr(slash + 1), url);
}

std::expected<void, std::string> read_userinfo(std::string_view info, JdbcUrl& url) {
    if (url.dialect == Dialect::mariadb)
        return Failed(std::string("MariaDB Connector/J's URL has no user@ part: give user and password as parameters "
                                  "or keys"));
    auto colon = info.find(':');
    if (colon != std::string_view::npos && colon + 1 < info.size())
        url.secrets.emplace_back(info.substr(colon + 1));
    auto user = decode(info.substr(0, colon), "user name", url.dialect);
    if (!user)
        return Failed(user.error());
    if (!user->empty())
        url.user = *user;
    if (colon == std::string_view::npos)
        return {};
    auto password = decode(info.substr(colon + 1), "password", url.dialect);
    if (!password)
        return Failed(password.error());
    url.password = *password;
    if (!password->empty())
        url.secrets.push_back(*password);
    return {};
}

std::expected<void, std::string> read_mysql_authority(std::string_view authority, JdbcUrl& url) {
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (auto read = read_userinfo(authority.substr(0, at), url); !read)
            return read;
        authority = authority.substr(at + 1);
    }
    if (authority.find(',') != std::string_view::npos || authority.starts_with('(') ||
        authority.starts_with("address="))
        return Failed(fmt::format("several hosts (or an address=(...) host): {} spreads connections over them, and "
                                  "the native clients take one host",
                                  java_driver(url.dialect)));
    if (authority.empty())
        return {};
    auto host = read_host(authority);
    if (!host)
        return Failed(host.error());
    url.hosts.push_back(*host);
    return {};
}

// Connector/J's and MariaDB Connector/J's single-host form: //[user:password@]host[:port][/db][?query].
std::expected<void, std::string> read_mysql(std::string_view rest, JdbcUrl& url) {
    for (std::string_view mode : {"replication:", "loadbalance:", "sequential:", "aurora:", "failover:"}) {
        if (rest.starts_with(mode))
            return Failed(fmt::format("jdbc:{}:{}// spreads connections over several hosts; the native clients take "
                                      "one host",
                                      name_of(url.dialect), mode));
    }
    if (!rest.starts_with("//"))
        return Failed(fmt::format("expected jdbc:{}://host:3306/database", name_of(url.dialect)));
    rest.remove_prefix(2);
    if (rest.find('#') != std::string_view::npos)
        return Failed(std::string("a '#' in the URL: percent-encode it (%23)"));
    auto question = rest.find('?');
    std::string_view body = rest.substr(0, question);
    if (question != std::string_view::npos) {
        if (auto read = read_query(rest.substr(question + 1), url); !read)
            return read;
    }
    auto slash = body.find('/');
    if (auto read = read_mysql_authority(body.substr(0, slash), url); !read)
        return read;
    if (slash == std::string_view::npos)
        return {};
    return read_database(body.substr(slash + 1), url);
}

std::expected<Dialect, std::string> read_subprotocol(std::string_view name) {
    if (name == "postgresql")
        return Dialect::postgresql;
    if (name == "mysql")
        return Dialect::mysql;
    if (name == "mariadb")
        return Dialect::mariadb;
    if (lower(name) == "postgresql" || lower(name) == "mysql" || lower(name) == "mariadb")
        return Failed(fmt::format("write jdbc:{}: in lower case, as the Java drivers match it", lower(name)));
    if (name == "mysql+srv")
        return Failed(std::string("jdbc:mysql+srv: looks the hosts up in DNS SRV records; the native clients take "
                                  "one host"));
    if (name == "mysqlx")
        return Failed(std::string("jdbc:mysqlx: is MySQL's X Protocol; the native clients speak the classic protocol"));
    std::vector<std::string> known{"postgresql", "mysql", "mariadb"};
    std::string hint = did_you_mean(name, known);
    return Failed(fmt::format("jdbc:{}: is not a URL stagegate translates (jdbc:postgresql, jdbc:mysql, "
                              "jdbc:mariadb){}",
                              name, hint.empty() ? "" : "; " + hint));
}

std::expected<JdbcUrl, std::string> read_url(std::string_view text) {
    if (!is_jdbc_url(text))
        return Failed(std::string("not a JDBC URL: it does not start with jdbc:"));
    if (!text.starts_with("jdbc:"))
        return Failed(std::string("write jdbc: in lower case, as the Java drivers match it"));
    auto rest = text.substr(5);
    auto colon = rest.find(':');
    if (colon == std::string_view::npos)
        return Failed(std::string("expected jdbc:<subprotocol>:..., e.g. jdbc:postgresql://host:5432/database"));
    auto dialect = read_subprotocol(rest.substr(0, colon));
    if (!dialect)
        return Failed(dialect.error());
    JdbcUrl url;
    url.dialect = *dialect;
    auto read = url.dialect == Dialect::postgresql ? read_postgresql(rest.substr(colon + 1), url)
                                                   : read_mysql(rest.substr(colon + 1), url);
    if (!read)
        return Failed(read.error());
    return url;
}

// --- what each parameter means ---------------------------------------------------------------

enum class Handling { translate, ignore, refuse };

struct KnownParameter {
    std::string_view name;
    Handling handling;
    std::string_view why; // for ignore and refuse
};

constexpr std::string_view k_statement_only = "affects statement handling only";
constexpr std::string_view k_client_key = "pgjdbc reads the client key as PKCS-8 DER or PKCS-12 (default "
                                          "~/.postgresql/postgresql.pk8), libpq only as PEM "
                                          "(~/.postgresql/postgresql.key): convert the key and give libpq sslcert "
                                          "and sslkey by hand";

constexpr std::array k_pgjdbc_parameters{
    KnownParameter{"user", Handling::translate, ""},
    KnownParameter{"password", Handling::translate, ""},
    KnownParameter{"ssl", Handling::translate, ""},
    KnownParameter{"sslmode", Handling::translate, ""},
    KnownParameter{"sslrootcert", Handling::translate, ""},
    KnownParameter{"connectTimeout", Handling::translate, ""},
    KnownParameter{"ApplicationName", Handling::translate, ""},
    KnownParameter{"options", Handling::translate, ""},
    KnownParameter{"currentSchema", Handling::translate, ""},
    KnownParameter{"targetServerType", Handling::translate, ""},
    KnownParameter{"loadBalanceHosts", Handling::translate, ""},
    KnownParameter{"prepareThreshold", Handling::ignore, k_statement_only},
    KnownParameter{"preparedStatementCacheQueries", Handling::ignore, k_statement_only},
    KnownParameter{"preparedStatementCacheSizeMiB", Handling::ignore, k_statement_only},
    KnownParameter{"reWriteBatchedInserts", Handling::ignore, k_statement_only},
    KnownParameter{"defaultRowFetchSize", Handling::ignore, k_statement_only},
    KnownParameter{"binaryTransfer", Handling::ignore, k_statement_only},
    KnownParameter{"sslcert", Handling::refuse, k_client_key},
    KnownParameter{"sslkey", Handling::refuse, k_client_key},
    KnownParameter{"sslpassword", Handling::refuse, "it unlocks the client key, which stagegate does not translate"},
    KnownParameter{"sslfactory", Handling::refuse,
                   "it names a Java SSLSocketFactory class, which decides on its own what is checked"},
    KnownParameter{"sslfactoryarg", Handling::refuse, "it is an argument to a Java SSLSocketFactory class"},
    KnownParameter{"sslpasswordcallback", Handling::refuse, "it names a Java callback class"},
    KnownParameter{"sslhostnameverifier", Handling::refuse,
                   "it names a Java HostnameVerifier class; libpq checks host names only with sslmode=verify-full"},
    KnownParameter{"loginTimeout", Handling::refuse,
                   "it is a deadline for the whole login, which libpq has no setting for (its connect_timeout "
                   "bounds each host's attempt)"},
    KnownParameter{"socketTimeout", Handling::refuse, "it bounds every read on the socket; libpq has no such setting"},
};

constexpr std::array k_connector_j_parameters{
    KnownParameter{"user", Handling::translate, ""},
    KnownParameter{"password", Handling::translate, ""},
    KnownParameter{"sslMode", Handling::translate, ""},
    KnownParameter{"useSSL", Handling::translate, ""},
    KnownParameter{"requireSSL", Handling::translate, ""},
    KnownParameter{"verifyServerCertificate", Handling::translate, ""},
    KnownParameter{"connectTimeout", Handling::translate, ""},
    KnownParameter{"socketTimeout", Handling::translate, ""},
    KnownParameter{"characterEncoding", Handling::translate, ""},
    KnownParameter{"cachePrepStmts", Handling::ignore, k_statement_only},
    KnownParameter{"useServerPrepStmts", Handling::ignore, k_statement_only},
    KnownParameter{"prepStmtCacheSize", Handling::ignore, k_statement_only},
    KnownParameter{"prepStmtCacheSqlLimit", Handling::ignore, k_statement_only},
    KnownParameter{"rewriteBatchedStatements", Handling::ignore, k_statement_only},
    KnownParameter{"zeroDateTimeBehavior", Handling::ignore, k_statement_only},
    KnownParameter{"useUnicode", Handling::ignore, k_statement_only},
    KnownParameter{"trustCertificateKeyStoreUrl", Handling::refuse,
                   "it is a Java keystore, which the native clients cannot read: give the CA as a PEM file instead"},
    KnownParameter{"trustCertificateKeyStorePassword", Handling::refuse, "it unlocks a Java keystore"},
    KnownParameter{"trustCertificateKeyStoreType", Handling::refuse, "it describes a Java keystore"},
    KnownParameter{"clientCertificateKeyStoreUrl", Handling::refuse,
                   "it is a Java keystore, which the native clients cannot read: give the client certificate and "
                   "key as PEM files instead"},
    KnownParameter{"clientCertificateKeyStorePassword", Handling::refuse, "it unlocks a Java keystore"},
    KnownParameter{"clientCertificateKeyStoreType", Handling::refuse, "it describes a Java keystore"},
    KnownParameter{"allowPublicKeyRetrieval", Handling::refuse,
                   "the native client's equivalent (get-server-public-key) is not an option stagegate passes"},
};

constexpr std::array k_mariadb_parameters{
    KnownParameter{"user", Handling::translate, ""},
    KnownParameter{"password", Handling::translate, ""},
    KnownParameter{"sslMode", Handling::translate, ""},
    KnownParameter{"connectTimeout", Handling::translate, ""},
    KnownParameter{"socketTimeout", Handling::translate, ""},
    KnownParameter{"cachePrepStmts", Handling::ignore, k_statement_only},
    KnownParameter{"useServerPrepStmts", Handling::ignore, k_statement_only},
    KnownParameter{"prepStmtCacheSize", Handling::ignore, k_statement_only},
    KnownParameter{"useBulkStmts", Handling::ignore, k_statement_only},
    KnownParameter{"serverSslCert", Handling::refuse,
                   "stagegate does not translate its forms (a file, classpath: or the certificate itself): give the "
                   "CA as a PEM file instead"},
    KnownParameter{"keyStore", Handling::refuse,
                   "it is a Java keystore, which the native clients cannot read: give the client certificate and "
                   "key as PEM files instead"},
    KnownParameter{"keyStorePassword", Handling::refuse, "it unlocks a Java keystore"},
    KnownParameter{"useSsl", Handling::refuse,
                   "MariaDB Connector/J 3 maps this older setting together with trustServerCertificate and "
                   "disableSslHostnameVerification: write sslMode (disable, trust, verify-ca or verify-full)"},
    KnownParameter{"useSSL", Handling::refuse,
                   "MariaDB Connector/J 3 maps this older setting together with trustServerCertificate and "
                   "disableSslHostnameVerification: write sslMode (disable, trust, verify-ca or verify-full)"},
    KnownParameter{"trustServerCertificate", Handling::refuse,
                   "an older TLS setting: write sslMode (disable, trust, verify-ca or verify-full)"},
    KnownParameter{"disableSslHostnameVerification", Handling::refuse,
                   "an older TLS setting: write sslMode (disable, trust, verify-ca or verify-full)"},
};

std::span<const KnownParameter> known_parameters(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgresql:
        return k_pgjdbc_parameters;
    case Dialect::mysql:
        return k_connector_j_parameters;
    case Dialect::mariadb:
        return k_mariadb_parameters;
    }
    return {};
}

// --- the native settings being built ---------------------------------------------------------

struct Draft {
    std::vector<std::pair<std::string, std::string>> settings; // native name and value, in the native order
    std::vector<std::string> mapping;
    std::vector<std::string> secrets;

    void set(std::string key, std::string value) { settings.emplace_back(std::move(key), std::move(value)); }

    std::optional<std::string> get(std::string_view key) const {
        for (const auto& [name, value] : settings) {
            if (name == key)
                return value;
        }
        return std::nullopt;
    }
};

// What the translation reads: the URL, its parameters by name, and the separate keys; and what
// the native driver's strings call the keys it writes.
struct Source {
    const JdbcUrl& url;
    const Driver& driver;
    FieldKeys keys;
    const std::optional<std::string>& user;
    const std::optional<std::string>& password;

    std::optional<std::string> parameter(std::string_view name) const {
        for (const auto& parameter : url.parameters) {
            if (parameter.name == name)
                return parameter.value;
        }
        return std::nullopt;
    }
};

// Every parameter must be known; ignored ones are listed, refused ones fail. An unknown name
// right after password= is not quoted back: it may be the password's tail after a raw '&'.
std::expected<void, std::string> check_parameters(const Source& source, std::string_view native, Draft& draft) {
    auto known = known_parameters(source.url.dialect);
    std::string previous;
    for (const auto& parameter : source.url.parameters) {
        auto spec =
            std::find_if(known.begin(), known.end(), [&](const KnownParameter& k) { return k.name == parameter.name; });
        if (spec == known.end() && previous == "password")
            return Failed(fmt::format("a parameter after password is not one {} knows (a raw '&' in the password? "
                                      "percent-encode it as %26)",
                                      java_driver(source.url.dialect)));
        if (spec == known.end()) {
            std::vector<std::string> names;
            for (const auto& k : known)
                names.emplace_back(k.name);
            std::string hint = did_you_mean(parameter.name, names);
            return Failed(fmt::format("parameter {} of jdbc:{} has no {} equivalent stagegate knows{}; translate it "
                                      "by hand",
                                      parameter.name, name_of(source.url.dialect), native,
                                      hint.empty() ? "" : " (" + hint + " names are matched exactly)"));
        }
        if (spec->handling == Handling::refuse)
            return Failed(fmt::format("parameter {} of jdbc:{} cannot be translated: {}", parameter.name,
                                      name_of(source.url.dialect), spec->why));
        if (spec->handling == Handling::ignore)
            draft.mapping.push_back(fmt::format("{} ignored: {}", parameter.name, spec->why));
        previous = parameter.name;
    }
    return {};
}

// The user name: the separate key or the URL's own, which must agree when both are given
// (pgjdbc takes the URL's, the others are not documented well enough to rely on).
std::expected<void, std::string> add_user(const Source& source, std::string_view key, Draft& draft) {
    auto in_url = source.parameter("user");
    if (source.url.user && in_url)
        return Failed(std::string("the user is given twice in the URL (user@ and user=)"));
    if (!in_url)
        in_url = source.url.user;
    if (in_url && source.user && *in_url != *source.user)
        return Failed(fmt::format("the URL says user {} and the username key says {}: which one the driver uses is "
                                  "not something to guess; keep one",
                                  *in_url, *source.user));
    if (!in_url && !source.user)
        return Failed(std::string("no user in the URL or the username key; the native client would fall back to the "
                                  "operating-system user"));
    std::string user = source.user ? *source.user : *in_url;
    if (user.empty())
        return Failed(std::string("the user is empty; the native client would fall back to the operating-system "
                                  "user"));
    std::string from = source.user && in_url ? fmt::format("user={} (the URL and the username key agree)", user)
                       : source.user         ? std::string("user (from the username key)")
                                             : fmt::format("user={}", user);
    draft.mapping.push_back(fmt::format("{} -> {}={}", from, key, user));
    draft.set(std::string(key), user);
    return {};
}

std::expected<void, std::string> add_password(const Source& source, std::string_view key, Draft& draft) {
    auto in_url = source.parameter("password");
    if (source.url.password && in_url)
        return Failed(std::string("the password is given twice in the URL (user:password@ and password=)"));
    if (!in_url)
        in_url = source.url.password;
    if (in_url && source.password && *in_url != *source.password)
        return Failed(std::string("the URL and the password key give different passwords: which one the driver uses "
                                  "is not something to guess; keep one"));
    if (!in_url && !source.password) {
        draft.mapping.emplace_back("no password -> none (the account must have none)");
        return {};
    }
    std::string password = source.password ? *source.password : *in_url;
    std::string_view from = source.password && in_url ? "password (the URL and the password key agree)"
                            : source.password         ? "password (from the password key)"
                                                      : "password";
    draft.mapping.push_back(fmt::format("{} -> {}={}", from, key, k_hidden));
    draft.set(std::string(key), password);
    if (!password.empty())
        draft.secrets.push_back(password);
    return {};
}

// --- jdbc:postgresql to libpq ----------------------------------------------------------------

void add_pg_hosts(const Source& source, Draft& draft) {
    if (source.url.hosts.empty()) {
        draft.mapping.emplace_back("no host -> host=localhost port=5432 (pgjdbc's defaults; libpq alone would use its "
                                   "local socket)");
        draft.set("host", "localhost");
        draft.set("port", "5432");
        return;
    }
    std::vector<std::string> written;
    std::vector<std::string> names;
    std::vector<std::string> ports;
    bool defaulted = false;
    for (const auto& host : source.url.hosts) {
        defaulted = defaulted || !host.port;
        std::string port = std::to_string(host.port.value_or(5432));
        written.push_back(host.port ? host.name + ":" + port : host.name);
        names.push_back(host.name);
        ports.push_back(port);
    }
    draft.set("host", join(names, ","));
    draft.set("port", join(ports, ","));
    draft.mapping.push_back(fmt::format("{} {} -> host={} port={}{}", written.size() > 1 ? "hosts" : "host",
                                        join(written, ","), *draft.get("host"), *draft.get("port"),
                                        defaulted ? " (5432 is pgjdbc's default port)" : ""));
}

void add_pg_database(const Source& source, Draft& draft) {
    if (!source.url.database) {
        draft.mapping.emplace_back("no database -> dbname left out (pgjdbc and libpq both default to the user name)");
        return;
    }
    draft.mapping.push_back(fmt::format("database {} -> dbname={}", *source.url.database, *source.url.database));
    draft.set("dbname", *source.url.database);
}

constexpr std::array<std::string_view, 6> k_sslmodes{"disable", "allow",     "prefer",
                                                     "require", "verify-ca", "verify-full"};

// pgjdbc: sslmode wins; without it ssl=true (or a bare ssl) means verify-full; without either
// the mode is prefer, libpq's default too.
std::expected<void, std::string> add_pg_sslmode(const Source& source, Draft& draft) {
    auto mode = source.parameter("sslmode");
    auto ssl = source.parameter("ssl");
    if (mode) {
        if (std::find(k_sslmodes.begin(), k_sslmodes.end(), *mode) == k_sslmodes.end()) {
            std::vector<std::string> modes(k_sslmodes.begin(), k_sslmodes.end());
            std::string hint = did_you_mean(*mode, modes);
            return Failed(fmt::format("sslmode={} is not a mode stagegate knows pgjdbc and libpq to share ({}){}",
                                      *mode, join(modes, ", "), hint.empty() ? "" : "; " + hint));
        }
        draft.mapping.push_back(fmt::format("sslmode={} -> sslmode={}", *mode, *mode));
        if (ssl)
            draft.mapping.push_back(fmt::format("ssl={} ignored: sslmode is set, and pgjdbc then ignores ssl", *ssl));
        draft.set("sslmode", *mode);
        return {};
    }
    if (!ssl) {
        draft.mapping.emplace_back("no sslmode -> left out (pgjdbc's default and libpq's are both prefer)");
        return {};
    }
    if (!ssl->empty() && lower(*ssl) != "true")
        return Failed(fmt::format("ssl={} without sslmode: pgjdbc then falls back to sslmode=prefer, which still "
                                  "tries TLS; write sslmode=disable or sslmode=prefer to say which is meant",
                                  *ssl));
    draft.mapping.push_back(fmt::format("ssl{} -> sslmode=verify-full (pgjdbc's meaning of ssl=true without sslmode)",
                                        ssl->empty() ? "" : "=" + *ssl));
    draft.set("sslmode", "verify-full");
    return {};
}

// A whole number of seconds, or nothing when `text` is not one.
std::optional<long long> whole_number(std::string_view text) {
    long long number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || number < 0)
        return std::nullopt;
    return number;
}

std::expected<void, std::string> add_pg_timeout(const Source& source, Draft& draft) {
    auto timeout = source.parameter("connectTimeout");
    if (!timeout)
        return {};
    if (!whole_number(*timeout))
        return Failed(fmt::format("connectTimeout={} is not a whole number of seconds", *timeout));
    std::string note = *timeout == "0"   ? " (0 waits forever in both)"
                       : *timeout == "1" ? " (libpq waits at least 2 seconds)"
                                         : "";
    draft.mapping.push_back(fmt::format("connectTimeout={} -> connect_timeout={}{}", *timeout, *timeout, note));
    draft.set("connect_timeout", *timeout);
    return {};
}

// A value inside libpq's options, which the server splits at blanks: blanks and backslashes
// are escaped with a backslash.
std::string options_word(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

void add_pg_session(const Source& source, Draft& draft) {
    if (auto name = source.parameter("ApplicationName")) {
        draft.mapping.push_back(fmt::format("ApplicationName={} -> application_name={}", *name, *name));
        draft.set("application_name", *name);
    }
    auto options = source.parameter("options");
    auto schema = source.parameter("currentSchema");
    if (options)
        draft.mapping.push_back(fmt::format("options={} -> options={}", *options, *options));
    if (schema) {
        std::string setting = "-c search_path=" + options_word(*schema);
        draft.mapping.push_back(fmt::format("currentSchema={} -> options={}", *schema, setting));
        options = options ? *options + " " + setting : setting;
    }
    if (options)
        draft.set("options", *options);
}

std::expected<void, std::string> add_pg_targets(const Source& source, Draft& draft) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> k_targets{{
        {"any", "any"},
        {"primary", "primary"},
        {"master", "primary"},
        {"secondary", "standby"},
        {"standby", "standby"},
        {"preferSecondary", "prefer-standby"},
        {"preferStandby", "prefer-standby"},
    }};
    if (auto target = source.parameter("targetServerType")) {
        auto found =
            std::find_if(k_targets.begin(), k_targets.end(), [&](const auto& t) { return t.first == *target; });
        if (found == k_targets.end())
            return Failed(fmt::format("targetServerType={} has no target_session_attrs equivalent stagegate knows (it "
                                      "translates any, primary, master, secondary, standby, preferSecondary, "
                                      "preferStandby)",
                                      *target));
        draft.mapping.push_back(fmt::format("targetServerType={} -> target_session_attrs={}", *target, found->second));
        draft.set("target_session_attrs", std::string(found->second));
    }
    if (auto balance = source.parameter("loadBalanceHosts")) {
        if (*balance == "true")
            return Failed(std::string("loadBalanceHosts=true: pgjdbc shuffles the hosts, and libpq 15 has no "
                                      "load_balance_hosts"));
        if (*balance != "false")
            return Failed(fmt::format("loadBalanceHosts={} is neither true nor false", *balance));
        draft.mapping.emplace_back("loadBalanceHosts=false -> left out (hosts are tried in order, as libpq does)");
    }
    return {};
}

std::expected<Draft, std::string> translate_postgresql(const Source& source) {
    Draft draft;
    add_pg_hosts(source, draft);
    add_pg_database(source, draft);
    if (auto done = add_user(source, "user", draft); !done)
        return Failed(done.error());
    if (auto done = add_password(source, "password", draft); !done)
        return Failed(done.error());
    if (auto done = add_pg_sslmode(source, draft); !done)
        return Failed(done.error());
    if (auto root = source.parameter("sslrootcert")) {
        draft.mapping.push_back(fmt::format("sslrootcert={} -> sslrootcert={}", *root, *root));
        draft.set("sslrootcert", *root);
    }
    if (auto done = add_pg_timeout(source, draft); !done)
        return Failed(done.error());
    add_pg_session(source, draft);
    if (auto done = add_pg_targets(source, draft); !done)
        return Failed(done.error());
    return draft;
}

// --- jdbc:mysql and jdbc:mariadb to the MySQL clients ----------------------------------------

void add_mysql_host(const Source& source, Draft& draft) {
    Host host = source.url.hosts.empty() ? Host{"localhost", std::nullopt} : source.url.hosts.front();
    std::string port = std::to_string(host.port.value_or(3306));
    std::string written = source.url.hosts.empty() ? "no host" : "host " + host.name + (host.port ? ":" + port : "");
    std::string note = source.url.hosts.empty() ? " (Connector/J's defaults)"
                       : host.port              ? ""
                                                : " (3306 is the default port)";
    draft.mapping.push_back(fmt::format("{} -> host={} port={}{}", written, host.name, port, note));
    draft.set("host", host.name);
    draft.set("port", port);
}

std::expected<bool, std::string> java_boolean(const Source& source, std::string_view name, bool fallback) {
    auto value = source.parameter(name);
    if (!value)
        return fallback;
    if (lower(*value) == "true" || lower(*value) == "false")
        return lower(*value) == "true";
    return Failed(fmt::format("{}={} is neither true nor false", name, *value));
}

// The TLS mode the Java driver ends up with, in the native clients' names.
struct SslChoice {
    std::string mode;    // DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY
    std::string written; // what the URL says, for the mapping
    std::string note;    // why the mode follows from it, when that is not plain
};

// Connector/J 8 maps the legacy useSSL/requireSSL/verifyServerCertificate only when sslMode is
// not set: useSSL=false is DISABLED, verifyServerCertificate=true VERIFY_CA, requireSSL=true
// REQUIRED, anything else its default PREFERRED.
std::expected<SslChoice, std::string> connector_j_legacy_mode(const Source& source) {
    auto use = java_boolean(source, "useSSL", true);
    auto verify = use ? java_boolean(source, "verifyServerCertificate", false) : use;
    auto require = verify ? java_boolean(source, "requireSSL", false) : verify;
    if (!require)
        return Failed(require.error());
    std::string mode = !*use ? "DISABLED" : *verify ? "VERIFY_CA" : *require ? "REQUIRED" : "PREFERRED";
    std::vector<std::string> written;
    for (std::string_view name : {"useSSL", "requireSSL", "verifyServerCertificate"}) {
        if (auto value = source.parameter(name))
            written.push_back(fmt::format("{}={}", name, *value));
    }
    return SslChoice{mode, join(written, "&"), " (as Connector/J 8 maps the older settings)"};
}

std::expected<SslChoice, std::string> connector_j_mode(const Source& source, Draft& draft) {
    constexpr std::array<std::string_view, 5> k_modes{"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
                                                      "VERIFY_IDENTITY"};
    bool legacy =
        source.parameter("useSSL") || source.parameter("requireSSL") || source.parameter("verifyServerCertificate");
    auto mode = source.parameter("sslMode");
    if (!mode && legacy)
        return connector_j_legacy_mode(source);
    if (!mode)
        return SslChoice{"PREFERRED", "no sslMode", " (Connector/J's default, said explicitly)"};
    // Connector/J reads enum values in any case.
    std::string canonical = upper(*mode);
    if (std::find(k_modes.begin(), k_modes.end(), canonical) == k_modes.end())
        return Failed(fmt::format("sslMode={} is not a Connector/J mode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, "
                                  "VERIFY_IDENTITY)",
                                  *mode));
    if (legacy)
        draft.mapping.emplace_back("useSSL, requireSSL and verifyServerCertificate ignored: sslMode is set, and "
                                   "Connector/J 8 then ignores them");
    return SslChoice{canonical, "sslMode=" + *mode, ""};
}

std::expected<SslChoice, std::string> mariadb_mode(const Source& source) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> k_modes{{
        {"disable", "DISABLED"},
        {"trust", "REQUIRED"},
        {"verify-ca", "VERIFY_CA"},
        {"verify-full", "VERIFY_IDENTITY"},
    }};
    auto mode = source.parameter("sslMode");
    if (!mode)
        return SslChoice{"DISABLED", "no sslMode", " (MariaDB Connector/J's default is disable, said explicitly)"};
    auto found = std::find_if(k_modes.begin(), k_modes.end(), [&](const auto& m) { return m.first == *mode; });
    if (found == k_modes.end())
        return Failed(fmt::format("sslMode={} is not a MariaDB Connector/J 3 mode stagegate knows (disable, trust, "
                                  "verify-ca, verify-full)",
                                  *mode));
    std::string note = found->first == "trust" ? " (encrypted, the certificate not checked)" : "";
    return SslChoice{std::string(found->second), "sslMode=" + *mode, note};
}

// SOCI's mysql backend has no ssl-mode, only sslca/sslcert/sslkey, and what those check depends
// on the client library; without any, MariaDB Connector/C (which SOCI links here) uses no TLS.
std::expected<void, std::string> add_ssl_mode(const Source& source, Draft& draft) {
    auto choice = source.url.dialect == Dialect::mysql ? connector_j_mode(source, draft) : mariadb_mode(source);
    if (!choice)
        return Failed(choice.error());
    if (!source.keys.tls_mode.empty()) {
        draft.mapping.push_back(
            fmt::format("{} -> {}={}{}", choice->written, source.keys.tls_mode, choice->mode, choice->note));
        draft.set(std::string(source.keys.tls_mode), choice->mode);
        return {};
    }
    if (choice->mode != "DISABLED")
        return Failed(fmt::format("{} means ssl-mode {}{}, which SOCI cannot ask for: its mysql backend has no "
                                  "ssl-mode, only sslca/sslcert/sslkey, whose checks depend on the client library; "
                                  "use driver mysqlcppconn, or sslMode=DISABLED if the application really runs "
                                  "without TLS",
                                  choice->written, choice->mode, choice->note));
    draft.mapping.push_back(fmt::format("{} -> no TLS options (the Java driver's mode is DISABLED, and SOCI's mysql "
                                        "backend without TLS options uses none)",
                                        choice->written));
    return {};
}

// JDBC timeouts are milliseconds; the native ones whole seconds, so they are rounded up. 0
// (wait forever) is left out, which is the native default too.
std::expected<std::optional<long long>, std::string> seconds_of(const Source& source, std::string_view name,
                                                                Draft& draft) {
    auto value = source.parameter(name);
    if (!value)
        return std::nullopt;
    auto milliseconds = whole_number(*value);
    if (!milliseconds)
        return Failed(fmt::format("{}={} is not a whole number of milliseconds", name, *value));
    if (*milliseconds == 0) {
        draft.mapping.push_back(fmt::format("{}=0 -> left out (0 waits forever, as the native client does without "
                                            "a timeout)",
                                            name));
        return std::nullopt;
    }
    long long seconds = (*milliseconds + 999) / 1000;
    if (seconds > k_max_timeout_seconds)
        return Failed(fmt::format("{}={} ms is more than the one day the native clients take", name, *value));
    return seconds;
}

std::expected<void, std::string> add_timeouts(const Source& source, Draft& draft) {
    const FieldKeys& keys = source.keys;
    auto connect = seconds_of(source, "connectTimeout", draft);
    if (!connect)
        return Failed(connect.error());
    if (*connect && keys.connect_timeout.empty())
        return Failed(fmt::format("connectTimeout: driver {} has no connect timeout", source.driver.name()));
    if (*connect) {
        draft.set(std::string(keys.connect_timeout), std::to_string(**connect));
        draft.mapping.push_back(fmt::format(
            "connectTimeout={} (ms) -> {}={}{}", *source.parameter("connectTimeout"), keys.connect_timeout, **connect,
            **connect * 1000 == std::stoll(*source.parameter("connectTimeout")) ? ""
                                                                                : " (rounded up to whole seconds)"));
    }
    auto socket = seconds_of(source, "socketTimeout", draft);
    if (!socket)
        return Failed(socket.error());
    if (*socket && (keys.read_timeout.empty() || keys.write_timeout.empty()))
        return Failed(fmt::format("socketTimeout: driver {} has no read and write timeouts", source.driver.name()));
    if (*socket) {
        std::string read(keys.read_timeout);
        std::string write(keys.write_timeout);
        draft.set(read, std::to_string(**socket));
        draft.set(write, std::to_string(**socket));
        draft.mapping.push_back(fmt::format("socketTimeout={} (ms) -> {}={} {}={}", *source.parameter("socketTimeout"),
                                            read, **socket, write, **socket));
    }
    return {};
}

std::expected<void, std::string> add_encoding(const Source& source, Draft& draft) {
    auto encoding = source.parameter("characterEncoding");
    if (!encoding)
        return {};
    if (lower(*encoding) != "utf-8")
        return Failed(
            fmt::format("characterEncoding={}: stagegate translates only UTF-8 (to charset=utf8mb4)", *encoding));
    draft.mapping.push_back(fmt::format("characterEncoding={} -> charset=utf8mb4", *encoding));
    draft.set("charset", "utf8mb4");
    return {};
}

std::expected<Draft, std::string> translate_mysql(const Source& source) {
    Draft draft;
    if (source.url.hosts.empty() && source.url.dialect == Dialect::mariadb)
        return Failed(std::string("no host: write jdbc:mariadb://host:3306/database"));
    add_mysql_host(source, draft);
    // The host is reached as the Java driver reaches it, over TCP even when named localhost: a
    // client that cannot do that says so before anything else is translated.
    Composition host{"mysql", {{"host", *draft.get("host")}, {"port", *draft.get("port")}}, true};
    if (auto written = source.driver.compose(host); !written)
        return Failed(written.error().message);
    if (source.url.database) {
        std::string key(source.keys.database);
        draft.mapping.push_back(fmt::format("database {} -> {}={}", *source.url.database, key, *source.url.database));
        draft.set(key, *source.url.database);
    } else {
        draft.mapping.emplace_back("no database -> none selected");
    }
    if (auto done = add_user(source, "user", draft); !done)
        return Failed(done.error());
    if (auto done = add_password(source, "password", draft); !done)
        return Failed(done.error());
    for (auto step : {add_ssl_mode, add_timeouts, add_encoding}) {
        if (auto done = step(source, draft); !done)
            return Failed(done.error());
    }
    return draft;
}

// --- the native string ------------------------------------------------------------------------

// The driver writes the draft's settings in their order, a host named localhost over TCP as the
// Java drivers reach it; what it notes about that joins the mapping.
std::expected<std::string, std::string> native_string(const Source& source, Draft& draft) {
    Composition composition{std::string(protocol_of(source.url.dialect)), {}, true};
    for (const auto& [key, value] : draft.settings)
        composition.parts.push_back({key, value});
    auto written = source.driver.compose(composition);
    if (!written)
        return Failed(written.error().message);
    draft.mapping.insert(draft.mapping.end(), written->notes.begin(), written->notes.end());
    return written->text;
}

// "libpq, mysqlcppconn and soci": every driver of the registry.
std::string every_driver() {
    std::vector<std::string> names;
    for (const Driver* driver : all_drivers())
        names.emplace_back(driver->name());
    std::string last = names.back();
    names.pop_back();
    return names.empty() ? last : join(names, ", ") + " and " + last;
}

std::string_view title_of(std::string_view protocol) {
    return protocol == "postgresql" ? "PostgreSQL" : protocol == "mysql" ? "MySQL" : "SQLite";
}

// The native driver named `driver`, which must speak the Java driver's protocol.
std::expected<const Driver*, std::string> native_driver(Dialect dialect, std::string_view driver) {
    const Driver* found = find_driver(driver);
    if (!found)
        return Failed(fmt::format("driver {}: JDBC URLs are translated for {}", driver, every_driver()));
    std::string_view protocol = protocol_of(dialect);
    if (!speaks(*found, protocol))
        return Failed(fmt::format("jdbc:{} is a {} URL, and driver {} speaks {}", name_of(dialect), title_of(protocol),
                                  driver, title_of(found->protocols().front())));
    return found;
}

std::expected<JdbcTranslation, std::string> translate(std::string_view text, std::string_view driver,
                                                      const std::optional<std::string>& user,
                                                      const std::optional<std::string>& password,
                                                      std::vector<std::string>& secrets) {
    auto url = read_url(text);
    if (!url)
        return Failed(url.error());
    secrets.insert(secrets.end(), url->secrets.begin(), url->secrets.end());
    auto native = native_driver(url->dialect, driver);
    if (!native)
        return Failed(native.error());
    Source source{*url, **native, (*native)->field_keys(protocol_of(url->dialect)), user, password};
    Draft checked;
    if (auto known = check_parameters(source, source.keys.option_reader, checked); !known)
        return Failed(known.error());
    auto draft = url->dialect == Dialect::postgresql ? translate_postgresql(source) : translate_mysql(source);
    if (!draft)
        return Failed(draft.error());
    draft->mapping.insert(draft->mapping.end(), checked.mapping.begin(), checked.mapping.end());
    auto native_text = native_string(source, *draft);
    if (!native_text)
        return Failed(native_text.error());
    return JdbcTranslation{*native_text, std::move(draft->mapping), std::move(draft->secrets)};
}

// No message quotes a value it knows to be a password; this also catches one quoted by accident
// (a password pasted into another parameter). Very short ones are left: cutting them would
// mangle every word they occur in.
std::string without_secrets(std::string message, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 3)
            continue;
        for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at + k_hidden.size()))
            message.replace(at, secret.size(), k_hidden);
    }
    return message;
}

} // namespace

bool is_jdbc_url(std::string_view text) {
    return text.size() >= 5 && lower(text.substr(0, 5)) == "jdbc:";
}

std::expected<JdbcTranslation, std::string> translate_jdbc(std::string_view url, std::string_view driver,
                                                           const std::optional<std::string>& user,
                                                           const std::optional<std::string>& password) {
    std::vector<std::string> secrets;
    if (password)
        secrets.push_back(*password);
    auto translated = translate(url, driver, user, password, secrets);
    if (!translated)
        return Failed(without_secrets(translated.error(), secrets));
    return translated;
}

} // namespace stagegate
