#include "icscf/icscf.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::icscf {

void Icscf::start() { ctx_.log.info("Icscf ready for domain " + std::string(ctx_.config.domain())); }

void Icscf::stop() { ctx_.log.info("Icscf stopping"); }

}  // namespace imsbox::icscf
