#include "rehearsal/generator.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

namespace forumgate::rehearsal {
namespace {

using namespace std::chrono_literals;

// Draws numbers in a way that does not depend on the standard library's distributions, whose
// algorithms differ between implementations: the same seed gives the same forum everywhere.
class dice
{
public:
    explicit dice(std::uint64_t seed) : m_engine(seed) {}

    /// \return a number in [0, n).
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : m_engine() % n; }
    /// \return true with the given chance in percent.
    bool percent(unsigned chance) { return below(100) < chance; }
    template <typename T>
    T const &pick(std::vector<T> const &items)
    {
        return items[below(items.size())];
    }
    template <typename T, std::size_t N>
    T const &pick(std::array<T, N> const &items)
    {
        return items[below(N)];
    }

private:
    std::mt19937_64 m_engine;
};

constexpr std::array<char const *, 24> FIRST_NAMES = {
    "Ann",  "Bob",   "Chloé", "Dev",   "Eleanor", "Farid", "Grace",   "Hamza", "Imogen", "José", "Kofi",  "Łucja",
    "Mary", "Ngozi", "Oisín", "Priya", "Quentin", "Rosa",  "Siobhán", "Tomás", "Uma",    "Zoë",  "Björn", "李雷"};
constexpr std::array<char const *, 16> SURNAMES = {"Lee",    "Smith",  "O'Connor", "Müller",  "Patel", "Brontë",
                                                   "Nowak",  "Okafor", "García",   "Jones",   "Khan",  "Dubois",
                                                   "Walker", "Ahmed",  "Evans",    "Ó Briain"};
constexpr std::array<char const *, 30> WORDS = {
    "co-op",     "members",  "meeting",  "housing",    "rent",      "garden",   "volunteers", "budget",
    "minutes",   "proposal", "vote",     "kitchen",    "repairs",   "bakery",   "delivery",   "rota",
    "community", "shares",   "loan",     "newsletter", "workshop",  "training", "café",       "allotment",
    "solar",     "bikes",    "festival", "committee",  "insurance", "accounts"};
constexpr std::array<char const *, 12> SENTENCES = {
    "I think we should talk about this at the next meeting.",
    "Thanks everyone for coming along on Saturday, it was a great turnout.",
    "Does anyone know who has the keys to the community room?",
    "The minutes are attached below, please shout if anything is wrong.",
    "We are still looking for two more people for the rota.",
    "I have put a proposal together and would welcome comments.",
    "Great idea, count me in!",
    "Could we move this to the housing category?",
    "The accounts for last year are now ready for review.",
    "Please remember to bring your own cups to reduce waste.",
    "I agree with the points above but we need to check the budget first.",
    "Reminder: shares can be bought from the treasurer at any meeting."};
constexpr std::array<char const *, 8> COMMON_TITLES = {"Meeting minutes",  "Volunteers needed",   "Welcome!",
                                                       "AGM 2019",         "Rota for next month", "Lost property",
                                                       "Newsletter ideas", "Help with the garden"};
// Titles every generated forum has (spread over the timeline): very short, digits-only,
// apostrophes, non-ASCII, emoji codes.
constexpr std::array<char const *, 10> SPECIAL_TITLES = {"AGM",
                                                         "Hi",
                                                         "2019",
                                                         "Help!",
                                                         "Café co-op — réunion",
                                                         "合作社会议",
                                                         "Co-op's AGM",
                                                         "Зустріч кооперативу",
                                                         ":tada: Party time :tada:",
                                                         "Straße, Łódź & Ørsted: our twin co-ops"};
constexpr std::array<char const *, 9> TAG_NAMES = {"agm",          "minutes", "housing",     "food",   "events",
                                                   "volunteering", "finance", "help-wanted", "réunion"};
constexpr std::array<char const *, 12> MONTHS = {"January", "February", "March",     "April",   "May",      "June",
                                                 "July",    "August",   "September", "October", "November", "December"};

std::uint32_t crc32(std::string_view bytes)
{
    std::uint32_t crc = 0xFFFFFFFFU;
    for (char const c : bytes) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k) {
            crc = (crc & 1U) != 0 ? (crc >> 1U) ^ 0xEDB88320U : crc >> 1U;
        }
    }
    return crc ^ 0xFFFFFFFFU;
}

