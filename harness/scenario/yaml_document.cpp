#include "scenario/yaml_document.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <optional>
#include <sstream>

namespace stagegate {

namespace {

// The 1-based line and column of byte `offset`.
YamlProblem problem_at(const std::string& text, std::size_t offset, std::string message) {
    auto begin = text.begin();
    auto at = begin + static_cast<std::ptrdiff_t>(std::min(offset, text.size()));
    int line = 1 + static_cast<int>(std::count(begin, at, '\n'));
    auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    std::size_t column = line_start == std::string::npos || offset == 0 ? offset : offset - line_start - 1;
    return YamlProblem{line, static_cast<int>(column) + 1, std::move(message)};
}

// Returns true when the quoted scalar opening at `open` has its closing quote.
bool closed(const std::string& text, std::size_t open) {
    char quote = text[open];
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\')
            ++i;
        else if (quote == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'')
            ++i;
        else if (text[i] == quote)
            return true;
    }
    return false;
}

// Watches the parser's events for what the node tree no longer shows: where documents start,
// and where quoted scalars open.
class Events final : public YAML::EventHandler {
  public:
    explicit Events(const std::string& text) : m_text(text) {}

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++m_documents == 2)
            m_problem = YamlProblem{mark.line + 1, mark.column + 1,
                                    "a second YAML document starts here (after ---), and stagegate reads one "
                                    "scenario per file: move it to a file of its own"};
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        auto at = static_cast<std::size_t>(mark.pos);
        if (m_problem || at >= m_text.size() || (m_text[at] != '"' && m_text[at] != '\''))
            return;
        if (!closed(m_text, at))
            m_problem = YamlProblem{mark.line + 1, mark.column + 1, unterminated(m_text[at])};
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

    int documents() const { return m_documents; }
    const std::optional<YamlProblem>& problem() const { return m_problem; }

  private:
    static std::string unterminated(char quote) {
        return std::string("the quoted value that starts here has no closing ") + quote +
               " before the end of the file: add it";
    }

    const std::string& m_text;
    int m_documents = 0;
    std::optional<YamlProblem> m_problem;
};

YamlProblem problem_of(const YAML::Exception& error) {
    if (error.mark.is_null())
        return YamlProblem{1, 1, "not valid YAML: " + yaml_reason(error)};
    return YamlProblem{error.mark.line + 1, error.mark.column + 1, "not valid YAML: " + yaml_reason(error)};
}

} // namespace

std::string yaml_reason(const YAML::Exception& error) {
    if (dynamic_cast<const YAML::DeepRecursion*>(&error))
        return "lists and mappings nest too deeply to be read: flatten the file";
    return error.msg;
}

std::expected<YAML::Node, YamlProblem> load_one_document(const std::string& text) {
    if (auto nul = text.find('\0'); nul != std::string::npos)
        return std::unexpected(
            problem_at(text, nul, "the file holds a NUL byte, so it is not text: save it as UTF-8 text"));
    Events events(text);
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        while (!events.problem() && events.documents() < 2 && parser.HandleNextDocument(events)) {
        }
    } catch (const YAML::Exception& error) {
        return std::unexpected(problem_of(error));
    }
    if (events.problem())
        return std::unexpected(*events.problem());
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& error) {
        return std::unexpected(problem_of(error));
    }
}

} // namespace stagegate
