#include "diameter/peer_admission.h"

#include <gtest/gtest.h>

namespace imsbox::diameter {
namespace {

using boost::asio::ip::make_address;
using Verdict = PeerAdmission::Verdict;

TEST(PeerAdmission, AnIdentityIsAdmittedOnlyFromItsAddresses) {
  PeerAdmission a;
  a.allow("scscf.ims.test", make_address("192.0.2.7"));
  a.allow("scscf.ims.test", make_address("2001:db8::7"));
  EXPECT_EQ(a.check("scscf.ims.test", make_address("192.0.2.7")), Verdict::admitted);
  EXPECT_EQ(a.check("SCSCF.ims.TEST", make_address("2001:db8::7")), Verdict::admitted);
  EXPECT_EQ(a.check("scscf.ims.test", make_address("192.0.2.8")), Verdict::wrong_address);
  EXPECT_EQ(a.check("scscf.ims.test", make_address("127.0.0.1")), Verdict::wrong_address);
  EXPECT_EQ(a.check("icscf.ims.test", make_address("192.0.2.7")), Verdict::unknown_identity);
  EXPECT_TRUE(a.knows("Scscf.Ims.Test"));
  EXPECT_FALSE(a.knows("icscf.ims.test"));
}

TEST(PeerAdmission, LoopbackMeansAnyLoopbackAddress) {
  PeerAdmission a;
  a.allow_loopback("icscf.ims.test");
  EXPECT_EQ(a.check("icscf.ims.test", make_address("127.0.0.1")), Verdict::admitted);
  EXPECT_EQ(a.check("icscf.ims.test", make_address("127.3.4.5")), Verdict::admitted);
  EXPECT_EQ(a.check("icscf.ims.test", make_address("::1")), Verdict::admitted);
  EXPECT_EQ(a.check("icscf.ims.test", make_address("::ffff:127.0.0.1")), Verdict::admitted);
  EXPECT_EQ(a.check("icscf.ims.test", make_address("192.0.2.1")), Verdict::wrong_address);
}

TEST(PeerAdmission, AnIpv4MappedAddressIsItsIpv4Address) {
  PeerAdmission a;
  a.allow("as.ims.test", make_address("::ffff:192.0.2.9"));
  EXPECT_EQ(a.check("as.ims.test", make_address("192.0.2.9")), Verdict::admitted);
  EXPECT_EQ(a.check("as.ims.test", make_address("::ffff:192.0.2.9")), Verdict::admitted);
}

TEST(PeerAdmission, NobodyIsAdmittedByAnEmptyTable) {
  PeerAdmission a;
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.check("scscf.ims.test", make_address("127.0.0.1")), Verdict::unknown_identity);
  EXPECT_EQ(a.describe(), "none");
}

TEST(PeerAdmission, DescribeListsEachIdentityWithWhereFrom) {
  PeerAdmission a;
  a.allow_loopback("icscf.ims.test");
  a.allow("icscf.ims.test", make_address("192.0.2.1"));
  a.allow("scscf.example.org", make_address("192.0.2.7"));
  a.allow("scscf.example.org", make_address("192.0.2.7"));  // once
  EXPECT_EQ(a.describe(), "icscf.ims.test (loopback, 192.0.2.1), scscf.example.org (192.0.2.7)");
}

TEST(PeerAdmission, TheRemoteAddressIsReadFromFreeDiametersConnectionName) {
  EXPECT_EQ(remote_address_of("{----} TCP from [192.0.2.7]:43210 (7<-9)")->to_string(), "192.0.2.7");
  EXPECT_EQ(remote_address_of("{----} TCP from [127.0.0.1]:1 (7<-9)")->to_string(), "127.0.0.1");
  EXPECT_EQ(remote_address_of("{----} TCP from [::1]:5 (7<-9)")->to_string(), "::1");
  EXPECT_EQ(remote_address_of("{----} TCP from [2001:db8::7]:40000 (10<-12)")->to_string(), "2001:db8::7");
  EXPECT_EQ(remote_address_of("{----} TCP from [::ffff:192.0.2.7]:40000 (10<-12)")->to_string(), "192.0.2.7");
  // freeDiameter's name is 59 characters at most: a long IPv6 address is cut
  // short, and a name without an address admits nobody.
  EXPECT_FALSE(remote_address_of("{----} TCP from [2001:db8:aaaa:bbbb:cccc:dddd:eeee:ff"));
  EXPECT_FALSE(remote_address_of("{----} TCP from [[err:Name or service not known]]:"));
  EXPECT_FALSE(remote_address_of("{----} TCP srv [0.0.0.0]:3868 (5)"));
  EXPECT_FALSE(remote_address_of(""));
}

}  // namespace
}  // namespace imsbox::diameter
