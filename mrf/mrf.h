#pragma once
// Media resource function (TS 24.229 §5.8, issue 19): a SIP UAS on
// mrf.sip_port (UDP and TCP) serving announcements (RFC 4240 annc, also in
// early media), the echo test and IVR menus (mrf_service.h) on a
// MediaEngine (media_session.h).
#include <functional>
#include <memory>

#include "mrf/media_session.h"
#include "runtime/node_main.h"

namespace imsbox::sip::ua {
class UaStack;
}
namespace imsbox::runtime {
class TimerQueue;
}

namespace imsbox::mrf {

class MrfService;

// Makes the node's media engine once its SIP stack's timers exist. The
// default is the RTP engine of mrf/media/ (tests may give another).
using MediaEngineFactory = std::function<std::unique_ptr<MediaEngine>(runtime::NodeContext&, runtime::TimerQueue&)>;
MediaEngineFactory default_media_engine();

class Mrf final : public runtime::Node {
 public:
  explicit Mrf(runtime::NodeContext& ctx, MediaEngineFactory engine = default_media_engine());
  ~Mrf() override;
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
  MediaEngineFactory make_engine_;
  // destroyed in reverse: the stack (its UA tells nobody), the service (its
  // sessions cancel their timers), the engine, the timers
  std::unique_ptr<runtime::TimerQueue> timers_;
  std::unique_ptr<MediaEngine> engine_;
  std::unique_ptr<MrfService> service_;
  std::unique_ptr<sip::ua::UaStack> stack_;
};

}  // namespace imsbox::mrf
