#include "scscf/scscf.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::scscf {

void Scscf::start() { ctx_.log.info("Scscf ready for domain " + std::string(ctx_.config.domain())); }

void Scscf::stop() { ctx_.log.info("Scscf stopping"); }

}  // namespace imsbox::scscf
