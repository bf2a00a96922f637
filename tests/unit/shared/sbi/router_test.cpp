// Router, percent-decoding, query parsing, problem details and the
// Responder: the pure parts of the SBI layer.
#include "sbi/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "sbi/problem.h"

namespace imsbox::sbi {
namespace {

Handler tagged(std::string* last, std::string tag) {
  return [last, tag](Request, Responder) { *last = tag; };
}

void call(const Router::Match& m) {
  ASSERT_TRUE(m.handler);
  (*m.handler)(Request{}, Responder());
}

TEST(SbiRouter, MatchesTemplatesWithParams) {
  Router r;
  std::string last;
  r.add("GET", "/nhss-ims-uecm/v1/{imsUeId}/registrations", tagged(&last, "get-regs"));
  r.add("PUT", "/nhss-ims-uecm/v1/{imsUeId}/registrations", tagged(&last, "put-regs"));
  r.add("GET", "/nhss-ims-sdm/v2/{imsUeId}/profile-data/{dataset}", tagged(&last, "profile"));

  auto m = r.match("GET", "/nhss-ims-uecm/v1/sip%3Aalice%40ims.example.org/registrations");
  ASSERT_EQ(m.outcome, Router::Match::Outcome::found);
  call(m);
  EXPECT_EQ(last, "get-regs");
  EXPECT_EQ(m.params.at("imsUeId"), "sip:alice@ims.example.org");

  m = r.match("PUT", "/nhss-ims-uecm/v1/x/registrations");
  ASSERT_EQ(m.outcome, Router::Match::Outcome::found);
  call(m);
  EXPECT_EQ(last, "put-regs");

  m = r.match("GET", "/nhss-ims-sdm/v2/tel%2B1234/profile-data/ifcs");
  ASSERT_EQ(m.outcome, Router::Match::Outcome::found);
  EXPECT_EQ(m.params.at("imsUeId"), "tel+1234");
  EXPECT_EQ(m.params.at("dataset"), "ifcs");
}

TEST(SbiRouter, NotFoundAndMethodNotAllowed) {
  Router r;
  std::string last;
  r.add("GET", "/a/{x}", tagged(&last, "g"));
  r.add("PUT", "/a/{x}", tagged(&last, "p"));
  r.add("DELETE", "/a/{x}", tagged(&last, "d"));

  EXPECT_EQ(r.match("GET", "/a").outcome, Router::Match::Outcome::not_found);
  EXPECT_EQ(r.match("GET", "/a/b/c").outcome, Router::Match::Outcome::not_found);
  EXPECT_EQ(r.match("GET", "/a/").outcome, Router::Match::Outcome::not_found);  // a param is never empty
  EXPECT_EQ(r.match("GET", "*").outcome, Router::Match::Outcome::not_found);
  EXPECT_EQ(r.match("GET", "").outcome, Router::Match::Outcome::not_found);

  const auto m = r.match("POST", "/a/b");
  EXPECT_EQ(m.outcome, Router::Match::Outcome::method_not_allowed);
  EXPECT_EQ(m.allow, "DELETE, GET, PUT");
  EXPECT_FALSE(m.handler);

  EXPECT_EQ(r.match("GET", "/a/%zz").outcome, Router::Match::Outcome::bad_path);
  EXPECT_EQ(r.match("GET", "/a/%4").outcome, Router::Match::Outcome::bad_path);
}

TEST(SbiRouter, LiteralBeatsParamAndMethodFallsBack) {
  Router r;
  std::string last;
  r.add("GET", "/a/{x}/c", tagged(&last, "param"));
  r.add("GET", "/a/b/c", tagged(&last, "literal"));
  r.add("PUT", "/a/b/{y}", tagged(&last, "put-b"));

  call(r.match("GET", "/a/b/c"));
  EXPECT_EQ(last, "literal");
  call(r.match("GET", "/a/z/c"));
  EXPECT_EQ(last, "param");
  // /a/b/{y} is the only PUT: found though /a/b/c is more specific for GET
  call(r.match("PUT", "/a/b/c"));
  EXPECT_EQ(last, "put-b");
  const auto m = r.match("DELETE", "/a/b/c");
  EXPECT_EQ(m.outcome, Router::Match::Outcome::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, PUT");
}

TEST(SbiRouter, RejectsBadTemplates) {
  Router r;
  const auto h = [](Request, Responder) {};
  EXPECT_THROW(r.add("", "/a", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "a/b", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{}", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{x", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/x{y}", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{x}/{x}", h), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a", Handler()), std::invalid_argument);
  r.add("GET", "/a/{x}", h);
  EXPECT_THROW(r.add("GET", "/a/{y}", h), std::invalid_argument);  // same shape
  r.add("PUT", "/a/{y}", h);                                       // another method is fine
  EXPECT_EQ(r.size(), 2u);
}

TEST(SbiRouter, PercentDecodingAndQuery) {
  EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(percent_decode("100%"), std::nullopt);
  EXPECT_EQ(percent_decode("%g0"), std::nullopt);
  EXPECT_EQ(percent_decode("+"), "+");

  const auto q = parse_query("supported-features=1a&dataset-names=IMS_PROFILE%2CIFCS&&flag&e=");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"supported-features", "1a"}));
  EXPECT_EQ((*q)[1].second, "IMS_PROFILE,IFCS");
  EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ((*q)[3], (std::pair<std::string, std::string>{"e", ""}));
  EXPECT_FALSE(parse_query("a=%"));
  EXPECT_TRUE(parse_query("")->empty());
}

TEST(SbiRequest, Lookups) {
  Request req;
  req.params.emplace("imsUeId", "x");
  req.query = {{"a", "1"}, {"a", "2"}};
  req.headers = {{"content-type", "application/json"}};
  EXPECT_EQ(req.param("imsUeId"), "x");
  EXPECT_EQ(req.param("nope"), "");
  EXPECT_EQ(req.query_value("a"), "1");
  EXPECT_EQ(req.query_value("b"), std::nullopt);
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(req.header("accept"), std::nullopt);
}

TEST(SbiResponder, SendsOnceAndCopiesShareState) {
  int calls = 0;
  int status = 0;
  Responder a([&](Response&& r) {
    ++calls;
    status = r.status;
  });
  Responder b = a;
  EXPECT_TRUE(a.pending());
  b.send(Response{204, {}, {}});
  a.send(Response{500, {}, {}});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(status, 204);
  EXPECT_FALSE(a.pending());
  EXPECT_FALSE(b.pending());
  Responder inert;
  inert.send(Response{});  // nothing happens
  EXPECT_FALSE(inert.pending());
}

TEST(SbiProblem, BuildsAndParsesProblemDetails) {
  const auto r = problem_response(404, cause::resource_uri_structure_not_found, "no such user");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  const auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("status").as_int64(), 404);
  EXPECT_EQ(v.at("title").as_string(), "Not Found");
  EXPECT_EQ(v.at("detail").as_string(), "no such user");
  EXPECT_EQ(v.at("cause").as_string(), "RESOURCE_URI_STRUCTURE_NOT_FOUND");
  EXPECT_EQ(v.as_object().if_contains("type"), nullptr);

  const auto p = parse_problem(r.body);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 404);
  EXPECT_EQ(p->cause, "RESOURCE_URI_STRUCTURE_NOT_FOUND");
  EXPECT_FALSE(parse_problem("not json"));
  EXPECT_FALSE(parse_problem("[1]"));
  EXPECT_FALSE(parse_problem(R"({"title":"x"})"));

  // detail with characters that need escaping stays valid JSON
  const auto q = problem_response(400, cause::mandatory_ie_incorrect, "bad \"imsUeId\"\n");
  EXPECT_EQ(boost::json::parse(q.body).at("detail").as_string(), "bad \"imsUeId\"\n");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(599), "Unknown");
}

TEST(SbiProblem, JsonResponseAndContentTypes) {
  boost::json::object o;
  o["imsUeId"] = "sip:alice@ims.example.org";
  const auto r = json_response(200, o);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(boost::json::parse(r.body).at("imsUeId").as_string(), "sip:alice@ims.example.org");
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/problem+json"));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type(""));
}

}  // namespace
}  // namespace imsbox::sbi
