#pragma once
// The Cx procedures the HSS starts itself (TS 29.228 §6.1.3 network
// initiated de-registration by the HSS: RTR; §6.5.2.1 HSS initiated update
// of the user profile: PPR), driven by the store:
// * hss_profile_change (filled by triggers whenever provisioning changes a
//   subscriber's identities, service profile, iFCs or application servers):
//   each registered or unregistered implicit set of such a subscriber gets
//   a PPR with its new User-Data at the S-CSCF that holds it;
// * hss_deregistration_request (imsbox subscriber deregister): an RTR to
//   that S-CSCF; the HSS forgets the registration whatever the answer and
//   records the outcome in the request's row for the command to show.
//
// run() does one pass; the HSS calls it on a timer and right after its own
// provisioning API changed something. Requests go out through the
// functions given (the Diameter stack in the node, fakes in tests); answers
// come back on the same thread. Single-threaded, on the loop.
#include <cstdint>
#include <functional>
#include <string>

#include "diameter/diameter_stack.h"

namespace imsbox::runtime {
class Logger;
}
namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

struct CxPeers {
  template <class Request>
  using Send = std::function<void(Request, diameter::Destination,
                                  std::function<void(diameter::AnswerOrError<diameter::AnswerFor<Request>>)>)>;
  Send<diameter::PushProfileRequest> push_profile;
  Send<diameter::RegistrationTerminationRequest> terminate_registration;
};

class HssInitiated {
 public:
  HssInitiated(store::Database& db, CxPeers peers, std::function<std::int64_t()> now_unix, runtime::Logger& log);

  // Sends what the change log and the deregistration requests call for.
  // Returns the number of requests sent.
  std::size_t run();

 private:
  std::size_t push_profiles();
  std::size_t terminate_registrations();
  void finish_deregistration(std::int64_t id, const std::string& outcome);

  store::Database& db_;
  CxPeers peers_;
  std::function<std::int64_t()> now_;
  runtime::Logger& log_;
};

}  // namespace imsbox::hss
