#include <doctest/doctest.h>

#include "live_server.hpp"
#include "run/candidate_runner.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

using namespace stagegate;
using namespace stagegate::test;

namespace {

Candidate candidate_for(const std::string& url, std::vector<Check> extra = {}) {
    Candidate candidate;
    candidate.name = "case";
    candidate.driver = "libpq";
    candidate.source.url = url;
    candidate.checks.push_back(Check{});
    for (auto& check : extra) candidate.checks.push_back(check);
    return candidate;
}

CandidateOutcome run(const std::string& url, std::vector<Check> extra = {}) {
    auto& server = LiveServer::get();
    Redactor redactor;
    return run_candidate(candidate_for(url, std::move(extra)), server.answers_as(), server.route(), redactor, nullptr);
}

std::string app_url(const std::string& rest) {
    return fmt::format("postgresql://app:{}@db-primary.staging.internal:5432/{}", percent_encode(k_app_password), rest);
}

} // namespace

TEST_SUITE("libpq categories") {
    TEST_CASE("a correct candidate passes its connect check") {
        auto outcome = run(app_url("users"));
        CHECK_MESSAGE(outcome.passed, outcome.message);
        CHECK_FALSE(outcome.category.has_value());
        CHECK(outcome.verdict);
    }

    TEST_CASE("a wrong password fails as auth") {
        auto outcome = run("postgresql://app:wrong@db-primary.staging.internal:5432/users");
        REQUIRE(outcome.category.has_value());
        CHECK(*outcome.category == Category::auth);
        CHECK(outcome.message.find("password authentication failed") != std::string::npos);
    }
}
