#include "agw/agw.h"

#include <string>

#include "agw/ng/ng_server.h"
#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::agw {

namespace {

std::string joined(const auto& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + std::string(i);
  return out;
}

// The control protocol's answers until the media plane exists: honest ones.
ng::NgReply control_reply(const ng::NgRequest& r, runtime::Logger& log) {
  if (r.command == ng::Command::ping) return ng::NgReply::pong();
  log.log(runtime::LogLevel::info,
          "ng " + std::string(ng::to_string(r.command)) + ": call-id " + r.call_id + ", from-tag " + r.from_tag +
              (r.to_tag.empty() ? "" : ", to-tag " + r.to_tag) +
              (r.via_branch.empty() ? "" : ", via-branch " + r.via_branch) + ", " + std::to_string(r.sdp.size()) +
              " bytes of SDP, flags [" + joined(r.flags) + "], replace [" + joined(r.replace) + "], ICE [" +
              joined(r.ice) + "], rtcp-mux [" + joined(r.rtcp_mux) + "]" +
              (r.transport_protocol.empty() ? "" : ", transport-protocol " + r.transport_protocol) +
              ": not implemented yet",
          r.call_id);
  return ng::NgReply::error("not implemented yet");
}

}  // namespace

Agw::Agw(runtime::NodeContext& ctx) : ctx_(ctx) {}

Agw::~Agw() = default;

void Agw::start() {
  ng::NgServer::Options options;
  options.port = ctx_.config.port("agw.ng_port");
  ng_ = std::make_unique<ng::NgServer>(
      ctx_.io, options,
      ng::NgServer::synchronous([this](const ng::NgRequest& r) { return control_reply(r, ctx_.log); }), ctx_.log,
      ctx_.metrics, ctx_.clock);
  ng_->start();
  ctx_.log.info("Agw ready for domain " + std::string(ctx_.config.domain()));
}

void Agw::stop() {
  ctx_.log.info("Agw stopping");
  if (ng_) ng_->stop();
}

}  // namespace imsbox::agw
