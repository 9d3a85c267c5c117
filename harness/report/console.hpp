#pragma once

#include <cstdio>

#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

// Streams the run for people: per scenario its server, per candidate a verdict line with the
// category and time, the one-line diagnosis and hint, a line per check, and a summary. Colour
// only when asked (a terminal without NO_COLOR). Every line passes the redactor.
class ConsoleReporter final : public RunObserver {
  public:
    ConsoleReporter(std::FILE* out, bool color, const Redactor& redactor);

    void scenario_started(const Scenario& scenario) override;
    void scenario_ready(const ScenarioOutcome& outcome) override;
    void candidate_finished(const ScenarioOutcome& scenario, const CandidateOutcome& candidate) override;
    void step_finished(const ScenarioOutcome& scenario, const StepOutcome& step) override;
    void scenario_finished(const ScenarioOutcome& outcome) override;
    void run_finished(const RunOutcome& outcome) override;

    // Returns whether `stream` should get colour: a terminal, NO_COLOR unset, TERM not dumb.
    static bool wants_color(std::FILE* stream);

  private:
    void line(const std::string& text);
    std::string paint(std::string_view text, std::string_view code) const;

    std::FILE* m_out;
    bool m_color;
    const Redactor& m_redactor;
    std::string m_answers_as;
    std::string m_phase; // the phase whose heading was printed last
    std::size_t m_name_width = 24;
};

} // namespace stagegate
