// Fuzz target: map files (CSV, docs/map-files.md) read as `map load` reads them, without a
// database: base::csv_reader, store::map_file's header and fields, each table's row reading, the
// checks a snapshot build makes on each row and the duplicate checks (store::read_map_rows), and
// settings.csv (store::read_settings_file). The first byte chooses the file: one of the seven
// map tables' files or settings.csv; the rest is its content.
//
// Invariants: a file is either read whole or refused with an input_error whose message starts
// with the file's name (no other exception, no crash); the rows read are counted one by one;
// settings read are normalised (an http(s) new base without a trailing `/`, at least one old host).

#include "base/error.hpp"
#include "store/map_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstdint>
#include <string>

namespace {

using namespace forumgate;

mappings::site_settings const &settings()
{
    static mappings::site_settings const instance{
        "https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {"cdn.brum.coop"}};
    return instance;
}

void read_table(std::filesystem::path const &path, store::map_table_spec const &table)
{
    std::string const name = std::string{table.name} + ".csv";
    try {
        store::map_file file{path, name, table.columns};
        std::int64_t rows = 0;
        store::read_map_rows(file, table, settings(), [&] {
            ++rows;
            fuzz::check(file.rows() == rows, "rows are counted one by one");
        });
    } catch (input_error const &e) {
        fuzz::check(std::string_view{e.what()}.starts_with(name + ":"), "a refusal names the file", e.what());
    }
}

void read_settings(std::filesystem::path const &path)
{
    try {
        std::int64_t rows = 0;
        auto const read = store::read_settings_file(path, rows);
        fuzz::check(read.new_base.starts_with("http://") || read.new_base.starts_with("https://"),
                    "the new base is an http(s) URL", read.new_base);
        fuzz::check(!read.new_base.ends_with('/'), "the new base has no trailing /", read.new_base);
        fuzz::check(!read.old_hosts.empty(), "settings have an old host");
    } catch (input_error const &e) {
        fuzz::check(std::string_view{e.what()}.starts_with("settings.csv"), "a refusal names the file", e.what());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    std::size_t const choice = data[0] % (store::MAP_TABLES.size() + 1);
    fuzz::memory_file const file{fuzz::text_of(data + 1, size - 1)};
    if (choice == store::MAP_TABLES.size()) {
        read_settings(file.path());
    } else {
        read_table(file.path(), store::MAP_TABLES[choice]);
    }
    return 0;
}
