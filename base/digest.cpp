#include "base/digest.hpp"

#include "base/error.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace forumgate::base {
namespace {

std::string hex_of(unsigned char const *digest, unsigned int length)
{
    constexpr char HEX[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(HEX[digest[i] >> 4U]);
        out.push_back(HEX[digest[i] & 0xFU]);
    }
    return out;
}

} // namespace

std::string sha1_hex(std::string_view bytes)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error{"computing a SHA-1: OpenSSL failed"};
    }
    return hex_of(digest, length);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<unsigned char const *>(message.data()), message.size(), digest, &length) == nullptr) {
        throw std::runtime_error{"computing an HMAC-SHA256: OpenSSL failed"};
    }
    return hex_of(digest, length);
}

// base62 (Discourse lib/base62.rb alphabet: digits, lower case, upper case)

namespace {
constexpr std::string_view BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
// A sha1 is 160 bits: five 32-bit limbs, most significant first.
using sha1_number = std::array<std::uint32_t, 5>;
} // namespace

std::optional<std::string> sha1_from_base62(std::string_view base62)
{
    if (base62.empty() || base62.size() > 28) {
        return std::nullopt;
    }
    sha1_number n{};
    for (char const c : base62) {
        auto const digit = BASE62.find(c);
        if (digit == std::string_view::npos) {
            return std::nullopt;
        }
        std::uint64_t carry = digit;
        for (auto limb = n.rbegin(); limb != n.rend(); ++limb) {
            std::uint64_t const v = std::uint64_t{*limb} * 62U + carry;
            *limb = static_cast<std::uint32_t>(v);
            carry = v >> 32U;
        }
        if (carry != 0) {
            return std::nullopt; // more than 160 bits: longer than 40 hex digits
        }
    }
    std::string hex;
    hex.reserve(40);
    for (auto const limb : n) {
        hex += fmt::format("{:08x}", limb);
    }
    return hex;
}

std::string base62_from_sha1(std::string_view sha1_hex)
{
    if (sha1_hex.size() != 40) {
        throw input_error{fmt::format("'{}' is not a SHA-1 (40 hex digits)", sha1_hex)};
    }
    sha1_number n{};
    for (std::size_t i = 0; i < 40; ++i) {
        char const c = sha1_hex[i];
        std::uint32_t nibble = 0;
        if (c >= '0' && c <= '9') {
            nibble = static_cast<std::uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            nibble = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            nibble = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            throw input_error{fmt::format("'{}' is not a SHA-1 (40 hex digits)", sha1_hex)};
        }
        n[i / 8] |= nibble << (4U * (7U - static_cast<unsigned>(i % 8)));
    }
    std::string out;
    while (std::any_of(n.begin(), n.end(), [](std::uint32_t limb) { return limb != 0; })) {
        std::uint64_t remainder = 0;
        for (auto &limb : n) {
            std::uint64_t const v = (remainder << 32U) | limb;
            limb = static_cast<std::uint32_t>(v / 62U);
            remainder = v % 62U;
        }
        out.push_back(BASE62[remainder]);
    }
    if (out.empty()) {
        out = "0";
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace forumgate::base
