#include "sbi/message.h"
#include "runtime/ascii.h"

#include <algorithm>

namespace imsbox::sbi {

namespace {

using ascii::iequals;

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  const auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

std::optional<std::string_view> Request::query_value(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

Responder::Responder(Sink sink) : state_(std::make_shared<State>(State{std::move(sink), false})) {}

void Responder::send(Response response) const {
  if (!state_ || state_->sent) return;
  state_->sent = true;
  // Release the sink (and what it captures) once used, even if copies of
  // this Responder live on in some forgotten callback.
  Sink sink = std::move(state_->sink);
  state_->sink = nullptr;
  if (sink) sink(std::move(response));
}

bool Responder::pending() const { return state_ && !state_->sent; }

}  // namespace imsbox::sbi
