#include "rehearsal/cook.hpp"

#include "base/text.hpp"

#include <cctype>
#include <vector>

namespace forumgate::rehearsal {
namespace {

bool is_blank(std::string_view line)
{
    for (char const c : line) {
        if (c != ' ' && c != '\t') {
            return false;
        }
    }
    return true;
}

bool starts_with(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

// Markdown's blank characters around a line or a field are spaces and tabs (lines have lost
// their CR and LF already): base::trim.
using base::trim;

bool is_word_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Attribute values: what escape_html does, as attributes are always double-quoted.
std::string attribute(std::string_view value)
{
    return escape_html(value);
}

class renderer
{
public:
    explicit renderer(upload_url_resolver const &uploads) : m_uploads(uploads) {}

    std::string blocks(std::string_view text);
    std::string inline_text(std::string_view text);

private:
    /// Represents the lines of a text being cut into blocks, and where each starts in it.
    struct block_cursor
    {
        std::string_view text;
        std::vector<std::string_view> lines;
        std::vector<std::size_t> offsets; ///< byte offset of each line inside `text`
        std::size_t i = 0;                ///< the line being looked at
    };

    std::string resolve_url(std::string_view url) const;
    std::string quote(std::string_view params, std::string_view body);
    // Block steps: each looks at the cursor's line; when it starts its kind of block, appends
    // the block to `out`, moves the cursor past it and returns true.
    bool quote_block(block_cursor &at, std::string &out, std::vector<std::string_view> &paragraph);
    static bool fenced_code(block_cursor &at, std::string &out);
    bool heading(block_cursor &at, std::string &out);
    bool block_quote(block_cursor &at, std::string &out);
    bool list(block_cursor &at, std::string &out);
    std::string paragraph_html(std::vector<std::string_view> const &paragraph);
    // Inline steps: each looks at text[i]; when it starts its kind of span, appends the span's
    // HTML to `out`, moves `i` past it and returns true.
    bool link_or_image(std::string_view text, std::size_t &i, std::string &out);
    static bool bare_url(std::string_view text, std::size_t &i, std::string &out);
    bool emphasis(std::string_view text, std::size_t &i, std::string &out);
    static bool mention(std::string_view text, std::size_t &i, std::string &out);

    upload_url_resolver const &m_uploads;
};

std::string renderer::resolve_url(std::string_view url) const
{
    if (starts_with(url, "upload://") && m_uploads) {
        std::string resolved = m_uploads(url);
        if (!resolved.empty()) {
            return resolved;
        }
    }
    return std::string{url};
}

std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t const end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    for (auto &line : lines) {
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
    }
    return lines;
}

// Finds the `[/quote]` that closes a quote whose body starts at `from`, honouring nesting.
std::size_t find_quote_end(std::string_view text, std::size_t from)
{
    int depth = 1;
    std::size_t pos = from;
    while (pos < text.size()) {
        std::size_t const open = text.find("[quote", pos);
        std::size_t const close = text.find("[/quote]", pos);
        if (close == std::string_view::npos) {
            return std::string_view::npos;
        }
        if (open != std::string_view::npos && open < close) {
            ++depth;
            pos = open + 6;
            continue;
        }
        if (--depth == 0) {
            return close;
        }
        pos = close + 8;
    }
    return std::string_view::npos;
}

std::string renderer::quote(std::string_view params, std::string_view body)
{
    // params: "name, post:N, topic:T[, full:true][, username:x]" (quotes optional).
    if (!params.empty() && params.front() == '"') {
        params.remove_prefix(1);
    }
    if (!params.empty() && params.back() == '"') {
        params.remove_suffix(1);
    }
    std::string name;
    std::string username;
    std::string post;
    std::string topic;
    bool full = false;
    std::size_t pos = 0;
    bool first = true;
    while (pos <= params.size()) {
        std::size_t const comma = params.find(',', pos);
        std::string_view const field =
            trim(params.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        if (first) {
            name = field;
            first = false;
        } else if (starts_with(field, "post:")) {
            post = field.substr(5);
        } else if (starts_with(field, "topic:")) {
            topic = field.substr(6);
        } else if (starts_with(field, "username:")) {
            username = field.substr(9);
        } else if (field == "full:true") {
            full = true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    if (username.empty()) {
        username = name;
    }
    std::string out = "<aside class=\"quote no-group\"";
    if (!username.empty()) {
        out += " data-username=\"" + attribute(username) + "\"";
    }
    if (!post.empty()) {
        out += " data-post=\"" + attribute(post) + "\"";
    }
    if (!topic.empty()) {
        out += " data-topic=\"" + attribute(topic) + "\"";
    }
    if (full) {
        out += " data-full=\"true\"";
    }
    out += ">\n";
    if (!name.empty()) {
        out += "<div class=\"title\">\n<div class=\"quote-controls\"></div>\n" + escape_html(name) + ":</div>\n";
    }
    out += "<blockquote>\n" + blocks(body) + "</blockquote>\n</aside>\n";
    return out;
}

std::string renderer::paragraph_html(std::vector<std::string_view> const &paragraph)
{
    std::string out = "<p>";
    for (std::size_t i = 0; i < paragraph.size(); ++i) {
        if (i > 0) {
            out += "<br>\n";
        }
        out += inline_text(trim(paragraph[i]));
    }
    out += "</p>\n";
    return out;
}

bool renderer::quote_block(block_cursor &at, std::string &out, std::vector<std::string_view> &paragraph)
{
    std::string_view const text = at.text;
    std::string_view const line = at.lines[at.i];
    std::string_view const trimmed = trim(line);
    if (!starts_with(trimmed, "[quote")) {
        return false;
    }
    std::size_t const start = at.offsets[at.i] + static_cast<std::size_t>(trimmed.data() - line.data());
    std::size_t const close_bracket = text.find(']', start);
    std::size_t const body_start = close_bracket == std::string_view::npos ? 0 : close_bracket + 1;
    std::size_t const end =
        close_bracket == std::string_view::npos ? std::string_view::npos : find_quote_end(text, body_start);
    if (end == std::string_view::npos) {
        return false;
    }
    if (!paragraph.empty()) {
        out += paragraph_html(paragraph);
        paragraph.clear();
    }
    std::string_view params = text.substr(start + 6, close_bracket - start - 6);
    if (!params.empty() && params.front() == '=') {
        params.remove_prefix(1);
    }
    out += quote(params, text.substr(body_start, end - body_start));
    std::size_t const after = end + 8;
    // Continue with the line after the closing tag (text after it on the same line starts a
    // new paragraph).
    while (at.i < at.lines.size() && at.offsets[at.i] + at.lines[at.i].size() < after) {
        ++at.i;
    }
    if (at.i < at.lines.size()) {
        std::string_view const rest = trim(text.substr(after, at.offsets[at.i] + at.lines[at.i].size() - after));
        if (!rest.empty()) {
            paragraph.push_back(rest);
        }
        ++at.i;
    }
    return true;
}

bool renderer::fenced_code(block_cursor &at, std::string &out)
{
    std::string_view const trimmed = trim(at.lines[at.i]);
    if (!starts_with(trimmed, "```")) {
        return false;
    }
    std::string_view const language = trim(trimmed.substr(3));
    std::string code;
    ++at.i;
    while (at.i < at.lines.size() && !starts_with(trim(at.lines[at.i]), "```")) {
        code += at.lines[at.i];
        code += '\n';
        ++at.i;
    }
    ++at.i; // the closing fence, if any
    out += "<pre><code class=\"lang-" + (language.empty() ? std::string{"auto"} : attribute(language)) + "\">" +
           escape_html(code) + "</code></pre>\n";
    return true;
}

bool renderer::heading(block_cursor &at, std::string &out)
{
    std::string_view const trimmed = trim(at.lines[at.i]);
    if (trimmed.front() != '#') {
        return false;
    }
    std::size_t level = 0;
    while (level < trimmed.size() && trimmed[level] == '#') {
        ++level;
    }
    if (level > 6 || level >= trimmed.size() || trimmed[level] != ' ') {
        return false;
    }
    auto const tag = std::to_string(level);
    out += "<h" + tag + ">" + inline_text(trim(trimmed.substr(level))) + "</h" + tag + ">\n";
    ++at.i;
    return true;
}

bool renderer::block_quote(block_cursor &at, std::string &out)
{
    if (trim(at.lines[at.i]).front() != '>') {
        return false;
    }
    std::string inner;
    while (at.i < at.lines.size() && !trim(at.lines[at.i]).empty() && trim(at.lines[at.i]).front() == '>') {
        std::string_view content = trim(at.lines[at.i]).substr(1);
        if (!content.empty() && content.front() == ' ') {
            content.remove_prefix(1);
        }
        inner += content;
        inner += '\n';
        ++at.i;
    }
    out += "<blockquote>\n" + blocks(inner) + "</blockquote>\n";
    return true;
}

bool renderer::list(block_cursor &at, std::string &out)
{
    auto const is_item = [](std::string_view line) {
        return starts_with(trim(line), "- ") || starts_with(trim(line), "* ");
    };
    if (!is_item(at.lines[at.i])) {
        return false;
    }
    out += "<ul>\n";
    while (at.i < at.lines.size() && is_item(at.lines[at.i])) {
        out += "<li>" + inline_text(trim(trim(at.lines[at.i]).substr(2))) + "</li>\n";
        ++at.i;
    }
    out += "</ul>\n";
    return true;
}

std::string renderer::blocks(std::string_view text)
{
    block_cursor at{text, split_lines(text), {}, 0};
    at.offsets.reserve(at.lines.size());
    for (auto const line : at.lines) {
        at.offsets.push_back(static_cast<std::size_t>(line.data() - text.data()));
    }
    std::string out;
    std::vector<std::string_view> paragraph;
    auto const flush = [&] {
        if (!paragraph.empty()) {
            out += paragraph_html(paragraph);
            paragraph.clear();
        }
    };
    while (at.i < at.lines.size()) {
        if (is_blank(at.lines[at.i])) {
            flush();
            ++at.i;
            continue;
        }
        if (quote_block(at, out, paragraph)) {
            continue;
        }
        // The other blocks end a paragraph only when they start (a line starting with '#' that
        // is no heading belongs to the paragraph).
        std::string block;
        if (fenced_code(at, block) || heading(at, block) || block_quote(at, block) || list(at, block)) {
            flush();
            out += block;
            continue;
        }
        paragraph.push_back(at.lines[at.i]);
        ++at.i;
    }
    flush();
    return out;
}

bool renderer::link_or_image(std::string_view text, std::size_t &i, std::string &out)
{
    char const c = text[i];
    if (c != '[' && !(c == '!' && i + 1 < text.size() && text[i + 1] == '[')) {
        return false;
    }
    bool const image = c == '!';
    std::size_t const open = image ? i + 1 : i;
    std::size_t const close = text.find("](", open);
    std::size_t const end = close == std::string_view::npos ? close : text.find(')', close + 2);
    if (close == std::string_view::npos || end == std::string_view::npos ||
        text.substr(open + 1, close - open - 1).find('\n') != std::string_view::npos) {
        return false;
    }
    std::string_view const label = text.substr(open + 1, close - open - 1);
    std::string_view const target = trim(text.substr(close + 2, end - close - 2));
    std::string const url = resolve_url(target);
    if (image) {
        std::string_view alt = label;
        std::string size;
        if (auto const bar = label.find('|'); bar != std::string_view::npos) {
            alt = label.substr(0, bar);
            size = label.substr(bar + 1);
        }
        out += "<img src=\"" + attribute(url) + "\" alt=\"" + attribute(alt) + "\"";
        if (starts_with(target, "upload://")) {
            std::string_view base62 = target.substr(9);
            base62 = base62.substr(0, base62.find('.'));
            out += " data-base62-sha1=\"" + attribute(base62) + "\"";
        }
        if (auto const x = size.find('x'); x != std::string::npos) {
            out += " width=\"" + attribute(size.substr(0, x)) + "\" height=\"" + attribute(size.substr(x + 1)) + "\"";
        }
        out += ">";
    } else {
        std::string_view text_part = label;
        bool attachment = false;
        if (auto const bar = label.find("|attachment"); bar != std::string_view::npos) {
            text_part = label.substr(0, bar);
            attachment = true;
        }
        out += "<a";
        if (attachment) {
            out += " class=\"attachment\"";
        }
        out += " href=\"" + attribute(url) + "\">" + inline_text(text_part) + "</a>";
    }
    i = end + 1;
    return true;
}

bool renderer::bare_url(std::string_view text, std::size_t &i, std::string &out)
{
    if (!starts_with(text.substr(i), "http://") && !starts_with(text.substr(i), "https://")) {
        return false;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '<' && text[end] != '>' &&
           text[end] != '"') {
        ++end;
    }
    while (end > i && std::string_view{".,;:!?)"}.find(text[end - 1]) != std::string_view::npos) {
        --end;
    }
    std::string_view const url = text.substr(i, end - i);
    out += "<a href=\"" + attribute(url) + "\">" + escape_html(url) + "</a>";
    i = end;
    return true;
}

bool renderer::emphasis(std::string_view text, std::size_t &i, std::string &out)
{
    char const c = text[i];
    if (c == '`') {
        std::size_t const end = text.find('`', i + 1);
        if (end != std::string_view::npos) {
            out += "<code>" + escape_html(text.substr(i + 1, end - i - 1)) + "</code>";
            i = end + 1;
            return true;
        }
    }
    if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
        std::size_t const end = text.find("**", i + 2);
        if (end != std::string_view::npos && end > i + 2) {
            out += "<strong>" + inline_text(text.substr(i + 2, end - i - 2)) + "</strong>";
            i = end + 2;
            return true;
        }
    }
    if (c == '*' && i + 1 < text.size() && text[i + 1] != ' ') {
        std::size_t const end = text.find('*', i + 1);
        if (end != std::string_view::npos && text[end - 1] != ' ') {
            out += "<em>" + inline_text(text.substr(i + 1, end - i - 1)) + "</em>";
            i = end + 1;
            return true;
        }
    }
    return false;
}

bool renderer::mention(std::string_view text, std::size_t &i, std::string &out)
{
    if (text[i] != '@') {
        return false;
    }
    std::size_t end = i + 1;
    while (end < text.size() && (is_word_char(text[end]) || text[end] == '.' || text[end] == '-')) {
        ++end;
    }
    while (end > i + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
        --end;
    }
    if (end == i + 1) {
        return false;
    }
    std::string_view const name = text.substr(i + 1, end - i - 1);
    out += "<a class=\"mention\" href=\"/u/" + attribute(name) + "\">@" + escape_html(name) + "</a>";
    i = end;
    return true;
}

std::string renderer::inline_text(std::string_view text)
{
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        bool const at_word_start = i == 0 || !is_word_char(text[i - 1]);
        // Images and links, bare URLs (Discourse's linkify), code, bold and em, @mentions.
        if (link_or_image(text, i, out) || (at_word_start && bare_url(text, i, out)) || emphasis(text, i, out) ||
            (at_word_start && mention(text, i, out))) {
            continue;
        }
        out += escape_html(text.substr(i, 1));
        ++i;
    }
    return out;
}

} // namespace

std::string cook(std::string_view raw, upload_url_resolver const &uploads)
{
    renderer render{uploads};
    std::string html = render.blocks(raw);
    if (!html.empty() && html.back() == '\n') {
        html.pop_back();
    }
    return html;
}

std::string escape_html(std::string_view text)
{
    return base::html_escape(text);
}

std::string fancy_title(std::string_view title)
{
    std::string out;
    out.reserve(title.size() + 16);
    bool open_double = true;
    for (std::size_t i = 0; i < title.size(); ++i) {
        char const c = title[i];
        if (c == '"') {
            out += open_double ? "&ldquo;" : "&rdquo;";
            open_double = !open_double;
        } else if (c == '\'') {
            out += "&rsquo;";
        } else if (title.substr(i, 3) == "...") {
            out += "&hellip;";
            i += 2;
        } else if (title.substr(i, 4) == " -- ") {
            out += " &ndash; ";
            i += 3;
        } else {
            out += escape_html(title.substr(i, 1));
        }
    }
    return out;
}

} // namespace forumgate::rehearsal
