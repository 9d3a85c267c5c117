#pragma once

#include <libxml/parser.h>

#include <string>
#include <vector>

namespace stagegate::test {

// Collects what libxml2 reports while alive: errors and warnings alike, from parser and schema.
class XmlMessages {
  public:
    XmlMessages() {
        xmlSetStructuredErrorFunc(this, collect);
        xmlSetGenericErrorFunc(this, collect_generic);
    }
    ~XmlMessages() {
        xmlSetStructuredErrorFunc(nullptr, nullptr);
        xmlSetGenericErrorFunc(nullptr, nullptr);
    }
    XmlMessages(const XmlMessages&) = delete;
    XmlMessages& operator=(const XmlMessages&) = delete;

    // The error argument's constness differs between libxml2 versions: the template takes either.
    template <typename Error> static void collect(void* self, Error error) {
        static_cast<XmlMessages*>(self)->m_messages.push_back("line " + std::to_string(error->line) + ": " +
                                                              (error->message ? error->message : "?"));
    }
    static void collect_generic(void* self, const char* format, ...) {
        static_cast<XmlMessages*>(self)->m_messages.push_back(format);
    }

    const std::vector<std::string>& messages() const { return m_messages; }

  private:
    std::vector<std::string> m_messages;
};

// Returns every message of validating `doc` against tests/support/junit.xsd (empty: valid).
std::vector<std::string> schema_messages(xmlDoc* doc);

// Returns libxml2's complaints about a JUnit report: parse errors (strict: no recovery, no
// network), then breaches of tests/support/junit.xsd. Empty: well-formed and valid.
std::vector<std::string> junit_problems(const std::string& text);

} // namespace stagegate::test
