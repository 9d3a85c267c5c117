// Splitting a suite for a CI matrix (parse_shard, shard_key, shard_selection), reading --timeout
// durations, and deciding which scenarios' candidates must be tried one at a time.
#include <doctest/doctest.h>

#include "run/runner.hpp"
#include "run/shard.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace stagegate;

namespace {

// Returns, per key, the 1-based shard of `count` that takes it.
std::map<std::string, unsigned> shard_of_each(const std::vector<std::string>& keys, unsigned count) {
    std::map<std::string, unsigned> shard_of;
    for (unsigned index = 1; index <= count; ++index) {
        for (std::size_t position : shard_selection(keys, Shard{index, count}))
            shard_of[keys[position]] = index;
    }
    return shard_of;
}

// Returns `size` distinct scenario paths of random depth and names.
std::vector<std::string> random_keys(std::mt19937& random, std::size_t size) {
    static const std::vector<std::string> k_parts{"scenarios", "db", "pg", "maria", "orders", "users", "a", "b-c"};
    std::uniform_int_distribution<std::size_t> part(0, k_parts.size() - 1);
    std::uniform_int_distribution<int> depth(0, 3);
    std::uniform_int_distribution<int> number(0, 999);
    std::set<std::string> keys;
    while (keys.size() < size) {
        std::string key;
        for (int level = depth(random); level > 0; --level)
            key += k_parts[part(random)] + "/";
        keys.insert(key + fmt::format("{}-{}.yaml", k_parts[part(random)], number(random)));
    }
    std::vector<std::string> shuffled(keys.begin(), keys.end());
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    return shuffled;
}

std::vector<std::string> nine_scenarios() {
    std::vector<std::string> keys;
    for (int i = 1; i <= 9; ++i)
        keys.push_back(fmt::format("suite/s{}.yaml", i));
    return keys;
}

Check check_of(Check::Spec spec) {
    Check check;
    check.spec = std::move(spec);
    return check;
}

Check query(std::string sql) {
    QueryCheck query;
    query.sql = std::move(sql);
    return check_of(std::move(query));
}

Candidate candidate_with(std::vector<Check> checks) {
    Candidate candidate;
    candidate.name = "candidate";
    candidate.driver = "libpq";
    candidate.checks.push_back(check_of(ConnectCheck{}));
    for (auto& check : checks)
        candidate.checks.push_back(std::move(check));
    return candidate;
}

Scenario scenario_with(std::vector<Candidate> candidates) {
    Scenario scenario;
    scenario.name = "scenario";
    scenario.candidates = std::move(candidates);
    return scenario;
}

} // namespace

