#include "importer/import_categories.hpp"

#include "base/error.hpp"
#include "store/archive_reader.hpp"
#include "store/map_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

namespace forumgate::importer {

namespace {

/// The --category-map file: old id or slug path -> new id or slug path.
std::map<std::string, std::string> read_category_map(std::filesystem::path const &file)
{
    std::map<std::string, std::string> out;
    if (file.empty()) {
        return out;
    }
    std::ifstream in{file};
    if (!in) {
        throw input_error{file.string() + ": cannot read the file"};
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto const comma = line.find(',');
        if (comma == std::string::npos || comma == 0 || comma + 1 >= line.size()) {
            throw input_error{file.string() + ":" + std::to_string(number) +
                              ": expected OLD,NEW (an id or slug path each), got \"" + line + "\""};
        }
        out[line.substr(0, comma)] = line.substr(comma + 1);
    }
    return out;
}

/// Represents the categories phase of one run: the new forum's categories as they grow.
class category_import
{
public:
    category_import(import_state &state, worker &main) : m_state(state), m_main(main) {}

    void run()
    {
        read_archive();
        m_existing = m_main.target.categories();
        m_wanted = read_category_map(m_state.options.category_map);
        for (auto const *category : parents_first()) {
            if (!m_state.new_category.contains(category->id)) {
                place(*category);
            }
        }
        spdlog::info("import: categories {} created, {} matched", m_state.summary.categories_created,
                     m_state.summary.categories_matched);
    }

private:
    void read_archive()
    {
        pqxx::read_transaction txn{m_main.store.connection()};
        for (auto &category : store::archive_reader{txn}.categories()) {
            auto const id = category.id;
            m_state.categories.emplace(id, std::move(category));
        }
        for (auto const &row : txn.exec("SELECT old_id, new_id FROM forumgate.categories WHERE new_id IS NOT NULL")) {
            m_state.new_category.emplace(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
        }
    }

    [[nodiscard]] std::vector<store::archived_category const *> parents_first() const
    {
        std::vector<store::archived_category const *> order;
        for (bool const children : {false, true}) {
            for (auto const &[id, category] : m_state.categories) {
                if (category.parent_id.has_value() == children) {
                    order.push_back(&category);
                }
            }
        }
        return order;
    }

    /// The new forum's slug path of `category` (`parent/child`).
    [[nodiscard]] std::string path_of(target_category const &category) const
    {
        std::string path = category.slug;
        for (auto parent = category.parent_id; parent;) {
            auto const found = std::ranges::find(m_existing, *parent, &target_category::id);
            if (found == m_existing.end()) {
                break;
            }
            // (Not path.insert(0, …): GCC 12 warns of a memcpy overlap there, wrongly.)
            std::string joined = found->slug;
            joined += '/';
            joined += path;
            path = std::move(joined);
            parent = found->parent_id;
        }
        return path;
    }

    /// A --category-map line (by old id or slug path, naming a new id or slug path), else the new
    /// forum's category with the same slug path. \throws input_error if a named one is not there.
    [[nodiscard]] std::optional<target_category> find_placed(store::archived_category const &category,
                                                             std::string const &old_path) const
    {
        std::optional<target_category> placed;
        for (auto const &key : {std::to_string(category.id), old_path}) {
            if (auto const entry = m_wanted.find(key); entry != m_wanted.end() && !placed) {
                for (auto const &candidate : m_existing) {
                    if (std::to_string(candidate.id) == entry->second || path_of(candidate) == entry->second) {
                        placed = candidate;
                    }
                }
                if (!placed) {
                    throw input_error{m_state.options.category_map.string() + ": category " + entry->second +
                                      " (for old " + key + ") is not on " + m_state.context.site.origin()};
                }
            }
        }
        if (!placed) {
            for (auto const &candidate : m_existing) {
                if (path_of(candidate) == old_path) {
                    placed = candidate;
                }
            }
        }
        return placed;
    }

    /// Creates `category` on the new forum. \return nullopt after recording why it could not.
    std::optional<target_category> create(store::archived_category const &category)
    {
        auto &connection = m_main.store.connection();
        std::vector<form_field> fields{{"name", category.name}};
        for (auto const &[name, value] :
             {std::pair{"slug", &category.slug}, std::pair{"color", &category.color},
              std::pair{"text_color", &category.text_color}, std::pair{"description", &category.description}}) {
            if (!value->empty()) {
                fields.push_back({name, *value});
            }
        }
        if (category.parent_id) {
            auto const parent = m_state.new_category.find(*category.parent_id);
            if (parent == m_state.new_category.end()) {
                import_state::record_failure(connection, "category", std::to_string(category.id),
                                             "its parent category was not placed");
                return std::nullopt;
            }
            fields.push_back({"parent_category_id", std::to_string(parent->second)});
        }
        if (category.read_restricted) {
            fields.push_back({"permissions[staff]", "1"}); // the old groups are not known: staff only, then adjust
        }
        try {
            auto created = m_main.target.create_category(fields);
            m_existing.push_back(created);
            return created;
        } catch (target_refusal const &refusal) {
            import_state::record_failure(connection, "category", std::to_string(category.id), refusal.what());
            return std::nullopt;
        }
    }

    void place(store::archived_category const &category)
    {
        std::string const old_path = m_state.old_slug_path(category.id);
        auto placed = find_placed(category, old_path);
        bool const created = !placed;
        if (!placed) {
            placed = create(category);
            if (!placed) {
                return;
            }
        }
        pqxx::work txn{m_main.store.connection()};
        store::map_writer{txn}.put_category(category.id, old_path, placed->id, path_of(*placed),
                                            m_state.restricted(category.id));
        import_state::clear_failure(txn, "category", std::to_string(category.id));
        txn.commit();
        m_state.new_category.emplace(category.id, placed->id);
        ++(created ? m_state.summary.categories_created : m_state.summary.categories_matched);
    }

    import_state &m_state;
    worker &m_main;
    std::vector<target_category> m_existing;
    std::map<std::string, std::string> m_wanted;
};

} // namespace

void import_categories(import_state &state, worker &main)
{
    category_import{state, main}.run();
}

} // namespace forumgate::importer
