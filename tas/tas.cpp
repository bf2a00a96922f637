#include "tas/tas.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::tas {

void Tas::start() { ctx_.log.info("Tas ready for domain " + std::string(ctx_.config.domain())); }

void Tas::stop() { ctx_.log.info("Tas stopping"); }

}  // namespace imsbox::tas
