// Tests of redirector/acme_challenge: which targets are ACME challenges, which tokens are read,
// and which files of the challenge folder are served.

#include "redirector/acme_challenge.hpp"

#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

using namespace forumgate::redirector;
namespace fs = std::filesystem;

TEST(acme_challenge, targets_of_the_challenge_folder)
{
    EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge/abc"));
    EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge/"));
    EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge"));
    EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge?x"));
    EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge/../../t/774"));
    EXPECT_FALSE(is_acme_challenge("/.well-known/acme-challenges/abc"));
    EXPECT_FALSE(is_acme_challenge("/.well-known/security.txt"));
    EXPECT_FALSE(is_acme_challenge("/.WELL-KNOWN/acme-challenge/abc"));
    EXPECT_FALSE(is_acme_challenge("/t/774"));
    EXPECT_FALSE(is_acme_challenge(""));
}

TEST(acme_challenge, tokens_are_base64url_only)
{
    EXPECT_EQ(acme_token("/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"),
              "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
    EXPECT_EQ(acme_token("/.well-known/acme-challenge/a-b_C9"), "a-b_C9");
    EXPECT_EQ(acme_token("/.well-known/acme-challenge/" + std::string(255, 'A')), std::string(255, 'A'));
    for (std::string const target :
         {"/.well-known/acme-challenge/", "/.well-known/acme-challenge", "/.well-known/acme-challenge/..",
          "/.well-known/acme-challenge/.", "/.well-known/acme-challenge/a.b", "/.well-known/acme-challenge/a/b",
          "/.well-known/acme-challenge/%2e%2e", "/.well-known/acme-challenge/abc?x=1",
          "/.well-known/acme-challenge/abc/", "/.well-known/acme-challenge/ab c", "/.well-known/acme-challenge/ab+c",
          "/.well-known/acme-challenge/ab=", "/.well-known/acme-challengeabc", "/.well-known/acme-challenge//abc",
          "/x/.well-known/acme-challenge/abc"}) {
        EXPECT_FALSE(acme_token(target).has_value()) << target;
    }
    EXPECT_FALSE(acme_token("/.well-known/acme-challenge/" + std::string(256, 'A')).has_value());
    EXPECT_FALSE(acme_token(std::string{"/.well-known/acme-challenge/ab\0c", 32}).has_value());
}

TEST(acme_challenge, folder_is_certbots_layout)
{
    EXPECT_EQ(acme_webroot{"/var/lib/forumgate/acme"}.challenge_folder(),
              "/var/lib/forumgate/acme/.well-known/acme-challenge");
    EXPECT_EQ(acme_webroot{"/var/lib/forumgate/acme//"}.challenge_folder(),
              "/var/lib/forumgate/acme/.well-known/acme-challenge");
    EXPECT_EQ(acme_webroot{"/"}.challenge_folder(), "/.well-known/acme-challenge");
    EXPECT_EQ(acme_webroot{"acme"}.challenge_folder(), "acme/.well-known/acme-challenge");
}

TEST(acme_challenge, only_small_regular_files_are_read)
{
    forumgate::testing::temp_dir dir;
    fs::path const folder = dir.path() / ".well-known" / "acme-challenge";
    fs::create_directories(folder);
    acme_webroot const root{dir.path().string()};
    forumgate::testing::write_file(folder / "token", "token.thumbprint");
    forumgate::testing::write_file(folder / "empty", "");
    forumgate::testing::write_file(folder / "largest", std::string(acme_webroot::MAX_FILE_SIZE, 'x'));
    forumgate::testing::write_file(folder / "big", std::string(acme_webroot::MAX_FILE_SIZE + 1, 'x'));
    forumgate::testing::write_file(dir.path() / "outside", "outside");
    fs::create_symlink(dir.path() / "outside", folder / "link");
    fs::create_symlink("/etc/passwd", folder / "passwd");
    fs::create_directory(folder / "folder");
    ASSERT_EQ(::mkfifo((folder / "fifo").c_str(), 0644), 0);

    EXPECT_EQ(root.read("token"), "token.thumbprint");
    EXPECT_EQ(root.read("empty"), "");
    EXPECT_EQ(root.read("largest"), std::string(acme_webroot::MAX_FILE_SIZE, 'x'));
    for (auto const *refused : {"big", "link", "passwd", "folder", "fifo", "missing"}) {
        EXPECT_FALSE(root.read(refused).has_value()) << refused; // the FIFO: without blocking
    }
    EXPECT_FALSE(acme_webroot{(dir.path() / "nowhere").string()}.read("token").has_value());
}
