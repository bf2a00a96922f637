#pragma once
// A transaction that answers its request at once with a final response: for
// a service that knows from the request alone that it refuses it (a source
// outside its trust domain, an identifier not its own).
#include <memory>
#include <string>
#include <utility>

#include "sip/proxy/proxy_core.h"

namespace imsbox::sip::proxy {

class RefusalTsx final : public ProxyTsx {
 public:
  RefusalTsx(int status, std::string reason) : status_(status), reason_(std::move(reason)) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    helper.respond(status_, reason_);
    return Verdict::done;
  }

 private:
  int status_;
  std::string reason_;
};

inline std::unique_ptr<ProxyTsx> refusal(int status, std::string reason) {
  return std::make_unique<RefusalTsx>(status, std::move(reason));
}

}  // namespace imsbox::sip::proxy
