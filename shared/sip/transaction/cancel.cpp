#include "sip/transaction/cancel.h"

#include "sip/transaction/hop_request.h"

namespace imsbox::sip::transaction {

Message make_cancel(const Message& request) {
  const auto* to = request.find(HeaderId::to);
  return detail::hop_request(request, "CANCEL", to ? to->value : std::string_view());
}

}  // namespace imsbox::sip::transaction
