#include "tas/services.h"

#include <string>

#include "runtime/log.h"
#include "store/simservs_table.h"

namespace imsbox::tas {

simservs::Document services_of(const store::SimservsTable& table, std::string_view impu, runtime::Logger& log) {
  const auto stored = table.find(impu);
  if (!stored) return simservs::empty_document();
  auto parsed = simservs::parse(stored->document);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    log.warning("the stored simservs document of " + std::string(impu) + " is unreadable (" + *error +
                "): all its supplementary services are off until it is written again");
    return simservs::empty_document();
  }
  return std::get<simservs::Document>(std::move(parsed));
}

}  // namespace imsbox::tas
