// Typed ng requests: keys, their value forms, flags, and the refusals.
#include <gtest/gtest.h>

#include <string>

#include "agw/ng/request.h"

namespace imsbox::agw::ng {
namespace {

ParsedRequest parse_json(const std::string& text) {
  const auto d = decode_json(text);
  EXPECT_TRUE(d.document) << d.error;
  if (!d.document) return {};
  return parse_request(d.document->root());
}

ParsedRequest parse_bencode(const std::string& bytes) {
  const auto d = decode_bencode(bytes);
  EXPECT_TRUE(d.document) << d.error;
  if (!d.document) return {};
  return parse_request(d.document->root());
}

using Strings = std::vector<std::string>;

TEST(Request, Commands) {
  EXPECT_EQ(parse_command("ping"), Command::ping);
  EXPECT_EQ(parse_command("delete"), Command::delete_);
  EXPECT_EQ(parse_command("play media"), Command::play_media);
  EXPECT_EQ(parse_command("stop media"), Command::stop_media);
  EXPECT_EQ(parse_command("play DTMF"), Command::play_dtmf);
  EXPECT_FALSE(parse_command("Ping"));
  EXPECT_FALSE(parse_command("start recording"));
  for (const auto c : {Command::ping, Command::offer, Command::answer, Command::delete_, Command::query,
                       Command::play_media, Command::stop_media, Command::play_dtmf}) {
    EXPECT_EQ(parse_command(to_string(c)), c);
  }
}

TEST(Request, Ping) {
  const auto p = parse_bencode("d7:command4:pinge");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->command, Command::ping);
}

TEST(Request, OfferWithEveryKeyOfOurs) {
  const auto p = parse_json(R"({"command": "offer", "call-id": "c1", "from-tag": "f1", "via-branch": "z9hG4bK1",
      "sdp": "v=0\r\n", "ICE": "force", "DTLS": "passive", "transport-protocol": "UDP/TLS/RTP/SAVPF",
      "rtcp-mux": ["offer", "require"], "replace": ["origin", "session-connection"],
      "flags": ["trust address", "strict-source", "codec-strip-G722", "transcode-opus"],
      "codec": {"transcode": ["AMR-WB", "AMR"], "mask": ["opus"], "strip": "PCMA, G729", "accept": ["PCMU"],
                "offer": ["ignored"]},
      "direction": ["internal", "external"], "received-from": ["IP4", "192.0.2.1"], "label": "caller",
      "unknown key": {"deep": [1, 2]}, "record call": "yes"})");
  ASSERT_TRUE(p.request) << p.error;
  const NgRequest& r = *p.request;
  EXPECT_EQ(r.command, Command::offer);
  EXPECT_EQ(r.call_id, "c1");
  EXPECT_EQ(r.from_tag, "f1");
  EXPECT_EQ(r.via_branch, "z9hG4bK1");
  EXPECT_EQ(r.sdp, "v=0\r\n");
  EXPECT_EQ(r.ice, Strings{"force"});
  EXPECT_EQ(r.dtls, Strings{"passive"});
  EXPECT_EQ(r.transport_protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(r.rtcp_mux, (Strings{"offer", "require"}));
  EXPECT_EQ(r.replace, (Strings{"origin", "session-connection"}));
  EXPECT_EQ(r.flags, (std::set<std::string>{"trust-address", "strict-source"}));
  EXPECT_TRUE(r.has_flag("trust address"));
  EXPECT_TRUE(r.has_flag("trust-address"));
  EXPECT_FALSE(r.has_flag("SIPREC"));
  EXPECT_EQ(r.codec.transcode, (Strings{"opus", "AMR-WB", "AMR"}));  // in the order sent
  EXPECT_EQ(r.codec.mask, Strings{"opus"});
  EXPECT_EQ(r.codec.strip, (Strings{"G722", "PCMA", "G729"}));
  EXPECT_EQ(r.codec.accept, Strings{"PCMU"});
  EXPECT_EQ(r.direction, (Strings{"internal", "external"}));
  ASSERT_TRUE(r.received_from);
  EXPECT_EQ(r.received_from->family, "IP4");
  EXPECT_EQ(r.received_from->address, "192.0.2.1");
  EXPECT_EQ(r.label, "caller");
}

TEST(Request, KeyVariantsRtpengineAccepts) {
  const auto p = parse_json(R"({"command": "answer", "call id": "c", "from tag": "f", "to tag": "t", "SDP": "v=0",
      "transport protocol": "RTP/AVP", "received from": "198.51.100.7", "rtcp mux": "demux", "ice": ["remove"]})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->call_id, "c");
  EXPECT_EQ(p.request->from_tag, "f");
  EXPECT_EQ(p.request->to_tag, "t");
  EXPECT_EQ(p.request->transport_protocol, "RTP/AVP");
  ASSERT_TRUE(p.request->received_from);
  EXPECT_EQ(p.request->received_from->family, "");
  EXPECT_EQ(p.request->received_from->address, "198.51.100.7");
  EXPECT_EQ(p.request->rtcp_mux, Strings{"demux"});
  EXPECT_EQ(p.request->ice, Strings{"remove"});
}

