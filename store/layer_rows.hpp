#pragma once
// A layer over the served map, planned and read the same way whatever holds the map's rows: the
// store in one transaction (change_load.cpp) or a snapshot file (snapshot_file.cpp).

#include "store/detail.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace forumgate::store {

/// Represents where the rows of a layer's keys are read from.
class layer_row_source
{
public:
    layer_row_source() = default;
    virtual ~layer_row_source() = default;
    layer_row_source(layer_row_source const &) = delete;
    layer_row_source &operator=(layer_row_source const &) = delete;

    /// \return how many rows `keys` have: the topics', their posts', the users', the tags',
    /// every row of the tables held whole, and one for the settings.
    [[nodiscard]] virtual std::size_t count(mappings::layer_keys const &keys) = 0;
    /// Adds the rows of `keys` to a layer's builder.
    virtual void read_into(mappings::layer_keys const &keys, snapshot_builder &builder) = 0;
    /// \return the site settings as the rows have them; none if they are gone.
    [[nodiscard]] virtual std::optional<site_settings> settings() = 0;
};

/// Prepares the layer of `changed` over `current` at `version`, reading the keys' rows from
/// `rows`: the smallest level whose bound holds them, replacing the layers of that level or
/// smaller on top. `builder` is left to build; out.whole_map_reason is set instead when not even
/// a large layer holds them. out.rows_read is the rows read.
void plan_and_read_layer(layer_row_source &rows, std::shared_ptr<snapshot const> const &current,
                         mappings::layer_keys changed, std::int64_t version, layer_bounds const &bounds,
                         applied_changes &out, std::unique_ptr<snapshot_builder> &builder);

/// Builds what plan_and_read_layer prepared (nothing if it set a reason). \return out, with the
/// layer or the builder's refusal.
[[nodiscard]] applied_changes built_layer(std::unique_ptr<snapshot_builder> const &builder, applied_changes out);

} // namespace forumgate::store
