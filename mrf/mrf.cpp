#include "mrf/mrf.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::mrf {

void Mrf::start() { ctx_.log.info("Mrf ready for domain " + std::string(ctx_.config.domain())); }

void Mrf::stop() { ctx_.log.info("Mrf stopping"); }

}  // namespace imsbox::mrf
