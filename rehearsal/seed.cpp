// Seed files' Base64 (upload bytes inline in the document); reading is in
// rehearsal/seed_reader.cpp, writing in rehearsal/seed_writer.cpp.

#include "rehearsal/seed.hpp"

#include <cstdint>

namespace forumgate::rehearsal {
namespace {

constexpr std::string_view BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

} // namespace

std::string encode_base64(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t const chunk = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U) |
                                    (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                                    static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(BASE64_ALPHABET[(chunk >> 18U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 12U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 6U) & 63U]);
        out.push_back(BASE64_ALPHABET[chunk & 63U]);
    }
    if (i < bytes.size()) {
        std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
        if (i + 1 < bytes.size()) {
            chunk |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
        }
        out.push_back(BASE64_ALPHABET[(chunk >> 18U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 12U) & 63U]);
        out.push_back(i + 1 < bytes.size() ? BASE64_ALPHABET[(chunk >> 6U) & 63U] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> decode_base64(std::string_view text, base64_leftover leftover)
{
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    bool padding = false;
    for (char const c : text) {
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            padding = true;
            continue;
        }
        auto const value = BASE64_ALPHABET.find(c);
        if (value == std::string_view::npos || padding) {
            return std::nullopt;
        }
        buffer = (buffer << 6U) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    if (bits >= 6 && leftover == base64_leftover::refuse) {
        return std::nullopt; // a lone sixth of a byte cannot come from valid Base64
    }
    return out;
}

} // namespace forumgate::rehearsal
