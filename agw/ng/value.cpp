#include "agw/ng/value.h"

#include "agw/ng/document_builder.h"

namespace imsbox::agw::ng {

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::string: return "string";
    case ValueType::integer: return "integer";
    case ValueType::list: return "list";
    case ValueType::dictionary: return "dictionary";
    case ValueType::null: return "null";
  }
  return "?";
}

std::optional<Value> Value::get(std::string_view key) const {
  std::optional<Value> found;
  for (const auto& [k, v] : entries()) {
    if (k == key) found = v;
  }
  return found;
}

Value::ItemRange Value::items() const {
  if (!is_list()) return {nodes_, index_, index_};
  return {nodes_, index_ + 1, node().end};
}

Value::EntryRange Value::entries() const {
  if (!is_dictionary()) return {nodes_, index_, index_};
  return {nodes_, index_ + 1, node().end};
}

ValueIterator Value::ItemRange::begin() const { return {nodes, first}; }
ValueIterator Value::ItemRange::end() const { return {nodes, last}; }
DictIterator Value::EntryRange::begin() const { return {nodes, first}; }
DictIterator Value::EntryRange::end() const { return {nodes, last}; }

bool DocumentBuilder::add(const detail::Node& n) {
  if (nodes_.size() >= limits_.max_values) {
    return fail("more than " + std::to_string(limits_.max_values) + " values");
  }
  if (!open_.empty()) ++nodes_[open_.back()].count;
  nodes_.push_back(n);
  nodes_.back().end = static_cast<std::uint32_t>(nodes_.size());
  return true;
}

bool DocumentBuilder::open(ValueType container) {
  if (open_.size() + 1 > limits_.max_depth) {
    return fail("nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  if (!add({container, 0, 0, 0, {}})) return false;
  open_.push_back(static_cast<std::uint32_t>(nodes_.size() - 1));
  return true;
}

void DocumentBuilder::close() {
  auto& n = nodes_[open_.back()];
  n.end = static_cast<std::uint32_t>(nodes_.size());
  if (n.type == ValueType::dictionary) n.count /= 2;  // keys and values were both counted
  open_.pop_back();
}

Document DocumentBuilder::finish(std::shared_ptr<const void> storage) {
  Document d;
  d.nodes_ = std::move(nodes_);
  d.storage_ = std::move(storage);
  return d;
}

}  // namespace imsbox::agw::ng
