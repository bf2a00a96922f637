#pragma once
// A proxy transaction that asks something (the HSS, over Cx) before it
// decides: the answer may come within the call (a test's fake, a cached
// answer) or later, when the verdict goes to the core by resume().
#include <optional>

#include "sip/proxy/proxy_core.h"

namespace imsbox::sip::proxy {

class AskingTsx : public ProxyTsx {
 protected:
  // `send_request(conclude)` sends the question; its answer calls
  // conclude(act), act() giving the verdict. Returns the verdict for
  // on_request(): the one act() gave at once, or Verdict::wait.
  template <class Send>
  Verdict ask(ProxyTsxHelper& helper, Send send_request) {
    in_request_ = true;
    sync_verdict_.reset();
    send_request([this, &helper](auto act) {
      const auto verdict = act();
      if (in_request_) {
        sync_verdict_ = verdict;
      } else {
        helper.resume(verdict);
      }
    });
    in_request_ = false;
    return sync_verdict_ ? *sync_verdict_ : Verdict::wait;
  }

 private:
  bool in_request_ = false;
  std::optional<Verdict> sync_verdict_;
};

}  // namespace imsbox::sip::proxy