void put_be32(std::string &out, std::uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((value >> static_cast<unsigned>(shift)) & 0xFFU));
    }
}

void put_chunk(std::string &out, std::string_view type, std::string_view data)
{
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    std::string body{type};
    body += data;
    out += body;
    put_be32(out, crc32(body));
}

// One planned topic (regular or private message).
struct planned_topic
{
    timestamp at{};
    bool private_message = false;
    std::string title;
    std::optional<std::int64_t> category_id;
    std::int64_t author = 0;
    std::vector<std::int64_t> participants; ///< private messages: everyone, author included
    std::vector<std::string> tags;
    std::int64_t id = 0; ///< once created
};

enum class event_kind
{
    create_topic,
    reply,
    whisper,
    status,
};

struct planned_event
{
    timestamp at{};
    std::size_t sequence = 0; ///< tie-break: the order of planning
    std::size_t topic_index = 0;
    event_kind kind = event_kind::reply;
    std::string status; ///< for status events: "closed", "pinned", "visible", "archived"
    bool enabled = true;
};

class generator
{
public:
    explicit generator(generator_options const &options)
        : m_options(options), m_dice(options.seed), m_state([end = options.end] { return end; })
    {}

    forum_state run();

private:
    void make_categories();
    void make_users();
    void plan_topics();
    void apply(planned_event const &event);
    void edit_delete_and_count();

    std::string title_for(std::size_t index, timestamp at);
    std::string body_for(planned_topic const &subject, std::int64_t author, timestamp at, int &reply_to);
    std::string link_to_somewhere();
    std::string picture(std::int64_t author, timestamp at);
    std::int64_t reply_author(planned_topic const &subject);
    timestamp span_point(double fraction) const;

    generator_options const &m_options;
    dice m_dice;
    forum_state m_state;
    std::vector<std::int64_t> m_public_categories;
    std::int64_t m_restricted_category = 0;
    std::vector<std::int64_t> m_members; ///< ordinary users
    std::vector<std::int64_t> m_staff;
    std::vector<std::int64_t> m_board;
    std::vector<planned_topic> m_topics;
    std::vector<planned_event> m_events;
    std::vector<std::int64_t> m_public_topic_ids; ///< created so far, for links
    std::size_t m_link_count = 0;
    std::size_t m_upload_count = 0;
};

timestamp generator::span_point(double fraction) const
{
    auto const span = m_options.end - m_options.start;
    return m_options.start + std::chrono::duration_cast<std::chrono::milliseconds>(span * fraction);
}

void generator::make_categories()
{
    auto const add = [this](std::string name, std::optional<std::int64_t> parent, std::string description,
                            std::string color) {
        return m_state
            .create_category({.name = std::move(name),
                              .parent_id = parent,
                              .description = std::move(description),
                              .color = std::move(color)})
            .id;
    };
    auto const general = add("General", std::nullopt, "Anything about the co-op.", "0088CC");
    auto const introductions = add("Introductions", general, "Say hello!", "25AAE2");
    auto const events = add("Events", std::nullopt, "What is on.", "F7941D");
    auto const agm = add("AGM", events, "Annual general meetings.", "BF1E2E");
    auto const socials = add("Socials", events, "Parties and outings.", "9EB83B");
    auto const housing = add("Housing", std::nullopt, "Homes, rents and repairs.", "3AB54A");
    auto const repairs = add("Repairs & Maintenance", housing, "Something broken?", "652D90");
    auto const food = add("Food co-op", std::nullopt, "Orders, rotas and recipes.", "D13E1F");
    auto const cafe = add("Café co-op", std::nullopt, "Le café de la coopérative.", "92278F");
    auto const feedback = add("Site feedback", std::nullopt, "About this forum.", "808281");
    m_public_categories = {general, introductions, events, agm, socials, housing, repairs, food, cafe, feedback};
    m_restricted_category = m_state
                                .create_category({.name = "Board room",
                                                  .read_restricted = true,
                                                  .allowed_groups = {"board"},
                                                  .description = "For board members only.",
                                                  .color = "231F20"})
                                .id;
}

