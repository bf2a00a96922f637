#include "sbi/problem.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

namespace imsbox::sbi {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

std::string to_json(const ProblemDetails& p) {
  boost::json::object o;
  if (!p.type.empty()) o["type"] = p.type;
  o["title"] = p.title.empty() ? std::string(reason_phrase(p.status)) : p.title;
  o["status"] = p.status;
  if (!p.detail.empty()) o["detail"] = p.detail;
  if (!p.instance.empty()) o["instance"] = p.instance;
  if (!p.cause.empty()) o["cause"] = p.cause;
  return boost::json::serialize(o);
}

Response problem_response(const ProblemDetails& p) {
  Response r;
  r.status = p.status;
  r.headers.emplace_back("content-type", std::string(kContentTypeProblem));
  r.body = to_json(p);
  return r;
}

Response problem_response(int status, std::string_view cause, std::string_view detail) {
  ProblemDetails p;
  p.status = status;
  p.cause = std::string(cause);
  p.detail = std::string(detail);
  return problem_response(p);
}

std::optional<ProblemDetails> parse_problem(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* status = o.if_contains("status");
  if (!status || !status->is_int64()) return std::nullopt;
  ProblemDetails p;
  p.status = static_cast<int>(status->get_int64());
  const auto text = [&](std::string_view key, std::string& out) {
    if (const auto* m = o.if_contains(key); m && m->is_string()) out = std::string(m->get_string());
  };
  text("title", p.title);
  text("detail", p.detail);
  text("cause", p.cause);
  text("type", p.type);
  text("instance", p.instance);
  return p;
}

Response json_response(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", std::string(kContentTypeJson));
  r.body = boost::json::serialize(body);
  return r;
}

bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  std::string lower(type);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == kContentTypeJson || lower == kContentTypeProblem;
}

}  // namespace imsbox::sbi
