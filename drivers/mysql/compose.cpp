// Connector/C++ URLs written from separate parts (Driver::compose), as parse.cpp reads them back.
#include "mysqlcppconn.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>

namespace stagegate::mysql {

namespace {

// Percent-encodes all but the unreserved characters, as parse.cpp decodes them.
std::string encoded(std::string_view text) {
    std::string out;
    for (unsigned char c : text)
        out += std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ? std::string(1, static_cast<char>(c))
                                                                               : fmt::format("%{:02X}", c);
    return out;
}

std::optional<std::string> part_of(const Composition& composition, std::string_view key) {
    for (const auto& part : composition.parts) {
        if (part.key == key)
            return part.value;
    }
    return std::nullopt;
}

} // namespace

// mysql://user:password@host:port/db?options. Connector/C++ reads the name localhost as the
// local socket: when the host must be reached over TCP, tcp:// keeps TCP, with the user and
// password as options since that form has no user@.
Result<ComposedString> compose_url(const Composition& composition) {
    if (composition.protocol != "mysql")
        return fail(Category::config, fmt::format("mysqlcppconn writes mysql strings, not {}", composition.protocol));
    auto host = part_of(composition, "host");
    if (!host)
        return fail(Category::config, "no host: name the key that holds it");
    bool tcp = composition.localhost_over_tcp && *host == "localhost";
    std::string out = tcp ? "tcp://" : "mysql://";
    if (!tcp) {
        out += encoded(part_of(composition, "user").value_or(""));
        if (auto password = part_of(composition, "password"))
            out += ":" + encoded(*password);
        out += "@";
    }
    out += (host->find(':') != std::string::npos ? "[" + *host + "]" : *host) + ":" +
           part_of(composition, "port").value_or("3306");
    if (auto database = part_of(composition, "database"))
        out += "/" + encoded(*database);
    std::string options;
    for (const auto& [key, value] : composition.parts) {
        bool in_url =
            key == "host" || key == "port" || key == "database" || (!tcp && (key == "user" || key == "password"));
        if (!in_url)
            options += (options.empty() ? "?" : "&") + key + "=" + encoded(value);
    }
    ComposedString composed{out + options, {}};
    if (tcp)
        composed.notes.emplace_back("localhost -> tcp://localhost (the Java driver connects over TCP; "
                                    "mysql://localhost would use the local socket)");
    return composed;
}

} // namespace stagegate::mysql
