#include "util/sql_passwords.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace stagegate {

namespace {

struct Token {
    enum class Kind { word, literal, symbol };
    Kind kind = Kind::symbol;
    std::string text;                // a word in upper case, or the symbol
    std::vector<std::string> values; // a literal: as written between its quotes, and as read
};

bool is_word_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool is_word_part(char c) {
    return is_word_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

// MariaDB's backslash escapes (the ones that do not stand for the character itself).
char unescaped(char c) {
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case '0':
        return '\0';
    case 'b':
        return '\b';
    case 'Z':
        return '\x1a';
    default:
        return c;
    }
}

class Lexer {
  public:
    Lexer(std::string_view sql, SqlDialect dialect) : m_sql(sql), m_mariadb(dialect == SqlDialect::mariadb) {}

    // Returns the next token, or nothing at the end.
    std::optional<Token> next() {
        skip_blanks_and_comments();
        if (m_at >= m_sql.size())
            return std::nullopt;
        char c = m_sql[m_at];
        if (c == '\'' || c == '"')
            return quoted(c, m_mariadb);
        if (c == '`')
            return identifier('`');
        if (c == '$') {
            if (auto dollar = dollar_quoted())
                return dollar;
        }
        if (is_word_start(c))
            return word();
        ++m_at;
        return Token{Token::Kind::symbol, std::string(1, c), {}};
    }

  private:
    bool at(std::string_view text) const { return m_sql.substr(m_at).starts_with(text); }

    void skip_blanks_and_comments() {
        while (m_at < m_sql.size()) {
            if (std::isspace(static_cast<unsigned char>(m_sql[m_at])) != 0) {
                ++m_at;
            } else if (at("--") || (m_mariadb && at("#"))) {
                m_at = std::min(m_sql.find('\n', m_at), m_sql.size());
            } else if (at("/*")) {
                auto end = m_sql.find("*/", m_at + 2);
                m_at = end == std::string_view::npos ? m_sql.size() : end + 2;
            } else {
                return;
            }
        }
    }

    // A literal from its opening quote at m_at: doubled quotes, and backslash escapes if asked.
    Token quoted(char quote, bool backslash_escapes) {
        std::size_t start = ++m_at;
        std::string read;
        while (m_at < m_sql.size()) {
            char c = m_sql[m_at];
            if (backslash_escapes && c == '\\' && m_at + 1 < m_sql.size()) {
                read += unescaped(m_sql[m_at + 1]);
                m_at += 2;
            } else if (c == quote && m_at + 1 < m_sql.size() && m_sql[m_at + 1] == quote) {
                read += quote;
                m_at += 2;
            } else if (c == quote) {
                break;
            } else {
                read += c;
                ++m_at;
            }
        }
        std::string written(m_sql.substr(start, std::min(m_at, m_sql.size()) - start));
        m_at = std::min(m_at + 1, m_sql.size());
        return Token{Token::Kind::literal, {}, {written, read}};
    }

    Token identifier(char quote) {
        auto end = m_sql.find(quote, m_at + 1);
        end = end == std::string_view::npos ? m_sql.size() : end;
        Token token{Token::Kind::word, std::string(m_sql.substr(m_at, end - m_at)), {}};
        m_at = std::min(end + 1, m_sql.size());
        return token;
    }

    // $$...$$ or $tag$...$tag$ (PostgreSQL); nothing when m_at starts no such quote ($1).
    std::optional<Token> dollar_quoted() {
        std::size_t end = m_at + 1;
        while (end < m_sql.size() && m_sql[end] != '$' &&
               (end == m_at + 1 ? is_word_start(m_sql[end]) : is_word_part(m_sql[end])))
            ++end;
        if (end >= m_sql.size() || m_sql[end] != '$')
            return std::nullopt;
        std::string_view tag = m_sql.substr(m_at, end - m_at + 1);
        std::size_t start = end + 1;
        auto close = m_sql.find(tag, start);
        close = close == std::string_view::npos ? m_sql.size() : close;
        std::string body(m_sql.substr(start, close - start));
        m_at = std::min(close + tag.size(), m_sql.size());
        return Token{Token::Kind::literal, {}, {body}};
    }

    // A word, or a literal with an introducer: E'...' (backslash escapes), N'...', _utf8mb4'...'.
    Token word() {
        std::size_t start = m_at;
        while (m_at < m_sql.size() && is_word_part(m_sql[m_at]))
            ++m_at;
        std::string text = upper(m_sql.substr(start, m_at - start));
        if (m_at < m_sql.size() && m_sql[m_at] == '\'')
            return quoted('\'', m_mariadb || text == "E");
        return Token{Token::Kind::word, std::move(text), {}};
    }

    std::string_view m_sql;
    bool m_mariadb;
    std::size_t m_at = 0;
};

// Which literal is a password, read token by token.
class PasswordScan {
  public:
    void take(const Token& token) {
        switch (token.kind) {
        case Token::Kind::word:
            word(token.text);
            break;
        case Token::Kind::symbol:
            symbol(token.text.front());
            break;
        case Token::Kind::literal:
            for (const auto& value : token.values) {
                if (m_armed && !value.empty() && std::find(m_found.begin(), m_found.end(), value) == m_found.end())
                    m_found.push_back(value);
            }
            m_armed = false;
            break;
        }
    }

    std::vector<std::string> found() && { return std::move(m_found); }

  private:
    void word(const std::string& text) {
        if (text == "PASSWORD") {
            m_armed = true;
        } else if (text == "FOR" && m_armed) { // SET PASSWORD FOR user = ...
            m_armed = false;
            m_after_equals = true;
        } else if (text == "IDENTIFIED") {
            m_identified = true;
            m_armed = false;
        } else {
            m_armed = m_identified && (text == "BY" || text == "REPLACE");
        }
    }

    void symbol(char c) {
        if (c == '=' && m_after_equals) {
            m_armed = true;
            m_after_equals = false;
        } else if (c == ';' || c == ',') {
            m_armed = m_identified = m_after_equals = false;
        } else if (c != '(' && c != '=' && c != '@') {
            m_armed = false;
        }
    }

    bool m_armed = false;        // the next literal is a password
    bool m_identified = false;   // inside an IDENTIFIED clause
    bool m_after_equals = false; // SET PASSWORD FOR user: the password follows '='
    std::vector<std::string> m_found;
};

} // namespace

std::vector<std::string> sql_passwords(std::string_view sql, SqlDialect dialect) {
    Lexer lexer(sql, dialect);
    PasswordScan scan;
    while (auto token = lexer.next())
        scan.take(*token);
    return std::move(scan).found();
}

} // namespace stagegate
