// Invalid input: every broken scenario file is exit 2, nothing run, one line file:line:col on stderr.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <charconv>
#include <random>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A minimal valid scenario, to be broken in one place by each case.
constexpr const char* k_valid = R"(scenario: valid
database:
  engine: postgres
  answers_as: [db.valid.test:5432]
candidates:
  - name: a
    driver: libpq
    url: postgresql://app@db.valid.test:5432/users
)";

struct Mark {
    int line = 0;
    int column = 0;
};

// Reads "<file>:L:C: error: ..." into L and C.
std::optional<Mark> mark_of(const std::string& line, const std::string& file) {
    if (!line.starts_with(file + ":"))
        return std::nullopt;
    const char* at = line.data() + file.size() + 1;
    const char* end = line.data() + line.size();
    Mark mark;
    auto first = std::from_chars(at, end, mark.line);
    if (first.ec != std::errc() || first.ptr == end || *first.ptr != ':')
        return std::nullopt;
    auto second = std::from_chars(first.ptr + 1, end, mark.column);
    if (second.ec != std::errc() ||
        !std::string_view(second.ptr, static_cast<std::size_t>(end - second.ptr)).starts_with(": error: "))
        return std::nullopt;
    return mark;
}

// The lines of stderr that are about scenario files (stagegate's own trailer starts with "stagegate:").
std::vector<std::string> problem_lines(const std::string& err) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(err)) {
        if (!line.starts_with("stagegate:"))
            out.push_back(line);
    }
    return out;
}

struct Checked {
    CliResult result;
    std::string line; // the one problem line
};

// Runs `run FILE` and checks: exit 2, nothing run (the runtime root is never even created),
// nothing on stdout, exactly one problem line, starting with FILE:line:col.
Checked run_broken(const fs::path& file, int timeout_ms = 30000) {
    fs::path never = fresh_dir("rt-never") / "root";
    Checked checked;
    checked.result = run_stagegate({"run", file.string()}, {{"STAGEGATE_RUNTIME_DIR", never.string()}}, timeout_ms);
    const CliResult& result = checked.result;
    INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK_MESSAGE(!fs::exists(never), "stagegate started a run for an invalid scenario");
    auto lines = problem_lines(result.err);
    CHECK(lines.size() == 1);
    if (!lines.empty()) {
        checked.line = lines.front();
        CHECK_MESSAGE(mark_of(lines.front(), file.string()).has_value(), "not file:line:col: error: " << lines.front());
        CHECK(lines_of(result.err).front() == lines.front());
    }
    return checked;
}

