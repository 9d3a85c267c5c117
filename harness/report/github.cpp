#include "report/github.hpp"

#include "run/signals.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string_view>

namespace stagegate {

namespace {

struct Location {
    std::string file;
    int line = 0;
    int column = 0;
};

std::string escaped_data(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '%':
            out += "%25";
            break;
        case '\r':
            out += "%0D";
            break;
        case '\n':
            out += "%0A";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string escaped_property(std::string_view text) {
    std::string out;
    for (char c : escaped_data(text)) {
        if (c == ':')
            out += "%3A";
        else if (c == ',')
            out += "%2C";
        else
            out += c;
    }
    return out;
}

// Returns `text` with each of its lines made printable (no control or invisible character); line
// breaks (CR, LF) stay, for the runner's escaping.
std::string printable_lines(std::string_view text) {
    std::string out;
    for (std::size_t start = 0; start <= text.size();) {
        auto end = std::min(text.find_first_of("\r\n", start), text.size());
        out += printable_line(text.substr(start, end - start));
        if (end < text.size())
            out += text[end];
        start = end + 1;
    }
    return out;
}

// Returns one workflow command line. Strings (without secrets: the outcome passed redact()) are
// made printable (no invisible or control character) and then escaped as the runner requires.
std::string command(std::string_view level, const Location& where, std::string_view title, std::string_view message) {
    auto property = [&](std::string_view text) { return escaped_property(printable_lines(text)); };
    std::string properties = fmt::format("file={},line={}", property(where.file), std::max(where.line, 1));
    if (where.column > 0)
        properties += fmt::format(",col={}", where.column);
    return fmt::format("::{} {},title={}::{}\n", level, properties, property(title),
                       escaped_data(printable_lines(message)));
}

// Returns where a scenario error points (its step), else the scenario file's first line.
Location error_location(const ScenarioOutcome& scenario) {
    const SourceMark& mark = scenario.error->mark;
    if (mark.file.empty())
        return Location{scenario.file, 1, 0};
    return Location{mark.file, mark.line, mark.column};
}

// A failed candidate points at the config file line its string came from when there is one (the
// line to fix), else at the candidate; an untried one points at the candidate.
std::string candidate_annotation(const ScenarioOutcome& scenario, const CandidateOutcome& candidate,
                                 const RunOutcome& run) {
    const SourceMark& mark = candidate.mark;
    Location at_candidate{mark.file.empty() ? scenario.file : mark.file, mark.line, mark.column};
    std::string title = fmt::format("stagegate: {} › {}", scenario.name, candidate.name);
    if (!candidate.phase.empty())
        title += fmt::format(" [{}]", candidate.phase);
    switch (candidate.not_run) {
    case NotRun::interrupted:
        return command("warning", at_candidate, title,
                       fmt::format("not run: interrupted by {}", signal_name(run.signal)));
    case NotRun::timeout:
        return command("warning", at_candidate, title, "not run: the run's --timeout passed");
    case NotRun::fail_fast:      // the failure that stopped the run has its own annotation
    case NotRun::scenario_error: // the scenario's error has its own annotation
        return {};
    case NotRun::tried:
        break;
    }
    if (candidate.verdict)
        return {};
    std::string message = candidate.message.empty()
                              ? fmt::format("expected {}, but the outcome differs", candidate.expected.to_string())
                              : candidate.message;
    if (!candidate.hint.empty())
        message += fmt::format("\nhint: {}", candidate.hint);
    if (candidate.origin.file.empty())
        return command("error", at_candidate, title, message);
    if (!mark.file.empty())
        message += fmt::format("\ncandidate: {}", mark.to_string());
    const SourceMark& origin = candidate.origin;
    return command("error", Location{origin.file, origin.line, origin.column}, title, message);
}

} // namespace

std::string github_annotations(const RunOutcome& outcome) {
    std::string out;
    for (const auto& scenario : outcome.scenarios) {
        if (scenario.error) {
            out += command("error", error_location(scenario), fmt::format("stagegate: {}", scenario.name),
                           scenario.error->message);
        }
        for (const auto& candidate : scenario.candidates)
            out += candidate_annotation(scenario, candidate, outcome);
    }
    return out;
}

bool running_under_github_actions() {
    const char* value = std::getenv("GITHUB_ACTIONS");
    return value != nullptr && std::string_view(value) == "true";
}

} // namespace stagegate
