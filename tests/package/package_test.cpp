// The Debian package (packaging/, docs/packaging.md): built with CPack from this build, its file
// list and control fields, the stripped binary and its -dbgsym package, the extracted binary run
// (`--version`, and `serve` answering a redirect from the test database), lintian, and
// `systemd-analyze verify` on the unit. Skipped (the tools missing) where dpkg-deb, cpack,
// lintian or systemd-analyze are not installed; scripts/test installs them.
//
// One more test installs the package for real with apt-get, checks what the maintainer scripts
// made, then purges it: only as root, only where no forumgate package is installed already, and
// only when FORUMGATE_PACKAGE_INSTALL_TEST is not 0.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace forumgate::testing;
namespace fs = std::filesystem;

std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";

/// \return the path of `program` found on PATH, empty if it is not there.
std::string find_program(std::string const &program)
{
    auto const found = run_process("/bin/sh", {"-c", "command -v " + program});
    return found.exit_code == 0 ? found.out.substr(0, found.out.find('\n')) : std::string{};
}

/// \return `program` (looked up on PATH) run with `args`.
process_result run(std::string const &program, std::vector<std::string> const &args,
                   std::map<std::string, std::string> const &env = {}, int timeout_seconds = 60)
{
    std::string const path = find_program(program);
    if (path.empty()) {
        return {.exit_code = 127, .out = {}, .err = program + ": not found"};
    }
    return run_process(path, args, env, {}, timeout_seconds);
}

/// \return the lines of `text`.
std::vector<std::string> lines_of(std::string const &text)
{
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

/// Represents the package built once for all the tests: `cpack -G DEB` on this build into a
/// temporary folder, and the .deb extracted with `dpkg -x`.
class package_test : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        for (auto const *tool : {"cpack", "dpkg-deb", "dpkg-shlibdeps", "objcopy", "lintian", "systemd-analyze"}) {
            if (find_program(tool).empty()) {
                s_missing = tool;
                return;
            }
        }
        s_work = std::make_unique<temp_dir>();
        auto const built = run(
            "cpack", {"-G", "DEB", "--config", FORUMGATE_BUILD_DIR "/CPackConfig.cmake", "-B", s_work->path().string()},
            {}, 600);
        s_cpack_output = built.out + built.err;
        for (auto const &entry : fs::directory_iterator{s_work->path()}) {
            auto const name = entry.path().filename().string();
            if (name.ends_with(".deb")) {
                s_deb = entry.path();
            } else if (name.ends_with(".ddeb")) {
                s_ddeb = entry.path();
            }
        }
        if (!s_deb.empty()) {
            s_root = s_work->path() / "root";
            auto const extracted = run("dpkg", {"-x", s_deb.string(), s_root.string()});
            s_cpack_output += extracted.err;
        }
    }

    static void TearDownTestSuite() { s_work.reset(); }

    void SetUp() override
    {
        if (!s_missing.empty()) {
            GTEST_SKIP() << s_missing << " is not installed (scripts/test installs it)";
        }
        ASSERT_FALSE(s_deb.empty()) << "cpack made no .deb:\n" << s_cpack_output;
    }

    /// \return `dpkg-deb ARGS… package`'s standard output.
    static std::string dpkg_deb(std::string const &option, fs::path const &package, std::string const &field = {})
    {
        std::vector<std::string> args{option, package.string()};
        if (!field.empty()) {
            args.push_back(field);
        }
        auto const result = run("dpkg-deb", args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.out;
    }

    /// \return the package's files and folders, as `./path`.
    static std::set<std::string> contents(fs::path const &package)
    {
        std::set<std::string> paths;
        for (auto const &line : lines_of(dpkg_deb("--contents", package))) {
            // drwxr-xr-x root/root 0 2026-12-04 20:00 ./usr/bin/  (a link adds " -> target")
            std::smatch match;
            static std::regex const path{R"(^\S+ \S+ +\d+ \S+ \S+ (\S+))"};
            if (std::regex_search(line, match, path)) {
                std::string name = match[1];
                if (name.size() > 2 && name.ends_with('/')) {
                    name.pop_back();
                }
                paths.insert(name);
            }
        }
        return paths;
    }

    static inline std::string s_missing;
    static inline std::unique_ptr<temp_dir> s_work;
    static inline std::string s_cpack_output;
    static inline fs::path s_deb;
    static inline fs::path s_ddeb;
    static inline fs::path s_root;
};

TEST_F(package_test, is_named_as_debian_names_packages)
{
    EXPECT_TRUE(std::regex_match(s_deb.filename().string(), std::regex{R"(forumgate_\d+\.\d+\.\d+_amd64\.deb)"}))
        << s_deb;
    EXPECT_EQ(dpkg_deb("--field", s_deb, "Package"), "forumgate\n");
}