void check_mark(const Checked& checked, const fs::path& file, int line, int column) {
    auto mark = mark_of(checked.line, file.string());
    REQUIRE_MESSAGE(mark.has_value(), checked.line);
    CHECK_MESSAGE(mark->line == line, checked.line);
    if (column > 0)
        CHECK_MESSAGE(mark->column == column, checked.line);
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("an unknown key is exit 2 with its place and a suggestion") {
        auto file = write_file(fresh_dir("err-unknown-key") / "s.yaml", std::string(k_valid) + "    expct: pass\n");
        auto checked = run_broken(file);
        check_mark(checked, file, 9, 5);
        CHECK(contains(checked.line, "unknown key \"expct\""));
        CHECK(contains(checked.line, "did you mean expect?"));
    }

    TEST_CASE("a duplicate key is exit 2 at the second occurrence") {
        auto file = write_file(fresh_dir("err-duplicate") / "s.yaml", R"(scenario: dup
database:
  engine: postgres
  answers_as: [db.valid.test:5432]
  engine: postgres
candidates:
  - name: a
    driver: libpq
    url: postgresql://app@db.valid.test:5432/users
)");
        auto checked = run_broken(file);
        check_mark(checked, file, 5, 3);
        CHECK(contains(checked.line, "duplicate key"));
        CHECK(contains(checked.line, "engine"));
    }

    TEST_CASE("invalid YAML is exit 2 with the parser's place") {
        auto file = write_file(fresh_dir("err-yaml") / "s.yaml", R"(scenario: x
database:
  engine: postgres
   answers_as: [db.valid.test:5432]
candidates: []
)");
        auto checked = run_broken(file);
        check_mark(checked, file, 4, 0);
        CHECK(contains(checked.line, "not valid YAML"));
    }

    TEST_CASE("an unset ${VAR} is exit 2 naming the variable and the :-default escape") {
        auto file = write_file(fresh_dir("err-unset") / "s.yaml", R"(scenario: unset
database:
  engine: postgres
  answers_as: [db.valid.test:5432]
candidates:
  - name: a
    driver: libpq
    url: postgresql://app:${STAGEGATE_CLI_TEST_NEVER_SET_7F3A}@db.valid.test:5432/users
)");
        auto checked = run_broken(file);
        check_mark(checked, file, 8, 0);
        CHECK(contains(checked.line, "STAGEGATE_CLI_TEST_NEVER_SET_7F3A is not set"));
        CHECK(contains(checked.line, "${STAGEGATE_CLI_TEST_NEVER_SET_7F3A:-default}"));
    }

    TEST_CASE("a missing setup file is exit 2 at its file: entry") {
        auto file = write_file(fresh_dir("err-setup-file") / "s.yaml", R"(scenario: missing setup file
database:
  engine: postgres
  answers_as: [db.valid.test:5432]
  setup:
    - file: sql/missing.sql
candidates:
  - name: a
    driver: libpq
    url: postgresql://app@db.valid.test:5432/users
)");
        auto checked = run_broken(file);
        check_mark(checked, file, 6, 13);
        CHECK(contains(checked.line, "missing.sql"));
    }

    TEST_CASE("an unknown driver is exit 2 listing the drivers there are") {
        auto file = write_file(fresh_dir("err-driver") / "s.yaml", R"(scenario: driver
database:
  engine: postgres
  answers_as: [db.valid.test:5432]
candidates:
  - name: a
    driver: jdbc
    url: postgresql://app@db.valid.test:5432/users
)");
        auto checked = run_broken(file);
        check_mark(checked, file, 7, 13);
        CHECK(contains(checked.line, "unknown driver \"jdbc\""));
        CHECK(contains(checked.line, "libpq"));
    }

    TEST_CASE("an unknown failure category is exit 2 with a suggestion") {
        auto file =
            write_file(fresh_dir("err-category") / "s.yaml", std::string(k_valid) + "    expect: {fail: dsn}\n");
        auto checked = run_broken(file);
        check_mark(checked, file, 9, 20);
        CHECK(contains(checked.line, "unknown category \"dsn\""));
        CHECK(contains(checked.line, "did you mean dns?"));
    }

    TEST_CASE("several broken files give one line each, and nothing runs even for the valid one") {
        auto dir = fresh_dir("err-several");
        auto a = write_file(dir / "a.yaml", std::string(k_valid) + "    expct: pass\n");
        auto b = write_file(dir / "b.yaml", std::string(k_valid) + "    expect: {fail: dsn}\n");
        write_file(dir / "c.yaml", k_valid);
        auto d = write_file(dir / "nested" / "d.yml", "scenario: [unclosed\n");
        fs::path never = fresh_dir("rt-never") / "root";
        auto result = run_stagegate({"run", dir.string()}, {{"STAGEGATE_RUNTIME_DIR", never.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(!fs::exists(never));
        auto lines = problem_lines(result.err);
        CHECK(lines.size() == 3);
        for (const auto& file : {a, b, d}) {
            auto count = std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
                return mark_of(line, file.string()).has_value();
            });
            CHECK_MESSAGE(count == 1, file.string() << " has " << count << " lines");
        }
    }

    TEST_CASE("a path that does not exist is exit 2") {
        auto missing = fresh_dir("err-missing") / "no-such-scenario.yaml";
        auto result = run_stagegate({"run", missing.string()});
        INFO("stderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(lines_of(result.err).size() == 1);
        CHECK(contains(result.err, missing.string()));
    }

    TEST_CASE("a folder without *.yaml is exit 2") {
        auto dir = fresh_dir("err-empty-folder");
        write_file(dir / "notes.txt", "scenario: not here\n");
        write_file(dir / "scenario.json", "{}\n");
        auto result = run_stagegate({"run", dir.string()});
        INFO("stderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(lines_of(result.err).size() == 1);
        CHECK(contains(result.err, "no scenario files"));
    }

    TEST_CASE("a binary file is exit 2 with one line, no crash") {
        std::mt19937 random(20260601);
        std::string bytes;
        for (int i = 0; i < 8192; ++i)
            bytes += static_cast<char>(random() & 0xff);
        bytes[10] = '\0';
        auto file = write_file(fresh_dir("err-binary") / "garbage.yaml", bytes);
        run_broken(file);
    }

    TEST_CASE("10000-deep nesting is exit 2 with one line, no crash or hang") {
        auto dir = fresh_dir("err-deep");
        const std::size_t depth = 10000;
        auto flow_sequence =
            write_file(dir / "flow-sequence.yaml", std::string(depth, '[') + std::string(depth, ']') + "\n");
        std::string map;
        for (std::size_t i = 0; i < depth; ++i)
            map += "{a: ";
        map += "1" + std::string(depth, '}') + "\n";
        auto flow_map = write_file(dir / "flow-map.yaml", "scenario: " + map);
        std::string block;
        for (std::size_t i = 0; i < depth; ++i)
            block += "- ";
        auto block_sequence = write_file(dir / "block-sequence.yaml", block + "x\n");
        for (const auto& file : {flow_sequence, flow_map, block_sequence}) {
            INFO(file.filename().string());
            run_broken(file, 30000);
        }
    }
}