void generator::make_users()
{
    std::size_t const count = std::max<std::size_t>(8, m_options.topic_count / 4);
    auto const joined = [this, count](std::size_t index) {
        // Accounts are spread over the first tenth of the timeline, in id order.
        return span_point(0.1 * static_cast<double>(index) / static_cast<double>(count));
    };
    // The staff come first: an admin and a moderator.
    struct staff_account
    {
        char const *username;
        char const *name;
        char const *email;
        int trust_level;
        bool admin; ///< false: a moderator
    };
    static constexpr std::array<staff_account, 2> STAFF = {{
        {"coopadmin", "Co-op Admin", "admin@example.org", 4, true},
        {"mod.mary", "Mary Moderator", "mary@example.org", 3, false},
    }};
    for (std::size_t i = 0; i < STAFF.size(); ++i) {
        m_staff.push_back(m_state
                              .create_user({.username = STAFF[i].username,
                                            .name = STAFF[i].name,
                                            .email = STAFF[i].email,
                                            .created_at = joined(i),
                                            .trust_level = STAFF[i].trust_level,
                                            .admin = STAFF[i].admin,
                                            .moderator = !STAFF[i].admin})
                              .id);
    }
    for (std::size_t i = 2; i < count; ++i) {
        std::string first = m_dice.pick(FIRST_NAMES);
        std::string last = m_dice.pick(SURNAMES);
        if (i == 2 || i == 3) {
            // Always some non-ASCII names, whatever the dice say.
            first = i == 2 ? "Zoë" : "李雷";
            last = i == 2 ? "Brontë" : "Wang";
        }
        std::string name = first;
        name.append(" ").append(last);
        std::string username;
        if (i == 5) {
            // An anonymized account, as Discourse renames them: the name is gone too.
            username = "anon" + std::to_string(10000000 + m_dice.below(90000000));
            name.clear();
        } else {
            username = slug_for(first, slug_method::ascii, "");
            if (username.empty()) {
                username = "user";
            }
            username += "_" + slug_for(last, slug_method::ascii, "x").substr(0, 1);
            for (char &c : username) {
                c = c == '-' ? '_' : c;
            }
            if (m_state.find_user_by_username(username) != nullptr) {
                username += std::to_string(i);
            }
        }
        auto const id = m_state
                            .create_user({.username = username,
                                          .name = name,
                                          .email = "user" + std::to_string(i) + "@example.org",
                                          .created_at = joined(i),
                                          .trust_level = static_cast<int>(m_dice.below(4)),
                                          .external_id = "cb-user-" + std::to_string(i)})
                            .id;
        m_members.push_back(id);
    }
    m_board = {m_members[0], m_members[1], m_members[2]};
    (void)m_state.create_group("board", m_board);
    for (std::size_t i = 0; i < TAG_NAMES.size(); ++i) {
        (void)m_state.create_tag(TAG_NAMES[i]);
    }
}

std::string generator::title_for(std::size_t index, timestamp at)
{
    std::size_t const n = m_options.topic_count;
    for (std::size_t k = 0; k < SPECIAL_TITLES.size(); ++k) {
        if (n > SPECIAL_TITLES.size() && index == k * n / SPECIAL_TITLES.size() + 1) {
            return SPECIAL_TITLES[k];
        }
    }
    if (m_dice.percent(8)) {
        return m_dice.pick(COMMON_TITLES); // old forums repeat titles
    }
    std::chrono::year_month_day const date{std::chrono::floor<std::chrono::days>(at)};
    std::string const word = m_dice.pick(WORDS);
    std::string const month = MONTHS[static_cast<unsigned>(date.month()) - 1];
    std::string const year = std::to_string(static_cast<int>(date.year()));
    switch (m_dice.below(6)) {
    case 0:
        return "The " + word + " meeting, " + month + " " + year;
    case 1:
        return "Question about the " + word;
    case 2:
        return "Volunteers needed for the " + word + " (" + month + ")";
    case 3:
        return "Minutes: " + word + " working group " + year;
    case 4:
        return "Ideas for the " + word + " in " + year;
    default:
        return "Does anyone know about " + word + "?";
    }
}

