#include "stagegate/failure.hpp"
#include "stagegate/driver.hpp"

#include <array>

namespace stagegate {

namespace {
constexpr std::array k_categories{
    Category::config, Category::dns,         Category::refused,     Category::timeout,
    Category::tls,    Category::auth,        Category::no_database, Category::permission,
    Category::query,  Category::expectation, Category::server,
};
} // namespace

std::string_view to_string(Category category) {
    switch (category) {
    case Category::config:
        return "config";
    case Category::dns:
        return "dns";
    case Category::refused:
        return "refused";
    case Category::timeout:
        return "timeout";
    case Category::tls:
        return "tls";
    case Category::auth:
        return "auth";
    case Category::no_database:
        return "no-database";
    case Category::permission:
        return "permission";
    case Category::query:
        return "query";
    case Category::expectation:
        return "expectation";
    case Category::server:
        return "server";
    }
    return "server";
}

std::optional<Category> category_from_string(std::string_view name) {
    for (Category category : k_categories) {
        if (to_string(category) == name)
            return category;
    }
    return std::nullopt;
}

std::span<const Category> all_categories() {
    return k_categories;
}

std::optional<std::string> ParsedCandidate::get(std::string_view key) const {
    for (const auto& parameter : parameters) {
        if (parameter.key == key)
            return parameter.value;
    }
    return std::nullopt;
}

std::string one_line_message(std::string_view message) {
    std::string text(message);
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    }
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

} // namespace stagegate
