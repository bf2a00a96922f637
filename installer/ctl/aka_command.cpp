// imsbox aka vector|resync: Milenage and AKA by hand, for checking a SIM, a
// UE or another HSS against ours. Prints secrets (CK, IK, OPc) on purpose:
// this is a lab tool and they are derived from keys the user typed.
#include <boost/program_options/value_semantic.hpp>
#include <iostream>
#include <optional>

#include "aka/milenage.h"
#include "ctl/common.h"
#include "hss/provisioning.h"

namespace po = boost::program_options;

namespace imsbox::ctl {

namespace {

constexpr const char* kUsage =
    "imsbox aka vector --k HEX (--op HEX | --opc HEX) --rand HEX --sqn HEX --amf HEX\n"
    "       imsbox aka resync --k HEX (--op HEX | --opc HEX) --rand HEX --auts HEX\n"
    "  vector: prints opc, mac_a (f1), mac_s (f1*), res (f2), ck (f3), ik (f4), ak (f5), ak_star (f5*), autn\n"
    "  resync: verifies MAC-S in AUTS and prints sqn_ms (exit 1 when MAC-S is wrong)";

template <std::size_t N>
std::array<std::uint8_t, N> hex_option(const char* option, const std::string& value) {
  const auto bytes = hss::parse_hex(option, value, N);  // throws ProvisioningError naming the option
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// The options both subcommands take: K and one of OP / OPc, and RAND.
struct Subscriber {
  std::string k, rand;
  std::optional<std::string> op, opc;

  void add_to(po::options_description& desc) {
    desc.add_options()("k", po::value(&k)->required(), "SIM key K, 32 hex digits")(
        "op", po::value<std::string>()->notifier([this](const std::string& v) { op = v; }),
        "operator variant OP, 32 hex digits (OPc is derived)")(
        "opc", po::value<std::string>()->notifier([this](const std::string& v) { opc = v; }),
        "derived operator variant OPc, 32 hex digits")("rand", po::value(&rand)->required(), "RAND, 32 hex digits");
  }

  // OPc from --opc or derived from --op; throws ProvisioningError.
  aka::Block opc_block(const aka::Block& k_block) const {
    if (op && opc) throw hss::ProvisioningError("give --op or --opc, not both");
    if (!op && !opc) throw hss::ProvisioningError("--op or --opc is required");
    return opc ? hex_option<16>("--opc", *opc) : aka::compute_opc(k_block, hex_option<16>("--op", *op));
  }
};

int vector_command(const Args& args) {
  Subscriber s;
  std::string sqn, amf;
  po::options_description desc("imsbox aka vector");
  s.add_to(desc);
  desc.add_options()("sqn", po::value(&sqn)->required(), "sequence number SQN, 12 hex digits")(
      "amf", po::value(&amf)->required(), "authentication management field AMF, 4 hex digits");
  int code = 0;
  if (!parse_command(args, desc, nullptr, kUsage, code)) return code;

  const auto k = hex_option<16>("--k", s.k);
  const auto opc = s.opc_block(k);
  const auto rand = hex_option<16>("--rand", s.rand);
  const auto sqn_bytes = hex_option<6>("--sqn", sqn);
  const auto amf_bytes = hex_option<2>("--amf", amf);
  aka::Milenage milenage(k, opc);
  const auto o = milenage.compute(rand, sqn_bytes, amf_bytes);
  std::cout << "opc=" << hex(opc) << "\n"
            << "mac_a=" << hex(o.mac_a) << "\n"
            << "mac_s=" << hex(o.mac_s) << "\n"
            << "res=" << hex(o.res) << "\n"
            << "ck=" << hex(o.ck) << "\n"
            << "ik=" << hex(o.ik) << "\n"
            << "ak=" << hex(o.ak) << "\n"
            << "ak_star=" << hex(o.ak_star) << "\n"
            << "autn=" << hex(aka::make_autn(sqn_bytes, o.ak, amf_bytes, o.mac_a)) << "\n";
  return 0;
}

int resync_command(const Args& args) {
  Subscriber s;
  std::string auts;
  po::options_description desc("imsbox aka resync");
  s.add_to(desc);
  desc.add_options()("auts", po::value(&auts)->required(), "AUTS from the UE, 28 hex digits");
  int code = 0;
  if (!parse_command(args, desc, nullptr, kUsage, code)) return code;

  const auto k = hex_option<16>("--k", s.k);
  const auto opc = s.opc_block(k);
  const auto rand = hex_option<16>("--rand", s.rand);
  const auto auts_bytes = hex_option<14>("--auts", auts);
  aka::Milenage milenage(k, opc);
  const auto sqn_ms = aka::resync_sqn_ms(milenage, rand, auts_bytes);
  if (!sqn_ms) {
    std::cerr << "imsbox: MAC-S in --auts does not verify for this K, OPc and RAND\n";
    return 1;
  }
  std::cout << "sqn_ms=" << hex(*sqn_ms) << "\n";
  return 0;
}

}  // namespace

int cmd_aka(const Args& args) {
  if (args.empty()) {
    std::cerr << "usage: " << kUsage << "\n";
    return 2;
  }
  const Args rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "vector") return vector_command(rest);
    if (args[0] == "resync") return resync_command(rest);
    if (args[0] == "-h" || args[0] == "--help") {
      std::cout << "usage: " << kUsage << "\n";
      return 0;
    }
  } catch (const hss::ProvisioningError& e) {
    std::cerr << "imsbox: " << e.what() << "\nusage: " << kUsage << "\n";
    return 2;
  }
  std::cerr << "imsbox: unknown aka command '" << args[0] << "'\nusage: " << kUsage << "\n";
  return 2;
}

}  // namespace imsbox::ctl
