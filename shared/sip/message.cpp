#include "sip/message.h"

#include <algorithm>

#include "sip/text.h"

namespace imsbox::sip {

Message Message::request(std::string method, std::string request_uri) {
  Message m;
  m.method_ = m.own(std::move(method));
  m.request_uri_ = m.own(std::move(request_uri));
  return m;
}

Message Message::response(int status, std::string reason) {
  Message m;
  m.status_ = status;
  m.reason_ = m.own(std::move(reason));
  return m;
}

Message Message::clone() const {
  Message c;
  if (bytes_) c.bytes_ = std::make_unique<std::string>(*bytes_);
  // A view points into the received bytes, into a string this message owns,
  // or at static text (canonical header names): rebase the first two.
  const auto rebase = [&](std::string_view v) -> std::string_view {
    if (v.data() == nullptr) return v;
    if (bytes_ && v.data() >= bytes_->data() && v.data() <= bytes_->data() + bytes_->size()) {
      return std::string_view(c.bytes_->data() + (v.data() - bytes_->data()), v.size());
    }
    for (const auto& o : owned_) {
      if (v.data() >= o->data() && v.data() <= o->data() + o->size()) return c.own(std::string(v));
    }
    return v;
  };
  c.method_ = rebase(method_);
  c.request_uri_ = rebase(request_uri_);
  c.reason_ = rebase(reason_);
  c.version_ = rebase(version_);
  c.status_ = status_;
  c.body_ = rebase(body_);
  c.headers_.reserve(headers_.size());
  for (const auto& h : headers_) c.headers_.push_back(HeaderField{h.id, rebase(h.name), rebase(h.value), rebase(h.raw)});
  return c;
}

std::string_view Message::own(std::string s) {
  owned_.push_back(std::make_unique<std::string>(std::move(s)));
  return *owned_.back();
}

const HeaderField* Message::find(HeaderId id) const {
  for (const auto& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

const HeaderField* Message::find(std::string_view name) const {
  const HeaderId id = header_id(name);
  if (id != HeaderId::other) return find(id);
  for (const auto& h : headers_) {
    if (h.id == HeaderId::other && text::iequals(text::trim(h.name), name)) return &h;
  }
  return nullptr;
}

std::size_t Message::count(HeaderId id) const {
  return static_cast<std::size_t>(
      std::count_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; }));
}

std::vector<Via> Message::vias() const {
  std::vector<Via> out;
  for (const auto& h : headers_) {
    if (h.id != HeaderId::via) continue;
    auto list = parse_via_list(h.value);
    for (auto& v : list.value) out.push_back(std::move(v));
  }
  return out;
}

const Via* Message::top_via() const {
  if (top_via_known_) return top_via_ ? &*top_via_ : nullptr;
  top_via_known_ = true;
  top_via_.reset();
  const auto* h = find(HeaderId::via);
  if (!h) return nullptr;
  // the first element: up to a comma outside quoted strings
  std::size_t end = 0;
  bool quoted = false;
  for (; end < h->value.size(); ++end) {
    const char c = h->value[end];
    if (quoted) {
      if (c == '\\') ++end;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      break;
    }
  }
  auto via = parse_via(h->value.substr(0, end));
  if (!via) return nullptr;
  top_via_ = std::move(via.value);
  return &*top_via_;
}

NameAddr Message::from() const {
  const auto* h = find(HeaderId::from);
  return h ? parse_name_addr(h->value).value : NameAddr{};
}

NameAddr Message::to() const {
  const auto* h = find(HeaderId::to);
  return h ? parse_name_addr(h->value).value : NameAddr{};
}

std::string_view Message::call_id() const {
  const auto* h = find(HeaderId::call_id);
  return h ? h->value : std::string_view();
}

CSeq Message::cseq() const {
  const auto* h = find(HeaderId::cseq);
  return h ? parse_cseq(h->value).value : CSeq{};
}

std::optional<std::uint32_t> Message::max_forwards() const {
  const auto* h = find(HeaderId::max_forwards);
  if (!h) return std::nullopt;
  const auto n = parse_number(h->value, 255);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(n.value);
}

void Message::set_request_uri(std::string uri) { request_uri_ = own(std::move(uri)); }

void Message::prepend(HeaderId id, std::string value) {
  touched(id);
  const auto it = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  headers_.insert(it == headers_.end() ? headers_.begin() : it, HeaderField{id, header_name(id), own(std::move(value)), {}});
}

void Message::append(HeaderId id, std::string value) {
  touched(id);
  headers_.push_back(HeaderField{id, header_name(id), own(std::move(value)), {}});
}

void Message::append(std::string name, std::string value) {
  const auto n = own(std::move(name));
  touched(header_id(n));
  headers_.push_back(HeaderField{header_id(n), n, own(std::move(value)), {}});
}

bool Message::remove_first_value(HeaderId id) {
  touched(id);
  const auto it = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  if (it == headers_.end()) return false;
  const auto parts = split_list(it->value);
  if (!parts || parts.value.size() <= 1) {
    headers_.erase(it);
    return true;
  }
  // keep the rest of the list, from the second element on
  const auto second = parts.value[1];
  it->value = own(std::string(it->value.substr(static_cast<std::size_t>(second.data() - it->value.data()))));
  it->raw = {};
  return true;
}

bool Message::remove_last_value(HeaderId id) {
  touched(id);
  const auto it = std::find_if(headers_.rbegin(), headers_.rend(), [id](const HeaderField& h) { return h.id == id; });
  if (it == headers_.rend()) return false;
  const auto parts = split_list(it->value);
  if (!parts || parts.value.size() <= 1) {
    headers_.erase(std::next(it).base());
    return true;
  }
  const auto& prev = parts.value[parts.value.size() - 2];
  it->value = own(std::string(it->value.substr(0, static_cast<std::size_t>(prev.data() + prev.size() - it->value.data()))));
  it->raw = {};
  return true;
}

std::size_t Message::remove_all(HeaderId id) {
  touched(id);
  const auto before = headers_.size();
  std::erase_if(headers_, [id](const HeaderField& h) { return h.id == id; });
  return before - headers_.size();
}

std::size_t Message::remove_all(std::string_view name) {
  const HeaderId id = header_id(name);
  if (id != HeaderId::other) return remove_all(id);
  const auto before = headers_.size();
  std::erase_if(headers_,
                [name](const HeaderField& h) { return h.id == HeaderId::other && text::iequals(text::trim(h.name), name); });
  return before - headers_.size();
}

void Message::set(HeaderId id, std::string value) {
  touched(id);
  const auto it = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  if (it == headers_.end()) {
    append(id, std::move(value));
    return;
  }
  it->value = own(std::move(value));
  it->raw = {};
  it->name = header_name(id);
}

void Message::set_body(std::string body, std::string_view content_type) {
  body_ = own(std::move(body));
  remove_all(HeaderId::content_type);
  if (!body_.empty()) append(HeaderId::content_type, std::string(content_type));
}

std::string Message::serialize() const {
  std::string out;
  out.reserve((bytes_ ? bytes_->size() : 512) + 64);
  if (is_request()) {
    out.append(method_).append(" ").append(request_uri_).append(" SIP/2.0\r\n");
  } else {
    out.append("SIP/2.0 ").append(std::to_string(status_)).append(" ").append(reason_).append("\r\n");
  }
  for (const auto& h : headers_) {
    if (h.id == HeaderId::content_length) continue;
    if (!h.raw.empty()) {
      out.append(h.raw);
    } else {
      out.append(h.name).append(": ").append(h.value);
    }
    out.append("\r\n");
  }
  out.append("Content-Length: ").append(std::to_string(body_.size())).append("\r\n\r\n");
  out.append(body_);
  return out;
}

}  // namespace imsbox::sip
