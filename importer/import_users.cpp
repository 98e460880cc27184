#include "importer/import_users.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "store/map_writer.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace forumgate::importer {

namespace {

std::string random_password()
{
    std::array<unsigned char, 24> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error{"no random bytes for a password"};
    }
    std::string out;
    for (auto const byte : bytes) {
        out += fmt::format("{:02x}", byte);
    }
    return out;
}

/// A username Discourse accepts (3–20 of `[A-Za-z0-9_.-]`, starting and ending alphanumeric or
/// `_`), made from `wanted`; `suffix` > 0 appends a number to tell it from a taken one.
std::string acceptable_username(std::string const &wanted, int suffix)
{
    std::string out;
    for (char const c : wanted) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        out += ok ? c : '_';
    }
    while (!out.empty() && (out.front() == '.' || out.front() == '-')) {
        out.erase(out.begin());
    }
    std::string const number = suffix > 0 ? std::to_string(suffix) : "";
    out = out.substr(0, 20 - number.size());
    while (!out.empty() && (out.back() == '.' || out.back() == '-')) {
        out.pop_back();
    }
    out += number;
    while (out.size() < 3) {
        out += '_';
    }
    return out;
}

std::string base64(std::string_view bytes)
{
    static constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        auto const n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U) | static_cast<unsigned char>(bytes[i + 2]);
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], ALPHABET[n & 63U]};
    }
    if (i + 1 == bytes.size()) {
        auto const n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], '=', '='};
    } else if (i + 2 == bytes.size()) {
        auto const n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U) |
                       (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U);
        out += {ALPHABET[(n >> 18U) & 63U], ALPHABET[(n >> 12U) & 63U], ALPHABET[(n >> 6U) & 63U], '='};
    }
    return out;
}

/// Represents the users phase of one run: the new forum's accounts, by e-mail and username.
class user_import
{
public:
    user_import(import_state &state, worker &main) : m_state(state), m_main(main), m_options(state.options) {}

    void run()
    {
        auto const needed = read_needed();
        if (!needed.empty()) {
            read_accounts();
            // Counted as checked: each is created, matched, attributed to another account or
            // failed, which the summary counts apart (their sum is this count).
            web::progress shown{"users", "users checked", needed.size(), m_options.terminal, m_options.quiet};
            for (auto const &user : needed) {
                if (!place_user(user)) {
                    shown.add_failure();
                }
                shown.add();
            }
        }
        pqxx::read_transaction txn{m_main.store.connection()};
        for (auto const &row : txn.exec("SELECT username_lower, new_username, how FROM forumgate.import_users")) {
            m_state.new_username.emplace(row[0].as<std::string>(), row[1].as<std::string>());
            if (row[2].as<std::string>() == "fallback") {
                m_state.attributed.insert(row[0].as<std::string>());
            }
        }
        spdlog::info("import: users {} created, {} matched, {} attributed to another account",
                     m_state.summary.users_created, m_state.summary.users_matched, m_state.summary.users_fallback);
    }

private:
    /// Authors of what will be copied, and participants of private messages, not yet placed.
    std::vector<old_user> read_needed()
    {
        std::vector<old_user> needed;
        pqxx::read_transaction txn{m_main.store.connection()};
        for (auto const &row :
             txn.exec("SELECT u.username, coalesce(u.name, ''), coalesce(u.email, ''), u.id, coalesce(u.missing, "
                      "true), n.name "
                      "FROM (SELECT DISTINCT lower(p.username) AS name FROM forumgate.archive_posts p "
                      "      JOIN forumgate.archive_topics t ON t.id = p.topic_id "
                      "      WHERE p.username IS NOT NULL AND p.deleted_at IS NULL AND t.deleted_at IS NULL "
                      "      UNION SELECT DISTINCT lower(unnest(participants)) FROM forumgate.archive_topics) n "
                      "LEFT JOIN forumgate.archive_users u ON u.username_lower = n.name "
                      "WHERE NOT EXISTS (SELECT FROM forumgate.import_users i WHERE i.username_lower = n.name) "
                      "ORDER BY n.name")) {
            old_user user;
            user.username = row[0].is_null() ? row[5].as<std::string>() : row[0].as<std::string>();
            user.name = row[1].as<std::string>();
            user.email = row[2].as<std::string>();
            user.id = row[3].is_null() ? std::nullopt : std::optional{row[3].as<std::int64_t>()};
            user.missing = row[4].as<bool>();
            needed.push_back(std::move(user));
        }
        return needed;
    }

    /// The new forum's accounts, and the --fallback-user among them.
    void read_accounts()
    {
        for (auto const &account : m_main.target.users()) {
            if (!account.email.empty()) {
                m_by_email.emplace(base::ascii_lower(account.email), account);
            }
            m_by_username.emplace(base::ascii_lower(account.username), account);
        }
        if (!m_options.fallback_user.empty()) {
            auto const found = m_by_username.find(base::ascii_lower(m_options.fallback_user));
            if (found == m_by_username.end()) {
                throw argument_error{"--fallback-user " + m_options.fallback_user + ": no such account on " +
                                     m_state.context.site.origin()};
            }
            m_fallback = found->second;
        }
    }