TEST_SUITE("shard") {
    TEST_CASE("parse_shard reads K/N with 1 <= K <= N <= 1000") {
        struct Accepted {
            const char* text;
            unsigned index;
            unsigned count;
        };
        for (const auto& [text, index, count] : std::vector<Accepted>{{"1/1", 1, 1},
                                                                      {"1/2", 1, 2},
                                                                      {"2/2", 2, 2},
                                                                      {"3/7", 3, 7},
                                                                      {"1000/1000", 1000, 1000},
                                                                      {"02/04", 2, 4}}) {
            CAPTURE(text);
            auto shard = parse_shard(text);
            REQUIRE(shard.has_value());
            CHECK(shard->index == index);
            CHECK(shard->count == count);
        }
    }

    TEST_CASE("parse_shard refuses anything else with a one-line reason naming --shard") {
        for (const char* text :
             {"",     "1",    "/",    "1/",   "/2",   "1//2",   "1/2/3",     "a/2",     "1/b",
              "-1/2", "1/-2", "+1/2", " 1/2", "1/2 ", "1.5/2",  "1 / 2",     "1\\2",    "1-2",
              "0/2",  "3/2",  "1/0",  "0/0",  "5/4",  "1/1001", "1001/1001", "1/99999", "99999/100000"}) {
            CAPTURE(text);
            auto shard = parse_shard(text);
            REQUIRE_FALSE(shard.has_value());
            CHECK(shard.error().starts_with("--shard: "));
            CHECK(shard.error().find('\n') == std::string::npos);
        }
        CHECK(parse_shard("1").error().find("K/N") != std::string::npos);
        CHECK(parse_shard("3/2").error().find("between 1 and N") != std::string::npos);
    }

    TEST_CASE("shard_key is the path relative to the working directory, with / separators") {
        auto cwd = std::filesystem::current_path();
        CHECK(shard_key("suite/s1.yaml") == "suite/s1.yaml");
        CHECK(shard_key("./suite/s1.yaml") == "suite/s1.yaml");
        CHECK(shard_key("suite/../suite/s1.yaml") == "suite/s1.yaml");
        CHECK(shard_key(cwd / "suite" / "s1.yaml") == "suite/s1.yaml");
        CHECK(shard_key(cwd / "suite" / "." / "s1.yaml") == "suite/s1.yaml");
    }

    TEST_CASE("shard_selection deals every key to exactly one shard, sizes within one of each other") {
        std::mt19937 random(20240607);
        for (std::size_t size : {0, 1, 2, 3, 5, 8, 13, 40, 101}) {
            for (unsigned count = 1; count <= 7; ++count) {
                auto keys = random_keys(random, size);
                CAPTURE(size);
                CAPTURE(count);
                std::vector<int> taken(size, 0);
                std::size_t smallest = size;
                std::size_t largest = 0;
                for (unsigned index = 1; index <= count; ++index) {
                    auto mine = shard_selection(keys, Shard{index, count});
                    CHECK(std::is_sorted(mine.begin(), mine.end())); // file order kept
                    for (std::size_t position : mine) {
                        REQUIRE(position < size);
                        ++taken[position];
                    }
                    smallest = std::min(smallest, mine.size());
                    largest = std::max(largest, mine.size());
                }
                CHECK(std::all_of(taken.begin(), taken.end(), [](int times) { return times == 1; }));
                CHECK(largest - std::min(smallest, largest) <= 1);
            }
        }
    }

    TEST_CASE("shard_selection is deterministic and a key's shard does not depend on the order of the keys") {
        std::mt19937 random(7);
        for (unsigned count = 1; count <= 7; ++count) {
            auto keys = random_keys(random, 30);
            CAPTURE(count);
            for (unsigned index = 1; index <= count; ++index)
                CHECK(shard_selection(keys, Shard{index, count}) == shard_selection(keys, Shard{index, count}));
            auto first = shard_of_each(keys, count);
            auto reordered = keys;
            std::reverse(reordered.begin(), reordered.end());
            CHECK(shard_of_each(reordered, count) == first);
            std::shuffle(reordered.begin(), reordered.end(), random);
            CHECK(shard_of_each(reordered, count) == first);
        }
    }

    TEST_CASE("shard_selection deals the same keys the same way on every machine and release") {
        // Pinned: a change of hash or dealing would move scenarios between the jobs of a CI matrix.
        auto keys = nine_scenarios();
        CHECK(shard_selection(keys, Shard{1, 1}) == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8});
        CHECK(shard_selection(keys, Shard{1, 2}) == std::vector<std::size_t>{0, 4, 5, 6, 7});
        CHECK(shard_selection(keys, Shard{2, 2}) == std::vector<std::size_t>{1, 2, 3, 8});
        CHECK(shard_selection(keys, Shard{1, 3}) == std::vector<std::size_t>{4, 6, 8});
        CHECK(shard_selection(keys, Shard{2, 3}) == std::vector<std::size_t>{1, 2, 5});
        CHECK(shard_selection(keys, Shard{3, 3}) == std::vector<std::size_t>{0, 3, 7});
    }

    TEST_CASE("shard_selection with more shards than keys leaves some shards empty") {
        std::vector<std::string> keys{"a.yaml", "b.yaml", "c.yaml"};
        std::size_t total = 0;
        for (unsigned index = 1; index <= 7; ++index) {
            auto mine = shard_selection(keys, Shard{index, 7});
            CHECK(mine.size() <= 1);
            total += mine.size();
        }
        CHECK(total == 3);
        CHECK(shard_selection(std::vector<std::string>{}, Shard{1, 3}).empty());
    }

    TEST_CASE("shard_selection deals a key named twice (two spellings of one file) to one shard per position") {
        std::vector<std::string> keys{"x.yaml", "y.yaml", "x.yaml", "z.yaml"};
        std::vector<int> taken(keys.size(), 0);
        for (unsigned index = 1; index <= 2; ++index)
            for (std::size_t position : shard_selection(keys, Shard{index, 2}))
                ++taken[position];
        CHECK(taken == std::vector<int>{1, 1, 1, 1});
    }
}

TEST_SUITE("duration") {
    TEST_CASE("parse_duration reads a whole number with ms, s, m or h, or bare seconds, up to a week") {
        using std::chrono::milliseconds;
        struct Row {
            const char* text;
            std::optional<milliseconds> want;
        };
        const std::vector<Row> rows{
            {"500ms", milliseconds(500)},
            {"1ms", milliseconds(1)},
            {"90s", milliseconds(90000)},
            {"2s", milliseconds(2000)},
            {"15m", milliseconds(15 * 60000)},
            {"1h", milliseconds(3600000)},
            {"5", milliseconds(5000)}, // bare seconds
            {"007s", milliseconds(7000)},
            {"168h", milliseconds(7LL * 24 * 3600000)}, // exactly a week
            {"10080m", milliseconds(7LL * 24 * 3600000)},
            {"604800s", milliseconds(7LL * 24 * 3600000)},
            {"604800000ms", milliseconds(7LL * 24 * 3600000)},
            {"169h", std::nullopt}, // more than a week
            {"604801s", std::nullopt},
            {"0", std::nullopt},
            {"0s", std::nullopt},
            {"0ms", std::nullopt},
            {"", std::nullopt},
            {"s", std::nullopt},
            {"ms", std::nullopt},
            {"5x", std::nullopt},
            {"5S", std::nullopt}, // units are lower case
            {"5 s", std::nullopt},
            {" 5s", std::nullopt},
            {"5s ", std::nullopt},
            {"-5s", std::nullopt},
            {"+5s", std::nullopt},
            {"1.5s", std::nullopt},
            {"1d", std::nullopt}, // no days
            {"5sec", std::nullopt},
            {"1m30s", std::nullopt},
            {"1234567890", std::nullopt}, // ten digits
            {"99999999999999999999s", std::nullopt},
        };
        for (const auto& [text, want] : rows) {
            CAPTURE(text);
            CHECK(parse_duration(text) == want);
        }
    }
}

