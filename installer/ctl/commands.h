#pragma once
// The subcommands of `imsbox` that run in C++ (installer/imsbox handles
// install, build, test and bench itself and hands the rest to imsbox-ctl).
// Each takes its arguments after the subcommand's name and returns the exit
// code: 0 success, 1 failure (with a message on stderr), 2 bad usage.
#include <string>
#include <vector>

namespace imsbox::ctl {

using Args = std::vector<std::string>;

int cmd_up(const Args& args);
int cmd_down(const Args& args);
int cmd_status(const Args& args);
int cmd_logs(const Args& args);
// The P-CSCF's IPsec SAs per UE (its /ipsec page).
int cmd_ipsec(const Args& args);
int cmd_config(const Args& args);
int cmd_subscriber(const Args& args);
int cmd_sip_lint(const Args& args);
int cmd_aka(const Args& args);
int cmd_calls(const Args& args);
// The MRF's prompts (list, add, del).
int cmd_prompt(const Args& args);
// The supplementary services of a public identity (the TAS's simservs documents).
int cmd_services(const Args& args);
// The MRF's IVR menus (list, add, show, del).
int cmd_ivr(const Args& args);

}  // namespace imsbox::ctl
