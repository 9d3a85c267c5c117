#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "util/redactor.hpp"

namespace stagegate {

// The process's output boundary. Every secret stagegate meets (secret-looking ${VAR}s, the
// passwords of candidate strings, password literals in setup SQL, the superuser's) is registered
// with process_secrets(). Every line written for people (the console reporter, errors, lint,
// explain, diff, drill) leaves through print_line, which cuts them before the line is made
// printable. Report documents (JSON, JUnit, workflow commands) are rendered from an outcome whose
// values were cut before any writer saw them (redact() in run/outcome.hpp): cut before they are
// escaped, so no escaping can hide a secret, and never cut after, which could cut markup.
Redactor& process_secrets();

// Returns `text` with every secret of the process cut.
std::string cut_secrets(std::string_view text);

// Writes `text` as one line to `stream`: secrets cut, made printable (printable_line in
// util/text.hpp), then `before` and `after` (the caller's own escape sequences, such as
// colours, which carry no value) around it, and a line feed.
void print_line(std::FILE* stream, std::string_view text, std::string_view before = {}, std::string_view after = {});

// Writes each line of `text` (lines end at line feeds; a last one is optional) with print_line.
void print_lines(std::FILE* stream, std::string_view text);

} // namespace stagegate
