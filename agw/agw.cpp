#include "agw/agw.h"

#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::agw {

void Agw::start() { ctx_.log.info("Agw ready for domain " + std::string(ctx_.config.domain())); }

void Agw::stop() { ctx_.log.info("Agw stopping"); }

}  // namespace imsbox::agw