TEST_F(package_test, holds_the_binary_unit_config_and_docs)
{
    auto const paths = contents(s_deb);
    for (auto const *path :
         {"./usr/bin/forumgate", "./lib/systemd/system/forumgate-serve.service", "./etc/forumgate/serve.conf",
          "./etc/forumgate/serve.env", "./usr/share/doc/forumgate/copyright", "./usr/share/doc/forumgate/changelog.gz",
          "./usr/share/doc/forumgate/README.md", "./usr/share/doc/forumgate/serve.md",
          "./usr/share/doc/forumgate/packaging.md", "./usr/share/man/man1/forumgate.1.gz",
          "./usr/share/man/man1/forumgate-serve.1.gz", "./usr/share/bash-completion/completions/forumgate",
          "./usr/share/zsh/vendor-completions/_forumgate"}) {
        EXPECT_TRUE(paths.contains(path)) << path << " is missing from the package";
    }
    // Nothing of the build or the tests: every file is under the package's own places.
    static std::regex const allowed{R"(^\./(usr/bin/forumgate|usr/share/(doc|man|bash-completion|zsh)(/.*)?|)"
                                    R"(lib/systemd/system(/forumgate-serve\.service)?|etc/forumgate(/.*)?|)"
                                    R"(usr|usr/bin|usr/share|lib|lib/systemd|etc)?$)"};
    for (auto const &path : paths) {
        EXPECT_TRUE(std::regex_match(path, allowed)) << path << " should not be in the package";
    }
}

