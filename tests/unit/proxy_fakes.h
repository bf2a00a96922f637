#pragma once
// Test doubles for the services on the proxy core (the CSCFs): a parsed
// message, and a ProxyTsxHelper that records what the service did.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "sip/parser.h"
#include "sip/proxy/proxy_core.h"
#include "sip/response.h"

namespace imsbox::test {

// A log file of this test's own: ctest runs tests in parallel processes, so a
// fixed name would be written by two tests at once.
inline std::string test_log_path(std::string_view stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "/" + std::string(stem) + "-" + (info ? info->name() : "none") + "-" +
         std::to_string(::getpid()) + ".log";
}

// The message `text` is; a test failure when it is not well formed.
inline sip::Message parse(const std::string& text) {
  auto r = sip::parse_message(text);
  EXPECT_TRUE(r.well_formed()) << r.reason << "\n" << text;
  return std::move(*r.message);
}

// Holds one request (from `source`) and records the service's answers,
// targets, Record-Route wish and resumptions.
class FakeProxyHelper : public sip::proxy::ProxyTsxHelper {
 public:
  explicit FakeProxyHelper(const std::string& text, sip::Peer source = {})
      : request_(parse(text)), source_(source) {}
  sip::Message& request() override { return request_; }
  const sip::Peer& source() const override { return source_; }
  const sip::proxy::Interface& inbound() const override { return inbound_; }
  void respond(sip::Message response) override {
    statuses.push_back(response.status());
    reasons.emplace_back(response.reason());
    responses.push_back(std::move(response));
  }
  void respond(int status, std::string_view reason) override {
    respond(sip::make_response(request_, status, reason, "t"));
  }
  void add_target(sip::proxy::Target target) override { targets.push_back(std::move(target)); }
  void record_route(std::string_view user = {}) override {
    record_routed = true;
    record_route_user = std::string(user);
  }
  void resume(sip::proxy::Verdict verdict) override { resumed.push_back(verdict); }
  void cancel_branch() override { ++branches_cancelled; }
  void resume_response() override { ++responses_resumed; }

  // The status of the last response, 0 when none.
  int status() const { return responses.empty() ? 0 : responses.back().status(); }
  // The values of a header field of the last response.
  std::vector<std::string> values(sip::HeaderId id) const {
    std::vector<std::string> out;
    for (const auto& f : responses.back().headers()) {
      if (f.id == id) out.emplace_back(f.value);
    }
    return out;
  }

  std::vector<sip::Message> responses;
  std::vector<int> statuses;
  std::vector<std::string> reasons;
  std::vector<sip::proxy::Target> targets;
  std::vector<sip::proxy::Verdict> resumed;
  int responses_resumed = 0;  // resume_response() calls (a held response let go)
  int branches_cancelled = 0;  // cancel_branch() calls
  bool record_routed = false;
  std::string record_route_user;  // the user part asked for with record_route()

 private:
  sip::Message request_;
  sip::Peer source_;
  sip::proxy::Interface inbound_;
};

}  // namespace imsbox::test
