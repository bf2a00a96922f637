#include "sdp/session_description.h"

#include <algorithm>

#include "sdp/grammar.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::sdp {

using grammar::iequals;

const Attribute* Attributes::find(std::string_view name) const {
  for (const auto& a : items_) {
    if (iequals(a.name, name)) return &a;
  }
  return nullptr;
}

std::optional<std::string_view> Attributes::value(std::string_view name) const {
  const Attribute* a = find(name);
  if (a == nullptr) return std::nullopt;
  return a->value ? std::string_view(*a->value) : std::string_view{};
}

std::vector<std::string_view> Attributes::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& a : items_) {
    if (iequals(a.name, name)) out.emplace_back(a.value ? std::string_view(*a.value) : std::string_view{});
  }
  return out;
}

std::size_t Attributes::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [&](const Attribute& a) { return iequals(a.name, name); }));
}

void Attributes::add(std::string name, std::optional<std::string> value) {
  items_.push_back(Attribute{std::move(name), std::move(value)});
}

void Attributes::insert(std::size_t pos, Attribute attribute) {
  items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(std::min(pos, items_.size())), std::move(attribute));
}

void Attributes::set(std::string_view name, std::optional<std::string> value) {
  const std::size_t first = index_of(name);
  if (first == npos) {
    add(std::string(name), std::move(value));
    return;
  }
  items_[first].value = std::move(value);
  for (std::size_t i = items_.size(); i-- > first + 1;) {
    if (iequals(items_[i].name, name)) items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

std::size_t Attributes::remove(std::string_view name) {
  return remove_if([&](const Attribute& a) { return iequals(a.name, name); });
}

std::size_t Attributes::index_of(std::string_view name, std::size_t from) const {
  for (std::size_t i = from; i < items_.size(); ++i) {
    if (iequals(items_[i].name, name)) return i;
  }
  return npos;
}

void increment_version(Origin& origin) {
  std::string& v = origin.session_version;
  for (std::size_t i = v.size(); i-- > 0;) {
    if (v[i] < '9') {
      ++v[i];
      return;
    }
    v[i] = '0';
  }
  v.insert(v.begin(), '1');
}

const Connection* connection_of(const SessionDescription& session, const MediaDescription& media) {
  if (!media.connections.empty()) return &media.connections.front();
  return session.connection ? &*session.connection : nullptr;
}

std::optional<std::string_view> attribute_value(const SessionDescription& session, const MediaDescription& media,
                                                std::string_view name) {
  if (auto v = media.attributes.value(name)) return v;
  return session.attributes.value(name);
}

bool writable(const SessionDescription& d) {
  const auto again = parse(write(d));
  return again.ok() && *again.description == d;
}

}  // namespace imsbox::sdp
