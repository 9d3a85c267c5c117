// Hostile and careless input through the built binary: every one is exit 2 (or a verdict) with
// one line that says why, never a crash, a hang or a silent pass.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <sys/stat.h>

#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The head of a scenario whose database answers as db.input.test; the caller adds the rest.
const std::string k_head = "scenario: input\n"
                           "database:\n"
                           "  engine: postgres\n"
                           "  answers_as: [db.input.test:5432]\n";

const std::string k_candidate = "candidates:\n"
                                "  - name: a\n"
                                "    driver: libpq\n"
                                "    url: postgresql://app@db.input.test:5432/postgres\n";

// Runs `command FILE` (lint or run) and checks: exit 2, in time, nothing started, and the first
// stderr line is FILE:line:col with `reason` in it.
void refused(const std::string& command, const fs::path& file, const std::string& where, const std::string& reason) {
    fs::path never = fresh_dir("rt-input-never") / "root";
    auto result = run_stagegate({command, file.string()}, {{"STAGEGATE_RUNTIME_DIR", never.string()}}, 20000);
    INFO(command << " " << file.string() << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
    CHECK(result.exit_code == 2);
    CHECK_FALSE(fs::exists(never));
    auto lines = lines_of(result.err);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front().starts_with(file.string() + ":" + (where.empty() ? "" : where + ": error: ")));
    CHECK(contains(lines.front(), reason));
}

} // namespace

TEST_SUITE("cli_input") {
    TEST_CASE("a from.file link loop and a setup FIFO are exit 2 with the reason in lint and run, no abort or hang") {
        auto dir = fresh_dir("input-special");
        fs::create_symlink("loop.env", dir / "loop.env");
        REQUIRE(::mkfifo((dir / "fifo.sql").c_str(), 0600) == 0);
        auto loop = write_file(dir / "loop.yaml", k_head + "candidates:\n  - name: a\n    driver: libpq\n"
                                                           "    from: {file: loop.env, key: URL}\n");
        auto fifo = write_file(dir / "fifo.yaml", k_head + "  setup:\n    - file: fifo.sql\n" + k_candidate);
        auto shadow = write_file(dir / "shadow.yaml", k_head + "  setup:\n    - file: /etc/shadow\n" + k_candidate);
        for (const std::string command : {"lint", "run"}) {
            refused(command, loop, "8:18", "a loop of symbolic links");
            refused(command, fifo, "6:13", "a named pipe (FIFO), not a regular file");
            refused(command, shadow, "6:13", "is outside the scenario's folder (links resolved)");
        }
    }

    TEST_CASE("a scenario file that is a FIFO or a link loop is exit 2 with the reason, not no such file") {
        auto dir = fresh_dir("input-scenario-special");
        REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
        fs::create_symlink("loop.yaml", dir / "loop.yaml");
        refused("lint", dir / "fifo.yaml", "1:1", "a named pipe (FIFO), not a regular file");
        refused("lint", dir / "loop.yaml", "1:1", "a loop of symbolic links");
    }

    TEST_CASE("a second document, an open quote, an IPv6 name and an empty name are exit 2") {
        auto dir = fresh_dir("input-yaml");
        refused("lint", write_file(dir / "two.yaml", k_head + k_candidate + "---\n" + k_head + k_candidate), "9:1",
                "a second YAML document");
        refused("lint", write_file(dir / "quote.yaml", k_head + k_candidate + "    expect: \"pass\n"), "9:13",
                "has no closing \"");
        refused("lint",
                write_file(dir / "v6.yaml", "scenario: s\ndatabase:\n  engine: postgres\n  answers_as: "
                                            "[\"[::1]:5432\"]\n" +
                                                k_candidate),
                "4:16", "is an IPv6 address");
        refused("lint", write_file(dir / "empty.yaml", "scenario: \"\"\n" + k_head.substr(16) + k_candidate), "1:11",
                "the name is empty");
        refused("lint", write_file(dir / "deep.yaml", std::string(100000, '[') + std::string(100000, ']') + "\n"), "",
                "nest too deeply");
    }

    TEST_CASE("lint refuses a pattern of 40000 nested groups with its place, without a crash") {
        auto dir = fresh_dir("input-regex-lint");
        auto file = write_file(dir / "s.yaml", k_head + k_candidate +
                                                   "    checks:\n      - query: SELECT 1\n        expect_match: " +
                                                   std::string(40000, '(') + std::string(40000, ')') + "\n");
        refused("lint", file, "11:23", "more than the 4096 allowed");
    }

    TEST_CASE("--json and --junit naming one place by two spellings are exit 2, so are a report over a scenario") {
        auto dir = fresh_dir("input-clash");
        auto file = write_file(dir / "s.yaml", k_head + k_candidate);
        fs::create_directories(dir / "sub");
        fs::create_symlink(dir, dir / "link");
        const std::vector<std::pair<std::string, std::string>> pairs{
            {"r.json", "./r.json"}, {"r.json", "sub/../r.json"}, {"r.json", "link/r.json"}, {"-", "/dev/stdout"}};
        for (const auto& [json, junit] : pairs) {
            auto result =
                run_stagegate({"run", "--json", json, "--junit", junit, file.string()}, {}, 20000, dir.string());
            INFO(json << " / " << junit << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(contains(result.err, "--json and --junit both name"));
        }
        auto over = run_stagegate({"run", "--junit", file.string(), file.string()}, {}, 20000, dir.string());
        CHECK(over.exit_code == 2);
        CHECK(contains(over.err, "a scenario file of this run"));
        auto drill = run_stagegate({"drill", "--json", "s.yaml", "."}, {}, 20000, dir.string());
        CHECK(drill.exit_code == 2);
        CHECK(contains(drill.err, "a scenario file of this run"));
    }

    TEST_CASE("a backtracking-prone expect_match against a 20000-character value passes in run, no SIGSEGV") {
        auto root = fresh_runtime_root("rt-input-regex");
        auto dir = fresh_dir("input-regex-run");
        auto file =
            write_file(dir / "s.yaml", k_head + "  setup:\n    - sql: CREATE ROLE app LOGIN PASSWORD 'input-pw'\n"
                                                "candidates:\n  - name: long value\n    driver: libpq\n"
                                                "    url: postgresql://app:input-pw@db.input.test:5432/"
                                                "postgres?sslmode=disable&connect_timeout=5\n"
                                                "    checks:\n"
                                                "      - query: SELECT repeat('ab', 10000)\n"
                                                "        expect_match: '^(ab|cd)*$'\n");
        auto result = run_stagegate({"run", file.string()}, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
    }
}
