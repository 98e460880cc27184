#include "tests/support/json_shape.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

namespace forumgate::testing {
namespace {

using nlohmann::json;

std::string type_name(json const &value)
{
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return "number";
    case json::value_t::string:
        return "string";
    case json::value_t::array:
        return "array";
    case json::value_t::object:
        return "object";
    default:
        return "other";
    }
}

// What a recorded example says of a value's shape, merged over every instance the example has
// at that place (array elements differ: one post has a field null that another has as text).
struct shape
{
    std::set<std::string> types; ///< types seen, null aside
    bool seen = false;
    std::size_t objects = 0;                                   ///< instances that were objects
    std::map<std::string, std::pair<std::size_t, shape>> keys; ///< key -> (instances holding it, shape)
    std::unique_ptr<shape> element;

    void merge(json const &value)
    {
        seen = true;
        if (value.is_null()) {
            return;
        }
        types.insert(type_name(value));
        if (value.is_object()) {
            ++objects;
            for (auto const &[key, child] : value.items()) {
                auto &entry = keys[key];
                ++entry.first;
                entry.second.merge(child);
            }
        } else if (value.is_array()) {
            for (auto const &child : value) {
                if (!element) {
                    element = std::make_unique<shape>();
                }
                element->merge(child);
            }
        }
    }

    // A key counts as expected when every object instance of the example had it.
    void check(json const &actual, std::string const &path, std::vector<std::string> &out) const
    {
        if (types.empty() || actual.is_null()) {
            return; // the example only had null here, or the value is null (Discourse's "none")
        }
        if (types.count(type_name(actual)) == 0) {
            std::string wanted;
            for (auto const &t : types) {
                wanted += (wanted.empty() ? "" : "|") + t;
            }
            out.push_back(path + ": expected " + wanted + ", got " + type_name(actual));
            return;
        }
        if (actual.is_object()) {
            for (auto const &[key, entry] : keys) {
                auto const it = actual.find(key);
                if (it == actual.end()) {
                    if (entry.first == objects) {
                        out.push_back(path + "." + key + ": missing");
                    }
                    continue;
                }
                entry.second.check(*it, path + "." + key, out);
            }
        } else if (actual.is_array() && element) {
            for (std::size_t i = 0; i < actual.size(); ++i) {
                element->check(actual[i], path + "[" + std::to_string(i) + "]", out);
            }
        }
    }
};

bool has_type(json const &value, std::string const &type)
{
    if (type == "integer") {
        return value.is_number_integer() || value.is_number_unsigned();
    }
    if (type == "number") {
        return value.is_number();
    }
    return type_name(value) == type;
}

void validate(json const &schema, json const &actual, std::string const &path, std::vector<std::string> &out)
{
    if (auto const type = schema.find("type"); type != schema.end()) {
        bool ok = false;
        std::string wanted;
        for (auto const &name : type->is_array() ? *type : json::array({*type})) {
            ok = ok || has_type(actual, name.get<std::string>());
            wanted += (wanted.empty() ? "" : "|") + name.get<std::string>();
        }
        if (!ok) {
            out.push_back(path + ": expected " + wanted + ", got " + type_name(actual));
            return;
        }
    }
    if (actual.is_object()) {
        if (auto const required = schema.find("required"); required != schema.end()) {
            for (auto const &key : *required) {
                if (!actual.contains(key.get<std::string>())) {
                    out.push_back(path + "." + key.get<std::string>() + ": required, missing");
                }
            }
        }
        auto const properties = schema.find("properties");
        for (auto const &[key, value] : actual.items()) {
            if (properties != schema.end() && properties->contains(key)) {
                validate((*properties)[key], value, path + "." + key, out);
            } else if (schema.value("additionalProperties", true) == false) {
                out.push_back(path + "." + key + ": not allowed by the schema");
            }
        }
    }
    if (actual.is_array()) {
        if (auto const items = schema.find("items"); items != schema.end() && items->is_object()) {
            for (std::size_t i = 0; i < actual.size(); ++i) {
                validate(*items, actual[i], path + "[" + std::to_string(i) + "]", out);
            }
        }
    }
}

} // namespace

std::vector<std::string> shape_differences(nlohmann::json const &example, nlohmann::json const &actual)
{
    shape expected;
    expected.merge(example);
    std::vector<std::string> out;
    expected.check(actual, "$", out);
    return out;
}

std::vector<std::string> schema_violations(nlohmann::json const &schema, nlohmann::json const &actual)
{
    std::vector<std::string> out;
    validate(schema, actual, "$", out);
    return out;
}

nlohmann::json read_json_file(std::string const &path)
{
    std::ifstream in{path};
    if (!in) {
        throw std::runtime_error{"cannot read " + path};
    }
    try {
        return nlohmann::json::parse(in);
    } catch (nlohmann::json::exception const &e) {
        throw std::runtime_error{path + ": " + e.what()};
    }
}

std::string joined_lines(std::vector<std::string> const &lines)
{
    std::string out;
    for (auto const &line : lines) {
        out += line + "\n";
    }
    return out;
}

} // namespace forumgate::testing
