#pragma once
// Milenage (3GPP TS 35.206) on OpenSSL's AES-128. This first part derives OPc
// from OP (TS 35.206 §4.1: OPc = OP xor E[OP]K), which provisioning needs to
// store OPc only; the f1-f5* functions come with the HSS.
#include <array>
#include <cstdint>

namespace imsbox::aka {

using Block = std::array<std::uint8_t, 16>;

Block compute_opc(const Block& k, const Block& op);

}  // namespace imsbox::aka
