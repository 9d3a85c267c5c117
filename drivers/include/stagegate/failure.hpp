#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace stagegate {

// What went wrong with a candidate, in the user's words. One taxonomy for every driver
// (docs/failure-categories.md). Infrastructure trouble is deliberately not a category.
enum class Category {
    config,      // the string itself is invalid for that client
    dns,         // host unknown to the scenario's topology, or unresolvable
    refused,     // nothing listens at that address and port
    timeout,     // no answer within the deadline
    tls,         // TLS negotiation or verification failed
    auth,        // the server rejected the credentials
    no_database, // the named database does not exist
    permission,  // logged in, but not allowed
    query,       // a statement failed
    expectation, // a statement ran, its result differs from what was expected
    server,      // any other server-side error
};

// Returns the stable report name of a category ("no-database", ...).
std::string_view to_string(Category category);

// Returns the category with that report name, or nothing for an unknown name.
std::optional<Category> category_from_string(std::string_view name);

// Returns every category, in declaration order.
std::span<const Category> all_categories();

// A classified failure. `message` is one line a person can act on; `hint` says what to do.
// Neither ever contains a secret: drivers cut secrets before building them.
struct Failure {
    Category category = Category::server;
    std::string message;
    std::string hint;
    std::string sqlstate; // five characters when the server sent one
    int native_code = 0;  // client-specific error number when there is one
};

template <typename T> using Result = std::expected<T, Failure>;

// Returns `message` on one line: line breaks and tabs become spaces, trailing blanks go.
std::string one_line_message(std::string_view message);

// Returns an unexpected Failure; a shorthand used at every driver boundary.
inline std::unexpected<Failure> fail(Category category, std::string message, std::string hint = {}) {
    return std::unexpected(Failure{category, std::move(message), std::move(hint), {}, 0});
}

} // namespace stagegate
