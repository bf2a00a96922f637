// libFuzzer target for what the P-CSCF's media anchoring reads from the
// network (pcscf/): the AGW's ng answers (a whole datagram to the ng client,
// and the counts of a query answer), DTMF in SIP INFO bodies and P-RTP-Stat.
// The first byte picks the reader; the rest is its input.
//
// Besides "never crash, never hang, never leak" it checks properties: an
// answer the client takes is taken once (a repeat is ignored); a DTMF digit
// read is one the AGW accepts; a P-RTP-Stat read writes back to what reads
// the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ims/rtp_stat.h"
#include "pcscf/dtmf_info.h"
#include "pcscf/ng_client.h"
#include "pcscf/ng_commands.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/timer_queue.h"

namespace {

using namespace imsbox;

void ng_answer(std::string_view input) {
  static runtime::ManualClock clock;
  static runtime::Logger log("pcscf", runtime::LogLevel::error, "/dev/null", clock);
  runtime::TimerQueue timers(clock);
  int answers = 0;
  pcscf::NgClient client({}, [](std::string_view) { return true; }, timers, log, "f");
  client.request(pcscf::ng_query("c;orig"), "query", "c", [&](pcscf::NgAnswer a) {
    ++answers;
    if (const auto root = a.root()) {
      const auto media = pcscf::read_call_media(*root, "t1");
      (void)media;
    }
  });
  client.on_datagram(input);
  client.on_datagram(input);
  if (answers > 1) std::abort();
  // the counts reader on any decoded dictionary, whatever its result
  const auto answer = pcscf::NgAnswer::decode(input);
  if (const auto root = answer.root()) (void)pcscf::read_call_media(*root, "t1");
}

void dtmf(std::string_view input) {
  const auto nl = input.find('\n');
  const auto type = input.substr(0, nl);
  const auto body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  const auto d = pcscf::parse_dtmf_info(type, body);
  if (!d) return;
  const std::string_view digits = "0123456789*#ABCD";
  if (digits.find(d->digit) == std::string_view::npos) std::abort();
  if (d->duration_ms < 100 || d->duration_ms > 5000) std::abort();
}

void rtp_stat(std::string_view input) {
  const auto s = ims::parse_rtp_stat(input);
  if (!s) return;
  const auto again = ims::parse_rtp_stat(ims::format_rtp_stat(*s));
  if (!again || !(*again == *s)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: ng_answer(input); break;
    case 1: dtmf(input); break;
    case 2: rtp_stat(input); break;
  }
  return 0;
}