TEST(Request, FlagsAsOneCommaSeparatedString) {
  const auto p = parse_json(R"({"command": "delete", "call-id": "c", "flags": "fatal, fast,,to-tag"})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->flags, (std::set<std::string>{"fatal", "fast", "to-tag"}));
}

TEST(Request, FlagPrefixesGoToTheirKeys) {
  const auto p = parse_json(R"({"command": "offer", "call-id": "c", "from-tag": "f", "sdp": "v=0",
      "flags": ["replace-origin", "rtcp-mux-demux", "codec-mask-opus", "codec-accept-AMR-WB", "codec-transcode-PCMU"]})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_TRUE(p.request->flags.empty());
  EXPECT_EQ(p.request->replace, Strings{"origin"});
  EXPECT_EQ(p.request->rtcp_mux, Strings{"demux"});
  EXPECT_EQ(p.request->codec.mask, Strings{"opus"});
  EXPECT_EQ(p.request->codec.accept, Strings{"AMR-WB"});
  EXPECT_EQ(p.request->codec.transcode, Strings{"PCMU"});
}

TEST(Request, RequiredKeysPerCommand) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"command": "offer", "call-id": "c", "from-tag": "f"})", "No SDP body in message"},
      {R"({"command": "offer", "sdp": "v=0", "from-tag": "f"})", "No call-id in message"},
      {R"({"command": "offer", "sdp": "v=0", "call-id": "c"})", "No from-tag in message"},
      {R"({"command": "answer", "sdp": "v=0", "call-id": "c", "from-tag": "f"})", "No to-tag in message"},
      {R"({"command": "delete", "from-tag": "f"})", "No call-id in message"},
      {R"({"command": "query"})", "No call-id in message"},
      {R"({"command": "play DTMF", "call-id": "c"})", "No valid DTMF code in message"},
  };
  for (const auto& [text, reason] : cases) {
    const auto p = parse_json(text);
    EXPECT_FALSE(p.request) << text;
    EXPECT_EQ(p.error, reason) << text;
  }
  EXPECT_TRUE(parse_json(R"({"command": "delete", "call-id": "c"})").request);
  EXPECT_TRUE(parse_json(R"({"command": "query", "call-id": "c"})").request);
  EXPECT_TRUE(parse_json(R"({"command": "stop media", "call-id": "c"})").request);
}

TEST(Request, NoCommandWrongCommandUnknownCommand) {
  auto p = parse_json(R"({"call-id": "c"})");
  EXPECT_EQ(p.error, "Dictionary contains no key \"command\"");
  EXPECT_EQ(p.call_id, "c");  // for the log line
  p = parse_json(R"({"command": ["ping"]})");
  EXPECT_EQ(p.error, "Invalid value for key 'command': expected a string, got list");
  p = parse_json(R"({"command": "start recording", "call-id": "c"})");
  EXPECT_EQ(p.error, "Unrecognized command 'start recording'");
  EXPECT_EQ(p.command_name, "start recording");
  p = parse_json(R"(["command", "ping"])");
  EXPECT_EQ(p.error, "The message is not a dictionary");
}

TEST(Request, WrongTypesAreRefusedWithTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"("call-id": 12)", "Invalid value for key 'call-id': expected a string, got integer"},
      {R"("sdp": ["v=0"])", "Invalid value for key 'sdp': expected a string, got list"},
      {R"("flags": {"a": 1})", "Invalid value for key 'flags': expected a list of strings or a string, got dictionary"},
      {R"("flags": ["ok", 3])", "Invalid value for key 'flags': expected a list of strings, got integer"},
      {R"("codec": ["strip"])", "Invalid value for key 'codec': expected a dictionary, got list"},
      {R"("codec": {"strip": 1})", "Invalid value for key 'codec.strip': expected a list of strings or a string, got integer"},
      {R"("direction": "internal")", "Invalid value for key 'direction': expected a list of two interface names, got string"},
      {R"("received-from": ["IP4"])", "Invalid value for key 'received-from': expected [family, address] or an address, got list"},
      {R"("ICE": null)", "Invalid value for key 'ICE': expected a list of strings or a string, got null"},
      {R"("duration": "long")", "Invalid value for key 'duration': 'long' is not an integer"},
  };
  for (const auto& [entry, reason] : cases) {
    const std::string text = R"({"command": "offer", "call-id": "c", "from-tag": "f", "sdp": "v=0", )" + entry + "}";
    const auto p = parse_json(text);
    EXPECT_FALSE(p.request) << entry;
    EXPECT_EQ(p.error, reason) << entry;
  }
}

TEST(Request, PlayMediaAndDtmf) {
  auto p = parse_json(R"({"command": "play media", "call-id": "c", "from-tag": "f", "file": "/x/ann.wav",
                          "repeat-times": "3"})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->command, Command::play_media);
  EXPECT_EQ(p.request->file, "/x/ann.wav");
  EXPECT_EQ(p.request->repeat_times, 3);
  EXPECT_FALSE(p.request->start_pos);
  p = parse_bencode("d7:command10:play media7:call-id1:c5:label6:callee4:blob4:RIFF9:start-posi50ee");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->label, "callee");
  EXPECT_EQ(p.request->blob, "RIFF");
  EXPECT_EQ(p.request->start_pos, 50);
  // neither file nor blob: refused before it reaches a call
  p = parse_json(R"({"command": "play media", "call-id": "c", "from-tag": "f"})");
  EXPECT_FALSE(p.request);
  EXPECT_EQ(p.error, "No media file or blob given");
  p = parse_json(R"({"command": "stop media", "call-id": "c", "from-tag": "f"})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->command, Command::stop_media);
  p = parse_bencode("d7:command9:play DTMF7:call-id1:c4:code1:#8:durationi300e6:volumei-10e5:pause3:120e");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request->command, Command::play_dtmf);
  EXPECT_EQ(p.request->code, 11);
  EXPECT_EQ(p.request->duration_ms, 300);
  EXPECT_EQ(p.request->volume, -10);
  EXPECT_EQ(p.request->pause_ms, 120);
  for (const auto& [code, want] : std::vector<std::pair<std::string, int>>{
           {"\"5\"", 5}, {"\"*\"", 10}, {"\"A\"", 12}, {"\"d\"", 15}, {"15", 15}, {"0", 0}, {"\"12\"", 12}}) {
    p = parse_json(R"({"command": "play DTMF", "call-id": "c", "digit": )" + code + "}");
    ASSERT_TRUE(p.request) << code << ": " << p.error;
    EXPECT_EQ(p.request->code, want) << code;
  }
  for (const std::string bad : {"16", "-1", "\"E\"", "\"\"", "[1]"}) {
    p = parse_json(R"({"command": "play DTMF", "call-id": "c", "code": )" + bad + "}");
    EXPECT_FALSE(p.request) << bad;
  }
}

}  // namespace
}  // namespace imsbox::agw::ng