TEST_SUITE("runner") {
    TEST_CASE("reads_only: one SELECT, SHOW, VALUES, EXPLAIN, TABLE or DESCRIBE statement reads only") {
        for (const char* sql : {"SELECT 1", "select 1", "Select count(*) FROM t", "  \n\tSELECT 1", "(SELECT 1)",
                                "( select 1 ) UNION (select 2)", "SHOW max_connections", "show grants",
                                "VALUES (1), (2)", "EXPLAIN SELECT * FROM t", "TABLE t", "DESCRIBE t", "SELECT 1;",
                                "SELECT 1 ;  \n", "SELECT 1;;", "SELECT current_setting('work_mem')"}) {
            CAPTURE(sql);
            CHECK(reads_only(sql));
        }
    }

    TEST_CASE("reads_only: writes, several statements, WITH and anything unrecognised count as writes") {
        for (const char* sql : {"INSERT INTO t VALUES (1)", "insert into t values (1)", "UPDATE t SET a = 1",
                                "DELETE FROM t", "  delete from t", "(DELETE FROM t)",
                                "WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone",
                                "WITH x AS (SELECT 1) SELECT * FROM x", // WITH may hide a write: never trusted
                                "CREATE TABLE u (a int)", "DROP TABLE t", "ALTER ROLE app PASSWORD 'x'", "TRUNCATE t",
                                "SELECT 1; DELETE FROM t", "SELECT 1; SELECT 2", "SELECT 1;DELETE FROM t;",
                                "SET work_mem = '8MB'", "CALL refresh()", "DO $$ BEGIN END $$", "COPY t FROM STDIN",
                                "LOCK TABLE t", "GRANT SELECT ON t TO app", "BEGIN", "SELECTED", "DESC t",
                                // Conservative: a comment first, or a semicolon inside a literal, is not read past.
                                "-- first\nSELECT 1", "/* first */ SELECT 1", "SELECT ';'",
                                // Statements that look like reads and write: the statement runs, a table
                                // is created, a sequence moves.
                                "EXPLAIN ANALYZE INSERT INTO t VALUES (1)", "explain (analyze) delete from t",
                                "SELECT * INTO copy FROM t", "SELECT a\nINTO copy FROM t", "SELECT nextval('s')",
                                "SELECT setval('s', 5)"}) {
            CAPTURE(sql);
            CHECK_FALSE(reads_only(sql));
        }
    }

    TEST_CASE("reads_only: a locking SELECT ... FOR UPDATE counts as a read") {
        // It changes no data, and candidates run in autocommit, so its row locks end with the statement.
        CHECK(reads_only("SELECT * FROM t FOR UPDATE"));
        CHECK(reads_only("SELECT * FROM t LOCK IN SHARE MODE"));
    }

    TEST_CASE("candidates that only read or inspect are tried concurrently") {
        SettingCheck setting;
        setting.name = "max_connections";
        std::vector<Check> inspecting{
            query("SELECT count(*) FROM t"), query("SHOW work_mem"),     check_of(TlsCheck{}),     check_of(setting),
            check_of(PrivilegesCheck{}),     check_of(ReadWriteCheck{}), check_of(IdentityCheck{})};
        CHECK_FALSE(tries_candidates_one_at_a_time(scenario_with({candidate_with({})})));
        CHECK_FALSE(tries_candidates_one_at_a_time(scenario_with({candidate_with({}), candidate_with({})})));
        CHECK_FALSE(tries_candidates_one_at_a_time(scenario_with({candidate_with(inspecting), candidate_with({})})));
        for (const auto& check : inspecting) {
            CAPTURE(check.label());
            CHECK_FALSE(tries_candidates_one_at_a_time(scenario_with({candidate_with({check})})));
        }
    }

    TEST_CASE("one writing query, a pool check, client_environment machine or a service file serialises the scenario") {
        Candidate reader = candidate_with({query("SELECT 1")});
        Candidate writer = candidate_with({query("SELECT 1"), query("INSERT INTO t VALUES (1)")});
        CHECK(tries_candidates_one_at_a_time(scenario_with({reader, reader, writer})));
        CHECK(tries_candidates_one_at_a_time(scenario_with({writer})));

        PoolCheck pool;
        pool.size = 5;
        CHECK(tries_candidates_one_at_a_time(scenario_with({reader, candidate_with({check_of(pool)})})));

        Scenario machine = scenario_with({reader, reader});
        machine.client_environment = ClientEnvironment::machine;
        CHECK(tries_candidates_one_at_a_time(machine));

        Candidate service = candidate_with({});
        service.source.service = "users";
        service.source.file = "pg_service.conf";
        CHECK(tries_candidates_one_at_a_time(scenario_with({reader, service})));
    }
}
