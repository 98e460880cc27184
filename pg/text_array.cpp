#include "pg/text_array.hpp"

namespace forumgate::pg {

std::vector<std::string> read_text_array(pqxx::field const &field)
{
    std::vector<std::string> out;
    auto parser = field.as_array();
    for (auto item = parser.get_next(); item.first != pqxx::array_parser::juncture::done; item = parser.get_next()) {
        if (item.first == pqxx::array_parser::juncture::string_value) {
            out.push_back(std::move(item.second));
        }
    }
    return out;
}

std::string text_array_literal(std::vector<std::string> const &items)
{
    std::string out = "{";
    for (auto const &item : items) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        out.push_back('"');
        for (char const c : item) {
            if (c == '"' || c == '\\') {
                out.push_back('\\');
            }
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

} // namespace forumgate::pg
