#pragma once

#include <cstdio>

#include "run/outcome.hpp"

namespace stagegate {

// Streams the run for people: per scenario its server, per candidate a verdict line with the
// category and time, the one-line diagnosis and hint, a line per check, and a summary. Colour
// only when asked (a terminal without NO_COLOR). Every line (of an outcome without secrets: redact())
// passes printable_line (util/text.hpp): no value can start a line, forge a CI workflow command or hide
// a character.
class ConsoleReporter final : public RunObserver {
  public:
    ConsoleReporter(std::FILE* out, bool color);

    void scenario_started(const ScenarioOutcome& outcome) override;
    void scenario_ready(const ScenarioOutcome& outcome) override;
    void candidate_finished(const ScenarioOutcome& scenario, const CandidateOutcome& candidate) override;
    void step_finished(const ScenarioOutcome& scenario, const StepOutcome& step) override;
    void scenario_finished(const ScenarioOutcome& outcome) override;
    void run_finished(const RunOutcome& outcome) override;
    // On a terminal: redraws one progress line ("[ 37/200] 2 running, 1 not as expected") under the
    // reported lines; elsewhere nothing, so CI logs get plain lines only.
    void progress(const Progress& progress) override;

    // Returns whether `stream` should get colour: a terminal, NO_COLOR unset, TERM not dumb.
    static bool wants_color(std::FILE* stream);
    // Returns whether `stream` should get the live progress line: a terminal, TERM not dumb, and
    // not in CI (CI set: GitHub Actions, GitLab and Jenkins set it or run without a terminal).
    static bool wants_progress(std::FILE* stream);
    void show_progress(bool on) { m_show_progress = on; }

  private:
    // A word painted in a colour of its own at the start of a line ("PASS", "gate: FAIL").
    struct Tag {
        std::string_view text;
        std::string_view code;
    };
    // Writes `text` as one line in colour `code` (none: uncoloured).
    void line(std::string_view text, std::string_view code = {});
    // Writes `indent`, `tag` in its colour, then `text` in colour `code`, as one line.
    void line(std::string_view indent, Tag tag, std::string_view text, std::string_view code = {});
    std::string paint(std::string_view text, std::string_view code) const;

    std::FILE* m_out;
    bool m_color;
    std::string m_answers_as;
    std::string m_phase; // the phase whose heading was printed last
    std::size_t m_name_width = 24;
    bool m_show_progress = false;
    bool m_progress_drawn = false; // a progress line stands at the bottom and must be wiped first
};

} // namespace stagegate
