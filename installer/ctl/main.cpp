// imsbox-ctl: the C++ half of the `imsbox` command. installer/imsbox builds
// the project and hands these subcommands here.
#include <iostream>

#include "ctl/commands.h"

int main(int argc, char** argv) {
  using namespace imsbox::ctl;
  const Args all(argv + 1, argv + argc);
  if (all.empty()) {
    std::cerr << "usage: imsbox-ctl up|down|status|logs|ipsec|config|subscriber|services|calls|prompt|ivr|sip-lint|aka ...\n";
    return 2;
  }
  const std::string& cmd = all[0];
  const Args rest(all.begin() + 1, all.end());
  if (cmd == "up") return cmd_up(rest);
  if (cmd == "down") return cmd_down(rest);
  if (cmd == "status") return cmd_status(rest);
  if (cmd == "logs") return cmd_logs(rest);
  if (cmd == "ipsec") return cmd_ipsec(rest);
  if (cmd == "config") return cmd_config(rest);
  if (cmd == "subscriber") return cmd_subscriber(rest);
  if (cmd == "services") return cmd_services(rest);
  if (cmd == "calls") return cmd_calls(rest);
  if (cmd == "prompt") return cmd_prompt(rest);
  if (cmd == "ivr") return cmd_ivr(rest);
  if (cmd == "sip-lint") return cmd_sip_lint(rest);
  if (cmd == "aka") return cmd_aka(rest);
  std::cerr << "imsbox: unknown command '" << cmd << "'\n";
  return 2;
}
