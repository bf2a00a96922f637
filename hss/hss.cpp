#include "hss/hss.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::hss {

void Hss::start() { ctx_.log.info("Hss ready for domain " + std::string(ctx_.config.domain())); }

void Hss::stop() { ctx_.log.info("Hss stopping"); }

}  // namespace imsbox::hss
