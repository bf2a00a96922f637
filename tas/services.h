#pragma once
// The supplementary services of one public user identity as the TAS acts on
// them: its simservs document from the store (store/simservs_table.h).
// Documents are validated before they are stored, so an unreadable one means
// the store was changed behind the TAS's back (or by an older/newer schema of
// the document): the user then has no service at all ("all services off"),
// and a warning names the IMPU and the reason, rather than calls failing.
#include <string_view>

#include "tas/simservs/document.h"

namespace imsbox::store {
class SimservsTable;
}
namespace imsbox::runtime {
class Logger;
}

namespace imsbox::tas {

// The document of `impu`; simservs::empty_document() when it has none or
// when the stored one does not parse (logged).
simservs::Document services_of(const store::SimservsTable& table, std::string_view impu, runtime::Logger& log);

}  // namespace imsbox::tas