void generator::plan_topics()
{
    std::size_t const regular = m_options.topic_count;
    std::size_t const private_messages = regular / 20;
    std::size_t const total = regular + private_messages;
    std::vector<std::int64_t> everyone = m_members;
    everyone.insert(everyone.end(), m_staff.begin(), m_staff.end());
    std::size_t sequence = 0;
    for (std::size_t i = 0; i < total; ++i) {
        planned_topic subject;
        // Topics start after the accounts (the first tenth) and spread over the rest, in order.
        double const slot = 0.1 + 0.85 * static_cast<double>(i) / static_cast<double>(total);
        subject.at = span_point(slot) + std::chrono::minutes{m_dice.below(600)};
        subject.private_message = i % 21 == 20 && private_messages > 0;
        if (subject.private_message) {
            subject.author = m_dice.pick(everyone);
            subject.participants = {subject.author};
            for (std::uint64_t k = 0, extra = 1 + m_dice.below(2); k < extra; ++k) {
                subject.participants.push_back(m_dice.pick(everyone));
            }
            std::sort(subject.participants.begin(), subject.participants.end());
            subject.participants.erase(std::unique(subject.participants.begin(), subject.participants.end()),
                                       subject.participants.end());
            if (subject.participants.size() < 2) {
                subject.participants.push_back(subject.author == m_staff[0] ? m_staff[1] : m_staff[0]);
                std::sort(subject.participants.begin(), subject.participants.end());
            }
            subject.title = "Private: " + std::string{m_dice.pick(WORDS)} + " question";
        } else {
            std::size_t const regular_index = i - i / 21;
            subject.title = title_for(regular_index, subject.at);
            if (m_dice.percent(5)) {
                subject.category_id = m_restricted_category;
                subject.author = m_dice.pick(m_board);
            } else {
                subject.category_id = m_dice.pick(m_public_categories);
                subject.author = m_dice.pick(everyone);
            }
            for (std::uint64_t k = 0, count = m_dice.below(4); k < count; ++k) {
                std::string const tag_name = m_dice.pick(TAG_NAMES);
                if (std::find(subject.tags.begin(), subject.tags.end(), tag_name) == subject.tags.end()) {
                    subject.tags.push_back(tag_name);
                }
            }
        }
        m_topics.push_back(subject);
        std::size_t const index = m_topics.size() - 1;
        m_events.push_back({subject.at, sequence++, index, event_kind::create_topic, {}, true});

        // Replies: at least one, then each further one with 80% chance, at most 40 — a
        // geometric long tail averaging about five replies.
        int replies = 1;
        while (replies < 40 && m_dice.percent(80)) {
            ++replies;
        }
        if (subject.private_message) {
            replies = std::min(replies, 5);
        }
        timestamp at = subject.at;
        for (int r = 0; r < replies; ++r) {
            // Gaps from minutes to days; a long tail of late replies.
            at += std::chrono::minutes{5 + m_dice.below(m_dice.percent(10) ? 60 * 24 * 30 : 60 * 24)};
            bool const whisper = !subject.private_message && m_dice.percent(3);
            m_events.push_back({at, sequence++, index, whisper ? event_kind::whisper : event_kind::reply, {}, true});
        }
        if (!subject.private_message) {
            // The first regular topics get each status once; the rest by chance.
            std::size_t const regular_index = i - i / 21;
            auto const roll =
                regular_index < 4 ? std::array<std::uint64_t, 4>{0, 8, 10, 11}[regular_index] : m_dice.below(100);
            std::string status;
            bool enabled = true;
            if (roll < 8) {
                status = "closed";
            } else if (roll < 10) {
                status = "pinned";
            } else if (roll < 11) {
                status = "visible";
                enabled = false;
            } else if (roll < 12) {
                status = "archived";
            }
            if (!status.empty()) {
                m_events.push_back({at + 1h, sequence++, index, event_kind::status, status, enabled});
            }
        }
    }
    std::stable_sort(m_events.begin(), m_events.end(), [](planned_event const &a, planned_event const &b) {
        return a.at != b.at ? a.at < b.at : a.sequence < b.sequence;
    });
}

std::int64_t generator::reply_author(planned_topic const &subject)
{
    if (subject.private_message) {
        return m_dice.pick(subject.participants);
    }
    if (subject.category_id == m_restricted_category) {
        return m_dice.pick(m_board);
    }
    return m_dice.percent(10) ? m_dice.pick(m_staff) : m_dice.pick(m_members);
}

