#pragma once
// What the HSS answers on Cx (TS 29.228 §6.1-§6.3, results as TS 29.229
// §6.2): user authorization (UAR), multimedia authentication (MAR), server
// assignment (SAR) and location information (LIR), over the store. The
// Diameter edge (hss.cpp) decodes requests into these values and sends the
// answers; this class does no I/O besides the store (a local SQLite file),
// so it is tested without a network.
//
// Each call runs on the caller's thread and commits its own writes. A store
// failure becomes DIAMETER_UNABLE_TO_COMPLY (5012) and a log line; nothing
// propagates. No secret (K, OPc, CK, IK, XRES, HA1) is ever logged.
#include <cstdint>
#include <functional>
#include <string>

#include "diameter/cx_messages.h"
#include "hss/authentication_centre.h"

namespace imsbox::runtime {
class Logger;
}
namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

class CxService {
 public:
  struct Options {
    std::uint32_t max_auth_items = 5;  // hss.max_auth_items
  };

  CxService(store::Database& db, AuthenticationCentre& auc, Options options, std::function<std::int64_t()> now_unix,
            runtime::Logger& log);

  diameter::UserAuthorizationAnswer user_authorization(const diameter::UserAuthorizationRequest& uar);
  diameter::MultimediaAuthAnswer multimedia_auth(const diameter::MultimediaAuthRequest& mar);
  diameter::ServerAssignmentAnswer server_assignment(const diameter::ServerAssignmentRequest& sar);
  diameter::LocationInfoAnswer location_info(const diameter::LocationInfoRequest& lir);

 private:
  diameter::UserAuthorizationAnswer uar(const diameter::UserAuthorizationRequest& r);
  diameter::MultimediaAuthAnswer mar(const diameter::MultimediaAuthRequest& r);
  diameter::ServerAssignmentAnswer sar(const diameter::ServerAssignmentRequest& r);
  diameter::LocationInfoAnswer lir(const diameter::LocationInfoRequest& r);

  store::Database& db_;
  AuthenticationCentre& auc_;
  Options options_;
  std::function<std::int64_t()> now_;
  runtime::Logger& log_;
};

}  // namespace imsbox::hss