TEST_F(package_test, marks_the_config_as_conffiles_and_carries_its_maintainer_scripts)
{
    temp_dir control;
    auto const result = run("dpkg-deb", {"--control", s_deb.string(), control.path().string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::ifstream conffiles{control.path() / "conffiles"};
    std::stringstream text;
    text << conffiles.rdbuf();
    EXPECT_EQ(text.str(), "/etc/forumgate/serve.conf\n/etc/forumgate/serve.env\n");
    for (auto const *script : {"postinst", "prerm", "postrm"}) {
        auto const status = fs::status(control.path() / script);
        EXPECT_TRUE(fs::is_regular_file(status)) << script;
        EXPECT_EQ(status.permissions() & fs::perms::owner_exec, fs::perms::owner_exec) << script;
    }
}

TEST_F(package_test, depends_on_the_libraries_dpkg_shlibdeps_finds)
{
    auto const depends = dpkg_deb("--field", s_deb, "Depends");
    // Computed from the binary, not listed by hand: the C library, libpq and libpqxx, RE2.
    for (auto const *library : {"libc6", "libpqxx", "libre2", "libpq5", "libssl3", "adduser"}) {
        EXPECT_NE(depends.find(library), std::string::npos) << library << " not in Depends: " << depends;
    }
}

TEST_F(package_test, ships_a_stripped_binary_and_its_symbols_in_a_dbgsym_package)
{
    auto const file = run("file", {"-b", (s_root / "usr/bin/forumgate").string()});
    EXPECT_NE(file.out.find("stripped"), std::string::npos) << file.out;
    EXPECT_EQ(file.out.find("not stripped"), std::string::npos) << file.out;
    ASSERT_FALSE(s_ddeb.empty()) << "no -dbgsym package:\n" << s_cpack_output;
    EXPECT_EQ(dpkg_deb("--field", s_ddeb, "Package"), "forumgate-dbgsym\n");
    auto const paths = contents(s_ddeb);
    EXPECT_TRUE(std::any_of(paths.begin(), paths.end(), [](std::string const &path) {
        return path.starts_with("./usr/lib/debug/.build-id/") && path.ends_with(".debug");
    })) << "no /usr/lib/debug/.build-id/…debug file in the -dbgsym package";
    auto const size = fs::file_size(s_root / "usr/bin/forumgate");
    EXPECT_LT(size, 40u << 20) << "the packaged binary should be stripped";
}

TEST_F(package_test, extracted_binary_runs_and_serves_a_redirect)
{
    fs::path const binary = s_root / "usr/bin/forumgate";
    auto const version = run_process(binary.string(), {"--version"});
    EXPECT_EQ(version.exit_code, 0) << version.err;
    EXPECT_NE(version.out.find("forumgate"), std::string::npos) << version.out;

    test_database db;
    temp_dir map;
    map.write("topics.csv",
              "old_id,old_slug,new_id,new_slug,restricted\n774,agm-2023-minutes,1774,agm-minutes,false\n");
    auto const load =
        run_process(binary.string(), {"map", "load", "--db", db.conninfo(), "--new-base", "https://forum.brum.coop",
                                      "--old-host", OLD_HOST, map.path().string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    server_process server{binary.string(),
                          {"serve", "--db", db.conninfo(), "--listen", "127.0.0.1:0", "--stats-interval", "0"},
                          {{"FORUMGATE_DB", ""}}};
    ASSERT_TRUE(server.wait_listening(1)) << server.log();
    auto const answer = http_request(server.ports().front(), "/t/agm-2023-minutes/774", OLD_HOST);
    ASSERT_TRUE(answer) << server.log();
    EXPECT_EQ(answer->status, 301);
    EXPECT_EQ(answer->header("Location"), "https://forum.brum.coop/t/agm-minutes/1774");
}

TEST_F(package_test, passes_lintian_without_errors)
{
    // --tag-display-limit 0: every instance; errors (E:) fail, warnings are listed and
    // justified in docs/packaging.md.
    auto const result = run("lintian", {"--tag-display-limit", "0", s_deb.string()}, {}, 600);
    std::vector<std::string> errors;
    for (auto const &line : lines_of(result.out)) {
        if (line.starts_with("E: ")) {
            errors.push_back(line);
        }
    }
    EXPECT_TRUE(errors.empty()) << result.out << result.err;
    EXPECT_TRUE(result.exit_code == 0 || errors.empty()) << result.out << result.err;
}

TEST_F(package_test, unit_passes_systemd_analyze_verify)
{
    // The unit as packaged, against this machine's systemd units; its ExecStart= names the
    // extracted binary, as /usr/bin/forumgate is not installed here.
    std::ifstream packaged{s_root / "lib/systemd/system/forumgate-serve.service"};
    std::stringstream text;
    text << packaged.rdbuf();
    std::string unit = text.str();
    std::string const installed = "/usr/bin/forumgate";
    auto const at = unit.find("ExecStart=" + installed);
    ASSERT_NE(at, std::string::npos) << unit;
    unit.replace(at + 10, installed.size(), (s_root / "usr/bin/forumgate").string());
    temp_dir units;
    auto const file = units.write("forumgate-serve.service", unit);
    auto const result = run("systemd-analyze", {"verify", file.string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.err.find("forumgate-serve.service:"), std::string::npos) << result.err;
}

TEST_F(package_test, installs_with_apt_and_purges_cleanly)
{
    char const *wanted = std::getenv("FORUMGATE_PACKAGE_INSTALL_TEST");
    if (::geteuid() != 0 || (wanted != nullptr && std::string{wanted} == "0")) {
        GTEST_SKIP() << "installs for real: root only, and not with FORUMGATE_PACKAGE_INSTALL_TEST=0";
    }
    if (run("dpkg-query", {"-W", "-f=${Status}", "forumgate"}).out.find("installed") != std::string::npos) {
        GTEST_SKIP() << "a forumgate package is installed on this machine already; left alone";
    }
    auto const install = run("apt-get", {"install", "-y", "-qq", "--no-install-recommends", s_deb.string()},
                             {{"DEBIAN_FRONTEND", "noninteractive"}}, 600);
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
    EXPECT_TRUE(fs::exists("/usr/bin/forumgate"));
    EXPECT_EQ(run("getent", {"passwd", "forumgate"}).exit_code, 0) << "postinst made no forumgate user";
    EXPECT_TRUE(fs::is_directory("/var/lib/forumgate"));
    auto const overrides = run("dpkg-statoverride", {"--list", "/etc/forumgate/serve.conf"});
    EXPECT_EQ(overrides.out, "root forumgate 640 /etc/forumgate/serve.conf\n");
    // Installed, never enabled (no symlink in a .wants folder) nor started.
    EXPECT_FALSE(fs::exists("/etc/systemd/system/multi-user.target.wants/forumgate-serve.service"));
    EXPECT_NE(run("pgrep", {"-x", "forumgate"}).exit_code, 0) << "the package started forumgate";

    // An admin's edit of a conffile survives a reinstall (dpkg keeps it).
    {
        std::ofstream conf{"/etc/forumgate/serve.conf", std::ios::app};
        conf << "# edited by the package test\n";
    }
    auto const again = run("dpkg", {"--force-confold", "-i", s_deb.string()}, {}, 600);
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    std::ifstream conf{"/etc/forumgate/serve.conf"};
    std::stringstream text;
    text << conf.rdbuf();
    EXPECT_NE(text.str().find("# edited by the package test"), std::string::npos);

    auto const remove = run("dpkg", {"--remove", "forumgate"}, {}, 300);
    EXPECT_EQ(remove.exit_code, 0) << remove.out << remove.err;
    EXPECT_FALSE(fs::exists("/usr/bin/forumgate"));
    EXPECT_TRUE(fs::exists("/etc/forumgate/serve.conf")) << "remove keeps the config";
    EXPECT_TRUE(fs::is_directory("/var/lib/forumgate")) << "remove keeps the state";
    auto const purge = run("dpkg", {"--purge", "forumgate"}, {}, 300);
    EXPECT_EQ(purge.exit_code, 0) << purge.out << purge.err;
    EXPECT_FALSE(fs::exists("/etc/forumgate/serve.conf"));
    EXPECT_FALSE(fs::exists("/var/lib/forumgate"));
    EXPECT_NE(run("dpkg-statoverride", {"--list", "/etc/forumgate/serve.conf"}).exit_code, 0);
}

} // namespace