std::string generator::link_to_somewhere()
{
    // Every shape in turn, so even a small forum has each of them.
    constexpr std::size_t SHAPES = 16;
    std::size_t const shape = m_link_count++ % SHAPES;
    topic const &target = *m_state.find_topic(m_public_topic_ids[m_dice.below(m_public_topic_ids.size())]);
    std::string const base = "https://" + m_options.old_host;
    std::string const topic_path = "/t/" + target.slug + "/" + std::to_string(target.id);
    int const number = 1 + static_cast<int>(m_dice.below(static_cast<std::uint64_t>(target.highest_post_number)));
    std::int64_t const post_id = target.post_ids_by_number.begin()->second;
    std::int64_t const category_id = target.category_id.value_or(m_public_categories.front());
    std::string const category_path =
        "/c/" + m_state.category_slug_path(category_id) + "/" + std::to_string(category_id);
    user const &someone = *m_state.find_user(m_dice.pick(m_members));
    std::string const tag_name = m_dice.pick(TAG_NAMES);
    std::string url;
    switch (shape) {
    case 0:
        url = base + topic_path;
        break;
    case 1:
        url = topic_path;
        break;
    case 2:
        url = topic_path + "/" + std::to_string(number);
        break;
    case 3:
        url = "/t/" + std::to_string(target.id) + "/" + std::to_string(number);
        break;
    case 4:
        url = "/t/" + std::to_string(target.id);
        break;
    case 5:
        url = "/p/" + std::to_string(post_id);
        break;
    case 6:
        url = category_path;
        break;
    case 7:
        url = "/u/" + someone.username;
        break;
    case 8:
        url = "/tag/" + tag_name;
        break;
    case 9:
        url = topic_path + "?page=2";
        break;
    case 10:
        url = base + topic_path + "/" + std::to_string(number);
        break;
    case 11:
        url = base + "/p/" + std::to_string(post_id);
        break;
    case 12:
        url = base + category_path;
        break;
    case 13:
        url = "/c/" + m_state.category_slug_path(category_id); // the pre-2.4 form without the id
        break;
    case 14:
        url = base + "/u/" + someone.username + "/summary";
        break;
    default:
        url = base + "/tag/" + tag_name;
        break;
    }
    switch (m_dice.below(3)) {
    case 0:
        return "See [this](" + url + ") for more.";
    case 1:
        return url; // alone on a line: Discourse oneboxes it
    default:
        return "Related: " + url;
    }
}

std::string generator::picture(std::int64_t author, timestamp at)
{
    int const width = 2 + static_cast<int>(m_dice.below(5));
    int const height = 2 + static_cast<int>(m_dice.below(5));
    std::string rgb;
    for (int i = 0; i < width * height * 3; ++i) {
        rgb.push_back(static_cast<char>(m_dice.below(256)));
    }
    // The counter in the first pixel keeps every image different even if the dice repeat.
    std::size_t const number = ++m_upload_count;
    rgb[0] = static_cast<char>(number & 0xFFU);
    rgb[1] = static_cast<char>((number >> 8U) & 0xFFU);
    std::string const name = "photo-" + std::to_string(number) + ".png";
    upload const &file = m_state.add_upload(
        {.user_id = author, .original_filename = name, .bytes = make_png(width, height, rgb), .created_at = at});
    return "![" + name.substr(0, name.size() - 4) + "|" + std::to_string(width) + "x" + std::to_string(height) + "](" +
           file.short_url() + ")";
}

