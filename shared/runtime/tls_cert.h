#pragma once
// A self-signed certificate for the home domain, so that TLS and WSS work
// on a fresh box. Replace the two files with real ones to use a real CA.
#include <filesystem>
#include <string>

namespace imsbox::runtime {

// Writes key_file (mode 0600, EC P-256, PEM) and cert_file (PEM, X.509 v3,
// valid 825 days, SAN: the domain, *.domain, localhost, 127.0.0.1, ::1).
// Throws std::runtime_error.
void make_self_signed_certificate(const std::string& domain, const std::filesystem::path& cert_file,
                                  const std::filesystem::path& key_file);

}  // namespace imsbox::runtime
