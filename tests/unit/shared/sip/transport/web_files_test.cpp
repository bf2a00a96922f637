// The WWSF's choice of file (web_files.h): no request may reach a file
// outside the web root, however it is spelled.
#include "sip/transport/web_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "unit/test_dir.h"

namespace imsbox::sip {
namespace {

std::string path_of(std::string_view target) {
  std::string why;
  auto p = web_relative_path(target, why);
  EXPECT_TRUE(p) << target << ": " << why;
  return p.value_or("");
}

std::string refusal_of(std::string_view target) {
  std::string why;
  auto p = web_relative_path(target, why);
  EXPECT_FALSE(p) << target << " -> " << p.value_or("");
  return why;
}

TEST(WebRelativePath, RootAndDirectoriesNameTheirIndex) {
  EXPECT_EQ(path_of("/"), "index.html");
  EXPECT_EQ(path_of("/?user=alice"), "index.html");
  EXPECT_EQ(path_of("/docs/"), "docs/index.html");
  EXPECT_EQ(path_of("/app.js"), "app.js");
  EXPECT_EQ(path_of("/app.js?v=3#top"), "app.js");
  EXPECT_EQ(path_of("/a%20b.css"), "a b.css");
  EXPECT_EQ(path_of("/img/logo.png"), "img/logo.png");
  EXPECT_EQ(path_of("/..foo"), "..foo");  // a name that starts with dots is still a name
}

TEST(WebRelativePath, TraversalIsRefusedHoweverSpelled) {
  for (const auto* t : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2e/x", "/.%2e/x", "/a/./b",
                        "/%2e/x", "/..%2fetc", "/a%2Fb", "/a\\..\\b", "/%5c..%5cb", "//etc/passwd", "/a//b"}) {
    refusal_of(t);
  }
  EXPECT_EQ(refusal_of("/../etc/passwd"), "a '..' segment");
  EXPECT_EQ(refusal_of("/%2e%2e/x"), "a '..' segment");
  EXPECT_EQ(refusal_of("/a%2Fb"), "an encoded '/'");
}

TEST(WebRelativePath, MalformedTargetsAreRefused) {
  refusal_of("");
  refusal_of("index.html");
  refusal_of("http://evil.example/index.html");
  refusal_of("*");
  refusal_of("/a%2");
  refusal_of("/a%");
  refusal_of("/a%zz");
  refusal_of("/a%00b");
  refusal_of("/a%0d%0aSet-Cookie");
  refusal_of("/" + std::string(2000, 'a'));
}

TEST(WebContentType, ByExtensionCaseInsensitive) {
  EXPECT_EQ(web_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(web_content_type("dir/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(web_content_type("STYLE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(web_content_type("app.js.map"), "application/json");
  EXPECT_EQ(web_content_type("favicon.ico"), "image/x-icon");
  EXPECT_EQ(web_content_type("ring.wav"), "audio/wav");
  EXPECT_EQ(web_content_type("README"), "application/octet-stream");
  EXPECT_EQ(web_content_type(".htaccess"), "application/octet-stream");
  EXPECT_EQ(web_content_type("a.exe"), "application/octet-stream");
  EXPECT_EQ(web_content_type("a.d/b"), "application/octet-stream");
}

class FindWebFile : public ::testing::Test {
 protected:
  FindWebFile() {
    std::filesystem::create_directories(dir / "www/sub");
    std::ofstream(dir / "www/index.html") << "<p>hi</p>";
    std::ofstream(dir / "www/sub/app.js") << "1;";
    std::ofstream(dir / "outside.txt") << "secret";
    std::ofstream(dir / "www/big.js") << std::string(2000, 'x');
  }
  std::filesystem::path root() const { return dir / "www"; }
  imsbox::testing::TempDir dir;
};

TEST_F(FindWebFile, FindsFilesUnderTheRoot) {
  auto f = find_web_file(root(), "/", 1000);
  ASSERT_TRUE(f.found) << f.refusal;
  EXPECT_EQ(f.path, std::filesystem::canonical(root() / "index.html"));
  EXPECT_EQ(f.size, 9u);
  EXPECT_EQ(f.content_type, "text/html; charset=utf-8");
  f = find_web_file(root(), "/sub/app.js", 1000);
  ASSERT_TRUE(f.found) << f.refusal;
  EXPECT_EQ(f.content_type, "text/javascript; charset=utf-8");
}

TEST_F(FindWebFile, RefusesMissingDirectoriesLargeFilesAndTraversal) {
  EXPECT_EQ(find_web_file(root(), "/nothing.js", 1000).refusal, "no such file");
  EXPECT_EQ(find_web_file(root(), "/sub", 1000).refusal, "not a regular file");
  EXPECT_EQ(find_web_file(root(), "/big.js", 1000).refusal, "larger than 1000 bytes");
  EXPECT_FALSE(find_web_file(root(), "/../outside.txt", 1000).found);
  EXPECT_FALSE(find_web_file(dir / "missing", "/", 1000).found);
}

TEST_F(FindWebFile, FollowsSymlinksOnlyInsideTheRoot) {
  std::filesystem::create_symlink(dir / "outside.txt", root() / "leak.txt");
  std::filesystem::create_directory_symlink(dir.path(), root() / "up");
  std::filesystem::create_symlink(root() / "sub/app.js", root() / "alias.js");
  EXPECT_EQ(find_web_file(root(), "/leak.txt", 1000).refusal, "a symbolic link out of the web root");
  EXPECT_EQ(find_web_file(root(), "/up/outside.txt", 1000).refusal, "a symbolic link out of the web root");
  EXPECT_TRUE(find_web_file(root(), "/alias.js", 1000).found);
}

TEST_F(FindWebFile, ARootThatIsASymlinkStillWorks) {
  std::filesystem::create_directory_symlink(root(), dir / "current");
  EXPECT_TRUE(find_web_file(dir / "current", "/index.html", 1000).found);
}

}  // namespace
}  // namespace imsbox::sip
