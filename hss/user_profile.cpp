#include "hss/user_profile.h"

#include <algorithm>

#include "store/database.h"

namespace imsbox::hss {

std::optional<ImplicitSet> implicit_set_of(store::Database& db, const std::string& impu) {
  store::ServiceDataTable table(db);
  const auto asked = table.public_identity(impu);
  if (!asked) return std::nullopt;
  ImplicitSet set{asked->impi, {*asked}};
  for (auto& row : table.implicit_set(asked->impi, asked->implicit_set)) {
    if (row.impu != asked->impu) set.identities.push_back(std::move(row));
  }
  return set;
}

ims::ImsSubscription subscription_of(store::Database& db, const ImplicitSet& set) {
  store::ServiceDataTable table(db);
  ims::ImsSubscription out;
  out.private_id = set.impi;
  std::vector<std::optional<std::string>> profile_names;  // in order of first use
  for (const auto& identity : set.identities) {
    auto it = std::find(profile_names.begin(), profile_names.end(), identity.service_profile);
    if (it == profile_names.end()) {
      profile_names.push_back(identity.service_profile);
      ims::ServiceProfile profile;
      if (identity.service_profile) {
        for (const auto& row : table.ifcs(*identity.service_profile)) {
          ims::InitialFilterCriteria ifc;
          ifc.priority = row.priority;
          if (row.trigger_point) ifc.trigger_point = ims::trigger_point_from_json(*row.trigger_point);
          if (const auto as = table.application_server(row.application_server)) {
            ifc.application_server = ims::ApplicationServer{
                as->server_name, static_cast<ims::DefaultHandling>(as->default_handling), as->service_info,
                as->include_register_request, as->include_register_response};
          }
          if (row.profile_part_indicator) {
            ifc.profile_part_indicator = static_cast<ims::ProfilePartIndicator>(*row.profile_part_indicator);
          }
          profile.ifcs.push_back(std::move(ifc));
        }
      }
      out.service_profiles.push_back(std::move(profile));
      it = profile_names.end() - 1;
    }
    out.service_profiles[static_cast<std::size_t>(it - profile_names.begin())].public_identities.push_back(
        ims::PublicIdentity{identity.impu, identity.barred, identity.display_name});
  }
  return out;
}

}  // namespace imsbox::hss
