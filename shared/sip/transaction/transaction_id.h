#pragma once
// Handles the TransactionLayer gives out. A handle is a number, never a
// pointer: using one after its transaction ended finds nothing and does
// nothing. Numbers are not reused during the life of a layer.
#include <compare>
#include <cstdint>
#include <functional>

namespace imsbox::sip::transaction {

struct ClientTransactionId {
  std::uint64_t value = 0;
  friend auto operator<=>(const ClientTransactionId&, const ClientTransactionId&) = default;
};

struct ServerTransactionId {
  std::uint64_t value = 0;
  friend auto operator<=>(const ServerTransactionId&, const ServerTransactionId&) = default;
};

}  // namespace imsbox::sip::transaction

template <>
struct std::hash<imsbox::sip::transaction::ClientTransactionId> {
  std::size_t operator()(const imsbox::sip::transaction::ClientTransactionId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};

template <>
struct std::hash<imsbox::sip::transaction::ServerTransactionId> {
  std::size_t operator()(const imsbox::sip::transaction::ServerTransactionId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
