#include "report/console.hpp"

#include "util/output.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unistd.h>

namespace stagegate {

namespace {
constexpr std::string_view k_green = "32";
constexpr std::string_view k_red = "31";
constexpr std::string_view k_dim = "2";
constexpr std::string_view k_bold = "1";

std::string plural(std::size_t count, std::string_view word) {
    return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}
} // namespace

ConsoleReporter::ConsoleReporter(std::FILE* out, bool color) : m_out(out), m_color(color) {}

bool ConsoleReporter::wants_color(std::FILE* stream) {
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    if (no_color && *no_color)
        return false;
    if (term && std::string_view(term) == "dumb")
        return false;
    return ::isatty(::fileno(stream)) == 1;
}

bool ConsoleReporter::wants_progress(std::FILE* stream) {
    const char* term = std::getenv("TERM");
    const char* ci = std::getenv("CI");
    if ((term && std::string_view(term) == "dumb") || (ci && *ci))
        return false;
    return ::isatty(::fileno(stream)) == 1;
}

void ConsoleReporter::progress(const Progress& progress) {
    if (!m_show_progress)
        return;
    std::string text = fmt::format("[{:>{}}/{}] {} running", progress.done, fmt::to_string(progress.total).size(),
                                   progress.total, progress.running);
    if (progress.failed > 0)
        text += fmt::format(", {} not as expected", progress.failed);
    std::fputs(fmt::format("\r\x1b[2K{}", paint(text, k_dim)).c_str(), m_out);
    std::fflush(m_out);
    m_progress_drawn = true;
}

void ConsoleReporter::line(std::string_view text, std::string_view code) {
    line("", Tag{}, text, code);
}

// The one place console text is written: through print_line (secrets cut, made printable: names,
// values and server messages are the user's or a server's, and must neither forge CI commands nor
// hide characters), and only then painted, so the only escape sequences on the line are the
// reporter's own.
void ConsoleReporter::line(std::string_view indent, Tag tag, std::string_view text, std::string_view code) {
    if (m_progress_drawn) {
        std::fputs("\r\x1b[2K", m_out);
        m_progress_drawn = false;
    }
    bool painted = m_color && !code.empty() && !text.empty();
    std::string before = fmt::format("{}{}{}", indent, paint(tag.text, tag.code),
                                     painted ? fmt::format("\x1b[{}m", code) : std::string());
    print_line(m_out, text, before, painted ? "\x1b[0m" : "");
    std::fflush(m_out);
}

std::string ConsoleReporter::paint(std::string_view text, std::string_view code) const {
    if (!m_color || code.empty() || text.empty())
        return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

void ConsoleReporter::scenario_started(const ScenarioOutcome& outcome) {
    m_answers_as = join(outcome.answers_as, ", ");
    m_name_width = 24;
    for (const auto& candidate : outcome.candidates)
        m_name_width = std::max(m_name_width, candidate.name.size());
    line(fmt::format("{}  ({})", outcome.name, outcome.file), k_bold);
}

void ConsoleReporter::scenario_ready(const ScenarioOutcome& outcome) {
    if (outcome.error) {
        line("  ", Tag{"ERROR", k_red},
             fmt::format("  could not stand up the database: {}", outcome.error->to_string()));
        return;
    }
    if (outcome.server.empty())
        return; // never started: the run stopped first
    line(fmt::format("  server {}, ready in {} ms, answers as {}", outcome.server, outcome.ready_after.count(),
                     m_answers_as),
         k_dim);
    if (!outcome.client_environment.empty())
        line("  client environment: the machine's own (PG*/MYSQL_* variables, ~/.pgpass, service files), as "
             "the scenario asks",
             k_dim);
    m_phase.clear();
}

void ConsoleReporter::step_finished(const ScenarioOutcome&, const StepOutcome& step) {
    if (m_phase != "maintenance") {
        m_phase = "maintenance";
        line("  maintenance:");
    }
    Tag tag = step.ok ? Tag{"DONE", k_green} : Tag{"FAIL", k_red};
    line("  ", tag, fmt::format("  {:<60} {:>6} ms", step.step, step.elapsed.count()));
    line(fmt::format("        {}", step.result), step.ok ? k_dim : k_red);
}

void ConsoleReporter::candidate_finished(const ScenarioOutcome&, const CandidateOutcome& candidate) {
    if (!candidate.tried())
        return; // counted in the scenario's closing line
    if (candidate.phase != m_phase && !candidate.phase.empty()) {
        m_phase = candidate.phase;
        line(fmt::format("  {} maintenance:", candidate.phase));
    }
    std::string got = candidate.passed ? "pass" : fmt::format("fail:{}", to_string(*candidate.category));
    std::string story;
    if (candidate.verdict && !candidate.passed)
        story = fmt::format("blocked as expected ({})", to_string(*candidate.category));
    else if (candidate.verdict)
        story = "passed as expected";
    else
        story = fmt::format("expected {}, got {}", candidate.expected.to_string(), got);
    Tag tag = candidate.verdict ? Tag{"PASS", k_green} : Tag{"FAIL", k_red};
    line("  ", tag,
         fmt::format("  {:<{}}  {:<32} {:>6} ms", candidate.name, m_name_width, story, candidate.elapsed.count()));
    if (!candidate.passed || !candidate.verdict)
        line(fmt::format("        {}", candidate.message));
    if (!candidate.verdict && !candidate.hint.empty())
        line(fmt::format("        hint: {}", candidate.hint));
    for (const auto& mapping : candidate.translation)
        line(fmt::format("        from config: {}", mapping), k_dim);
    std::size_t label_width = 48;
    for (const auto& check : candidate.checks)
        label_width = std::max(label_width, check.check.size());
    for (const auto& check : candidate.checks) {
        std::string status(to_string(check.status));
        if (&check == &candidate.checks.front() && !candidate.tls.empty())
            status += candidate.tls == "none" ? ", plaintext" : ", " + candidate.tls;
        if (check.category)
            status += fmt::format(" ({})", to_string(*check.category));
        line(fmt::format("        - {:<{}} {:<24} {:>6} ms", check.check, label_width, status, check.elapsed.count()),
             k_dim);
    }
}

void ConsoleReporter::scenario_finished(const ScenarioOutcome& outcome) {
    std::map<std::string_view, std::pair<NotRun, std::size_t>> untried; // by the reason's name
    for (const auto& candidate : outcome.candidates) {
        if (!candidate.tried()) {
            auto& [reason, count] = untried[to_string(candidate.not_run)];
            reason = candidate.not_run;
            ++count;
        }
    }
    for (const auto& [name, untried_for] : untried) {
        const auto& [reason, count] = untried_for;
        line("  ", Tag{"SKIP", k_dim}, fmt::format("  {} not tried: {}", plural(count, "candidate"), explain(reason)));
    }
    line("");
}

void ConsoleReporter::run_finished(const RunOutcome& outcome) {
    std::size_t candidates = 0; // trials: a candidate tried before and after a maintenance counts twice
    std::size_t both_phases = 0;
    std::size_t met = 0;
    std::size_t caught = 0;
    std::size_t errors = 0;
    std::size_t untried = 0;
    for (const auto& scenario : outcome.scenarios) {
        if (scenario.error)
            ++errors;
        for (const auto& candidate : scenario.candidates) {
            if (!candidate.tried()) {
                ++untried;
                continue;
            }
            ++candidates;
            if (candidate.phase == "after" &&
                std::any_of(scenario.candidates.begin(), scenario.candidates.end(),
                            [&](const auto& other) { return other.phase == "before" && other.name == candidate.name; }))
                ++both_phases;
            if (candidate.verdict)
                ++met;
            if (candidate.verdict && !candidate.passed)
                ++caught;
        }
    }
    Tag verdict;
    switch (outcome.exit_code()) {
    case 0:
        verdict = Tag{"gate: PASS", k_green};
        break;
    case 1:
        verdict = Tag{"gate: FAIL", k_red};
        break;
    case 3:
        verdict = Tag{outcome.timed_out ? "gate: ERROR (--timeout passed)" : "gate: ERROR (infrastructure)", k_red};
        break;
    default:
        verdict = Tag{"gate: INTERRUPTED", k_red};
        break;
    }
    std::string tried = plural(candidates, "candidate");
    if (both_phases > 0)
        tried = fmt::format("{} ({} tried before and after maintenance: {} trials)",
                            plural(candidates - both_phases, "candidate"), both_phases, candidates);
    line("", verdict,
         fmt::format(
             ": {} in {}; {} as expected ({} bad config{} blocked), {} not as expected{}{} (exit {})", tried,
             plural(outcome.scenarios.size(), "scenario"), met, caught, caught == 1 ? "" : "s", candidates - met,
             errors ? fmt::format(", {} scenario{} could not run", errors, errors == 1 ? "" : "s") : "",
             untried ? fmt::format(", {} not tried{}", untried, outcome.stopped_early ? " (--fail-fast)" : "") : "",
             outcome.exit_code()));
}

} // namespace stagegate
