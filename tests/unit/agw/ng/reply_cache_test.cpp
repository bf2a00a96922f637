// The reply cache: one run per cookie, the same reply again, bounded in time and size.
#include <gtest/gtest.h>

#include "agw/ng/reply_cache.h"

namespace imsbox::agw::ng {
namespace {

using namespace std::chrono_literals;
using Lookup = ReplyCache::Lookup;

ReplyCache::Time t0{};

TEST(ReplyCache, FirstRunsThenRunningThenTheSameReply) {
  ReplyCache c;
  EXPECT_EQ(c.begin("127.0.0.1:5060 c1", t0).state, Lookup::fresh);
  EXPECT_EQ(c.begin("127.0.0.1:5060 c1", t0 + 1ms).state, Lookup::running);
  c.complete("127.0.0.1:5060 c1", "d6:result2:oke", t0 + 2ms);
  for (int resend = 0; resend < 5; ++resend) {  // OpenSIPS: up to 5 copies
    const auto f = c.begin("127.0.0.1:5060 c1", t0 + 500ms * (resend + 1));
    ASSERT_EQ(f.state, Lookup::answered);
    EXPECT_EQ(*f.reply, "d6:result2:oke");
  }
  // another key runs
  EXPECT_EQ(c.begin("127.0.0.1:5060 c2", t0 + 3s).state, Lookup::fresh);
}

TEST(ReplyCache, EntriesExpireAfterTheirTtl) {
  ReplyCache c({.ttl = 10s, .max_entries = 100, .max_bytes = 1 << 20});
  c.begin("k", t0);
  c.complete("k", "reply", t0 + 1s);
  EXPECT_EQ(c.begin("k", t0 + 9999ms).state, Lookup::answered);
  EXPECT_EQ(c.begin("k", t0 + 10s).state, Lookup::fresh);  // gone: runs again
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(ReplyCache, OldestGoFirstBeyondMaxEntries) {
  ReplyCache c({.ttl = 60s, .max_entries = 3, .max_bytes = 1 << 20});
  for (const auto* k : {"a", "b", "c", "d"}) {
    c.begin(k, t0);
    c.complete(k, k, t0);
  }
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.begin("b", t0).state, Lookup::answered);
  EXPECT_EQ(c.begin("d", t0).state, Lookup::answered);
  EXPECT_EQ(c.begin("a", t0).state, Lookup::fresh);  // evicted
}

TEST(ReplyCache, OldestGoFirstBeyondMaxBytes) {
  ReplyCache c({.ttl = 60s, .max_entries = 100, .max_bytes = 10});
  c.begin("a", t0);
  c.complete("a", "123456", t0);
  c.begin("b", t0);
  c.complete("b", "123456", t0);  // 12 bytes held: a goes
  EXPECT_LE(c.bytes(), 10u);
  EXPECT_EQ(c.begin("b", t0).state, Lookup::answered);
  EXPECT_EQ(c.begin("a", t0).state, Lookup::fresh);
}

TEST(ReplyCache, AReplyAfterEvictionIsCachedAgain) {
  ReplyCache c({.ttl = 1s, .max_entries = 100, .max_bytes = 1 << 20});
  c.begin("slow", t0);
  EXPECT_EQ(c.begin("other", t0 + 2s).state, Lookup::fresh);  // "slow" expired meanwhile
  c.complete("slow", "late reply", t0 + 2s);
  const auto f = c.begin("slow", t0 + 2500ms);
  ASSERT_EQ(f.state, Lookup::answered);
  EXPECT_EQ(*f.reply, "late reply");
}

TEST(ReplyCache, StaysBoundedUnderAFlood) {
  ReplyCache c({.ttl = 30s, .max_entries = 1000, .max_bytes = 1 << 20});
  for (int i = 0; i < 100000; ++i) {
    const auto k = std::to_string(i);
    c.begin(k, t0 + std::chrono::milliseconds(i));
    c.complete(k, std::string(100, 'x'), t0 + std::chrono::milliseconds(i));
  }
  EXPECT_LE(c.size(), 1000u);
  EXPECT_LE(c.bytes(), 1u << 20);
}

}  // namespace
}  // namespace imsbox::agw::ng
