#include "scenario/config/spring_placeholders.hpp"

#include "scenario/interpolate.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace stagegate::config {

namespace {

using Failed = std::unexpected<std::string>;

// Placeholders one value may take, and how deep they may nest.
constexpr int k_max_placeholders = 10000;
constexpr int k_max_placeholder_depth = 64;

class SpringPlaceholders {
  public:
    SpringPlaceholders(const Environment& env, FileKeys keys) : m_env(env), m_keys(std::move(keys)) {}

    std::expected<std::string, std::string> resolve(std::string_view text) {
        std::string out;
        std::size_t at = 0;
        while (true) {
            auto start = text.find("${", at);
            auto end = start == std::string_view::npos ? start : closing_brace(text, start + 2);
            if (end == std::string_view::npos) {
                out += text.substr(at);
                return out;
            }
            out += text.substr(at, start - at);
            auto value = placeholder(text.substr(start + 2, end - start - 2));
            if (!value)
                return value;
            out += *value;
            if (out.size() > k_max_interpolated_bytes)
                return Failed(fmt::format("the value grows beyond {} MiB once its placeholders are resolved: keys "
                                          "refer to each other too many times over",
                                          k_max_interpolated_bytes / (1024 * 1024)));
            at = end + 1;
        }
    }

  private:
    // Spring counts any `{` as nesting, not only `${`.
    static std::size_t closing_brace(std::string_view text, std::size_t from) {
        int depth = 0;
        for (std::size_t i = from; i < text.size(); ++i) {
            if (text[i] == '{')
                ++depth;
            else if (text[i] == '}' && depth-- == 0)
                return i;
        }
        return std::string_view::npos;
    }

    static std::size_t default_separator(std::string_view inside) {
        int depth = 0;
        for (std::size_t i = 0; i < inside.size(); ++i) {
            if (inside[i] == '{')
                ++depth;
            else if (inside[i] == '}')
                --depth;
            else if (inside[i] == ':' && depth == 0)
                return i;
        }
        return std::string_view::npos;
    }

    // Resolves one placeholder. Each counts against a budget, and nesting against a depth: keys
    // that each refer to the next one twice would otherwise take time exponential in their number.
    std::expected<std::string, std::string> placeholder(std::string_view inside) {
        if (++m_resolved > k_max_placeholders)
            return Failed(fmt::format("resolving the value takes more than {} placeholders: keys refer to each other "
                                      "too many times over; simplify them",
                                      k_max_placeholders));
        if (m_depth >= k_max_placeholder_depth)
            return Failed(fmt::format("placeholders nest more than {} deep (a key refers to a key that refers to "
                                      "...): simplify them",
                                      k_max_placeholder_depth));
        ++m_depth;
        auto value = placeholder_value(inside);
        --m_depth;
        return value;
    }

    std::expected<std::string, std::string> placeholder_value(std::string_view inside) {
        auto colon = default_separator(inside);
        auto name = resolve(inside.substr(0, colon));
        if (!name)
            return name;
        if (std::find(m_visiting.begin(), m_visiting.end(), *name) != m_visiting.end())
            return Failed(fmt::format("placeholder ${{{}}} refers back to itself", *name));
        if (auto found = lookup(*name)) {
            m_visiting.push_back(*name);
            auto resolved = resolve(*found);
            m_visiting.pop_back();
            return resolved;
        }
        if (colon != std::string_view::npos)
            return resolve(inside.substr(colon + 1));
        return Failed(fmt::format("placeholder ${{{0}}} is neither an environment variable nor a key of the file: "
                                  "export it, or write ${{{0}:default}}",
                                  *name));
    }

    std::optional<std::string> lookup(const std::string& name) const {
        if (auto value = from_environment(name))
            return value;
        return m_keys(name);
    }

    // Spring's SystemEnvironmentPropertySource: the name as written, with '.' and/or '-' as '_',
    // then all of that upper-cased (so spring.datasource.host finds SPRING_DATASOURCE_HOST).
    std::optional<std::string> from_environment(const std::string& name) const {
        std::string upper = name;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
        for (const std::string& base : {name, upper}) {
            std::string dots = base;
            std::string dashes = base;
            std::string both = base;
            std::replace(dots.begin(), dots.end(), '.', '_');
            std::replace(dashes.begin(), dashes.end(), '-', '_');
            std::replace(both.begin(), both.end(), '.', '_');
            std::replace(both.begin(), both.end(), '-', '_');
            for (const std::string& candidate : {base, dots, dashes, both}) {
                if (auto value = m_env(candidate))
                    return value;
            }
        }
        return std::nullopt;
    }

    const Environment& m_env;
    FileKeys m_keys;
    std::vector<std::string> m_visiting;
    int m_resolved = 0; // placeholders resolved so far
    int m_depth = 0;    // placeholders being resolved now, one inside the other
};

} // namespace

std::expected<std::string, std::string> resolve_spring_placeholders(std::string_view text, const Environment& env,
                                                                    FileKeys keys) {
    return SpringPlaceholders(env, std::move(keys)).resolve(text);
}

std::string dotted(std::string name) {
    static const re2::RE2 k_brackets(R"(\[([0-9]+)\])");
    re2::RE2::GlobalReplace(&name, k_brackets, ".\\1");
    return name;
}

} // namespace stagegate::config
