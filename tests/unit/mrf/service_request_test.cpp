#include "mrf/service_request.h"

#include <gtest/gtest.h>

namespace imsbox::mrf {
namespace {

using namespace std::chrono_literals;

ServiceRequest ok(std::string_view uri) {
  auto r = parse_service_request(uri);
  EXPECT_TRUE(std::holds_alternative<ServiceRequest>(r)) << uri << ": " << std::get<ServiceRefusal>(r).reason;
  return std::holds_alternative<ServiceRequest>(r) ? std::get<ServiceRequest>(r) : ServiceRequest{};
}

ServiceRefusal refused(std::string_view uri) {
  auto r = parse_service_request(uri);
  EXPECT_TRUE(std::holds_alternative<ServiceRefusal>(r)) << uri;
  return std::holds_alternative<ServiceRefusal>(r) ? std::get<ServiceRefusal>(r) : ServiceRefusal{0, ""};
}

TEST(ServiceRequest, AnnouncementWithRfc4240Parameters) {
  const auto r = ok("sip:annc@mrf.ims.test;play=busy;repeat=3;delay=500;duration=20000;locale=en_US");
  EXPECT_EQ(r.service, Service::annc);
  EXPECT_EQ(r.announcement.prompt, "busy");
  EXPECT_EQ(r.announcement.repeat, 3);
  EXPECT_EQ(r.announcement.delay, 500ms);
  EXPECT_EQ(r.announcement.duration, 20000ms);
  EXPECT_FALSE(r.early_status);
  const auto d = ok("sip:annc@mrf.ims.test;play=welcome");
  EXPECT_EQ(d.announcement.repeat, 1);
  EXPECT_EQ(d.announcement.delay, 0ms);
  EXPECT_FALSE(d.announcement.duration);
  EXPECT_EQ(ok("sip:ANNC@mrf.ims.test;play=welcome;repeat=forever").announcement.repeat, 0);
}

TEST(ServiceRequest, PlayTakesAUrlByItsBaseName) {
  EXPECT_EQ(ok("sip:annc@mrf.ims.test;play=file:///var/prompts/busy.wav").announcement.prompt, "busy");
  EXPECT_EQ(ok("sip:annc@mrf.ims.test;play=http://media.example/en/not-reachable.wav").announcement.prompt,
            "not-reachable");
  EXPECT_EQ(ok("sip:annc@mrf.ims.test;play=file%3A%2F%2F%2Fp%2Fbarred.wav").announcement.prompt, "barred");
  EXPECT_EQ(prompt_name_of("busy.16k.wav"), "busy");
  EXPECT_EQ(prompt_name_of("file:///x/"), "");
}

TEST(ServiceRequest, EarlyMediaNamesTheFinalStatus) {
  const auto r = ok("sip:annc@mrf.ims.test;play=barred;early=603");
  EXPECT_EQ(r.early_status, 603);
  EXPECT_EQ(refused("sip:annc@mrf.ims.test;play=barred;early=200").status, 400);
  EXPECT_EQ(refused("sip:annc@mrf.ims.test;play=barred;early=x").status, 400);
  EXPECT_EQ(refused("sip:echo@mrf.ims.test;early=480").status, 400);
}

TEST(ServiceRequest, EchoAndIvr) {
  EXPECT_EQ(ok("sip:echo@mrf.ims.test").service, Service::echo);
  const auto r = ok("sip:ivr@mrf.ims.test;menu=main");
  EXPECT_EQ(r.service, Service::ivr);
  EXPECT_EQ(r.menu, "main");
  EXPECT_EQ(refused("sip:ivr@mrf.ims.test").status, 400);
}

TEST(ServiceRequest, BadRequests) {
  const auto missing = refused("sip:annc@mrf.ims.test");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.reason.find("play"), std::string::npos);
  EXPECT_EQ(refused("sip:annc@mrf.ims.test;play=busy;repeat=0").status, 400);
  EXPECT_EQ(refused("sip:annc@mrf.ims.test;play=busy;delay=-1").status, 400);
  EXPECT_EQ(refused("sip:annc@mrf.ims.test;play=busy;duration=abc").status, 400);
  EXPECT_EQ(refused("sip:conference@mrf.ims.test").status, 404);
  EXPECT_EQ(refused("sip:mrf.ims.test").status, 404);
  EXPECT_EQ(refused("tel:+15550100").status, 404);
  EXPECT_EQ(refused("not a uri").status, 404);
}

}  // namespace
}  // namespace imsbox::mrf
