#pragma once
// What the HSS tells an S-CSCF about a user (TS 29.228 §6.1.2, §6.5.2.1):
// the IMPUs registered together with a given one (its implicit registration
// set, TS 23.228 §4.3.3.4) and the IMS subscription sent as User-Data.
#include <optional>
#include <string>
#include <vector>

#include "ims/subscription.h"
#include "store/service_data_table.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

struct ImplicitSet {
  std::string impi;
  std::vector<store::PublicIdentityRow> identities;  // the asked one first, then by position
};

// None when `impu` is not provisioned.
std::optional<ImplicitSet> implicit_set_of(store::Database& db, const std::string& impu);

// The IMS subscription of the set: one ServiceProfile per service profile
// its IMPUs use (IMPUs without one share a profile without iFCs), with the
// iFCs in priority order. Throws std::invalid_argument if a stored trigger
// point is not valid JSON (the store was edited behind the HSS's back).
ims::ImsSubscription subscription_of(store::Database& db, const ImplicitSet& set);

}  // namespace imsbox::hss
