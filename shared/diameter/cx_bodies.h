#pragma once
// Internal to shared/diameter: the command-specific AVPs of each Cx request
// and answer (TS 29.229 §6.1), written and read with avp_io.h. cx_codec.cpp
// handles what all of them share (header AVPs, result, errors).
#include "diameter/avp_io.h"
#include "diameter/cx_messages.h"

namespace imsbox::diameter::detail {

void write_body(AvpWriter& w, const UserAuthorizationRequest& m);
void write_body(AvpWriter& w, const ServerAssignmentRequest& m);
void write_body(AvpWriter& w, const LocationInfoRequest& m);
void write_body(AvpWriter& w, const MultimediaAuthRequest& m);
void write_body(AvpWriter& w, const RegistrationTerminationRequest& m);
void write_body(AvpWriter& w, const PushProfileRequest& m);
void write_body(AvpWriter& w, const UserAuthorizationAnswer& m);
void write_body(AvpWriter& w, const ServerAssignmentAnswer& m);
void write_body(AvpWriter& w, const LocationInfoAnswer& m);
void write_body(AvpWriter& w, const MultimediaAuthAnswer& m);
void write_body(AvpWriter& w, const RegistrationTerminationAnswer& m);
void write_body(AvpWriter& w, const PushProfileAnswer& m);

// Requests are read strictly (mandatory AVPs, value ranges); answers leniently.
void read_body(AvpReader& r, UserAuthorizationRequest& m);
void read_body(AvpReader& r, ServerAssignmentRequest& m);
void read_body(AvpReader& r, LocationInfoRequest& m);
void read_body(AvpReader& r, MultimediaAuthRequest& m);
void read_body(AvpReader& r, RegistrationTerminationRequest& m);
void read_body(AvpReader& r, PushProfileRequest& m);
void read_body(AvpReader& r, UserAuthorizationAnswer& m);
void read_body(AvpReader& r, ServerAssignmentAnswer& m);
void read_body(AvpReader& r, LocationInfoAnswer& m);
void read_body(AvpReader& r, MultimediaAuthAnswer& m);
void read_body(AvpReader& r, RegistrationTerminationAnswer& m);
void read_body(AvpReader& r, PushProfileAnswer& m);

void write_supported_features(AvpWriter& w, const std::vector<SupportedFeatures>& list);
std::vector<SupportedFeatures> read_supported_features(AvpReader& r, bool strict);

}  // namespace imsbox::diameter::detail