std::string generator::body_for(planned_topic const &subject, std::int64_t author, timestamp at, int &reply_to)
{
    std::string raw;
    reply_to = 0;
    topic const *const existing = subject.id != 0 ? m_state.find_topic(subject.id) : nullptr;
    if (existing != nullptr && m_dice.percent(25)) {
        // Quote an earlier regular post of this topic, by its post number.
        std::vector<post const *> candidates;
        for (auto const &[number, id] : existing->post_ids_by_number) {
            post const &earlier = *m_state.find_post(id);
            if (earlier.type == post_type::regular) {
                candidates.push_back(&earlier);
            }
        }
        if (!candidates.empty()) {
            post const &quoted = *candidates[m_dice.below(candidates.size())];
            user const &quoted_author = *m_state.find_user(quoted.user_id);
            raw += "[quote=\"" + quoted_author.username + ", post:" + std::to_string(quoted.post_number) +
                   ", topic:" + std::to_string(existing->id) + "\"]\n" + m_dice.pick(SENTENCES) + "\n[/quote]\n\n";
            reply_to = quoted.post_number;
        }
    }
    if (m_dice.percent(4)) {
        raw += "+1"; // short replies, as old forums allowed
        return raw;
    }
    for (std::uint64_t k = 0, count = 1 + m_dice.below(3); k < count; ++k) {
        if (k > 0) {
            raw += "\n\n";
        }
        raw += m_dice.pick(SENTENCES);
        if (m_dice.percent(30)) {
            raw += " ";
            raw += m_dice.pick(SENTENCES);
        }
    }
    if (!m_public_topic_ids.empty() && m_dice.percent(15)) {
        raw += "\n\n" + link_to_somewhere();
    }
    if (m_dice.percent(5)) {
        raw += "\n\nThanks @" + m_state.find_user(m_dice.pick(m_members))->username + "!";
    }
    if (m_dice.percent(4)) {
        raw += "\n\n" + picture(author, at);
    }
    return raw;
}

void generator::apply(planned_event const &event)
{
    planned_topic &subject = m_topics[event.topic_index];
    switch (event.kind) {
    case event_kind::create_topic: {
        int reply_to = 0;
        std::string const raw = body_for(subject, subject.author, event.at, reply_to);
        std::vector<std::int64_t> recipients;
        for (auto const id : subject.participants) {
            if (id != subject.author) {
                recipients.push_back(id);
            }
        }
        subject.id =
            m_state
                .create_topic({.user_id = subject.author,
                               .title = subject.title,
                               .raw = raw,
                               .category_id = subject.category_id,
                               .kind = subject.private_message ? archetype::private_message : archetype::regular,
                               .recipient_ids = recipients,
                               .tags = subject.tags,
                               .created_at = event.at,
                               .external_id = std::nullopt,
                               .skip_validations = true})
                .id;
        if (!subject.private_message && subject.category_id != m_restricted_category) {
            m_public_topic_ids.push_back(subject.id);
        }
        break;
    }
    case event_kind::reply:
    case event_kind::whisper: {
        bool const whisper = event.kind == event_kind::whisper;
        std::int64_t const author = whisper ? m_dice.pick(m_staff) : reply_author(subject);
        int reply_to = 0;
        std::string const raw = body_for(subject, author, event.at, reply_to);
        if (reply_to == 0 && m_dice.percent(30)) {
            reply_to = 1;
        }
        (void)m_state.create_post({.user_id = author,
                                   .topic_id = subject.id,
                                   .raw = raw,
                                   .reply_to_post_number = reply_to == 0 ? std::nullopt : std::optional{reply_to},
                                   .created_at = event.at,
                                   .type = whisper ? post_type::whisper : post_type::regular,
                                   .skip_validations = true});
        break;
    }
    case event_kind::status:
        (void)m_state.set_topic_status(subject.id, event.status, event.enabled, m_staff[0], event.at);
        break;
    }
}

