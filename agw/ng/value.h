#pragma once
// The data model of an ng message (rtpengine's "NG" control protocol): the
// dictionary after the cookie, decoded from bencode or JSON into one tree.
//
// The tree is flat: a Document holds its nodes in one vector, in pre-order,
// each container followed by its subtree (a dictionary alternates key and
// value), so decoding a message makes one growing allocation, not one per
// value. Value is a cheap handle (pointer + index) to read it.
//
// Ownership: strings decoded from bencode are views into the bytes given to
// the decoder, so those bytes must outlive the Document and every Value taken
// from it. A JSON Document owns its strings (they were unescaped). Values stay
// valid when the Document is moved, not when it is destroyed.
//
// Threading: a Document is immutable once decoded; reading it from several
// threads is safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::agw::ng {

enum class ValueType : std::uint8_t {
  string,
  integer,
  list,
  dictionary,
  null,  // JSON null only; bencode has none
};

std::string_view to_string(ValueType type);

// What a decoder accepts at most. A message over a limit is refused whole.
struct DecodeLimits {
  std::size_t max_bytes = 65000;  // the dictionary's encoded size
  std::size_t max_depth = 16;     // nesting of lists/dictionaries (the root is depth 1)
  std::size_t max_values = 4096;  // strings, integers, lists, dictionaries, keys included
};

namespace detail {
struct Node {
  ValueType type;
  std::uint32_t end;    // index one past this node's subtree
  std::uint32_t count;  // children: list items, or dictionary entries (key + value = 1)
  std::int64_t integer;
  std::string_view text;  // string contents
};
}  // namespace detail

class Value;

// Iteration over a list's items or a dictionary's entries.
class ValueIterator;
struct DictEntry;
class DictIterator;

class Value {
 public:
  Value(const detail::Node* nodes, std::uint32_t index) : nodes_(nodes), index_(index) {}

  ValueType type() const { return node().type; }
  bool is_string() const { return type() == ValueType::string; }
  bool is_integer() const { return type() == ValueType::integer; }
  bool is_list() const { return type() == ValueType::list; }
  bool is_dictionary() const { return type() == ValueType::dictionary; }
  bool is_null() const { return type() == ValueType::null; }

  // The string's bytes; empty for other types.
  std::string_view str() const { return is_string() ? node().text : std::string_view{}; }
  // The integer; 0 for other types.
  std::int64_t integer() const { return is_integer() ? node().integer : 0; }
  // Items of a list, entries of a dictionary, 0 for scalars.
  std::size_t size() const { return node().count; }

  // Dictionary lookup by exact key. With a key given twice, the last one
  // counts (rtpengine reads entries in order, so later ones overwrite).
  std::optional<Value> get(std::string_view key) const;

  // for (Value item : list.items()) / for (auto [key, value] : dict.entries())
  struct ItemRange {
    const detail::Node* nodes;
    std::uint32_t first, last;
    ValueIterator begin() const;
    ValueIterator end() const;
  };
  struct EntryRange {
    const detail::Node* nodes;
    std::uint32_t first, last;
    DictIterator begin() const;
    DictIterator end() const;
  };
  ItemRange items() const;      // empty unless a list
  EntryRange entries() const;   // empty unless a dictionary

 private:
  const detail::Node& node() const { return nodes_[index_]; }
  const detail::Node* nodes_;
  std::uint32_t index_;
};

class ValueIterator {
 public:
  ValueIterator(const detail::Node* nodes, std::uint32_t at) : nodes_(nodes), at_(at) {}
  Value operator*() const { return Value(nodes_, at_); }
  ValueIterator& operator++() {
    at_ = nodes_[at_].end;
    return *this;
  }
  bool operator==(const ValueIterator& o) const { return at_ == o.at_; }

 private:
  const detail::Node* nodes_;
  std::uint32_t at_;
};

struct DictEntry {
  std::string_view key;
  Value value;
};

class DictIterator {
 public:
  DictIterator(const detail::Node* nodes, std::uint32_t at) : nodes_(nodes), at_(at) {}
  DictEntry operator*() const { return {nodes_[at_].text, Value(nodes_, at_ + 1)}; }
  DictIterator& operator++() {
    at_ = nodes_[at_ + 1].end;  // the key is a string: its value follows it
    return *this;
  }
  bool operator==(const DictIterator& o) const { return at_ == o.at_; }

 private:
  const detail::Node* nodes_;
  std::uint32_t at_;
};

// A decoded message. Build one with decode_bencode() or decode_json().
class Document {
 public:
  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;
  ~Document() = default;

  Value root() const { return Value(nodes_.data(), 0); }
  std::size_t value_count() const { return nodes_.size(); }

 private:
  friend class DocumentBuilder;
  Document() = default;
  std::vector<detail::Node> nodes_;
  // Unescaped JSON strings live here (std::string moves keep their heap
  // buffers, short strings are kept out by reserving: see json.cpp).
  std::shared_ptr<const void> storage_;
};

struct DecodeResult {
  std::optional<Document> document;
  std::string error;  // why not, when there is no document
};

// Decodes one bencode value (strings, integers i..e, lists l..e, dictionaries
// d..e) that must span `bytes` whole. Integers are canonical (no leading zero,
// no -0, within int64); dictionary keys are strings, in any order. Never
// throws on bad input.
DecodeResult decode_bencode(std::string_view bytes, const DecodeLimits& limits = {});

// Decodes a JSON text (RFC 8259) into the same model: objects are
// dictionaries, arrays lists, numbers integers (a number with a fraction or
// out of int64 is refused), true/false the integers 1/0 (as rtpengine reads
// them), null null. Never throws on bad input.
DecodeResult decode_json(std::string_view text, const DecodeLimits& limits = {});

}  // namespace imsbox::agw::ng
