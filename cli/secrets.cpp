// API keys: read from a file or the environment, never from the command line (where every
// user of the machine could see them in the process list) and never logged.

#include "base/error.hpp"
#include "cli/commands.hpp"

#include <cstdlib>
#include <fstream>

namespace forumgate::cli {

std::string read_secret(std::string const &option, std::string const &path, char const *environment)
{
    std::string key;
    if (!path.empty()) {
        std::ifstream in{path};
        if (!in) {
            throw input_error{option + " " + path + ": cannot read the file"};
        }
        std::getline(in, key);
    } else if (char const *value = std::getenv(environment); value != nullptr) {
        key = value;
    } else {
        return {};
    }
    auto const first = key.find_first_not_of(" \t\r\n");
    auto const last = key.find_last_not_of(" \t\r\n");
    key = first == std::string::npos ? std::string{} : key.substr(first, last - first + 1);
    if (key.empty()) {
        throw input_error{path.empty() ? std::string{environment} + " is set but empty"
                                       : option + " " + path + ": the file holds no key"};
    }
    return key;
}

} // namespace forumgate::cli