    /// An existing account for `user` (by e-mail, then username), or the fallback one.
    /// \return the account and how it was found, or nullopt.
    [[nodiscard]] std::optional<std::pair<target_user, std::string>> find_account(old_user const &user) const
    {
        if (!user.email.empty()) {
            if (auto const found = m_by_email.find(base::ascii_lower(user.email)); found != m_by_email.end()) {
                return std::pair{found->second, std::string{"email"}};
            }
        }
        if (auto const found = m_by_username.find(base::ascii_lower(user.username)); found != m_by_username.end()) {
            return std::pair{found->second, std::string{"username"}};
        }
        if (m_fallback || user.missing) {
            // A deleted account, or --fallback-user: the posts go to another account, with the
            // original author named at the top of each.
            return std::pair{m_fallback ? *m_fallback : target_user{-1, m_options.api_username, {}, true},
                             std::string{"fallback"}};
        }
        return std::nullopt;
    }

    /// \return false if the user could not be placed (the failure is recorded).
    bool place_user(old_user const &user)
    {
        auto &connection = m_main.store.connection();
        auto const key = base::ascii_lower(user.username);
        auto found = find_account(user);
        try {
            if (!found && !m_options.sso_secret.empty()) {
                found = std::pair{provision_sso(user), std::string{"sso"}};
            }
            if (!found) {
                found = std::pair{create_user(user), std::string{"created"}};
            }
        } catch (target_refusal const &refusal) {
            import_state::record_failure(connection, "user", key, refusal.what());
            return false;
        } catch (web::fetch_error const &problem) {
            import_state::record_failure(connection, "user", key, problem.what());
            return false;
        }
        auto const &[placed, how] = *found;
        m_by_username.emplace(base::ascii_lower(placed.username), placed);
        pqxx::work txn{connection};
        txn.exec_params("INSERT INTO forumgate.import_users (username_lower, new_user_id, new_username, how) VALUES "
                        "($1, $2, $3, $4) "
                        "ON CONFLICT (username_lower) DO UPDATE SET new_user_id = excluded.new_user_id, "
                        "new_username = excluded.new_username, how = excluded.how, updated_at = now()",
                        key, placed.id, placed.username, how);
        // The map: /u/old and @old reach the person (a fallback is not them: left out).
        if (how != "fallback") {
            store::map_writer{txn}.put_user(user.username, placed.username);
        }
        import_state::clear_failure(txn, "user", key);
        txn.commit();
        auto &summary = m_state.summary;
        ++(how == "created" || how == "sso" ? summary.users_created
           : how == "fallback"              ? summary.users_fallback
                                            : summary.users_matched);
        return true;
    }

    target_user create_user(old_user const &user)
    {
        std::string const email =
            !user.email.empty()
                ? user.email
                : "old-" + (user.id ? std::to_string(*user.id) : acceptable_username(user.username, 0)) + "@" +
                      m_options.placeholder_email_domain;
        std::string last_reason;
        for (int attempt = 0; attempt < 4; ++attempt) {
            std::string const username =
                attempt == 0 ? user.username : acceptable_username(user.username, attempt == 1 ? 0 : attempt - 1);
            if (attempt > 0 && m_by_username.contains(base::ascii_lower(username))) {
                continue;
            }
            try {
                return create_account(user, username, email);
            } catch (target_refusal const &refusal) {
                last_reason = refusal.what();
                bool const about_username = std::ranges::any_of(refusal.errors(), [](std::string const &error) {
                    return base::ascii_lower(error).find("username") != std::string::npos;
                });
                if (!about_username) {
                    throw;
                }
            }
        }
        throw target_refusal{last_reason, 422, {last_reason}};
    }

    target_user create_account(old_user const &user, std::string const &username, std::string const &email)
    {
        auto created = m_main.target.create_user({{"name", user.name.empty() ? user.username : user.name},
                                                  {"email", email},
                                                  {"username", username},
                                                  {"password", random_password()},
                                                  {"active", "true"},
                                                  {"approved", "true"}});
        created.username = username;
        if (created.id == 0) {
            // Newer Discourse leaves user_id out when hide_email_address_taken is on.
            auto const shown = m_main.target.get_json("/u/" + username + ".json");
            created.id = read_user(m_state.context.site.url("/u/" + username + ".json"), shown).id.value_or(0);
        }
        if (!created.active && created.id > 0) {
            m_main.target.activate_user(created.id);
        }
        return created;
    }

    target_user provision_sso(old_user const &user)
    {
        // sync_sso: the payload is a form-encoded query, Base64-encoded without '+' (older
        // servers turn it into a space): an ignored pad field is lengthened until none is left.
        std::string const external_id = m_options.external_id_prefix + "user-" +
                                        (user.id ? std::to_string(*user.id) : base::ascii_lower(user.username));
        std::string const email = !user.email.empty()
                                      ? user.email
                                      : "old-" + base::ascii_lower(acceptable_username(user.username, 0)) + "@" +
                                            m_options.placeholder_email_domain;
        std::string payload;
        for (std::string pad;; pad += 'x') {
            auto const query = form_encode({{"external_id", external_id},
                                            {"email", email},
                                            {"username", user.username},
                                            {"name", user.name.empty() ? user.username : user.name},
                                            {"suppress_welcome_message", "true"},
                                            {"pad", pad}});
            payload = base64(query);
            if (payload.find('+') == std::string::npos || pad.size() > 16) {
                break;
            }
        }
        return m_main.target.sync_sso(payload, m_options.sso_secret);
    }

    import_state &m_state;
    worker &m_main;
    import_options const &m_options;
    std::map<std::string, target_user> m_by_email;
    std::map<std::string, target_user> m_by_username;
    std::optional<target_user> m_fallback;
};

} // namespace

void import_users(import_state &state, worker &main)
{
    user_import{state, main}.run();
}

} // namespace forumgate::importer