void generator::edit_delete_and_count()
{
    std::vector<std::int64_t> post_ids;
    for (auto const &[id, item] : m_state.posts()) {
        post_ids.push_back(id);
    }
    // Edits first (an author may not edit a deleted post), each a few hours after the post.
    for (auto const id : post_ids) {
        post const &item = *m_state.find_post(id);
        if (item.type != post_type::regular || !m_dice.percent(5)) {
            continue;
        }
        int const edits = 1 + static_cast<int>(m_dice.below(2));
        for (int k = 0; k < edits; ++k) {
            post const &current = *m_state.find_post(id);
            (void)m_state.edit_post({.post_id = id,
                                     .editor_id = current.user_id,
                                     .raw = current.raw + "\n\nEdit: fixed a typo.",
                                     .title = std::nullopt,
                                     .bypass_bump = false,
                                     .edited_at = current.created_at + std::chrono::hours{2 + 3 * k}});
        }
    }
    // Deleted replies and a few deleted topics, deleted by the admin a day later.
    for (auto const id : post_ids) {
        post const &item = *m_state.find_post(id);
        topic const &subject = *m_state.find_topic(item.topic_id);
        bool const reply = item.post_number > 1 && item.type == post_type::regular;
        if ((reply && m_dice.percent(4)) ||
            (item.post_number == 1 && subject.kind == archetype::regular && m_dice.percent(1))) {
            m_state.delete_post(id, m_staff[0], item.created_at + std::chrono::hours{24});
        }
    }
    // At least one deleted topic in every forum: the middle regular one, if chance gave none.
    bool any_deleted = false;
    for (auto const &[id, subject] : m_state.topics()) {
        any_deleted = any_deleted || subject.deleted_at.has_value();
    }
    if (!any_deleted && !m_public_topic_ids.empty()) {
        std::int64_t const victim = m_public_topic_ids[m_public_topic_ids.size() / 2];
        post const &first = *m_state.find_post_by_number(victim, 1);
        m_state.delete_post(first.id, m_staff[0], first.created_at + std::chrono::hours{24});
    }
    // Likes, reads and views: most posts get few, some many.
    for (auto const id : post_ids) {
        post &item = *m_state.mutable_post(id);
        if (item.type != post_type::regular) {
            continue; // nobody likes or reads a small action or a whisper in the counts
        }
        item.like_count = m_dice.percent(70) ? static_cast<int>(m_dice.below(3)) : static_cast<int>(m_dice.below(25));
        item.reads = 1 + static_cast<int>(m_dice.below(60));
    }
    std::vector<std::int64_t> topic_ids;
    for (auto const &[id, subject] : m_state.topics()) {
        topic_ids.push_back(id);
    }
    for (auto const id : topic_ids) {
        m_state.mutable_topic(id)->views = 5 + static_cast<int>(m_dice.below(m_dice.percent(10) ? 5000 : 300));
    }
    m_state.rebuild_derived();
}

forum_state generator::run()
{
    // An old forum grew over years; built in one go, its authors would hit the per-user rate
    // limits (its edits most of all), so they are off while it is built, as in Discourse's
    // import scripts, and on again for whoever uses the forum next.
    m_state.set_rate_limits(false);
    make_categories();
    make_users();
    plan_topics();
    for (auto const &event : m_events) {
        apply(event);
    }
    edit_delete_and_count();
    m_state.set_rate_limits(true);
    return std::move(m_state);
}

} // namespace

std::string make_png(int width, int height, std::string_view rgb)
{
    std::string png{"\x89PNG\r\n\x1a\n", 8};
    std::string header;
    put_be32(header, static_cast<std::uint32_t>(width));
    put_be32(header, static_cast<std::uint32_t>(height));
    header += std::string{"\x08\x02\x00\x00\x00", 5}; // 8 bits, RGB, deflate, no filter, no interlace
    put_chunk(png, "IHDR", header);

    // The scanlines, each led by filter byte 0, in one stored (uncompressed) deflate block.
    std::string raw;
    auto const row = static_cast<std::size_t>(width) * 3;
    for (int y = 0; y < height; ++y) {
        raw.push_back('\0');
        raw += rgb.substr(static_cast<std::size_t>(y) * row, row);
    }
    std::string zlib{"\x78\x01", 2};
    zlib.push_back('\x01'); // final block, stored
    auto const length = static_cast<std::uint16_t>(raw.size());
    zlib.push_back(static_cast<char>(length & 0xFFU));
    zlib.push_back(static_cast<char>(length >> 8U));
    zlib.push_back(static_cast<char>(~length & 0xFFU));
    zlib.push_back(static_cast<char>((~length >> 8U) & 0xFFU));
    zlib += raw;
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (char const c : raw) {
        a = (a + static_cast<unsigned char>(c)) % 65521U;
        b = (b + a) % 65521U;
    }
    put_be32(zlib, (b << 16U) | a);
    put_chunk(png, "IDAT", zlib);
    put_chunk(png, "IEND", "");
    return png;
}

forum_state generate_forum(generator_options const &options)
{
    if (options.topic_count == 0 || !(options.start < options.end)) {
        throw std::invalid_argument{"generating a forum: needs at least one topic and start before end"};
    }
    generator maker{options};
    return maker.run();
}

} // namespace forumgate::rehearsal
