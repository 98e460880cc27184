// Tests of rehearsal/uploads.cpp: upload paths, image sizes and storing files.

#include "base/digest.hpp"
#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

namespace forumgate::rehearsal {
namespace {

TEST(uploads, path_rule_and_short_url)
{
    std::string const sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d";
    EXPECT_EQ(upload_path(1, sha1, "png"), "/uploads/default/original/1X/" + sha1 + ".png");
    EXPECT_EQ(upload_path(1000, sha1, "png"), "/uploads/default/original/1X/" + sha1 + ".png");
    EXPECT_EQ(upload_path(1001, sha1, "png"), "/uploads/default/original/2X/a/" + sha1 + ".png");
    EXPECT_EQ(upload_path(16000, sha1, "png"), "/uploads/default/original/2X/a/" + sha1 + ".png");
    EXPECT_EQ(upload_path(16001, sha1, "jpg"), "/uploads/default/original/3X/a/9/" + sha1 + ".jpg");
    EXPECT_EQ(forumgate::base::sha1_hex("abc"), sha1);
}

TEST_F(forum_fixture, add_upload_computes_sha1_size_and_urls)
{
    // A 3×2 PNG header is enough for the size.
    std::string png{"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0", 29};
    auto const &file = state.add_upload({.user_id = ann, .original_filename = "Photo.PNG", .bytes = png});
    EXPECT_EQ(file.id, 1);
    EXPECT_EQ(file.extension, "png");
    EXPECT_EQ(file.sha1, forumgate::base::sha1_hex(png));
    EXPECT_EQ(file.width, 3);
    EXPECT_EQ(file.height, 2);
    EXPECT_EQ(file.filesize, 29);
    EXPECT_EQ(file.url(), "/uploads/default/original/1X/" + file.sha1 + ".png");
    std::string const base62 = base::base62_from_sha1(file.sha1);
    EXPECT_EQ(file.short_url(), "upload://" + base62 + ".png");
    EXPECT_EQ(file.short_path(), "/uploads/short-url/" + base62 + ".png");
    EXPECT_EQ(state.find_upload_by_short_url(file.short_url()), &file);
    // The same bytes again: the same upload.
    EXPECT_EQ(state.add_upload({.user_id = bob, .original_filename = "copy.png", .bytes = png}).id, file.id);
    // A post's cooked HTML points at the real URL.
    auto const topic_id = state
                              .create_topic({.user_id = ann,
                                             .title = "A picture for you",
                                             .raw = "![photo|3x2](" + file.short_url() + ")",
                                             .category_id = general})
                              .id;
    EXPECT_NE(state.find_post_by_number(topic_id, 1)->cooked.find("src=\"" + file.url() + "\""), std::string::npos);

    EXPECT_EQ(errors_of([&] { (void)state.add_upload({.user_id = ann, .original_filename = "x.exe", .bytes = "MZ"}); }),
              std::vector<std::string>{"Sorry, the file you are trying to upload is not authorized (authorized "
                                       "extensions: jpg, jpeg, png, gif, heic, heif, webp)."});
}

TEST(hmac_sha256_hex, rfc_4231_test_case_2)
{
    EXPECT_EQ(forumgate::base::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(image_size, png_gif_jpeg)
{
    EXPECT_EQ(image_size(std::string{"GIF89a\x05\x00\x07\x00", 10}), (std::pair{5, 7}));
    std::string const jpeg{"\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xC0\x00\x11\x08\x00\x09\x00\x0A\x03\x00\x00", 20};
    EXPECT_EQ(image_size(jpeg), (std::pair{10, 9}));
    EXPECT_FALSE(image_size("plain text"));
}

} // namespace
} // namespace forumgate::rehearsal
