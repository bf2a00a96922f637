#include "sip/transaction/ack.h"

#include "sip/transaction/hop_request.h"

namespace imsbox::sip::transaction {

Message make_ack(const Message& invite, const Message& response) {
  const auto* to = response.find(HeaderId::to);
  const auto* invite_to = invite.find(HeaderId::to);
  const std::string_view to_value = to ? to->value : (invite_to ? invite_to->value : std::string_view());
  return detail::hop_request(invite, "ACK", to_value);
}

}  // namespace imsbox::sip::transaction
