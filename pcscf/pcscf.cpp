#include "pcscf/pcscf.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::pcscf {

void Pcscf::start() { ctx_.log.info("Pcscf ready for domain " + std::string(ctx_.config.domain())); }

void Pcscf::stop() { ctx_.log.info("Pcscf stopping"); }

}  // namespace imsbox::pcscf
